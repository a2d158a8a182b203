//! Places and origins: what a receiver is as far as syntax shows (its root
//! and projections), what a `let` tells about a local's type, and which
//! locals struct literals and tuple-struct constructors store into fields.

use syn::{Expr, Pat};

use super::*;

impl Lowerer<'_, '_> {
    // ----- places and origins -----

    pub(super) fn place(&self, e: &Expr) -> Place {
        let span = self.span_expr(e);
        let mut projections = Vec::new();
        let mut cur = e;
        let root = loop {
            match cur {
                Expr::Field(f) => {
                    projections.push(Projection::Field(match &f.member {
                        syn::Member::Named(n) => n.to_string(),
                        syn::Member::Unnamed(i) => i.index.to_string(),
                    }));
                    cur = &f.base;
                }
                Expr::MethodCall(m) if m.args.is_empty() => {
                    projections.push(Projection::Method(m.method.to_string()));
                    cur = &m.receiver;
                }
                Expr::MethodCall(m) if m.method == "get" || m.method == "get_mut" => {
                    projections.push(Projection::Index);
                    cur = &m.receiver;
                }
                Expr::Index(i) => {
                    projections.push(Projection::Index);
                    cur = &i.expr;
                }
                Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
                    projections.push(Projection::Deref);
                    cur = &u.expr;
                }
                Expr::Paren(p) => cur = &p.expr,
                Expr::Group(g) => cur = &g.expr,
                Expr::Reference(r) => cur = &r.expr,
                Expr::Try(t) => cur = &t.expr,
                Expr::Path(p) if p.qself.is_none() => break self.path_root(&p.path),
                Expr::Call(c) if c.args.len() == 1 => {
                    // `Arc::clone(&x)`, `Pin::new(&x)`: the same place.
                    if let Expr::Path(p) = &*c.func {
                        let segs = path_segments(&p.path);
                        if segs.last().is_some_and(|s| s == "clone" || s == "as_ref" || s == "new") {
                            cur = &c.args[0];
                            continue;
                        }
                    }
                    break PlaceRoot::Unknown;
                }
                _ => break PlaceRoot::Unknown,
            }
        };
        projections.reverse();
        Place { root, projections, text: self.text(span) }
    }

    pub(super) fn path_root(&self, path: &syn::Path) -> PlaceRoot {
        if path.segments.len() == 1 && path.leading_colon.is_none() {
            let name = path.segments[0].ident.to_string();
            if name == "self" {
                return PlaceRoot::SelfValue;
            }
            if let Some(origin) = self.origin_of_name(&name) {
                return PlaceRoot::Local { origin: origin.clone(), name };
            }
        }
        PlaceRoot::Path(path_segments(path))
    }

    /// Where the method chain `receiver` ends starts: a path call
    /// (`Command::new(..).arg(..)`), or a place reached through a method
    /// call with arguments (`cmd.arg(..)`). A plain place (`cmd`, `child`)
    /// is the receiver itself and gives `None`, as does an awaited link.
    pub(super) fn chain_start(&self, receiver: &Expr) -> Option<ChainStart> {
        let mut cur = receiver;
        let mut through_call = false;
        loop {
            match cur {
                Expr::MethodCall(m) => {
                    through_call |= !m.args.is_empty();
                    cur = &m.receiver;
                }
                Expr::Try(t) => cur = &t.expr,
                Expr::Paren(p) => cur = &p.expr,
                Expr::Group(g) => cur = &g.expr,
                Expr::Call(c) => {
                    let Expr::Path(p) = &*c.func else { return None };
                    return (p.qself.is_none()).then(|| ChainStart::Call(path_segments(&p.path)));
                }
                Expr::Path(_) | Expr::Field(_) if through_call => return Some(ChainStart::Place(self.place(cur))),
                _ => return None,
            }
        }
    }

    /// What a `let` initializer tells about the value's type.
    pub(super) fn origin_of(&self, e: &Expr) -> LocalOrigin {
        match e {
            Expr::Paren(p) => self.origin_of(&p.expr),
            Expr::Group(g) => self.origin_of(&g.expr),
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else { return LocalOrigin::Unknown };
                let segs = path_segments(&p.path);
                let last = segs.last().map(String::as_str).unwrap_or("");
                let wrapper = segs.len() >= 2 && matches!(segs[segs.len() - 2].as_str(), "Arc" | "Rc" | "Box");
                if wrapper && last == "clone" && c.args.len() == 1 {
                    return self.alias_of(&c.args[0]);
                }
                let Some(ty) = constructed_type(&p.path) else { return LocalOrigin::Unknown };
                if wrapper && last == "new" && c.args.len() == 1 {
                    // `Arc::new(Mutex::new(..))`: Arc<whatever the argument is>.
                    if let LocalOrigin::Constructed(inner) | LocalOrigin::Declared(inner) = self.origin_of(&c.args[0]) {
                        let segments = match ty {
                            TypeRepr::Path { segments, .. } => segments,
                            _ => vec!["Arc".to_string()],
                        };
                        return LocalOrigin::Constructed(TypeRepr::Path { segments, args: vec![inner] });
                    }
                }
                LocalOrigin::Constructed(ty)
            }
            Expr::Struct(s) if s.qself.is_none() => {
                LocalOrigin::Constructed(crate::analysis::extract::types::path_type(&s.path))
            }
            Expr::MethodCall(m) if m.args.is_empty() && m.method == "clone" => self.alias_of(&m.receiver),
            Expr::Reference(r) => self.alias_of(&r.expr),
            Expr::Path(_) | Expr::Field(_) => self.alias_of(e),
            _ => LocalOrigin::Unknown,
        }
    }

    /// `if let Some(x) = <place>`: `x` is the place seen through `Option`
    /// (and `&`), which resolution sees through.
    pub(super) fn some_binding(&self, cond: &Expr) -> Option<(String, LocalOrigin)> {
        let Expr::Let(l) = strip(cond) else { return None };
        let Pat::TupleStruct(ts) = &*l.pat else { return None };
        if ts.qself.is_some() || ts.path.segments.last()?.ident != "Some" || ts.elems.len() != 1 {
            return None;
        }
        let inner = match &ts.elems[0] {
            Pat::Ident(id) if id.subpat.is_none() => id.ident.to_string(),
            _ => return None,
        };
        match self.alias_of(&l.expr) {
            LocalOrigin::Unknown => None,
            o => Some((inner, o)),
        }
    }

    /// A method that yields a guard: a known acquire method, or a method of
    /// this file declared to return a guard type.
    pub(super) fn is_acquire(&self, name: &str) -> bool {
        is_acquire_method(name) || self.items.guard_fns.contains(name)
    }

    /// `data::get()`, `Registry::global()`: a path call of a function of the
    /// crate declared to return a guard (by name here; the index resolves
    /// the path). A local closure of that name is not it.
    pub(super) fn guard_fn_path(&self, c: &syn::ExprCall) -> Option<Vec<String>> {
        let Expr::Path(p) = &*c.func else { return None };
        let last = p.path.segments.last()?;
        if p.qself.is_some() || !self.items.guard_path_fns.contains(&last.ident.to_string()) {
            return None;
        }
        if p.path.segments.len() == 1 && self.origin_of_name(&last.ident.to_string()).is_some() {
            return None;
        }
        Some(path_segments(&p.path))
    }

    /// `Ty { field: local }`, `Ty { local }`, `Ty { field: local.clone() }`.
    pub(super) fn note_field_inits(&mut self, s: &syn::ExprStruct) {
        let Some(ty) = s.path.segments.last().map(|seg| seg.ident.to_string()) else { return };
        for f in &s.fields {
            let syn::Member::Named(field) = &f.member else { continue };
            let LocalOrigin::Alias(place) = self.alias_of(&f.expr) else { continue };
            let PlaceRoot::Local { name, .. } = &place.root else { continue };
            if !place.projections.iter().all(|p| matches!(p, Projection::Method(m) if m == "clone")) {
                continue;
            }
            let span = self.span_expr(&f.expr);
            self.field_inits.push(FieldInit { ty: ty.clone(), field: field.to_string(), local: name.clone(), span });
        }
    }

    /// `Handle(local)`, `Handle(local.clone())`: field `0` holds that local.
    pub(super) fn note_tuple_field_inits(&mut self, ty: &str, c: &syn::ExprCall) {
        for (i, arg) in c.args.iter().enumerate() {
            let LocalOrigin::Alias(place) = self.alias_of(arg) else { continue };
            let PlaceRoot::Local { name, .. } = &place.root else { continue };
            if !place.projections.iter().all(|p| matches!(p, Projection::Method(m) if m == "clone")) {
                continue;
            }
            let span = self.span_expr(arg);
            self.field_inits.push(FieldInit { ty: ty.to_string(), field: i.to_string(), local: name.clone(), span });
        }
    }

    pub(super) fn alias_of(&self, e: &Expr) -> LocalOrigin {
        let place = self.place(e);
        if place.root == PlaceRoot::Unknown {
            LocalOrigin::Unknown
        } else {
            LocalOrigin::Alias(Box::new(place))
        }
    }

    /// The acquisition span of an expression that evaluates to a guard
    /// through adapters (`m.lock().unwrap()` → span of `m.lock()`).
    pub(super) fn guard_value_span(&self, e: &Expr) -> Option<Span> {
        match strip(e) {
            Expr::MethodCall(m) if self.is_acquire(&m.method.to_string()) => Some(self.span_expr(strip(e))),
            Expr::Call(c) if self.guard_fn_path(c).is_some() => Some(self.span_expr(strip(e))),
            Expr::MethodCall(m) if is_guard_adapter(&m.method.to_string()) => self.guard_value_span(&m.receiver),
            Expr::Try(t) => self.guard_value_span(&t.expr),
            Expr::Await(a) => match strip(&a.base) {
                Expr::MethodCall(m) if self.is_acquire(&m.method.to_string()) => Some(self.span_expr(strip(e))),
                Expr::Call(c) if self.guard_fn_path(c).is_some() => Some(self.span_expr(strip(e))),
                _ => None,
            },
            _ => None,
        }
    }

    /// Is the scrutinee exactly `m.try_lock()` (or `m.try_lock().ok()`)? Its
    /// guard exists only where the value matched `Ok(..)` / `Some(..)`.
    pub(super) fn is_try_scrutinee(&self, e: &Expr) -> bool {
        let mut e = strip(e);
        if let Expr::MethodCall(mc) = e {
            if mc.method == "ok" && mc.args.is_empty() {
                e = strip(&mc.receiver);
            }
        }
        let Expr::MethodCall(mc) = e else { return false };
        if !mc.method.to_string().starts_with("try_") {
            return false;
        }
        let span = self.span_expr(e);
        self.acq_by_span.contains_key(&(span.lo, span.hi))
    }
}
