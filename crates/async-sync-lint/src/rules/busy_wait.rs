//! `busy-wait`: a flag polled with a sleep or `yield_now` in async code.

use crate::analysis::facts::{Body, Call, Callee, ControlKind, Holder};
use crate::analysis::index::WrittenIn;
use crate::diagnostic::{Finding, Span};
use crate::rules::signals::{is_flag_getter_call, method, state_reads};
use crate::rules::try_poll::{polled_try, probes_until_taken, sleeps_between_tries, spins_without_await, Polled};
use crate::rules::{BodyRef, CrateCx};

crate::declare_rule! {
    name: "busy-wait",
    level: Warn,
    summary: "a flag polled with a sleep or `yield_now` in async code instead of awaiting a notification",
    docs: r#"## What it does
Finds async loops that do nothing but check a flag and sleep (or
`yield_now`): `while !flag.load(..) { sleep(d).await }`,
`loop { if done.load(..) { break } sleep(d).await }`, the same with a
`Mutex<bool>` checked under the lock, and `yield_now()` spins.

A loop that does other work besides the check and the sleep (a ticker that
flushes, polls a socket or awaits anything else each round) is periodic
work, not a wait, and is not reported.

It also finds loops that poll a `try_*` method whose waiting twin could be
awaited: `try_recv()`, `try_lock()`, `try_acquire()`, `try_read()`,
`try_write()` (and their `_owned`/`_many` forms):

- with a sleep or `yield_now` between tries
  (`loop { if let Ok(g) = m.try_lock() { …; break } sleep(d).await }`,
  `while sem.try_acquire().is_err() { yield_now().await }`, or
  `match rx.try_recv() { Ok(v) => …, Err(Empty) => sleep(d).await, … }`);
- in an async loop with no await at all (`while m.try_lock().is_err() {}`,
  `loop { if let Ok(v) = rx.try_recv() { return v } }`): the task never
  gives its worker back.

A `while let Ok(v) = rx.try_recv()` loop stops when the channel is empty: a
drain, not a poll, and not reported (nor is the sleep or await after it).
Nor is a loop whose whole condition is a try that succeeds (`while
m.try_read().is_ok() { yield_now().await }`): it goes round while the lock is
free and waits for another task to take it, which no waiting twin does. A
try with an `else` branch, a loop that awaits a channel or `Notify`, and
back-off loops in plain threads are not reported either.

## Why is this bad?
The task wakes up every period for nothing, and notices the change up to one
period late. A `yield_now` spin keeps a worker thread busy. The executor has
primitives that wake the task exactly when the state changes. The same
holds for a lock, permit or message polled with `try_*`: `lock().await`,
`acquire().await` and `recv().await` queue the task and wake it when it can
go on (fairly, in order), where polling is served last and late. A loop
that tries without ever awaiting is worse: it never yields, so the tasks
that would release the lock or send the message may never run on that
thread (on a current-thread runtime: never).

## Example
```rust
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

async fn wait_ready(ready: &AtomicBool) {
    while !ready.load(Ordering::Acquire) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
```

## Use instead
```rust
use tokio::sync::watch;

async fn wait_ready(ready: &mut watch::Receiver<bool>) {
    let _ = ready.wait_for(|r| *r).await;
}
```
`tokio::sync::Notify` (with the flag re-checked), `watch`,
`tokio_util::sync::CancellationToken` for shutdown, or a `oneshot` channel for
a single event all wake the task when it matters.

## Known problems
Only flags read with an atomic `load`, a lock or borrow, or a collection query
(`is_empty`, `len`, `contains`) in the loop condition (or in an `if` of the
loop body) are recognised, directly or through a method of the same type
that does nothing else (`while !self.is_ready()`); a getter called on another
value (`while !conn.is_ready()`) is not followed. A loop whose body has any statement besides the checks and the sleep
counts as real work. `std::thread::sleep` in async code is
`blocking-in-async`'s business. A `try_*` poll is seen only when the try is
in the loop's `while` condition or in the condition, scrutinee or `let` of
a statement of the loop body, and the loop body has at most three
statements; a spin with no await is seen only in the `while` and
`if`-without-`else` forms (a `match` on the try, which may `break` on
`Empty`, is left alone). A loop that goes round while a try succeeds
(`while m.try_read().is_ok()`, or `loop { if m.try_write().is_err() {
break } … }`) waits for another task to take the lock and is not
reported.
"#,
}

pub fn check(cx: &CrateCx<'_>, out: &mut Vec<Finding>) {
    for BodyRef { fi, file_id, body, .. } in cx.bodies().filter(|b| b.body.kind.is_async()) {
        for call in &body.calls {
            let Some(what) = sleep_like(cx, fi, body, call) else { continue };
            let Some(lp) = body.innermost_loop(call.ctx) else { continue };
            if let Some(polled) = try_polled_between_sleeps(body, lp, call) {
                out.push(try_poll_finding(file_id, call, what, &polled));
                continue;
            }
            // The sleep must be a statement of the loop body itself: a
            // sleep in one arm of a `match` that does work in the others
            // is a back-off, not a wait.
            if body.loop_body_of(lp) != call.ctx {
                continue;
            }
            // `while m.try_read().is_ok() { yield_now().await }` waits
            // for another task to take the lock: no flag to notify.
            if probes_until_taken(body, lp) {
                continue;
            }
            if let Some(check) = polled_flag(cx, body, lp) {
                out.push(finding(file_id, call, what, check));
            }
        }
        for lp in 0..body.controls.len() as u32 {
            if let Some(polled) = spins_without_await(body, lp) {
                out.push(spin_finding(file_id, &polled));
            }
        }
    }
}

/// `loop { if let Ok(g) = m.try_lock() { …; break } sleep(d).await }`: the
/// sleep is the loop's only await and runs between tries.
fn try_polled_between_sleeps<'b>(body: &'b Body, lp: u32, sleep: &Call) -> Option<Polled<'b>> {
    if !sleep.awaited || body.awaits.iter().filter(|a| body.within_same_closure(a.ctx, lp)).count() != 1 {
        return None;
    }
    let lbody = body.loop_body_of(lp)?;
    if body.controls[lbody as usize].stmts > 3 {
        return None;
    }
    let polled = polled_try(body, lp)?;
    sleeps_between_tries(body, lp, &polled, sleep.ctx).then_some(polled)
}

fn try_poll_finding(file: u32, sleep: &Call, what: &str, polled: &Polled<'_>) -> Finding {
    META.finding(
        file,
        sleep.span,
        format!("{} polled in a `{what}` loop instead of awaiting `{}()`", polled.shown(), polled.awaiting),
    )
    .with_primary_label("the task wakes up here each round only to try again")
    .with_label(polled.call.span, "tried here")
    .with_help(format!(
        "use {} (an async lock, semaphore or channel wakes the task when it can go on); to give up after a while, wrap it in `tokio::time::timeout`",
        polled.awaited()
    ))
    .with_note("a sleep between tries wakes the task every period for nothing and gets the value up to a period late; a `yield_now` between them keeps a worker busy")
}

fn spin_finding(file: u32, polled: &Polled<'_>) -> Finding {
    META.finding(
        file,
        polled.call.span,
        format!("{} polled in an async loop that never awaits", polled.shown()),
    )
    .with_primary_label("tried again and again without yielding")
    .with_help(format!("use {} instead; the task then sleeps until it can go on", polled.awaited()))
    .with_note("a loop with no await never gives its worker thread back: other tasks there starve, and on a current-thread runtime the value it waits for can never arrive")
}

/// `sleep(..)` / `tokio::time::sleep(..)` / `yield_now()`, not a thread sleep.
fn sleep_like(cx: &CrateCx<'_>, fi: usize, body: &Body, call: &Call) -> Option<&'static str> {
    let Callee::Path(segs) = &call.callee else { return None };
    let canonical = cx.index.canonical_path(WrittenIn::body(fi, body), segs, 0);
    if canonical.iter().any(|s| s == "thread") {
        return None;
    }
    match canonical.last()?.as_str() {
        "sleep" => Some("sleep"),
        "yield_now" => Some("yield_now"),
        _ => None,
    }
}

/// The flag check of a loop that does nothing but check and sleep.
fn polled_flag(cx: &CrateCx<'_>, body: &Body, lp: u32) -> Option<Span> {
    // A state read written in the condition, or a call of a getter that
    // makes one.
    let flag_read = |ctl: u32| state_reads(body, ctl).first().copied().or_else(|| getter_call(cx, body, ctl));
    let loop_ctl = &body.controls[lp as usize];
    let lbody = body.loop_body_of(lp)?;
    let stmts = body.controls[lbody as usize].stmts;
    // Every await in the loop: only the sleep's may be there.
    let awaits = body.awaits.iter().filter(|a| body.within_same_closure(a.ctx, lp)).count();
    if awaits != 1 {
        return None;
    }
    // Statements that are not work: the sleep, `if` checks, `let`s bound to a
    // state read.
    let ifs: Vec<u32> = (0..body.controls.len() as u32)
        .filter(|&i| {
            body.controls[i as usize].parent == Some(lbody) && body.controls[i as usize].kind == ControlKind::If
        })
        .collect();
    // `let done = *state.lock().unwrap();` / `let g = state.lock().unwrap();`
    // / `let n = flag.load(..);`: a read bound for the `if` to test.
    let mut bound_reads: Vec<Span> = body
        .calls
        .iter()
        .filter(|c| {
            c.ctx == Some(lbody)
                && c.bound_to.is_some()
                && method(c)
                    .is_some_and(|(m, _)| matches!(m, "load" | "is_empty" | "len" | "contains" | "contains_key"))
        })
        .map(|c| c.span)
        .collect();
    bound_reads.extend(
        body.acquisitions
            .iter()
            .filter(|a| {
                a.ctx == Some(lbody) && (matches!(a.holder, Holder::Binding { .. }) || a.value_bound_to.is_some())
            })
            .map(|a| a.span),
    );
    bound_reads.sort();
    // One `let` may read several times (`let s = Stats { a: a.read()?, b:
    // b.read()? }`): it is one statement, counted once per name it binds.
    let bound_names: std::collections::BTreeSet<&str> = body
        .calls
        .iter()
        .filter(|c| c.ctx == Some(lbody) && bound_reads.contains(&c.span))
        .filter_map(|c| c.bound_to.as_deref())
        .chain(body.acquisitions.iter().filter(|a| a.ctx == Some(lbody) && bound_reads.contains(&a.span)).filter_map(
            |a| match &a.holder {
                Holder::Binding { name, .. } => Some(name.as_str()),
                _ => a.value_bound_to.as_deref(),
            },
        ))
        .collect();
    let non_work = 1 + ifs.len() + bound_names.len();
    if stmts as usize > non_work {
        return None;
    }
    if loop_ctl.kind == ControlKind::While {
        if let Some(first) = body.condition_of(lp).and_then(flag_read) {
            return Some(first);
        }
    }
    // `loop { if flag { break } sleep().await }`: a state read in the
    // condition of an `if` of the body, or bound by a `let` of the body.
    let has_if = !ifs.is_empty();
    for i in ifs {
        // An `if` that does work in its branch is not a bare check.
        let branch_work = body
            .controls
            .iter()
            .any(|c| c.parent == Some(i) && matches!(c.kind, ControlKind::IfThen | ControlKind::IfElse) && c.stmts > 1);
        if branch_work {
            return None;
        }
        if let Some(first) = body.condition_of(i).and_then(flag_read) {
            return Some(first);
        }
    }
    if has_if {
        bound_reads.first().copied()
    } else {
        None
    }
}

/// A call `self.name()`, inside control `ctl`, of a method of the same
/// type that only reads shared state: the flag is behind a getter.
fn getter_call(cx: &CrateCx<'_>, body: &Body, ctl: u32) -> Option<Span> {
    body.calls.iter().find(|c| body.within_same_closure(c.ctx, ctl) && is_flag_getter_call(cx, body, c)).map(|c| c.span)
}

fn finding(file: u32, call: &Call, what: &str, check: Span) -> Finding {
    META.finding(
        file,
        call.span,
        format!("flag polled in a `{what}` loop instead of awaiting a notification"),
    )
    .with_primary_label("the task wakes up here each round only to re-check the flag")
    .with_label(check, "flag checked here")
    .with_help(
        "wake the task when the state changes: `watch::Receiver::wait_for`, `Notify` (re-check the flag in a loop), `CancellationToken::cancelled()` for shutdown, or a `oneshot` channel",
    )
    .with_note("a sleep loop wakes up every period for nothing and sees the change up to a period late; a `yield_now` spin keeps a worker busy")
}
