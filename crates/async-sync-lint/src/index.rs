//! The crate index: what all files of one package declare, merged, and the
//! receiver resolution built on it (DESIGN §3). Given a place like
//! `self.shared.state`, it answers "a `parking_lot::Mutex`, from a declared
//! type" or "unknown" — never a wild guess.

use std::collections::HashMap;

use crate::diagnostic::FileId;
use crate::facts::*;

/// A lock, cell or sync primitive the rules know about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LockKind {
    StdMutex,
    StdRwLock,
    ParkingLotMutex,
    ParkingLotRwLock,
    ParkingLotReentrantMutex,
    SpinMutex,
    SpinRwLock,
    RefCell,
    DashMap,
    WatchReceiver,
    TokioMutex,
    TokioRwLock,
    FuturesMutex,
    AsyncLockMutex,
    AsyncLockRwLock,
    AsyncStdMutex,
    AsyncStdRwLock,
    TokioSemaphore,
    AsyncLockSemaphore,
}

/// Broad families the rules reason about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Blocks the thread while contended: must not be held across an await.
    Blocking,
    /// `RefCell`: a runtime-checked borrow, panics on conflict.
    Cell,
    /// A reference into a sharded map (DashMap) or a `watch` value: holds a
    /// read or write lock on a shard.
    MapRef,
    /// An async lock: fine across awaits, wasted when no guard spans one.
    Async,
    Semaphore,
}

impl LockKind {
    pub fn family(self) -> Family {
        use LockKind::*;
        match self {
            StdMutex
            | StdRwLock
            | ParkingLotMutex
            | ParkingLotRwLock
            | ParkingLotReentrantMutex
            | SpinMutex
            | SpinRwLock => Family::Blocking,
            RefCell => Family::Cell,
            DashMap | WatchReceiver => Family::MapRef,
            TokioMutex | TokioRwLock | FuturesMutex | AsyncLockMutex | AsyncLockRwLock | AsyncStdMutex
            | AsyncStdRwLock => Family::Async,
            TokioSemaphore | AsyncLockSemaphore => Family::Semaphore,
        }
    }

    /// The type's name as users write it.
    pub fn type_name(self) -> &'static str {
        use LockKind::*;
        match self {
            StdMutex => "std::sync::Mutex",
            StdRwLock => "std::sync::RwLock",
            ParkingLotMutex => "parking_lot::Mutex",
            ParkingLotRwLock => "parking_lot::RwLock",
            ParkingLotReentrantMutex => "parking_lot::ReentrantMutex",
            SpinMutex => "spin::Mutex",
            SpinRwLock => "spin::RwLock",
            RefCell => "RefCell",
            DashMap => "DashMap",
            WatchReceiver => "tokio::sync::watch::Receiver",
            TokioMutex => "tokio::sync::Mutex",
            TokioRwLock => "tokio::sync::RwLock",
            FuturesMutex => "futures::lock::Mutex",
            AsyncLockMutex => "async_lock::Mutex",
            AsyncLockRwLock => "async_lock::RwLock",
            AsyncStdMutex => "async_std::sync::Mutex",
            AsyncStdRwLock => "async_std::sync::RwLock",
            TokioSemaphore => "tokio::sync::Semaphore",
            AsyncLockSemaphore => "async_lock::Semaphore",
        }
    }

    /// Does calling `method` on this kind produce a guard?
    pub fn is_guard_method(self, method: &str) -> bool {
        use LockKind::*;
        let m = method;
        match self {
            StdMutex => matches!(m, "lock" | "try_lock"),
            StdRwLock => matches!(m, "read" | "write" | "try_read" | "try_write"),
            ParkingLotMutex | ParkingLotReentrantMutex => {
                matches!(m, "lock" | "try_lock" | "try_lock_for" | "try_lock_until" | "lock_arc" | "try_lock_arc")
            }
            ParkingLotRwLock => matches!(
                m,
                "read"
                    | "write"
                    | "try_read"
                    | "try_write"
                    | "try_read_for"
                    | "try_write_for"
                    | "upgradable_read"
                    | "try_upgradable_read"
                    | "read_arc"
                    | "write_arc"
                    | "upgradable_read_arc"
            ),
            SpinMutex => matches!(m, "lock" | "try_lock"),
            SpinRwLock => matches!(m, "read" | "write" | "try_read" | "try_write" | "upgradeable_read"),
            RefCell => matches!(m, "borrow" | "borrow_mut" | "try_borrow" | "try_borrow_mut"),
            DashMap => {
                matches!(m, "get" | "get_mut" | "entry" | "iter" | "iter_mut" | "try_get" | "try_get_mut" | "try_entry")
            }
            WatchReceiver => matches!(m, "borrow" | "borrow_and_update"),
            TokioMutex | FuturesMutex | AsyncLockMutex | AsyncStdMutex => {
                matches!(m, "lock" | "try_lock" | "lock_owned" | "try_lock_owned" | "lock_arc" | "try_lock_arc")
            }
            TokioRwLock | AsyncLockRwLock | AsyncStdRwLock => matches!(
                m,
                "read"
                    | "write"
                    | "try_read"
                    | "try_write"
                    | "read_owned"
                    | "write_owned"
                    | "try_read_owned"
                    | "try_write_owned"
                    | "upgradable_read"
                    | "read_arc"
                    | "write_arc"
            ),
            TokioSemaphore | AsyncLockSemaphore => matches!(
                m,
                "acquire"
                    | "acquire_owned"
                    | "acquire_many"
                    | "acquire_many_owned"
                    | "try_acquire"
                    | "try_acquire_owned"
                    | "try_acquire_many"
                    | "acquire_arc"
            ),
        }
    }
}

/// How an answer was reached; rules can demand more certainty.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Certainty {
    /// Only the shape of the call (`.lock().unwrap()` is a `LockResult`).
    CallShape,
    /// A constructor call (`Mutex::new`).
    Constructor,
    /// A declared type: field, parameter, `let x: T`, static.
    Declared,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resolved {
    pub kind: LockKind,
    pub certainty: Certainty,
}

/// Maps a canonical path (after import resolution) to a lock kind.
fn kind_of_path(segs: &[String]) -> Option<LockKind> {
    use LockKind::*;
    let segs: Vec<&str> = segs.iter().map(String::as_str).filter(|s| !s.is_empty()).collect();
    let last = *segs.last()?;
    let krate = segs.first().copied().unwrap_or("");
    let in_mod = |m: &str| segs.len() >= 2 && segs[..segs.len() - 1].contains(&m);
    Some(match (krate, last) {
        ("std" | "core" | "alloc", "Mutex") if in_mod("sync") => StdMutex,
        ("std" | "core" | "alloc", "RwLock") if in_mod("sync") => StdRwLock,
        ("std" | "core" | "alloc", "RefCell") => RefCell,
        ("parking_lot" | "lock_api", "Mutex" | "FairMutex") => ParkingLotMutex,
        ("parking_lot" | "lock_api", "RwLock") => ParkingLotRwLock,
        ("parking_lot" | "lock_api", "ReentrantMutex") => ParkingLotReentrantMutex,
        ("spin", "Mutex" | "SpinMutex" | "TicketMutex" | "FairMutex") => SpinMutex,
        ("spin", "RwLock") => SpinRwLock,
        ("dashmap", "DashMap" | "DashSet") => DashMap,
        ("tokio", "Receiver") if in_mod("watch") => WatchReceiver,
        ("tokio", "Mutex") => TokioMutex,
        ("tokio", "RwLock") => TokioRwLock,
        ("tokio", "Semaphore") => TokioSemaphore,
        ("futures" | "futures_util", "Mutex") => FuturesMutex,
        ("async_lock", "Mutex") => AsyncLockMutex,
        ("async_lock", "RwLock") => AsyncLockRwLock,
        ("async_lock", "Semaphore") => AsyncLockSemaphore,
        ("async_std", "Mutex") => AsyncStdMutex,
        ("async_std", "RwLock") => AsyncStdRwLock,
        _ => return None,
    })
}

/// Modules whose glob import (`use tokio::sync::*`) can bring a lock name.
fn glob_candidates(glob: &[String], name: &str) -> Option<Vec<String>> {
    let mut p = glob.to_vec();
    p.push(name.to_string());
    kind_of_path(&p).map(|_| p)
}

/// Wrappers that resolution sees through to their first type argument.
fn is_see_through_type(name: &str) -> bool {
    matches!(
        name,
        "Arc"
            | "Rc"
            | "Box"
            | "Pin"
            | "Weak"
            | "Option"
            | "OnceLock"
            | "LazyLock"
            | "Lazy"
            | "OnceCell"
            | "ManuallyDrop"
            | "CachePadded"
            | "Cow"
            | "ArcSwap"
            | "Guarded"
    )
}

/// Containers whose element an index (`[i]`, `.get(k)`) reaches.
fn element_type(ty: &TypeRepr) -> Option<&TypeRepr> {
    let TypeRepr::Path { segments, args } = ty else {
        return match ty {
            TypeRepr::Slice(t) => Some(t),
            _ => None,
        };
    };
    match segments.last()?.as_str() {
        "Vec" | "VecDeque" | "SmallVec" | "LinkedList" => args.first(),
        "HashMap" | "BTreeMap" | "IndexMap" | "DashMap" => args.get(1),
        _ => None,
    }
}

/// Where a type was written: which file and inline module, for imports.
#[derive(Clone, Copy, Debug)]
pub struct Ctx<'m> {
    pub file: usize,
    pub module: &'m [String],
}

/// A type as resolution sees it midway through a place.
#[derive(Clone, Debug)]
enum Ty<'i> {
    Lock(LockKind),
    /// A struct of this crate (by name), with the file it is declared in.
    Struct(&'i str),
    /// Any other type, kept for element lookups.
    Other(TypeRepr, usize, Vec<String>),
    Unknown,
}

/// One package's facts, merged.
pub struct CrateIndex<'f> {
    pub files: Vec<(FileId, &'f FileFacts)>,
    structs: HashMap<&'f str, Vec<(usize, &'f StructDef)>>,
    aliases: HashMap<&'f str, Vec<(usize, &'f TypeAlias)>>,
    statics: HashMap<&'f str, Vec<(usize, &'f StaticDef)>>,
    methods: HashMap<(&'f str, &'f str), Vec<(usize, &'f FnSig)>>,
    derefs: HashMap<&'f str, Vec<(usize, &'f DerefImpl)>>,
    /// `pub use` re-exports anywhere in the crate, by local name.
    reexports: HashMap<&'f str, Vec<&'f Import>>,
}

const MAX_DEPTH: u32 = 12;

impl<'f> CrateIndex<'f> {
    pub fn new(files: Vec<(FileId, &'f FileFacts)>) -> CrateIndex<'f> {
        let mut ix = CrateIndex {
            files,
            structs: HashMap::new(),
            aliases: HashMap::new(),
            statics: HashMap::new(),
            methods: HashMap::new(),
            derefs: HashMap::new(),
            reexports: HashMap::new(),
        };
        for (i, (_, f)) in ix.files.iter().enumerate() {
            for s in &f.structs {
                ix.structs.entry(s.name.as_str()).or_default().push((i, s));
            }
            for a in &f.aliases {
                ix.aliases.entry(a.name.as_str()).or_default().push((i, a));
            }
            for s in &f.statics {
                ix.statics.entry(s.name.as_str()).or_default().push((i, s));
            }
            for s in &f.fns {
                if let Some(t) = &s.self_ty {
                    ix.methods.entry((t.as_str(), s.name.as_str())).or_default().push((i, s));
                }
            }
            for d in &f.derefs {
                ix.derefs.entry(d.self_ty.as_str()).or_default().push((i, d));
            }
            for imp in &f.imports {
                if imp.is_pub && imp.alias != "*" {
                    ix.reexports.entry(imp.alias.as_str()).or_default().push(imp);
                }
            }
        }
        ix
    }

    /// Resolves the receiver of an acquisition in `body` of file `file`.
    pub fn resolve_place(&self, file: usize, body: &Body, place: &Place) -> Option<Resolved> {
        let ctx = Ctx { file, module: &body.module };
        self.place_ty(ctx, body, place, 0).and_then(|(ty, certainty)| match ty {
            Ty::Lock(kind) => Some(Resolved { kind, certainty }),
            Ty::Struct(name) => self.deref_lock(name, 0).map(|kind| Resolved { kind, certainty }),
            _ => None,
        })
    }

    /// The canonical path (after imports and re-exports) of the type a place
    /// reaches, with how sure that is, for types outside [`LockKind`]
    /// (`Notify`, `Condvar`, atomics, `watch::Sender`). A known lock kind
    /// answers with its `type_name` path; a struct of this crate, or an
    /// unknown type, answers `None`.
    pub fn place_type_path(&self, file: usize, body: &Body, place: &Place) -> Option<(Vec<String>, Certainty)> {
        let ctx = Ctx { file, module: &body.module };
        let (ty, certainty) = self.place_ty(ctx, body, place, 0)?;
        match ty {
            Ty::Other(TypeRepr::Path { segments, .. }, f, module) => {
                Some((self.canonical_path(Ctx { file: f, module: &module }, &segments, 0), certainty))
            }
            Ty::Lock(kind) => Some((kind.type_name().split("::").map(str::to_string).collect(), certainty)),
            _ => None,
        }
    }

    /// Resolves an acquisition: by receiver type, else by call shape.
    pub fn resolve_acquisition(&self, file: usize, body: &Body, acq: &Acquisition) -> Option<Resolved> {
        if let Some(r) = self.resolve_place(file, body, &acq.receiver) {
            return r.kind.is_guard_method(&acq.method).then_some(r);
        }
        // DESIGN §3 step 3: the call shape. `.lock().unwrap()` only type-checks
        // on a `LockResult`, i.e. a std lock.
        let shape = acq.shape;
        if shape.awaited || shape.has_args {
            return None;
        }
        let kind = match acq.method.as_str() {
            "lock" if shape.unwrapped => LockKind::StdMutex,
            "read" | "write" if shape.unwrapped => LockKind::StdRwLock,
            "borrow_mut"
                if matches!(acq.receiver.root, PlaceRoot::SelfValue | PlaceRoot::Local { .. } | PlaceRoot::Path(_)) =>
            {
                LockKind::RefCell
            }
            _ => return None,
        };
        Some(Resolved { kind, certainty: Certainty::CallShape })
    }

    fn place_ty(&self, ctx: Ctx<'_>, body: &Body, place: &Place, depth: u32) -> Option<(Ty<'f>, Certainty)> {
        if depth > MAX_DEPTH {
            return None;
        }
        let (mut ty, certainty) = match &place.root {
            PlaceRoot::SelfValue => (Ty::Struct(self.struct_name(body.self_ty.as_deref()?)?), Certainty::Declared),
            PlaceRoot::Local { origin, .. } => match origin {
                LocalOrigin::Declared(t) => (self.type_ty(ctx, t, 0), Certainty::Declared),
                LocalOrigin::Constructed(t) => (self.type_ty(ctx, t, 0), Certainty::Constructor),
                LocalOrigin::Alias(p) => self.place_ty(ctx, body, p, depth + 1)?,
                LocalOrigin::Unknown => return None,
            },
            PlaceRoot::Path(segs) => {
                let name = segs.last()?;
                let candidates = self.statics.get(name.as_str())?;
                let (file, s) = self.unique(candidates)?;
                (self.type_ty(Ctx { file, module: &s.module }, &s.ty, 0), Certainty::Declared)
            }
            PlaceRoot::Unknown => return None,
        };
        for proj in &place.projections {
            ty = self.project(ty, proj, 0);
            if matches!(ty, Ty::Unknown) {
                return None;
            }
        }
        Some((ty, certainty))
    }

    fn project(&self, ty: Ty<'f>, proj: &Projection, depth: u32) -> Ty<'f> {
        if depth > MAX_DEPTH {
            return Ty::Unknown;
        }
        match (proj, ty) {
            (Projection::Deref, t) => t,
            (Projection::Method(m), t) if is_see_through_method(m) => t,
            (Projection::Field(f), Ty::Struct(name)) => {
                if let Some(t) = self.field_ty(name, f) {
                    return t;
                }
                // A newtype with `Deref`: the field is on the target.
                match self.deref_target(name) {
                    Some(target) => self.project(target, proj, depth + 1),
                    None => Ty::Unknown,
                }
            }
            (Projection::Method(m), Ty::Struct(name)) => {
                let Some(cands) = self.methods.get(&(name, m.as_str())) else { return Ty::Unknown };
                let Some((file, sig)) = self.unique(cands) else { return Ty::Unknown };
                match &sig.ret {
                    Some(ret) => self.type_ty(Ctx { file, module: &sig.module }, ret, 0),
                    None => Ty::Unknown,
                }
            }
            (Projection::Index, Ty::Other(t, file, module)) => match element_type(&t) {
                Some(el) => self.type_ty(Ctx { file, module: &module }, el, 0),
                None => Ty::Unknown,
            },
            _ => Ty::Unknown,
        }
    }

    fn field_ty(&self, struct_name: &str, field: &str) -> Option<Ty<'f>> {
        let cands = self.structs.get(struct_name)?;
        // Same-named structs in different modules: accept only if they agree.
        let mut found: Option<Ty<'f>> = None;
        for (file, s) in cands {
            let Some(fd) = s.fields.iter().find(|fd| fd.name == field) else { continue };
            let t = self.type_ty(Ctx { file: *file, module: &s.module }, &fd.ty, 0);
            match (&found, &t) {
                (None, _) => found = Some(t),
                (Some(Ty::Lock(a)), Ty::Lock(b)) if a == b => {}
                (Some(Ty::Struct(a)), Ty::Struct(b)) if a == b => {}
                _ => return Some(Ty::Unknown),
            }
        }
        found
    }

    fn deref_target(&self, name: &str) -> Option<Ty<'f>> {
        let cands = self.derefs.get(name)?;
        let (file, d) = self.unique(cands)?;
        Some(self.type_ty(Ctx { file, module: &[] }, &d.target, 0))
    }

    fn deref_lock(&self, name: &str, depth: u32) -> Option<LockKind> {
        if depth > 4 {
            return None;
        }
        match self.deref_target(name)? {
            Ty::Lock(k) => Some(k),
            Ty::Struct(n) => self.deref_lock(n, depth + 1),
            _ => None,
        }
    }

    fn struct_name(&self, name: &str) -> Option<&'f str> {
        self.structs.get_key_value(name).map(|(k, _)| *k)
    }

    fn unique<T>(&self, cands: &[(usize, &'f T)]) -> Option<(usize, &'f T)> {
        match cands {
            [one] => Some(*one),
            _ => None,
        }
    }

    /// Resolves a written type in a file's context.
    fn type_ty(&self, ctx: Ctx<'_>, ty: &TypeRepr, depth: u32) -> Ty<'f> {
        if depth > MAX_DEPTH {
            return Ty::Unknown;
        }
        match ty {
            TypeRepr::Ref(inner) => self.type_ty(ctx, inner, depth + 1),
            TypeRepr::Path { segments, args } => {
                let canonical = self.canonical_path(ctx, segments, 0);
                if let Some(kind) = kind_of_path(&canonical) {
                    return Ty::Lock(kind);
                }
                let last = segments.last().map(String::as_str).unwrap_or("");
                if is_see_through_type(last) {
                    return match args.first() {
                        Some(inner) => self.type_ty(ctx, inner, depth + 1),
                        None => Ty::Unknown,
                    };
                }
                if segments.len() == 1 || matches!(segments[0].as_str(), "crate" | "self" | "super" | "Self") {
                    if let Some(cands) = self.aliases.get(last) {
                        if let Some((file, a)) = self.unique(cands) {
                            return self.type_ty(Ctx { file, module: &a.module }, &a.ty, depth + 1);
                        }
                    }
                    if let Some(name) = self.struct_name(last) {
                        return Ty::Struct(name);
                    }
                }
                Ty::Other(ty.clone(), ctx.file, ctx.module.to_vec())
            }
            _ => Ty::Unknown,
        }
    }

    /// Rewrites the first segment through the file's imports (renames,
    /// groups, globs) and the crate's `pub use` re-exports.
    pub fn canonical_path(&self, ctx: Ctx<'_>, segs: &[String], depth: u32) -> Vec<String> {
        if depth > 6 || segs.is_empty() {
            return segs.to_vec();
        }
        let first = segs[0].as_str();
        if first.is_empty() {
            return segs[1..].to_vec();
        }
        if matches!(first, "crate" | "self" | "super") {
            // A path into this crate: follow a re-export of the last name.
            let last = segs.last().expect("non-empty");
            if let Some(imps) = self.reexports.get(last.as_str()) {
                if let Some(imp) = imps.iter().find(|i| i.path.last() != Some(last) || i.path.len() > 1) {
                    if !matches!(imp.path.first().map(String::as_str), Some("crate" | "self" | "super")) {
                        return self.canonical_path(ctx, &imp.path, depth + 1);
                    }
                }
            }
            return segs.to_vec();
        }
        let facts = self.files[ctx.file].1;
        let lookup = |module: &[String]| facts.imports.iter().rev().find(|i| i.alias == first && i.module == module);
        let imp = lookup(ctx.module).or_else(|| lookup(&[]));
        if let Some(imp) = imp {
            let mut p = imp.path.clone();
            p.extend_from_slice(&segs[1..]);
            if p.first().map(String::as_str) == Some(first) && p.len() == segs.len() {
                return p;
            }
            return self.canonical_path(ctx, &p, depth + 1);
        }
        if segs.len() == 1 {
            for g in facts.imports.iter().filter(|i| i.alias == "*") {
                if let Some(p) = glob_candidates(&g.path, first) {
                    return p;
                }
            }
        }
        segs.to_vec()
    }

    /// Every acquisition in the crate that resolves to a known kind, with
    /// its file index and body.
    pub fn file_count(&self) -> usize {
        self.files.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(s: &str) -> Vec<String> {
        s.split("::").map(str::to_string).collect()
    }

    #[test]
    fn known_paths() {
        assert_eq!(kind_of_path(&segs("std::sync::Mutex")), Some(LockKind::StdMutex));
        assert_eq!(kind_of_path(&segs("tokio::sync::Mutex")), Some(LockKind::TokioMutex));
        assert_eq!(kind_of_path(&segs("tokio::sync::watch::Receiver")), Some(LockKind::WatchReceiver));
        assert_eq!(kind_of_path(&segs("tokio::sync::mpsc::Receiver")), None);
        assert_eq!(kind_of_path(&segs("Mutex")), None);
        assert_eq!(kind_of_path(&segs("parking_lot::RwLock")), Some(LockKind::ParkingLotRwLock));
    }
}
