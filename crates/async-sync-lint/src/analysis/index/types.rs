//! Following a place through declared types: fields of the crate's structs,
//! generic arguments, `Deref` targets, containers and see-through wrappers,
//! down to a lock kind or a guard.

use super::kinds::{kind_of_guard_path, kind_of_path, LockKind};
use super::{Certainty, CrateIndex, DeclStep, Want, WrittenIn, MAX_DEPTH};
use crate::analysis::facts::*;

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

/// A type as resolution sees it midway through a place.
#[derive(Clone, Debug)]
pub(super) enum Ty<'i> {
    Lock(LockKind),
    /// A struct (or enum) of this crate: the file it is declared in, its
    /// declaration, and its generic type arguments, resolved.
    Struct {
        file: usize,
        def: &'i StructDef,
        args: Vec<Ty<'i>>,
    },
    /// The traits of this crate a value is known by (`&dyn Storage`,
    /// `impl Storage + Metrics`, `S: Storage`, `self` in a default
    /// method), in the order written; never empty.
    Traits(Vec<(usize, &'i TraitDef)>),
    /// Any other type, kept for element lookups.
    Other(TypeRepr, usize, Vec<String>),
    Unknown,
}

/// Generic parameters bound while looking into a generic struct.
type Subst<'s, 'i> = &'s [(&'s str, Ty<'i>)];

impl<'f> CrateIndex<'f> {
    /// The lock a value of this type holds a guard of: a guard type, one in
    /// an `Option`/`Result`/`Box`, or a struct of the crate with a guard
    /// field (`struct ReadTx<'a> { guard: RwLockReadGuard<'a, Db> }`).
    pub(super) fn guard_kind_of(&self, ctx: WrittenIn<'_>, ty: &TypeRepr, depth: u32) -> Option<LockKind> {
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
        def.fields.iter().find_map(|f| self.guard_kind_of(WrittenIn { file, module: &def.module }, &f.ty, depth + 1))
    }

    pub(super) fn place_ty(
        &self,
        ctx: WrittenIn<'_>,
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
            PlaceRoot::SelfValue => {
                let ty = match self.self_struct(ctx, body.self_ty.as_deref()?)? {
                    // `impl<S: Storage> Service<S>`: `self.store: S` is a `Storage`.
                    Ty::Struct { file, def, args } if args.is_empty() && !body.self_args.is_empty() => {
                        let args = body.self_args.iter().map(|a| self.type_ty(ctx, a, 0)).collect();
                        Ty::Struct { file, def, args }
                    }
                    t => t,
                };
                (ty, Certainty::Declared, None)
            }
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
                    self.type_ty(WrittenIn { file, module: &s.module }, &s.ty, 0),
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

    pub(super) fn project(&self, ty: Ty<'f>, proj: &Projection, depth: u32) -> Ty<'f> {
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
            (Projection::Method(m), Ty::Traits(traits)) => {
                let Some(found) = self.trait_method(&traits, m) else { return Ty::Unknown };
                let ctx = WrittenIn { file: found.file, module: &found.def.module };
                match self.pick(ctx, &found.cands, &Want::Any, |s| &s.module) {
                    // `Self` in a trait is the implementor: unknown here.
                    Some((file, sig)) => match &sig.ret {
                        Some(TypeRepr::Path { segments, .. }) if segments.first().is_some_and(|s| s == "Self") => {
                            Ty::Unknown
                        }
                        Some(ret) => self.type_ty(WrittenIn { file, module: &sig.module }, ret, 0),
                        None => Ty::Unknown,
                    },
                    None => Ty::Unknown,
                }
            }
            (Projection::Method(m), Ty::Struct { file, def, .. }) => {
                let Some(cands) = self.methods.get(&(def.name.as_str(), m.as_str())) else { return Ty::Unknown };
                let ctx = WrittenIn { file, module: &def.module };
                let Some((file, sig)) = self.pick(ctx, cands, &Want::Any, |s| &s.module) else { return Ty::Unknown };
                match &sig.ret {
                    Some(ret) => {
                        let ret = match ret {
                            TypeRepr::Path { segments, args } if segments.len() == 1 && segments[0] == "Self" => {
                                TypeRepr::Path { segments: vec![def.name.clone()], args: args.clone() }
                            }
                            r => r.clone(),
                        };
                        self.type_ty(WrittenIn { file, module: &sig.module }, &ret, 0)
                    }
                    None => Ty::Unknown,
                }
            }
            (Projection::Index, Ty::Other(t, file, module)) => match element_type(&t) {
                Some(el) => self.type_ty(WrittenIn { file, module: &module }, el, 0),
                None => Ty::Unknown,
            },
            _ => Ty::Unknown,
        }
    }

    fn field_ty(&self, file: usize, def: &'f StructDef, args: &[Ty<'f>], field: &str) -> Option<Ty<'f>> {
        let fd = def.fields.iter().find(|fd| fd.name == field)?;
        let subst: Vec<(&str, Ty<'f>)> = def.generics.iter().map(String::as_str).zip(args.iter().cloned()).collect();
        Some(self.type_ty_in(WrittenIn { file, module: &def.module }, &fd.ty, 0, &subst))
    }

    fn deref_target(&self, name: &str) -> Option<Ty<'f>> {
        let cands = self.derefs.get(name)?;
        let (file, d) = self.unique(cands)?;
        Some(self.type_ty(WrittenIn { file, module: &[] }, &d.target, 0))
    }

    pub(super) fn deref_lock(&self, name: &str, depth: u32) -> Option<LockKind> {
        if depth > 4 {
            return None;
        }
        match self.deref_target(name)? {
            Ty::Lock(k) => Some(k),
            Ty::Struct { def, .. } => self.deref_lock(&def.name, depth + 1),
            _ => None,
        }
    }

    pub(super) fn unique<T>(&self, cands: &[(usize, &'f T)]) -> Option<(usize, &'f T)> {
        match cands {
            [one] => Some(*one),
            _ => None,
        }
    }

    /// Resolves a written type in a file's context.
    pub(super) fn type_ty(&self, ctx: WrittenIn<'_>, ty: &TypeRepr, depth: u32) -> Ty<'f> {
        self.type_ty_in(ctx, ty, depth, &[])
    }

    /// Resolves a written type, with generic parameters bound by `subst`.
    fn type_ty_in(&self, ctx: WrittenIn<'_>, ty: &TypeRepr, depth: u32, subst: Subst<'_, 'f>) -> Ty<'f> {
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
                            return self.type_ty_in(WrittenIn { file, module: &a.module }, &a.ty, depth + 1, subst);
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
            // The bounds that are traits of the crate (`dyn Storage +
            // Send`); bounds only from elsewhere keep the type some type
            // (`T: BorrowMut<U>`: its `borrow_mut` is no `RefCell`'s).
            TypeRepr::Bounded(bounds) => {
                let traits: Vec<_> = bounds.iter().filter_map(|b| self.crate_trait(ctx, b)).collect();
                if traits.is_empty() {
                    Ty::Other(ty.clone(), ctx.file, ctx.module.to_vec())
                } else {
                    Ty::Traits(traits)
                }
            }
            _ => Ty::Unknown,
        }
    }

    /// The crate's trait a bound names (`Storage`, `crate::store::Storage`).
    fn crate_trait(&self, ctx: WrittenIn<'_>, bound: &TypeRepr) -> Option<(usize, &'f TraitDef)> {
        let TypeRepr::Path { segments, .. } = bound else { return None };
        let canonical = self.canonical_path(ctx, segments, 0);
        let want = self.want_of(ctx, &canonical)?;
        let cands = self.traits.get(canonical.last()?.as_str())?;
        self.pick(ctx, cands, &want, |t| &t.module)
    }

    /// The first of `traits` that declares `method`, with the declarations;
    /// a trait's supertraits (`trait Backend: Storage`) after the trait.
    pub(super) fn trait_method(&self, traits: &[(usize, &'f TraitDef)], method: &str) -> Option<TraitMethod<'f>> {
        self.trait_method_at(traits, method, 0)
    }

    fn trait_method_at(&self, traits: &[(usize, &'f TraitDef)], method: &str, depth: u32) -> Option<TraitMethod<'f>> {
        if depth > 4 {
            return None;
        }
        traits.iter().find_map(|&(file, def)| {
            let cands = self
                .methods
                .get(&(def.name.as_str(), method))
                .map_or_else(Vec::new, |c| c.iter().filter(|(_, s)| s.in_trait).copied().collect::<Vec<_>>());
            if !cands.is_empty() {
                return Some(TraitMethod { file, def, cands });
            }
            let ctx = WrittenIn { file, module: &def.module };
            let supers: Vec<_> = def.supertraits.iter().filter_map(|b| self.crate_trait(ctx, b)).collect();
            self.trait_method_at(&supers, method, depth + 1)
        })
    }
}

/// A method as the crate's traits declare it (see `trait_method`).
pub(super) struct TraitMethod<'f> {
    /// The trait, and the file declaring it.
    pub file: usize,
    pub def: &'f TraitDef,
    /// The method's declarations (one, unless trait names repeat).
    pub cands: Vec<(usize, &'f FnSig)>,
}

/// How many aliases (`let b = a;`) a declared type is followed through.
const MAX_ALIASES: u32 = 6;

impl<'f> CrateIndex<'f> {
    /// The type of a place as this crate's declarations write it: a field of
    /// `self` or of a declared local, a declared or constructed local, a
    /// static. Unlike [`Self::resolve_place`], the written type is kept
    /// (`Arc<Mutex<Conn>>`), for rules that look at the type itself. Structs
    /// and statics are looked up by name; an ambiguous name gives `None`.
    pub fn declared_type(&self, body: &Body, place: &Place) -> Option<TypeRepr> {
        self.declared_type_at(body, place, 0)
    }

    fn declared_type_at(&self, body: &Body, place: &Place, depth: u32) -> Option<TypeRepr> {
        if depth > MAX_ALIASES {
            return None;
        }
        let mut ty = match &place.root {
            PlaceRoot::SelfValue => TypeRepr::path(&[body.self_ty.as_deref()?], Vec::new()),
            PlaceRoot::Local { origin, .. } => match origin {
                LocalOrigin::Declared(t) | LocalOrigin::Constructed(t) => t.clone(),
                LocalOrigin::Alias(p) => self.declared_type_at(body, p, depth + 1)?,
                LocalOrigin::Unknown => return None,
            },
            PlaceRoot::Path(segs) => self.unique(self.statics.get(segs.last()?.as_str())?)?.1.ty.clone(),
            PlaceRoot::Unknown => return None,
        };
        for p in &place.projections {
            match p {
                Projection::Field(f) => {
                    let owner = ty.unshared().last_segment()?;
                    let owner = if owner == "Self" { body.self_ty.as_deref()? } else { owner };
                    let (_, def) = self.unique(self.structs.get(owner)?)?;
                    ty = def.fields.iter().find(|fd| &fd.name == f)?.ty.clone();
                }
                Projection::Deref => {}
                Projection::Method(m) if is_see_through_method(m) => {}
                _ => return None,
            }
        }
        Some(ty)
    }

    /// The crate's structs (and enums) called `name`, in any module.
    pub fn structs_named(&self, name: &str) -> &[(usize, &'f StructDef)] {
        self.structs.get(name).map_or(&[], Vec::as_slice)
    }

    /// The crate's statics called `name`, in any module.
    pub fn statics_named(&self, name: &str) -> &[(usize, &'f StaticDef)] {
        self.statics.get(name).map_or(&[], Vec::as_slice)
    }

    /// The crate's type aliases called `name`, in any module.
    pub fn aliases_named(&self, name: &str) -> &[(usize, &'f TypeAlias)] {
        self.aliases.get(name).map_or(&[], Vec::as_slice)
    }
}
