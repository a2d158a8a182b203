//! Blocks, statements and `let`s: where temporaries end, what a binding
//! holds, and which initializers extend a guard's life.

use syn::{Block, Expr};

use super::*;

impl Lowerer<'_, '_> {
    /// Lowers a block in its own scope; returns the slot holding the
    /// block's value (owned by the enclosing temporary scope), if any.
    pub(super) fn lower_block(&mut self, block: &Block) -> Option<SlotId> {
        let outer = self.innermost(false);
        self.push_scope(ScopeKind::Block);
        let mut value = None;
        let n = block.stmts.len();
        for (i, stmt) in block.stmts.iter().enumerate() {
            match stmt {
                syn::Stmt::Expr(e, None) if i + 1 == n => value = self.tail_expr(e, outer),
                stmt => self.stmt(stmt),
            }
        }
        let end = self.close_of(block);
        self.pop_scope(Some(end));
        value
    }

    /// The block's tail: its value moves out to the enclosing temporary
    /// scope `outer`; its other temporaries drop before the block's locals
    /// (2024) or live on in the enclosing temporary scope (before 2024).
    pub(super) fn tail_expr(&mut self, e: &Expr, outer: usize) -> Option<SlotId> {
        let own_scope = self.items.edition.has_2024_temporary_scopes();
        if own_scope {
            self.push_scope(ScopeKind::Temp(TempScope::Tail));
        }
        let value = self.lower_expr(e).map(|v| {
            let out = self.new_temp_in(outer);
            self.emit(Stmt::Move { from: v, to: out });
            out
        });
        if own_scope {
            self.pop_scope(None);
        }
        value
    }

    pub(super) fn stmt(&mut self, stmt: &syn::Stmt) {
        let test_only = super::super::items::is_cfg_test(stmt_attrs(stmt));
        self.cfg_test += u32::from(test_only);
        self.stmt_inner(stmt);
        self.cfg_test -= u32::from(test_only);
    }

    pub(super) fn stmt_inner(&mut self, stmt: &syn::Stmt) {
        match stmt {
            syn::Stmt::Local(local) => self.local(local),
            syn::Stmt::Expr(e, _) => {
                self.push_scope(ScopeKind::Temp(TempScope::Statement));
                let first_new = self.ir.slots.len() as SlotId;
                if let Some(v) = self.lower_expr(e) {
                    if v >= first_new && self.ir.slots[v as usize].name.is_none() {
                        self.emit(Stmt::Discard { slot: v });
                    }
                }
                self.pop_scope(None);
            }
            syn::Stmt::Item(item) => self.items.nested_item(item),
            syn::Stmt::Macro(m) => {
                self.push_scope(ScopeKind::Temp(TempScope::Statement));
                self.macro_call(&m.mac);
                self.pop_scope(None);
            }
        }
    }

    pub(super) fn local(&mut self, local: &syn::Local) {
        self.push_scope(ScopeKind::Temp(TempScope::Statement));
        let mut value = None;
        let mut origin = LocalOrigin::Unknown;
        let acqs_before = self.acqs.len();
        let mut init_acqs_end = acqs_before;
        let controls_before = self.controls.len();
        if let Some(init) = &local.init {
            value = match self.extended_base(&init.expr) {
                // `let r = &mut *m.lock().unwrap();`: the guard temporary
                // lives as long as the binding.
                Some(_) => self.lower_extended(&init.expr),
                None => self.lower_expr(&init.expr),
            };
            origin = self.origin_of(&init.expr);
            // The `else` block's acquisitions are not the binding's value.
            init_acqs_end = self.acqs.len();
            if let Some((_, diverge)) = &init.diverge {
                // let-else: the initializer's temporaries drop before the
                // `else` block, which must leave (break, continue, return).
                let branch = self.cur;
                self.goto_new();
                let depth = self.scopes.len() - 1;
                self.end_scopes(depth, None, true);
                self.lower_expr(diverge);
                self.cur = branch;
                self.goto_new();
            }
        }
        let (pat, declared) = match &local.pat {
            Pat::Type(pt) => (&*pt.pat, Some(type_repr(&pt.ty))),
            p => (p, None),
        };
        if let Some(ty) = declared {
            origin = LocalOrigin::Declared(ty);
        }
        let mut names = Vec::new();
        pat_names(pat, &mut names);
        let single = matches!(pat, Pat::Ident(_));
        if let (Some(init), Some((first_name, _))) = (&local.init, names.first()) {
            if let Some(call) = bound_call(&init.expr) {
                let span = self.span_expr(call);
                if let Some(c) = self.call_at(span) {
                    c.bound_to = Some(first_name.clone());
                }
            }
            for a in &mut self.acqs[acqs_before..init_acqs_end] {
                if a.holder == Holder::Temporary && a.value_bound_to.is_none() {
                    a.value_bound_to = Some(first_name.clone());
                }
            }
        }
        let mut bind_span = None;
        if let Pat::Ident(id) = pat {
            let span = self.items.spans.of(id.ident.span());
            bind_span = Some(span);
            // `let run = move || …;`: the first control the initializer
            // opened is that closure (controls are pushed in source order).
            if local.init.as_ref().is_some_and(|i| matches!(strip(&i.expr), Expr::Closure(_))) {
                if let Some(c) = self.controls[controls_before..].iter_mut().find(|c| c.kind == ControlKind::Closure) {
                    c.bound_to = Some(id.ident.to_string());
                }
            }
            let mut from: Vec<String> = local
                .init
                .as_ref()
                .filter(|i| i.diverge.is_none() && is_plain_value(&i.expr))
                .map(|i| used_idents(&i.expr).into_iter().collect())
                .unwrap_or_default();
            from.sort_unstable();
            self.locals.push(LocalDecl { name: id.ident.to_string(), span, origin: origin.clone(), from });
        }
        let slots: Vec<SlotId> = names
            .into_iter()
            .map(|(name, _)| {
                let o = if single { origin.clone() } else { LocalOrigin::Unknown };
                self.declare(name, o, false)
            })
            .collect();
        let extended = local.init.as_ref().is_some_and(|i| self.extended_base(&i.expr).is_some());
        if let Some(v) = value {
            if extended {
                // The binding holds a reference; the guard stays a temporary
                // whose life the binding extends.
                if let Some(&to) = slots.first() {
                    self.emit(Stmt::Move { from: v, to });
                }
            } else if let Pat::Wild(w) = pat {
                let wildcard = self.items.spans.of(w.underscore_token.span);
                let let_span = self.items.spans.of(local.let_token.span);
                self.emit(Stmt::BindWild { slot: v, wildcard, let_span });
            } else if let Some(&to) = slots.first() {
                let span = bind_span.unwrap_or_else(|| self.items.spans.of(local.let_token.span));
                self.emit(Stmt::Bind { from: v, to, span });
            }
        }
        self.pop_scope(None);
    }

    /// `&mut *m.lock().unwrap()`, `&m.lock().unwrap().f`: the guard
    /// expression whose temporary a `let` extends, if any.
    pub(super) fn extended_base<'e>(&self, init: &'e Expr) -> Option<&'e Expr> {
        let Expr::Reference(r) = strip(init) else { return None };
        let cur = projection_base(&r.expr);
        self.guard_value_span(cur).map(|_| cur)
    }

    /// Lowers a reference into a guard expression; returns the guard's slot.
    pub(super) fn lower_extended(&mut self, e: &Expr) -> Option<SlotId> {
        match strip(e) {
            Expr::Reference(r) => self.lower_extended(&r.expr),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => self.lower_extended(&u.expr),
            Expr::Field(f) => self.lower_extended(&f.base),
            Expr::Index(i) => {
                let v = self.lower_extended(&i.expr);
                self.lower_expr(&i.index);
                v
            }
            other => self.lower_expr(other),
        }
    }
}

/// The outer attributes of a statement (`#[cfg(test)] helper();`).
fn stmt_attrs(stmt: &syn::Stmt) -> &[syn::Attribute] {
    match stmt {
        syn::Stmt::Local(l) => &l.attrs,
        syn::Stmt::Macro(m) => &m.attrs,
        syn::Stmt::Expr(e, _) => match e {
            Expr::Call(c) => &c.attrs,
            Expr::MethodCall(c) => &c.attrs,
            Expr::Block(b) => &b.attrs,
            Expr::If(i) => &i.attrs,
            Expr::Match(m) => &m.attrs,
            Expr::Unsafe(u) => &u.attrs,
            Expr::Macro(m) => &m.attrs,
            Expr::Assign(a) => &a.attrs,
            _ => &[],
        },
        syn::Stmt::Item(_) => &[],
    }
}
