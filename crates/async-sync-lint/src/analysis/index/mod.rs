//! The crate index: what all files of one package declare, merged, and the
//! receiver resolution built on it. Given a place like
//! `self.shared.state`, it answers "a `parking_lot::Mutex`, from a declared
//! type" or "unknown" — never a wild guess.

use std::collections::HashMap;

use crate::analysis::facts::*;
use crate::diagnostic::FileId;

mod kinds;
mod types;

use kinds::kind_of_path;
pub use kinds::{Family, LockKind};
use types::Ty;

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

/// A method of the crate a call resolves to (see `guard_method`).
#[derive(Clone, Copy, Debug)]
pub struct CalledMethod<'f> {
    /// The struct or trait declaring it, by name.
    pub owner: &'f str,
    /// The file it is declared in.
    pub file: usize,
    pub sig: &'f FnSig,
    /// How sure the receiver's type is.
    pub certainty: Certainty,
}

/// The declarations a method call may name, before the module pick.
struct Declared<'f> {
    owner: &'f str,
    cands: Vec<(usize, &'f FnSig)>,
    certainty: Certainty,
}

impl<'f> Declared<'f> {
    fn pick(&self, ix: &CrateIndex<'f>, ctx: WrittenIn<'_>) -> Option<CalledMethod<'f>> {
        let (file, sig) = ix.pick(ctx, &self.cands, &Want::Any, |s| &s.module)?;
        Some(CalledMethod { owner: self.owner, file, sig, certainty: self.certainty })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resolved {
    pub kind: LockKind,
    pub certainty: Certainty,
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
fn glob_import(facts: &FileFacts, module: &[String], name: &str) -> Option<Vec<String>> {
    glob_import_from(facts, module, name, &mut Vec::new())
}

/// [`glob_import`], not entering a module twice: globs can form cycles
/// (`use super::*` in a child whose parent globs the child), and walking
/// every path through them is exponential in the depth (it was cut at 8;
/// 0.3 % of a lint's instructions on every 6th package of the corpus).
fn glob_import_from(
    facts: &FileFacts,
    module: &[String],
    name: &str,
    seen: &mut Vec<Vec<String>>,
) -> Option<Vec<String>> {
    if seen.iter().any(|m| m == module) {
        return None;
    }
    seen.push(module.to_vec());
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
        if let Some(p) = glob_import_from(facts, &target, name, seen) {
            return Some(p);
        }
    }
    None
}

/// Where a path or type was written: which file and inline module, for
/// the imports that resolve it.
#[derive(Clone, Copy, Debug)]
pub struct WrittenIn<'m> {
    pub file: usize,
    pub module: &'m [String],
}

impl WrittenIn<'_> {
    /// Written in `body`, of the package's file `file`.
    pub fn body(file: usize, body: &Body) -> WrittenIn<'_> {
        WrittenIn { file, module: &body.module }
    }
}

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

/// One package's facts, merged.
pub struct CrateIndex<'f> {
    pub files: Vec<(FileId, &'f FileFacts)>,
    structs: HashMap<&'f str, Vec<(usize, &'f StructDef)>>,
    aliases: HashMap<&'f str, Vec<(usize, &'f TypeAlias)>>,
    statics: HashMap<&'f str, Vec<(usize, &'f StaticDef)>>,
    methods: HashMap<(&'f str, &'f str), Vec<(usize, &'f FnSig)>>,
    traits: HashMap<&'f str, Vec<(usize, &'f TraitDef)>>,
    /// Functions outside any `impl`, by name.
    free_fns: HashMap<&'f str, Vec<(usize, &'f FnSig)>>,
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
            traits: HashMap::new(),
            free_fns: HashMap::new(),
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
                match &s.self_ty {
                    Some(t) => ix.methods.entry((t.as_str(), s.name.as_str())).or_default().push((i, s)),
                    None => ix.free_fns.entry(s.name.as_str()).or_default().push((i, s)),
                }
            }
            for t in &f.traits {
                ix.traits.entry(t.name.as_str()).or_default().push((i, t));
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
    pub fn crate_absolute(&self, ctx: WrittenIn<'_>, canon: &[String]) -> Option<Vec<String>> {
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
            for t in &f.traits {
                self.module_names.extend(t.module.iter().cloned());
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
    fn want_of(&self, ctx: WrittenIn<'_>, canonical: &[String]) -> Option<Want> {
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
        ctx: WrittenIn<'_>,
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
    fn self_struct(&self, ctx: WrittenIn<'_>, name: &str) -> Option<Ty<'f>> {
        if let Some(cands) = self.structs.get(name) {
            let (file, def) = self.pick(ctx, cands, &Want::Any, |s| &s.module)?;
            return Some(Ty::Struct { file, def, args: Vec::new() });
        }
        // `self` in a trait's default method.
        if let Some(cands) = self.traits.get(name) {
            let (file, def) = self.pick(ctx, cands, &Want::Any, |t| &t.module)?;
            return Some(Ty::Traits(vec![(file, def)]));
        }
        // `impl Shared` for `type Shared = Client<Arc<Mutex<Conn>>>`: the
        // generic struct with its parameters made concrete.
        let cands = self.aliases.get(name)?;
        let (file, alias) = self.pick(ctx, cands, &Want::Any, |a| &a.module)?;
        match self.type_ty(WrittenIn { file, module: &alias.module }, &alias.ty, 0) {
            t @ Ty::Struct { .. } => Some(t),
            _ => None,
        }
    }

    /// Resolves the receiver of an acquisition in `body` of file `file`.
    pub fn resolve_place(&self, file: usize, body: &Body, place: &Place) -> Option<Resolved> {
        let ctx = WrittenIn { file, module: &body.module };
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
        let ctx = WrittenIn { file, module: &body.module };
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
        let ctx = WrittenIn { file, module: &body.module };
        let (ty, certainty, _) = self.place_ty(ctx, body, place, 0)?;
        match ty {
            Ty::Other(TypeRepr::Path { segments, .. }, f, module) => {
                Some((self.canonical_path(WrittenIn { file: f, module: &module }, &segments, 0), certainty))
            }
            Ty::Lock(kind) => Some((kind.type_name().split("::").map(str::to_string).collect(), certainty)),
            _ => None,
        }
    }

    /// The crate struct a place's value is (seen through references and
    /// smart pointers), by name.
    pub fn place_struct(&self, file: usize, body: &Body, place: &Place) -> Option<&'f str> {
        let ctx = WrittenIn { file, module: &body.module };
        match self.place_ty(ctx, body, place, 0)?.0 {
            Ty::Struct { def, .. } => Some(def.name.as_str()),
            _ => None,
        }
    }

    /// Resolves an acquisition: by receiver type, else by call shape.
    pub fn resolve_acquisition(&self, file: usize, body: &Body, acq: &Acquisition) -> Option<Resolved> {
        if let Some(path) = &acq.callee {
            return self.resolve_guard_fn_call(file, body, path, acq.shape.awaited);
        }
        if let Some(r) = self.resolve_place(file, body, &acq.receiver) {
            return r.kind.is_guard_method(&acq.method).then_some(r);
        }
        // A method of the crate declared to return a guard
        // (`fn state(&self) -> MutexGuard<'_, State>`).
        let ctx = WrittenIn { file, module: &body.module };
        if let Some(declared) = self.method_candidates(ctx, body, acq) {
            let m = declared.pick(self, ctx)?;
            // `self.wait_for(guard).await` on a plain `fn` returning a
            // future struct: the await consumes what it returns.
            if acq.shape.awaited && !m.sig.is_async {
                return None;
            }
            let ret = m.sig.ret.as_ref()?;
            let kind = self.guard_kind_of(WrittenIn { file: m.file, module: &m.sig.module }, ret, 0)?;
            return Some(Resolved { kind, certainty: m.certainty });
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
                    && !matches!(
                        self.place_ty(ctx, body, &acq.receiver, 0),
                        Some((Ty::Other(..) | Ty::Traits(_), _, _))
                    ) =>
            {
                LockKind::RefCell
            }
            _ => return None,
        };
        Some(Resolved { kind, certainty: Certainty::CallShape })
    }

    /// The method of the crate an acquisition calls when it is not a lock's
    /// own (`store.state()`, `fn state(&self) -> MutexGuard<'_, State>`):
    /// a method of the receiver's struct, or of the trait the receiver is
    /// known by (`&dyn Storage`, `impl Storage`, `S: Storage`, `self` in a
    /// default method). A receiver of unknown type has none: a name alone
    /// never makes a call an acquisition.
    pub fn guard_method(&self, file: usize, body: &Body, acq: &Acquisition) -> Option<CalledMethod<'f>> {
        let ctx = WrittenIn { file, module: &body.module };
        self.method_candidates(ctx, body, acq)?.pick(self, ctx)
    }

    /// The declarations of the method an acquisition calls on a receiver
    /// of a crate struct or trait, if it has any.
    fn method_candidates(&self, ctx: WrittenIn<'_>, body: &Body, acq: &Acquisition) -> Option<Declared<'f>> {
        let (ty, certainty, _) = self.place_ty(ctx, body, &acq.receiver, 0)?;
        match &ty {
            Ty::Struct { def, .. } => {
                let cands = self.methods.get(&(def.name.as_str(), acq.method.as_str()))?;
                // A struct and a trait of one name: the struct's method.
                let cands = cands.iter().filter(|(_, s)| !s.in_trait).copied().collect::<Vec<_>>();
                (!cands.is_empty()).then_some(Declared { owner: def.name.as_str(), cands, certainty })
            }
            Ty::Traits(traits) => {
                let found = self.trait_method(traits, &acq.method)?;
                Some(Declared { owner: found.def.name.as_str(), cands: found.cands, certainty })
            }
            _ => None,
        }
    }

    /// A path call (`data::get()`, `Registry::global()`, `Self::global()`)
    /// of a function of the crate declared to return a guard: the kind of
    /// that guard. The path must name one function (through imports,
    /// `crate::`/`super::` and module files); a name several modules
    /// declare, seen from none of them, names none.
    fn resolve_guard_fn_call(&self, file: usize, body: &Body, path: &[String], awaited: bool) -> Option<Resolved> {
        let (f, sig) = self.guard_fn_called(file, body, path, awaited)?;
        let kind = self.guard_kind_of(WrittenIn { file: f, module: &sig.module }, sig.ret.as_ref()?, 0)?;
        Some(Resolved { kind, certainty: Certainty::Declared })
    }

    /// The function a guard-returning path call names (see
    /// [`Self::resolve_guard_fn_call`]): its file and signature.
    pub fn guard_fn(&self, file: usize, body: &Body, acq: &Acquisition) -> Option<(usize, &'f FnSig)> {
        self.guard_fn_called(file, body, acq.callee.as_ref()?, acq.shape.awaited)
    }

    fn guard_fn_called(&self, file: usize, body: &Body, path: &[String], awaited: bool) -> Option<(usize, &'f FnSig)> {
        let ctx = WrittenIn { file, module: &body.module };
        let canon = self.canonical_path(ctx, path, 0);
        let (name, owner) = match canon.as_slice() {
            [.., owner, name] if owner == "Self" => (name, body.self_ty.as_deref()),
            [.., owner, name] if owner.starts_with(|c: char| c.is_ascii_uppercase()) => (name, Some(owner.as_str())),
            [.., name] => (name, None),
            [] => return None,
        };
        let (f, sig) = match owner {
            Some(ty) => self.pick(ctx, self.methods.get(&(ty, name.as_str()))?, &Want::Any, |s| &s.module)?,
            None => {
                if !self.is_crate_path(&canon) {
                    return None;
                }
                let want = self.want_of(ctx, &canon)?;
                self.pick(ctx, self.free_fns.get(name.as_str())?, &want, |s| &s.module)?
            }
        };
        // An `async fn` returns a future: awaited, it is the guard.
        (awaited == sig.is_async).then_some((f, sig))
    }

    /// Rewrites the first segment through the file's imports (renames,
    /// groups, globs) and the crate's `pub use` re-exports.
    pub fn canonical_path(&self, ctx: WrittenIn<'_>, segs: &[String], depth: u32) -> Vec<String> {
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
                None => glob_import(facts, scope, first),
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

    #[test]
    fn glob_imports_are_followed_through_a_cycle_once() {
        // `a` globs its parent, which globs `a` and `b`; `b` imports the name.
        let text = "use self::a::*;\nuse self::b::*;\nmod a { use super::*; }\nmod b { use parking_lot::Mutex; }\n";
        let file = syn::parse_file(text).expect("parses");
        let facts = crate::analysis::extract::extract(&file, text, 0, crate::input::workspace::Edition::E2021);
        let in_a = [String::from("a")];
        assert_eq!(glob_import(&facts, &in_a, "Mutex"), Some(segs("parking_lot::Mutex")));
        assert_eq!(glob_import(&facts, &in_a, "Condvar"), None);
    }
}
