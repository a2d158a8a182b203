//! `unnecessary-async-lock`: an async lock none of whose guards spans an
//! await. Crate-wide: every acquisition of the lock must be seen.

use std::collections::{BTreeMap, BTreeSet};

use crate::analysis::facts::{Acquisition, Callee, EndKind, LocalOrigin, Place, PlaceRoot, TypeRepr};
use crate::analysis::index::{CrateIndex, Family, LockDecl, LockKind};
use crate::diagnostic::{FileId, Finding, Span};
use crate::rules::{BodyRef, CrateCx};

crate::declare_rule! {
    name: "unnecessary-async-lock",
    level: Warn,
    summary: "an async lock whose guards are never held across an `.await`: a std lock is cheaper",
    docs: r#"## What it does
Finds an async lock (`tokio::sync::Mutex`/`RwLock`, `futures::lock::Mutex`,
`async_lock::Mutex`/`RwLock`, `async_std::sync::Mutex`/`RwLock`) none of whose
guards is ever alive at an await point, anywhere in the crate. It is reported
on the lock's declaration (a struct field, a static, or a `let` in a
function) with a label on each acquisition.

## Why is this bad?
An async lock is slower than a blocking one: each acquisition allocates or
queues a waiter and goes through the executor. Its one advantage is that its
guard may be held across an `.await`. When no guard ever is, a
`std::sync::Mutex` (or `parking_lot::Mutex`) does the same job faster and
more simply, which is tokio's own advice in the documentation of
`tokio::sync::Mutex`.

## Example
```rust
use tokio::sync::Mutex;

struct Counter {
    hits: Mutex<u64>,
}

impl Counter {
    async fn hit(&self) {
        *self.hits.lock().await += 1;
    }
}
```

## Use instead
```rust
use std::sync::Mutex;

struct Counter {
    hits: Mutex<u64>,
}

impl Counter {
    async fn hit(&self) {
        *self.hits.lock().unwrap() += 1;
    }
}
```
At each call site `.lock().await` becomes `.lock().unwrap()` (and
`.read().await` / `.write().await` become `.read().unwrap()` /
`.write().unwrap()`).

## Known problems
The rule must see every acquisition, so it stays silent when it cannot:
- a field is reported only when code outside the crate cannot reach it: not
  when the field and its struct are both `pub`, since the crate may be a
  library whose users lock it; a `pub static` is never reported
  (`pub(crate)`, `pub(super)` and `pub(in …)` stay inside the crate and do
  not count). A `pub` struct in a private module counts as reachable: a
  `pub use` elsewhere may export it;
- a guard that escapes (returned, stored, moved into a call or another
  task), an owned guard (`lock_owned()`, `lock_arc()`), or any guard that is
  alive at an await means no finding;
- an acquisition whose lock cannot be traced to its declaration (through a
  function parameter, say) that spans an await or escapes silences the rule
  for every lock of that type in the crate;
- a lock reached through a generic parameter or a trait object stays unknown;
- a lock whose name is locked inside a `macro_rules!` definition
  (`$self.db.lock().await`) is not reported: macro bodies are not expanded,
  so those guards are out of sight;
- a field behind a shared `Arc`/`Rc` is not reported when another lock of the
  same declared type (seen through a type alias) needs to be async: clones
  of one `Arc` often live in several structs, and syntax cannot tell which
  are the same lock;
- a local lock given to a constructor of a struct whose lock field must be
  async (`Runner::new(state.clone())`, or a free function that builds one)
  is not reported: it is most likely that field;
- a lock only ever taken in test code (`#[test]`, `#[tokio::test]`,
  `#[cfg(test)]` modules) is not reported: the cost advice does not matter
  there, and tests of the lock itself must use it.
A lock built in a local and stored into a struct literal's field
(`Self { lock }`) is counted as that field; one passed to a function that
locks it elsewhere is not followed.
"#,
}

/// What is known about one lock declaration.
#[derive(Default)]
struct LockUse<'a> {
    kind: Option<LockKind>,
    sites: Vec<(usize, &'a Acquisition)>,
    needed: bool,
    /// Some acquisition is outside test code. A lock only ever taken in
    /// tests is test scaffolding (often a test of the lock itself): the
    /// cost advice does not apply.
    used_outside_tests: bool,
}

pub fn check(cx: &CrateCx<'_>, out: &mut Vec<Finding>) {
    let ix = cx.index;
    let mut locks: BTreeMap<LockDecl, LockUse<'_>> = BTreeMap::new();
    // Kinds with an untraceable acquisition that needs an async lock.
    let mut poisoned: BTreeSet<LockKind> = BTreeSet::new();
    let (stored, lost) = stored_in_fields(cx);
    // Names locked inside `macro_rules!` bodies: acquisitions out of sight.
    let in_macros: BTreeSet<&str> =
        ix.files.iter().flat_map(|(_, f)| f.macro_locks.iter().map(String::as_str)).collect();
    for BodyRef { fi, bi, body, .. } in cx.bodies() {
        for acq in &body.acquisitions {
            let Some(resolved) = ix.resolve_acquisition(fi, body, acq) else { continue };
            // A guard handed back by a crate method (`self.write_tx()`) or
            // function (`lock(id).await`, whatever its name) counts where
            // it is taken: its acquisition there escapes, which needs an
            // async lock.
            if resolved.kind.family() != Family::Async
                || !resolved.kind.is_guard_method(&acq.method)
                || acq.callee.is_some()
            {
                continue;
            }
            let needed = needs_async(acq);
            let decl = ix.lock_decl(fi, bi, &acq.receiver);
            // A local moved into a field is that field's lock.
            let decl = decl.map(|d| stored.get(&d).cloned().unwrap_or(d));
            match decl {
                Some(decl) => {
                    let u = locks.entry(decl).or_default();
                    u.kind = Some(resolved.kind);
                    u.needed |= needed;
                    u.used_outside_tests |= !body.is_test;
                    if acq.captured_from.is_none() {
                        u.sites.push((fi, acq));
                    }
                }
                None if needed => {
                    poisoned.insert(resolved.kind);
                }
                None => {}
            }
        }
    }
    // A lock behind a shared `Arc`/`Rc` field may also be locked through
    // another owner holding a clone (a builder copying `self.index.clone()`
    // into a service struct, as atuin does): if any lock declared with the
    // same type needs to be async, such shared fields are left alone.
    let needed_types: BTreeSet<String> =
        locks.iter().filter(|(_, u)| u.needed).filter_map(|(d, _)| field_lock_type(ix, d).map(|(_, t)| t)).collect();
    // Crate structs with a lock field that must be async: a local lock
    // handed to one of their constructors may be that field.
    let needed_owners: BTreeSet<String> = locks
        .iter()
        .filter(|(_, u)| u.needed)
        .filter_map(|(d, _)| match d {
            LockDecl::Field { ty, .. } => Some(ty.clone()),
            _ => None,
        })
        .collect();
    for (decl, u) in locks {
        let Some(kind) = u.kind else { continue };
        if u.needed
            || poisoned.contains(&kind)
            || u.sites.is_empty()
            || !u.used_outside_tests
            || lost.contains(&decl)
            || handed_to_owner(ix, &decl, &needed_owners)
        {
            continue;
        }
        if field_lock_type(ix, &decl).is_some_and(|(shared, t)| shared && needed_types.contains(&t)) {
            continue;
        }
        let name = match &decl {
            LockDecl::Field { field, .. } => field,
            LockDecl::Static { name, .. } | LockDecl::Local { name, .. } => name,
        };
        if in_macros.contains(name.as_str()) {
            continue;
        }
        let Some((file_id, span, public)) = ix.decl_site(&decl) else { continue };
        if public {
            continue;
        }
        let here: Vec<&Acquisition> =
            u.sites.iter().filter(|(fi, _)| ix.files[*fi].0 == file_id).map(|(_, a)| *a).collect();
        let elsewhere = u.sites.len() - here.len();
        out.push(finding(file_id, span, &decl, kind, &here, elsewhere));
    }
}

/// Locals stored into a struct field (`Self { stream }`): each such local
/// lock maps to the field's declaration, so the guards taken through the
/// local (often clones moved into callbacks before the struct is built)
/// count for the field, and the lock is reported once, on the field. A
/// local stored into a field that cannot be found (or into two) is
/// returned in the second set: its other uses are out of sight.
fn stored_in_fields(cx: &CrateCx<'_>) -> (BTreeMap<LockDecl, LockDecl>, BTreeSet<LockDecl>) {
    let ix = cx.index;
    let mut stored: BTreeMap<LockDecl, LockDecl> = BTreeMap::new();
    let mut lost: BTreeSet<LockDecl> = BTreeSet::new();
    for BodyRef { fi, facts, bi, body, .. } in cx.bodies() {
        for init in &body.field_inits {
            let origin = local_origin(facts, bi, &init.local);
            let place = Place {
                root: PlaceRoot::Local { name: init.local.clone(), origin },
                projections: Vec::new(),
                text: init.local.clone(),
            };
            let Some(local @ LockDecl::Local { .. }) = ix.lock_decl(fi, bi, &place) else { continue };
            let ty = if init.ty == "Self" { body.self_ty.clone() } else { Some(init.ty.clone()) };
            let field = ty.and_then(|ty| field_decl(ix, &ty, &init.field));
            match (field, stored.get(&local)) {
                (Some(f), None) => {
                    stored.insert(local, f);
                }
                (Some(f), Some(prev)) if *prev == f => {}
                _ => {
                    lost.insert(local);
                }
            }
        }
    }
    for l in &lost {
        stored.remove(l);
    }
    (stored, lost)
}

/// A local lock (or a clone of its `Arc`) given to a constructor of a
/// struct whose lock field must be async (`Runner::new(state.clone())`,
/// directly or through one free function that builds it): the local is
/// most likely that field, held across awaits there. A lock given to a
/// plain function is seen there: its guards are counted (or the kind is
/// left alone) as any parameter's.
fn handed_to_owner(ix: &CrateIndex<'_>, decl: &LockDecl, owners: &BTreeSet<String>) -> bool {
    let LockDecl::Local { file, body, name } = decl else { return false };
    if owners.is_empty() {
        return false;
    }
    let bodies = &ix.files[*file].1.bodies;
    // The body and the bodies nested in it.
    let within = |mut b: usize| loop {
        if b == *body {
            return true;
        }
        match bodies[b].parent {
            Some(p) => b = p as usize,
            None => return false,
        }
    };
    let scope: Vec<usize> = (0..bodies.len()).filter(|&b| within(b)).collect();
    // Its name and the locals cloned from it.
    let mut names: BTreeSet<&str> = BTreeSet::from([name.as_str()]);
    for &b in &scope {
        for l in &bodies[b].locals {
            if let LocalOrigin::Alias(p) = &l.origin {
                if matches!(&p.root, PlaceRoot::Local { name: n, .. } if names.contains(n.as_str())) {
                    names.insert(&l.name);
                }
            }
        }
    }
    let builds_owner = |c: &crate::analysis::facts::Call| match &c.callee {
        Callee::Path(p) if p.len() >= 2 => owners.contains(&p[p.len() - 2]),
        _ => false,
    };
    scope.iter().flat_map(|&b| &bodies[b].calls).any(|c| {
        if !c.arg_idents.iter().any(|a| names.contains(a.as_str())) {
            return false;
        }
        builds_owner(c)
            || match &c.callee {
                // `spawn_runner(state.clone())`, which builds the owner.
                Callee::Path(p) if p.len() == 1 => ix.files.iter().any(|(_, f)| {
                    f.bodies.iter().filter(|b| within_fn(&f.bodies, b, &p[0])).any(|b| {
                        b.calls.iter().any(builds_owner) || b.field_inits.iter().any(|i| owners.contains(&i.ty))
                    })
                }),
                _ => false,
            }
    })
}

/// Is `b` the free function `name` or a body nested in it?
fn within_fn<'b>(
    bodies: &'b [crate::analysis::facts::Body],
    mut b: &'b crate::analysis::facts::Body,
    name: &str,
) -> bool {
    while let Some(p) = b.parent {
        b = &bodies[p as usize];
    }
    b.self_ty.is_none() && b.name == name
}

/// How a local was bound, looking in the body and the bodies around it.
fn local_origin(facts: &crate::analysis::facts::FileFacts, mut bi: usize, name: &str) -> LocalOrigin {
    loop {
        let body = &facts.bodies[bi];
        if let Some(l) = body.locals.iter().rev().find(|l| l.name == name) {
            return l.origin.clone();
        }
        match body.parent {
            Some(p) => bi = p as usize,
            None => return LocalOrigin::Unknown,
        }
    }
}

/// The one struct of the crate named `ty` with a field `field`.
fn field_decl(ix: &CrateIndex<'_>, ty: &str, field: &str) -> Option<LockDecl> {
    let mut found =
        ix.structs_named(ty).iter().filter(|(_, s)| s.fields.iter().any(|f| f.name == field)).map(|&(fi, _)| fi);
    let file = found.next()?;
    if found.next().is_some() {
        return None;
    }
    Some(LockDecl::Field { file, ty: ty.to_string(), field: field.to_string() })
}

/// For a field: whether it is behind `Arc`/`Rc` (shared with other owners),
/// and the lock type inside, as a comparable key.
fn field_lock_type(ix: &CrateIndex<'_>, decl: &LockDecl) -> Option<(bool, String)> {
    let LockDecl::Field { file, ty, field } = decl else { return None };
    let facts = ix.files.get(*file)?.1;
    let fd = facts.structs.iter().find(|s| s.name == *ty)?.fields.iter().find(|f| f.name == *field)?;
    let mut t = &fd.ty;
    // `type SharedTargets = Arc<RwLock<Targets>>`: a field of the alias
    // shares the same `Arc` type as one written out.
    for _ in 0..4 {
        while let TypeRepr::Ref(inner) = t {
            t = inner;
        }
        match unique_alias(ix, t) {
            Some(target) => t = target,
            None => break,
        }
    }
    match t {
        TypeRepr::Path { segments, args } if matches!(segments.last().map(String::as_str), Some("Arc" | "Rc")) => {
            args.first().map(|inner| (true, format!("{inner:?}")))
        }
        other => Some((false, format!("{other:?}"))),
    }
}

/// The type a plain name (`SharedTargets`) aliases, when the crate has
/// exactly one alias of that name.
fn unique_alias<'f>(ix: &CrateIndex<'f>, t: &TypeRepr) -> Option<&'f TypeRepr> {
    let TypeRepr::Path { segments, args } = t else { return None };
    if !args.is_empty() {
        return None;
    }
    let name = segments.last()?;
    match ix.aliases_named(name) {
        [(_, alias)] => Some(&alias.ty),
        _ => None,
    }
}

/// Does this acquisition need an async lock: its guard is alive at an
/// await, leaves the body, is moved, or is an owned guard?
fn needs_async(acq: &Acquisition) -> bool {
    !acq.held_at.is_empty()
        || acq.escapes
        || acq.captured_from.is_some()
        || acq.method.ends_with("_owned")
        || acq.method.ends_with("_arc")
        || acq.end.as_ref().is_some_and(|e| e.kind == EndKind::Move)
}

fn finding(
    file: FileId,
    span: Span,
    decl: &LockDecl,
    kind: LockKind,
    here: &[&Acquisition],
    elsewhere: usize,
) -> Finding {
    let name = match decl {
        LockDecl::Field { ty, field, .. } => format!("`{ty}::{field}`"),
        LockDecl::Static { name, .. } | LockDecl::Local { name, .. } => format!("`{name}`"),
    };
    let total = here.len() + elsewhere;
    let message = format!("`{}` {name} is never held across an await", kind.type_name());
    let label = if total == 1 {
        "an async lock, but its only guard is never alive at an await".to_string()
    } else {
        format!("an async lock, but none of its {total} guards is alive at an await")
    };
    let mut f = META.finding(file, span, message).with_primary_label(label);
    for acq in here {
        f = f.with_label(acq.span, "locked here; the guard is released before any await");
    }
    if elsewhere > 0 {
        f = f.with_note(format!(
            "{elsewhere} more acquisition{} in other files of the crate, none held across an await",
            if elsewhere == 1 { "" } else { "s" }
        ));
    }
    let (std_ty, calls) = if kind_is_rwlock(kind) {
        ("std::sync::RwLock", "`.read().await` / `.write().await` become `.read().unwrap()` / `.write().unwrap()`")
    } else {
        ("std::sync::Mutex", "`.lock().await` becomes `.lock().unwrap()`")
    };
    f.with_help(format!(
        "use `{std_ty}` (or the `parking_lot` lock) instead; at each call site {calls}"
    ))
    .with_note(
        "an async lock costs more than a blocking one on every acquisition; it only pays off when a guard must be held across an `.await`",
    )
}

fn kind_is_rwlock(kind: LockKind) -> bool {
    matches!(kind, LockKind::TokioRwLock | LockKind::AsyncLockRwLock | LockKind::AsyncStdRwLock)
}
