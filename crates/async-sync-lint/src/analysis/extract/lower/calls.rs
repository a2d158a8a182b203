//! Calls and the values they build: a guard moved into a call escapes, one
//! given to `drop` ends, one given to `Some(..)` or a struct lives on in
//! it; assignments end the old value; lazy booleans branch.

use syn::Expr;

use super::*;

impl Lowerer<'_, '_> {
    /// Values moved into one new value (a struct, `Some(g)`): its slot.
    pub(super) fn aggregate(&mut self, parts: Vec<SlotId>) -> Option<SlotId> {
        if parts.is_empty() {
            return None;
        }
        let whole = self.new_temp();
        for from in parts {
            self.emit(Stmt::Move { from, to: whole });
        }
        Some(whole)
    }

    /// `a && b`, `a || b`: each operand is a temporary scope of its own,
    /// and the right one may not run.
    pub(super) fn lazy_boolean(&mut self, left: &Expr, right: &Expr) {
        let kind = self.temp_kind();
        self.push_scope(ScopeKind::Temp(kind));
        self.lower_expr(left);
        self.pop_scope(None);
        let short = self.cur;
        self.goto_new();
        self.push_scope(ScopeKind::Temp(kind));
        self.lower_expr(right);
        self.pop_scope(None);
        let join = self.goto_new();
        self.ir.edge(short, join);
    }

    pub(super) fn find_target(&self, label: Option<&str>, for_continue: bool) -> Option<usize> {
        match label {
            Some(l) => self.targets.iter().rposition(|t| t.label.as_deref() == Some(l)),
            None => self.targets.iter().rposition(|t| !t.is_block),
        }
        .filter(|&t| !for_continue || self.targets[t].head.is_some())
    }

    /// Values placed into a tuple, array or call are moved there.
    pub(super) fn consume_all<'e>(&mut self, exprs: impl Iterator<Item = &'e Expr>) {
        for e in exprs {
            if let Some(v) = self.lower_expr(e) {
                let span = self.span_expr(e);
                self.end(v, Some(span), EndKind::Move, true);
            }
        }
    }

    pub(super) fn call_parts(&mut self, mc: &syn::ExprMethodCall) {
        self.lower_expr(&mc.receiver);
        let saved = self.arg_of.replace(format!(".{}", mc.method));
        self.consume_all(mc.args.iter());
        self.arg_of = saved;
    }

    /// The arguments of a guard-returning path call, then the call itself
    /// (so that it does not hold the guard it makes).
    pub(super) fn guard_fn_call_parts(&mut self, c: &syn::ExprCall, path: &[String], span: Span) {
        let saved = self.arg_of.replace(path.join("::"));
        self.consume_all(c.args.iter());
        self.arg_of = saved;
        self.record_call(span, Callee::Path(path.to_vec()), c.args.iter(), true);
    }

    pub(super) fn method_call(&mut self, e: &Expr, mc: &syn::ExprMethodCall) -> Option<SlotId> {
        let name = mc.method.to_string();
        if self.is_acquire(&name) {
            self.call_parts(mc);
            let span = self.span_expr(e);
            // The call first, so that it does not hold the guard it makes.
            let receiver = Some(self.place(&mc.receiver));
            self.record_call(span, Callee::Method { receiver, name }, mc.args.iter(), true);
            return Some(self.acquire(mc, span, false));
        }
        // `AssertUnwindSafe(fut).catch_unwind()`: the receiver's panic is caught.
        let saved_unwinding = self.unwinding;
        if name == "catch_unwind" {
            self.unwinding = within(self.unwinding, Some(Unwinding::Caught));
        }
        let recv = self.lower_expr(&mc.receiver);
        self.unwinding = saved_unwinding;
        let saved = self.arg_of.replace(format!(".{name}"));
        let saved_outer = self.outer_arg_of.take();
        self.unwinding = within(self.unwinding, unwinding_of(&name));
        self.consume_all(mc.args.iter());
        self.unwinding = saved_unwinding;
        self.arg_of = saved;
        self.outer_arg_of = saved_outer;
        let span = self.span_expr(e);
        // Calls on `self` and its fields, and awaited calls, may be crate
        // methods that the signal rules and lock summaries follow.
        let interesting = is_interesting_method(&name)
            || is_self_receiver(&mc.receiver)
            || is_self_field(&mc.receiver)
            || self.await_operand == Some(span);
        if interesting || self.track_calls {
            let receiver = Some(self.place(&mc.receiver));
            self.record_call(span, Callee::Method { receiver, name: name.clone() }, mc.args.iter(), interesting);
            if records_chain_start(&name) {
                let start = self.chain_start(&mc.receiver);
                if let Some(c) = self.call_at(span) {
                    c.chain_start = start;
                }
            }
        }
        let recv = recv?;
        if is_guard_adapter(&name) {
            if matches!(name.as_str(), "unwrap" | "expect" | "unwrap_or_else" | "unwrap_unchecked") {
                self.mark_unwrapped(recv);
            }
            return Some(recv);
        }
        if is_guard_consumer(&name) {
            self.end(recv, Some(span), EndKind::Move, false);
        }
        None
    }

    pub(super) fn call(&mut self, e: &Expr, c: &syn::ExprCall) -> Option<SlotId> {
        if let Some(path) = self.guard_fn_path(c) {
            let span = self.span_expr(e);
            self.guard_fn_call_parts(c, &path, span);
            return Some(self.acquire_by_path(c, path, span, false));
        }
        self.lower_expr(&c.func);
        let path = match &*c.func {
            Expr::Path(p) if p.qself.is_none() => Some(path_segments(&p.path)),
            _ => None,
        };
        let last = path.as_ref().and_then(|p| p.last().cloned()).unwrap_or_default();
        let is_drop = last == "drop" && path.as_ref().is_some_and(|p| p.len() == 1 || p.iter().any(|s| s == "mem"));
        // `Some(g)`, `Ok(g)`, `Wrapper(g)`: the new value holds the guard.
        let is_constructor = path.is_some() && last.starts_with(|c: char| c.is_uppercase());
        let saved = self.arg_of.replace(path.as_ref().map(|p| p.join("::")).unwrap_or_default());
        let saved_outer = std::mem::replace(&mut self.outer_arg_of, saved.clone());
        let saved_unwinding = self.unwinding;
        self.unwinding = within(self.unwinding, unwinding_of(&last));
        let span = self.span_expr(e);
        let mut parts = Vec::new();
        for arg in &c.args {
            let v = if is_drop { self.dropped_operand(arg) } else { self.lower_expr(arg) };
            let Some(v) = v else { continue };
            if is_drop {
                self.end(v, Some(span), EndKind::Drop, false);
            } else if is_constructor {
                parts.push(v);
            } else {
                self.end(v, Some(span), EndKind::Move, true);
            }
        }
        self.unwinding = saved_unwinding;
        self.arg_of = saved;
        self.outer_arg_of = saved_outer;
        if matches!(last.as_str(), "timeout" | "timeout_at") {
            // `timeout(d, rx.recv())`: the argument is a future it polls.
            for arg in &c.args {
                let at = self.span_expr(strip(arg));
                if let Some(call) = self.call_at(at) {
                    call.as_future = true;
                }
            }
        }
        let value = self.aggregate(parts);
        if is_constructor && !matches!(last.as_str(), "Some" | "Ok" | "Err") {
            self.note_tuple_field_inits(&last, c);
        }
        if let Some(path) = path {
            let interesting = is_interesting_fn(&last)
                || self.is_async
                || is_followable_path(&path)
                || is_constructor_handing_on_locals(&path, &c.args);
            let diverges = last == "exit" && path.iter().any(|s| s == "process");
            self.record_call(span, Callee::Path(path), c.args.iter(), interesting);
            if diverges {
                self.leave_function();
            }
        }
        value
    }

    /// The argument of `drop(..)`: a local is dropped, not used.
    pub(super) fn dropped_operand(&mut self, arg: &Expr) -> Option<SlotId> {
        if let Expr::Path(p) = strip(arg) {
            if p.qself.is_none() && p.path.segments.len() == 1 && p.path.leading_colon.is_none() {
                if let Some((slot, _)) = self.lookup(&p.path.segments[0].ident.to_string()) {
                    return Some(slot);
                }
            }
        }
        self.lower_expr(arg)
    }

    pub(super) fn record_write(&mut self, whole: &Expr, left: &Expr, right: &Expr, compound: bool) {
        let span = self.span_expr(whole);
        let base = projection_base(left);
        let through = match base {
            Expr::Path(p) if p.path.segments.len() == 1 => match self.lookup(&p.path.segments[0].ident.to_string()) {
                Some((slot, _)) => Through::Slot(slot),
                None => Through::None,
            },
            other => match self.guard_value_span(other).and_then(|s| self.acq_by_span.get(&(s.lo, s.hi))) {
                Some(&a) => Through::Acq(a),
                None => Through::None,
            },
        };
        let mut value_idents: Vec<String> = used_idents(right).into_iter().collect();
        value_idents.sort();
        let idx = self.writes.len() as u32;
        self.writes.push(Write {
            span,
            target: self.place(left),
            compound,
            value_idents,
            through_guard: None,
            held: Vec::new(),
            ctx: self.ctx(),
        });
        self.emit(Stmt::Write { idx, through });
    }

    pub(super) fn assign(&mut self, whole: &Expr, a: &syn::ExprAssign) {
        // The assigned value is evaluated before the place.
        let value = self.lower_expr(&a.right);
        let span = self.span_expr(&a.left);
        if let Expr::Path(p) = strip(&a.left) {
            if p.path.segments.len() == 1 && p.path.leading_colon.is_none() {
                if let Some((slot, _)) = self.lookup(&p.path.segments[0].ident.to_string()) {
                    self.end(slot, Some(span), EndKind::Reassign, false);
                    self.record_write(whole, &a.left, &a.right, false);
                    if let Some(v) = value {
                        self.emit(Stmt::Bind { from: v, to: slot, span });
                    }
                    return;
                }
            }
        }
        self.lower_expr(&a.left);
        self.record_write(whole, &a.left, &a.right, false);
        if let Some(v) = value {
            self.end(v, Some(span), EndKind::Move, true);
        }
    }

    /// A `?` or `return` leaving the body (one in a non-async closure
    /// leaves only the closure).
    pub(super) fn note_early_exit(&mut self, span: Span, is_try: bool) {
        if self.closure.is_none() {
            self.early_exits.push(EarlyExit { span, is_try, ctx: self.ctx() });
        }
    }

    /// `h.await`: the await just recorded awaits the local `h`.
    pub(super) fn note_awaited_local(&mut self, base: &Expr) {
        if let Expr::Path(p) = strip(base) {
            if let (Some(id), Some(last)) = (p.path.get_ident(), self.awaits.last_mut()) {
                last.local = Some(id.to_string());
            }
        }
    }
}
