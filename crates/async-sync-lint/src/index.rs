//! The crate index: what all files of one package declare, merged, and the
//! receiver resolution built on it. Given a place like
//! `self.shared.state`, it answers "a `parking_lot::Mutex`, from a declared
//! type" or "unknown" — never a wild guess.

use std::collections::HashMap;

use crate::diagnostic::FileId;
use crate::facts::*;

/// Declares [`LockKind`] and [`LockKind::ALL`] from one list, so the table
/// of every kind cannot miss a variant.
macro_rules! lock_kinds {
    ($($kind:ident),* $(,)?) => {
        /// A lock, cell or sync primitive the rules know about.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum LockKind {
            $($kind),*
        }

        impl LockKind {
            /// Every kind, for tables derived from them.
            pub const ALL: &'static [LockKind] = &[$(LockKind::$kind),*];
        }
    };
}

lock_kinds! {
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
        self.guard_methods().contains(&method)
    }

    /// The methods that produce a guard (or permit) of this kind. The one
    /// list: extraction records a call as an acquisition when any kind has
    /// its method ([`crate::extract`]), resolution keeps it when the
    /// receiver's kind has it.
    pub fn guard_methods(self) -> &'static [&'static str] {
        use LockKind::*;
        const MUTEX: &[&str] = &["lock", "try_lock"];
        const RW: &[&str] = &["read", "write", "try_read", "try_write"];
        match self {
            StdMutex | SpinMutex => MUTEX,
            StdRwLock => RW,
            ParkingLotMutex | ParkingLotReentrantMutex => {
                &["lock", "try_lock", "try_lock_for", "try_lock_until", "lock_arc", "try_lock_arc"]
            }
            ParkingLotRwLock => &[
                "read",
                "write",
                "try_read",
                "try_write",
                "try_read_for",
                "try_write_for",
                "upgradable_read",
                "try_upgradable_read",
                "read_arc",
                "write_arc",
                "upgradable_read_arc",
            ],
            SpinRwLock => &["read", "write", "try_read", "try_write", "upgradeable_read", "try_upgradeable_read"],
            RefCell => &["borrow", "borrow_mut", "try_borrow", "try_borrow_mut"],
            DashMap => &["get", "get_mut", "entry", "iter", "iter_mut", "try_get", "try_get_mut", "try_entry"],
            WatchReceiver => &["borrow", "borrow_and_update"],
            TokioMutex | FuturesMutex | AsyncLockMutex | AsyncStdMutex => &[
                "lock",
                "try_lock",
                "lock_owned",
                "try_lock_owned",
                "lock_arc",
                "try_lock_arc",
                "blocking_lock",
                "blocking_lock_owned",
            ],
            TokioRwLock | AsyncLockRwLock | AsyncStdRwLock => &[
                "read",
                "write",
                "try_read",
                "try_write",
                "read_owned",
                "write_owned",
                "try_read_owned",
                "try_write_owned",
                "upgradable_read",
                "read_arc",
                "write_arc",
                "blocking_read",
                "blocking_write",
            ],
            TokioSemaphore | AsyncLockSemaphore => &[
                "acquire",
                "acquire_owned",
                "acquire_many",
                "acquire_many_owned",
                "try_acquire",
                "try_acquire_owned",
                "try_acquire_many",
                "try_acquire_many_owned",
                "acquire_arc",
                "try_acquire_arc",
            ],
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

/// `name` as brought into `module` of this file by a glob import: from a
/// lock crate's module (`use tokio::sync::*`), or from another module of
/// the file (`use super::*`, `use self::inner::*`), where it is that
/// module's own import or, again, one of its globs.
fn glob_import(facts: &FileFacts, module: &[String], name: &str, depth: u32) -> Option<Vec<String>> {
    if depth > 8 {
        return None;
    }
    for g in facts.imports.iter().filter(|i| i.alias == "*" && i.module == module) {
        let mut target = module.to_vec();
        let mut rest = g.path.as_slice();
        let mut local = false;
        while let Some(first) = rest.first() {
            match first.as_str() {
                "super" => {
                    target.pop();
                }
                "self" => {}
                _ => break,
            }
            local = true;
            rest = &rest[1..];
        }
        if !local {
            if let Some(p) = glob_candidates(&g.path, name) {
                return Some(p);
            }
            continue;
        }
        target.extend_from_slice(rest);
        if let Some(imp) = facts.imports.iter().rev().find(|i| i.alias == name && i.module == target) {
            return Some(imp.path.clone());
        }
        if let Some(p) = glob_import(facts, &target, name, depth + 1) {
            return Some(p);
        }
    }
    None
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
    /// A struct (or enum) of this crate: the file it is declared in, its
    /// declaration, and its generic type arguments, resolved.
    Struct {
        file: usize,
        def: &'i StructDef,
        args: Vec<Ty<'i>>,
    },
    /// Any other type, kept for element lookups.
    Other(TypeRepr, usize, Vec<String>),
    Unknown,
}

/// Generic parameters bound while looking into a generic struct.
type Subst<'s, 'i> = &'s [(&'s str, Ty<'i>)];

/// The declaration a lock is reached from: what `unnecessary-async-lock`
/// reports on, and how acquisitions of one lock are grouped.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LockDecl {
    /// A field: (file index, struct name, field name).
    Field { file: usize, ty: String, field: String },
    /// A `static` or `lazy_static!`: (file index, name).
    Static { file: usize, name: String },
    /// A `let` in a body: (file index, outermost body index, name).
    Local { file: usize, body: usize, name: String },
}

/// What a declared module path names.
enum Want {
    /// `crate::a::b::T`: exactly this module.
    Exact(Vec<String>),
    /// `a::b::T` relative to somewhere: a module ending with these.
    Suffix(Vec<String>),
    Any,
}

/// The module path of a source file within its crate: `src/a/b.rs` and
/// `src/a/b/mod.rs` are `a::b`; the crate root (`lib.rs`, `main.rs`) is
/// empty. `root_dir` is the directory of the target's root file; without
/// one, the last `src` directory of the path stands in.
pub fn module_of_path(path: &std::path::Path, root_dir: Option<&std::path::Path>) -> Vec<String> {
    let comps: Vec<String> = path.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    let rel: Vec<String> = match root_dir.and_then(|r| path.strip_prefix(r).ok()) {
        Some(rel) => rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect(),
        None => match comps.iter().rposition(|c| c == "src") {
            Some(i) => comps[i + 1..].to_vec(),
            None => return Vec::new(),
        },
    };
    let mut out: Vec<String> =
        rel.into_iter().map(|c| c.strip_suffix(".rs").map(str::to_string).unwrap_or(c)).collect();
    if out.len() == 1 && matches!(out[0].as_str(), "lib" | "main") {
        return Vec::new();
    }
    if out.last().is_some_and(|l| l == "mod") {
        out.pop();
    }
    out
}

/// Maps a guard type's canonical path to the lock it guards
/// (`tokio::sync::MutexGuard` → `TokioMutex`).
fn kind_of_guard_path(segs: &[String]) -> Option<LockKind> {
    let last = segs.last()?;
    if !crate::extract::is_guard_type_name(last) {
        return None;
    }
    let base = if last.contains("RwLock") {
        "RwLock"
    } else if last.contains("Reentrant") {
        "ReentrantMutex"
    } else {
        "Mutex"
    };
    let mut p = segs[..segs.len() - 1].to_vec();
    p.push(base.to_string());
    kind_of_path(&p)
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
    /// Each file's module path in the crate (`src/a/b.rs` → `a::b`).
    file_modules: Vec<Vec<String>>,
    /// The crate's name as other crates write it (`my_crate`), if known.
    crate_name: Option<String>,
    /// Every module name of the crate (files and inline `mod`s).
    module_names: std::collections::HashSet<String>,
}

const MAX_DEPTH: u32 = 12;

/// The last declaration step seen while resolving a place.
#[derive(Clone, Debug)]
enum DeclStep {
    Field(usize, String, String),
    Static(usize, String),
    Local(String),
}

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
            file_modules: Vec::new(),
            crate_name: None,
            module_names: Default::default(),
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
        ix.set_file_modules(vec![Vec::new(); ix.files.len()]);
        ix
    }

    /// Sets the crate's name, for paths written from outside it
    /// (`my_crate::io::read` in the configuration).
    pub fn set_crate_name(&mut self, name: Option<String>) {
        self.crate_name = name;
    }

    /// A call path written in `ctx`, already through the file's imports
    /// ([`Self::canonical_path`]), made absolute within this crate:
    /// `crate::io::f`, `self::f`, `super::f`, `f` (this module's), `io::f`
    /// (a module of the crate) → `my_crate::io::f`. `None` for a path into
    /// another crate, or when the crate's name is unknown.
    pub fn crate_absolute(&self, ctx: Ctx<'_>, canon: &[String]) -> Option<Vec<String>> {
        let krate = self.crate_name.as_ref()?;
        let first = canon.first()?.as_str();
        let here = self.full_module(ctx.file, ctx.module);
        let mut out = vec![krate.clone()];
        match first {
            "crate" => out.extend(canon[1..].iter().cloned()),
            "self" | "super" => {
                let mut module = here;
                let mut rest = canon;
                while let Some(seg) = rest.first().filter(|s| *s == "self" || *s == "super") {
                    if seg == "super" {
                        module.pop();
                    }
                    rest = &rest[1..];
                }
                out.extend(module);
                out.extend(rest.iter().cloned());
            }
            _ if first == krate => return Some(canon.to_vec()),
            _ if canon.len() == 1 || self.module_names.contains(first) => {
                out.extend(here);
                out.extend(canon.iter().cloned());
            }
            _ => return None,
        }
        Some(out)
    }

    /// Does a call path, already through the file's imports
    /// ([`Self::canonical_path`]), name something of this crate? A plain
    /// name, `crate::`/`self::`/`super::`, the crate's own name or one of
    /// its modules; not `futures::future::ready` imported as `ready`.
    pub fn is_crate_path(&self, canon: &[String]) -> bool {
        let Some(first) = canon.first() else { return false };
        canon.len() == 1
            || matches!(first.as_str(), "crate" | "self" | "super" | "Self")
            || self.crate_name.as_deref() == Some(first.as_str())
            || self.module_names.contains(first)
    }

    /// Sets each file's module path (same order as `files`), so that
    /// `crate::a::T`, `super::T` and same-named types in different modules
    /// resolve to the right declaration.
    pub fn set_file_modules(&mut self, modules: Vec<Vec<String>>) {
        self.module_names.clear();
        for m in &modules {
            self.module_names.extend(m.iter().cloned());
        }
        for (_, f) in &self.files {
            for s in &f.structs {
                self.module_names.extend(s.module.iter().cloned());
            }
            for b in &f.bodies {
                self.module_names.extend(b.module.iter().cloned());
            }
        }
        self.file_modules = modules;
    }

    /// The module path of an inline module path of a file. A function's
    /// own import scope (`{fn@…}`) is not a module: items there belong to
    /// the module around it.
    pub fn full_module(&self, file: usize, inline: &[String]) -> Vec<String> {
        let mut m = self.file_modules.get(file).cloned().unwrap_or_default();
        m.extend(inline.iter().filter(|s| !s.starts_with('{')).cloned());
        m
    }

    /// Which module a (canonical) path's last segment is declared in.
    fn want_of(&self, ctx: Ctx<'_>, canonical: &[String]) -> Option<Want> {
        let n = canonical.len();
        if n <= 1 {
            return Some(Want::Any);
        }
        let here = self.full_module(ctx.file, ctx.module);
        let mut segs = &canonical[..n - 1];
        let mut base: Vec<String> = match segs[0].as_str() {
            "crate" => {
                segs = &segs[1..];
                Vec::new()
            }
            "self" => {
                segs = &segs[1..];
                here
            }
            "super" => {
                let mut m = here;
                while segs.first().is_some_and(|s| s == "super") {
                    m.pop();
                    segs = &segs[1..];
                }
                m
            }
            "Self" => return None,
            first if self.module_names.contains(first) => {
                return Some(Want::Suffix(segs.to_vec()));
            }
            _ => return None,
        };
        base.extend_from_slice(segs);
        Some(Want::Exact(base))
    }

    /// Picks among same-named declarations the one `want` names, else the
    /// one in the context's own module, else the only one.
    fn pick<T>(
        &self,
        ctx: Ctx<'_>,
        cands: &[(usize, &'f T)],
        want: &Want,
        module_of: impl Fn(&T) -> &[String],
    ) -> Option<(usize, &'f T)> {
        if let [one] = cands {
            return Some(*one);
        }
        let full = |c: &(usize, &'f T)| self.full_module(c.0, module_of(c.1));
        let only = |f: &dyn Fn(&(usize, &'f T)) -> bool| {
            let mut it = cands.iter().filter(|c| f(c));
            match (it.next(), it.next()) {
                (Some(one), None) => Some(*one),
                _ => None,
            }
        };
        match want {
            Want::Exact(m) => {
                if let Some(c) = only(&|c| full(c) == *m) {
                    return Some(c);
                }
            }
            Want::Suffix(m) => {
                if let Some(c) = only(&|c| full(c).ends_with(m)) {
                    return Some(c);
                }
            }
            Want::Any => {}
        }
        let here = self.full_module(ctx.file, ctx.module);
        only(&|c| full(c) == here)
    }

    /// A struct of the crate by the name `self`'s type was written with.
    fn self_struct(&self, ctx: Ctx<'_>, name: &str) -> Option<Ty<'f>> {
        if let Some(cands) = self.structs.get(name) {
            let (file, def) = self.pick(ctx, cands, &Want::Any, |s| &s.module)?;
            return Some(Ty::Struct { file, def, args: Vec::new() });
        }
        // `impl Shared` for `type Shared = Client<Arc<Mutex<Conn>>>`: the
        // generic struct with its parameters made concrete.
        let cands = self.aliases.get(name)?;
        let (file, alias) = self.pick(ctx, cands, &Want::Any, |a| &a.module)?;
        match self.type_ty(Ctx { file, module: &alias.module }, &alias.ty, 0) {
            t @ Ty::Struct { .. } => Some(t),
            _ => None,
        }
    }

    /// Resolves the receiver of an acquisition in `body` of file `file`.
    pub fn resolve_place(&self, file: usize, body: &Body, place: &Place) -> Option<Resolved> {
        let ctx = Ctx { file, module: &body.module };
        self.place_ty(ctx, body, place, 0).and_then(|(ty, certainty, _)| match ty {
            Ty::Lock(kind) => Some(Resolved { kind, certainty }),
            Ty::Struct { def, .. } => self.deref_lock(&def.name, 0).map(|kind| Resolved { kind, certainty }),
            _ => None,
        })
    }

    /// The declaration of the lock an acquisition's receiver reaches (a
    /// field, a static, or a local), when resolution can tell.
    pub fn lock_decl(&self, file: usize, body_idx: usize, place: &Place) -> Option<LockDecl> {
        let facts = self.files[file].1;
        let body = &facts.bodies[body_idx];
        let ctx = Ctx { file, module: &body.module };
        let (ty, _, decl) = self.place_ty(ctx, body, place, 0)?;
        if !matches!(ty, Ty::Lock(_)) {
            return None;
        }
        match decl? {
            DeclStep::Field(file, ty, field) => Some(LockDecl::Field { file, ty, field }),
            DeclStep::Static(file, name) => Some(LockDecl::Static { file, name }),
            DeclStep::Local(name) => {
                // The nearest body that declares it: captured copies in
                // nested async blocks share that declaration.
                let mut b = body_idx;
                while !facts.bodies[b].locals.iter().any(|l| l.name == name) {
                    b = facts.bodies[b].parent? as usize;
                }
                Some(LockDecl::Local { file, body: b, name })
            }
        }
    }

    /// Where a lock declaration is written, and whether code outside the
    /// crate can reach it (a `pub` field of a `pub` struct, a `pub static`).
    pub fn decl_site(&self, decl: &LockDecl) -> Option<(crate::diagnostic::FileId, crate::diagnostic::Span, bool)> {
        match decl {
            LockDecl::Field { file, ty, field } => {
                let (fid, facts) = self.files[*file];
                let s = facts.structs.iter().find(|s| s.name == *ty)?;
                let fd = s.fields.iter().find(|f| f.name == *field)?;
                Some((fid, fd.span, s.is_pub && fd.is_pub))
            }
            LockDecl::Static { file, name } => {
                let (fid, facts) = self.files[*file];
                let st = facts.statics.iter().find(|s| s.name == *name)?;
                Some((fid, st.span, st.is_pub))
            }
            LockDecl::Local { file, body, name } => {
                let (fid, facts) = self.files[*file];
                let l = facts.bodies[*body].locals.iter().find(|l| l.name == *name)?;
                Some((fid, l.span, false))
            }
        }
    }

    /// The canonical path (after imports and re-exports) of the type a place
    /// reaches, with how sure that is, for types outside [`LockKind`]
    /// (`Notify`, `Condvar`, atomics, `watch::Sender`). A known lock kind
    /// answers with its `type_name` path; a struct of this crate, or an
    /// unknown type, answers `None`.
    pub fn place_type_path(&self, file: usize, body: &Body, place: &Place) -> Option<(Vec<String>, Certainty)> {
        let ctx = Ctx { file, module: &body.module };
        let (ty, certainty, _) = self.place_ty(ctx, body, place, 0)?;
        match ty {
            Ty::Other(TypeRepr::Path { segments, .. }, f, module) => {
                Some((self.canonical_path(Ctx { file: f, module: &module }, &segments, 0), certainty))
            }
            Ty::Lock(kind) => Some((kind.type_name().split("::").map(str::to_string).collect(), certainty)),
            _ => None,
        }
    }

    /// The crate struct a place's value is (seen through references and
    /// smart pointers), by name.
    pub fn place_struct(&self, file: usize, body: &Body, place: &Place) -> Option<&'f str> {
        let ctx = Ctx { file, module: &body.module };
        match self.place_ty(ctx, body, place, 0)?.0 {
            Ty::Struct { def, .. } => Some(def.name.as_str()),
            _ => None,
        }
    }

    /// Resolves an acquisition: by receiver type, else by call shape.
    pub fn resolve_acquisition(&self, file: usize, body: &Body, acq: &Acquisition) -> Option<Resolved> {
        if let Some(r) = self.resolve_place(file, body, &acq.receiver) {
            return r.kind.is_guard_method(&acq.method).then_some(r);
        }
        // A method of the crate declared to return a guard
        // (`fn state(&self) -> MutexGuard<'_, State>`).
        let ctx = Ctx { file, module: &body.module };
        if let Some((Ty::Struct { def, .. }, certainty, _)) = self.place_ty(ctx, body, &acq.receiver, 0) {
            if let Some(cands) = self.methods.get(&(def.name.as_str(), acq.method.as_str())) {
                let (f, sig) = self.pick(ctx, cands, &Want::Any, |s| &s.module)?;
                // `self.wait_for(guard).await` on a plain `fn` returning a
                // future struct: the await consumes what it returns.
                if acq.shape.awaited && !sig.is_async {
                    return None;
                }
                let ret = sig.ret.as_ref()?;
                let kind = self.guard_kind_of(Ctx { file: f, module: &sig.module }, ret, 0)?;
                return Some(Resolved { kind, certainty });
            }
        }
        // Last resort, the call shape. `.lock().unwrap()` only type-checks
        // on a `LockResult`, i.e. a std lock.
        let shape = acq.shape;
        if shape.awaited || shape.has_args {
            return None;
        }
        let kind = match acq.method.as_str() {
            "lock" if shape.unwrapped => LockKind::StdMutex,
            "read" | "write" if shape.unwrapped => LockKind::StdRwLock,
            // Only on a receiver of no known type: on a declared `T:
            // BorrowMut<U>` (or any other type) it is the std trait's `&mut`.
            "borrow_mut"
                if matches!(acq.receiver.root, PlaceRoot::SelfValue | PlaceRoot::Local { .. } | PlaceRoot::Path(_))
                    && !matches!(self.place_ty(ctx, body, &acq.receiver, 0), Some((Ty::Other(..), _, _))) =>
            {
                LockKind::RefCell
            }
            _ => return None,
        };
        Some(Resolved { kind, certainty: Certainty::CallShape })
    }

    /// The lock a value of this type holds a guard of: a guard type, one in
    /// an `Option`/`Result`/`Box`, or a struct of the crate with a guard
    /// field (`struct ReadTx<'a> { guard: RwLockReadGuard<'a, Db> }`).
    fn guard_kind_of(&self, ctx: Ctx<'_>, ty: &TypeRepr, depth: u32) -> Option<LockKind> {
        if depth > 4 {
            return None;
        }
        let TypeRepr::Path { segments, args } = ty else { return None };
        let last = segments.last()?.as_str();
        if matches!(last, "Option" | "Result" | "Box") {
            return self.guard_kind_of(ctx, args.first()?, depth + 1);
        }
        let canonical = self.canonical_path(ctx, segments, 0);
        if let Some(kind) = kind_of_guard_path(&canonical) {
            return Some(kind);
        }
        if matches!(last, "Ref" | "RefMut") {
            return match canonical.first().map(String::as_str) {
                Some("std" | "core") if canonical.iter().any(|s| s == "cell") => Some(LockKind::RefCell),
                Some("dashmap") => Some(LockKind::DashMap),
                _ => None,
            };
        }
        let want = self.want_of(ctx, &canonical)?;
        let cands = self.structs.get(canonical.last()?.as_str())?;
        let (file, def) = self.pick(ctx, cands, &want, |s| &s.module)?;
        def.fields.iter().find_map(|f| self.guard_kind_of(Ctx { file, module: &def.module }, &f.ty, depth + 1))
    }

    fn place_ty(
        &self,
        ctx: Ctx<'_>,
        body: &Body,
        place: &Place,
        depth: u32,
    ) -> Option<(Ty<'f>, Certainty, Option<DeclStep>)> {
        if depth > MAX_DEPTH {
            return None;
        }
        let self_ty = |t: &TypeRepr| -> TypeRepr {
            // `Self::new()` / `let x: Self`: the `impl` target.
            match (t, &body.self_ty) {
                (TypeRepr::Path { segments, args }, Some(st)) if segments.len() == 1 && segments[0] == "Self" => {
                    TypeRepr::Path { segments: vec![st.clone()], args: args.clone() }
                }
                _ => t.clone(),
            }
        };
        let (mut ty, certainty, mut decl) = match &place.root {
            PlaceRoot::SelfValue => (self.self_struct(ctx, body.self_ty.as_deref()?)?, Certainty::Declared, None),
            PlaceRoot::Local { origin, name } => match origin {
                LocalOrigin::Declared(t) => {
                    (self.type_ty(ctx, &self_ty(t), 0), Certainty::Declared, Some(DeclStep::Local(name.clone())))
                }
                LocalOrigin::Constructed(t) => {
                    (self.type_ty(ctx, &self_ty(t), 0), Certainty::Constructor, Some(DeclStep::Local(name.clone())))
                }
                LocalOrigin::Alias(p) => self.place_ty(ctx, body, p, depth + 1)?,
                LocalOrigin::Unknown => return None,
            },
            PlaceRoot::Path(segs) => {
                let name = segs.last()?;
                let candidates = self.statics.get(name.as_str())?;
                let want = self.want_of(ctx, &self.canonical_path(ctx, segs, 0)).unwrap_or(Want::Any);
                let (file, s) = self.pick(ctx, candidates, &want, |s| &s.module)?;
                (
                    self.type_ty(Ctx { file, module: &s.module }, &s.ty, 0),
                    Certainty::Declared,
                    Some(DeclStep::Static(file, s.name.clone())),
                )
            }
            PlaceRoot::Unknown => return None,
        };
        for proj in &place.projections {
            let before = ty.clone();
            ty = self.project(ty, proj, 0);
            if matches!(ty, Ty::Unknown) {
                return None;
            }
            match (proj, &before) {
                (Projection::Field(f), Ty::Struct { file, def, .. }) if def.fields.iter().any(|fd| fd.name == *f) => {
                    decl = Some(DeclStep::Field(*file, def.name.clone(), f.clone()));
                }
                (Projection::Deref, _) | (Projection::Index, _) => {}
                (Projection::Method(m), _) if is_see_through_method(m) => {}
                _ => decl = None,
            }
        }
        Some((ty, certainty, decl))
    }

    fn project(&self, ty: Ty<'f>, proj: &Projection, depth: u32) -> Ty<'f> {
        if depth > MAX_DEPTH {
            return Ty::Unknown;
        }
        match (proj, ty) {
            (Projection::Deref, t) => t,
            (Projection::Method(m), t) if is_see_through_method(m) => t,
            (Projection::Field(f), Ty::Struct { file, def, args }) => {
                if let Some(t) = self.field_ty(file, def, &args, f) {
                    return t;
                }
                // A newtype with `Deref`: the field is on the target.
                match self.deref_target(&def.name) {
                    Some(target) => self.project(target, proj, depth + 1),
                    None => Ty::Unknown,
                }
            }
            (Projection::Method(m), Ty::Struct { file, def, .. }) => {
                let Some(cands) = self.methods.get(&(def.name.as_str(), m.as_str())) else { return Ty::Unknown };
                let ctx = Ctx { file, module: &def.module };
                let Some((file, sig)) = self.pick(ctx, cands, &Want::Any, |s| &s.module) else { return Ty::Unknown };
                match &sig.ret {
                    Some(ret) => {
                        let ret = match ret {
                            TypeRepr::Path { segments, args } if segments.len() == 1 && segments[0] == "Self" => {
                                TypeRepr::Path { segments: vec![def.name.clone()], args: args.clone() }
                            }
                            r => r.clone(),
                        };
                        self.type_ty(Ctx { file, module: &sig.module }, &ret, 0)
                    }
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

    fn field_ty(&self, file: usize, def: &'f StructDef, args: &[Ty<'f>], field: &str) -> Option<Ty<'f>> {
        let fd = def.fields.iter().find(|fd| fd.name == field)?;
        let subst: Vec<(&str, Ty<'f>)> = def.generics.iter().map(String::as_str).zip(args.iter().cloned()).collect();
        Some(self.type_ty_in(Ctx { file, module: &def.module }, &fd.ty, 0, &subst))
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
            Ty::Struct { def, .. } => self.deref_lock(&def.name, depth + 1),
            _ => None,
        }
    }

    fn unique<T>(&self, cands: &[(usize, &'f T)]) -> Option<(usize, &'f T)> {
        match cands {
            [one] => Some(*one),
            _ => None,
        }
    }

    /// Resolves a written type in a file's context.
    fn type_ty(&self, ctx: Ctx<'_>, ty: &TypeRepr, depth: u32) -> Ty<'f> {
        self.type_ty_in(ctx, ty, depth, &[])
    }

    /// Resolves a written type, with generic parameters bound by `subst`.
    fn type_ty_in(&self, ctx: Ctx<'_>, ty: &TypeRepr, depth: u32, subst: Subst<'_, 'f>) -> Ty<'f> {
        if depth > MAX_DEPTH {
            return Ty::Unknown;
        }
        match ty {
            TypeRepr::Ref(inner) => self.type_ty_in(ctx, inner, depth + 1, subst),
            TypeRepr::Path { segments, args } => {
                if let [one] = segments.as_slice() {
                    if let Some((_, t)) = subst.iter().find(|(n, _)| *n == one) {
                        return t.clone();
                    }
                }
                let canonical = self.canonical_path(ctx, segments, 0);
                if let Some(kind) = kind_of_path(&canonical) {
                    return Ty::Lock(kind);
                }
                let last = segments.last().map(String::as_str).unwrap_or("");
                if is_see_through_type(last) {
                    return match args.first() {
                        Some(inner) => self.type_ty_in(ctx, inner, depth + 1, subst),
                        None => Ty::Unknown,
                    };
                }
                if let Some(want) = self.want_of(ctx, &canonical) {
                    let name = canonical.last().map(String::as_str).unwrap_or(last);
                    if let Some(cands) = self.aliases.get(name) {
                        if let Some((file, a)) = self.pick(ctx, cands, &want, |a| &a.module) {
                            return self.type_ty_in(Ctx { file, module: &a.module }, &a.ty, depth + 1, subst);
                        }
                    }
                    if let Some(cands) = self.structs.get(name) {
                        if let Some((file, def)) = self.pick(ctx, cands, &want, |s| &s.module) {
                            let args = args.iter().map(|a| self.type_ty_in(ctx, a, depth + 1, subst)).collect();
                            return Ty::Struct { file, def, args };
                        }
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
        // Rust's order: the module's own imports, then its globs (`use
        // super::*` in a `mod tests` reaches the parent's imports); then,
        // as a guess for what syntax cannot see, the file's top level.
        // A function with `use` items of its own is a scope (`{fn@…}`)
        // inside its module: its imports first, then the module's.
        let mut scope = ctx.module;
        let found = loop {
            let here = match lookup(scope) {
                Some(imp) => Some(imp.path.clone()),
                None => glob_import(facts, scope, first, 0),
            };
            match scope.split_last() {
                Some((last, parent)) if here.is_none() && last.starts_with('{') => scope = parent,
                _ => break here,
            }
        };
        let found = found.or_else(|| lookup(&[]).map(|imp| imp.path.clone()));
        if let Some(mut p) = found {
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
