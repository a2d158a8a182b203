//! Before a function is lowered: does it acquire anything at all? Most
//! functions do not, and then only the calls rules ask for by name are
//! recorded.

use std::collections::HashSet;

use syn::Block;

use super::*;

/// Does the function acquire anywhere (a method that may return a guard,
/// in code or in macro arguments)? If not, no guard can be live in it or in
/// the bodies nested in it, and calls made for no other reason need not be
/// recorded.
pub fn may_acquire(block: &Block, guard_fns: &HashSet<String>, guard_path_fns: &HashSet<String>) -> bool {
    struct Finder<'g> {
        guard_fns: &'g HashSet<String>,
        guard_path_fns: &'g HashSet<String>,
        found: bool,
    }
    impl Finder<'_> {
        fn name(&mut self, name: String) {
            if is_acquire_method(&name) || self.guard_fns.contains(&name) || self.guard_path_fns.contains(&name) {
                self.found = true;
            }
        }
        fn tokens(&mut self, ts: proc_macro2::TokenStream) {
            for tt in ts {
                match tt {
                    proc_macro2::TokenTree::Ident(i) => self.name(i.to_string()),
                    proc_macro2::TokenTree::Group(g) => self.tokens(g.stream()),
                    _ => {}
                }
                if self.found {
                    return;
                }
            }
        }
    }
    impl<'ast> syn::visit::Visit<'ast> for Finder<'_> {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            self.name(m.method.to_string());
            if !self.found {
                syn::visit::visit_expr_method_call(self, m);
            }
        }
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            if let syn::Expr::Path(p) = &*c.func {
                if p.path.segments.last().is_some_and(|s| self.guard_path_fns.contains(&s.ident.to_string())) {
                    self.found = true;
                }
            }
            if !self.found {
                syn::visit::visit_expr_call(self, c);
            }
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            self.tokens(m.tokens.clone());
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {
            // Items nested in the body are functions of their own.
        }
    }
    let mut f = Finder { guard_fns, guard_path_fns, found: false };
    syn::visit::Visit::visit_block(&mut f, block);
    f.found
}
