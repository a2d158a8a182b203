//! Lowering one body from syntax into the body IR ([`crate::ir`]).
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
//! What is live where is decided afterwards by [`crate::ir::liveness`],
//! once the whole tree of bodies of a function is lowered: a nested async
//! body learns which guards it captures only from the enclosing body's
//! analysis.

use std::collections::{HashMap, HashSet};

use syn::parse::Parser;
use syn::{Block, Expr, Pat};

use super::items::{BodyHeader, ItemWalker};
use super::syntax::*;
use super::types::{constructed_type, path_segments, type_repr};
use super::vocab::*;
use crate::diagnostic::Span;
use crate::facts::*;
use crate::ir::liveness::{self, State};
use crate::ir::{BlockId, BodyIr, SlotId, Stmt, Through};

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
    ir: BodyIr,
    cur: BlockId,
    scopes: Vec<Scope>,
    targets: Vec<Target>,
    loop_depth: u32,
    /// Inside a non-async closure: the callee it was passed to, if any.
    closure: Option<String>,
    /// Callee whose arguments are being lowered (for closures passed to it).
    arg_of: Option<String>,
    acq_by_span: HashMap<(u32, u32), u32>,
    /// The acquisition whose guard a temporary was made for.
    temp_acq: HashMap<SlotId, u32>,
    /// For an async block or closure: the enclosing body's locals it may
    /// name. A name found only here is a capture, given a slot of this body
    /// on first use.
    env: HashMap<String, LocalOrigin>,
    /// The captures made so far: name and this body's slot.
    captured: Vec<(String, SlotId)>,
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
            ir,
            cur: entry,
            scopes: Vec::new(),
            targets: Vec::new(),
            loop_depth: 0,
            closure: None,
            arg_of: None,
            acq_by_span: HashMap::new(),
            temp_acq: HashMap::new(),
            env: HashMap::new(),
            captured: Vec::new(),
        };
        this.push_scope(ScopeKind::Block);
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
        self.controls.push(Control { kind, span, parent, stmts: 0 });
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
        self.awaits.push(AwaitPoint { span, kind, ctx: self.ctx() });
        if self.closure.is_none() {
            self.emit(Stmt::Await { idx });
        }
    }

    fn acquire(&mut self, mc: &syn::ExprMethodCall, span: Span, awaited: bool) -> SlotId {
        let key = (span.lo, span.hi);
        let id = match self.acq_by_span.get(&key) {
            Some(&id) => id,
            None => {
                let id = self.acqs.len() as u32;
                self.acqs.push(Acquisition {
                    span,
                    method_span: self.items.spans.of(mc.method.span()),
                    method: mc.method.to_string(),
                    receiver: self.place(&mc.receiver),
                    shape: CallShape { awaited, unwrapped: false, has_args: !mc.args.is_empty() },
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
        for a in args {
            arg_count += 1;
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
            awaited: false,
            unwinding: self.unwinding,
            const_duration_nanos,
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

    // ----- places and origins -----

    fn place(&self, e: &Expr) -> Place {
        let span = self.span_expr(e);
        let mut projections = Vec::new();
        let mut cur = e;
        let root = loop {
            match cur {
                Expr::Field(f) => {
                    projections.push(Projection::Field(match &f.member {
                        syn::Member::Named(n) => n.to_string(),
                        syn::Member::Unnamed(i) => i.index.to_string(),
                    }));
                    cur = &f.base;
                }
                Expr::MethodCall(m) if m.args.is_empty() => {
                    projections.push(Projection::Method(m.method.to_string()));
                    cur = &m.receiver;
                }
                Expr::MethodCall(m) if m.method == "get" || m.method == "get_mut" => {
                    projections.push(Projection::Index);
                    cur = &m.receiver;
                }
                Expr::Index(i) => {
                    projections.push(Projection::Index);
                    cur = &i.expr;
                }
                Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
                    projections.push(Projection::Deref);
                    cur = &u.expr;
                }
                Expr::Paren(p) => cur = &p.expr,
                Expr::Group(g) => cur = &g.expr,
                Expr::Reference(r) => cur = &r.expr,
                Expr::Try(t) => cur = &t.expr,
                Expr::Path(p) if p.qself.is_none() => break self.path_root(&p.path),
                Expr::Call(c) if c.args.len() == 1 => {
                    // `Arc::clone(&x)`, `Pin::new(&x)`: the same place.
                    if let Expr::Path(p) = &*c.func {
                        let segs = path_segments(&p.path);
                        if segs.last().is_some_and(|s| s == "clone" || s == "as_ref" || s == "new") {
                            cur = &c.args[0];
                            continue;
                        }
                    }
                    break PlaceRoot::Unknown;
                }
                _ => break PlaceRoot::Unknown,
            }
        };
        projections.reverse();
        Place { root, projections, text: self.text(span) }
    }

    fn path_root(&self, path: &syn::Path) -> PlaceRoot {
        if path.segments.len() == 1 && path.leading_colon.is_none() {
            let name = path.segments[0].ident.to_string();
            if name == "self" {
                return PlaceRoot::SelfValue;
            }
            if let Some(origin) = self.origin_of_name(&name) {
                return PlaceRoot::Local { origin: origin.clone(), name };
            }
        }
        PlaceRoot::Path(path_segments(path))
    }

    /// What a `let` initializer tells about the value's type.
    fn origin_of(&self, e: &Expr) -> LocalOrigin {
        match e {
            Expr::Paren(p) => self.origin_of(&p.expr),
            Expr::Group(g) => self.origin_of(&g.expr),
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else { return LocalOrigin::Unknown };
                let segs = path_segments(&p.path);
                let last = segs.last().map(String::as_str).unwrap_or("");
                let wrapper = segs.len() >= 2 && matches!(segs[segs.len() - 2].as_str(), "Arc" | "Rc" | "Box");
                if wrapper && last == "clone" && c.args.len() == 1 {
                    return self.alias_of(&c.args[0]);
                }
                let Some(ty) = constructed_type(&p.path) else { return LocalOrigin::Unknown };
                if wrapper && last == "new" && c.args.len() == 1 {
                    // `Arc::new(Mutex::new(..))`: Arc<whatever the argument is>.
                    if let LocalOrigin::Constructed(inner) | LocalOrigin::Declared(inner) = self.origin_of(&c.args[0]) {
                        let segments = match ty {
                            TypeRepr::Path { segments, .. } => segments,
                            _ => vec!["Arc".to_string()],
                        };
                        return LocalOrigin::Constructed(TypeRepr::Path { segments, args: vec![inner] });
                    }
                }
                LocalOrigin::Constructed(ty)
            }
            Expr::Struct(s) if s.qself.is_none() => LocalOrigin::Constructed(super::types::path_type(&s.path)),
            Expr::MethodCall(m) if m.args.is_empty() && m.method == "clone" => self.alias_of(&m.receiver),
            Expr::Reference(r) => self.alias_of(&r.expr),
            Expr::Path(_) | Expr::Field(_) => self.alias_of(e),
            _ => LocalOrigin::Unknown,
        }
    }

    /// `if let Some(x) = <place>`: `x` is the place seen through `Option`
    /// (and `&`), which resolution sees through.
    fn some_binding(&self, cond: &Expr) -> Option<(String, LocalOrigin)> {
        let Expr::Let(l) = strip(cond) else { return None };
        let Pat::TupleStruct(ts) = &*l.pat else { return None };
        if ts.qself.is_some() || ts.path.segments.last()?.ident != "Some" || ts.elems.len() != 1 {
            return None;
        }
        let inner = match &ts.elems[0] {
            Pat::Ident(id) if id.subpat.is_none() => id.ident.to_string(),
            _ => return None,
        };
        match self.alias_of(&l.expr) {
            LocalOrigin::Unknown => None,
            o => Some((inner, o)),
        }
    }

    /// A method that yields a guard: a known acquire method, or a method of
    /// this file declared to return a guard type.
    fn is_acquire(&self, name: &str) -> bool {
        is_acquire_method(name) || self.items.guard_fns.contains(name)
    }

    /// `Ty { field: local }`, `Ty { local }`, `Ty { field: local.clone() }`.
    fn note_field_inits(&mut self, s: &syn::ExprStruct) {
        let Some(ty) = s.path.segments.last().map(|seg| seg.ident.to_string()) else { return };
        for f in &s.fields {
            let syn::Member::Named(field) = &f.member else { continue };
            let LocalOrigin::Alias(place) = self.alias_of(&f.expr) else { continue };
            let PlaceRoot::Local { name, .. } = &place.root else { continue };
            if !place.projections.iter().all(|p| matches!(p, Projection::Method(m) if m == "clone")) {
                continue;
            }
            let span = self.span_expr(&f.expr);
            self.field_inits.push(FieldInit { ty: ty.clone(), field: field.to_string(), local: name.clone(), span });
        }
    }

    /// `Handle(local)`, `Handle(local.clone())`: field `0` holds that local.
    fn note_tuple_field_inits(&mut self, ty: &str, c: &syn::ExprCall) {
        for (i, arg) in c.args.iter().enumerate() {
            let LocalOrigin::Alias(place) = self.alias_of(arg) else { continue };
            let PlaceRoot::Local { name, .. } = &place.root else { continue };
            if !place.projections.iter().all(|p| matches!(p, Projection::Method(m) if m == "clone")) {
                continue;
            }
            let span = self.span_expr(arg);
            self.field_inits.push(FieldInit { ty: ty.to_string(), field: i.to_string(), local: name.clone(), span });
        }
    }

    fn alias_of(&self, e: &Expr) -> LocalOrigin {
        let place = self.place(e);
        if place.root == PlaceRoot::Unknown {
            LocalOrigin::Unknown
        } else {
            LocalOrigin::Alias(Box::new(place))
        }
    }

    /// The acquisition span of an expression that evaluates to a guard
    /// through adapters (`m.lock().unwrap()` → span of `m.lock()`).
    fn guard_value_span(&self, e: &Expr) -> Option<Span> {
        match strip(e) {
            Expr::MethodCall(m) if self.is_acquire(&m.method.to_string()) => Some(self.span_expr(strip(e))),
            Expr::MethodCall(m) if is_guard_adapter(&m.method.to_string()) => self.guard_value_span(&m.receiver),
            Expr::Try(t) => self.guard_value_span(&t.expr),
            Expr::Await(a) => match strip(&a.base) {
                Expr::MethodCall(m) if self.is_acquire(&m.method.to_string()) => Some(self.span_expr(strip(e))),
                _ => None,
            },
            _ => None,
        }
    }

    /// Is the scrutinee exactly `m.try_lock()` (or `m.try_lock().ok()`)? Its
    /// guard exists only where the value matched `Ok(..)` / `Some(..)`.
    fn is_try_scrutinee(&self, e: &Expr) -> bool {
        let mut e = strip(e);
        if let Expr::MethodCall(mc) = e {
            if mc.method == "ok" && mc.args.is_empty() {
                e = strip(&mc.receiver);
            }
        }
        let Expr::MethodCall(mc) = e else { return false };
        if !mc.method.to_string().starts_with("try_") {
            return false;
        }
        let span = self.span_expr(e);
        self.acq_by_span.contains_key(&(span.lo, span.hi))
    }

    // ----- blocks and statements -----

    /// Lowers a block in its own scope; returns the slot holding the
    /// block's value (owned by the enclosing temporary scope), if any.
    fn lower_block(&mut self, block: &Block) -> Option<SlotId> {
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
    fn tail_expr(&mut self, e: &Expr, outer: usize) -> Option<SlotId> {
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

    fn stmt(&mut self, stmt: &syn::Stmt) {
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

    fn local(&mut self, local: &syn::Local) {
        self.push_scope(ScopeKind::Temp(TempScope::Statement));
        let mut value = None;
        let mut origin = LocalOrigin::Unknown;
        let acqs_before = self.acqs.len();
        if let Some(init) = &local.init {
            value = match self.extended_base(&init.expr) {
                // `let r = &mut *m.lock().unwrap();`: the guard temporary
                // lives as long as the binding.
                Some(_) => self.lower_extended(&init.expr),
                None => self.lower_expr(&init.expr),
            };
            origin = self.origin_of(&init.expr);
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
            for a in &mut self.acqs[acqs_before..] {
                if a.holder == Holder::Temporary && a.value_bound_to.is_none() {
                    a.value_bound_to = Some(first_name.clone());
                }
            }
        }
        let mut bind_span = None;
        if let Pat::Ident(id) = pat {
            let span = self.items.spans.of(id.ident.span());
            bind_span = Some(span);
            self.locals.push(LocalDecl { name: id.ident.to_string(), span, origin: origin.clone() });
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
    fn extended_base<'e>(&self, init: &'e Expr) -> Option<&'e Expr> {
        let Expr::Reference(r) = strip(init) else { return None };
        let mut cur = strip(&r.expr);
        loop {
            match cur {
                Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => cur = strip(&u.expr),
                Expr::Field(f) => cur = strip(&f.base),
                Expr::Index(i) => cur = strip(&i.expr),
                _ => break,
            }
        }
        self.guard_value_span(cur).map(|_| cur)
    }

    /// Lowers a reference into a guard expression; returns the guard's slot.
    fn lower_extended(&mut self, e: &Expr) -> Option<SlotId> {
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
                self.lower_expr(&a.base);
                let base = self.span_expr(strip(&a.base));
                if let Some(c) = self.call_at(base) {
                    c.awaited = true;
                }
                self.record_await(self.items.spans.of(a.await_token.span), AwaitKind::Await);
                None
            }
            Expr::MethodCall(mc) => self.method_call(e, mc),
            Expr::Try(t) => {
                let v = self.lower_expr(&t.expr);
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
                if let Some(v) = &r.expr {
                    if let Some(slot) = self.lower_expr(v) {
                        let span = self.span_expr(v);
                        self.end(slot, Some(span), EndKind::Move, true);
                    }
                }
                self.diverge();
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

    /// Values moved into one new value (a struct, `Some(g)`): its slot.
    fn aggregate(&mut self, parts: Vec<SlotId>) -> Option<SlotId> {
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
    fn lazy_boolean(&mut self, left: &Expr, right: &Expr) {
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

    fn find_target(&self, label: Option<&str>, for_continue: bool) -> Option<usize> {
        match label {
            Some(l) => self.targets.iter().rposition(|t| t.label.as_deref() == Some(l)),
            None => self.targets.iter().rposition(|t| !t.is_block),
        }
        .filter(|&t| !for_continue || self.targets[t].head.is_some())
    }

    /// Values placed into a tuple, array or call are moved there.
    fn consume_all<'e>(&mut self, exprs: impl Iterator<Item = &'e Expr>) {
        for e in exprs {
            if let Some(v) = self.lower_expr(e) {
                let span = self.span_expr(e);
                self.end(v, Some(span), EndKind::Move, true);
            }
        }
    }

    fn call_parts(&mut self, mc: &syn::ExprMethodCall) {
        self.lower_expr(&mc.receiver);
        let saved = self.arg_of.replace(format!(".{}", mc.method));
        self.consume_all(mc.args.iter());
        self.arg_of = saved;
    }

    fn method_call(&mut self, e: &Expr, mc: &syn::ExprMethodCall) -> Option<SlotId> {
        let name = mc.method.to_string();
        if self.is_acquire(&name) {
            self.call_parts(mc);
            let span = self.span_expr(e);
            let slot = self.acquire(mc, span, false);
            let receiver = Some(self.place(&mc.receiver));
            self.record_call(span, Callee::Method { receiver, name }, mc.args.iter(), true);
            return Some(slot);
        }
        // `AssertUnwindSafe(fut).catch_unwind()`: the receiver's panic is caught.
        let saved_unwinding = self.unwinding;
        if name == "catch_unwind" {
            self.unwinding = within(self.unwinding, Some(Unwinding::Caught));
        }
        let recv = self.lower_expr(&mc.receiver);
        self.unwinding = saved_unwinding;
        let saved = self.arg_of.replace(format!(".{name}"));
        self.unwinding = within(self.unwinding, unwinding_of(&name));
        self.consume_all(mc.args.iter());
        self.unwinding = saved_unwinding;
        self.arg_of = saved;
        let span = self.span_expr(e);
        let interesting = is_interesting_method(&name) || is_self_receiver(&mc.receiver);
        if interesting || self.track_calls {
            let receiver = Some(self.place(&mc.receiver));
            self.record_call(span, Callee::Method { receiver, name: name.clone() }, mc.args.iter(), interesting);
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

    fn call(&mut self, e: &Expr, c: &syn::ExprCall) -> Option<SlotId> {
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
        let value = self.aggregate(parts);
        if is_constructor && !matches!(last.as_str(), "Some" | "Ok" | "Err") {
            self.note_tuple_field_inits(&last, c);
        }
        if let Some(path) = path {
            let interesting = is_interesting_fn(&last) || self.is_async || is_followable_path(&path);
            let diverges = last == "exit" && path.iter().any(|s| s == "process");
            self.record_call(span, Callee::Path(path), c.args.iter(), interesting);
            if diverges {
                self.diverge();
            }
        }
        value
    }

    /// The argument of `drop(..)`: a local is dropped, not used.
    fn dropped_operand(&mut self, arg: &Expr) -> Option<SlotId> {
        if let Expr::Path(p) = strip(arg) {
            if p.qself.is_none() && p.path.segments.len() == 1 && p.path.leading_colon.is_none() {
                if let Some((slot, _)) = self.lookup(&p.path.segments[0].ident.to_string()) {
                    return Some(slot);
                }
            }
        }
        self.lower_expr(arg)
    }

    fn record_write(&mut self, whole: &Expr, left: &Expr, right: &Expr, compound: bool) {
        let span = self.span_expr(whole);
        let mut base = strip(left);
        loop {
            match base {
                Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => base = strip(&u.expr),
                Expr::Field(f) => base = strip(&f.base),
                Expr::Index(i) => base = strip(&i.expr),
                _ => break,
            }
        }
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

    fn assign(&mut self, whole: &Expr, a: &syn::ExprAssign) {
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

    /// The scrutinee's value moves into the single by-value binding of a
    /// pattern such as `Ok(g)`, `Some(g)` or `g` (so `match m.try_lock() {
    /// Ok(g) => g, .. }` follows the guard).
    fn bind_scrutinee(&mut self, pat: &Pat, scrutinee: Option<SlotId>, slots: &[SlotId]) {
        let (Some(from), [to]) = (scrutinee, slots) else { return };
        if binds_whole_value(pat) {
            self.emit(Stmt::Move { from, to: *to });
        }
    }

    fn if_expr(&mut self, i: &syn::ExprIf) -> Option<SlotId> {
        let result_scope = self.innermost(false);
        let is_let = has_let(&i.cond);
        self.push_scope(ScopeKind::Temp(if is_let { TempScope::IfLetScrutinee } else { TempScope::Condition }));
        let cond_scope = self.scopes.len() - 1;
        self.enter(ControlKind::IfCond, self.span_expr(&i.cond));
        let simple_let = match strip(&i.cond) {
            Expr::Let(l) => Some(l),
            _ => None,
        };
        let scrutinee = match simple_let {
            Some(l) => self.lower_expr(&l.expr),
            None if is_let => {
                self.lower_let_chain(&i.cond);
                None
            }
            None => {
                self.lower_expr(&i.cond);
                None
            }
        };
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

    /// A let chain (`a && let P = e && b`): the scrutinees' temporaries
    /// live on in the chain's scope; every other operand is a temporary
    /// scope of its own.
    fn lower_let_chain(&mut self, e: &Expr) {
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
    fn option_emptiness_test(&mut self, cond: &Expr) -> Option<(SlotId, bool)> {
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
    fn branch_values(&mut self, scope: usize, ends: &[(BlockId, Option<SlotId>)]) -> Option<SlotId> {
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

    fn match_expr(&mut self, m: &syn::ExprMatch) -> Option<SlotId> {
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

    fn push_target(&mut self, label: Option<String>, head: Option<BlockId>) -> usize {
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
    fn pop_target(&mut self) -> Option<SlotId> {
        let t = self.targets.pop().expect("pushed by the caller");
        self.cur = t.exit;
        t.has_value.then_some(t.result)
    }

    fn labeled_block(&mut self, label: String, block: &Block) -> Option<SlotId> {
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

    fn loop_expr(&mut self, l: &syn::ExprLoop) -> Option<SlotId> {
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

    fn while_expr(&mut self, w: &syn::ExprWhile) {
        let label = w.label.as_ref().map(|l| l.name.ident.to_string());
        let is_let = has_let(&w.cond);
        let head = self.goto_new();
        let t = self.push_target(label, Some(head));
        self.loop_depth += 1;
        self.push_scope(ScopeKind::Temp(if is_let { TempScope::WhileLetScrutinee } else { TempScope::Condition }));
        let cond_scope = self.scopes.len() - 1;
        self.enter(ControlKind::WhileCond, self.span_expr(&w.cond));
        let simple_let = match strip(&w.cond) {
            Expr::Let(l) => Some(l),
            _ => None,
        };
        let scrutinee = match simple_let {
            Some(l) => self.lower_expr(&l.expr),
            None => {
                self.lower_expr(&w.cond);
                None
            }
        };
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

    fn for_expr(&mut self, f: &syn::ExprForLoop) {
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

    fn closure(&mut self, c: &syn::ExprClosure) {
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
        // The closure body runs at some other time: a region of its own
        // that starts with nothing live.
        let saved_cur = self.cur;
        self.cur = self.ir.new_block();
        self.ir.entries.push(self.cur);
        let saved_closure = self.closure.replace(self.arg_of.clone().unwrap_or_default());
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
        self.cur = saved_cur;
    }

    /// An async block or async closure: a body of its own. The locals of
    /// this body it names before declaring its own are its captures; `move`
    /// takes them.
    fn nested_async(&mut self, kind: BodyKind, is_move: bool, params: Vec<Param>, block: &Block, span: Span) {
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

    // ----- macros -----

    fn macro_call(&mut self, mac: &syn::Macro) {
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
                    self.diverge();
                }
            }
        }
        self.record_call(span, Callee::Macro(path), std::iter::empty(), false);
    }

    /// Lowers a function-like macro's arguments when they are expressions
    /// (`assert_eq!(f().await, 1)`, `format!`, `vec!`); otherwise finds the
    /// `.await`s in its tokens.
    fn macro_args(&mut self, mac: &syn::Macro) {
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

    fn select_macro(&mut self, mac: &syn::Macro, span: Span) {
        let Ok(branches) = parse_select.parse2(mac.tokens.clone()) else {
            self.scan_awaits(mac.tokens.clone());
            self.record_await(span, AwaitKind::Select);
            return;
        };
        for b in &branches {
            if let Some(f) = &b.future {
                self.lower_expr(f);
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
    fn scan_awaits(&mut self, tokens: proc_macro2::TokenStream) {
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

/// Analyses body `idx` (lowered, not yet analysed) with `seed` live on
/// entry, then the bodies nested in it with the guards they capture.
fn analyze_tree(items: &mut ItemWalker, idx: u32, seed: State) {
    let Some(lowered) = items.lowered.remove(&idx) else { return };
    if let Some(dumps) = &mut items.ir_dumps {
        dumps.push((idx, crate::ir::dump::dump(&lowered.ir)));
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

/// Does the function acquire anywhere (a method that may return a guard,
/// in code or in macro arguments)? If not, no guard can be live in it or in
/// the bodies nested in it, and calls made for no other reason need not be
/// recorded.
pub fn may_acquire(block: &Block, guard_fns: &HashSet<String>) -> bool {
    struct Finder<'g> {
        guard_fns: &'g HashSet<String>,
        found: bool,
    }
    impl Finder<'_> {
        fn name(&mut self, name: String) {
            if is_acquire_method(&name) || self.guard_fns.contains(&name) {
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
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            self.tokens(m.tokens.clone());
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {
            // Items nested in the body are functions of their own.
        }
    }
    let mut f = Finder { guard_fns, found: false };
    syn::visit::Visit::visit_block(&mut f, block);
    f.found
}
