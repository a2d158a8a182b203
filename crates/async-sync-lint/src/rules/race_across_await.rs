//! `race-across-await`: shared state read before an await and written after
//! it from what was read, with no guard spanning read, await and write.

use crate::analysis::facts::{Body, Callee, ControlKind, Holder, LocalOrigin, Place, PlaceRoot, TypeRepr};
use crate::analysis::index::Family;
use crate::diagnostic::{Finding, Span};
use crate::rules::{BodyRef, CrateCx};

crate::declare_rule! {
    name: "race-across-await",
    level: Warn,
    summary: "shared state is read before an `.await` and written after it from the stale value, with no guard spanning both",
    docs: r#"## What it does
Finds a read-modify-write or check-then-act on shared state that is split by
an await point:

- an atomic `load`, an await, then a `store`/`swap` of a value computed from
  the load;
- a value read through one lock guard, an await, then a write through a new
  guard of the same lock (`std`, `parking_lot` or tokio `Mutex`/`RwLock`);
- a map or queue check (`contains_key`, `get(..)`, `len()`, `is_empty()`,
  also on a `DashMap`), an await, then an `insert`/`push` that the check
  decided on;
- `Cell::get` or a `RefCell` borrow, an await, then `set`/a `borrow_mut()`
  write derived from it.

Shared state is interior mutability reached through `&self`, an `Arc`, an
`Rc`, a reference parameter or a static. A `&mut self` method or a plain local
is exclusive and not reported.

## Why is this bad?
An `.await` is where other tasks run. The interleaving is:

1. this task reads the value (or checks the map): the value is read here;
2. it awaits: another task can change the value here, or make the check false;
3. it resumes and writes from what it read: the other task's update is lost,
   the map entry is computed and inserted twice, or more than the limit gets
   through.

This happens on a single-threaded runtime too (`LocalSet`, `Rc<RefCell<..>>`):
no data race is needed, only an await between the read and the write.

## Example
```rust
use std::sync::atomic::{AtomicU64, Ordering};

struct Stats {
    sent: AtomicU64,
}

impl Stats {
    async fn record(&self) {
        let n = self.sent.load(Ordering::SeqCst);
        flush().await;
        self.sent.store(n + 1, Ordering::SeqCst);
    }
}
async fn flush() {}
```

## Use instead
```rust
use std::sync::atomic::{AtomicU64, Ordering};

struct Stats {
    sent: AtomicU64,
}

impl Stats {
    async fn record(&self) {
        flush().await;
        self.sent.fetch_add(1, Ordering::SeqCst);
    }
}
async fn flush() {}
```
Other correct forms: hold one async guard (`tokio::sync::Mutex`) across the
read, the await and the write; re-check under the guard taken after the await
(double-checked locking); `entry(k).or_insert(v)` after the await so the
first writer wins; `tokio::sync::OnceCell::get_or_init` for lazy
initialisation; a `compare_exchange` loop or `fetch_update`.

## Known problems
Dependencies are found from names: the write must mention the name the read
was bound to (or a `let` computed from it between the read and the write,
`let next = seen + 1`), or sit inside the `if`/`while`/`match` whose condition
made the read, or follow an early-exit check of the same key. A value passed
through an assignment (`x = seen + 1`), a pattern or a helper's result is not
followed. A `compare_exchange` whose expected value
is the stale read is treated as a re-check (it fails if the value changed).
The old value an atomic read-modify-write returns (`fetch_add`, `swap`, a
`compare_exchange`) is a read like `load`'s, except when the write after
the await stores a constant: `if !busy.swap(true) { …await…;
busy.store(false) }` claims the work atomically and releases the claim.
Receivers whose sharing cannot be seen (a local of unknown origin) are not
reported.
"#,
}

/// What kind of shared state the operation touches: decides the help.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StateKind {
    Atomic,
    Cell,
    RefCell,
    /// Through a lock guard.
    Lock {
        is_async: bool,
    },
    /// A concurrent map or a container with interior mutability (DashMap).
    Map,
}

#[derive(Clone, Debug)]
struct Op {
    span: Span,
    identity: String,
    /// The receiver as written, for messages.
    text: String,
    method: String,
    kind: StateKind,
    /// The acquisition the operation goes through, if any.
    guard: Option<u32>,
    held: Vec<u32>,
    /// For reads: the `let` name receiving the value.
    bound: Option<String>,
    /// For writes: identifiers the written value (or call arguments) mention.
    idents: Vec<String>,
    ctx: Option<u32>,
}

/// How a write depends on a read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dep {
    /// The written value mentions the name the read was bound to.
    Data,
    /// The write is inside the `if`/`while`/`match` whose condition read.
    Check,
    /// The write follows an `if` that checked the same key (early exit).
    EarlyExit,
}

const READS: &[&str] = &[
    "load",
    "get",
    "contains_key",
    "contains",
    "len",
    "is_empty",
    // An atomic read-modify-write returns the old value: a read too.
    "swap",
    "fetch_add",
    "fetch_sub",
    "fetch_and",
    "fetch_or",
    "fetch_xor",
    "fetch_max",
    "fetch_min",
    "compare_exchange",
    "compare_exchange_weak",
];

/// Is the written value a constant (`false`, `IDLE`, with `SeqCst`)? Only
/// literals and capitalised names (constants, `Ordering` variants).
fn writes_constant(w: &Op) -> bool {
    w.idents.iter().all(|i| i.starts_with(|c: char| c.is_ascii_uppercase()))
}

/// Does this read also write, atomically (`fetch_add`, `swap`, a CAS)?
fn is_atomic_rmw(method: &str) -> bool {
    method.starts_with("fetch_") || method == "swap" || method.starts_with("compare_exchange")
}
const WRITES: &[&str] = &["store", "swap", "set", "replace", "insert", "push", "push_back", "push_front"];

pub fn check(cx: &CrateCx<'_>, out: &mut Vec<Finding>) {
    for BodyRef { fi, file_id, body, .. } in cx.bodies().filter(|b| b.body.kind.is_async()) {
        if body.awaits.is_empty() {
            continue;
        }
        let (reads, writes) = ops(cx, fi, body);
        if reads.is_empty() || writes.is_empty() {
            continue;
        }
        // Acquisitions that really are guards (not `Cell::get` values).
        let guards: Vec<u32> =
            (0..body.acquisitions.len() as u32).filter(|&a| guard_kind(cx, fi, body, a).is_some()).collect();
        for w in &writes {
            if let Some((r, dep, aw)) = stale_read(body, &guards, &reads, w) {
                out.push(finding(file_id, body, r, w, dep, aw));
            }
        }
    }
}

/// Collects the reads and writes of shared state in a body.
fn ops(cx: &CrateCx<'_>, fi: usize, body: &Body) -> (Vec<Op>, Vec<Op>) {
    let mut reads = Vec::new();
    let mut writes = Vec::new();
    for call in &body.calls {
        if call.in_closure.is_some() {
            continue;
        }
        let Callee::Method { receiver: Some(recv), name } = &call.callee else { continue };
        let is_read = READS.contains(&name.as_str());
        let is_write = WRITES.contains(&name.as_str());
        if !is_read && !is_write {
            continue;
        }
        let Some((identity, text, kind, guard)) =
            call_target(cx, fi, body, call.span, recv, &call.held, name, call.arg_count)
        else {
            continue;
        };
        let op = Op {
            span: call.span,
            identity,
            text,
            method: name.clone(),
            kind,
            guard,
            held: call.held.clone(),
            bound: call.bound_to.clone(),
            idents: call.arg_idents.clone(),
            ctx: call.ctx,
        };
        // `swap` both reads the old value and writes a new one.
        if is_write {
            writes.push(op.clone());
        }
        if is_read {
            reads.push(op);
        }
    }
    // `let v = *m.lock().await;`: a value read through a temporary guard.
    for (i, acq) in body.acquisitions.iter().enumerate() {
        if acq.holder != Holder::Temporary || acq.captured_from.is_some() {
            continue;
        }
        if body.control_chain(acq.ctx).any(|c| c.kind == ControlKind::Closure) {
            continue;
        }
        let Some(kind) = guard_kind(cx, fi, body, i as u32) else { continue };
        if !is_shared(body, &acq.receiver, true) {
            continue;
        }
        let Some(id) = acq.receiver.identity() else { continue };
        reads.push(Op {
            span: acq.span,
            identity: format!("guard:{id}"),
            text: acq.receiver.text.clone(),
            method: acq.method.clone(),
            kind,
            guard: Some(i as u32),
            held: acq.held_on_acquire.iter().copied().chain([i as u32]).collect(),
            bound: acq.value_bound_to.clone(),
            idents: Vec::new(),
            ctx: acq.ctx,
        });
    }
    // `*m.lock().await = v + 1;`: a write through a guard.
    for w in &body.writes {
        let Some(g) = w.through_guard else { continue };
        if w.compound {
            // `*g += 1` reads and writes under one guard: not stale.
            continue;
        }
        let acq = &body.acquisitions[g as usize];
        let Some(kind) = guard_kind(cx, fi, body, g) else { continue };
        if !is_shared(body, &acq.receiver, true) {
            continue;
        }
        let Some(id) = acq.receiver.identity() else { continue };
        writes.push(Op {
            span: w.span,
            identity: format!("guard:{id}"),
            text: acq.receiver.text.clone(),
            method: "=".to_string(),
            kind,
            guard: Some(g),
            held: w.held.clone(),
            bound: None,
            idents: w.value_idents.clone(),
            ctx: w.ctx,
        });
    }
    reads.sort_by_key(|o| (o.span.lo, o.span.hi));
    writes.sort_by_key(|o| (o.span.lo, o.span.hi));
    (reads, writes)
}

/// What a method call operates on: through a guard (`m.lock().unwrap().insert`,
/// `g.insert` with `g` a live guard), or the shared receiver itself
/// (`self.count.load`, `map.contains_key` on a DashMap).
#[allow(clippy::too_many_arguments)]
fn call_target(
    cx: &CrateCx<'_>,
    fi: usize,
    body: &Body,
    span: Span,
    recv: &Place,
    held: &[u32],
    method: &str,
    arg_count: u32,
) -> Option<(String, String, StateKind, Option<u32>)> {
    // A guard temporary at the start of the receiver chain.
    let is_guard = |a: u32| guard_kind(cx, fi, body, a).is_some();
    let guard = held.iter().copied().find(|&a| {
        let acq = &body.acquisitions[a as usize];
        acq.span.lo == span.lo && acq.span.hi < span.hi && is_guard(a)
    });
    let guard = guard.or_else(|| match &recv.root {
        PlaceRoot::Local { name, .. } => held.iter().copied().find(|&a| {
            matches!(&body.acquisitions[a as usize].holder, Holder::Binding { name: n, .. } if n == name) && is_guard(a)
        }),
        _ => None,
    });
    if let Some(g) = guard {
        let acq = &body.acquisitions[g as usize];
        let kind = guard_kind(cx, fi, body, g)?;
        if !is_shared(body, &acq.receiver, true) {
            return None;
        }
        return Some((format!("guard:{}", acq.receiver.identity()?), acq.receiver.text.clone(), kind, Some(g)));
    }
    // No guard: the receiver itself must be shared interior-mutable state.
    let ty = cx.index.declared_type(body, recv);
    let class = ty.as_ref().map(classify);
    let kind = match method {
        "load" if arg_count == 1 => StateKind::Atomic,
        "store" | "swap" if arg_count == 2 => StateKind::Atomic,
        m if m.starts_with("fetch_") && arg_count == 2 => StateKind::Atomic,
        "compare_exchange" | "compare_exchange_weak" if arg_count == 4 => StateKind::Atomic,
        "get" | "set" | "replace" if class == Some(Class::Atomic) => return None,
        "get" if arg_count == 0 => StateKind::Cell,
        "set" | "replace" if arg_count == 1 => StateKind::Cell,
        "get" | "contains_key" | "contains" | "len" | "is_empty" | "insert" | "push" | "push_back" | "push_front" => {
            StateKind::Map
        }
        _ => return None,
    };
    match class {
        // A plain collection or value: writing it needs `&mut`, so there is
        // no sharing to race with (or it is a `&mut` parameter).
        Some(Class::Plain) => return None,
        Some(Class::Atomic) if kind != StateKind::Atomic => return None,
        Some(Class::Cell | Class::RefCell) if kind == StateKind::Atomic => return None,
        _ => {}
    }
    if !is_shared(body, recv, class.is_some_and(|c| c != Class::Other)) {
        return None;
    }
    Some((format!("place:{}", recv.identity()?), recv.text.clone(), kind, None))
}

/// The kind of state behind a guard: a lock (blocking or async) or a
/// `RefCell` borrow. `None` for anything else (permits, map refs).
fn guard_kind(cx: &CrateCx<'_>, fi: usize, body: &Body, g: u32) -> Option<StateKind> {
    let acq = &body.acquisitions[g as usize];
    match cx.index.resolve_acquisition(fi, body, acq) {
        Some(r) => match r.kind.family() {
            Family::Blocking => Some(StateKind::Lock { is_async: false }),
            Family::Async => Some(StateKind::Lock { is_async: true }),
            Family::Cell => Some(StateKind::RefCell),
            _ => None,
        },
        // Unresolved: only the unambiguous lock shapes (a method call, not
        // a crate function that happens to be named `lock`).
        None if acq.callee.is_none()
            && cx.index.resolve_place(fi, body, &acq.receiver).is_none()
            && !acq.shape.has_args =>
        {
            match acq.method.as_str() {
                "lock" => Some(StateKind::Lock { is_async: acq.shape.awaited }),
                "read" | "write" if acq.shape.awaited => Some(StateKind::Lock { is_async: true }),
                _ => None,
            }
        }
        None => None,
    }
}

/// Is the state behind `place` reachable by other tasks? `typed` says the
/// receiver's type is known to be interior-mutable (or it is a lock), so a
/// reference to it is a shared one.
fn is_shared(body: &Body, place: &Place, typed: bool) -> bool {
    root_shared(body, &place.root, typed, 0)
}

fn root_shared(body: &Body, root: &PlaceRoot, typed: bool, depth: u32) -> bool {
    if depth > 8 {
        return false;
    }
    match root {
        PlaceRoot::SelfValue => !body.mut_self,
        PlaceRoot::Path(segs) => segs.last().is_some_and(|s| is_static_name(s)),
        PlaceRoot::Local { origin, .. } => match origin {
            LocalOrigin::Declared(t) | LocalOrigin::Constructed(t) => type_shared(t, typed),
            LocalOrigin::Alias(p) => root_shared(body, &p.root, typed, depth + 1),
            LocalOrigin::Unknown => false,
        },
        PlaceRoot::Unknown => false,
    }
}

fn is_static_name(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_uppercase())
        && s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// `Arc<T>`, `Rc<T>`, `&T` (when `T` is known to be interior-mutable: a
/// `&mut` parameter looks the same to us), `&'static`.
fn type_shared(t: &TypeRepr, typed: bool) -> bool {
    match t {
        TypeRepr::Ref(_) => typed,
        TypeRepr::Path { .. } => matches!(t.last_segment(), Some("Arc" | "Rc")),
        _ => false,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    Atomic,
    Cell,
    RefCell,
    /// A concurrent map or a lock.
    Concurrent,
    /// A plain std collection or value: no interior mutability.
    Plain,
    /// A type we know nothing about.
    Other,
}

fn classify(t: &TypeRepr) -> Class {
    let t = t.unshared();
    let Some(last) = t.last_segment() else { return Class::Other };
    match last {
        l if l.starts_with("Atomic") => Class::Atomic,
        "Cell" => Class::Cell,
        "RefCell" => Class::RefCell,
        "DashMap" | "DashSet" | "Mutex" | "RwLock" | "SkipMap" | "SkipSet" | "OnceCell" | "OnceLock" => {
            Class::Concurrent
        }
        "HashMap" | "BTreeMap" | "HashSet" | "BTreeSet" | "Vec" | "VecDeque" | "String" | "IndexMap" | "IndexSet"
        | "BinaryHeap" | "LinkedList" | "Option" | "usize" | "u8" | "u16" | "u32" | "u64" | "u128" | "isize" | "i8"
        | "i16" | "i32" | "i64" | "i128" | "bool" | "f32" | "f64" => Class::Plain,
        _ => Class::Other,
    }
}

/// The read this write depends on, with no fresh re-read after the await:
/// (read, how the write depends on it, the await in between).
fn stale_read<'o>(body: &Body, guards: &[u32], reads: &'o [Op], w: &Op) -> Option<(&'o Op, Dep, u32)> {
    // A read in a branch that leaves the function (`Err(e) => { …; return
    // Err(e) }`) is on no path to a write after that branch.
    let same: Vec<&Op> = reads
        .iter()
        .filter(|r| r.identity == w.identity && r.span.hi <= w.span.lo && !body.leaves_before(r.ctx, w.ctx))
        .collect();
    // The write depends on a read made after the last await before it: it
    // re-checked (double-checked locking, a re-load): not stale. An await
    // inside an early-exit re-check (`if let Some(c) = g.get(&k) {
    // cleanup().await; return c; }`) runs only when the write does not.
    let fresh = same.iter().any(|r| {
        let Some(dep) = dependency(body, r, w) else { return false };
        let after = early_exit_end(body, r, dep);
        awaits_between(body, r, w).all(|aw| body.awaits[aw as usize].span.lo < after)
    });
    if fresh {
        return None;
    }
    // Nearest read first.
    for r in same.iter().rev() {
        let Some(dep) = dependency(body, r, w) else { continue };
        // `if !busy.swap(true) { work().await; busy.store(false) }`: the
        // read-modify-write claimed the state atomically, and writing a
        // constant back releases the claim; nothing stale is written.
        if is_atomic_rmw(&r.method) && writes_constant(w) {
            continue;
        }
        if r.guard.is_some() && r.guard == w.guard {
            continue;
        }
        if exclusive(body, r.ctx, w.ctx) {
            continue;
        }
        let spanned = |aw: u32| {
            r.held.iter().any(|a| {
                w.held.contains(a) && guards.contains(a) && body.acquisitions[*a as usize].held_at.contains(&aw)
            })
        };
        // After an early-exit check, an await inside the `if` (a retry
        // branch that loops back) is not between the check and the write.
        let after = early_exit_end(body, r, dep);
        let Some(aw) = awaits_between(body, r, w).find(|&aw| !spanned(aw) && body.awaits[aw as usize].span.lo >= after)
        else {
            continue;
        };
        // A later read bound to the same name shadows this one.
        if dep == Dep::Data {
            let shadowed = same.iter().any(|r2| r2.span.lo > r.span.hi && r2.bound == r.bound);
            if shadowed {
                continue;
            }
        }
        return Some((r, dep, aw));
    }
    None
}

/// For an early-exit check, where its `if` ends: awaits before that are in
/// the exit branch, not on the way from the check to the write. 0 otherwise.
fn early_exit_end(body: &Body, r: &Op, dep: Dep) -> u32 {
    match dep {
        Dep::EarlyExit => cond_construct(body, r).map_or(0, |(_, c)| body.controls[c as usize].span.hi),
        _ => 0,
    }
}

/// Awaits (indices) strictly between a read and a write, on a path that can
/// run both.
fn awaits_between<'b>(body: &'b Body, r: &'b Op, w: &'b Op) -> impl Iterator<Item = u32> + 'b {
    body.awaits.iter().enumerate().filter_map(move |(i, a)| {
        // An await inside the write's arguments (or in acquiring its guard)
        // runs before the write happens.
        let between = a.span.lo >= r.span.hi && a.span.hi <= w.span.hi;
        let in_closure = body.control_chain(a.ctx).any(|c| c.kind == ControlKind::Closure);
        (between && !in_closure && !exclusive(body, a.ctx, r.ctx) && !exclusive(body, a.ctx, w.ctx)).then_some(i as u32)
    })
}

fn dependency(body: &Body, r: &Op, w: &Op) -> Option<Dep> {
    if let Some(b) = &r.bound {
        if derived_locals(body, b, r.span.hi, w.span.lo).iter().any(|(d, _)| w.idents.iter().any(|i| i == d)) {
            return Some(Dep::Data);
        }
    }
    // The read is (part of) a condition or scrutinee.
    let (cond, construct) = cond_construct(body, r)?;
    let cond = &body.controls[cond as usize];
    let construct_span = body.controls[construct as usize].span;
    let inside = {
        let mut cur = w.ctx;
        let mut found = false;
        while let Some(c) = cur {
            if c == construct {
                found = true;
                break;
            }
            cur = body.controls[c as usize].parent;
        }
        found
    };
    if inside && w.span.lo >= cond.span.hi {
        return Some(Dep::Check);
    }
    // `if map.contains_key(&k) { return … }` … await … `map.insert(k, v)`.
    let checks_key = matches!(r.method.as_str(), "contains_key" | "contains" | "get")
        && r.idents.iter().any(|i| w.idents.contains(i));
    let checks_len = matches!(r.method.as_str(), "len" | "is_empty")
        && matches!(w.method.as_str(), "push" | "push_back" | "push_front" | "insert");
    let is_if = body.controls[construct as usize].kind == ControlKind::If;
    if is_if && w.span.lo >= construct_span.hi && (checks_key || checks_len) && r.kind != StateKind::Atomic {
        return Some(Dep::EarlyExit);
    }
    None
}

/// `read` and the locals computed from it by `let`s between the read and
/// the write (`let next = seen + 1;`): the write of any of them writes
/// the stale value.
/// Each with the `let`'s name span (none for the read's own binding).
fn derived_locals<'b>(body: &'b Body, read: &'b str, after: u32, before: u32) -> Vec<(&'b str, Option<Span>)> {
    let mut names = vec![(read, None)];
    let between = body.locals.iter().filter(|l| l.span.lo >= after && l.span.hi <= before);
    for local in between {
        let known = |n: &str| names.iter().any(|(d, _)| *d == n);
        if local.from.iter().any(|f| known(f)) && !known(&local.name) {
            names.push((&local.name, Some(local.span)));
        }
    }
    names
}

/// The innermost condition or scrutinee the read is part of, and the
/// `if`/`while`/`match` it belongs to.
fn cond_construct(body: &Body, r: &Op) -> Option<(u32, u32)> {
    let mut cur = r.ctx;
    while let Some(c) = cur {
        let control = &body.controls[c as usize];
        match control.kind {
            ControlKind::Closure => return None,
            ControlKind::IfCond | ControlKind::WhileCond | ControlKind::MatchScrutinee => {
                return control.parent.map(|p| (c, p));
            }
            _ => cur = control.parent,
        }
    }
    None
}

/// Are two contexts in different branches of one `if` or `match`?
fn exclusive(body: &Body, a: Option<u32>, b: Option<u32>) -> bool {
    let chain_a: Vec<(u32, Option<u32>)> = chain_ids(body, a);
    let chain_b: Vec<(u32, Option<u32>)> = chain_ids(body, b);
    for (id_a, parent_a) in &chain_a {
        let kind_a = body.controls[*id_a as usize].kind;
        if !matches!(kind_a, ControlKind::IfThen | ControlKind::IfElse | ControlKind::MatchArm) {
            continue;
        }
        for (id_b, parent_b) in &chain_b {
            if parent_a == parent_b && id_a != id_b {
                let kind_b = body.controls[*id_b as usize].kind;
                if matches!(kind_b, ControlKind::IfThen | ControlKind::IfElse | ControlKind::MatchArm) {
                    return true;
                }
            }
        }
    }
    false
}

fn chain_ids(body: &Body, ctx: Option<u32>) -> Vec<(u32, Option<u32>)> {
    let mut out = Vec::new();
    let mut cur = ctx;
    while let Some(c) = cur {
        let p = body.controls[c as usize].parent;
        out.push((c, p));
        cur = p;
    }
    out
}

fn finding(file: u32, body: &Body, r: &Op, w: &Op, dep: Dep, aw: u32) -> Finding {
    let what = &w.text;
    let message = match dep {
        Dep::Data => format!("read-modify-write of `{what}` is split by an await"),
        Dep::Check | Dep::EarlyExit => format!("check-then-act on `{what}` is split by an await"),
    };
    let (read_label, write_label) = match dep {
        Dep::Data => ("value read here", "written from the stale value here"),
        Dep::Check | Dep::EarlyExit => ("checked here", "written on a stale check here"),
    };
    let mut f = META
        .finding(file, w.span, message)
        .with_primary_label(write_label)
        .with_label(r.span, read_label)
        .with_label(body.awaits[aw as usize].span, "another task can change it here");
    if let (Dep::Data, Some(read)) = (dep, &r.bound) {
        // The `let`s the written value passes through (a derived local the
        // write does not mention is left out; one level is enough to show
        // how the value got there).
        for (name, span) in derived_locals(body, read, r.span.hi, w.span.lo) {
            if let (Some(span), true) = (span, w.idents.iter().any(|i| i == name)) {
                f = f.with_label(span, format!("`{name}` computed from the value read"));
            }
        }
    }
    for h in helps(r, w, dep) {
        f = f.with_help(h);
    }
    f.with_note(
        "other tasks run while this one is suspended at the await: an update they make in between is overwritten, or the check no longer holds when the write happens",
    )
}

fn helps(r: &Op, w: &Op, dep: Dep) -> Vec<String> {
    let what = &w.text;
    let mut out = Vec::new();
    match (w.kind, dep) {
        (StateKind::Atomic, _) => {
            out.push(format!(
                "update it in one atomic step after the await: `{what}.fetch_add(..)`, or `{what}.fetch_update(..)` for any function of the old value"
            ));
            out.push("or hold an async lock (`tokio::sync::Mutex`) across the read, the await and the write".into());
        }
        (StateKind::Cell, Dep::Data) | (StateKind::RefCell, Dep::Data) => {
            out.push(format!(
                "read `{what}` again after the await and write in the same step, without an await in between"
            ));
        }
        (StateKind::Cell | StateKind::RefCell, _) => {
            out.push("re-check after the await, right before the write".into());
            out.push("for lazy initialisation, use `tokio::sync::OnceCell::get_or_init`: it runs the initialiser once and other tasks wait for it".into());
        }
        (_, Dep::Data) => {
            let lock = match w.kind {
                StateKind::Lock { is_async: true } => "keep one guard".to_string(),
                _ => "hold one guard of an async lock (`tokio::sync::Mutex`)".to_string(),
            };
            out.push(format!(
                "{lock} across the read, the await and the write, or re-read the value under the guard taken after the await and recompute"
            ));
        }
        (_, _) if is_len_check(r) => {
            out.push(
                "check and push under one guard held across the await, or reserve the slot before awaiting (a `tokio::sync::Semaphore` permit caps the count)".into(),
            );
        }
        (_, _) => {
            out.push(
                "re-check under the guard taken after the await, or use the entry API (`entry(key).or_insert(value)`) so the first writer wins".into(),
            );
            out.push("for lazy initialisation, `tokio::sync::OnceCell::get_or_init` runs the initialiser once and other tasks wait for it".into());
        }
    }
    out
}

fn is_len_check(r: &Op) -> bool {
    matches!(r.method.as_str(), "len" | "is_empty")
}
