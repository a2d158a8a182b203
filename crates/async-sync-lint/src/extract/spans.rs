//! Cheap spans. `syn::spanned::Spanned` re-tokenizes a whole expression to
//! find its extent, which is quadratic on deep code; these helpers find the
//! first and last token by walking the leftmost / rightmost child instead.

use proc_macro2::Span as PmSpan;
use syn::spanned::Spanned;
use syn::Expr;

use crate::diagnostic::Span;
use crate::source::LineIndex;

pub struct SpanMap<'a> {
    pub lines: LineIndex<'a>,
    /// Bytes the parser did not see at the start of the file (a BOM).
    pub offset: u32,
}

impl SpanMap<'_> {
    pub fn between(&self, lo: PmSpan, hi: PmSpan) -> Span {
        let lo = lo.byte_range().start as u32 + self.offset;
        let hi = (hi.byte_range().end as u32 + self.offset).max(lo);
        self.lines.span(lo, hi)
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
        _ => e.span(),
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
        _ => e.span(),
    }
}
