//! Reducing `syn` types and paths to [`TypeRepr`].

use syn::{GenericArgument, PathArguments, Type};

use crate::analysis::facts::TypeRepr;

pub fn type_repr(ty: &Type) -> TypeRepr {
    match ty {
        Type::Path(p) if p.qself.is_none() => path_type(&p.path),
        Type::Reference(r) => TypeRepr::Ref(Box::new(type_repr(&r.elem))),
        Type::Ptr(p) => TypeRepr::Ref(Box::new(type_repr(&p.elem))),
        Type::Paren(p) => type_repr(&p.elem),
        Type::Group(g) => type_repr(&g.elem),
        Type::Tuple(t) => TypeRepr::Tuple(t.elems.iter().map(type_repr).collect()),
        Type::Slice(s) => TypeRepr::Slice(Box::new(type_repr(&s.elem))),
        Type::Array(a) => TypeRepr::Slice(Box::new(type_repr(&a.elem))),
        Type::TraitObject(t) => bounded(&t.bounds),
        Type::ImplTrait(t) => bounded(&t.bounds),
        _ => TypeRepr::Opaque,
    }
}

/// `dyn A + B + 'a`, `impl A`, `S: A + ?Sized`: the paths of the traits.
pub fn bounded<'b>(bounds: impl IntoIterator<Item = &'b syn::TypeParamBound>) -> TypeRepr {
    let traits = bounds
        .into_iter()
        .filter_map(|b| match b {
            syn::TypeParamBound::Trait(t) if matches!(t.modifier, syn::TraitBoundModifier::None) => {
                Some(path_type(&t.path))
            }
            _ => None,
        })
        .collect::<Vec<_>>();
    if traits.is_empty() {
        TypeRepr::Opaque
    } else {
        TypeRepr::Bounded(traits)
    }
}

/// The bounded type parameters of `generics` (`<S: Storage>`, `where S:
/// Storage`), each with its bounds: what a parameter written `S` is.
pub fn bounded_params(generics: &syn::Generics) -> Vec<(String, TypeRepr)> {
    let mut out: Vec<(String, Vec<&syn::TypeParamBound>)> =
        generics.type_params().map(|p| (p.ident.to_string(), p.bounds.iter().collect())).collect();
    for pred in generics.where_clause.iter().flat_map(|w| &w.predicates) {
        let syn::WherePredicate::Type(pt) = pred else { continue };
        let Type::Path(tp) = &pt.bounded_ty else { continue };
        let Some(id) = tp.path.get_ident() else { continue };
        if let Some((_, bounds)) = out.iter_mut().find(|(n, _)| id == n) {
            bounds.extend(pt.bounds.iter());
        }
    }
    out.into_iter()
        .filter_map(|(n, b)| match bounded(b) {
            TypeRepr::Opaque => None,
            t => Some((n, t)),
        })
        .collect()
}

/// `ty` with each generic parameter of `params` written alone (`S`, `&S`,
/// `Arc<S>`) replaced by what its bounds say it is.
pub fn with_params_bounded(ty: TypeRepr, params: &[(String, TypeRepr)]) -> TypeRepr {
    if params.is_empty() {
        return ty;
    }
    match ty {
        TypeRepr::Path { segments, args } => {
            if let ([one], true) = (segments.as_slice(), args.is_empty()) {
                if let Some((_, b)) = params.iter().find(|(n, _)| n == one) {
                    return b.clone();
                }
            }
            TypeRepr::Path { segments, args: args.into_iter().map(|a| with_params_bounded(a, params)).collect() }
        }
        TypeRepr::Ref(t) => TypeRepr::Ref(Box::new(with_params_bounded(*t, params))),
        TypeRepr::Slice(t) => TypeRepr::Slice(Box::new(with_params_bounded(*t, params))),
        TypeRepr::Tuple(ts) => TypeRepr::Tuple(ts.into_iter().map(|t| with_params_bounded(t, params)).collect()),
        t => t,
    }
}

pub fn path_type(path: &syn::Path) -> TypeRepr {
    let mut segments: Vec<String> = Vec::with_capacity(path.segments.len() + 1);
    if path.leading_colon.is_some() {
        segments.push(String::new());
    }
    segments.extend(path.segments.iter().map(|s| s.ident.to_string()));
    let args = path.segments.last().map(|s| generic_types(&s.arguments)).unwrap_or_default();
    TypeRepr::Path { segments, args }
}

fn generic_types(args: &PathArguments) -> Vec<TypeRepr> {
    match args {
        PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter_map(|a| match a {
                GenericArgument::Type(t) => Some(type_repr(t)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Path segments as strings (`::a::b` keeps an empty first segment).
pub fn path_segments(path: &syn::Path) -> Vec<String> {
    let mut out = Vec::with_capacity(path.segments.len() + 1);
    if path.leading_colon.is_some() {
        out.push(String::new());
    }
    out.extend(path.segments.iter().map(|s| s.ident.to_string()));
    out
}

/// For a constructor call path `a::Mutex::<T>::new`, the type it builds
/// (`a::Mutex<T>`), when the last segment looks like a constructor.
pub fn constructed_type(path: &syn::Path) -> Option<TypeRepr> {
    let n = path.segments.len();
    if n < 2 {
        return None;
    }
    let ctor = path.segments[n - 1].ident.to_string();
    if !is_constructor_name(&ctor) {
        return None;
    }
    let mut segments: Vec<String> = Vec::with_capacity(n);
    if path.leading_colon.is_some() {
        segments.push(String::new());
    }
    segments.extend(path.segments.iter().take(n - 1).map(|s| s.ident.to_string()));
    let args = generic_types(&path.segments[n - 2].arguments);
    Some(TypeRepr::Path { segments, args })
}

fn is_constructor_name(name: &str) -> bool {
    matches!(name, "new" | "const_new" | "default" | "new_with" | "from" | "with_capacity" | "with_value")
        || name.starts_with("new_")
        || name.starts_with("with_")
        || name.starts_with("const_new")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(s: &str) -> TypeRepr {
        TypeRepr::Path { segments: s.split("::").map(str::to_string).collect(), args: Vec::new() }
    }

    #[test]
    fn a_trait_object_and_an_impl_type_are_their_trait_bounds() {
        let ty: Type = syn::parse_quote!(&(dyn store::Storage + Send + 'static));
        assert_eq!(
            type_repr(&ty),
            TypeRepr::Ref(Box::new(TypeRepr::Bounded(vec![path("store::Storage"), path("Send")])))
        );
        let ty: Type = syn::parse_quote!(impl Storage);
        assert_eq!(type_repr(&ty), TypeRepr::Bounded(vec![path("Storage")]));
        let ty: Type = syn::parse_quote!(fn(u8) -> u8);
        assert_eq!(type_repr(&ty), TypeRepr::Opaque);
    }

    #[test]
    fn a_bounded_parameter_is_its_bounds_where_it_is_written_alone() {
        let item: syn::ItemFn = syn::parse_quote! {
            fn f<S: Storage, T, U: ?Sized>(s: &S, t: T, u: Arc<U>, v: Vec<S::Item>) where U: Cache {}
        };
        let params = bounded_params(&item.sig.generics);
        assert_eq!(
            params,
            vec![
                ("S".to_string(), TypeRepr::Bounded(vec![path("Storage")])),
                ("U".to_string(), TypeRepr::Bounded(vec![path("Cache")]))
            ]
        );
        let arg = |i: usize| match &item.sig.inputs[i] {
            syn::FnArg::Typed(pt) => with_params_bounded(type_repr(&pt.ty), &params),
            syn::FnArg::Receiver(_) => unreachable!(),
        };
        assert_eq!(arg(0), TypeRepr::Ref(Box::new(TypeRepr::Bounded(vec![path("Storage")]))));
        assert_eq!(arg(1), path("T"));
        assert_eq!(
            arg(2),
            TypeRepr::Path { segments: vec!["Arc".into()], args: vec![TypeRepr::Bounded(vec![path("Cache")])] }
        );
        // `S::Item` is another type.
        assert_eq!(arg(3), TypeRepr::Path { segments: vec!["Vec".into()], args: vec![path("S::Item")] });
    }
}
