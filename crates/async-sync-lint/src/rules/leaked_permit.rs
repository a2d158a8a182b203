//! `leaked-permit`: a semaphore permit (or a lock guard) forgotten with no
//! refill.

use crate::diagnostic::{FileId, Finding, Span};
use crate::facts::{Body, Callee, Holder, PlaceRoot};
use crate::index::{Ctx, Family};
use crate::rules::lock_summary::{LockKey, LockSummary, Root};
use crate::rules::CrateCx;

crate::declare_rule! {
    name: "leaked-permit",
    level: Warn,
    summary: "a semaphore permit is forgotten with no `add_permits` refill, or a lock guard is forgotten",
    docs: r#"## What it does
Finds `SemaphorePermit::forget()`, `OwnedSemaphorePermit::forget()` and
`mem::forget(permit)` when no `add_permits` on the same semaphore appears
anywhere in the crate, and `mem::forget` of a lock guard. A `forget` paired
with an `add_permits` refill is tokio's documented token bucket and is fine.

## Why is this bad?
A forgotten permit is never returned: each `forget` shrinks the semaphore
for good, until every `acquire().await` waits forever. A forgotten lock
guard leaves the lock locked.

## Example
```rust
use tokio::sync::Semaphore;

async fn start(sem: &Semaphore) {
    let permit = sem.acquire().await.unwrap();
    permit.forget();
}
```

## Use instead
```rust
use tokio::sync::Semaphore;

async fn start(sem: &Semaphore) {
    let permit = sem.acquire().await.unwrap();
    work().await;
    drop(permit);
}
async fn work() {}
```
If the permit is meant to be consumed, refill the semaphore with
`add_permits` (a token bucket).

## Known problems
A guard forgotten in test code (`#[test]`, `#[cfg(test)]`) is not reported:
tests do it on purpose to probe the lock.
Semaphores are matched by owner type and field path, static, or local name
within the file (so `let s = s.clone()` in a spawned task matches the outer
`s`); when either side's semaphore cannot be named, any `add_permits` in the
crate counts as the match. A semaphore handed to another crate that refills
it is not seen. `add_permits` alone is not reported: growing a pool, or
signalling through a semaphore created with zero permits, is its purpose.
"#,
}

struct Site {
    file: FileId,
    span: Span,
    /// The semaphore's class, when it can be named.
    sem: Option<String>,
    text: String,
}

pub fn check(cx: &CrateCx<'_>, out: &mut Vec<Finding>) {
    let summary = LockSummary::new(cx);
    let mut forgets: Vec<Site> = Vec::new();
    let mut adds: Vec<Site> = Vec::new();
    for (fi, &(file_id, facts)) in cx.index.files.iter().enumerate() {
        for (bi, body) in facts.bodies.iter().enumerate() {
            for call in &body.calls {
                match &call.callee {
                    Callee::Method { receiver, name } if name == "forget" && call.arg_count == 0 => {
                        let acq = match receiver.as_ref().map(|r| &r.root) {
                            Some(PlaceRoot::Local { name, .. }) => bound_permit(body, name),
                            _ => body
                                .acquisitions
                                .iter()
                                .position(|a| a.span.lo >= call.span.lo && a.span.hi <= call.span.hi),
                        };
                        let Some(ai) = acq else { continue };
                        let a = &body.acquisitions[ai];
                        let Some(r) = cx.index.resolve_acquisition(fi, body, a) else { continue };
                        if r.kind.family() != Family::Semaphore {
                            continue;
                        }
                        let sem = summary.key_of(fi, bi, body, &a.receiver, 0).map(|k| sem_name(&k));
                        forgets.push(Site { file: file_id, span: call.span, sem, text: a.receiver.text.clone() });
                    }
                    Callee::Path(p) if p.last().is_some_and(|l| l == "forget") && call.arg_count == 1 => {
                        let canon = cx.index.canonical_path(Ctx { file: fi, module: &body.module }, p, 0);
                        if !canon.iter().any(|s| s == "mem") {
                            continue;
                        }
                        let [arg] = call.arg_idents.as_slice() else { continue };
                        let Some(ai) = bound_any(body, arg) else { continue };
                        let a = &body.acquisitions[ai];
                        let Some(r) = cx.index.resolve_acquisition(fi, body, a) else { continue };
                        match r.kind.family() {
                            Family::Semaphore => {
                                let sem = summary.key_of(fi, bi, body, &a.receiver, 0).map(|k| sem_name(&k));
                                forgets.push(Site {
                                    file: file_id,
                                    span: call.span,
                                    sem,
                                    text: a.receiver.text.clone(),
                                });
                            }
                            // Tests forget guards on purpose to probe the lock.
                            Family::Blocking | Family::Async if !body.is_test => out.push(
                                Finding::new(
                                    META.name,
                                    META.default_level,
                                    file_id,
                                    call.span,
                                    format!("guard of `{}` is forgotten: the lock is never released", a.receiver.text),
                                )
                                .with_primary_label("`mem::forget` skips the guard's `Drop`, which unlocks")
                                .with_label(a.span, "acquired here")
                                .with_help(format!("let `{arg}` drop (or call `drop({arg})`) to release the lock"))
                                .with_note("every later `lock()` of this lock waits forever"),
                            ),
                            _ => {}
                        }
                    }
                    Callee::Method { receiver: Some(r), name } if name == "add_permits" => {
                        let resolved = cx.index.resolve_place(fi, body, r);
                        if resolved.is_some_and(|x| x.kind.family() != Family::Semaphore) {
                            continue;
                        }
                        let sem = match resolved {
                            Some(_) => summary.key_of(fi, bi, body, r, 0).map(|k| sem_name(&k)),
                            None => None,
                        };
                        adds.push(Site { file: file_id, span: call.span, sem, text: r.text.clone() });
                    }
                    _ => {}
                }
            }
        }
    }
    let matches = |a: &Option<String>, b: &Option<String>| a.is_none() || b.is_none() || a == b;
    for f in &forgets {
        if adds.iter().any(|a| matches(&f.sem, &a.sem)) {
            continue;
        }
        out.push(
            Finding::new(META.name, META.default_level, f.file, f.span, format!("a permit of `{}` is forgotten and never given back", f.text))
                .with_primary_label("the permit is leaked here")
                .with_help("let the permit drop (or `drop(permit)`) to return it; if consuming it is the point (a token bucket), refill the semaphore with `add_permits`")
                .with_note("no `add_permits` on this semaphore appears in the crate: each forget shrinks it for good, until every `acquire().await` waits forever"),
        );
    }
}

/// The semaphore's name for matching forgets with refills: its class, with a
/// local named per file rather than per body, so that the `s` moved into a
/// spawned task matches the `s` refilled outside it.
fn sem_name(k: &LockKey) -> String {
    match &k.root {
        Root::Local { file, name, .. } => format!("local {file}:{name}{}", k.fields),
        _ => k.class(),
    }
}

fn bound_permit(body: &Body, name: &str) -> Option<usize> {
    bound_any(body, name)
}

/// The acquisition whose guard is bound to `name` (the last one, for
/// shadowed names).
fn bound_any(body: &Body, name: &str) -> Option<usize> {
    body.acquisitions.iter().rposition(|a| matches!(&a.holder, Holder::Binding { name: n, .. } if n == name))
}
