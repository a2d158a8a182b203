//! Lock summaries shared by the deadlock rules (`reentrant-lock`,
//! `lock-order-inversion`): which lock an acquisition takes, named by where
//! the lock lives, and which locks a call reaches when followed through the
//! crate's own functions (depth-limited, cycle-safe).
//!
//! A lock is identified by its owner and field path: `self.state` inside
//! `impl Shared` is `Shared.state`, and so is `s.state` for `s: &Shared`
//! (the same *class* of lock, perhaps another instance); a static by its
//! name; anything else by the local binding in its body. Aliases written as
//! `let m = &self.m` / `self.m.clone()` are followed; a lock reached through
//! an index, a method call other than `clone`/`as_ref`-like ones, a
//! generic parameter or a trait object has no identity and is skipped.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use crate::analysis::facts::is_see_through_method;
use crate::analysis::facts::{
    Acquisition, Body, BodyKind, Call, Callee, EndKind, Holder, LocalOrigin, Place, PlaceRoot, Projection, TypeRepr,
};
use crate::analysis::index::{CrateIndex, Family, LockKind};
use crate::diagnostic::Span;
use crate::rules::shared_fields::SharedFields;
use crate::rules::{BodyRef, CrateCx};

/// Calls are followed this many levels deep.
pub const MAX_CALL_DEPTH: usize = 4;
/// A body's summary keeps at most this many distinct locks.
const MAX_REACHED: usize = 64;

/// Where a lock lives.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Root {
    /// A field of `self`, for this `impl` type.
    SelfOf(String),
    /// A field of a crate struct reached through a local or parameter of one
    /// body (`s: &Shared`): same class as `SelfOf(owner)`, own instance.
    Value { owner: String, file: usize, body: usize, name: String },
    /// A `static` (or `lazy_static!`) of the crate.
    Static(String),
    /// A local binding or parameter of one body.
    Local { file: usize, body: usize, name: String },
}

/// One lock instance as far as syntax can tell.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LockKey {
    pub root: Root,
    /// `.a.b`, empty when the root itself is the lock.
    pub fields: String,
}

impl LockKey {
    /// The lock's class for lock order: owner type and field path.
    pub fn class(&self) -> String {
        match &self.root {
            Root::SelfOf(o) | Root::Value { owner: o, .. } => format!("{o}{}", self.fields),
            Root::Static(s) => format!("static {s}{}", self.fields),
            Root::Local { file, body, name } => format!("local {file}:{body}:{name}{}", self.fields),
        }
    }

    /// How the lock is named in messages: `Shared.state`, `STATE`, `m`.
    pub fn display(&self) -> String {
        match &self.root {
            Root::SelfOf(o) | Root::Value { owner: o, .. } => format!("{o}{}", self.fields),
            Root::Static(s) => format!("{s}{}", self.fields),
            Root::Local { name, .. } => format!("{name}{}", self.fields),
        }
    }
}

/// How a guard holds its lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    Exclusive,
    Shared,
    /// `upgradable_read`: compatible with readers, not with itself.
    Upgradable,
}

impl Mode {
    /// The mode `method` takes `kind` in.
    pub fn of(kind: LockKind, method: &str) -> Mode {
        if kind == LockKind::DashMap {
            return match method {
                "get" | "try_get" | "iter" | "contains_key" | "len" | "is_empty" | "view" => Mode::Shared,
                _ => Mode::Exclusive,
            };
        }
        if method.contains("upgrad") {
            Mode::Upgradable
        } else if method.contains("read") {
            Mode::Shared
        } else {
            Mode::Exclusive
        }
    }
}

/// How a callee's `self` relates to its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Via {
    /// `self.f()`, `Self::f(self)`: the caller's own `self`.
    SelfValue,
    /// `self.inner.f()`, `x.f()` for a local of a crate struct type.
    Receiver,
    Other,
}

/// An acquisition of a lock the deadlock rules reason about.
#[derive(Clone, Debug)]
pub struct LockAcq {
    pub key: LockKey,
    pub kind: LockKind,
    pub mode: Mode,
    /// Waits for the lock (`lock`, `read`, `write`), as opposed to `try_*`.
    pub waits: bool,
}

impl LockAcq {
    /// How the source names this lock at `acq`: `self.db` for
    /// `self.db.read()`, and for a crate method that returns the guard
    /// (`self.db_mut()`), the lock its body takes, `self.db` too.
    pub fn text(&self, acq: &Acquisition) -> String {
        if self.kind.is_guard_method(&acq.method) {
            acq.receiver.text.clone()
        } else {
            format!("{}{}", acq.receiver.text, self.key.fields)
        }
    }
}

/// A call on the way from a body to an acquisition.
#[derive(Clone, Debug)]
pub struct Hop {
    pub file: usize,
    pub span: Span,
    /// The callee as a body name (`Shared::flush`, `helper`).
    pub callee: String,
}

/// A lock some call reaches, directly or through further calls.
#[derive(Clone, Debug)]
pub struct Reached {
    pub key: LockKey,
    pub kind: LockKind,
    pub mode: Mode,
    pub file: usize,
    /// The acquisition at the end of the chain.
    pub span: Span,
    pub line: u32,
    /// The receiver as written there.
    pub text: String,
    /// The body that acquires it.
    pub body_name: String,
    /// Calls from the caller's call site to the acquiring body, in order.
    pub chain: Vec<Hop>,
    /// The key names the caller's own instance (calls on `self`, statics,
    /// the one argument handed down).
    pub same_instance: bool,
    /// How the callee's lock is the caller's, when a constructor shares it
    /// between two structs (`State::new` sets `State.runner.db` from `db`).
    pub shared_by: Option<String>,
}

/// Per body, per acquisition: the lock it takes, if any.
type FileAcqs = Vec<Vec<Option<LockAcq>>>;
/// A body's reached locks, shared between callers.
type Summary = Rc<Vec<Reached>>;

/// The crate's functions by name, and summaries computed on demand.
pub struct LockSummary<'i> {
    pub index: &'i CrateIndex<'i>,
    by_method: HashMap<(&'i str, &'i str), Vec<(usize, usize)>>,
    free_fns: HashMap<&'i str, Vec<(usize, usize)>>,
    structs: HashSet<&'i str>,
    statics: HashSet<&'i str>,
    shared: SharedFields,
    /// Per file, per body, per acquisition.
    acqs: Vec<FileAcqs>,
    memo: RefCell<HashMap<(usize, usize), Summary>>,
    in_progress: RefCell<HashSet<(usize, usize)>>,
}

impl<'i> LockSummary<'i> {
    pub fn new(index: &'i CrateIndex<'i>) -> LockSummary<'i> {
        let mut s = Self::functions(index);
        for (fi, &(_, facts)) in index.files.iter().enumerate() {
            let per_file = facts
                .bodies
                .iter()
                .enumerate()
                .map(|(bi, body)| body.acquisitions.iter().map(|a| s.lock_acq(fi, bi, body, a)).collect())
                .collect();
            s.acqs.push(per_file);
        }
        s
    }

    /// The crate's functions by name, before any acquisition is resolved.
    fn functions(index: &'i CrateIndex<'i>) -> LockSummary<'i> {
        let mut s = LockSummary {
            index,
            by_method: HashMap::new(),
            free_fns: HashMap::new(),
            structs: HashSet::new(),
            statics: HashSet::new(),
            shared: SharedFields::new(index),
            acqs: Vec::new(),
            memo: RefCell::new(HashMap::new()),
            in_progress: RefCell::new(HashSet::new()),
        };
        for (fi, &(_, facts)) in index.files.iter().enumerate() {
            s.structs.extend(facts.structs.iter().map(|d| d.name.as_str()));
            s.statics.extend(facts.statics.iter().map(|d| d.name.as_str()));
            for (bi, body) in facts.bodies.iter().enumerate() {
                if body.parent.is_some() || !matches!(body.kind, BodyKind::AsyncFn | BodyKind::SyncFn) {
                    continue;
                }
                let fn_name = body.name.rsplit("::").next().unwrap_or(&body.name);
                match &body.self_ty {
                    Some(t) => s.by_method.entry((t.as_str(), fn_name)).or_default().push((fi, bi)),
                    None => s.free_fns.entry(fn_name).or_default().push((fi, bi)),
                }
            }
        }
        s
    }

    /// Forgets the summaries computed so far. A summary computed inside a
    /// call cycle is cut where the cycle closes, so which summaries are
    /// remembered depends on the order of the questions: each rule starts
    /// afresh, and its findings do not depend on the rules run before it.
    pub(crate) fn forget_summaries(&self) {
        self.memo.borrow_mut().clear();
        self.in_progress.borrow_mut().clear();
    }

    pub fn body(&self, file: usize, body: usize) -> &'i Body {
        &self.index.files[file].1.bodies[body]
    }

    /// The lock an acquisition takes, if it is a lock that can deadlock.
    pub fn acq(&self, file: usize, body: usize, acq: usize) -> Option<&LockAcq> {
        self.acqs.get(file)?.get(body)?.get(acq)?.as_ref()
    }

    /// Nested acquisitions in one body: `(held, taken)` acquisition indices
    /// with their summaries, for every lock `taken` (and waited for) while
    /// the guard of `held` is live. Guards captured from an enclosing body
    /// are left to that body.
    pub fn nested_pairs<'s>(
        &'s self,
        file: usize,
        bi: usize,
        body: &'s Body,
    ) -> impl Iterator<Item = (usize, usize, &'s LockAcq, &'s LockAcq)> + 's {
        body.acquisitions.iter().enumerate().flat_map(move |(ai, acq)| {
            let second = self.acq(file, bi, ai).filter(|s| s.waits && acq.captured_from.is_none());
            acq.held_on_acquire.iter().filter_map(move |&h| {
                let second = second?;
                let first = self.acq(file, bi, h as usize)?;
                Some((h as usize, ai, first, second))
            })
        })
    }

    fn lock_acq(&self, file: usize, bi: usize, body: &Body, acq: &Acquisition) -> Option<LockAcq> {
        let resolved = self.index.resolve_acquisition(file, body, acq)?;
        let kind = resolved.kind;
        // DashMap references hold a shard lock: the map is a lock too.
        let lockish = matches!(kind.family(), Family::Blocking | Family::Async) || kind == LockKind::DashMap;
        if !lockish || kind == LockKind::ParkingLotReentrantMutex {
            return None;
        }
        if kind.family() == Family::Async && is_future_handed_on(acq) {
            return None;
        }
        let (key, mode) = if kind.is_guard_method(&acq.method) {
            (self.key_of(file, bi, body, &acq.receiver, 0)?, Mode::of(kind, &acq.method))
        } else {
            // A method of the crate that returns a guard: the lock is the
            // one its body locks and hands back.
            self.returned_lock(body, acq)?
        };
        Some(LockAcq { key, kind, mode, waits: !acq.method.starts_with("try_") })
    }

    /// The lock whose guard `self.method()` returns, when the method is
    /// unique and its body returns one guard of a field of `self`.
    fn returned_lock(&self, body: &Body, acq: &Acquisition) -> Option<(LockKey, Mode)> {
        let plain_self = matches!(acq.receiver.root, PlaceRoot::SelfValue)
            && acq.receiver.projections.iter().all(|p| matches!(p, Projection::Deref));
        if !plain_self {
            return None;
        }
        let (cf, cb) = match self.by_method.get(&(body.self_ty.as_deref()?, acq.method.as_str()))?.as_slice() {
            [one] => *one,
            _ => return None,
        };
        let callee = self.body(cf, cb);
        let mut returned = callee.acquisitions.iter().filter(|a| a.escapes && a.captured_from.is_none());
        let first = returned.next()?;
        let key = self.key_of(cf, cb, callee, &first.receiver, 0)?;
        let same = returned.all(|a| self.key_of(cf, cb, callee, &a.receiver, 0).as_ref() == Some(&key));
        let kind = self.index.resolve_acquisition(cf, callee, first)?.kind;
        (same && matches!(key.root, Root::SelfOf(_))).then(|| (key, Mode::of(kind, &first.method)))
    }

    /// Where the lock named by `place` lives.
    pub fn key_of(&self, file: usize, bi: usize, body: &Body, place: &Place, depth: u32) -> Option<LockKey> {
        if depth > 4 {
            return None;
        }
        let mut fields = String::new();
        for p in &place.projections {
            match p {
                Projection::Field(f) => {
                    fields.push('.');
                    fields.push_str(f);
                }
                Projection::Deref => {}
                Projection::Method(m) if is_see_through_method(m) => {}
                Projection::Method(_) | Projection::Index => return None,
            }
        }
        let root = match &place.root {
            PlaceRoot::SelfValue => Root::SelfOf(body.self_ty.clone()?),
            PlaceRoot::Local { name, origin } => match origin {
                LocalOrigin::Alias(p) => {
                    let mut k = self.key_of(file, bi, body, p, depth + 1)?;
                    k.fields.push_str(&fields);
                    return Some(self.canonical(k).0);
                }
                LocalOrigin::Declared(t) if !fields.is_empty() => match self.struct_of(t, body) {
                    Some(owner) => Root::Value { owner, file, body: bi, name: name.clone() },
                    None => Root::Local { file, body: bi, name: name.clone() },
                },
                _ => Root::Local { file, body: bi, name: name.clone() },
            },
            PlaceRoot::Path(segs) => {
                let last = segs.last()?;
                if self.statics.contains(last.as_str()) {
                    Root::Static(last.clone())
                } else if segs.len() == 1 {
                    Root::Local { file, body: bi, name: last.clone() }
                } else {
                    return None;
                }
            }
            PlaceRoot::Unknown => return None,
        };
        Some(self.canonical(LockKey { root, fields }).0)
    }

    /// The key by the owner's own path when a constructor shares the lock
    /// between two of its structs (`State.runner.db` is `State.db`), with
    /// how it is shared.
    fn canonical(&self, key: LockKey) -> (LockKey, Option<String>) {
        let (Root::SelfOf(owner) | Root::Value { owner, .. }) = &key.root else { return (key, None) };
        let Some((fields, shared)) = self.shared.canonical(owner, &key.fields) else { return (key, None) };
        let note = format!(
            "`{owner}{}` is `{owner}{fields}`: `{}` gives both the same value (line {})",
            key.fields, shared.builder, shared.span.line
        );
        (LockKey { root: key.root.clone(), fields }, Some(note))
    }

    /// The crate struct a declared type names, seen through references and
    /// smart pointers.
    fn struct_of(&self, t: &TypeRepr, body: &Body) -> Option<String> {
        match t {
            TypeRepr::Ref(inner) => self.struct_of(inner, body),
            TypeRepr::Path { segments, args } => {
                let last = segments.last()?.as_str();
                match last {
                    "Arc" | "Rc" | "Box" | "Pin" => self.struct_of(args.first()?, body),
                    "Self" => body.self_ty.clone(),
                    _ if self.structs.contains(last) => Some(last.to_string()),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The crate function a call runs, if it is known and unique, and
    /// whether the callee's `self` is the caller's `self`.
    pub fn callee(&self, body: &Body, call: &Call) -> Option<((usize, usize), bool)> {
        self.callee_at(None, body, call).map(|(target, via)| (target, via == Via::SelfValue))
    }

    /// As [`Self::callee`], and how the callee's `self` relates to the
    /// caller: the same `self`, a field of it (`self.inner.flush()`, found
    /// through the field's declared type), or unrelated. `at` is the
    /// caller's (file, body) index, needed to resolve a field receiver.
    fn callee_at(&self, at: Option<(usize, usize)>, body: &Body, call: &Call) -> Option<((usize, usize), Via)> {
        let (target, via) = self.resolve_call_at(at, body, call)?;
        let callee = self.body(target.0, target.1);
        // An async callee runs now only when awaited here.
        if callee.kind.is_async() && !call.awaited {
            return None;
        }
        Some((target, via))
    }

    /// The crate function a call names, if it is known and unique, async
    /// or not, awaited or not; and whether its `self` is the caller's.
    pub fn resolve_call(&self, body: &Body, call: &Call) -> Option<((usize, usize), bool)> {
        self.resolve_call_at(None, body, call).map(|(target, via)| (target, via == Via::SelfValue))
    }

    fn resolve_call_at(&self, at: Option<(usize, usize)>, body: &Body, call: &Call) -> Option<((usize, usize), Via)> {
        if call.in_closure.as_deref().is_some_and(|c| c.contains("spawn") || c.contains("block_in_place")) {
            return None;
        }
        let unique = |v: Option<&Vec<(usize, usize)>>| match v.map(Vec::as_slice) {
            Some([one]) => Some(*one),
            _ => None,
        };
        let (target, via) = match &call.callee {
            Callee::Method { receiver: Some(r), name } => {
                let plain_self = matches!(r.root, PlaceRoot::SelfValue)
                    && r.projections.iter().all(|p| matches!(p, Projection::Deref));
                if plain_self {
                    (unique(self.by_method.get(&(body.self_ty.as_deref()?, name.as_str())))?, Via::SelfValue)
                } else {
                    let (file, _) = at?;
                    let owner = self.index.place_struct(file, body, r)?;
                    (unique(self.by_method.get(&(owner, name.as_str())))?, Via::Receiver)
                }
            }
            Callee::Path(p) => match p.as_slice() {
                [ty, name] if ty == "Self" || Some(ty.as_str()) == body.self_ty.as_deref() => {
                    let t = body.self_ty.as_deref()?;
                    let via = if call.arg_idents.iter().any(|a| a == "self") { Via::SelfValue } else { Via::Other };
                    (unique(self.by_method.get(&(t, name.as_str())))?, via)
                }
                [ty, name] if self.structs.contains(ty.as_str()) => {
                    (unique(self.by_method.get(&(ty.as_str(), name.as_str())))?, Via::Other)
                }
                [name] => (unique(self.free_fns.get(name.as_str()))?, Via::Other),
                [first, .., name] if matches!(first.as_str(), "crate" | "self" | "super") => {
                    (unique(self.free_fns.get(name.as_str()))?, Via::Other)
                }
                // `git::describe()`: a path relative to the caller's module
                // (a child module, or one in scope by name), taken when the
                // one crate function of that name is declared in a module
                // whose path ends with the written one.
                [modules @ .., name] => {
                    let target = unique(self.free_fns.get(name.as_str()))?;
                    let declared_in = self.index.full_module(target.0, &self.body(target.0, target.1).module);
                    if !declared_in.ends_with(modules) {
                        return None;
                    }
                    (target, Via::Other)
                }
                [] => return None,
            },
            _ => return None,
        };
        Some((target, via))
    }

    /// The crate method `recv.name(..)` runs, when `recv` is `self` or its
    /// declared type (through references and `Arc`) is a crate struct with
    /// exactly one method of that name. Unlike [`Self::callee`], an async
    /// callee counts whether or not it is awaited here.
    pub fn method_callee(&self, body: &Body, call: &Call) -> Option<(usize, usize)> {
        let Callee::Method { receiver: Some(r), name } = &call.callee else { return None };
        let plain_self =
            matches!(r.root, PlaceRoot::SelfValue) && r.projections.iter().all(|p| matches!(p, Projection::Deref));
        let ty = if plain_self {
            body.self_ty.clone()?
        } else {
            let declared = self.index.declared_type(body, r)?;
            match declared.unshared().last_segment()? {
                "Self" => body.self_ty.clone()?,
                t => t.to_string(),
            }
        };
        match self.by_method.get(&(ty.as_str(), name.as_str())).map(Vec::as_slice) {
            Some([one]) => Some(*one),
            _ => None,
        }
    }

    /// The locks a call reaches (through the callee and its calls), keys
    /// translated to the caller where they name the caller's instance.
    pub fn reached_by_call(&self, file: usize, bi: usize, call: &Call) -> Vec<Reached> {
        let body = self.body(file, bi);
        let Some(((cf, cb), via)) = self.callee_at(Some((file, bi)), body, call) else { return Vec::new() };
        // `self.inner.flush()`: the callee's `self.m` is the caller's `self.inner.m`.
        let receiver_key = match (&call.callee, via) {
            (Callee::Method { receiver: Some(r), .. }, Via::Receiver) => self.key_of(file, bi, body, r, 0),
            _ => None,
        };
        if (cf, cb) == (file, bi) {
            return Vec::new();
        }
        let callee_name = self.body(cf, cb).name.clone();
        let sub = self.summary(cf, cb);
        let single_arg = match call.arg_idents.as_slice() {
            [one] if call.arg_count == 1 && one != "self" => Some(one.clone()),
            _ => None,
        };
        let mut out = Vec::new();
        for r in sub.iter() {
            if r.chain.len() >= MAX_CALL_DEPTH {
                continue;
            }
            let mut r = r.clone();
            r.same_instance = match &r.key.root {
                Root::SelfOf(_) if via == Via::Receiver => match (&receiver_key, r.same_instance) {
                    (Some(k), true) => {
                        let fields = std::mem::take(&mut r.key.fields);
                        let composed = LockKey { root: k.root.clone(), fields: format!("{}{fields}", k.fields) };
                        (r.key, r.shared_by) = self.canonical(composed);
                        true
                    }
                    _ => false,
                },
                Root::SelfOf(_) => r.same_instance && via == Via::SelfValue,
                Root::Static(_) => true,
                Root::Local { file: f, body: b, name } if r.chain.is_empty() && (*f, *b) == (cf, cb) => {
                    // The callee locks its parameter: the caller's argument.
                    match (&single_arg, self.is_declared_local(cf, cb, name)) {
                        (Some(arg), true) => {
                            let mut k = self.local_key(file, bi, arg);
                            k.fields.push_str(&r.key.fields);
                            r.key = k;
                            true
                        }
                        _ => false,
                    }
                }
                _ => false,
            };
            r.chain.insert(0, Hop { file, span: call.span, callee: callee_name.clone() });
            out.push(r);
        }
        out
    }

    /// The key of a caller's local handed to a callee, through its alias.
    fn local_key(&self, file: usize, bi: usize, name: &str) -> LockKey {
        let body = self.body(file, bi);
        let root = body.acquisitions.iter().find_map(|a| match &a.receiver.root {
            PlaceRoot::Local { name: n, .. } if n == name => Some(a.receiver.root.clone()),
            _ => None,
        });
        root.and_then(|root| {
            let place = Place { root, projections: Vec::new(), text: name.to_string() };
            self.key_of(file, bi, body, &place, 0)
        })
        .unwrap_or(LockKey { root: Root::Local { file, body: bi, name: name.to_string() }, fields: String::new() })
    }

    fn is_declared_local(&self, file: usize, bi: usize, name: &str) -> bool {
        self.body(file, bi).acquisitions.iter().any(
            |a| matches!(&a.receiver.root, PlaceRoot::Local { name: n, origin: LocalOrigin::Declared(_) } if n == name),
        )
    }

    /// Every lock a body acquires, itself or through calls.
    pub fn summary(&self, file: usize, bi: usize) -> Rc<Vec<Reached>> {
        if let Some(s) = self.memo.borrow().get(&(file, bi)) {
            return s.clone();
        }
        if !self.in_progress.borrow_mut().insert((file, bi)) {
            return Rc::new(Vec::new());
        }
        let body = self.body(file, bi);
        let mut out: Vec<Reached> = Vec::new();
        let mut seen: HashSet<(LockKey, bool)> = HashSet::new();
        for (ai, a) in body.acquisitions.iter().enumerate() {
            let Some(la) = self.acq(file, bi, ai) else { continue };
            if !la.waits || a.captured_from.is_some() || !seen.insert((la.key.clone(), true)) {
                continue;
            }
            out.push(Reached {
                key: la.key.clone(),
                kind: la.kind,
                mode: la.mode,
                file,
                span: a.span,
                line: a.span.line,
                text: la.text(a),
                body_name: body.name.clone(),
                chain: Vec::new(),
                same_instance: true,
                shared_by: None,
            });
        }
        for call in &body.calls {
            if out.len() >= MAX_REACHED {
                break;
            }
            for r in self.reached_by_call(file, bi, call) {
                if seen.insert((r.key.clone(), r.same_instance)) {
                    out.push(r);
                }
            }
        }
        self.in_progress.borrow_mut().remove(&(file, bi));
        let rc = Rc::new(out);
        self.memo.borrow_mut().insert((file, bi), rc.clone());
        rc
    }
}

/// For a guard handed back by a method of the crate (`self.read_tx()`):
/// a note saying where that method takes it, so the finding shows how the
/// lock got here. A trait method without a body (`store.state()` on a
/// `&dyn Storage`) takes whichever lock its implementation does: the note
/// says where the trait declares it.
pub fn returned_guard_note(cx: &CrateCx<'_>, file: usize, body: &Body, acq: &Acquisition) -> Option<String> {
    if acq.callee.is_some() {
        return returned_by_function_note(cx, file, body, acq);
    }
    let method = cx.index.guard_method(file, body, acq)?;
    let name = format!("{}::{}", method.owner, acq.method);
    let line_of =
        |f: usize, line: u32| if f == file { format!("line {line}") } else { format!("line {line} of its file") };
    let Some(BodyRef { fi: cf, body: callee, .. }) = cx.functions_named(&name).next() else {
        return method
            .sig
            .in_trait
            .then(|| format!("`{name}` is declared to return a guard ({})", line_of(method.file, method.sig.line)));
    };
    let taken = callee.acquisitions.iter().find(|a| a.escapes)?;
    Some(format!(
        "`{name}` returns the guard it takes at {} (`{}.{}()`)",
        line_of(cf, taken.span.line),
        taken.receiver.text,
        taken.method
    ))
}

/// [`returned_guard_note`] for a path call of a function (`data::get()`,
/// `Registry::global()`): where that function takes the guard, or where it
/// is declared to return one.
fn returned_by_function_note(cx: &CrateCx<'_>, file: usize, body: &Body, acq: &Acquisition) -> Option<String> {
    let (f, sig) = cx.index.guard_fn(file, body, acq)?;
    let written = acq.callee.as_ref()?.join("::");
    let line_of = |line: u32| if f == file { format!("line {line}") } else { format!("line {line} of its file") };
    let qualified = match &sig.self_ty {
        Some(ty) => format!("{ty}::{}", sig.name),
        None => sig.name.clone(),
    };
    let callee = cx.functions_named(&qualified).find(|b| b.fi == f && b.body.module == sig.module);
    let taken = callee.and_then(|b| b.body.acquisitions.iter().find(|a| a.escapes));
    Some(match taken {
        Some(t) => format!(
            "`{written}()` returns the guard it takes at {} (`{}.{}()`)",
            line_of(t.span.line),
            t.receiver.text,
            t.method
        ),
        None => format!("`{written}()` is declared to return a guard ({})", line_of(sig.line)),
    })
}

/// `spawn(lock.read())`: an async lock's future, not awaited here but moved
/// into a call, locks wherever that callee polls it, not in this body.
fn is_future_handed_on(acq: &Acquisition) -> bool {
    !acq.shape.awaited
        && matches!(acq.holder, Holder::Temporary)
        && acq.end.as_ref().is_some_and(|e| e.kind == EndKind::Move)
}

/// The call chain as text: `self.flush()` → `Shared::flush` → `Shared::write`.
pub fn chain_text(r: &Reached) -> String {
    r.chain.iter().map(|h| format!("`{}`", h.callee)).collect::<Vec<_>>().join(" → ")
}
