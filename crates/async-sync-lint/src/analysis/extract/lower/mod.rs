//! Lowering one body from syntax into the body IR ([`crate::analysis::ir`]).
//!
//! One pass in evaluation order. It records the facts that syntax alone
//! decides (await points, acquisitions, calls, writes, the control tree,
//! locals) and builds the control-flow graph whose statements say how guards
//! flow: every pattern binding is a slot of its own, found by lexical scope;
//! every temporary guard lives in the temporary scope Rust gives it
//! (statement, condition, scrutinee, `for` iterator, match arm, lazy boolean
//! operand, block tail per edition); `break`/`continue` (labels included)
//! leave the scopes between them and their target on their edge;
//! `return` and diverging calls end the path.
//!
//! What is live where is decided afterwards by [`crate::analysis::ir::liveness`],
//! once the whole tree of bodies of a function is lowered: a nested async
//! body learns which guards it captures only from the enclosing body's
//! analysis.

mod bodies;
mod calls;
mod control;
mod macros;
mod places;
mod prescan;
mod stmts;

use std::collections::{HashMap, HashSet};

use syn::parse::Parser;
use syn::{Block, Expr, Pat};

use super::items::{BodyHeader, ItemWalker};
use super::syntax::*;
use super::types::{constructed_type, path_segments, type_repr};
use super::vocab::*;
use crate::analysis::facts::*;
use crate::analysis::ir::liveness::{self, State};
use crate::analysis::ir::{BlockId, BodyIr, SlotId, Stmt, Through};
use crate::diagnostic::Span;
pub use prescan::may_acquire;

/// A parameter or captured local a body starts with.
#[derive(Clone)]
pub struct Param {
    pub name: String,
    pub origin: LocalOrigin,
}

/// A body lowered and waiting for its analysis.
pub struct Lowered {
    pub ir: BodyIr,
    /// Per call: recorded for its own sake, not only because a guard may be
    /// live at it (calls of the second kind are kept only if one is).
    pub interesting_calls: Vec<bool>,
}

/// What an acquisition records of the call that makes it.
struct AcquireCall {
    method_span: Span,
    method: String,
    receiver: Place,
    has_args: bool,
    callee: Option<Vec<String>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ScopeKind {
    Block,
    Temp(TempScope),
}

struct Scope {
    kind: ScopeKind,
    /// Bindings declared here, in order.
    names: Vec<(String, SlotId, LocalOrigin)>,
    /// Slots whose values end with the scope, in creation order; `true`
    /// marks a pattern binding of a scrutinee, whose end is the end of that
    /// scrutinee's temporary and has no place of its own.
    slots: Vec<(SlotId, bool)>,
}

/// Where `break` and `continue` go: a loop, or a labeled block.
struct Target {
    label: Option<String>,
    is_block: bool,
    /// The scope depth outside the target: a jump leaves every scope above.
    depth: usize,
    head: Option<BlockId>,
    exit: BlockId,
    /// The loop's or block's value, for `break value`.
    result: SlotId,
    has_value: bool,
}

pub struct Lowerer<'w, 'a> {
    items: &'w mut ItemWalker<'a>,
    idx: u32,
    parent: Option<u32>,
    header_self_ty: Option<String>,
    header_self_args: Vec<TypeRepr>,
    /// The body is async: every path call is recorded (blocking-in-async).
    is_async: bool,
    mut_self: bool,
    is_test: bool,
    /// Inside code where a panic is expected or caught.
    unwinding: Option<Unwinding>,
    /// The function may acquire somewhere: record every call, since any may
    /// turn out to be made under a guard.
    track_calls: bool,
    awaits: Vec<AwaitPoint>,
    acqs: Vec<Acquisition>,
    calls: Vec<Call>,
    interesting_calls: Vec<bool>,
    call_by_span: HashMap<(u32, u32), u32>,
    writes: Vec<Write>,
    controls: Vec<Control>,
    /// Enclosing controls, innermost last.
    ctx_stack: Vec<u32>,
    locals: Vec<LocalDecl>,
    field_inits: Vec<FieldInit>,
    early_exits: Vec<EarlyExit>,
    ir: BodyIr,
    cur: BlockId,
    scopes: Vec<Scope>,
    targets: Vec<Target>,
    loop_depth: u32,
    /// Depth of statements marked `#[cfg(test)]` around the current one.
    cfg_test: u32,
    /// Inside a non-async closure: the callee it was passed to, if any.
    closure: Option<String>,
    /// Callee whose arguments are being lowered (for closures passed to it).
    arg_of: Option<String>,
    /// While a path call's arguments are lowered: the callee that call is
    /// itself an argument of (`set_on_finished(wrap(..))` → `.set_on_finished`).
    outer_arg_of: Option<String>,
    /// Inside a closure given to a function whose result is an argument of
    /// this callee.
    closure_wrapped_for: Option<String>,
    acq_by_span: HashMap<(u32, u32), u32>,
    /// The acquisition whose guard a temporary was made for.
    temp_acq: HashMap<SlotId, u32>,
    /// For an async block or closure: the enclosing body's locals it may
    /// name. A name found only here is a capture, given a slot of this body
    /// on first use.
    env: HashMap<String, LocalOrigin>,
    /// The captures made so far: name and this body's slot.
    captured: Vec<(String, SlotId)>,
    /// Blocks begun after the path left the function: the code there is
    /// unreachable, and a branch that ends in one returns.
    returned: HashSet<BlockId>,
    /// The dead blocks that follow a plain `break`: a branch ending in one
    /// ends its loop.
    broke: HashSet<BlockId>,
    /// The expression being awaited (the operand of `.await`, a `select!`
    /// branch's future): a method call there is recorded, since the signal
    /// rules follow it into the crate method it may be.
    await_operand: Option<Span>,
}

impl<'w, 'a> Lowerer<'w, 'a> {
    pub fn new(items: &'w mut ItemWalker<'a>, header: BodyHeader, params: Vec<Param>, track_calls: bool) -> Self {
        let idx = items.reserve_body(&header);
        let mut ir = BodyIr::default();
        let entry = ir.new_block();
        ir.entries.push(entry);
        let mut this = Lowerer {
            items,
            idx,
            parent: header.parent,
            header_self_ty: header.self_ty,
            header_self_args: header.self_args,
            is_async: header.kind.is_async(),
            mut_self: header.mut_self,
            is_test: header.is_test,
            unwinding: header.unwinding,
            track_calls,
            awaits: Vec::new(),
            acqs: Vec::new(),
            calls: Vec::new(),
            interesting_calls: Vec::new(),
            call_by_span: HashMap::new(),
            writes: Vec::new(),
            controls: Vec::new(),
            ctx_stack: Vec::new(),
            locals: Vec::new(),
            field_inits: Vec::new(),
            early_exits: Vec::new(),
            ir,
            cur: entry,
            scopes: Vec::new(),
            targets: Vec::new(),
            loop_depth: 0,
            cfg_test: 0,
            await_operand: None,
            closure: None,
            arg_of: None,
            outer_arg_of: None,
            closure_wrapped_for: None,
            acq_by_span: HashMap::new(),
            temp_acq: HashMap::new(),
            env: HashMap::new(),
            captured: Vec::new(),
            returned: HashSet::new(),
            broke: HashSet::new(),
        };
        this.push_scope(ScopeKind::Block);
        this.items.facts.bodies[idx as usize].params = params.iter().map(|p| p.name.clone()).collect();
        for p in params {
            this.declare(p.name, p.origin, false);
        }
        this
    }

    /// Lowers a function's (or async block's) block, stores the body's
    /// facts and IR, and for a function analyses it with its nested bodies.
    /// Returns the enclosing body's locals it captured (name, own slot).
    pub fn lower_fn_block(mut self, block: &Block) -> Vec<(String, SlotId)> {
        self.push_scope(ScopeKind::Temp(TempScope::Statement));
        if let Some(v) = self.lower_block(block) {
            // The body's value is a guard: it is returned to the caller.
            let span = self.items.spans.of(block.brace_token.span.close());
            self.end(v, Some(span), EndKind::Move, true);
        }
        self.pop_scope(None);
        self.pop_scope(None);
        let (idx, parent) = (self.idx, self.parent);
        let captured = std::mem::take(&mut self.captured);
        let items = self.finish();
        if parent.is_none() {
            analyze_tree(items, idx, State::default());
        }
        captured
    }

    fn finish(self) -> &'w mut ItemWalker<'a> {
        let body = &mut self.items.facts.bodies[self.idx as usize];
        body.awaits = self.awaits;
        body.acquisitions = self.acqs;
        body.calls = self.calls;
        body.writes = self.writes;
        body.controls = self.controls;
        body.locals = self.locals;
        body.field_inits = self.field_inits;
        body.early_exits = self.early_exits;
        self.items.lowered.insert(self.idx, Lowered { ir: self.ir, interesting_calls: self.interesting_calls });
        self.items
    }

    // ----- the graph -----

    fn emit(&mut self, stmt: Stmt) {
        self.ir.push(self.cur, stmt);
    }

    /// Continues in a new block reached from the current one.
    fn goto_new(&mut self) -> BlockId {
        let b = self.ir.new_block();
        self.ir.edge(self.cur, b);
        self.cur = b;
        b
    }

    /// The current path ends (`return`, `break`, a diverging call): what
    /// follows in the source is unreachable from here.
    fn diverge(&mut self) {
        self.cur = self.ir.new_block();
    }

    /// The current path leaves the function (`return`, `panic!`,
    /// `process::exit`).
    fn leave_function(&mut self) {
        self.diverge();
        self.returned.insert(self.cur);
    }

    /// At the end of a branch: marks the current control as one whose every
    /// path left the function, if nothing reached its end.
    fn note_returns(&mut self) {
        if let (Some(id), true) = (self.ctx(), self.returned.contains(&self.cur)) {
            self.controls[id as usize].returns = true;
        }
        if let (Some(id), true) = (self.ctx(), self.broke.contains(&self.cur)) {
            self.controls[id as usize].breaks = true;
        }
    }

    fn end(&mut self, slot: SlotId, span: Option<Span>, kind: EndKind, escapes: bool) {
        self.emit(Stmt::End { slot, span, kind, escapes, on_exit: false });
    }

    // ----- scopes -----

    fn push_scope(&mut self, kind: ScopeKind) {
        self.scopes.push(Scope { kind, names: Vec::new(), slots: Vec::new() });
    }

    /// Ends the innermost scope on the current path: its slots end, last
    /// made first. `end` is the place of a block's end.
    fn pop_scope(&mut self, end: Option<Span>) {
        let depth = self.scopes.len() - 1;
        self.end_scopes(depth, end, false);
        self.scopes.pop();
    }

    /// Emits the ends of every slot in the scopes from `depth` up, innermost
    /// first, without leaving them in the lowering (a jump leaves them on
    /// its own edge).
    fn end_scopes(&mut self, depth: usize, span: Option<Span>, on_exit: bool) {
        let mut ends = Vec::new();
        for scope in self.scopes[depth..].iter().rev() {
            let kind = match scope.kind {
                ScopeKind::Block => EndKind::ScopeEnd,
                ScopeKind::Temp(_) => EndKind::TemporaryEnd,
            };
            for &(slot, quiet) in scope.slots.iter().rev() {
                let span = if quiet || kind == EndKind::TemporaryEnd { None } else { span };
                ends.push(Stmt::End { slot, span, kind, escapes: false, on_exit });
            }
        }
        for e in ends {
            self.emit(e);
        }
    }

    fn innermost(&self, block: bool) -> usize {
        self.scopes
            .iter()
            .rposition(|s| (s.kind == ScopeKind::Block) == block)
            .expect("a body always has a block scope and a temporary scope")
    }

    /// A new temporary, owned by the innermost temporary scope.
    fn new_temp(&mut self) -> SlotId {
        let at = self.innermost(false);
        self.new_temp_in(at)
    }

    fn new_temp_in(&mut self, scope: usize) -> SlotId {
        let slot = self.ir.new_slot(None);
        self.scopes[scope].slots.push((slot, false));
        slot
    }

    fn temp_kind(&self) -> TempScope {
        match self.scopes[self.innermost(false)].kind {
            ScopeKind::Temp(k) => k,
            ScopeKind::Block => TempScope::Statement,
        }
    }

    /// A new binding in the innermost block scope; it shadows older ones.
    fn declare(&mut self, name: String, origin: LocalOrigin, quiet: bool) -> SlotId {
        let slot = self.ir.new_slot(Some(name.clone()));
        let at = self.innermost(true);
        self.scopes[at].names.push((name, slot, origin));
        self.scopes[at].slots.push((slot, quiet));
        slot
    }

    fn declare_pat(&mut self, pat: &Pat, quiet: bool) -> Vec<SlotId> {
        let mut names = Vec::new();
        pat_names(pat, &mut names);
        names.into_iter().map(|(n, _)| self.declare(n, LocalOrigin::Unknown, quiet)).collect()
    }

    /// The local a name refers to here: a binding of this body, or a local
    /// of an enclosing body captured on this first use.
    fn lookup(&mut self, name: &str) -> Option<(SlotId, &LocalOrigin)> {
        if self.binding(name).is_none() {
            let origin = self.env.get(name)?.clone();
            let slot = self.ir.new_slot(Some(name.to_string()));
            self.scopes[0].names.push((name.to_string(), slot, origin));
            self.scopes[0].slots.push((slot, false));
            self.captured.push((name.to_string(), slot));
        }
        self.binding(name)
    }

    fn binding(&self, name: &str) -> Option<(SlotId, &LocalOrigin)> {
        self.scopes.iter().rev().flat_map(|s| s.names.iter().rev()).find(|(n, _, _)| n == name).map(|(_, s, o)| (*s, o))
    }

    /// What a name's declaration says about it, without capturing it.
    fn origin_of_name(&self, name: &str) -> Option<&LocalOrigin> {
        self.binding(name).map(|(_, o)| o).or_else(|| self.env.get(name))
    }

    // ----- control contexts -----

    fn ctx(&self) -> Option<u32> {
        self.ctx_stack.last().copied()
    }

    fn enter(&mut self, kind: ControlKind, span: Span) {
        let parent = self.ctx();
        self.controls.push(Control {
            kind,
            span,
            parent,
            stmts: 0,
            returns: false,
            breaks: false,
            binds_item: false,
            bound_to: None,
        });
        self.ctx_stack.push(self.controls.len() as u32 - 1);
    }

    fn leave(&mut self) {
        self.ctx_stack.pop();
    }

    /// Records the statement count of the block the current control is.
    fn note_block(&mut self, b: &Block) {
        if let Some(id) = self.ctx() {
            self.controls[id as usize].stmts = b.stmts.len() as u32;
        }
    }

    // ----- spans -----

    fn span_expr(&self, e: &Expr) -> Span {
        self.items.spans.expr(e)
    }

    fn block_span(&self, b: &Block) -> Span {
        self.items.spans.between(b.brace_token.span.open(), b.brace_token.span.close())
    }

    fn close_of(&self, b: &Block) -> Span {
        self.items.spans.of(b.brace_token.span.close())
    }

    fn text(&self, span: Span) -> String {
        let s = self.items.raw.get(span.lo as usize..span.hi as usize).unwrap_or("");
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    // ----- facts -----

    fn record_await(&mut self, span: Span, kind: AwaitKind) {
        let idx = self.awaits.len() as u32;
        self.awaits.push(AwaitPoint { span, kind, ctx: self.ctx(), local: None });
        if self.closure.is_none() {
            self.emit(Stmt::Await { idx });
        }
    }

    fn acquire(&mut self, mc: &syn::ExprMethodCall, span: Span, awaited: bool) -> SlotId {
        let made = AcquireCall {
            method_span: self.items.spans.of(mc.method.span()),
            method: mc.method.to_string(),
            receiver: self.place(&mc.receiver),
            has_args: !mc.args.is_empty(),
            callee: None,
        };
        self.acquire_by(made, span, awaited)
    }

    /// `data::get()`: a crate function declared to return a guard.
    fn acquire_by_path(&mut self, c: &syn::ExprCall, path: Vec<String>, span: Span, awaited: bool) -> SlotId {
        let made = AcquireCall {
            method_span: self.span_expr(&c.func),
            method: path.last().cloned().unwrap_or_default(),
            receiver: Place { root: PlaceRoot::Unknown, projections: Vec::new(), text: self.text(span) },
            has_args: !c.args.is_empty(),
            callee: Some(path),
        };
        self.acquire_by(made, span, awaited)
    }

    fn acquire_by(&mut self, made: AcquireCall, span: Span, awaited: bool) -> SlotId {
        let key = (span.lo, span.hi);
        let id = match self.acq_by_span.get(&key) {
            Some(&id) => id,
            None => {
                let id = self.acqs.len() as u32;
                self.acqs.push(Acquisition {
                    span,
                    method_span: made.method_span,
                    method: made.method,
                    receiver: made.receiver,
                    shape: CallShape { awaited, unwrapped: false, has_args: made.has_args },
                    holder: Holder::Temporary,
                    temp_scope: self.temp_kind(),
                    held_at: Vec::new(),
                    end: None,
                    escapes: false,
                    captured_from: None,
                    value_bound_to: None,
                    held_on_acquire: Vec::new(),
                    uses: 0,
                    ctx: self.ctx(),
                    wildcard_span: None,
                    callee: made.callee,
                });
                self.acq_by_span.insert(key, id);
                id
            }
        };
        let into = self.new_temp();
        self.temp_acq.insert(into, id);
        self.emit(Stmt::Acquire { acq: id, into });
        into
    }

    fn mark_unwrapped(&mut self, slot: SlotId) {
        if let Some(&id) = self.temp_acq.get(&slot) {
            self.acqs[id as usize].shape.unwrapped = true;
        }
    }

    fn record_call<'e>(&mut self, span: Span, callee: Callee, args: impl Iterator<Item = &'e Expr>, interesting: bool) {
        if !interesting && !self.track_calls {
            return;
        }
        let mut arg_count = 0;
        let mut idents = HashSet::new();
        let mut const_duration_nanos = None;
        let mut arg_locals = Vec::new();
        for a in args {
            arg_count += 1;
            arg_locals.push(handed_local(a));
            idents.extend(used_idents(a));
            if const_duration_nanos.is_none() {
                const_duration_nanos = const_duration(a);
            }
        }
        let mut arg_idents: Vec<String> = idents.into_iter().collect();
        arg_idents.sort();
        let idx = self.calls.len() as u32;
        self.calls.push(Call {
            span,
            callee,
            arg_count,
            held: Vec::new(),
            in_closure: self.closure.clone(),
            in_loop: self.loop_depth > 0,
            bound_to: None,
            arg_idents,
            arg_locals,
            awaited: false,
            unwinding: self.unwinding,
            const_duration_nanos,
            test_only: self.cfg_test > 0,
            as_future: false,
            closure_wrapped_for: self.closure_wrapped_for.clone(),
            chain_start: None,
            ctx: self.ctx(),
        });
        self.interesting_calls.push(interesting);
        self.call_by_span.entry((span.lo, span.hi)).or_insert(idx);
        self.emit(Stmt::Call { idx });
    }

    fn call_at(&mut self, span: Span) -> Option<&mut Call> {
        let idx = *self.call_by_span.get(&(span.lo, span.hi))?;
        self.calls.get_mut(idx as usize)
    }

    // ----- expressions -----

    /// Lowers an expression; returns the slot whose value is the
    /// expression's value when that may be a guard (a guard made here, a
    /// local, a block's or branch's value), after adapters like `.unwrap()`.
    fn lower_expr(&mut self, e: &Expr) -> Option<SlotId> {
        match e {
            Expr::Await(a) => {
                if let Expr::MethodCall(mc) = strip(&a.base) {
                    if self.is_acquire(&mc.method.to_string()) {
                        self.call_parts(mc);
                        let span = self.span_expr(e);
                        self.record_await(self.items.spans.of(a.await_token.span), AwaitKind::Await);
                        return Some(self.acquire(mc, span, true));
                    }
                }
                if let Expr::Call(c) = strip(&a.base) {
                    if let Some(path) = self.guard_fn_path(c) {
                        let span = self.span_expr(e);
                        self.guard_fn_call_parts(c, &path, self.span_expr(strip(&a.base)));
                        self.record_await(self.items.spans.of(a.await_token.span), AwaitKind::Await);
                        return Some(self.acquire_by_path(c, path, span, true));
                    }
                }
                let base = self.span_expr(strip(&a.base));
                let saved = self.await_operand.replace(base);
                self.lower_expr(&a.base);
                self.await_operand = saved;
                if let Some(c) = self.call_at(base) {
                    c.awaited = true;
                }
                self.record_await(self.items.spans.of(a.await_token.span), AwaitKind::Await);
                self.note_awaited_local(&a.base);
                None
            }
            Expr::MethodCall(mc) => self.method_call(e, mc),
            Expr::Try(t) => {
                let v = self.lower_expr(&t.expr);
                self.note_early_exit(self.items.spans.of(t.question_token.span), true);
                if let Some(v) = v {
                    self.mark_unwrapped(v);
                }
                v
            }
            Expr::Call(c) => self.call(e, c),
            Expr::Path(p) => {
                if p.qself.is_none() && p.path.segments.len() == 1 && p.path.leading_colon.is_none() {
                    let (slot, _) = self.lookup(&p.path.segments[0].ident.to_string())?;
                    self.emit(Stmt::Use { slot });
                    return Some(slot);
                }
                None
            }
            Expr::Paren(p) => self.lower_expr(&p.expr),
            Expr::Group(g) => self.lower_expr(&g.expr),
            Expr::Reference(r) => {
                self.lower_expr(&r.expr);
                None
            }
            Expr::Unary(u) => {
                self.lower_expr(&u.expr);
                None
            }
            Expr::Field(f) => {
                self.lower_expr(&f.base);
                None
            }
            Expr::Index(i) => {
                self.lower_expr(&i.expr);
                self.lower_expr(&i.index);
                None
            }
            Expr::Binary(b) if is_compound_assign(&b.op) => {
                // For primitives the value is evaluated first.
                self.lower_expr(&b.right);
                self.lower_expr(&b.left);
                self.record_write(e, &b.left, &b.right, true);
                None
            }
            Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_) | syn::BinOp::Or(_)) && !has_let(e) => {
                self.lazy_boolean(&b.left, &b.right);
                None
            }
            Expr::Binary(b) => {
                self.lower_expr(&b.left);
                self.lower_expr(&b.right);
                None
            }
            Expr::Assign(a) => {
                self.assign(e, a);
                None
            }
            Expr::Block(b) => match &b.label {
                Some(label) => self.labeled_block(label.name.ident.to_string(), &b.block),
                None => self.lower_block(&b.block),
            },
            Expr::Unsafe(u) => self.lower_block(&u.block),
            Expr::TryBlock(t) => {
                self.lower_block(&t.block);
                None
            }
            Expr::If(i) => {
                self.enter(ControlKind::If, self.span_expr(e));
                let v = self.if_expr(i);
                self.leave();
                v
            }
            Expr::Match(m) => {
                self.enter(ControlKind::Match, self.span_expr(e));
                let v = self.match_expr(m);
                self.leave();
                v
            }
            Expr::While(w) => {
                self.enter(ControlKind::While, self.span_expr(e));
                self.while_expr(w);
                self.leave();
                None
            }
            Expr::ForLoop(f) => {
                self.enter(ControlKind::For, self.span_expr(e));
                self.for_expr(f);
                self.leave();
                None
            }
            Expr::Loop(l) => {
                self.enter(ControlKind::Loop, self.span_expr(e));
                let v = self.loop_expr(l);
                self.leave();
                v
            }
            Expr::Let(l) => {
                self.lower_expr(&l.expr);
                None
            }
            Expr::Closure(c) => {
                self.closure(c);
                None
            }
            Expr::Async(a) => {
                let span = self.items.spans.of(a.async_token.span);
                self.nested_async(BodyKind::AsyncBlock, a.capture.is_some(), Vec::new(), &a.block, span);
                None
            }
            Expr::Macro(m) => {
                self.macro_call(&m.mac);
                None
            }
            Expr::Return(r) => {
                self.note_early_exit(self.span_expr(e), false);
                if let Some(v) = &r.expr {
                    if let Some(slot) = self.lower_expr(v) {
                        let span = self.span_expr(v);
                        self.end(slot, Some(span), EndKind::Move, true);
                    }
                }
                self.leave_function();
                None
            }
            Expr::Break(b) => {
                let value = b.expr.as_ref().and_then(|v| self.lower_expr(v));
                let label = b.label.as_ref().map(|l| l.ident.to_string());
                let span = self.span_expr(e);
                if let Some(t) = self.find_target(label.as_deref(), false) {
                    let (depth, exit, result) = (self.targets[t].depth, self.targets[t].exit, self.targets[t].result);
                    if let Some(v) = value {
                        self.targets[t].has_value = true;
                        self.emit(Stmt::Move { from: v, to: result });
                    }
                    self.end_scopes(depth, Some(span), true);
                    self.ir.edge(self.cur, exit);
                }
                self.diverge();
                if label.is_none() && b.expr.is_none() {
                    self.broke.insert(self.cur);
                }
                None
            }
            Expr::Continue(c) => {
                let label = c.label.as_ref().map(|l| l.ident.to_string());
                let span = self.span_expr(e);
                if let Some(t) = self.find_target(label.as_deref(), true) {
                    let (depth, head) = (self.targets[t].depth, self.targets[t].head);
                    self.end_scopes(depth, Some(span), true);
                    if let Some(head) = head {
                        self.ir.edge(self.cur, head);
                    }
                }
                self.diverge();
                None
            }
            Expr::Struct(s) => {
                self.note_field_inits(s);
                let mut parts = Vec::new();
                for f in &s.fields {
                    parts.extend(self.lower_expr(&f.expr));
                }
                if let Some(rest) = &s.rest {
                    self.lower_expr(rest);
                }
                // A struct that takes guards by value holds them: what
                // happens to the struct happens to them.
                self.aggregate(parts)
            }
            Expr::Tuple(t) => {
                self.consume_all(t.elems.iter());
                None
            }
            Expr::Array(a) => {
                self.consume_all(a.elems.iter());
                None
            }
            Expr::Repeat(r) => {
                self.lower_expr(&r.expr);
                None
            }
            Expr::Cast(c) => {
                self.lower_expr(&c.expr);
                None
            }
            Expr::Range(r) => {
                if let Some(s) = &r.start {
                    self.lower_expr(s);
                }
                if let Some(s) = &r.end {
                    self.lower_expr(s);
                }
                None
            }
            Expr::Yield(y) => {
                if let Some(v) = &y.expr {
                    self.lower_expr(v);
                }
                None
            }
            _ => None,
        }
    }
}

/// Analyses body `idx` (lowered, not yet analysed) with `seed` live on
/// entry, then the bodies nested in it with the guards they capture.
fn analyze_tree(items: &mut ItemWalker, idx: u32, seed: State) {
    let Some(lowered) = items.lowered.remove(&idx) else { return };
    if let Some(dumps) = &mut items.ir_dumps {
        dumps.push((idx, crate::analysis::ir::dump::dump(&lowered.ir)));
    }
    let body = &mut items.facts.bodies[idx as usize];
    let captures = liveness::analyze(&lowered.ir, body, seed);
    // Calls recorded only in case a guard was live there, and none was.
    let mut keep = lowered.interesting_calls.iter();
    body.calls.retain(|c| *keep.next().unwrap_or(&true) || !c.held.is_empty());
    let nested: Vec<u32> = lowered.ir.nested().map(|(b, _)| b).collect();
    for child in nested {
        let mut pairs = Vec::new();
        if let Some(caught) = captures.get(&child) {
            let mut copied: HashMap<u32, u32> = HashMap::new();
            for &(inner_slot, outer_acq) in caught {
                let id = *copied.entry(outer_acq).or_insert_with(|| {
                    let mut a = items.facts.bodies[idx as usize].acquisitions[outer_acq as usize].clone();
                    a.held_at.clear();
                    a.held_on_acquire.clear();
                    a.end = None;
                    a.escapes = false;
                    a.uses = 0;
                    a.captured_from = Some((idx, outer_acq));
                    let inner = &mut items.facts.bodies[child as usize].acquisitions;
                    inner.push(a);
                    inner.len() as u32 - 1
                });
                pairs.push((inner_slot, id));
            }
        }
        analyze_tree(items, child, State::from_pairs(pairs));
    }
}

/// A pattern that binds the whole matched value, or the payload of `Ok` /
/// `Some`, to one name by value.
fn binds_whole_value(p: &Pat) -> bool {
    match p {
        // An upper-case name is a constant or a unit variant (`None`).
        Pat::Ident(i) => {
            i.by_ref.is_none() && i.subpat.is_none() && !i.ident.to_string().starts_with(|c: char| c.is_uppercase())
        }
        Pat::TupleStruct(t) => {
            t.path.segments.last().is_some_and(|s| s.ident == "Ok" || s.ident == "Some")
                && t.elems.len() == 1
                && matches!(&t.elems[0], Pat::Ident(i) if i.by_ref.is_none() && i.subpat.is_none())
        }
        Pat::Paren(p) => binds_whole_value(&p.pat),
        Pat::Type(t) => binds_whole_value(&t.pat),
        _ => false,
    }
}
