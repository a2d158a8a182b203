//! `reentrant-lock`: a task locks a lock it already holds, directly or
//! through the functions it calls.

use std::collections::BTreeSet;

use crate::analysis::facts::{Body, Callee, Holder};
use crate::analysis::index::{Family, LockKind};
use crate::diagnostic::Finding;
use crate::rules::lock_summary::{chain_text, LockAcq, Mode};
use crate::rules::{BodyRef, CrateCx};

crate::declare_rule! {
    name: "reentrant-lock",
    level: Deny,
    summary: "a task locks a mutex or `RwLock` it already holds, directly or through a call",
    docs: r#"## What it does
Finds a lock acquired while the same task already holds it: twice in one
body (`let a = self.m.lock().await; … self.m.lock().await`), or through a
call made while the guard is live (`self.helper()`, `Self::helper(self)`,
`self.inner.helper()` through the field's type, or a free function given
the lock) whose body, or the bodies it calls in turn (up to four calls
deep), locks the same lock. A closure given to an adapter that calls it at
once (`filter`, `map`, `any`, `retain`, `and_modify`, `unwrap_or_else` …)
runs while the guards of its statement are live. A guard handed back by a
method of the crate (`fn tx(&self) -> Tx<'_>` with a guard inside) holds
the lock that method takes. Async locks (tokio, futures, async-lock,
async-std) and blocking ones (std, parking_lot, spin) alike.

A DashMap is a lock too: while a `Ref`, `RefMut` or `Entry` of a map is
alive, touching the same map again (`insert`, `remove`, `get_mut`, `entry`,
`retain` …, or `get` after a `get_mut`/`entry`) blocks on the shard lock the
reference holds whenever the key falls in that shard.

For an `RwLock`, `write` after `read` (or after `write`) deadlocks; `read`
after `read` is reported with its own message: it deadlocks as soon as a
writer queues between the two reads (tokio's `RwLock` is fair, std's and
parking_lot's may be).

## Why is this bad?
None of these locks is re-entrant. tokio's `lock().await` waits forever for
the guard its own task holds; a std `Mutex` deadlocks or panics; a
parking_lot or spin lock spins or parks forever. The task never finishes, and
every other task that needs the lock hangs behind it.

## Example
```rust
use tokio::sync::Mutex;

struct Counter { n: Mutex<u64> }

impl Counter {
    async fn bump(&self) {
        let mut n = self.n.lock().await;
        *n += 1;
        self.log().await;
    }
    async fn log(&self) {
        println!("{}", *self.n.lock().await);
    }
}
```

## Use instead
```rust
use tokio::sync::Mutex;

struct Counter { n: Mutex<u64> }

impl Counter {
    async fn bump(&self) {
        let value = {
            let mut n = self.n.lock().await;
            *n += 1;
            *n
        };
        Self::log(value);
    }
    fn log(value: u64) {
        println!("{value}");
    }
}
```
Release the guard before calling code that locks again, or pass the locked
data (`&mut T`) down instead of the lock.

## Known problems
Read-then-read in test code (`#[test]`, `#[cfg(test)]`) is not reported:
tests of an `RwLock` take two read guards on purpose, with no writer queued.
A lock is identified by where it lives: owner type and field path for
`self.x` (and for `s.x` with `s: &Owner`), a static by name, a local binding
within its body, following `let m = &self.m` and `self.m.clone()` aliases.
One constructor that gives one lock to two structs it builds (`let runner
= Runner { db: db.clone() }` or `Runner::new(db.clone())` storing its one
argument; then `State { db, runner }`) makes `State.runner.db` the same
lock as `State.db`. Other aliasing that syntax does not show is not seen:
two bindings cloned from the same `Arc` in another function, an inner
constructor with a pattern parameter (`(a, b): (A, B)`), locks reached
through an index
(`self.shards[i]`), a method returning the lock, a generic parameter or a
trait object. Calls are followed only to uniquely named functions of the
crate: methods on `self` or on a value of a crate type, `Self::f`,
`Type::f`, free functions (a free function given a single argument is
matched to that argument); trait dispatch and closures stored for later are
not followed. A guard-returning method is seen when it is declared in the
file that calls it. A guard from a trait method on a receiver known only by
the trait (`store.state()` for `store: &dyn Storage`) names no lock: the
implementation decides which, even when the crate has one. Two reads of one DashMap are not reported (reading two
keys in one expression is everywhere; it blocks only when a writer queues
on that shard in between).
"#,
}

pub fn check(cx: &CrateCx<'_>, out: &mut Vec<Finding>) {
    let summary = cx.lock_summary();
    for BodyRef { fi, file_id, bi, body, .. } in cx.bodies() {
        let mut reported: BTreeSet<(u32, u32)> = BTreeSet::new();
        // Directly: the second acquisition sees the first live.
        for (h, ai, first, second) in summary.nested_pairs(fi, bi, body) {
            if first.key != second.key || !blocks(first, second) {
                continue;
            }
            // Tests of an `RwLock` take two read guards on purpose;
            // with no writer queued in a test, that cannot block.
            if body.is_test && is_read_read(first, second) {
                continue;
            }
            let acq = &body.acquisitions[ai];
            if !reported.insert((acq.span.lo, acq.span.hi)) {
                continue;
            }
            let f = body.acquisitions[h].span;
            let finding = META
                .finding(file_id, acq.span, message(first, second, &second.text(acq), ""))
                .with_primary_label(second_label(second))
                .with_label(f, first_label(body, h));
            out.push(advise(finding, first, second, holder_name(body, h)));
        }
        // A DashMap touched again (`insert`, `remove` …) while a
        // reference into it is live: those methods lock a shard too.
        for call in body.calls.iter().filter(|c| !c.held.is_empty()) {
            let Callee::Method { receiver: Some(place), name } = &call.callee else { continue };
            if !is_map_shard_method(name)
                || !cx.index.resolve_place(fi, body, place).is_some_and(|r| r.kind == LockKind::DashMap)
            {
                continue;
            }
            let Some(key) = summary.key_of(fi, bi, body, place, 0) else { continue };
            let second = LockAcq { key, kind: LockKind::DashMap, mode: Mode::of(LockKind::DashMap, name), waits: true };
            for &h in &call.held {
                let Some(first) = summary.acq(fi, bi, h as usize) else { continue };
                if first.key != second.key || !blocks(first, &second) {
                    continue;
                }
                if (body.is_test && is_read_read(first, &second)) || !reported.insert((call.span.lo, call.span.hi)) {
                    continue;
                }
                let finding = META
                    .finding(file_id, call.span, message(first, &second, &place.text, ""))
                    .with_primary_label(format!("`{name}` locks a shard of `{}` again", place.text))
                    .with_label(body.acquisitions[h as usize].span, first_label(body, h as usize));
                out.push(advise(finding, first, &second, holder_name(body, h as usize)));
            }
        }
        // Through calls made while a guard is live.
        for call in body.calls.iter().filter(|c| !c.held.is_empty()) {
            let reached = summary.reached_by_call(fi, bi, call);
            if reached.is_empty() {
                continue;
            }
            for &h in &call.held {
                let Some(first) = summary.acq(fi, bi, h as usize) else { continue };
                let Some(r) = reached.iter().find(|r| {
                    r.same_instance
                        && r.key == first.key
                        && blocks(first, &LockAcq { key: r.key.clone(), kind: r.kind, mode: r.mode, waits: true })
                }) else {
                    continue;
                };
                if !reported.insert((call.span.lo, call.span.hi)) {
                    continue;
                }
                let second = LockAcq { key: r.key.clone(), kind: r.kind, mode: r.mode, waits: true };
                if body.is_test && is_read_read(first, &second) {
                    continue;
                }
                let first_acq = &body.acquisitions[h as usize];
                let mut finding = META
                    .finding(file_id, call.span, message(first, &second, &first.text(first_acq), " by this call"))
                    .with_primary_label(format!("calls {}, which locks `{}` again", chain_text(r), r.text))
                    .with_label(first_acq.span, first_label(body, h as usize));
                for hop in r.chain.iter().skip(1).filter(|h| h.file == fi) {
                    finding = finding.with_label(hop.span, format!("then calls `{}`", hop.callee));
                }
                if r.file == fi {
                    finding = finding.with_label(r.span, "second acquisition here, while the first guard is held");
                }
                finding = finding.with_note(format!(
                    "`{}` acquires `{}` at line {}{}",
                    r.body_name,
                    r.text,
                    r.line,
                    if r.file == fi { "" } else { " of its file" }
                ));
                if let Some(shared) = &r.shared_by {
                    finding = finding.with_note(shared.clone());
                }
                out.push(advise(finding, first, &second, holder_name(body, h as usize)));
            }
        }
    }
}

/// DashMap methods that lock a shard without handing out a reference.
fn is_map_shard_method(name: &str) -> bool {
    matches!(
        name,
        "insert"
            | "remove"
            | "remove_if"
            | "remove_if_mut"
            | "alter"
            | "alter_all"
            | "retain"
            | "clear"
            | "contains_key"
            | "len"
            | "is_empty"
            | "view"
            | "shrink_to_fit"
    )
}

/// Does taking `second` while holding `first` (same lock) block?
fn conflicts(first: Mode, second: Mode) -> bool {
    !matches!((first, second), (Mode::Shared, Mode::Upgradable) | (Mode::Upgradable, Mode::Shared))
}

/// Is taking `second` while holding `first` (same lock) reported? Two
/// reads of one DashMap are not: reading two keys in one expression is
/// everywhere, and it blocks only when a writer queues on that very shard
/// in between.
fn blocks(first: &LockAcq, second: &LockAcq) -> bool {
    conflicts(first.mode, second.mode) && !(first.kind == LockKind::DashMap && is_read_read(first, second))
}

fn is_read_read(first: &LockAcq, second: &LockAcq) -> bool {
    first.mode == Mode::Shared && second.mode == Mode::Shared
}

fn message(first: &LockAcq, second: &LockAcq, text: &str, via: &str) -> String {
    if first.kind == LockKind::DashMap {
        let what = if first.mode == Mode::Shared { "`Ref`" } else { "`RefMut` or `Entry`" };
        format!("`{text}` is touched again{via} while this task holds a {what} into it")
    } else if is_read_read(first, second) {
        format!("`{text}` is read-locked again{via} while this task already holds a read guard")
    } else {
        format!("`{text}` is locked again{via} while this task already holds it")
    }
}

fn second_label(second: &LockAcq) -> String {
    match second.mode {
        Mode::Shared => "second read lock here".to_string(),
        _ => "second acquisition here, while the first guard is held".to_string(),
    }
}

fn holder_name(body: &Body, acq: usize) -> Option<String> {
    match &body.acquisitions[acq].holder {
        Holder::Binding { name, .. } => Some(name.clone()),
        _ => None,
    }
}

fn first_label(body: &Body, acq: usize) -> String {
    match holder_name(body, acq) {
        Some(name) => format!("first acquired here, held by `{name}`"),
        None => "first acquired here, held by a temporary".to_string(),
    }
}

fn advise(f: Finding, first: &LockAcq, second: &LockAcq, holder: Option<String>) -> Finding {
    if first.kind == LockKind::DashMap {
        let copy = match holder {
            Some(name) => format!("copy what you need out of `{name}` and drop it before touching the map again"),
            None => {
                "copy the value out (`.map(|r| r.clone())`) in a statement of its own before touching the map again"
                    .to_string()
            }
        };
        return f.with_help(copy).with_note(
            "a DashMap `Ref`, `RefMut` or `Entry` holds its shard's lock; touching the same map from the same thread blocks on that lock forever when the key falls in the same shard",
        );
    }
    let release = match holder {
        Some(name) => format!("release the first guard before locking again (`drop({name})` or end its block), or pass the locked data (`&mut T`) to the code that needs it"),
        None => "release the first guard before locking again (bind it in a statement of its own), or pass the locked data (`&mut T`) to the code that needs it".to_string(),
    };
    let f = f.with_help(release);
    if is_read_read(first, second) {
        return f.with_note(
            "a second read lock waits behind any writer queued since the first one (tokio's `RwLock` is fair), and that writer waits for the first read guard: a deadlock",
        );
    }
    let why = match (first.kind.family(), first.kind) {
        (Family::Async, _) => format!(
            "`{}` is not re-entrant: the task waits forever for the guard it holds itself",
            first.kind.type_name()
        ),
        (_, LockKind::StdMutex | LockKind::StdRwLock) => format!(
            "`{}` is not re-entrant: locking it twice on one thread deadlocks or panics",
            first.kind.type_name()
        ),
        _ => format!("`{}` is not re-entrant: locking it twice on one thread deadlocks", first.kind.type_name()),
    };
    f.with_note(why)
}
