//! The stale-permit shape of `lost-wakeup`: `notify_one()` publishes a
//! state and stores a permit when no task waits. A waiter whose fast path
//! takes the state without waiting leaves that permit behind, so its next
//! single `notified().await` returns at once and goes on as if a new state
//! had been published.

use crate::analysis::facts::{Body, ControlKind};
use crate::diagnostic::{Finding, Span};
use crate::rules::signal_wrappers::SignalOp;
use crate::rules::signals::{is_shared_place, method, notifies_between};
use crate::rules::CrateCx;

use super::{conditional_reads, enables, with_notifier, META};

/// Reads that consume the state they read: what the fast path takes is
/// gone when the next waiter looks.
const CONSUMING: &[&str] =
    &["take", "swap", "pop", "pop_front", "pop_back", "try_recv", "compare_exchange", "compare_exchange_weak"];

/// Methods that change shared state before a `notify_one()`: the
/// notification publishes that state.
const PUBLISHING: &[&str] = &[
    "store",
    "swap",
    "fetch_add",
    "fetch_sub",
    "fetch_or",
    "fetch_and",
    "insert",
    "push",
    "push_back",
    "push_front",
    "replace",
    "set",
    "send",
    "send_replace",
];

pub(super) fn check(cx: &CrateCx<'_>, setters: &[&SignalOp<'_>], waiters: &[&SignalOp<'_>], out: &mut Vec<Finding>) {
    for w in waiters {
        let body = w.body;
        // A single wait, awaited where it is made, in straight-line code:
        // in a loop the state is checked again before the next wait, and a
        // wait under an `if` on the state is `wait-without-loop`'s.
        if !body.kind.is_async()
            || body.is_test
            || enables(body)
            || w.call.bound_to.is_some()
            || !w.call.awaited
            || body.innermost_loop(w.call.ctx).is_some()
            || body.enclosing_branch(w.call.ctx).is_some()
        {
            continue;
        }
        let Some(fast_path) = consuming_fast_path(body, w.call.span.lo) else { continue };
        // The state looked at again after the wake-up (`if let Some(v) =
        // slot.take()`, `match`, `while`): the waiter decides on it.
        if conditional_reads(cx, body).iter().any(|(s, _, _)| s.lo >= w.call.span.hi) {
            continue;
        }
        if notifies_between(body, fast_path.hi, w.call.span.lo, |k| w.keys.iter().any(|wk| wk.matches(k))) {
            continue;
        }
        let Some(s) = setters.iter().find(|s| s.op == "notify_one" && s.same_signal(w) && publishes(s)) else {
            continue;
        };
        let primary = match w.via_text() {
            Some(via) => format!("{via} once, and returns at once on a stored permit"),
            None => "awaited once: returns at once on a stored permit".to_string(),
        };
        let mut f = META.finding(
            w.file,
            w.call.span,
            "`notified()` awaited once after a fast path that takes the state: a permit `notify_one()` stored for a state already taken wakes it at once",
        )
        .with_primary_label(primary)
        .with_label(fast_path, "the state is taken here without waiting, and the permit stays stored");
        f = with_notifier(
            f,
            w,
            s,
            ("`notify_one()`", "publishes the state and calls `notify_one()`"),
            "stores a permit when no task waits",
        );
        out.push(
            f.with_help("check the state again after every wake-up, in a loop: `loop { if let Some(v) = take() { return v } notify.notified().await }`")
                .with_help("for a state that stays set, use `watch` or `OnceCell`; for values handed over, `mpsc` or `oneshot`")
                .with_note("a wake-up from `notify_one()` says that the state changed at some point, not that it is there now: the permit may date from a state an earlier round already took"),
        );
    }
}

/// `if let Some(v) = slot.lock().unwrap().take() { return v }` /
/// `if ready.swap(false, ..) { return }` before `lo`, outside any loop: a
/// consuming read of shared state in an `if` whose branch leaves the
/// function. Its span.
fn consuming_fast_path(body: &Body, lo: u32) -> Option<Span> {
    body.calls
        .iter()
        .filter(|c| c.span.hi <= lo && c.in_closure.is_none() && body.innermost_loop(c.ctx).is_none())
        .filter(|c| {
            method(c).is_some_and(|(m, r)| CONSUMING.contains(&m) && r.is_some_and(|r| is_shared_place(body, r)))
        })
        .filter(|c| leaves_when_taken(body, c.ctx))
        .map(|c| c.span)
        .next_back()
}

/// Is `ctx` in the condition of an `if` whose then-branch leaves the
/// function?
fn leaves_when_taken(body: &Body, ctx: Option<u32>) -> bool {
    let mut cur = ctx;
    while let Some(id) = cur {
        let c = &body.controls[id as usize];
        match c.kind {
            ControlKind::IfCond => {
                let Some(the_if) = c.parent else { return false };
                return body
                    .controls
                    .iter()
                    .any(|t| t.parent == Some(the_if) && t.kind == ControlKind::IfThen && t.returns);
            }
            ControlKind::Closure | ControlKind::LoopBody | ControlKind::IfThen | ControlKind::IfElse => return false,
            _ => {}
        }
        cur = c.parent;
    }
    false
}

/// The notifying body changes shared state before it notifies: an
/// assignment, or a `store`/`insert`/`push`… on a shared place.
fn publishes(s: &SignalOp<'_>) -> bool {
    let body = s.body;
    let before = s.call.span.lo;
    body.writes.iter().any(|w| w.span.hi <= before && is_shared_place(body, &w.target))
        || body.calls.iter().any(|c| {
            c.span.hi <= before
                && method(c)
                    .is_some_and(|(m, r)| PUBLISHING.contains(&m) && r.is_some_and(|r| is_shared_place(body, r)))
        })
}
