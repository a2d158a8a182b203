//! Macros: `select!` and `join!` await; `assert!`'s condition is a
//! temporary scope; other macros' arguments are lowered when they parse as
//! expressions, and their `.await`s found in the tokens when they do not.

use syn::Expr;

use super::*;

impl Lowerer<'_, '_> {
    // ----- macros -----

    pub(super) fn macro_call(&mut self, mac: &syn::Macro) {
        let path = path_segments(&mac.path);
        let name = path.last().cloned().unwrap_or_default();
        let span = self.items.spans.between(
            mac.path.segments.first().map_or_else(proc_macro2::Span::call_site, |s| s.ident.span()),
            mac.delimiter.span().close(),
        );
        match name.as_str() {
            "select" | "select_biased" => self.select_macro(mac, span),
            "join" | "try_join" => {
                match parse_exprs.parse2(mac.tokens.clone()) {
                    Ok(exprs) => {
                        for e in &exprs {
                            self.lower_expr(e);
                        }
                    }
                    Err(_) => self.scan_awaits(mac.tokens.clone()),
                }
                self.record_await(span, AwaitKind::Join);
            }
            _ => {
                self.macro_args(mac);
                if is_diverging_macro(&name) {
                    self.leave_function();
                }
            }
        }
        self.record_call(span, Callee::Macro(path), std::iter::empty(), false);
    }

    /// Lowers a function-like macro's arguments when they are expressions
    /// (`assert_eq!(f().await, 1)`, `format!`, `vec!`); otherwise finds the
    /// `.await`s in its tokens.
    pub(super) fn macro_args(&mut self, mac: &syn::Macro) {
        if let Ok(exprs) = parse_exprs.parse2(mac.tokens.clone()) {
            let mut exprs = exprs.iter();
            let name = mac.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
            if matches!(name.as_str(), "assert" | "debug_assert") {
                // `assert!(c, ..)` is `if !c { panic!(..) }`: the condition's
                // temporaries are gone before the message is formatted.
                if let Some(cond) = exprs.next() {
                    self.push_scope(ScopeKind::Temp(TempScope::Condition));
                    self.lower_expr(cond);
                    self.pop_scope(None);
                }
            }
            for e in exprs {
                // `format!("{x}", x = v)`: a named argument, not an assignment.
                match e {
                    Expr::Assign(a) => self.lower_expr(&a.right),
                    e => self.lower_expr(e),
                };
            }
            return;
        }
        if let Ok((a, b)) = parse_repeat.parse2(mac.tokens.clone()) {
            self.lower_expr(&a);
            self.lower_expr(&b);
            return;
        }
        self.scan_awaits(mac.tokens.clone());
    }

    pub(super) fn select_macro(&mut self, mac: &syn::Macro, span: Span) {
        let Ok(branches) = parse_select.parse2(mac.tokens.clone()) else {
            self.scan_awaits(mac.tokens.clone());
            self.record_await(span, AwaitKind::Select);
            return;
        };
        for b in &branches {
            if let Some(f) = &b.future {
                let at = self.span_expr(strip(f));
                let saved = self.await_operand.replace(at);
                self.lower_expr(f);
                self.await_operand = saved;
                if let Some(call) = self.call_at(at) {
                    call.as_future = true;
                }
            }
        }
        self.record_await(span, AwaitKind::Select);
        let entry = self.cur;
        let mut ends = vec![entry];
        for b in &branches {
            self.cur = entry;
            self.goto_new();
            self.push_scope(ScopeKind::Block);
            if let Some(p) = &b.pat {
                self.declare_pat(p, false);
            }
            self.push_scope(ScopeKind::Temp(TempScope::Statement));
            self.lower_expr(&b.handler);
            self.pop_scope(None);
            self.pop_scope(Some(span));
            ends.push(self.cur);
        }
        let join = self.ir.new_block();
        for b in ends {
            self.ir.edge(b, join);
        }
        self.cur = join;
    }

    /// Records every `.await` found in unparsed macro tokens.
    pub(super) fn scan_awaits(&mut self, tokens: proc_macro2::TokenStream) {
        use proc_macro2::TokenTree;
        let mut prev_dot = false;
        for tt in tokens {
            match &tt {
                TokenTree::Group(g) => {
                    self.scan_awaits(g.stream());
                    prev_dot = false;
                }
                TokenTree::Punct(p) => prev_dot = p.as_char() == '.',
                TokenTree::Ident(i) => {
                    if prev_dot && i == "await" {
                        self.record_await(self.items.spans.of(i.span()), AwaitKind::Await);
                    }
                    prev_dot = false;
                }
                TokenTree::Literal(_) => prev_dot = false,
            }
        }
    }
}
