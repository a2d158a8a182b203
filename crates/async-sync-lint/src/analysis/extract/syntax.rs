//! Small syntactic helpers of the lowering: pattern names, capture sets,
//! the token-level parsers of `select!` and friends.

use std::collections::HashSet;

use proc_macro2::{TokenStream, TokenTree};
use syn::parse::ParseStream;
use syn::punctuated::Punctuated;
use syn::{Block, Expr, Pat, Token};

use crate::diagnostic::Span;

pub(super) fn strip(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip(&p.expr),
        Expr::Group(g) => strip(&g.expr),
        _ => e,
    }
}

/// The value a place expression projects from, through derefs, fields
/// and indexes (`*g`, `g.f`, `g[0]` → `g`), parentheses stripped.
pub(super) fn projection_base(e: &Expr) -> &Expr {
    match strip(e) {
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => projection_base(&u.expr),
        Expr::Field(f) => projection_base(&f.base),
        Expr::Index(i) => projection_base(&i.expr),
        base => base,
    }
}

/// Does a condition contain `let` (an `if let`/`while let`, or a let chain)?
pub(super) fn has_let(e: &Expr) -> bool {
    match e {
        Expr::Let(_) => true,
        Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => has_let(&b.left) || has_let(&b.right),
        Expr::Paren(p) => has_let(&p.expr),
        _ => false,
    }
}

pub(super) fn let_names(e: &Expr, out: &mut Vec<(String, Span)>) {
    match e {
        Expr::Let(l) => pat_names(&l.pat, out),
        Expr::Binary(b) => {
            let_names(&b.left, out);
            let_names(&b.right, out);
        }
        _ => {}
    }
}

/// `Err(..)`, `None`, or an or-pattern of them: the failed `try_*` case.
pub(super) fn is_failure_pat(p: &Pat) -> bool {
    match p {
        Pat::TupleStruct(t) => t.path.segments.last().is_some_and(|s| s.ident == "Err"),
        Pat::Ident(i) => i.ident == "None" && i.subpat.is_none(),
        Pat::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == "None"),
        Pat::Or(o) => o.cases.iter().all(is_failure_pat),
        Pat::Paren(p) => is_failure_pat(&p.pat),
        _ => false,
    }
}

/// `Ok(..)` / `Some(..)`: the pattern of a successful `try_*`.
pub(super) fn is_success_pat(p: &Pat) -> bool {
    match p {
        Pat::TupleStruct(t) => t.path.segments.last().is_some_and(|s| s.ident == "Ok" || s.ident == "Some"),
        Pat::Paren(p) => is_success_pat(&p.pat),
        _ => false,
    }
}

/// Names bound by a pattern. Spans are left default: only the first binding
/// of a `let` needs one, and the caller has it.
pub(super) fn pat_names(p: &Pat, out: &mut Vec<(String, Span)>) {
    match p {
        Pat::Ident(i) => {
            out.push((i.ident.to_string(), Span::default()));
            if let Some((_, sub)) = &i.subpat {
                pat_names(sub, out);
            }
        }
        Pat::Tuple(t) => t.elems.iter().for_each(|p| pat_names(p, out)),
        Pat::TupleStruct(t) => t.elems.iter().for_each(|p| pat_names(p, out)),
        Pat::Struct(s) => s.fields.iter().for_each(|f| pat_names(&f.pat, out)),
        Pat::Slice(s) => s.elems.iter().for_each(|p| pat_names(p, out)),
        Pat::Or(o) => {
            if let Some(first) = o.cases.first() {
                pat_names(first, out);
            }
        }
        Pat::Reference(r) => pat_names(&r.pat, out),
        Pat::Type(t) => pat_names(&t.pat, out),
        Pat::Paren(p) => pat_names(&p.pat, out),
        _ => {}
    }
}

/// The local an argument hands on: `x`, `&x`, `x.clone()`,
/// `Arc::clone(&x)` (or `Rc::clone`).
pub(super) fn handed_local(e: &Expr) -> Option<String> {
    match strip(e) {
        Expr::Path(p) if p.qself.is_none() => p.path.get_ident().map(|i| i.to_string()),
        Expr::Reference(r) => handed_local(&r.expr),
        Expr::MethodCall(m) if m.method == "clone" && m.args.is_empty() => handed_local(&m.receiver),
        Expr::Call(c) => match (&*c.func, c.args.len()) {
            (Expr::Path(p), 1) if p.path.segments.len() == 2 && p.path.segments[1].ident == "clone" => {
                matches!(p.path.segments[0].ident.to_string().as_str(), "Arc" | "Rc")
                    .then(|| handed_local(&c.args[0]))?
            }
            _ => None,
        },
        _ => None,
    }
}

/// Single-segment identifiers used in an expression (a cheap capture set).
pub(super) fn used_idents(e: &Expr) -> HashSet<String> {
    let mut v = IdentCollector::default();
    syn::visit::Visit::visit_expr(&mut v, e);
    v.0
}

/// An expression that only computes a value from its parts: operators,
/// field and index access, calls, `?`. No `.await`, branch, loop, block,
/// closure or macro, whose result may come from elsewhere than the names
/// it mentions (`match load().await { Ok(v) => v, Err(_) if old.is_empty() => … }`).
pub(super) fn is_plain_value(e: &Expr) -> bool {
    match e {
        Expr::Lit(_) | Expr::Path(_) => true,
        Expr::Binary(b) => is_plain_value(&b.left) && is_plain_value(&b.right),
        Expr::Unary(u) => is_plain_value(&u.expr),
        Expr::Paren(p) => is_plain_value(&p.expr),
        Expr::Group(g) => is_plain_value(&g.expr),
        Expr::Cast(c) => is_plain_value(&c.expr),
        Expr::Field(f) => is_plain_value(&f.base),
        Expr::Reference(r) => is_plain_value(&r.expr),
        Expr::Try(t) => is_plain_value(&t.expr),
        Expr::Index(i) => is_plain_value(&i.expr) && is_plain_value(&i.index),
        Expr::MethodCall(m) => is_plain_value(&m.receiver) && m.args.iter().all(is_plain_value),
        Expr::Call(c) => is_plain_value(&c.func) && c.args.iter().all(is_plain_value),
        Expr::Tuple(t) => t.elems.iter().all(is_plain_value),
        Expr::Array(a) => a.elems.iter().all(is_plain_value),
        _ => false,
    }
}

pub(super) fn used_idents_block(b: &Block) -> HashSet<String> {
    let mut v = IdentCollector::default();
    syn::visit::Visit::visit_block(&mut v, b);
    v.0
}

#[derive(Default)]
struct IdentCollector(HashSet<String>);

impl<'ast> syn::visit::Visit<'ast> for IdentCollector {
    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if p.path.segments.len() == 1 {
            self.0.insert(p.path.segments[0].ident.to_string());
        }
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        collect_token_idents(m.tokens.clone(), &mut self.0);
    }
}

pub(super) fn collect_token_idents(ts: TokenStream, out: &mut HashSet<String>) {
    for tt in ts {
        match tt {
            TokenTree::Ident(i) => {
                out.insert(i.to_string());
            }
            TokenTree::Group(g) => collect_token_idents(g.stream(), out),
            _ => {}
        }
    }
}

pub(super) fn parse_exprs(input: ParseStream) -> syn::Result<Punctuated<Expr, Token![,]>> {
    Punctuated::parse_terminated(input)
}

pub(super) fn parse_repeat(input: ParseStream) -> syn::Result<(Expr, Expr)> {
    let a: Expr = input.parse()?;
    let _: Token![;] = input.parse()?;
    let b: Expr = input.parse()?;
    Ok((a, b))
}

/// One branch of `select!`: `pat = future (, if cond)? => handler`, or
/// `else => handler` / `default => handler` / `complete => handler`.
pub(super) struct SelectBranch {
    pub pat: Option<Pat>,
    pub future: Option<Expr>,
    pub handler: Expr,
}

pub(super) fn parse_select(input: ParseStream) -> syn::Result<Vec<SelectBranch>> {
    let mut out = Vec::new();
    if input.peek(syn::Ident) && input.fork().parse::<syn::Ident>().is_ok_and(|i| i == "biased") {
        let _: syn::Ident = input.parse()?;
        let _: Token![;] = input.parse()?;
    }
    while !input.is_empty() {
        let (pat, future) = if input.peek(Token![else]) {
            let _: Token![else] = input.parse()?;
            (None, None)
        } else if (input.peek(syn::Ident) && input.peek2(Token![=>]))
            && input.fork().parse::<syn::Ident>().is_ok_and(|i| i == "default" || i == "complete")
        {
            let _: syn::Ident = input.parse()?;
            (None, None)
        } else {
            let pat = Pat::parse_multi(input)?;
            let _: Token![=] = input.parse()?;
            let fut = Expr::parse_without_eager_brace(input)?;
            if input.peek(Token![,]) && input.peek2(Token![if]) {
                let _: Token![,] = input.parse()?;
                let _: Token![if] = input.parse()?;
                let _: Expr = input.parse()?;
            }
            (Some(pat), Some(fut))
        };
        let _: Token![=>] = input.parse()?;
        let handler: Expr = input.parse()?;
        if input.peek(Token![,]) {
            let _: Token![,] = input.parse()?;
        }
        out.push(SelectBranch { pat, future, handler });
    }
    Ok(out)
}

pub(super) fn is_compound_assign(op: &syn::BinOp) -> bool {
    use syn::BinOp::*;
    matches!(
        op,
        AddAssign(_)
            | SubAssign(_)
            | MulAssign(_)
            | DivAssign(_)
            | RemAssign(_)
            | BitXorAssign(_)
            | BitAndAssign(_)
            | BitOrAssign(_)
            | ShlAssign(_)
            | ShrAssign(_)
    )
}

/// The call whose result a `let` initializer binds, seen through adapters
/// (`let n = x.load(o);`, `let v = map.get(&k).cloned();`, `.await`, `?`).
pub(super) fn bound_call(e: &Expr) -> Option<&Expr> {
    match e {
        Expr::Paren(p) => bound_call(&p.expr),
        Expr::Group(g) => bound_call(&g.expr),
        Expr::Try(t) => bound_call(&t.expr),
        Expr::Await(a) => bound_call(&a.base).or(Some(e)),
        Expr::Unary(u) => bound_call(&u.expr),
        Expr::Cast(c) => bound_call(&c.expr),
        Expr::Reference(r) => bound_call(&r.expr),
        Expr::MethodCall(m)
            if matches!(
                m.method.to_string().as_str(),
                "unwrap"
                    | "expect"
                    | "clone"
                    | "cloned"
                    | "copied"
                    | "unwrap_or"
                    | "unwrap_or_default"
                    | "unwrap_or_else"
                    | "is_some"
                    | "is_none"
                    | "is_ok"
                    | "is_err"
                    | "to_owned"
                    | "to_string"
                    | "ok"
            ) =>
        {
            bound_call(&m.receiver).or(Some(e))
        }
        Expr::MethodCall(_) | Expr::Call(_) => Some(e),
        _ => None,
    }
}
