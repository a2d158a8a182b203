//! `wait-without-loop`: a wait for a predicate guarded by `if` instead of a
//! re-checking loop.

use std::collections::HashMap;

use crate::analysis::facts::{Body, Call, Holder};
use crate::diagnostic::Finding;
use crate::rules::signal_wrappers::signal_ops;
use crate::rules::signals::{classify, key, maybe_notify, method, notifies_between, state_reads, SigKind};
use crate::rules::{BodyRef, CrateCx};

crate::declare_rule! {
    name: "wait-without-loop",
    level: Warn,
    summary: "a wait for a predicate (`notified().await`, `Condvar::wait`) under `if` instead of a re-checking loop",
    docs: r#"## What it does
Finds a wait for a condition that checks the condition once, with `if`, and
does not check it again after waking up:
`if !ready.load(..) { notify.notified().await }` and
`if !*ready { ready = condvar.wait(ready).unwrap() }` (std and parking_lot
`Condvar`, in async or sync code), when the wait is in no loop. A call of
the crate's own wrapper method that awaits `notified()` once
(`self.ready.wait().await`) counts as that wait.

## Why is this bad?
Waking up does not mean the condition holds: as asyncio's advice for
`Condition.wait()` says, wait in a loop that re-checks the predicate. A `Notify` may hold a stale
permit from an earlier `notify_one`, another waiter may have consumed the
state first, and a `Condvar` may wake up spuriously. The code after the `if`
then runs on a false predicate.

## Example
```rust
use std::sync::{Condvar, Mutex};

fn wait_ready(lock: &Mutex<bool>, cv: &Condvar) {
    let mut ready = lock.lock().unwrap();
    if !*ready {
        ready = cv.wait(ready).unwrap();
    }
    assert!(*ready);
}
```

## Use instead
```rust
use std::sync::{Condvar, Mutex};

fn wait_ready(lock: &Mutex<bool>, cv: &Condvar) {
    let ready = lock.lock().unwrap();
    let ready = cv.wait_while(ready, |r| !*r).unwrap();
    assert!(*ready);
}
```
Or `while !pred { … wait … }`; for a `Notify`, create the `Notified` and
`enable()` it, then check the predicate, in a loop.

## Known problems
A wait inside a helper that its caller calls in a loop is reported. A
`notified()` wait in test code is not (there the `if` is a switch of the
test, not the predicate), nor one that follows a notification of another
`Notify` in the same branch (a handshake: `started.notify_one();
release.notified().await`). A
`notified()` wait is only reported when the `if` condition visibly reads
shared state (an atomic `load`, a lock or borrow, a collection query); a
`Condvar::wait` is recognised by the receiver's type or by a guard passed to
it.
"#,
}

pub fn check(cx: &CrateCx<'_>, out: &mut Vec<Finding>) {
    // Waits behind wrapper methods (`self.ready.wait().await`), by call.
    let wrapped: HashMap<(usize, u32, u32), String> = signal_ops(cx)
        .into_iter()
        .filter(|o| o.op == "notified")
        .filter_map(|o| Some(((o.fi, o.call.span.lo, o.call.span.hi), o.via_text()?)))
        .collect();
    for BodyRef { fi, file_id, body, .. } in cx.bodies() {
        for call in &body.calls {
            let via = wrapped.get(&(fi, call.span.lo, call.span.hi));
            let Some(kind) = wait_kind(cx, fi, body, call).or(via.map(|_| Wait::Notified)) else { continue };
            if body.in_loop(call.ctx) {
                continue;
            }
            let Some((_, the_if)) = body.enclosing_branch(call.ctx) else { continue };
            let Some(cond) = body.condition_of(the_if) else { continue };
            if kind == Wait::Notified && state_reads(body, cond).is_empty() {
                continue;
            }
            // A test's `if pause { release.notified().await }` is a switch
            // of the test, not a predicate of the wait.
            if kind == Wait::Notified && body.is_test {
                continue;
            }
            let cond_span = body.controls[cond as usize].span;
            let wait_key = method(call).and_then(|(_, r)| r).and_then(|r| key(body, r));
            if notifies_between(body, cond_span.hi, call.span.lo, |k| wait_key.as_ref().is_some_and(|w| w.matches(k))) {
                continue;
            }
            let (what, fix) = match kind {
                Wait::Notified => (
                    "`notified().await`",
                    "re-check in a loop: `while !pred { notified.await }`, creating and `enable()`-ing the `Notified` before each check",
                ),
                Wait::Condvar => (
                    "`Condvar::wait`",
                    "re-check in a loop: `while !pred { guard = cv.wait(guard).unwrap(); }`, or use `Condvar::wait_while`",
                ),
            };
            out.push(
                META.finding(
                    file_id,
                    call.span,
                    format!("{what} guarded by `if`: the predicate is not re-checked after waking"),
                )
                .with_primary_label(via.map_or("waits once".to_string(), |via| format!("waits once: {via}")))
                .with_label(cond_span, "predicate checked only once, here")
                .with_help(fix)
                .with_note(match kind {
                    Wait::Notified => "a stored permit from an earlier notification, or another waiter getting there first, wakes this task while the predicate is still false",
                    Wait::Condvar => "a condition variable may wake up spuriously, and another thread may change the state before this one runs",
                }),
            );
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Wait {
    Notified,
    Condvar,
}

fn wait_kind(cx: &CrateCx<'_>, fi: usize, body: &Body, call: &Call) -> Option<Wait> {
    let (name, recv) = method(call)?;
    match name {
        "notified" if call.arg_count == 0 => maybe_notify(cx, fi, body, recv?).then_some(Wait::Notified),
        "wait" if call.arg_count == 1 => {
            let by_type = recv.is_some_and(|r| classify(cx, fi, body, r) == Some(SigKind::Condvar));
            let guard_arg = call.arg_idents.iter().any(|a| {
                body.acquisitions.iter().any(|acq| matches!(&acq.holder, Holder::Binding { name, .. } if name == a))
            });
            (by_type || guard_arg).then_some(Wait::Condvar)
        }
        _ => None,
    }
}
