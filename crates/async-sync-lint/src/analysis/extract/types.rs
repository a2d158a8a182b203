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
        _ => TypeRepr::Opaque,
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
