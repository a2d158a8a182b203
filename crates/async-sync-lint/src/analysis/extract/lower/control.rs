//! Branches and loops: `if` (and let chains), `match`, labeled blocks,
//! `loop`, `while`, `for`, each with its scopes, its edges and the value it
//! yields.

use syn::{Block, Expr, Pat};

use super::*;

impl Lowerer<'_, '_> {
    /// The scrutinee's value moves into the single by-value binding of a
    /// pattern such as `Ok(g)`, `Some(g)` or `g` (so `match m.try_lock() {
    /// Ok(g) => g, .. }` follows the guard).
    pub(super) fn bind_scrutinee(&mut self, pat: &Pat, scrutinee: Option<SlotId>, slots: &[SlotId]) {
        let (Some(from), [to]) = (scrutinee, slots) else { return };
        if binds_whole_value(pat) {
            self.emit(Stmt::Move { from, to: *to });
        }
    }

    pub(super) fn if_expr(&mut self, i: &syn::ExprIf) -> Option<SlotId> {
        let result_scope = self.innermost(false);
        let is_let = has_let(&i.cond);
        self.push_scope(ScopeKind::Temp(if is_let { TempScope::IfLetScrutinee } else { TempScope::Condition }));
        let cond_scope = self.scopes.len() - 1;
        self.enter(ControlKind::IfCond, self.span_expr(&i.cond));
        let (simple_let, scrutinee) = self.lower_condition(&i.cond, is_let);
        self.leave();
        if !is_let {
            // A plain condition's temporaries drop before the block runs.
            self.pop_scope(None);
        }
        let branch = self.cur;
        // `if held.is_none() { … }`: on that branch the `Option` holds no guard.
        let emptiness = self.option_emptiness_test(&i.cond);

        self.goto_new();
        if let Some((slot, true)) = emptiness {
            self.emit(Stmt::Forget { slot });
        }
        self.push_scope(ScopeKind::Block);
        let mut names = Vec::new();
        let_names(&i.cond, &mut names);
        let some_alias = self.some_binding(&i.cond);
        let slots: Vec<SlotId> = names
            .into_iter()
            .map(|(n, _)| {
                let origin = match &some_alias {
                    Some((name, origin)) if *name == n => origin.clone(),
                    _ => LocalOrigin::Unknown,
                };
                self.declare(n, origin, true)
            })
            .collect();
        if let Some(l) = simple_let {
            self.bind_scrutinee(&l.pat, scrutinee, &slots);
        }
        let then_span = self.block_span(&i.then_branch);
        self.enter(ControlKind::IfThen, then_span);
        self.note_block(&i.then_branch);
        let then_value = self.lower_block(&i.then_branch);
        self.note_returns();
        self.leave();
        let close = self.close_of(&i.then_branch);
        self.pop_scope(Some(close));
        let then_end = self.cur;

        self.cur = branch;
        self.goto_new();
        if let Some((slot, false)) = emptiness {
            self.emit(Stmt::Forget { slot });
        }
        if is_let && self.items.edition.has_2024_temporary_scopes() {
            // 2024: `if let` scrutinee temporaries drop before `else`.
            self.end_scopes(cond_scope, None, false);
        }
        if let (Some(l), Some(s)) = (simple_let, scrutinee) {
            if self.is_try_scrutinee(&l.expr) && is_success_pat(&l.pat) {
                // `if let Ok(g) = m.try_lock() { … } else { … }`: the `else`
                // runs when no guard was made.
                self.emit(Stmt::Forget { slot: s });
            }
        }
        let mut else_value = None;
        if let Some((_, els)) = &i.else_branch {
            self.enter(ControlKind::IfElse, self.span_expr(els));
            if let Expr::Block(b) = &**els {
                self.note_block(&b.block);
            }
            else_value = self.lower_expr(els);
            self.note_returns();
            self.leave();
        }
        let else_end = self.cur;
        let result = self.branch_values(result_scope, &[(then_end, then_value), (else_end, else_value)]);
        let join = self.ir.new_block();
        self.ir.edge(then_end, join);
        self.ir.edge(else_end, join);
        self.cur = join;
        if is_let {
            self.pop_scope(None);
        }
        result
    }

    /// Lowers an `if`/`while` condition. For `let P = e` alone: that `let`
    /// and the slot of `e`'s value, which the pattern may bind.
    pub(super) fn lower_condition<'e>(
        &mut self,
        cond: &'e Expr,
        is_let: bool,
    ) -> (Option<&'e syn::ExprLet>, Option<SlotId>) {
        match strip(cond) {
            Expr::Let(l) => (Some(l), self.lower_expr(&l.expr)),
            _ if is_let => {
                self.lower_let_chain(cond);
                (None, None)
            }
            _ => {
                self.lower_expr(cond);
                (None, None)
            }
        }
    }

    /// A let chain (`a && let P = e && b`): the scrutinees' temporaries
    /// live on in the chain's scope; every other operand is a temporary
    /// scope of its own.
    pub(super) fn lower_let_chain(&mut self, e: &Expr) {
        match strip(e) {
            Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
                self.lower_let_chain(&b.left);
                self.lower_let_chain(&b.right);
            }
            Expr::Let(l) => {
                self.lower_expr(&l.expr);
            }
            other => {
                self.push_scope(ScopeKind::Temp(TempScope::Condition));
                self.lower_expr(other);
                self.pop_scope(None);
            }
        }
    }

    /// `x.is_none()` / `x.is_some()` on a local: its slot, and whether the
    /// `then` branch is the one where it is empty.
    pub(super) fn option_emptiness_test(&mut self, cond: &Expr) -> Option<(SlotId, bool)> {
        let Expr::MethodCall(mc) = strip(cond) else { return None };
        let empty_in_then = match mc.method.to_string().as_str() {
            "is_none" => true,
            "is_some" => false,
            _ => return None,
        };
        let Expr::Path(p) = strip(&mc.receiver) else { return None };
        if p.qself.is_some() || p.path.segments.len() != 1 || !mc.args.is_empty() {
            return None;
        }
        let (slot, _) = self.lookup(&p.path.segments[0].ident.to_string())?;
        Some((slot, empty_in_then))
    }

    /// Moves each branch's value (at the branch's end block) into one
    /// result slot owned by the temporary scope `scope`.
    pub(super) fn branch_values(&mut self, scope: usize, ends: &[(BlockId, Option<SlotId>)]) -> Option<SlotId> {
        if ends.iter().all(|(_, v)| v.is_none()) {
            return None;
        }
        let result = self.new_temp_in(scope);
        for &(b, v) in ends {
            if let Some(from) = v {
                self.ir.push(b, Stmt::Move { from, to: result });
            }
        }
        Some(result)
    }

    pub(super) fn match_expr(&mut self, m: &syn::ExprMatch) -> Option<SlotId> {
        let result_scope = self.innermost(false);
        // Scrutinee temporaries live for the whole match.
        self.push_scope(ScopeKind::Temp(TempScope::MatchScrutinee));
        self.enter(ControlKind::MatchScrutinee, self.span_expr(&m.expr));
        let scrutinee = self.lower_expr(&m.expr);
        self.leave();
        let is_try = self.is_try_scrutinee(&m.expr);
        let branch = self.cur;
        let mut ends = Vec::new();
        let mut after_success = false;
        for arm in &m.arms {
            self.cur = branch;
            self.goto_new();
            // `Err(_) =>` / `None =>` of a `try_lock()`, or `_ =>` after
            // its `Ok(..) =>`: no guard was made.
            let failed = is_failure_pat(&arm.pat) || (after_success && matches!(arm.pat, Pat::Wild(_)));
            after_success |= is_success_pat(&arm.pat);
            if let (true, Some(s)) = (is_try && failed, scrutinee) {
                self.emit(Stmt::Forget { slot: s });
            }
            let arm_span = self.span_expr(&arm.body);
            self.enter(ControlKind::MatchArm, arm_span);
            self.push_scope(ScopeKind::Block);
            let slots = self.declare_pat(&arm.pat, true);
            self.bind_scrutinee(&arm.pat, scrutinee, &slots);
            if let Some((_, g)) = &arm.guard {
                self.push_scope(ScopeKind::Temp(TempScope::Statement));
                self.lower_expr(g);
                self.pop_scope(None);
            }
            self.push_scope(ScopeKind::Temp(TempScope::Arm));
            let value = self.lower_expr(&arm.body);
            // The arm's value outlives the arm.
            let value = value.map(|v| {
                let out = self.new_temp_in(result_scope);
                self.emit(Stmt::Move { from: v, to: out });
                out
            });
            self.pop_scope(None);
            self.pop_scope(Some(arm_span));
            self.note_returns();
            self.leave();
            ends.push((self.cur, value));
        }
        if m.arms.is_empty() {
            ends.push((branch, None));
        }
        let result = self.branch_values(result_scope, &ends);
        let join = self.ir.new_block();
        for &(b, _) in &ends {
            self.ir.edge(b, join);
        }
        self.cur = join;
        self.pop_scope(None);
        result
    }

    pub(super) fn push_target(&mut self, label: Option<String>, head: Option<BlockId>) -> usize {
        let exit = self.ir.new_block();
        let result = self.new_temp();
        self.targets.push(Target {
            label,
            is_block: head.is_none(),
            depth: self.scopes.len(),
            head,
            exit,
            result,
            has_value: false,
        });
        self.targets.len() - 1
    }

    /// Leaves a loop or labeled block: continues at its exit; its value if
    /// a `break` gave one.
    pub(super) fn pop_target(&mut self) -> Option<SlotId> {
        let t = self.targets.pop().expect("pushed by the caller");
        self.cur = t.exit;
        t.has_value.then_some(t.result)
    }

    pub(super) fn labeled_block(&mut self, label: String, block: &Block) -> Option<SlotId> {
        let t = self.push_target(Some(label), None);
        let value = self.lower_block(block);
        if let Some(v) = value {
            let result = self.targets[t].result;
            self.targets[t].has_value = true;
            self.emit(Stmt::Move { from: v, to: result });
        }
        let exit = self.targets[t].exit;
        self.ir.edge(self.cur, exit);
        self.pop_target()
    }

    pub(super) fn loop_expr(&mut self, l: &syn::ExprLoop) -> Option<SlotId> {
        let label = l.label.as_ref().map(|l| l.name.ident.to_string());
        let head = self.goto_new();
        self.push_target(label, Some(head));
        self.loop_depth += 1;
        let body_span = self.block_span(&l.body);
        self.enter(ControlKind::LoopBody, body_span);
        self.note_block(&l.body);
        self.lower_block(&l.body);
        self.leave();
        self.ir.edge(self.cur, head);
        self.loop_depth -= 1;
        self.pop_target()
    }

    pub(super) fn while_expr(&mut self, w: &syn::ExprWhile) {
        let label = w.label.as_ref().map(|l| l.name.ident.to_string());
        let is_let = has_let(&w.cond);
        let head = self.goto_new();
        let t = self.push_target(label, Some(head));
        self.loop_depth += 1;
        self.push_scope(ScopeKind::Temp(if is_let { TempScope::WhileLetScrutinee } else { TempScope::Condition }));
        let cond_scope = self.scopes.len() - 1;
        self.enter(ControlKind::WhileCond, self.span_expr(&w.cond));
        let (simple_let, scrutinee) = self.lower_condition(&w.cond, is_let);
        self.leave();
        if !is_let {
            self.pop_scope(None);
        }
        let branch = self.cur;
        // The condition failed: leave the loop.
        self.goto_new();
        if is_let {
            self.end_scopes(cond_scope, None, false);
        }
        let exit = self.targets[t].exit;
        self.ir.edge(self.cur, exit);
        // The body.
        self.cur = branch;
        self.goto_new();
        self.push_scope(ScopeKind::Block);
        let mut names = Vec::new();
        let_names(&w.cond, &mut names);
        let slots: Vec<SlotId> = names.into_iter().map(|(n, _)| self.declare(n, LocalOrigin::Unknown, true)).collect();
        if let Some(l) = simple_let {
            self.bind_scrutinee(&l.pat, scrutinee, &slots);
        }
        let body_span = self.block_span(&w.body);
        self.enter(ControlKind::LoopBody, body_span);
        self.note_block(&w.body);
        self.lower_block(&w.body);
        self.leave();
        let close = self.close_of(&w.body);
        self.pop_scope(Some(close));
        if is_let {
            // `while let` scrutinee temporaries live through the body.
            self.pop_scope(None);
        }
        self.ir.edge(self.cur, head);
        self.loop_depth -= 1;
        self.pop_target();
    }

    pub(super) fn for_expr(&mut self, f: &syn::ExprForLoop) {
        if let Some(id) = self.ctx() {
            let mut names = Vec::new();
            pat_names(&f.pat, &mut names);
            self.controls[id as usize].binds_item = names.iter().any(|(n, _)| !n.starts_with('_'));
        }
        // The iterator expression's temporaries live for the whole loop.
        self.push_scope(ScopeKind::Temp(TempScope::ForIterator));
        self.lower_expr(&f.expr);
        let label = f.label.as_ref().map(|l| l.name.ident.to_string());
        let head = self.goto_new();
        let t = self.push_target(label, Some(head));
        self.loop_depth += 1;
        let exit = self.targets[t].exit;
        self.ir.edge(head, exit);
        self.goto_new();
        self.push_scope(ScopeKind::Block);
        self.declare_pat(&f.pat, false);
        let body_span = self.block_span(&f.body);
        self.enter(ControlKind::LoopBody, body_span);
        self.note_block(&f.body);
        self.lower_block(&f.body);
        self.leave();
        let close = self.close_of(&f.body);
        self.pop_scope(Some(close));
        self.ir.edge(self.cur, head);
        self.loop_depth -= 1;
        self.pop_target();
        self.pop_scope(None);
    }
}
