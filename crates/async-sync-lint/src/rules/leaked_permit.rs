//! `leaked-permit`: a semaphore permit that is lost or given back twice —
//! forgotten with no refill, refilled only on the path that neither fails
//! nor is cancelled, given back on a path that never took it, or returned
//! while the work it bounds runs on — and a lock guard forgotten.

mod paths;
mod spawned;

use crate::analysis::facts::{Body, BodyKind, Callee, Holder, Place, PlaceRoot, Projection, TypeRepr};
use crate::analysis::index::{Family, WrittenIn};
use crate::diagnostic::{FileId, Finding, Span};
use crate::rules::lock_summary::{LockKey, LockSummary, Root};
use crate::rules::{BodyRef, CrateCx};

crate::declare_rule! {
    name: "leaked-permit",
    level: Warn,
    summary: "a semaphore permit is leaked or given back twice (no refill, a refill an await or `?` can skip, an extra `add_permits`, a permit not moved into the work it bounds), or a lock guard is forgotten",
    docs: r#"## What it does
Finds the ways a semaphore's count drifts from the work it bounds:

- `SemaphorePermit::forget()`, `OwnedSemaphorePermit::forget()` or
  `mem::forget(permit)` when no `add_permits` on the same semaphore appears
  anywhere in the crate (a `Drop` impl that refills counts);
- a `forget()` whose refill comes later in the same function, with an
  `.await`, a `?` or a `return` between: a cancelled or failed task never
  gives the permit back;
- `add_permits` while a permit of the same semaphore is still held (it is
  given back twice: once by the call, once when the permit drops), or on an
  early path of a function that takes and forgets permits, before it took
  one;
- an async function that holds a permit while the work the permit bounds
  runs in a task it spawns (`tokio::spawn`, `spawn_blocking`,
  `JoinSet::spawn`) and waits for, without moving the permit into it;
- `mem::forget` of a lock guard.

## Why is this bad?
asyncio's guidance: "a bare acquire with no release on an exception path
leaks a permit", and "use `BoundedSemaphore` to catch over-release". A
forgotten permit is never returned: each leak shrinks the semaphore for
good, until every `acquire().await` waits forever. Rust futures can stop at
any `.await` (a timeout, a dropped request, `select!`), and `?` returns
early: a refill written after them is skipped on those paths. An extra
`add_permits` grows the semaphore past its start and silently raises the
cap; tokio's `Semaphore` has no bounded variant to catch it. A spawned
task or blocking closure is not cancelled with its caller: when the caller
stops waiting, its permit returns while the work runs on, so the limit no
longer bounds the work. A forgotten lock guard leaves the lock locked.

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
Keep the RAII permit and let it drop: it is returned on every path,
cancellation and errors included. If consuming it is the point (a token
bucket), refill the semaphore with `add_permits` from a place every path
reaches (a guard's `Drop`). To bound spawned work, take an owned permit
(`acquire_owned()`) and move it into the task or closure.

## Known problems
A guard forgotten in test code (`#[test]`, `#[cfg(test)]`) is not reported:
tests do it on purpose to probe the lock; nor are the refill, over-release
and spawned-work shapes in test code.
Semaphores are matched by the struct that declares their field (so
`self.gate.sem` in `impl Drop for Guard` is the `sem` of `gate`'s type),
static, or local name within the file (so `let s = s.clone()` in a spawned
task matches the outer `s`); when either side's semaphore cannot be named,
any `add_permits` in the crate counts as the match. A semaphore handed to
another crate that refills it is not seen. `add_permits` alone is not
reported: growing a pool, or opening a gate created with zero permits, is
its purpose; only an `add_permits` next to a held permit of the same
semaphore, or before the first `forget` on a path that returns early, is.
Spawned work is recognised when its handle (or the `JoinSet`) is awaited
while the permit is held; work spawned in the background and not waited
for is not the permit's work.
"#,
}

/// A `forget` of a permit or an `add_permits` call.
pub(crate) struct Site {
    pub file: FileId,
    pub fi: usize,
    pub bi: usize,
    pub span: Span,
    pub ctx: Option<u32>,
    /// The semaphore's class, when it can be named.
    pub sem: Option<String>,
    /// The semaphore as one instance, for comparisons within a body.
    pub key: Option<LockKey>,
    pub text: String,
    /// For a forget: the forgotten acquisition.
    pub acq: Option<usize>,
    /// For a forget, the semaphore's declared type; for a refill in a
    /// `Drop` impl through a field of `self`, that field's type.
    pub ty: Option<TypeRepr>,
    pub in_test: bool,
}

pub(crate) struct Sites {
    pub forgets: Vec<Site>,
    pub adds: Vec<Site>,
}

pub fn check(cx: &CrateCx<'_>, out: &mut Vec<Finding>) {
    let summary = cx.lock_summary();
    let sites = collect(cx, summary, out);
    for f in &sites.forgets {
        if sites.adds.iter().any(|a| same_semaphore(&f.sem, &a.sem) || (a.ty.is_some() && a.ty == f.ty)) {
            continue;
        }
        out.push(
            META.finding(f.file, f.span, format!("a permit of `{}` is forgotten and never given back", f.text))
                .with_primary_label("the permit is leaked here")
                .with_help("let the permit drop (or `drop(permit)`) to return it; if consuming it is the point (a token bucket), refill the semaphore with `add_permits`")
                .with_note("no `add_permits` on this semaphore appears in the crate: each forget shrinks it for good, until every `acquire().await` waits forever"),
        );
    }
    paths::check(cx, summary, &sites, out);
    spawned::check(cx, &sites, out);
}

/// Two semaphore names that may be the same semaphore: equal, or either
/// unknown.
pub(crate) fn same_semaphore(a: &Option<String>, b: &Option<String>) -> bool {
    a.is_none() || b.is_none() || a == b
}

fn collect(cx: &CrateCx<'_>, summary: &LockSummary<'_>, out: &mut Vec<Finding>) -> Sites {
    let mut sites = Sites { forgets: Vec::new(), adds: Vec::new() };
    for BodyRef { fi, file_id, bi, body, .. } in cx.bodies() {
        for call in &body.calls {
            let site = |acq: Option<usize>, key: Option<LockKey>, text: &str, ty: Option<TypeRepr>| Site {
                file: file_id,
                fi,
                bi,
                span: call.span,
                ctx: call.ctx,
                sem: key.as_ref().map(|k| sem_name(cx, k)),
                key,
                text: text.to_string(),
                acq,
                ty,
                in_test: body.is_test,
            };
            match &call.callee {
                Callee::Method { receiver, name } if name == "forget" && call.arg_count == 0 => {
                    let acq = match receiver.as_ref().map(|r| &r.root) {
                        Some(PlaceRoot::Local { name, .. }) => bound_to(body, name),
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
                    let key = summary.key_of(fi, bi, body, &a.receiver, 0);
                    let ty = cx.index.declared_type(body, &a.receiver);
                    sites.forgets.push(site(Some(ai), key, &a.receiver.text, ty));
                }
                Callee::Path(p) if p.last().is_some_and(|l| l == "forget") && call.arg_count == 1 => {
                    let canon = cx.index.canonical_path(WrittenIn::body(fi, body), p, 0);
                    if !canon.iter().any(|s| s == "mem") {
                        continue;
                    }
                    let [arg] = call.arg_idents.as_slice() else { continue };
                    let Some(ai) = bound_to(body, arg) else { continue };
                    let a = &body.acquisitions[ai];
                    let Some(r) = cx.index.resolve_acquisition(fi, body, a) else { continue };
                    match r.kind.family() {
                        Family::Semaphore => {
                            let key = summary.key_of(fi, bi, body, &a.receiver, 0);
                            let ty = cx.index.declared_type(body, &a.receiver);
                            sites.forgets.push(site(Some(ai), key, &a.receiver.text, ty));
                        }
                        // Tests forget guards on purpose to probe the lock.
                        Family::Blocking | Family::Async if !body.is_test => out.push(
                            META.finding(
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
                    let key = resolved.and_then(|_| summary.key_of(fi, bi, body, r, 0));
                    let ty = drop_refill_type(cx, body, r);
                    sites.adds.push(site(None, key, &r.text, ty));
                }
                _ => {}
            }
        }
    }
    sites
}

/// `self.sem.add_permits(..)` in a `Drop` impl, with `sem` a field of
/// `self`: the field's declared type. The guard was handed its semaphore by
/// whoever forgot the permit (`Guard { sem: self.sem.clone() }`), which
/// names no field, so the refill matches forgets of a semaphore declared
/// with the same type.
fn drop_refill_type(cx: &CrateCx<'_>, body: &Body, sem: &Place) -> Option<TypeRepr> {
    let is_drop =
        body.kind == BodyKind::SyncFn && body.self_ty.is_some() && body.name.rsplit("::").next() == Some("drop");
    let direct_field = matches!(sem.root, PlaceRoot::SelfValue)
        && sem.projections.iter().filter(|p| matches!(p, Projection::Field(_))).count() == 1;
    if !is_drop || !direct_field {
        return None;
    }
    cx.index.declared_type(body, sem)
}

/// The semaphore's name for matching forgets with refills: the struct that
/// declares its field (`self.gate.sem` in `impl Drop for Guard` is the
/// `sem` of `gate`'s type), with a local named per file rather than per
/// body, so that the `s` moved into a spawned task matches the `s` refilled
/// outside it.
fn sem_name(cx: &CrateCx<'_>, k: &LockKey) -> String {
    match &k.root {
        Root::Local { file, name, .. } => format!("local {file}:{name}{}", k.fields),
        Root::SelfOf(owner) | Root::Value { owner, .. } => declaring_struct(cx, owner, &k.fields),
        Root::Static(_) => k.class(),
    }
}

/// `Guard` + `.gate.sem` → `Gate.sem`, following each field's declared type
/// while it is a struct of the crate.
fn declaring_struct(cx: &CrateCx<'_>, owner: &str, fields: &str) -> String {
    let mut owner = owner.to_string();
    let mut parts: Vec<&str> = fields.split('.').filter(|f| !f.is_empty()).collect();
    while parts.len() > 1 {
        let Some(next) = field_struct(cx, &owner, parts[0]) else { break };
        owner = next;
        parts.remove(0);
    }
    let mut out = owner;
    for p in parts {
        out.push('.');
        out.push_str(p);
    }
    out
}

/// The crate struct that field `field` of struct `owner` holds (through
/// `Arc`, `&` …), when both are unique by name.
fn field_struct(cx: &CrateCx<'_>, owner: &str, field: &str) -> Option<String> {
    let unique = |name: &str| match cx.index.structs_named(name) {
        [(_, def)] => Some(*def),
        _ => None,
    };
    let ty = &unique(owner)?.fields.iter().find(|f| f.name == field)?.ty;
    let next = ty.unshared().last_segment()?;
    unique(next).map(|d| d.name.clone())
}

/// The acquisition whose guard is bound to `name` (the last one, for
/// shadowed names).
pub(crate) fn bound_to(body: &Body, name: &str) -> Option<usize> {
    body.acquisitions.iter().rposition(|a| matches!(&a.holder, Holder::Binding { name: n, .. } if n == name))
}
