//! Cheap spans. `syn::spanned::Spanned` re-tokenizes a whole expression to
//! find its extent, which is quadratic on deep code; these helpers find the
//! first and last token by walking the leftmost / rightmost child instead.

use proc_macro2::Span as PmSpan;
use syn::spanned::Spanned;
use syn::Expr;

use crate::diagnostic::Span;
use crate::input::source::LineIndex;

pub struct SpanMap<'a> {
    pub lines: LineIndex<'a>,
    /// Bytes the parser did not see at the start of the file (a BOM).
    pub offset: u32,
    /// Lines of the file before the text the parser saw (a chunk of a huge
    /// file starts at a line start, so columns need no shift).
    pub line_base: usize,
}

impl SpanMap<'_> {
    pub fn between(&self, lo: PmSpan, hi: PmSpan) -> Span {
        // Line/column positions, not `byte_range`: the parser keeps
        // character offsets, and turning one into a byte offset costs a
        // map lookup and insert per call (6 % of a run, measured).
        let (lo, hi) = (lo.start(), hi.end());
        let base = self.line_base;
        self.lines.span_of_positions((lo.line + base, lo.column), (hi.line + base, hi.column), self.offset)
    }

    pub fn of(&self, s: PmSpan) -> Span {
        self.between(s, s)
    }

    pub fn expr(&self, e: &Expr) -> Span {
        self.between(first(e), last(e))
    }
}

/// The span of an expression's first token.
pub fn first(e: &Expr) -> PmSpan {
    match e {
        Expr::MethodCall(m) => first(&m.receiver),
        Expr::Field(f) => first(&f.base),
        Expr::Await(a) => first(&a.base),
        Expr::Try(t) => first(&t.expr),
        Expr::Index(i) => first(&i.expr),
        Expr::Call(c) => first(&c.func),
        Expr::Binary(b) => first(&b.left),
        Expr::Cast(c) => first(&c.expr),
        Expr::Assign(a) => first(&a.left),
        Expr::Path(p) => match &p.qself {
            Some(q) => q.lt_token.span,
            None => match &p.path.leading_colon {
                Some(c) => c.spans[0],
                None => p.path.segments.first().map_or_else(PmSpan::call_site, |s| s.ident.span()),
            },
        },
        Expr::Lit(l) => l.lit.span(),
        Expr::Paren(p) => p.paren_token.span.open(),
        Expr::Reference(r) => r.and_token.span,
        Expr::Unary(u) => u.op.span(),
        Expr::Macro(m) => m.mac.path.segments.first().map_or_else(PmSpan::call_site, |s| s.ident.span()),
        Expr::Block(b) => b.block.brace_token.span.open(),
        Expr::Return(r) => r.return_token.span,
        Expr::Tuple(t) => t.paren_token.span.open(),
        Expr::Array(a) => a.bracket_token.span.open(),
        // Compound expressions that nest without brackets (`else if`
        // chains, closures returning closures, `return return x`) must not
        // fall back to `Spanned`, which re-tokenizes all of them: quadratic.
        Expr::If(i) => attrs_or(&i.attrs, i.if_token.span),
        Expr::Closure(c) => attrs_or(&c.attrs, closure_first(c)),
        Expr::Let(l) => attrs_or(&l.attrs, l.let_token.span),
        Expr::Match(m) => attrs_or(&m.attrs, m.match_token.span),
        Expr::Unsafe(u) => attrs_or(&u.attrs, u.unsafe_token.span),
        Expr::Async(a) => attrs_or(&a.attrs, a.async_token.span),
        Expr::Break(b) => attrs_or(&b.attrs, b.break_token.span),
        Expr::Continue(c) => attrs_or(&c.attrs, c.continue_token.span),
        Expr::Yield(y) => attrs_or(&y.attrs, y.yield_token.span),
        Expr::Loop(l) => attrs_or(&l.attrs, l.label.as_ref().map_or(l.loop_token.span, |x| x.name.apostrophe)),
        Expr::While(w) => attrs_or(&w.attrs, w.label.as_ref().map_or(w.while_token.span, |x| x.name.apostrophe)),
        Expr::ForLoop(f) => attrs_or(&f.attrs, f.label.as_ref().map_or(f.for_token.span, |x| x.name.apostrophe)),
        Expr::Range(r) if r.attrs.is_empty() => match &r.start {
            Some(s) => first(s),
            None => range_limits(&r.limits).0,
        },
        _ => e.span(),
    }
}

/// The first outer attribute's `#`, else `s`: where `Spanned` would start.
fn attrs_or(attrs: &[syn::Attribute], s: PmSpan) -> PmSpan {
    attrs.first().map_or(s, |a| a.pound_token.span)
}

fn closure_first(c: &syn::ExprClosure) -> PmSpan {
    if let Some(l) = &c.lifetimes {
        return l.for_token.span;
    }
    if let Some(t) = &c.constness {
        return t.span;
    }
    if let Some(t) = &c.movability {
        return t.span;
    }
    if let Some(t) = &c.asyncness {
        return t.span;
    }
    if let Some(t) = &c.capture {
        return t.span;
    }
    c.or1_token.span
}

/// The first and last token of `..` / `..=`.
fn range_limits(l: &syn::RangeLimits) -> (PmSpan, PmSpan) {
    match l {
        syn::RangeLimits::HalfOpen(t) => (t.spans[0], t.spans[1]),
        syn::RangeLimits::Closed(t) => (t.spans[0], t.spans[2]),
    }
}

/// The span of an expression's last token.
pub fn last(e: &Expr) -> PmSpan {
    match e {
        Expr::MethodCall(m) => m.paren_token.span.close(),
        Expr::Field(f) => f.member.span(),
        Expr::Await(a) => a.await_token.span,
        Expr::Try(t) => t.question_token.span,
        Expr::Index(i) => i.bracket_token.span.close(),
        Expr::Call(c) => c.paren_token.span.close(),
        Expr::Binary(b) => last(&b.right),
        Expr::Assign(a) => last(&a.right),
        Expr::Path(p) => p.path.segments.last().map_or_else(PmSpan::call_site, |s| s.ident.span()),
        Expr::Lit(l) => l.lit.span(),
        Expr::Paren(p) => p.paren_token.span.close(),
        Expr::Reference(r) => last(&r.expr),
        Expr::Unary(u) => last(&u.expr),
        Expr::Macro(m) => m.mac.delimiter.span().close(),
        Expr::Block(b) => b.block.brace_token.span.close(),
        Expr::Tuple(t) => t.paren_token.span.close(),
        Expr::Array(a) => a.bracket_token.span.close(),
        Expr::Struct(s) => s.brace_token.span.close(),
        Expr::Match(m) => m.brace_token.span.close(),
        Expr::If(i) => match &i.else_branch {
            Some((_, e)) => last(e),
            None => i.then_branch.brace_token.span.close(),
        },
        Expr::Closure(c) => last(&c.body),
        Expr::Let(l) => last(&l.expr),
        Expr::Return(r) => r.expr.as_deref().map_or(r.return_token.span, last),
        Expr::Break(b) => match (&b.expr, &b.label) {
            (Some(e), _) => last(e),
            (None, Some(l)) => l.ident.span(),
            (None, None) => b.break_token.span,
        },
        Expr::Yield(y) => y.expr.as_deref().map_or(y.yield_token.span, last),
        Expr::Range(r) => r.end.as_deref().map_or_else(|| range_limits(&r.limits).1, last),
        Expr::Unsafe(u) => u.block.brace_token.span.close(),
        Expr::Async(a) => a.block.brace_token.span.close(),
        Expr::Loop(l) => l.body.brace_token.span.close(),
        Expr::While(w) => w.body.brace_token.span.close(),
        Expr::ForLoop(f) => f.body.brace_token.span.close(),
        _ => e.span(),
    }
}
