//! `lock-as-semaphore`: a lock held across the per-item work of a fan-out,
//! which serialises the fan-out to one task at a time.

use crate::analysis::facts::{Acquisition, Body, Call, Callee, Holder, LocalOrigin, PlaceRoot, Projection};
use crate::analysis::index::Family;
use crate::diagnostic::Finding;
use crate::rules::fan_out::{fan_out_of, FanOut};
use crate::rules::{BodyRef, CrateCx};

crate::declare_rule! {
    name: "lock-as-semaphore",
    level: Warn,
    summary: "a lock is held across the per-item work of a fan-out, serialising it to one task at a time",
    docs: r#"## What it does
Finds an async lock (whatever it guards) held across the await of per-item
work inside a fan-out: tasks spawned in a loop (`tokio::spawn`,
`JoinSet::spawn`, `FuturesUnordered::push`), futures mapped over an
iterator and run by `join_all`/`try_join_all`, `buffer_unordered`,
`buffered` or `for_each_concurrent`, when the awaited call does not use the
guarded value (the guard is not its receiver or an argument).

## Why is this bad?
The fan-out is there to run the items at once, but every task waits for
the lock, and the one holding it keeps it while its work is awaited: the
items run one at a time, and the fan-out is a slow loop. asyncio's
guidance says the same of a `Lock` guarding a `gather`: it serialises it.
When a cap was the intent, one is rarely the right cap; when the lock
guards a cache, only the check and the insert need it.

## Example
```rust
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Mutex;

async fn warm(cache: Arc<Mutex<HashMap<u64, u64>>>, ids: Vec<u64>) {
    for id in ids {
        let cache = cache.clone();
        tokio::spawn(async move {
            let mut c = cache.lock().await;
            if !c.contains_key(&id) {
                let n = count(id).await;
                c.insert(id, n);
            }
        });
    }
}
async fn count(id: u64) -> u64 { id }
```

## Use instead
```rust
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Mutex;

async fn warm(cache: Arc<Mutex<HashMap<u64, u64>>>, ids: Vec<u64>) {
    for id in ids {
        let cache = cache.clone();
        tokio::spawn(async move {
            if cache.lock().await.contains_key(&id) {
                return;
            }
            let n = count(id).await;
            cache.lock().await.entry(id).or_insert(n);
        });
    }
}
async fn count(id: u64) -> u64 { id }
```
Check, release, fetch, re-lock and insert (with the entry API, since
another task may have inserted meanwhile). To cap the concurrency, use a
`tokio::sync::Semaphore::new(N)` and hold a permit across the work instead.

## Known problems
Only the body of the spawned or mapped future is read: a task that calls
a helper which locks across an await is not reported. A read lock is not
reported (readers do not exclude each other), nor a lock made inside the
task or reached through an index or a map lookup (a lock per item or per
key serialises only the tasks of that item), nor a lock held across a
`sleep` or an interval tick (pacing on purpose). Test code is not checked.
A lock that guards no data (`Mutex<()>`) used for plain mutual exclusion
outside a fan-out is not reported any more: on real code such a lock was
deliberate every time (one writer to a terminal, one migration at a time).
"#,
}

pub fn check(cx: &CrateCx<'_>, out: &mut Vec<Finding>) {
    for BodyRef { fi, file_id, facts, body, .. } in cx.bodies().filter(|b| b.body.kind.is_async() && !b.body.is_test) {
        let Some(fan_out) = fan_out_of(cx, facts, body) else { continue };
        for acq in &body.acquisitions {
            if !excludes_other_tasks(acq) || !is_shared(body, acq) {
                continue;
            }
            let Some(r) = cx.index.resolve_acquisition(fi, body, acq) else { continue };
            if r.kind.family() != Family::Async {
                continue;
            }
            let Some((await_span, work)) = unrelated_work(body, acq) else { continue };
            out.push(finding(file_id, acq, await_span, work, &fan_out));
        }
    }
}

/// An awaited, exclusive acquisition made in this body and kept past an
/// await.
fn excludes_other_tasks(acq: &Acquisition) -> bool {
    let exclusive = acq.method.contains("upgrad") || !acq.method.contains("read");
    acq.shape.awaited
        && exclusive
        && acq.captured_from.is_none()
        && !acq.held_at.is_empty()
        && !matches!(acq.holder, Holder::Wildcard | Holder::Discarded)
}

/// The lock is one lock for every task: not made in the task, not picked
/// per item by an index or a lookup.
fn is_shared(body: &Body, acq: &Acquisition) -> bool {
    let per_item = acq.receiver.projections.iter().any(|p| match p {
        Projection::Index => true,
        Projection::Method(m) => !crate::analysis::facts::is_see_through_method(m),
        _ => false,
    });
    if per_item {
        return false;
    }
    match &acq.receiver.root {
        PlaceRoot::Local { name, origin } => {
            let made_here = matches!(origin, LocalOrigin::Constructed(_))
                && body.locals.iter().any(|l| &l.name == name && l.span.lo < acq.span.lo);
            !made_here
        }
        PlaceRoot::SelfValue | PlaceRoot::Path(_) => true,
        PlaceRoot::Unknown => false,
    }
}

/// The first await the guard is held across whose awaited call does not
/// use the guard, with that call.
fn unrelated_work<'b>(body: &'b Body, acq: &Acquisition) -> Option<(crate::diagnostic::Span, &'b Call)> {
    let guard = match &acq.holder {
        Holder::Binding { name, .. } => Some(name.as_str()),
        _ => None,
    };
    acq.held_at.iter().find_map(|&w| {
        let at = body.awaits[w as usize].span;
        let call = awaited_call(body, at)?;
        (!uses_guard(call, acq, guard) && !is_pacing(call)).then_some((at, call))
    })
}

/// The call whose value the `.await` at `at` awaits: the awaited call
/// ending last before it, with no other await between.
fn awaited_call(body: &Body, at: crate::diagnostic::Span) -> Option<&Call> {
    let call = body.calls.iter().filter(|c| c.awaited && c.span.hi <= at.lo).max_by_key(|c| (c.span.hi, c.span.lo))?;
    let between = body.awaits.iter().any(|a| a.span.lo >= call.span.hi && a.span.lo < at.lo);
    (!between).then_some(call)
}

/// The awaited call reads or writes through the guard: it is the receiver,
/// or an argument mentions it, or the guard is made inside the call
/// (`rx.lock().await.recv().await`, `send(conn.lock().await.deref_mut())`).
fn uses_guard(call: &Call, acq: &Acquisition, guard: Option<&str>) -> bool {
    if call.span.lo <= acq.span.lo && acq.span.hi <= call.span.hi {
        return true;
    }
    let Some(guard) = guard else { return false };
    if call.arg_idents.iter().any(|a| a == guard) {
        return true;
    }
    matches!(&call.callee, Callee::Method { receiver: Some(r), .. }
        if matches!(&r.root, PlaceRoot::Local { name, .. } if name == guard))
}

/// Sleeping or ticking under a lock paces the tasks on purpose.
fn is_pacing(call: &Call) -> bool {
    let name = match &call.callee {
        Callee::Method { name, .. } => name.as_str(),
        Callee::Path(p) => p.last().map(String::as_str).unwrap_or(""),
        Callee::Macro(_) => return false,
    };
    matches!(name, "sleep" | "sleep_until" | "tick" | "yield_now")
}

fn call_text(call: &Call) -> String {
    match &call.callee {
        Callee::Method { receiver: Some(r), name } => format!("{}.{name}(..)", r.text),
        Callee::Method { receiver: None, name } => format!("{name}(..)"),
        Callee::Path(p) => format!("{}(..)", p.join("::")),
        Callee::Macro(p) => format!("{}!(..)", p.join("::")),
    }
}

fn finding(
    file: u32,
    acq: &Acquisition,
    await_span: crate::diagnostic::Span,
    work: &Call,
    fan_out: &FanOut,
) -> Finding {
    META.finding(
        file,
        acq.span,
        format!(
            "`{}` is held across `{}` in every task of a fan-out: the tasks run one at a time",
            acq.receiver.text,
            call_text(work)
        ),
    )
    .with_primary_label("each task takes the lock here")
    .with_label(await_span, "and keeps it while this work is awaited")
    .with_label(fan_out.span, fan_out.label.clone())
    .with_help("release the guard before the await (check, release, fetch, re-lock, insert with the entry API); to cap the concurrency, hold a permit of `tokio::sync::Semaphore::new(N)` instead")
    .with_note("a lock held across the per-item work serialises the fan-out: every task waits for the one holding it")
}
