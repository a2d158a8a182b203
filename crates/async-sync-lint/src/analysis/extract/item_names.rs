//! The named items of a file and their lines: what a baseline key calls the
//! item enclosing a finding. Functions, impls (and their methods), traits
//! (and their methods) and inline modules, nested names joined by `::`;
//! items inside function bodies or macros are not named.
//!
//! The names are part of every stored baseline: changing their form makes
//! old baselines stop matching.

use proc_macro2::Span;
use quote::ToTokens;

use super::spans::SpanMap;
use crate::analysis::facts::NamedItem;

/// Appends the named items among `items` (and inside their modules).
pub fn named_items(items: &[syn::Item], spans: &SpanMap<'_>, out: &mut Vec<NamedItem>) {
    walk(items, "", spans, out);
}

/// From the first outer attribute (or `first` when there is none) to
/// `last`. Not `Spanned::span`, which re-tokenizes the whole item: on a
/// huge file that is the whole file, once per nesting level.
fn push(
    out: &mut Vec<NamedItem>,
    spans: &SpanMap<'_>,
    attrs: &[syn::Attribute],
    first: Span,
    last: Span,
    name: String,
) {
    let first = attrs.iter().find(|a| matches!(a.style, syn::AttrStyle::Outer)).map_or(first, |a| a.pound_token.span);
    let s = spans.between(first, last);
    out.push(NamedItem { first_line: s.line, last_line: s.end_line, name });
}

/// The first token of an item: its visibility, or else `fallback`.
fn first_token(vis: &syn::Visibility, fallback: Span) -> Span {
    match vis {
        syn::Visibility::Public(p) => p.span,
        syn::Visibility::Restricted(r) => r.pub_token.span,
        syn::Visibility::Inherited => fallback,
    }
}

/// The first token of a signature (`const`, `async`, `unsafe`, `extern`
/// or `fn`).
fn sig_start(sig: &syn::Signature) -> Span {
    let abi = sig.abi.as_ref().map(|a| a.extern_token.span);
    [sig.constness.map(|t| t.span), sig.asyncness.map(|t| t.span), sig.unsafety.map(|t| t.span), abi]
        .into_iter()
        .flatten()
        .next()
        .unwrap_or(sig.fn_token.span)
}

/// Tokens as text without spaces: `Wrapper<T>`, `std::fmt::Display`.
fn compact(tokens: &impl ToTokens) -> String {
    tokens.to_token_stream().to_string().replace(' ', "")
}

fn walk(items: &[syn::Item], prefix: &str, spans: &SpanMap<'_>, out: &mut Vec<NamedItem>) {
    let join = |name: String| if prefix.is_empty() { name } else { format!("{prefix}::{name}") };
    for item in items {
        match item {
            syn::Item::Fn(f) => {
                let first = first_token(&f.vis, sig_start(&f.sig));
                let name = join(format!("fn {}", f.sig.ident));
                push(out, spans, &f.attrs, first, f.block.brace_token.span.close(), name);
            }
            syn::Item::Mod(m) => {
                if let Some((brace, inner)) = &m.content {
                    let name = join(format!("mod {}", m.ident));
                    let first = first_token(&m.vis, m.unsafety.map_or(m.mod_token.span, |t| t.span));
                    push(out, spans, &m.attrs, first, brace.span.close(), name.clone());
                    walk(inner, &name, spans, out);
                }
            }
            syn::Item::Impl(i) => {
                let ty = compact(&i.self_ty);
                let name = match &i.trait_ {
                    Some((_, path, _)) => join(format!("impl {} for {ty}", compact(path))),
                    None => join(format!("impl {ty}")),
                };
                let first = [i.defaultness.map(|t| t.span), i.unsafety.map(|t| t.span)]
                    .into_iter()
                    .flatten()
                    .next()
                    .unwrap_or(i.impl_token.span);
                push(out, spans, &i.attrs, first, i.brace_token.span.close(), name.clone());
                for ii in &i.items {
                    if let syn::ImplItem::Fn(f) = ii {
                        let first = [f.defaultness.map(|t| t.span)].into_iter().flatten().next();
                        let first = first_token(&f.vis, first.unwrap_or_else(|| sig_start(&f.sig)));
                        let fn_name = format!("{name}::fn {}", f.sig.ident);
                        push(out, spans, &f.attrs, first, f.block.brace_token.span.close(), fn_name);
                    }
                }
            }
            syn::Item::Trait(t) => {
                let name = join(format!("trait {}", t.ident));
                let first = [t.unsafety.map(|k| k.span), t.auto_token.map(|k| k.span)]
                    .into_iter()
                    .flatten()
                    .next()
                    .unwrap_or(t.trait_token.span);
                let first = first_token(&t.vis, first);
                push(out, spans, &t.attrs, first, t.brace_token.span.close(), name.clone());
                for ti in &t.items {
                    if let syn::TraitItem::Fn(f) = ti {
                        let last = match (&f.default, &f.semi_token) {
                            (Some(block), _) => block.brace_token.span.close(),
                            (None, Some(semi)) => semi.span,
                            (None, None) => f.sig.ident.span(),
                        };
                        let fn_name = format!("{name}::fn {}", f.sig.ident);
                        push(out, spans, &f.attrs, sig_start(&f.sig), last, fn_name);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::source::LineIndex;
    use syn::spanned::Spanned;

    fn named(text: &str) -> Vec<NamedItem> {
        let body = text.strip_prefix('\u{feff}').unwrap_or(text);
        let offset = (text.len() - body.len()) as u32;
        let file = syn::parse_file(body).expect("parses");
        let spans = SpanMap { lines: LineIndex::new(text), offset, line_base: 0 };
        let mut out = Vec::new();
        named_items(&file.items, &spans, &mut out);
        out
    }

    #[test]
    fn items_are_named_and_nested() {
        let text = "mod a {\n    struct S;\n    impl S {\n        async fn get(&self) {\n            x();\n        }\n    }\n}\nfn top() {}\n";
        let items = named(text);
        let names: Vec<&str> = items.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["mod a", "mod a::impl S", "mod a::impl S::fn get", "fn top"]);
        assert_eq!(items[2].first_line..=items[2].last_line, 4..=6);
    }

    /// The walk the baseline did before the names became facts, kept as it
    /// was: stored baselines hold the names it gave.
    fn former_item_ranges(text: &str) -> Vec<(u32, u32, String)> {
        fn range(s: proc_macro2::Span) -> (u32, u32) {
            (s.start().line as u32, s.end().line as u32)
        }
        fn walk_items(items: &[syn::Item], prefix: &str, out: &mut Vec<(u32, u32, String)>) {
            let join = |name: String| if prefix.is_empty() { name } else { format!("{prefix}::{name}") };
            for item in items {
                match item {
                    syn::Item::Fn(f) => {
                        let (lo, hi) = range(f.span());
                        out.push((lo, hi, join(format!("fn {}", f.sig.ident))));
                    }
                    syn::Item::Mod(m) => {
                        let name = join(format!("mod {}", m.ident));
                        if let Some((_, inner)) = &m.content {
                            let (lo, hi) = range(m.span());
                            out.push((lo, hi, name.clone()));
                            walk_items(inner, &name, out);
                        }
                    }
                    syn::Item::Impl(i) => {
                        let ty = quote::ToTokens::to_token_stream(&i.self_ty).to_string().replace(' ', "");
                        let name = match &i.trait_ {
                            Some((_, path, _)) => {
                                let tr = quote::ToTokens::to_token_stream(path).to_string().replace(' ', "");
                                join(format!("impl {tr} for {ty}"))
                            }
                            None => join(format!("impl {ty}")),
                        };
                        let (lo, hi) = range(i.span());
                        out.push((lo, hi, name.clone()));
                        for ii in &i.items {
                            if let syn::ImplItem::Fn(f) = ii {
                                let (lo, hi) = range(f.span());
                                out.push((lo, hi, format!("{name}::fn {}", f.sig.ident)));
                            }
                        }
                    }
                    syn::Item::Trait(t) => {
                        let name = join(format!("trait {}", t.ident));
                        let (lo, hi) = range(t.span());
                        out.push((lo, hi, name.clone()));
                        for ti in &t.items {
                            if let syn::TraitItem::Fn(f) = ti {
                                let (lo, hi) = range(f.span());
                                out.push((lo, hi, format!("{name}::fn {}", f.sig.ident)));
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        let body = text.strip_prefix('\u{feff}').unwrap_or(text);
        let file = syn::parse_file(body).expect("parses");
        let mut out = Vec::new();
        walk_items(&file.items, "", &mut out);
        out
    }

    #[test]
    fn names_and_lines_are_those_stored_baselines_hold() {
        let text = "\u{feff}//! Crate.\nuse std::fmt;\n\n/// Docs.\n#[derive(Debug)]\npub mod outer {\n    pub mod inner {\n        pub struct W<T>(T);\n        impl<T: Clone> fmt::Display for W<T> {\n            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {\n                let é = 'é';\n                write!(f, \"{é}\")\n            }\n        }\n        impl<T> W<Vec<T>> {\n            /// Outer docs count.\n            pub async fn get(&self) {\n                fn nested() {}\n            }\n        }\n    }\n    pub trait Store {\n        fn load(&self);\n        async fn save(&self) {\n            x();\n        }\n    }\n}\n\nfn top() {}\npub(crate) const unsafe fn c() {\n    #![allow(unused)]\n}\n#[cfg(any())]\nunsafe impl Send for X {\n    #[inline]\n    pub(super) extern \"C\" fn e() {}\n}\ntrait T {\n    /// Doc.\n    #[allow(unused)]\n    unsafe fn u()\n    ;\n}\nmacro_rules! m { () => { fn hidden() {} } }\nmod declared;\n";
        let new: Vec<(u32, u32, String)> =
            named(text).into_iter().map(|i| (i.first_line, i.last_line, i.name)).collect();
        assert_eq!(new, former_item_ranges(text));
        let names: Vec<&str> = new.iter().map(|(_, _, n)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "mod outer",
                "mod outer::mod inner",
                "mod outer::mod inner::impl fmt::Display for W<T>",
                "mod outer::mod inner::impl fmt::Display for W<T>::fn fmt",
                "mod outer::mod inner::impl W<Vec<T>>",
                "mod outer::mod inner::impl W<Vec<T>>::fn get",
                "mod outer::trait Store",
                "mod outer::trait Store::fn load",
                "mod outer::trait Store::fn save",
                "fn top",
                "fn c",
                "impl Send for X",
                "impl Send for X::fn e",
                "trait T",
                "trait T::fn u",
            ]
        );
        // Doc comments and attributes belong to their item.
        assert_eq!((new[0].0, new[5].0), (4, 16));
    }
}
