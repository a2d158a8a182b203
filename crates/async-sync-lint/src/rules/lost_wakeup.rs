//! `lost-wakeup`: a `notify_waiters()` that a waiter can miss.

use crate::diagnostic::{FileId, Finding, Span};
use crate::facts::{Body, Call, ControlKind};
use crate::rules::signals::{bodies, classify, describe, innermost_loop, key, method, Key, SigKind};
use crate::rules::CrateCx;

crate::declare_rule! {
    name: "lost-wakeup",
    level: Warn,
    summary: "a `Notify::notify_waiters` that a waiter misses: the flag is checked before `notified()` exists, or late waiters wait forever",
    docs: r#"## What it does
Finds two ways to lose a `tokio::sync::Notify::notify_waiters()`, which wakes
only the waiters that exist at that moment and stores no permit:

- a waiter checks a flag or state and only then creates `notified()`
  (`if !ready.load(..) { notify.notified().await }`, or the same under
  `while`, or `loop { if ready { break } notify.notified().await }`), while
  the setter calls `notify_waiters()`;
- `notify_waiters()` used as a one-shot readiness or shutdown signal for
  waiters that never check any state, so a task that starts waiting after it
  fired never wakes.

## Why is this bad?
A notification that arrives between the check and the creation of the
`Notified` future is lost, and the waiter sleeps until the next one, which
for a one-shot signal never comes. Unlike Python's `asyncio.Event`, `Notify`
is not sticky.

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
For a state that stays set, `tokio::sync::watch`,
`tokio_util::sync::CancellationToken` or `tokio::sync::OnceCell` are sticky
and need no such care.

## Known problems
Setter and waiter are matched by the field or binding name of the `Notify`
(and the `impl` type for `self.field`), across the crate; two unrelated
`Notify`s with the same field name may be paired. The one-shot shape is only
reported when the `Notify`'s name or the setter's function name says it is a
readiness or shutdown signal (`shutdown`, `ready`, `close`, `stop` …).
"#,
}

struct Site<'a> {
    file: FileId,
    body: &'a Body,
    call: &'a Call,
    key: Key,
}

pub fn check(cx: &CrateCx<'_>, out: &mut Vec<Finding>) {
    let mut setters: Vec<Site<'_>> = Vec::new();
    let mut waiters: Vec<Site<'_>> = Vec::new();
    for (fi, file, body) in bodies(cx) {
        for call in &body.calls {
            let Some((name, Some(recv))) = method(call) else { continue };
            if !matches!(name, "notify_waiters" | "notified") {
                continue;
            }
            if !matches!(classify(cx, fi, body, recv), Some(SigKind::Notify) | None) {
                continue;
            }
            let Some(key) = key(body, recv) else { continue };
            let site = Site { file, body, call, key };
            if name == "notify_waiters" {
                setters.push(site);
            } else if call.arg_count == 0 {
                waiters.push(site);
            }
        }
    }
    // Shape 1: checked, then `notified()` created, against `notify_waiters`.
    for w in &waiters {
        if !w.body.kind.is_async() || w.body.calls.iter().any(|c| method(c).is_some_and(|(m, _)| m == "enable")) {
            continue;
        }
        let Some(check) = check_before(w) else { continue };
        if rechecked_after(w) {
            continue;
        }
        let Some(s) = setters.iter().find(|s| s.key.matches(&w.key)) else { continue };
        let mut f = Finding::new(
            META.name,
            META.default_level,
            w.file,
            w.call.span,
            "`notified()` is created after the state is checked, so a `notify_waiters()` in between is lost",
        )
        .with_primary_label("`Notified` created here, after the check")
        .with_label(check, "state checked here");
        if s.file == w.file {
            f = f.with_label(s.call.span, "`notify_waiters()` wakes only waiters that already exist");
        } else {
            f = f.with_note(format!(
                "{} wakes this `Notify` with `notify_waiters()`, which wakes only waiters that already exist",
                describe(s.body)
            ));
        }
        out.push(
            f.with_help("create the `Notified` first and `enable()` it before checking: `let n = notify.notified(); tokio::pin!(n); n.as_mut().enable();`, then check, then `n.await`")
                .with_help("for a state that stays set, use `watch`, `CancellationToken` or `OnceCell`, which are sticky")
                .with_note("`notify_waiters()` stores no permit: a waiter that has not created its `Notified` yet when it fires sleeps until the next notification"),
        );
    }
    // Shape 2: a one-shot signal with waiters that check nothing.
    for s in &setters {
        if s.body.in_loop(s.call.ctx) || !(is_one_shot_name(&s.key.name) || is_one_shot_name(&s.body.name)) {
            continue;
        }
        let mine: Vec<&Site<'_>> = waiters.iter().filter(|w| w.key.matches(&s.key)).collect();
        // A `Notified` made in a plain fn (returned or stored) or bound to a
        // local is managed by code we cannot follow: created first, enabled
        // or polled before a check. Only naive `notified().await`s count.
        let naive = |w: &&Site<'_>| w.body.kind.is_async() && w.call.bound_to.is_none() && !waiter_checks_state(w);
        if mine.is_empty() || !mine.iter().all(naive) {
            continue;
        }
        let mut f = Finding::new(
            META.name,
            META.default_level,
            s.file,
            s.call.span,
            format!(
                "`notify_waiters()` used as a one-shot signal: a task that waits on `{}` after it fired waits forever",
                s.key.name
            ),
        )
        .with_primary_label("wakes only the tasks already waiting");
        for w in mine.iter().filter(|w| w.file == s.file).take(3) {
            f = f.with_label(w.call.span, "a task that reaches this wait later is never woken");
        }
        out.push(
            f.with_help("use a sticky signal: `tokio_util::sync::CancellationToken` for shutdown, `watch` or `OnceCell` for readiness; or set a flag before notifying and have waiters `enable()` a `Notified` and check it")
                .with_note("`notify_waiters()` stores no permit, unlike a Python `asyncio.Event` it does not stay set"),
        );
    }
}

fn is_one_shot_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["shutdown", "close", "stop", "cancel", "ready", "started", "done", "finish", "exit", "terminat", "kill", "quit"]
        .iter()
        .any(|w| n.contains(w))
}

/// Is `ctx` inside an `if` or `while` condition (of this loop level)?
fn in_condition(body: &Body, ctx: Option<u32>) -> bool {
    body.control_chain(ctx)
        .take_while(|c| !matches!(c.kind, ControlKind::Closure | ControlKind::LoopBody))
        .any(|c| matches!(c.kind, ControlKind::IfCond | ControlKind::WhileCond))
}

/// Reads of shared state in a condition: (span, ctx).
fn conditional_reads(body: &Body) -> Vec<(Span, Option<u32>)> {
    let mut out: Vec<(Span, Option<u32>)> = body
        .calls
        .iter()
        .filter(|c| {
            method(c).is_some_and(|(m, _)| matches!(m, "load" | "is_empty" | "len" | "contains" | "contains_key"))
        })
        .map(|c| (c.span, c.ctx))
        .collect();
    out.extend(body.acquisitions.iter().map(|a| (a.span, a.ctx)));
    out.retain(|(_, ctx)| in_condition(body, *ctx));
    out.sort_by_key(|(s, _)| *s);
    out
}

/// A state check made before the waiter's `notified()` is created, in the
/// same loop iteration, with no earlier `notified()` on the same `Notify`.
fn check_before(w: &Site<'_>) -> Option<Span> {
    let lp = innermost_loop(w.body, w.call.ctx);
    let check = conditional_reads(w.body)
        .into_iter()
        .filter(|(s, ctx)| s.hi <= w.call.span.lo && innermost_loop(w.body, *ctx) == lp)
        .map(|(s, _)| s)
        .next_back()?;
    let created_first = w.body.calls.iter().any(|c| {
        c.span.hi <= check.lo
            && innermost_loop(w.body, c.ctx) == lp
            && method(c).is_some_and(|(m, r)| {
                m == "notified" && r.and_then(|r| key(w.body, r)).is_some_and(|k| k.matches(&w.key))
            })
    });
    (!created_first).then_some(check)
}

fn waiter_checks_state(w: &Site<'_>) -> bool {
    !conditional_reads(w.body).is_empty()
}

/// The `Notified` is bound to a local and the state is read again after it
/// was created (before awaiting it, or in a `poll_fn` that polls it first):
/// the registration precedes that check, so nothing is lost.
fn rechecked_after(w: &Site<'_>) -> bool {
    w.call.bound_to.is_some()
        && (w.body.calls.iter().any(|c| {
            c.span.lo >= w.call.span.hi
                && method(c)
                    .is_some_and(|(m, _)| matches!(m, "load" | "is_empty" | "len" | "contains" | "contains_key"))
        }) || w.body.acquisitions.iter().any(|a| a.span.lo >= w.call.span.hi))
}
