//! A permit held by an async caller while the work it bounds runs in a
//! spawned task or blocking closure that the caller waits for: cancelling
//! the caller returns the permit, and the work runs on unbounded.

use super::{Sites, META};
use crate::analysis::facts::{Acquisition, Body, Call, Callee, Holder, PlaceRoot};
use crate::analysis::index::Family;
use crate::diagnostic::{Finding, Span};
use crate::rules::fan_out::callee_name;
use crate::rules::{BodyRef, CrateCx};

pub(super) fn check(cx: &CrateCx<'_>, sites: &Sites, out: &mut Vec<Finding>) {
    for BodyRef { fi, file_id, bi, body, .. } in cx.bodies().filter(|b| b.body.kind.is_async() && !b.body.is_test) {
        for call in body.calls.iter().filter(|c| is_spawn(c)) {
            for &h in &call.held {
                let permit = &body.acquisitions[h as usize];
                let Holder::Binding { name, .. } = &permit.holder else { continue };
                let forgotten = sites.forgets.iter().any(|f| (f.fi, f.bi, f.acq) == (fi, bi, Some(h as usize)));
                if forgotten || permit.captured_from.is_some() {
                    continue;
                }
                let is_permit = cx
                    .index
                    .resolve_acquisition(fi, body, permit)
                    .is_some_and(|r| r.kind.family() == Family::Semaphore);
                if !is_permit {
                    continue;
                }
                let Some(wait) = waited_under(body, call, permit) else { continue };
                out.push(finding(file_id, call, permit, name, wait));
            }
        }
    }
}

/// `tokio::spawn(fut)`, `spawn_blocking(f)`, `set.spawn(fut)`, a crate's
/// own `fsync_spawn_blocking(f)`: a task or thread that runs on its own
/// (not `Command::spawn()`, which takes no argument).
fn is_spawn(call: &Call) -> bool {
    let name = callee_name(call);
    let spawns = matches!(name, "spawn" | "spawn_local") || name.ends_with("spawn_blocking");
    spawns && call.arg_count >= 1 && call.in_closure.is_none()
}

/// Where the caller waits for the spawned work while the permit is held:
/// the spawn awaited itself or inside an awaited call (`timeout(d,
/// spawn_blocking(..))`), its handle awaited (`h.await`), or the
/// `JoinSet` it was spawned on joined.
fn waited_under(body: &Body, spawn: &Call, permit: &Acquisition) -> Option<Span> {
    let held = |i: &u32| permit.held_at.contains(i);
    let first_await_after = |at: u32| {
        body.awaits
            .iter()
            .enumerate()
            .filter(|(_, w)| w.span.lo >= at)
            .min_by_key(|(_, w)| w.span.lo)
            .map(|(i, _)| i as u32)
    };
    let awaited_call = body
        .calls
        .iter()
        .filter(|c| c.awaited && c.span.lo <= spawn.span.lo && spawn.span.hi <= c.span.hi)
        .min_by_key(|c| c.span.hi - c.span.lo);
    if let Some(c) = awaited_call {
        return first_await_after(c.span.hi).filter(held).map(|i| body.awaits[i as usize].span);
    }
    if let Some(handle) = &spawn.bound_to {
        let joined = body.awaits.iter().enumerate().find(|(i, w)| {
            w.span.lo > spawn.span.hi && w.local.as_deref() == Some(handle.as_str()) && held(&(*i as u32))
        });
        if let Some((_, w)) = joined {
            return Some(w.span);
        }
    }
    let Callee::Method { receiver: Some(set), .. } = &spawn.callee else { return None };
    let PlaceRoot::Local { name: set_name, .. } = &set.root else { return None };
    body.calls
        .iter()
        .filter(|c| c.awaited && c.span.lo > spawn.span.hi)
        .filter(|c| matches!(&c.callee, Callee::Method { receiver: Some(r), .. } if matches!(&r.root, PlaceRoot::Local { name, .. } if name == set_name)))
        .find_map(|c| first_await_after(c.span.hi).filter(held))
        .map(|i| body.awaits[i as usize].span)
}

fn finding(file: u32, spawn: &Call, permit: &Acquisition, name: &str, wait: Span) -> Finding {
    META.finding(
        file,
        spawn.span,
        format!("the permit `{name}` is not moved into the work spawned here: if the caller is cancelled, it returns while the work runs on"),
    )
    .with_primary_label(format!("`{}` runs this work on its own, without the permit", callee_name(spawn)))
    .with_label(permit.span, "the permit is taken here and held by the caller only")
    .with_label(wait, "if the caller is cancelled while waiting here, the permit is given back early")
    .with_help("take an owned permit (`acquire_owned()`) and move it into the spawned task or closure, so it is released when the work ends")
    .with_note("a spawned task or blocking closure is not cancelled with the future that spawned it: once the caller gives up, the semaphore no longer bounds the work")
}
