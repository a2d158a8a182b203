//! `sync-guard-across-await`: a blocking guard alive at an await point.

use std::collections::BTreeMap;

use crate::analysis::facts::{AwaitKind, Body, EndKind, Holder, TempScope};
use crate::analysis::index::Family;
use crate::diagnostic::{FileId, Finding, Span};
use crate::rules::lock_summary::returned_guard_note;
use crate::rules::{BodyRef, CrateCx};

crate::declare_rule! {
    name: "sync-guard-across-await",
    level: Warn,
    summary: "a blocking lock guard, `RefCell` borrow or DashMap reference is held across an `.await`",
    docs: r#"## What it does
Finds a guard of a blocking lock (`std::sync::Mutex`/`RwLock`, `parking_lot`,
`lock_api`, `spin`), a `RefCell` borrow, a `DashMap` reference or a tokio
`watch::Ref` that is still alive when the task reaches an `.await` (or a
`select!`/`join!`, which await too).

Live ranges follow Rust's drop rules for your edition: a `let` binding lives
to the end of its block unless dropped, moved or reassigned (shadowing does
not drop it); a temporary lives to the end of its statement; `match`,
`if let` and `while let` scrutinee temporaries live through the arms or body
(`if let` only through the `then` block since edition 2024); `for` iterator
temporaries live for the whole loop.

## Why is this bad?
While the task is suspended the guard stays locked. Any other task that needs
the lock blocks its executor thread; on a current-thread runtime, or when the
task holding the lock cannot be polled, that is a deadlock. The future also
becomes `!Send`, so it cannot be spawned on a multi-threaded runtime. A
`RefCell` borrow held across an await panics when another task borrows it.

## Example
```rust
use std::sync::Mutex;

async fn bump(counter: &Mutex<u64>) {
    let mut n = counter.lock().unwrap();
    *n += 1;
    flush().await;
}
async fn flush() {}
```

## Use instead
```rust
use std::sync::Mutex;

async fn bump(counter: &Mutex<u64>) {
    {
        let mut n = counter.lock().unwrap();
        *n += 1;
    }
    flush().await;
}
async fn flush() {}
```
If the guard really must be held across the await, use an async lock such as
`tokio::sync::Mutex`.

A hold that is deliberate (a lock that serialises tests) can be marked with
`// async-sync-lint: allow(sync-guard-across-await)`. Code that already
marks it for clippy needs nothing more: `#[allow(clippy::await_holding_lock)]`
(or `expect`, also inside `cfg_attr`) suppresses this rule's findings for
blocking lock guards, and `clippy::await_holding_refcell_ref` for `RefCell`
borrows, on the item or statement it is on or, as `#![allow(..)]` at the
top of a file, in the whole file. `honour-clippy-allows = false` in the
configuration reports them anyway.

## Known problems
Receivers are resolved from declared types, constructors and the call shape
(`.lock().unwrap()` is a std lock); a lock reached through a generic parameter
or a trait object stays unknown and is not reported. A guard moved into a
helper (`consume(guard)`) is treated as released. A method that returns a
guard (directly, in an `Option` or `Result`, or in a struct with a guard
field) is followed wherever in the crate it is declared; the finding's note
says where it takes the lock. So is a trait method declared to return one,
on a receiver known by that trait or a subtrait (`&dyn Storage`, `Arc<dyn Storage>`,
`impl Storage`, `S: Storage`, a field `store: S` in `impl<S: Storage>
Engine<S>`, `self` in a default method); the note says
where the trait declares it. On a receiver whose type syntax does not show,
a method's name alone acquires nothing. So is a function without a receiver
called by path (`data::get()`, `Registry::global()`), resolved through
imports, `crate::`/`super::` and module files; a name declared in several
modules and called from none of them is not followed; the note says where
the function takes the guard (or where it is declared to return one). A
method declared in another crate
(an extension trait on a lock, such as `HandyRwLock::wl`, used from another
crate of the workspace) is not followed. A DashMap reference stays
held through `ok_or`, `?` and the entry API's `or_insert_with`/`or_default`.
Clippy's allows are read as written: a `cfg_attr` predicate is not
evaluated; an inner `#![allow(..)]` below the top of the file and the lint
groups (`clippy::all`) are not read; an allow on `mod name;` does not reach
the module's file. `await_holding_lock` covers the guards of every blocking
lock here (`spin`, `lock_api` too), not only those clippy knows.
"#,
}

pub fn check(cx: &CrateCx<'_>, out: &mut Vec<Finding>) {
    // Captured copies of a guard share its acquisition span: merge them.
    let mut by_site: BTreeMap<(FileId, u32, u32), Site> = BTreeMap::new();
    for BodyRef { fi, file_id, body, .. } in cx.bodies().filter(|b| b.body.kind.is_async()) {
        for acq in &body.acquisitions {
            if acq.held_at.is_empty() || runs_to_completion_under_lock(body, acq.captured_from.is_some()) {
                continue;
            }
            let Some(resolved) = cx.index.resolve_acquisition(fi, body, acq) else { continue };
            let family = resolved.kind.family();
            if !matches!(family, Family::Blocking | Family::Cell | Family::MapRef) {
                continue;
            }
            let via =
                (!resolved.kind.is_guard_method(&acq.method)).then(|| returned_guard_note(cx, fi, body, acq)).flatten();
            let site = by_site.entry((file_id, acq.span.lo, acq.span.hi)).or_insert_with(|| Site {
                via,
                span: acq.span,
                what: what(resolved.kind.type_name(), family),
                family,
                holder: acq.holder.clone(),
                temp_scope: acq.temp_scope,
                receiver: acq.receiver.text.clone(),
                awaits: Vec::new(),
                end: None,
            });
            for &a in &acq.held_at {
                let p = &body.awaits[a as usize];
                if !site.awaits.iter().any(|(s, _)| *s == p.span) {
                    site.awaits.push((p.span, p.kind));
                }
            }
            if acq.captured_from.is_none() {
                if let Some(end) = &acq.end {
                    if matches!(end.kind, EndKind::ScopeEnd | EndKind::Drop | EndKind::TemporaryEnd) {
                        site.end = Some(end.span);
                    }
                }
            }
        }
    }
    for ((file_id, ..), site) in by_site {
        out.push(site.finding(file_id));
    }
}

/// A guard captured by a future that the enclosing code drives with
/// `block_on`: the thread is blocked for the whole future anyway, and no
/// other task runs on it, so holding the guard across its awaits changes
/// nothing (the `block_on` itself is `blocking-in-async`'s business).
fn runs_to_completion_under_lock(body: &Body, captured: bool) -> bool {
    captured && body.passed_to.as_deref().is_some_and(|c| c.ends_with("block_on"))
}

struct Site {
    /// For a guard returned by a method of the crate: where it is taken.
    via: Option<String>,
    temp_scope: TempScope,
    span: Span,
    what: String,
    family: Family,
    holder: Holder,
    receiver: String,
    awaits: Vec<(Span, AwaitKind)>,
    end: Option<Span>,
}

fn what(type_name: &str, family: Family) -> String {
    match family {
        Family::Cell => "`RefCell` borrow".to_string(),
        Family::MapRef if type_name == "DashMap" => "`DashMap` reference".to_string(),
        Family::MapRef => "`watch::Ref`".to_string(),
        _ => format!("`{type_name}` guard"),
    }
}

impl Site {
    fn finding(mut self, file: u32) -> Finding {
        self.awaits.sort();
        let n = self.awaits.len();
        let message = format!(
            "{} held across {}",
            self.what,
            if n == 1 { "an await point".to_string() } else { format!("{n} await points") }
        );
        let acquired = match &self.holder {
            Holder::Binding { name, .. } => format!("`{name}` acquired here"),
            _ => "acquired here, held by a temporary".to_string(),
        };
        let mut f = META.finding(file, self.span, message).with_primary_label(acquired);
        for (span, kind) in &self.awaits {
            let label = match kind {
                AwaitKind::Await => "awaited here while still held",
                AwaitKind::Select => "`select!` awaits here while still held",
                AwaitKind::Join => "`join!` awaits here while still held",
            };
            f = f.with_label(*span, label);
        }
        if let Some(end) = self.end {
            if self.awaits.iter().all(|(a, _)| a.hi <= end.lo) {
                f = f.with_label(end, "released here");
            }
        }
        if let Some(via) = &self.via {
            f = f.with_note(via.clone());
        }
        let fix = match (&self.holder, self.family, self.temp_scope) {
            (_, Family::Cell, _) => {
                "end the borrow before the await: copy or clone what you need, then let the borrow go".to_string()
            }
            (Holder::Binding { name, .. }, _, _) => format!(
                "release it before the await: put the locked section in its own block `{{ … }}`, or call `drop({name})` before awaiting"
            ),
            (_, _, TempScope::MatchScrutinee | TempScope::IfLetScrutinee) => format!(
                "the guard in the scrutinee lives until the end of the `match`/`if let`: take the value out first (`let value = {}…;`) and match on `value`",
                self.receiver
            ),
            (_, _, TempScope::WhileLetScrutinee) => format!(
                "the guard in the `while let` scrutinee lives through the loop body: pop into a local first (`let next = {}…;`) and loop on `next`",
                self.receiver
            ),
            (_, _, TempScope::ForIterator) => {
                "the guard in the `for` iterator lives for the whole loop: collect or clone the items first, then iterate and await".to_string()
            }
            _ => format!(
                "the temporary guard from `{}` lives to the end of the statement: await first into a local (`let value = ….await;`), then lock in a statement of its own",
                self.receiver
            ),
        };
        f = f.with_help(fix);
        if matches!(self.family, Family::Blocking) {
            f = f.with_help(
                "if the lock must stay held across the await, use an async lock such as `tokio::sync::Mutex`",
            );
        }
        let why = match self.family {
            Family::Cell => "a `RefCell` borrow held while the task is suspended makes any other borrow panic",
            Family::MapRef => "the reference holds a lock on a map shard while the task is suspended: other tasks touching that shard block their thread or deadlock",
            _ => "a blocking lock held while the task is suspended blocks every other task that needs it, can deadlock the executor, and makes the future `!Send`",
        };
        f = f.with_note(why);
        match clippy_lint(self.family) {
            Some(lint) => f.with_clippy_lint(lint),
            None => f,
        }
    }
}

/// The clippy lint that reports a guard of `family` held across an await:
/// the code's allows of it hold for our finding too.
fn clippy_lint(family: Family) -> Option<&'static str> {
    match family {
        Family::Blocking => Some("await_holding_lock"),
        Family::Cell => Some("await_holding_refcell_ref"),
        _ => None,
    }
}
