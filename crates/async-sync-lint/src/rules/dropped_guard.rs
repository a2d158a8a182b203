//! `dropped-guard`: a guard or permit dropped the moment it is made.

use crate::analysis::facts::{Acquisition, Callee, Holder, Place, PlaceRoot, Projection};
use crate::analysis::index::{Family, LockKind};
use crate::diagnostic::{Applicability, Finding, Span, Suggestion};
use crate::rules::{BodyRef, CrateCx};

crate::declare_rule! {
    name: "dropped-guard",
    level: Deny,
    summary: "a lock guard or semaphore permit is dropped as soon as it is acquired",
    docs: r#"## What it does
Finds a lock guard or semaphore permit that is dropped in the statement that
acquires it: `let _ = m.lock().await;`, `let _ = sem.acquire().await?;`,
`let _ = rw.write().await;`, a parking_lot `let _ = m.lock();`, or a bare
statement such as `m.lock().await;` or `sem.acquire().await.unwrap();`.

`let _g = …` is fine: a named binding, even one starting with `_`, holds the
guard to the end of its scope.

## Why is this bad?
`let _ = …` does not bind: the guard is a temporary that is dropped at the
end of the statement, and so is the value of an expression statement. The
lock is released (or the permit returned) before the code that it was meant
to protect runs, so that code runs unprotected. The program compiles and
usually works in tests, which makes this hard to see.

## Example
```rust
use tokio::sync::Mutex;

async fn bump(m: &Mutex<u64>, n: &mut u64) {
    let _ = m.lock().await;
    *n += 1;
}
```

## Use instead
```rust
use tokio::sync::Mutex;

async fn bump(m: &Mutex<u64>, n: &mut u64) {
    let _guard = m.lock().await;
    *n += 1;
}
```
The fix is machine-applicable: `_` becomes `_guard` (or `_permit`), and a
bare statement gets `let _guard = ` in front.

## Known problems
`std::sync::Mutex` and `RwLock` are not reported: rustc already denies
`let _ = std_mutex.lock()` (`let_underscore_lock`) and warns on an unused
`MutexGuard` (`unused_must_use`). Only receivers whose type is known (a
declared type, a constructor) are reported. Awaiting a lock only to wait for
its current holder (`m.lock().await;` as a barrier) is reported too: write
`drop(m.lock().await);` to say that it is meant. Test code (`#[test]`,
`#[tokio::test]`, `#[cfg(test)]` modules) is not checked: tests of locks and
semaphores drop guards on purpose. A semaphore the crate gives permits to
with `add_permits` (a gate opened once, `add_permits(Semaphore::MAX_PERMITS)`)
is not reported: there `let _ = gate.acquire().await;` waits for it to open.
The semaphore is recognised by its field or local name, so a limiter that
shares its name with such a gate is missed.
"#,
}

pub fn check(cx: &CrateCx<'_>, out: &mut Vec<Finding>) {
    let gates = refilled_semaphores(cx);
    for BodyRef { fi, file_id, body, .. } in cx.bodies() {
        // Tests of locks and semaphores drop guards on purpose to probe
        // the primitive; outside tests a dropped guard is a bug.
        if body.is_test {
            continue;
        }
        for acq in &body.acquisitions {
            if acq.captured_from.is_some() || !matches!(acq.holder, Holder::Wildcard | Holder::Discarded) {
                continue;
            }
            if acq.method.starts_with("try_") {
                // `let _ = m.try_lock();` probes; it never waited.
                continue;
            }
            let Some(resolved) = cx.index.resolve_acquisition(fi, body, acq) else { continue };
            if !reported_kind(resolved.kind) {
                continue;
            }
            if resolved.kind.family() == Family::Semaphore && gates.contains(last_name(&acq.receiver)) {
                // A semaphore the crate opens with `add_permits` is a
                // gate: taking a permit and dropping it waits for it to
                // open (`let _ = startup.acquire().await;`).
                continue;
            }
            out.push(finding(file_id, acq, resolved.kind));
        }
    }
}

/// The names (last field or local) of semaphores some code of the crate
/// gives permits to with `add_permits`.
fn refilled_semaphores<'c>(cx: &'c CrateCx<'_>) -> std::collections::HashSet<&'c str> {
    let mut names = std::collections::HashSet::new();
    for call in cx.bodies().flat_map(|b| &b.body.calls) {
        if let Callee::Method { receiver: Some(r), name } = &call.callee {
            if name == "add_permits" {
                names.insert(last_name(r));
            }
        }
    }
    names
}

/// `self.startup` → `startup`; `gate` → `gate`.
fn last_name(p: &Place) -> &str {
    p.projections
        .iter()
        .rev()
        .find_map(|pr| match pr {
            Projection::Field(f) => Some(f.as_str()),
            _ => None,
        })
        .or(match &p.root {
            PlaceRoot::Local { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .unwrap_or("")
}

/// std locks are rustc's business; cells and map refs are not locks that
/// protect a section.
fn reported_kind(kind: LockKind) -> bool {
    match kind.family() {
        Family::Async | Family::Semaphore => true,
        Family::Blocking => !matches!(kind, LockKind::StdMutex | LockKind::StdRwLock),
        Family::Cell | Family::MapRef => false,
    }
}

fn finding(file: u32, acq: &Acquisition, kind: LockKind) -> Finding {
    let (what, name) = if kind.family() == Family::Semaphore { ("permit", "_permit") } else { ("guard", "_guard") };
    let message = format!("{what} from `{}.{}()` is dropped immediately", acq.receiver.text, acq.method);
    let protects = if kind.family() == Family::Semaphore {
        "the permit goes back to the semaphore before the code after it runs, so nothing is limited"
    } else {
        "the lock is released before the code after it runs, so that code is not protected"
    };
    let mut f = META.finding(file, acq.span, message);
    match (&acq.holder, acq.wildcard_span) {
        (Holder::Wildcard, Some(us)) => {
            f = f
                .with_primary_label(format!("this {what} is dropped at the end of the statement"))
                .with_label(us, "`_` does not bind: the value is dropped at once")
                .with_suggestion(
                    "bind it to a name to hold it to the end of the scope",
                    Suggestion {
                        span: us,
                        replacement: name.to_string(),
                        applicability: Applicability::MachineApplicable,
                    },
                );
        }
        _ => {
            let at = Span { hi: acq.span.lo, end_line: acq.span.line, end_col: acq.span.col, ..acq.span };
            f = f
                .with_primary_label(format!("this {what} is the value of a statement: dropped at its end"))
                .with_suggestion(
                    "bind it to a name to hold it to the end of the scope",
                    Suggestion {
                        span: at,
                        replacement: format!("let {name} = "),
                        applicability: Applicability::MachineApplicable,
                    },
                );
        }
    }
    f.with_note(protects)
}
