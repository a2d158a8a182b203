//! `lost-wakeup`: a `notify_waiters()` that a waiter can miss, or a
//! `notify_one()` permit that wakes a waiter for a state already taken.

mod stale_permit;

use std::collections::HashSet;

use crate::analysis::facts::{AwaitKind, AwaitPoint, Body, Call, ControlKind};
use crate::diagnostic::{Finding, Span};
use crate::rules::signal_wrappers::{signal_ops, SignalOp};
use crate::rules::signals::{
    describe, is_flag_getter_call, is_shared_place, is_state_read_method, method, notifies_between,
};
use crate::rules::CrateCx;

crate::declare_rule! {
    name: "lost-wakeup",
    level: Warn,
    summary: "a `Notify::notify_waiters` that a waiter misses: `notified()` created after the check, re-created in a busy loop, or late waiters wait forever; or a stale `notify_one` permit that wakes a single wait at once",
    docs: r#"## What it does
Finds the ways to lose a `tokio::sync::Notify::notify_waiters()`, which wakes
only the waiters that exist at that moment and stores no permit, and the
permit `notify_one()` stores that wakes a waiter for nothing:

- a waiter checks a state and only then creates `notified()`: a flag or a
  collection (`if !ready.load(..) { notify.notified().await }`, the same
  under `while`, or `loop { if ready { break } notify.notified().await }`),
  or a failed `try_*` call (`match tx.try_reserve() { Err(_) =>
  space.notified().await, .. }`, `if let Ok(v) = rx.try_recv()`), while the
  setter calls `notify_waiters()`;
- a stop or ready signal sent with `notify_waiters()` to a loop that creates
  its `notified()` anew on every iteration (in a `select!` or not) and awaits
  other work in between (`select! { _ = stop.notified() => break, Some(j) =
  rx.recv() => handle(j).await }`): a signal sent during that work finds no
  waiter;
- `notify_waiters()` used as a one-shot readiness or shutdown signal for
  waiters that never check any state, so a task that starts waiting after it
  fired never wakes;
- a stale permit: `notify_one()` publishes a state (`*slot.lock().unwrap()
  = Some(v); ready.notify_one()`), and a waiter first takes the state
  without waiting (`if let Some(v) = slot.lock().unwrap().take() { return
  v }`), then awaits `notified()` once and goes on without checking the
  state again. The notification of the value the fast path took left a
  permit behind, so the next call returns from the wait at once, with
  nothing there, as in
  `async fn take(&self) -> Option<u32> { if let Some(v) =
  self.value.lock().unwrap().take() { return Some(v) }
  self.ready.notified().await; self.value.lock().unwrap().take() }`.

Calls of the crate's own wrapper methods count as the calls they wrap: a
method whose body calls `self.notify.notify_waiters()` (`signal.fire()`), or
an async method that awaits `self.notify.notified()` once and checks nothing
itself (`signal.wait().await`), followed up to three levels deep; the
finding names the wrapper. The future of such an async wrapper bound to a
local before the check (`let wait = self.wait(); if self.waiters() == 0 {
return } wait.await`) has not created its `notified()` yet: calling an
`async fn` runs none of its body, so the `Notified` exists only from the
`wait.await` on, after the check. A check may read the state directly or
through a getter of the same type that does nothing else
(`fn waiters(&self) -> usize { self.count.load(..) }`).

## Why is this bad?
A notification that arrives between the check and the creation of the
`Notified` future is lost, and the waiter sleeps until the next one, which
for a one-shot signal never comes. Unlike Python's `asyncio.Event`, `Notify`
is not sticky. `notify_one()` is sticky in the other direction: its permit
stays stored until some wait takes it, even when the state it announced was
taken without waiting, and then wakes the next wait for nothing. asyncio's
advice for `Condition` applies: a notification is
not a state; register as a waiter first, then check the predicate, and
re-check it after every wake-up.

## Example
```rust
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::Notify;

struct Gate {
    open: AtomicBool,
    changed: Notify,
}

impl Gate {
    fn open(&self) {
        self.open.store(true, Ordering::Release);
        self.changed.notify_waiters();
    }

    async fn wait_open(&self) {
        while !self.open.load(Ordering::Acquire) {
            self.changed.notified().await;
        }
    }
}
```

## Use instead
```rust
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::Notify;

struct Gate {
    open: AtomicBool,
    changed: Notify,
}

impl Gate {
    fn open(&self) {
        self.open.store(true, Ordering::Release);
        self.changed.notify_waiters();
    }

    async fn wait_open(&self) {
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.open.load(Ordering::Acquire) {
                return;
            }
            notified.await;
        }
    }
}
```
For a state handed over with `notify_one()`, take it in a loop that checks
again after every wake-up:
```rust
use std::sync::Mutex;
use tokio::sync::Notify;

struct Slot {
    value: Mutex<Option<u32>>,
    ready: Notify,
}

impl Slot {
    fn publish(&self, v: u32) {
        *self.value.lock().unwrap() = Some(v);
        self.ready.notify_one();
    }

    async fn take(&self) -> u32 {
        loop {
            if let Some(v) = self.value.lock().unwrap().take() {
                return v;
            }
            self.ready.notified().await;
        }
    }
}
```
For a state that stays set, `tokio::sync::watch`,
`tokio_util::sync::CancellationToken` or `tokio::sync::OnceCell` are sticky
and need no such care.

## Known problems
Setter and waiter are matched by the field or binding name of the `Notify`
(and the `impl` type for `self.field`), across the crate; two unrelated
`Notify`s with the same field name may be paired. A receiver declared with
another type (a crate's own sticky `WatchNotify` with the same method names)
is not a `Notify`. The one-shot and busy-loop shapes are only reported when
the `Notify`'s name or the setter's function name says it is a readiness or
shutdown signal (`shutdown`, `ready`, `close`, `stop` …), and the one-shot
shape is not reported in test code, where the order of the tasks is usually
fixed by the test (on real applications those findings were all
deliberate). A check and a
`notified()` made under one held lock guard are trusted to be atomic with
the notifier (which must change that state under the same lock). Wrappers
are resolved through the receiver's declared type; a wrapper reached
through a trait or a generic is not followed. The future of an async
wrapper counts as created late only when it is bound to a local and that
local is awaited (`wait.await`); one pinned and polled by hand, or passed
to `select!` or `timeout`, is taken as created at the call. A getter is
followed only when called on `self`. The stale-permit shape
is seen only when the fast path consumes the state in the condition of an
`if` that returns (`take`, `swap`, `pop*`, `try_recv`,
`compare_exchange`), outside any loop, and the notifier changes shared
state before `notify_one()`; which state is not matched, and a state reset
elsewhere (`ready.store(false)` in another method) is not seen. It is not
reported in test code.
"#,
}

type Site<'a> = SignalOp<'a>;

pub fn check(cx: &CrateCx<'_>, out: &mut Vec<Finding>) {
    let ops = signal_ops(cx);
    let setters: Vec<&Site<'_>> = ops.iter().filter(|o| o.op == "notify_waiters").collect();
    let waiters: Vec<&Site<'_>> = ops.iter().filter(|o| o.op == "notified").collect();
    checked_then_created(cx, &setters, &waiters, out);
    let in_busy_loops = recreated_in_busy_loop(cx, &setters, &waiters, out);
    one_shot(cx, &setters, &waiters, &in_busy_loops, out);
    let one: Vec<&Site<'_>> = ops.iter().filter(|o| o.op == "notify_one").collect();
    stale_permit::check(cx, &one, &waiters, out);
}

/// Shape 1: a state checked (a flag, a collection, a `try_*` call), then
/// `notified()` created, against a `notify_waiters()`.
fn checked_then_created(cx: &CrateCx<'_>, setters: &[&Site<'_>], waiters: &[&Site<'_>], out: &mut Vec<Finding>) {
    for w in waiters {
        if !w.body.kind.is_async() || enables(w.body) {
            continue;
        }
        let deferred = polled_later(w);
        let Some(check) = check_before(cx, w, waiters) else { continue };
        if (deferred.is_none() && rechecked_after(cx, w)) || checked_under_lock(w) {
            continue;
        }
        if notifies_between(w.body, check.hi, registration(w).0.lo, |k| w.keys.iter().any(|wk| wk.matches(k))) {
            continue;
        }
        // The setter as the waiter names it (`self.shutdown.fire()`) first.
        let named_alike = setters.iter().find(|s| s.keys[0].matches(&w.keys[0]));
        let Some(s) = named_alike.or_else(|| setters.iter().find(|s| s.same_signal(w))) else { continue };
        let primary = match (w.via_text(), deferred) {
            (Some(via), Some(_)) => format!("{via}; an `async fn` runs none of its body until its future is polled"),
            (Some(via), None) => format!("{via} after the check"),
            (None, _) => "`Notified` created here, after the check".to_string(),
        };
        let mut f = META
            .finding(
                w.file,
                w.call.span,
                "`notified()` is created after the state is checked, so a `notify_waiters()` in between is lost",
            )
            .with_primary_label(primary)
            .with_label(check, "state checked here");
        if let Some(a) = deferred {
            f = f.with_label(a.span, "the `Notified` is created only here, when the future is first polled");
        }
        f = with_setter(f, w, s);
        if deferred.is_some() {
            f = f.with_help("bind the `notified()` itself (or a plain fn that returns it) before the check: it exists, and is woken by `notify_waiters()`, from the moment it is created");
        }
        out.push(
            f.with_help("create the `Notified` first and `enable()` it before checking: `let n = notify.notified(); tokio::pin!(n); n.as_mut().enable();`, then check, then `n.await`")
                .with_help("for a state that stays set, use `watch`, `CancellationToken` or `OnceCell`, which are sticky")
                .with_note("`notify_waiters()` stores no permit: a waiter that has not created its `Notified` yet when it fires sleeps until the next notification; as asyncio's advice for `Condition` puts it, register as a waiter before you check the predicate"),
        );
    }
}

/// Shape 2: a one-shot signal with waiters that check nothing.
fn one_shot(
    cx: &CrateCx<'_>,
    setters: &[&Site<'_>],
    waiters: &[&Site<'_>],
    in_busy_loops: &HashSet<(u32, u32)>,
    out: &mut Vec<Finding>,
) {
    // Direct calls first: a wrapper's call site is not reported again when
    // the `notify_waiters()` inside the wrapper already is.
    let mut reported = HashSet::new();
    let direct_first = setters.iter().filter(|s| s.via.is_empty()).chain(setters.iter().filter(|s| !s.via.is_empty()));
    for s in direct_first {
        // Tests order their tasks on purpose (the waiter is created before
        // the task that fires is spawned, on a single-threaded runtime):
        // there a late waiter is ruled out more often than not.
        if s.body.is_test
            || s.body.in_loop(s.call.ctx)
            || !is_one_shot_signal(s, setters)
            || reported.contains(&s.origin)
        {
            continue;
        }
        let mine: Vec<&&Site<'_>> = waiters
            .iter()
            .filter(|w| w.same_signal(s) && !in_busy_loops.contains(&(w.call.span.lo, w.call.span.hi)))
            .collect();
        // A `Notified` made in a plain fn (returned or stored) or bound to a
        // local is managed by code we cannot follow: created first, enabled
        // or polled before a check. Only naive `notified().await`s count.
        let naive = |w: &&&Site<'_>| {
            w.body.kind.is_async() && w.call.bound_to.is_none() && !waiter_checks_state(cx, w) && !checked_under_lock(w)
        };
        if mine.is_empty() || !mine.iter().all(naive) {
            continue;
        }
        let mut f = META
            .finding(
                s.file,
                s.call.span,
                format!(
                "`notify_waiters()` used as a one-shot signal: a task that waits on `{}` after it fired waits forever",
                signal_name(s)
            ),
            )
            .with_primary_label(s.via_text().unwrap_or_else(|| "wakes only the tasks already waiting".to_string()));
        reported.insert(s.origin);
        for w in mine.iter().filter(|w| w.file == s.file).take(3) {
            f = f.with_label(w.call.span, "a task that reaches this wait later is never woken");
        }
        out.push(
            f.with_help("use a sticky signal: `tokio_util::sync::CancellationToken` for shutdown, `watch` or `OnceCell` for readiness; or set a flag before notifying and have waiters `enable()` a `Notified` and check it")
                .with_note("`notify_waiters()` stores no permit: unlike a Python `asyncio.Event` it does not stay set"),
        );
    }
}

/// Shape 3: a stop or ready signal sent with `notify_waiters()` to a loop
/// that creates its `notified()` anew on every iteration and awaits other
/// work in between: a signal sent during that work finds no waiter. Returns
/// the waiters reported (by span), which the one-shot shape then leaves out.
fn recreated_in_busy_loop(
    cx: &CrateCx<'_>,
    setters: &[&Site<'_>],
    waiters: &[&Site<'_>],
    out: &mut Vec<Finding>,
) -> HashSet<(u32, u32)> {
    let mut reported = HashSet::new();
    for w in waiters {
        let body = w.body;
        if !body.kind.is_async() || enables(body) || w.call.bound_to.is_some() {
            continue;
        }
        let Some(lp) = body.innermost_loop(w.call.ctx) else { continue };
        let Some(lp_body) = body.loop_body_of(lp) else { continue };
        let own_wait = |a: &crate::analysis::facts::AwaitPoint| match a.kind {
            AwaitKind::Select | AwaitKind::Join => a.span.lo <= w.call.span.lo && w.call.span.hi <= a.span.hi,
            AwaitKind::Await => a.span.lo > w.call.span.hi && a.span.lo <= w.call.span.hi + 2,
        };
        if !body.awaits.iter().any(own_wait) {
            continue;
        }
        // A loop that checks a state each time round sees a stop it missed.
        if checks_in(cx, body, lp_body) {
            continue;
        }
        let Some(busy) = body.awaits.iter().find(|a| body.within_same_closure(a.ctx, lp_body) && !own_wait(a)) else {
            continue;
        };
        let Some(s) = setters.iter().find(|s| s.same_signal(w) && is_one_shot_signal(s, setters)) else { continue };
        reported.insert((w.call.span.lo, w.call.span.hi));
        let primary = match w.via_text() {
            Some(via) => format!("{via}, anew on each iteration"),
            None => "`Notified` created anew on each iteration".to_string(),
        };
        let f = META.finding(
            w.file,
            w.call.span,
            format!("`{}` is waited on with a new `notified()` each iteration: a `notify_waiters()` sent while the loop is busy elsewhere is lost", signal_name(w)),
        )
        .with_primary_label(primary)
        .with_label(busy.span, "a `notify_waiters()` sent while this runs wakes no one");
        out.push(
            with_setter(f, w, s)
                .with_help("create the `Notified` once before the loop and `enable()` it (`let stop = notify.notified(); tokio::pin!(stop); stop.as_mut().enable();`), then race `&mut stop` each iteration")
                .with_help("or use a signal that stays set: `tokio_util::sync::CancellationToken`, `watch`")
                .with_note("`notify_waiters()` wakes only the `Notified` futures that exist when it fires; between two iterations there is none"),
        );
    }
    reported
}

fn with_setter(f: Finding, w: &Site<'_>, s: &Site<'_>) -> Finding {
    with_notifier(
        f,
        w,
        s,
        ("`notify_waiters()`", "wakes this `Notify` with `notify_waiters()`"),
        "wakes only waiters that already exist",
    )
}

/// Points at the notifier `s` of the waiter `w`: a label on the call when
/// both are in one file, else a note naming its function. `call` is what
/// it calls, and how that reads from another function; `effect` is why it
/// matters.
pub(super) fn with_notifier(f: Finding, w: &Site<'_>, s: &Site<'_>, call: (&str, &str), effect: &str) -> Finding {
    let (call, from_elsewhere) = call;
    if s.file == w.file {
        let label = match s.via_text() {
            Some(via) => format!("{via}, which {effect}"),
            None => format!("{call} {effect}"),
        };
        f.with_label(s.call.span, label)
    } else {
        f.with_note(format!("{} {from_elsewhere}, which {effect}", describe(s.body)))
    }
}

fn enables(body: &Body) -> bool {
    body.calls.iter().any(|c| method(c).is_some_and(|(m, _)| m == "enable"))
}

/// Does the signal's name, or the name of every function that sends it,
/// say it is a readiness or shutdown signal? (`alive` notified from
/// `poll_write`, `poll_flush` and `poll_shutdown` is an activity pulse.)
fn is_one_shot_signal(s: &Site<'_>, setters: &[&Site<'_>]) -> bool {
    s.keys.iter().any(|k| is_one_shot_name(&k.name))
        || setters.iter().filter(|o| o.same_signal(s)).all(|o| is_one_shot_name(&o.body.name))
}

/// The signal's most telling name: the first that says it is one-shot
/// (`shutdown` in `self.shutdown.fire()`), else the `Notify`'s own.
fn signal_name<'a>(s: &'a Site<'_>) -> &'a str {
    let named = s.keys.iter().find(|k| is_one_shot_name(&k.name));
    named.or(s.keys.last()).map_or("", |k| k.name.as_str())
}

fn is_one_shot_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["shutdown", "close", "stop", "cancel", "ready", "started", "done", "finish", "exit", "terminat", "kill", "quit"]
        .iter()
        .any(|w| n.contains(w))
}

/// Is `ctx` in a condition that decides whether to wait: an `if` or `while`
/// condition, or a `match` scrutinee (`match rx.try_recv() { .. }`), at
/// this loop level?
fn in_check(body: &Body, ctx: Option<u32>) -> bool {
    body.control_chain(ctx)
        .take_while(|c| !matches!(c.kind, ControlKind::Closure | ControlKind::LoopBody))
        .any(|c| matches!(c.kind, ControlKind::IfCond | ControlKind::WhileCond | ControlKind::MatchScrutinee))
}

/// A read of state a waiter may decide on: a flag or collection query, or
/// a failed `try_*` (`try_recv`, `try_reserve`, `try_lock` …).
fn is_check_method(name: &str) -> bool {
    is_state_read_method(name) || name.starts_with("try_")
}

/// Reads of shared state in a condition, direct or through a getter of
/// the same type (`if self.waiters() == 0`): (span, ctx, a `try_*` call).
fn conditional_reads(cx: &CrateCx<'_>, body: &Body) -> Vec<(Span, Option<u32>, bool)> {
    let mut out: Vec<(Span, Option<u32>, bool)> = body
        .calls
        .iter()
        .filter_map(|c| {
            let (m, r) = method(c)?;
            let direct = is_check_method(m) && r.is_some_and(|r| is_shared_place(body, r));
            (direct || is_flag_getter_call(cx, body, c)).then_some((c.span, c.ctx, m.starts_with("try_")))
        })
        .collect();
    out.extend(body.acquisitions.iter().map(|a| (a.span, a.ctx, a.method.starts_with("try_"))));
    out.retain(|(_, ctx, _)| in_check(body, *ctx));
    out.sort_by_key(|(s, _, _)| *s);
    out
}

/// A failed `try_*` decides the wait only when the wait is in that `if` or
/// `match` (the `Err` arm, the `else`), or when success leaves the function
/// (`if let Ok(v) = rx.try_recv() { return v }`); a `try_lock` elsewhere in
/// the loop is about something else.
fn try_decides(body: &Body, check_ctx: Option<u32>, wait_ctx: Option<u32>) -> bool {
    let Some(cond) = body
        .control_chain(check_ctx)
        .zip(std::iter::successors(check_ctx, |&c| body.controls[c as usize].parent))
        .find(|(c, _)| matches!(c.kind, ControlKind::IfCond | ControlKind::MatchScrutinee))
        .map(|(_, id)| id)
    else {
        return false;
    };
    let Some(construct) = body.controls[cond as usize].parent else { return false };
    body.within_same_closure(wait_ctx, construct)
        || body.controls.iter().any(|c| c.parent == Some(construct) && c.kind == ControlKind::IfThen && c.returns)
}

/// Does the body check state inside control `ctl` (a loop body)?
fn checks_in(cx: &CrateCx<'_>, body: &Body, ctl: u32) -> bool {
    conditional_reads(cx, body).iter().any(|(_, ctx, _)| body.within_same_closure(*ctx, ctl))
}

/// A state check made before the waiter's `notified()` is created, in the
/// same loop iteration, with no earlier `notified()` on the same `Notify`.
fn check_before(cx: &CrateCx<'_>, w: &Site<'_>, waiters: &[&Site<'_>]) -> Option<Span> {
    let (at, at_ctx) = registration(w);
    let lp = w.body.innermost_loop(at_ctx);
    let check = conditional_reads(cx, w.body)
        .into_iter()
        .filter(|(s, ctx, is_try)| {
            s.hi <= at.lo && w.body.innermost_loop(*ctx) == lp && (!is_try || try_decides(w.body, *ctx, at_ctx))
        })
        .map(|(s, _, _)| s)
        .next_back()?;
    let created_first = waiters.iter().any(|o| {
        let (o_at, o_ctx) = registration(o);
        std::ptr::eq(o.body, w.body) && o_at.hi <= check.lo && w.body.innermost_loop(o_ctx) == lp && o.same_signal(w)
    });
    (!created_first).then_some(check)
}

/// The `Notified` is created while a guard is held that was taken before a
/// condition was checked (`let s = state.lock(); if s.done { return }
/// notify.notified()`): the check and the registration are one step for any
/// notifier that changes that state under the lock, so nothing slips between.
fn checked_under_lock(w: &Site<'_>) -> bool {
    let body = w.body;
    w.call.held.iter().filter_map(|&a| body.acquisitions.get(a as usize)).any(|a| {
        body.controls.iter().any(|c| {
            matches!(c.kind, ControlKind::IfCond | ControlKind::WhileCond | ControlKind::MatchScrutinee)
                && c.span.lo >= a.span.hi
                && c.span.hi <= w.call.span.lo
        })
    })
}

fn waiter_checks_state(cx: &CrateCx<'_>, w: &Site<'_>) -> bool {
    !conditional_reads(cx, w.body).is_empty()
}

/// Where the waiter's `Notified` comes to exist: the call, or the await
/// of the future it was bound to (see [`polled_later`]); span and ctx.
fn registration(w: &Site<'_>) -> (Span, Option<u32>) {
    polled_later(w).map_or((w.call.span, w.call.ctx), |a| (a.span, a.ctx))
}

/// A wait through a crate `async fn` whose future is bound to a local
/// (`let wait = self.wait();`) and awaited later (`wait.await`): calling
/// an `async fn` runs none of its body, so the `notified()` inside is
/// created at that await, not at the call. Checks between the two come
/// before the registration.
fn polled_later<'b>(w: &Site<'b>) -> Option<&'b AwaitPoint> {
    let name = w.call.bound_to.as_deref().filter(|_| !w.via.is_empty())?;
    w.body.awaits.iter().find(|a| a.span.lo >= w.call.span.hi && a.local.as_deref() == Some(name))
}

/// The `Notified` is bound to a local and the state is read again after it
/// was created (before awaiting it, or in a `poll_fn` that polls it first):
/// the registration precedes that check, so nothing is lost.
fn rechecked_after(cx: &CrateCx<'_>, w: &Site<'_>) -> bool {
    let body = w.body;
    let is_check = |c: &Call| method(c).is_some_and(|(m, _)| is_check_method(m)) || is_flag_getter_call(cx, body, c);
    w.call.bound_to.is_some()
        && (body.calls.iter().any(|c| c.span.lo >= w.call.span.hi && is_check(c))
            || body.acquisitions.iter().any(|a| a.span.lo >= w.call.span.hi))
}
