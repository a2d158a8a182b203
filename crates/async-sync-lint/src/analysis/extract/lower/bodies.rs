//! Closures and async bodies: a non-async closure is a region of this
//! body's graph; an async block or closure is a body of its own whose
//! captures are the enclosing locals it names first.

use syn::{Block, Expr, Pat};

use super::*;

impl Lowerer<'_, '_> {
    pub(super) fn closure(&mut self, c: &syn::ExprClosure) {
        let params: Vec<Param> = c
            .inputs
            .iter()
            .filter_map(|p| match p {
                Pat::Type(pt) => match &*pt.pat {
                    Pat::Ident(id) => {
                        Some(Param { name: id.ident.to_string(), origin: LocalOrigin::Declared(type_repr(&pt.ty)) })
                    }
                    _ => None,
                },
                Pat::Ident(id) => Some(Param { name: id.ident.to_string(), origin: LocalOrigin::Unknown }),
                _ => None,
            })
            .collect();
        if let Some(async_token) = c.asyncness {
            let block = match &*c.body {
                Expr::Block(b) => b.block.clone(),
                other => Block { brace_token: Default::default(), stmts: vec![syn::Stmt::Expr(other.clone(), None)] },
            };
            let span = self.items.spans.of(async_token.span);
            self.nested_async(BodyKind::AsyncClosure, c.capture.is_some(), params, &block, span);
            return;
        }
        // The closure uses the locals it names where it is made (a guard
        // read in `and_then(|b| guard.get(b))` is used); a `move` closure
        // takes them.
        let span = self.span_expr(&c.body);
        for name in used_idents(&c.body) {
            if let Some((slot, _)) = self.lookup(&name) {
                self.emit(Stmt::Use { slot });
                if c.capture.is_some() {
                    self.end(slot, Some(span), EndKind::Move, true);
                }
            }
        }
        // A closure given to an adapter that calls it before returning
        // (`filter`, `and_modify`, `unwrap_or_else`) runs while the guards
        // live here are live: its region is entered from here. Any other
        // closure runs at some other time: a region of its own that starts
        // with nothing live.
        let saved_cur = self.cur;
        self.cur = self.ir.new_block();
        let runs_now = self.arg_of.as_deref().and_then(|c| c.strip_prefix('.')).is_some_and(runs_closure_now);
        if runs_now {
            self.ir.edge(saved_cur, self.cur);
        } else {
            self.ir.entries.push(self.cur);
        }
        let saved_closure = self.closure.replace(self.arg_of.clone().unwrap_or_default());
        // `set_on_finished(wrap(move || ..))`: given to a function whose
        // result is an argument of another call.
        let wrapped_for = match self.arg_of.as_deref() {
            Some(c) if !c.is_empty() && !c.starts_with('.') => self.outer_arg_of.clone().filter(|o| !o.is_empty()),
            _ => None,
        };
        let saved_wrapped = std::mem::replace(&mut self.closure_wrapped_for, wrapped_for);
        let saved_outer = self.outer_arg_of.take();
        // The closure's body is not an argument of the call the closure is
        // given to, except for the async block a closure returns at once
        // (`.map(|id| async move { … })`): that future is what the call runs.
        let saved_arg_of = if returns_async_block(&c.body) { self.arg_of.clone() } else { self.arg_of.take() };
        let saved_targets = std::mem::take(&mut self.targets);
        let saved_depth = std::mem::replace(&mut self.loop_depth, 0);
        self.push_scope(ScopeKind::Block);
        for p in params {
            self.declare(p.name, p.origin, false);
        }
        self.push_scope(ScopeKind::Temp(TempScope::Statement));
        self.enter(ControlKind::Closure, self.span_expr(&c.body));
        if let Some(v) = self.lower_expr(&c.body) {
            // The closure returns the guard (or the lock's future, as in
            // `build_index(|| index.read())`): it is held wherever the
            // closure's caller keeps it.
            self.end(v, None, EndKind::Move, true);
        }
        self.leave();
        self.pop_scope(None);
        self.pop_scope(None);
        self.loop_depth = saved_depth;
        self.targets = saved_targets;
        self.closure = saved_closure;
        self.closure_wrapped_for = saved_wrapped;
        self.outer_arg_of = saved_outer;
        self.arg_of = saved_arg_of;
        self.cur = saved_cur;
        if runs_now {
            // What follows starts after the closure's entry edge, not
            // after the end of the block.
            self.goto_new();
        }
    }

    /// An async block or async closure: a body of its own. The locals of
    /// this body it names before declaring its own are its captures; `move`
    /// takes them.
    pub(super) fn nested_async(
        &mut self,
        kind: BodyKind,
        is_move: bool,
        params: Vec<Param>,
        block: &Block,
        span: Span,
    ) {
        // The names it could capture: those it mentions that resolve here.
        let mut env = HashMap::new();
        for name in used_idents_block(block) {
            if params.iter().any(|p| p.name == name) {
                continue;
            }
            if let Some(origin) = self.origin_of_name(&name) {
                env.insert(name, origin.clone());
            }
        }
        let header = BodyHeader {
            kind,
            name: "async block".to_string(),
            span,
            self_ty: self.header_self_ty.clone(),
            self_args: self.header_self_args.clone(),
            mut_self: self.mut_self,
            parent: Some(self.idx),
            passed_to: self.arg_of.clone().filter(|c| !c.is_empty()),
            is_test: self.is_test,
            unwinding: self.unwinding,
        };
        let track = self.track_calls;
        let mut inner = Lowerer::new(&mut *self.items, header, params, track);
        inner.env = env;
        let inner_idx = inner.idx;
        let captured = inner.lower_fn_block(block);
        let mut pairs = Vec::new();
        for (name, inner_slot) in captured {
            if let Some((outer, _)) = self.lookup(&name) {
                pairs.push((outer, inner_slot));
            }
        }
        self.emit(Stmt::Nested { body: inner_idx, captures: pairs.clone() });
        if is_move {
            for (outer, _) in pairs {
                self.end(outer, Some(span), EndKind::Move, true);
            }
        }
    }
}

/// `async move { … }` or `{ let x = …; async move { … } }`: a closure body
/// whose value is an async block.
fn returns_async_block(body: &Expr) -> bool {
    match strip(body) {
        Expr::Async(_) => true,
        Expr::Block(b) => matches!(b.block.stmts.last(), Some(syn::Stmt::Expr(e, None)) if returns_async_block(e)),
        _ => false,
    }
}
