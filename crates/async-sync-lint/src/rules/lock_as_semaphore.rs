//! `lock-as-semaphore`: a lock that guards no data, held across awaits of
//! unrelated work: a semaphore of one.

use crate::diagnostic::Finding;
use crate::facts::{Body, Callee, Holder, LocalOrigin, Place, PlaceRoot, Projection, TypeRepr};
use crate::index::Family;
use crate::rules::lock_summary::{declared_type, peel};
use crate::rules::CrateCx;

crate::declare_rule! {
    name: "lock-as-semaphore",
    level: Warn,
    summary: "a lock that guards no data (`Mutex<()>`, an unused guard) is held across awaits, serialising work to one at a time",
    docs: r#"## What it does
Finds an async lock that guards no data — a `Mutex<()>` / `RwLock<()>`, or a
lock kept in a field or static whose guard is never read or written
through — held across awaits
while the region touches no shared state: no write to a field or static, no
mutating call on one (`insert`, `push`, `remove` …), no other lock taken.

## Why is this bad?
Such a lock is a semaphore with one permit: it lets exactly one task do the
work at a time. Usually the intent is to limit concurrency (of requests, of
spawned jobs), and one is rarely the right limit; when it is, a semaphore
says so and can be tuned.

## Example
```rust
use tokio::sync::Mutex;

struct Client { gate: Mutex<()> }

impl Client {
    async fn fetch(&self, url: &str) {
        let _turn = self.gate.lock().await;
        get(url).await;
    }
}
async fn get(_: &str) {}
```

## Use instead
```rust
use tokio::sync::Semaphore;

struct Client { gate: Semaphore }

impl Client {
    async fn fetch(&self, url: &str) {
        let _permit = self.gate.acquire().await.unwrap();
        get(url).await;
    }
}
async fn get(_: &str) {}
```
`Semaphore::new(n)` sets the limit; `acquire().await` waits for a turn.

## Known problems
Test code (`#[test]`, `#[cfg(test)]`) is not checked: tests of a lock hold
guards they never use on purpose.
Whether the region touches data is judged from writes and from mutating
method names on fields and statics; a region that only reads shared state,
or mutates it through a helper, looks like unrelated work. A `Mutex<()>`
that deliberately serialises access to an external resource (a file, a
terminal) is reported too: a `Semaphore::new(1)` says the same more plainly.
A data lock held in a local (`let m = Arc::new(Mutex::new(0))`) with an
unused guard is not reported, since that is how tests exercise a lock; a
local `Mutex<()>` still is.
"#,
}

pub fn check(cx: &CrateCx<'_>, out: &mut Vec<Finding>) {
    for (fi, &(file_id, facts)) in cx.index.files.iter().enumerate() {
        // Tests of a lock hold guards they never use on purpose.
        for body in facts.bodies.iter().filter(|b| b.kind.is_async() && !b.is_test) {
            for (ai, acq) in body.acquisitions.iter().enumerate() {
                // An async lock's `lock()` without `.await` is a future: it
                // locks nothing, and there is no guard to speak of.
                if acq.held_at.is_empty()
                    || acq.captured_from.is_some()
                    || acq.method.starts_with("try_")
                    || !acq.shape.awaited
                {
                    continue;
                }
                let Holder::Binding { name, .. } = &acq.holder else { continue };
                let Some(r) = cx.index.resolve_acquisition(fi, body, acq) else { continue };
                if r.kind.family() != Family::Async {
                    continue;
                }
                let unit = declared_type(cx, body, &acq.receiver).is_some_and(|t| guards_unit(&t));
                // A data lock with an unused guard is a gate only when it is
                // shared state (a field or static): a local lock locked
                // without using the guard is a test of the lock itself.
                let unused_gate = acq.uses == 0 && is_shared_lock(&acq.receiver, 0);
                if !(unit || unused_gate) || touches_data(body, ai as u32) {
                    continue;
                }
                let what = if unit { "a lock guarding `()`" } else { "a lock whose guard is never used" };
                let mut f = Finding::new(
                    META.name,
                    META.default_level,
                    file_id,
                    acq.span,
                    format!("`{}` is {what}, held across awaits: it only serialises the work", acq.receiver.text),
                )
                .with_primary_label(format!("`{name}` taken here only to wait for a turn"));
                for &a in acq.held_at.iter().take(3) {
                    f = f.with_label(body.awaits[a as usize].span, "this work runs one task at a time");
                }
                out.push(
                    f.with_help("use `tokio::sync::Semaphore::new(N)` and `let _permit = sem.acquire().await?;` to let N tasks run at once")
                        .with_note("a lock that protects no data is a semaphore with one permit"),
                );
            }
        }
    }
}

/// The lock is a field (of `self` or of a value) or a static, following
/// `let m = self.m.clone()`-style aliases.
fn is_shared_lock(place: &Place, depth: u32) -> bool {
    let has_field = place.projections.iter().any(|p| matches!(p, Projection::Field(_)));
    match &place.root {
        PlaceRoot::Path(_) => true,
        PlaceRoot::Local { origin: LocalOrigin::Alias(p), .. } if depth < 4 => {
            has_field || is_shared_lock(p, depth + 1)
        }
        PlaceRoot::SelfValue | PlaceRoot::Local { .. } => has_field,
        PlaceRoot::Unknown => false,
    }
}

/// `Mutex<()>`, `RwLock<()>` (behind `Arc`, `&` …).
fn guards_unit(t: &TypeRepr) -> bool {
    match peel(t) {
        TypeRepr::Path { segments, args } => {
            matches!(segments.last().map(String::as_str), Some("Mutex" | "RwLock"))
                && matches!(args.first(), Some(TypeRepr::Tuple(v)) if v.is_empty())
        }
        _ => false,
    }
}

/// Does the region where acquisition `ai` is held touch shared state?
fn touches_data(body: &Body, ai: u32) -> bool {
    let shared = |root: &PlaceRoot, projections: &[Projection]| match root {
        PlaceRoot::SelfValue | PlaceRoot::Path(_) => true,
        PlaceRoot::Local { .. } => !projections.is_empty(),
        PlaceRoot::Unknown => true,
    };
    if body.writes.iter().any(|w| w.held.contains(&ai) && shared(&w.target.root, &w.target.projections)) {
        return true;
    }
    if body.acquisitions.iter().any(|a| a.held_on_acquire.contains(&ai)) {
        return true;
    }
    let lock_root = match &body.acquisitions[ai as usize].receiver.root {
        PlaceRoot::Local { name, .. } => Some(name.as_str()),
        PlaceRoot::SelfValue => Some("self"),
        _ => None,
    };
    body.calls.iter().filter(|c| c.held.contains(&ai)).any(|c| {
        // A helper handed the lock's owner may use the data it guards.
        let given_owner = lock_root.is_some_and(|r| c.arg_idents.iter().any(|a| a == r));
        given_owner
            || match &c.callee {
                Callee::Method { receiver: Some(r), name } => {
                    let own_method = matches!(r.root, PlaceRoot::SelfValue) && r.projections.is_empty();
                    own_method || is_mutating(name)
                }
                _ => false,
            }
    })
}

fn is_mutating(name: &str) -> bool {
    matches!(
        name,
        "insert"
            | "push"
            | "push_back"
            | "push_front"
            | "pop"
            | "pop_front"
            | "pop_back"
            | "remove"
            | "extend"
            | "clear"
            | "retain"
            | "truncate"
            | "drain"
            | "entry"
            | "get_mut"
            | "set"
            | "store"
            | "swap"
            | "fetch_add"
            | "fetch_sub"
            | "take"
            | "replace"
            | "append"
            | "write_all"
            | "write"
            | "flush"
            | "sync_all"
    )
}
