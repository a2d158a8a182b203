//! `unawaited-lock`: an async lock or permit request bound to a name and
//! never awaited, so nothing is locked.

use crate::analysis::facts::{Acquisition, Body, ControlKind, EndKind, Holder};
use crate::analysis::index::{Family, LockKind};
use crate::diagnostic::{Applicability, Finding, Span, Suggestion};
use crate::rules::{BodyRef, CrateCx};

crate::declare_rule! {
    name: "unawaited-lock",
    level: Deny,
    summary: "an async lock or semaphore request is bound to a name but never awaited: nothing is locked",
    docs: r#"## What it does
Finds `let guard = m.lock();` (or `read`, `write`, `lock_owned`,
`upgradable_read`, `acquire`, `acquire_owned` …) on a tokio, futures,
async-lock or async-std `Mutex`, `RwLock` or `Semaphore` whose result is
bound to a name (`_guard` included) and then never awaited, polled or
handed on: not awaited later, not given to `select!`/`join!`, not returned,
stored or passed to a function. Dropping it (`drop(guard)`) does not count.

## Why is this bad?
An async lock's `lock()` returns a future, not a guard: it locks nothing
until it is polled. asyncio's guidance warns of the same mistake
("`lock.acquire()` returns a coroutine, it doesn't acquire"). The code
after the `let` runs without the lock, or without the permit, and the
program compiles: rustc only warns about an unused future when it is a
statement of its own, not when it is bound to a name.

## Example
```rust
use tokio::sync::Mutex;

async fn apply(state: &Mutex<Vec<u32>>, update: u32) {
    let _guard = state.lock();
    save(update).await;
}
async fn save(_: u32) {}
```

## Use instead
```rust
use tokio::sync::Mutex;

async fn apply(state: &Mutex<Vec<u32>>, update: u32) {
    let _guard = state.lock().await;
    save(update).await;
}
async fn save(_: u32) {}
```
The fix is machine-applicable in an async body: `.await` is added after
the call.

## Known problems
Only receivers whose type resolves to an async lock or semaphore are
checked, so `std::sync::Mutex` and parking_lot (whose `lock()` returns a
guard) are never reported, and neither is a lock of unknown type. A future
handed to a macro whose arguments do not parse as expressions is not seen
as used there and is reported. Outside an async body (a sync function, a
non-async closure) no fix is offered: `.await` is not allowed there, and
the right change is `blocking_lock()` or an async caller. Test code
(`#[test]`, `#[cfg(test)]`) is not checked: tests of the primitives make
futures they never poll on purpose (async-lock shows that an unpolled
`lock_arc()` keeps its mutex alive).
"#,
}

pub fn check(cx: &CrateCx<'_>, out: &mut Vec<Finding>) {
    // Tests of the primitives make futures they never poll on purpose
    // (to show a future keeps its lock alive, or is cancel-safe).
    for BodyRef { fi, file_id, body, .. } in cx.bodies().filter(|b| !b.body.is_test) {
        for acq in &body.acquisitions {
            let Holder::Binding { name, span: binding } = &acq.holder else { continue };
            if !is_unused_future(acq) {
                continue;
            }
            // The receiver itself must be an async lock: a crate method
            // that returns a guard is not a future.
            let Some(r) = cx.index.resolve_place(fi, body, &acq.receiver) else { continue };
            if !returns_future(r.kind, &acq.method) {
                continue;
            }
            out.push(finding(file_id, body, acq, r.kind, name, *binding));
        }
    }
}

/// Not awaited where it is made, bound, and never used, moved or returned
/// afterwards: nobody polls it.
fn is_unused_future(acq: &Acquisition) -> bool {
    !acq.shape.awaited
        && !acq.shape.unwrapped
        && acq.captured_from.is_none()
        && acq.uses == 0
        && !acq.escapes
        && !acq.end.as_ref().is_some_and(|e| e.kind == EndKind::Move)
}

/// An async lock's or semaphore's method that returns a future (its
/// `try_*` and `blocking_*` methods return the guard at once).
fn returns_future(kind: LockKind, method: &str) -> bool {
    matches!(kind.family(), Family::Async | Family::Semaphore)
        && kind.is_guard_method(method)
        && !method.starts_with("try_")
        && !method.starts_with("blocking_")
}

/// `.await` is allowed here: an async body, outside any non-async closure.
fn can_await(body: &Body, acq: &Acquisition) -> bool {
    body.kind.is_async() && !body.control_chain(acq.ctx).any(|c| c.kind == ControlKind::Closure)
}

fn finding(file: u32, body: &Body, acq: &Acquisition, kind: LockKind, name: &str, binding: Span) -> Finding {
    let semaphore = kind.family() == Family::Semaphore;
    let (taken, what) = if semaphore { ("no permit is taken", "permit") } else { ("nothing is locked", "guard") };
    let call = format!("{}.{}()", acq.receiver.text, acq.method);
    let mut f = META
        .finding(file, acq.span, format!("`{call}` is never awaited: {taken}"))
        .with_primary_label(format!("this is a future of `{}`, not a {what}", kind.type_name()))
        .with_label(binding, format!("`{name}` holds the unpolled future"));
    if let Some(&a) = acq.held_at.first() {
        let unprotected = if semaphore { "this runs without a permit" } else { "this runs without the lock" };
        f = f.with_label(body.awaits[a as usize].span, unprotected);
    }
    if can_await(body, acq) {
        let at = Span { lo: acq.span.hi, line: acq.span.end_line, col: acq.span.end_col, ..acq.span };
        let help = if semaphore { "await the request to take the permit" } else { "await the future to take the lock" };
        f = f.with_suggestion(
            help,
            Suggestion { span: at, replacement: ".await".to_string(), applicability: Applicability::MachineApplicable },
        );
    } else {
        f = f.with_help("`.await` it from an async body; outside one, use the lock's blocking form (`blocking_lock()`, `blocking_write()`) or make the caller async");
    }
    f.with_note(format!(
        "an async `{}` returns a future that does nothing until it is polled; rustc does not warn because it is bound to a name",
        acq.method
    ))
}
