//! Walking one body in evaluation order, tracking which guards are live.
//!
//! The state is the set of live guards. Each guard is owned either by a
//! binding (and dies at the end of the declaring block, or when dropped,
//! moved or reassigned) or by a temporary scope (statement, `if` condition,
//! `match`/`if let`/`while let` scrutinee, `for` iterator, match arm, block
//! tail in edition 2024). At every await point, every live guard is recorded
//! as held there. Branches are walked from the same entry state and joined
//! (a guard live on any path that reaches the join is live after it);
//! diverging paths (`return`, `break`, `continue`, `panic!`) do not join.
//! Loop bodies are walked a second time when a guard can reach the loop
//! head from a previous iteration.

use std::collections::{HashMap, HashSet};

use proc_macro2::{TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Block, Expr, Pat, Stmt, Token};

use super::items::{BodyHeader, ItemWalker};
use super::types::{constructed_type, path_segments, type_repr};
use crate::diagnostic::Span;
use crate::facts::*;

/// A parameter or captured local a body starts with.
#[derive(Clone)]
pub struct Param {
    pub name: String,
    pub origin: LocalOrigin,
}

/// Methods whose result may be a guard (lock guard, cell borrow, map ref,
/// semaphore permit). Resolution decides later whether it really is one.
pub fn is_acquire_method(name: &str) -> bool {
    matches!(
        name,
        "lock"
            | "try_lock"
            | "lock_owned"
            | "try_lock_owned"
            | "lock_arc"
            | "try_lock_arc"
            | "try_lock_for"
            | "try_lock_until"
            | "read"
            | "write"
            | "try_read"
            | "try_write"
            | "read_owned"
            | "write_owned"
            | "read_arc"
            | "write_arc"
            | "try_read_for"
            | "try_write_for"
            | "upgradable_read"
            | "try_upgradable_read"
            | "upgradable_read_arc"
            | "borrow"
            | "borrow_mut"
            | "try_borrow"
            | "try_borrow_mut"
            | "borrow_and_update"
            | "get"
            | "get_mut"
            | "try_get"
            | "try_get_mut"
            | "entry"
            | "try_entry"
            | "iter"
            | "iter_mut"
            | "acquire"
            | "acquire_owned"
            | "acquire_many"
            | "acquire_many_owned"
            | "try_acquire"
            | "try_acquire_owned"
            | "try_acquire_many"
            | "blocking_lock"
            | "blocking_read"
            | "blocking_write"
    )
}

/// Adapters that keep a guard the value of the expression: the `Result` or
/// `Option` around it is unwrapped or mapped over its error.
fn is_guard_adapter(name: &str) -> bool {
    matches!(
        name,
        "unwrap" | "expect" | "unwrap_or_else" | "map_err" | "ok" | "unwrap_unchecked" | "context" | "with_context"
    )
}

/// Adapters that consume a guard-holding `Option`/`Result` and drop the guard
/// inside (`map.get(&k).map(|r| r.clone())`).
fn is_guard_consumer(name: &str) -> bool {
    matches!(name, "map" | "and_then" | "map_or" | "map_or_else" | "cloned" | "copied" | "into_iter" | "filter")
}

/// Calls recorded even when no guard is live: the other rules ask for them.
fn is_interesting_method(name: &str) -> bool {
    matches!(
        name,
        "notify_one"
            | "notify_waiters"
            | "notify_last"
            | "notified"
            | "enable"
            | "send"
            | "send_replace"
            | "send_modify"
            | "send_if_modified"
            | "changed"
            | "recv"
            | "recv_timeout"
            | "blocking_recv"
            | "blocking_send"
            | "forget"
            | "add_permits"
            | "wait"
            | "wait_while"
            | "wait_timeout"
            | "wait_timeout_while"
            | "wait_for"
            | "wait_until"
            | "notify_all"
            | "load"
            | "store"
            | "swap"
            | "compare_exchange"
            | "compare_exchange_weak"
            | "fetch_update"
            | "set"
            | "take"
            | "replace"
            | "push"
            | "push_back"
            | "push_front"
            | "pop"
            | "pop_front"
            | "pop_back"
            | "insert"
            | "remove"
            | "contains_key"
            | "contains"
            | "len"
            | "is_empty"
            | "block_on"
            | "read_line"
    )
}

fn is_interesting_fn(last: &str) -> bool {
    matches!(
        last,
        "sleep"
            | "block_on"
            | "spawn"
            | "spawn_blocking"
            | "spawn_local"
            | "block_in_place"
            | "forget"
            | "yield_now"
            | "exit"
            | "stdin"
            | "sleep_ms"
    )
}

/// `self.helper(..)`: recorded always, so lock summaries can follow calls
/// to methods of the same type.
fn is_self_receiver(e: &Expr) -> bool {
    matches!(strip(e), Expr::Path(p) if p.qself.is_none() && p.path.is_ident("self"))
}

/// Paths recorded always: calls of crate functions that lock summaries may
/// follow (`helper(..)`, `Self::helper(..)`, `crate::m::helper(..)`), and
/// anything under a `blocking` module (`reqwest::blocking::get`).
fn is_followable_path(path: &[String]) -> bool {
    let lowercase_fn = path.last().is_some_and(|l| l.starts_with(|c: char| c.is_lowercase() || c == '_'));
    let first = path.first().map(String::as_str).unwrap_or("");
    (lowercase_fn && (path.len() == 1 || matches!(first, "Self" | "self" | "crate" | "super")))
        || path.iter().any(|s| s == "blocking")
}

/// A function given a closure or future whose panic it expects or catches:
/// `catch_unwind`, `catch_panic`; `test_panic`, `assert_panics`,
/// `did_panic`, `expect_panic`, `panics_silently`. The name must say so
/// in words: `abort_on_panic` or `set_panic_hook` neither expect nor catch.
fn unwinding_of(name: &str) -> Option<Unwinding> {
    let words: Vec<&str> = name.split('_').filter(|w| !w.is_empty()).collect();
    let panic_word = |w: &&str| matches!(*w, "panic" | "panics" | "panicked" | "panicking" | "unwind");
    if !words.iter().any(panic_word) {
        return None;
    }
    if words.contains(&"catch") {
        return Some(Unwinding::Caught);
    }
    let expects = words.iter().any(|w| {
        matches!(
            *w,
            "test" | "assert" | "expect" | "expects" | "expected" | "should" | "must" | "did" | "check" | "verify"
        )
    });
    (expects || words.first().is_some_and(|w| matches!(*w, "panics" | "panicked"))).then_some(Unwinding::Asserted)
}

/// Code nested in `outer` that `inner` applies to: an expected panic
/// (`ShouldPanic`, `Asserted`) says more than a caught one.
fn within(outer: Option<Unwinding>, inner: Option<Unwinding>) -> Option<Unwinding> {
    match (outer, inner) {
        (Some(Unwinding::ShouldPanic | Unwinding::Asserted), _) | (_, None) => outer,
        (_, Some(_)) => inner,
    }
}

/// A constant `Duration` expression: `Duration::ZERO`, `Duration::MAX`,
/// `Duration::from_secs(2)`, `std::time::Duration::from_nanos(1)`,
/// `Duration::new(1, 0)`; its length in nanoseconds (saturating).
fn const_duration(e: &Expr) -> Option<u64> {
    let int = |e: &Expr| match strip(e) {
        Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(i), .. }) => i.base10_parse::<u64>().ok(),
        _ => None,
    };
    match strip(e) {
        Expr::Path(p) if p.qself.is_none() => {
            let segs = path_segments(&p.path);
            let n = segs.len();
            if n < 2 || segs[n - 2] != "Duration" {
                return None;
            }
            match segs[n - 1].as_str() {
                "ZERO" => Some(0),
                "MAX" => Some(u64::MAX),
                "NANOSECOND" => Some(1),
                "MICROSECOND" => Some(1_000),
                "MILLISECOND" => Some(1_000_000),
                "SECOND" => Some(1_000_000_000),
                _ => None,
            }
        }
        Expr::Call(c) => {
            let Expr::Path(p) = strip(&c.func) else { return None };
            let segs = path_segments(&p.path);
            let n = segs.len();
            if n < 2 || segs[n - 2] != "Duration" {
                return None;
            }
            let unit: u64 = match segs[n - 1].as_str() {
                "from_nanos" => 1,
                "from_micros" => 1_000,
                "from_millis" => 1_000_000,
                "from_secs" => 1_000_000_000,
                "from_mins" => 60_000_000_000,
                "new" if c.args.len() == 2 => {
                    let secs = int(&c.args[0])?;
                    let nanos = int(&c.args[1])?;
                    return Some(secs.saturating_mul(1_000_000_000).saturating_add(nanos));
                }
                _ => return None,
            };
            if c.args.len() != 1 {
                return None;
            }
            Some(int(&c.args[0])?.saturating_mul(unit))
        }
        _ => None,
    }
}

fn is_diverging_macro(name: &str) -> bool {
    matches!(name, "panic" | "unreachable" | "todo" | "unimplemented")
}

#[derive(Clone, Debug)]
struct Live {
    acq: u32,
    /// The binding that holds it; `None` for temporaries and shadowed names.
    name: Option<String>,
    /// Block scope depth of the binding.
    block: Option<usize>,
    /// Temporary scope depth, while owned by a temporary.
    temp: Option<usize>,
    /// A name shadowed by a `let` in an inner block (depth): the name
    /// reaches this guard again when that block ends.
    hidden: Option<(String, usize)>,
}

#[derive(Clone, Debug, Default)]
struct State {
    live: Vec<Live>,
    diverged: bool,
}

struct LoopCx {
    label: Option<String>,
    /// A labelled block (`'a: { … }`): only `break 'a` reaches it.
    is_block: bool,
    breaks: Vec<State>,
    continues: Vec<State>,
}

pub struct BodyWalker<'w, 'a> {
    items: &'w mut ItemWalker<'a>,
    idx: u32,
    header_self_ty: Option<String>,
    /// The body is async: every path call is recorded (blocking-in-async).
    is_async: bool,
    mut_self: bool,
    is_test: bool,
    /// Inside code where a panic is expected or caught.
    unwinding: Option<Unwinding>,
    awaits: Vec<AwaitPoint>,
    acqs: Vec<Acquisition>,
    calls: Vec<Call>,
    state: State,
    /// Locals per block scope, innermost last.
    scopes: Vec<Vec<(String, LocalOrigin)>>,
    temp_depth: usize,
    /// What owns each open temporary scope (index = depth - 1).
    temp_kinds: Vec<TempScope>,
    loops: Vec<LoopCx>,
    loop_depth: u32,
    /// Inside a non-async closure: the callee it was passed to, if any.
    closure: Option<String>,
    /// Callee whose arguments are being walked (for closures passed to it).
    arg_of: Option<String>,
    acq_by_span: HashMap<(u32, u32), u32>,
    await_by_span: HashMap<(u32, u32), u32>,
    calls_seen: HashSet<(u32, u32)>,
    writes: Vec<Write>,
    writes_seen: HashSet<(u32, u32)>,
    controls: Vec<Control>,
    control_by_span: HashMap<(u32, u32, ControlKind), u32>,
    /// Enclosing controls, innermost last.
    ctx_stack: Vec<u32>,
    locals: Vec<LocalDecl>,
    field_inits: Vec<FieldInit>,
}

impl<'w, 'a> BodyWalker<'w, 'a> {
    pub fn new(items: &'w mut ItemWalker<'a>, header: BodyHeader, params: Vec<Param>) -> BodyWalker<'w, 'a> {
        let idx = items.reserve_body(&header);
        BodyWalker {
            items,
            idx,
            header_self_ty: header.self_ty,
            is_async: header.kind.is_async(),
            mut_self: header.mut_self,
            is_test: header.is_test,
            unwinding: header.unwinding,
            awaits: Vec::new(),
            acqs: Vec::new(),
            calls: Vec::new(),
            state: State::default(),
            scopes: vec![params.into_iter().map(|p| (p.name, p.origin)).collect()],
            temp_depth: 0,
            temp_kinds: Vec::new(),
            loops: Vec::new(),
            loop_depth: 0,
            closure: None,
            arg_of: None,
            acq_by_span: HashMap::new(),
            await_by_span: HashMap::new(),
            calls_seen: HashSet::new(),
            writes: Vec::new(),
            writes_seen: HashSet::new(),
            controls: Vec::new(),
            locals: Vec::new(),
            field_inits: Vec::new(),
            control_by_span: HashMap::new(),
            ctx_stack: Vec::new(),
        }
    }

    /// Walks a function's (or async block's) block and stores the body.
    pub fn walk_fn_block(mut self, block: &Block) {
        self.temp_push();
        if let Some(id) = self.visit_block(block) {
            // The body's value is a guard: it is returned to the caller.
            self.move_out(id, self.items.spans.of(block.brace_token.span.close()), EndKind::Move, true);
        }
        self.temp_pop();
        self.finish();
    }

    fn finish(self) {
        let body = &mut self.items.facts.bodies[self.idx as usize];
        body.awaits = self.awaits;
        body.acquisitions = self.acqs;
        body.calls = self.calls;
        body.writes = self.writes;
        body.controls = self.controls;
        body.locals = self.locals;
        body.field_inits = self.field_inits;
    }

    // ----- control contexts -----

    fn ctx(&self) -> Option<u32> {
        self.ctx_stack.last().copied()
    }

    /// Enters a control construct (the same one again on a loop's second walk).
    fn enter(&mut self, kind: ControlKind, span: Span) {
        let parent = self.ctx();
        let next = self.controls.len() as u32;
        let id = *self.control_by_span.entry((span.lo, span.hi, kind)).or_insert(next);
        if id == next {
            self.controls.push(Control { kind, span, parent, stmts: 0 });
        }
        self.ctx_stack.push(id);
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

    fn text(&self, span: Span) -> String {
        let s = self.items.raw.get(span.lo as usize..span.hi as usize).unwrap_or("");
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    // ----- state helpers -----

    fn temp_push(&mut self) {
        self.temp_push_kind(TempScope::Statement);
    }

    fn temp_push_kind(&mut self, kind: TempScope) {
        self.temp_depth += 1;
        self.temp_kinds.push(kind);
    }

    /// Ends the innermost temporary scope: its temporaries drop.
    fn temp_pop(&mut self) {
        let depth = self.temp_depth;
        self.end_where(|l| l.temp == Some(depth), None, EndKind::TemporaryEnd);
        self.temp_depth -= 1;
        self.temp_kinds.pop();
    }

    fn push_scope(&mut self) {
        self.scopes.push(Vec::new());
    }

    /// Ends the innermost block scope: its bindings drop.
    fn pop_scope(&mut self, end: Span) {
        let depth = self.scopes.len();
        self.end_where(|l| l.block == Some(depth) && l.temp.is_none(), Some(end), EndKind::ScopeEnd);
        self.scopes.pop();
        // `{ let g = &mut *g; … } drop(g);`: the outer `g` is visible again.
        for l in &mut self.state.live {
            if l.hidden.as_ref().is_some_and(|(_, d)| *d == depth) {
                l.name = l.hidden.take().map(|(n, _)| n);
            }
        }
    }

    fn end_where(&mut self, pred: impl Fn(&Live) -> bool, span: Option<Span>, kind: EndKind) {
        let mut i = 0;
        while i < self.state.live.len() {
            if pred(&self.state.live[i]) {
                let l = self.state.live.remove(i);
                if let Some(span) = span {
                    self.set_end(l.acq, span, kind);
                }
            } else {
                i += 1;
            }
        }
    }

    fn set_end(&mut self, acq: u32, span: Span, kind: EndKind) {
        let a = &mut self.acqs[acq as usize];
        if a.end.is_none() {
            a.end = Some(GuardEnd { span, kind });
        }
    }

    /// The guard leaves this body's control: dropped, moved or returned.
    fn move_out(&mut self, acq: u32, span: Span, kind: EndKind, escapes: bool) {
        self.state.live.retain(|l| l.acq != acq);
        self.set_end(acq, span, kind);
        if escapes {
            self.acqs[acq as usize].escapes = true;
        }
    }

    fn live_named(&self, name: &str) -> Option<u32> {
        self.state.live.iter().rev().find(|l| l.name.as_deref() == Some(name)).map(|l| l.acq)
    }

    fn declare(&mut self, name: String, origin: LocalOrigin) {
        // Shadowing does not drop the old value, but its name no longer
        // reaches it: `drop(g)` after `let g = …` drops the new `g`. A
        // shadow in an inner block hides it only until that block ends.
        let depth = self.scopes.len();
        for l in &mut self.state.live {
            if l.name.as_deref() == Some(name.as_str()) {
                if l.block.is_some_and(|b| b < depth) {
                    l.hidden = Some((name.clone(), depth));
                }
                l.name = None;
            }
        }
        if let Some(scope) = self.scopes.last_mut() {
            scope.push((name, origin));
        }
    }

    fn lookup_local(&self, name: &str) -> Option<&LocalOrigin> {
        self.scopes.iter().rev().flat_map(|s| s.iter().rev()).find(|(n, _)| n == name).map(|(_, o)| o)
    }

    fn join(&mut self, states: Vec<State>) {
        let mut out = State { live: Vec::new(), diverged: true };
        for s in states.into_iter().filter(|s| !s.diverged) {
            out.diverged = false;
            for l in s.live {
                if !out.live.iter().any(|o| o.acq == l.acq) {
                    out.live.push(l);
                }
            }
        }
        // A state that left its blocks early (`break` out of the block that
        // shadowed a guard's name) joins here, where those blocks are gone.
        let depth = self.scopes.len();
        for l in &mut out.live {
            if l.hidden.as_ref().is_some_and(|(_, d)| *d > depth) {
                l.name = l.hidden.take().map(|(n, _)| n);
            }
        }
        self.state = out;
    }

    fn record_await(&mut self, span: Span, kind: AwaitKind) {
        let next = self.awaits.len() as u32;
        let idx = *self.await_by_span.entry((span.lo, span.hi)).or_insert(next);
        if idx == next {
            let ctx = self.ctx();
            self.awaits.push(AwaitPoint { span, kind, ctx });
        }
        if self.state.diverged || self.closure.is_some() {
            return;
        }
        for l in &self.state.live {
            let held = &mut self.acqs[l.acq as usize].held_at;
            if !held.contains(&idx) {
                held.push(idx);
            }
        }
    }

    fn acquire(&mut self, mc: &syn::ExprMethodCall, span: Span, awaited: bool) -> u32 {
        let key = (span.lo, span.hi);
        let id = match self.acq_by_span.get(&key) {
            Some(&id) => id,
            None => {
                let receiver = self.place(&mc.receiver);
                let id = self.acqs.len() as u32;
                let held_on_acquire = self.state.live.iter().map(|l| l.acq).collect();
                self.acqs.push(Acquisition {
                    span,
                    method_span: self.items.spans.of(mc.method.span()),
                    method: mc.method.to_string(),
                    receiver,
                    shape: CallShape { awaited, unwrapped: false, has_args: !mc.args.is_empty() },
                    holder: Holder::Temporary,
                    temp_scope: self.temp_kinds.last().copied().unwrap_or(TempScope::Statement),
                    held_at: Vec::new(),
                    end: None,
                    escapes: false,
                    captured_from: None,
                    value_bound_to: None,
                    held_on_acquire,
                    uses: 0,
                    ctx: self.ctx(),
                    wildcard_span: None,
                });
                self.acq_by_span.insert(key, id);
                id
            }
        };
        if !self.state.diverged {
            self.state.live.retain(|l| l.acq != id);
            self.state.live.push(Live { acq: id, name: None, block: None, temp: Some(self.temp_depth), hidden: None });
        }
        id
    }

    fn record_call<'e>(&mut self, span: Span, callee: Callee, args: impl Iterator<Item = &'e Expr>, interesting: bool) {
        if !interesting && self.state.live.is_empty() {
            return;
        }
        if !self.calls_seen.insert((span.lo, span.hi)) {
            // Second walk of a loop body: add guards newly live here.
            let held: Vec<u32> = self.state.live.iter().map(|l| l.acq).collect();
            if let Some(c) = self.calls.iter_mut().find(|c| c.span == span) {
                for h in held {
                    if !c.held.contains(&h) {
                        c.held.push(h);
                    }
                }
            }
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
        self.calls.push(Call {
            span,
            callee,
            arg_count,
            held: self.state.live.iter().map(|l| l.acq).collect(),
            in_closure: self.closure.clone(),
            in_loop: self.loop_depth > 0,
            bound_to: None,
            arg_idents,
            awaited: false,
            unwinding: self.unwinding,
            const_duration_nanos,
            ctx: self.ctx(),
        });
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
            if let Some(origin) = self.lookup_local(&name) {
                return PlaceRoot::Local { name, origin: origin.clone() };
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

    fn alias_of(&self, e: &Expr) -> LocalOrigin {
        let place = self.place(e);
        if place.root == PlaceRoot::Unknown {
            LocalOrigin::Unknown
        } else {
            LocalOrigin::Alias(Box::new(place))
        }
    }

    // ----- blocks and statements -----

    /// Walks a block in its own scope; returns the guard that is the
    /// block's value, if any.
    fn visit_block(&mut self, block: &Block) -> Option<u32> {
        self.push_scope();
        let mut value = None;
        let n = block.stmts.len();
        for (i, stmt) in block.stmts.iter().enumerate() {
            let is_tail = i + 1 == n && matches!(stmt, Stmt::Expr(_, None));
            if is_tail {
                value = self.tail_expr(stmt);
            } else {
                self.stmt(stmt);
            }
        }
        let end = self.items.spans.of(block.brace_token.span.close());
        if let Some(id) = value {
            // The value outlives the block: it belongs to the enclosing scope.
            if let Some(l) = self.state.live.iter_mut().find(|l| l.acq == id) {
                l.block = None;
                l.temp = Some(self.temp_depth);
            }
        }
        self.pop_scope(end);
        value
    }

    fn tail_expr(&mut self, stmt: &Stmt) -> Option<u32> {
        let Stmt::Expr(e, None) = stmt else { return None };
        if self.items.edition.has_2024_temporary_scopes() {
            // 2024: tail temporaries drop before the block's locals.
            self.temp_push_kind(TempScope::Tail);
            let value = self.visit_expr(e);
            if let Some(id) = value {
                if let Some(l) = self.state.live.iter_mut().find(|l| l.acq == id) {
                    l.temp = Some(self.temp_depth - 1);
                }
            }
            self.temp_pop();
            value
        } else {
            // Before 2024 they live on into the enclosing temporary scope.
            self.visit_expr(e)
        }
    }

    fn stmt(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::Local(local) => self.local(local),
            Stmt::Expr(e, _) => {
                self.temp_push();
                if let Some(id) = self.visit_expr(e) {
                    let depth = self.temp_depth;
                    let fresh = self.state.live.iter().any(|l| l.acq == id && l.temp == Some(depth));
                    if fresh && self.acqs[id as usize].holder == Holder::Temporary {
                        self.acqs[id as usize].holder = Holder::Discarded;
                    }
                }
                self.temp_pop();
            }
            Stmt::Item(item) => self.items.nested_item(item),
            Stmt::Macro(m) => {
                self.temp_push();
                self.macro_call(&m.mac);
                self.temp_pop();
            }
        }
    }

    fn local(&mut self, local: &syn::Local) {
        self.temp_push();
        let mut value = None;
        let mut origin = LocalOrigin::Unknown;
        let acqs_before = self.acqs.len();
        if let Some(init) = &local.init {
            value = self.visit_expr(&init.expr);
            if value.is_none() {
                value = self.extended_guard(&init.expr);
            }
            origin = self.origin_of(&init.expr);
            if let Some((_, diverge)) = &init.diverge {
                let saved = self.state.clone();
                self.visit_expr(diverge);
                self.state = saved;
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
                if let Some(c) = self.calls.iter_mut().find(|c| c.span == span) {
                    c.bound_to = Some(first_name.clone());
                }
            }
            for a in &mut self.acqs[acqs_before..] {
                if a.holder == Holder::Temporary && a.value_bound_to.is_none() {
                    a.value_bound_to = Some(first_name.clone());
                }
            }
        }
        if let Pat::Ident(id) = pat {
            let span = self.items.spans.of(id.ident.span());
            self.locals.push(LocalDecl { name: id.ident.to_string(), span, origin: origin.clone() });
        }
        for (name, _) in &names {
            let o = if single { origin.clone() } else { LocalOrigin::Unknown };
            self.declare(name.clone(), o);
        }
        if let Some(id) = value {
            if let Pat::Wild(w) = pat {
                self.acqs[id as usize].holder = Holder::Wildcard;
                self.acqs[id as usize].wildcard_span = Some(self.items.spans.of(w.underscore_token.span));
                let span = self.items.spans.of(local.let_token.span);
                self.move_out(id, span, EndKind::TemporaryEnd, false);
            } else if let Some((name, span)) = names.first() {
                self.acqs[id as usize].holder = Holder::Binding { name: name.clone(), span: *span };
                let depth = self.scopes.len();
                if let Some(l) = self.state.live.iter_mut().find(|l| l.acq == id) {
                    l.name = Some(name.clone());
                    l.block = Some(depth);
                    l.temp = None;
                }
            }
        }
        self.temp_pop();
    }

    /// `let r = &mut *m.lock().unwrap();` and `let x = &m.lock().unwrap().f;`
    /// extend the guard temporary to the binding's scope.
    fn extended_guard(&self, init: &Expr) -> Option<u32> {
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
        let span = self.guard_value_span(cur)?;
        self.acq_by_span.get(&(span.lo, span.hi)).copied()
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

    // ----- expressions -----

    /// Walks an expression; returns the acquisition whose guard is the
    /// expression's value (after adapters like `.unwrap()` or `?`).
    fn visit_expr(&mut self, e: &Expr) -> Option<u32> {
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
                self.visit_expr(&a.base);
                let base = self.span_expr(strip(&a.base));
                if let Some(c) = self.calls.iter_mut().find(|c| c.span == base) {
                    c.awaited = true;
                }
                self.record_await(self.items.spans.of(a.await_token.span), AwaitKind::Await);
                None
            }
            Expr::MethodCall(mc) => self.method_call(e, mc),
            Expr::Try(t) => {
                let v = self.visit_expr(&t.expr);
                if let Some(id) = v {
                    self.acqs[id as usize].shape.unwrapped = true;
                }
                v
            }
            Expr::Call(c) => {
                self.call(e, c);
                None
            }
            Expr::Path(p) => {
                if p.qself.is_none() && p.path.segments.len() == 1 && p.path.leading_colon.is_none() {
                    let id = self.live_named(&p.path.segments[0].ident.to_string());
                    if let Some(id) = id {
                        self.acqs[id as usize].uses += 1;
                    }
                    return id;
                }
                None
            }
            Expr::Paren(p) => self.visit_expr(&p.expr),
            Expr::Group(g) => self.visit_expr(&g.expr),
            Expr::Reference(r) => {
                self.visit_expr(&r.expr);
                None
            }
            Expr::Unary(u) => {
                self.visit_expr(&u.expr);
                None
            }
            Expr::Field(f) => {
                self.visit_expr(&f.base);
                None
            }
            Expr::Index(i) => {
                self.visit_expr(&i.expr);
                self.visit_expr(&i.index);
                None
            }
            Expr::Binary(b) if is_compound_assign(&b.op) => {
                // For primitives the value is evaluated first.
                self.visit_expr(&b.right);
                self.visit_expr(&b.left);
                self.record_write(e, &b.left, &b.right, true);
                None
            }
            Expr::Binary(b) => {
                self.visit_expr(&b.left);
                self.visit_expr(&b.right);
                None
            }
            Expr::Assign(a) => {
                self.assign(e, a);
                None
            }
            Expr::Block(b) => {
                if let Some(label) = &b.label {
                    self.loops.push(LoopCx {
                        label: Some(label.name.ident.to_string()),
                        is_block: true,
                        breaks: vec![],
                        continues: vec![],
                    });
                    let v = self.visit_block(&b.block);
                    let cx = self.loops.pop().expect("pushed above");
                    let mut states = cx.breaks;
                    states.push(std::mem::take(&mut self.state));
                    self.join(states);
                    return v;
                }
                self.visit_block(&b.block)
            }
            Expr::Unsafe(u) => self.visit_block(&u.block),
            Expr::TryBlock(t) => {
                self.visit_block(&t.block);
                None
            }
            Expr::If(i) => {
                self.enter(ControlKind::If, self.span_expr(e));
                self.if_expr(i);
                self.leave();
                None
            }
            Expr::Match(m) => {
                self.enter(ControlKind::Match, self.span_expr(e));
                self.match_expr(m);
                self.leave();
                None
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
                self.loop_expr(l);
                self.leave();
                None
            }
            Expr::Let(l) => {
                self.visit_expr(&l.expr);
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
                    if let Some(id) = self.visit_expr(v) {
                        let span = self.span_expr(v);
                        self.move_out(id, span, EndKind::Move, true);
                    }
                }
                self.state.diverged = true;
                None
            }
            Expr::Break(b) => {
                if let Some(v) = &b.expr {
                    self.visit_expr(v);
                }
                let label = b.label.as_ref().map(|l| l.ident.to_string());
                let state = self.state.clone();
                if let Some(cx) = self.find_loop(label.as_deref()) {
                    cx.breaks.push(state);
                }
                self.state.diverged = true;
                None
            }
            Expr::Continue(c) => {
                let label = c.label.as_ref().map(|l| l.ident.to_string());
                let state = self.state.clone();
                if let Some(cx) = self.find_loop(label.as_deref()) {
                    cx.continues.push(state);
                }
                self.state.diverged = true;
                None
            }
            Expr::Struct(s) => {
                self.note_field_inits(s);
                let mut moved_in = Vec::new();
                for f in &s.fields {
                    if let Some(id) = self.visit_expr(&f.expr) {
                        moved_in.push((id, self.span_expr(&f.expr)));
                    }
                }
                if let Some(rest) = &s.rest {
                    self.visit_expr(rest);
                }
                // A struct that takes one guard by value holds it: the
                // guard lives on in the struct (`let h = Holder { g };`),
                // and what happens to the struct happens to the guard.
                // Several guards in one struct are not followed.
                if let [(id, _)] = moved_in[..] {
                    return Some(id);
                }
                for (id, span) in moved_in {
                    self.move_out(id, span, EndKind::Move, true);
                }
                None
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
                self.visit_expr(&r.expr);
                None
            }
            Expr::Cast(c) => {
                self.visit_expr(&c.expr);
                None
            }
            Expr::Range(r) => {
                if let Some(s) = &r.start {
                    self.visit_expr(s);
                }
                if let Some(s) = &r.end {
                    self.visit_expr(s);
                }
                None
            }
            Expr::Yield(y) => {
                if let Some(v) = &y.expr {
                    self.visit_expr(v);
                }
                None
            }
            _ => None,
        }
    }

    fn find_loop(&mut self, label: Option<&str>) -> Option<&mut LoopCx> {
        match label {
            Some(l) => self.loops.iter_mut().rev().find(|cx| cx.label.as_deref() == Some(l)),
            None => self.loops.iter_mut().rev().find(|cx| !cx.is_block),
        }
    }

    /// Values placed into a tuple, array or call are moved there.
    fn consume_all<'e>(&mut self, exprs: impl Iterator<Item = &'e Expr>) {
        for e in exprs {
            if let Some(id) = self.visit_expr(e) {
                let span = self.span_expr(e);
                self.move_out(id, span, EndKind::Move, true);
            }
        }
    }

    fn call_parts(&mut self, mc: &syn::ExprMethodCall) {
        self.visit_expr(&mc.receiver);
        let saved = self.arg_of.replace(format!(".{}", mc.method));
        self.consume_all(mc.args.iter());
        self.arg_of = saved;
    }

    fn method_call(&mut self, e: &Expr, mc: &syn::ExprMethodCall) -> Option<u32> {
        let name = mc.method.to_string();
        if self.is_acquire(&name) {
            self.call_parts(mc);
            let span = self.span_expr(e);
            let id = self.acquire(mc, span, false);
            let receiver = Some(self.place(&mc.receiver));
            self.record_call(span, Callee::Method { receiver, name }, mc.args.iter(), true);
            return Some(id);
        }
        // `AssertUnwindSafe(fut).catch_unwind()`: the receiver's panic is caught.
        let saved_unwinding = self.unwinding;
        if name == "catch_unwind" {
            self.unwinding = within(self.unwinding, Some(Unwinding::Caught));
        }
        let recv = self.visit_expr(&mc.receiver);
        self.unwinding = saved_unwinding;
        let saved = self.arg_of.replace(format!(".{name}"));
        self.unwinding = within(self.unwinding, unwinding_of(&name));
        self.consume_all(mc.args.iter());
        self.unwinding = saved_unwinding;
        self.arg_of = saved;
        let span = self.span_expr(e);
        let interesting = is_interesting_method(&name) || is_self_receiver(&mc.receiver);
        if interesting || !self.state.live.is_empty() {
            let receiver = Some(self.place(&mc.receiver));
            self.record_call(span, Callee::Method { receiver, name: name.clone() }, mc.args.iter(), interesting);
        }
        let id = recv?;
        if is_guard_adapter(&name) {
            if matches!(name.as_str(), "unwrap" | "expect" | "unwrap_or_else" | "unwrap_unchecked") {
                self.acqs[id as usize].shape.unwrapped = true;
            }
            return Some(id);
        }
        if is_guard_consumer(&name) {
            self.move_out(id, span, EndKind::Move, false);
        }
        None
    }

    fn call(&mut self, e: &Expr, c: &syn::ExprCall) {
        self.visit_expr(&c.func);
        let path = match &*c.func {
            Expr::Path(p) if p.qself.is_none() => Some(path_segments(&p.path)),
            _ => None,
        };
        let last = path.as_ref().and_then(|p| p.last().cloned()).unwrap_or_default();
        let is_drop = last == "drop" && path.as_ref().is_some_and(|p| p.len() == 1 || p.iter().any(|s| s == "mem"));
        let saved = self.arg_of.replace(path.as_ref().map(|p| p.join("::")).unwrap_or_default());
        let saved_unwinding = self.unwinding;
        self.unwinding = within(self.unwinding, unwinding_of(&last));
        for arg in &c.args {
            if let Some(id) = self.visit_expr(arg) {
                let span = self.span_expr(e);
                if is_drop {
                    let uses = &mut self.acqs[id as usize].uses;
                    *uses = uses.saturating_sub(1);
                    self.move_out(id, span, EndKind::Drop, false);
                } else {
                    self.move_out(id, span, EndKind::Move, true);
                }
            }
        }
        self.unwinding = saved_unwinding;
        self.arg_of = saved;
        if let Some(path) = path {
            let interesting = is_interesting_fn(&last) || self.is_async || is_followable_path(&path);
            let span = self.span_expr(e);
            let diverges = last == "exit" && path.iter().any(|s| s == "process");
            self.record_call(span, Callee::Path(path), c.args.iter(), interesting);
            if diverges {
                self.state.diverged = true;
            }
        }
    }

    fn record_write(&mut self, whole: &Expr, left: &Expr, right: &Expr, compound: bool) {
        let span = self.span_expr(whole);
        if !self.writes_seen.insert((span.lo, span.hi)) {
            return;
        }
        let mut base = strip(left);
        loop {
            match base {
                Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => base = strip(&u.expr),
                Expr::Field(f) => base = strip(&f.base),
                Expr::Index(i) => base = strip(&i.expr),
                _ => break,
            }
        }
        let through_guard = match base {
            Expr::Path(p) if p.path.segments.len() == 1 => {
                // Already moved out? Then it is not reached through a live guard.
                let name = p.path.segments[0].ident.to_string();
                self.state.live.iter().rev().find(|l| l.name.as_deref() == Some(name.as_str())).map(|l| l.acq)
            }
            other => self.guard_value_span(other).and_then(|s| self.acq_by_span.get(&(s.lo, s.hi)).copied()),
        };
        let mut value_idents: Vec<String> = used_idents(right).into_iter().collect();
        value_idents.sort();
        self.writes.push(Write {
            span,
            target: self.place(left),
            compound,
            value_idents,
            through_guard,
            held: self.state.live.iter().map(|l| l.acq).collect(),
            ctx: self.ctx(),
        });
    }

    fn assign(&mut self, whole: &Expr, a: &syn::ExprAssign) {
        // The assigned value is evaluated before the place.
        let value = self.visit_expr(&a.right);
        let span = self.span_expr(&a.left);
        if let Expr::Path(p) = strip(&a.left) {
            if p.path.segments.len() == 1 && p.path.leading_colon.is_none() {
                let name = p.path.segments[0].ident.to_string();
                let old_block = self
                    .state
                    .live
                    .iter()
                    .rev()
                    .find(|l| l.name.as_deref() == Some(name.as_str()))
                    .and_then(|l| l.block);
                if let Some(old) = self.live_named(&name) {
                    self.move_out(old, span, EndKind::Reassign, false);
                }
                self.record_write(whole, &a.left, &a.right, false);
                if let Some(id) = value {
                    let block = old_block.or_else(|| self.scope_of(&name)).unwrap_or(self.scopes.len());
                    self.acqs[id as usize].holder = Holder::Binding { name: name.clone(), span };
                    if let Some(l) = self.state.live.iter_mut().find(|l| l.acq == id) {
                        l.name = Some(name);
                        l.block = Some(block);
                        l.temp = None;
                    }
                }
                return;
            }
        }
        self.visit_expr(&a.left);
        self.record_write(whole, &a.left, &a.right, false);
        if let Some(id) = value {
            self.move_out(id, span, EndKind::Move, true);
        }
    }

    /// The acquisition of a scrutinee that is exactly `m.try_lock()` (or
    /// `m.try_lock().ok()`): its guard exists only where the value matched
    /// `Ok(..)` / `Some(..)`.
    fn try_scrutinee(&self, e: &Expr) -> Option<u32> {
        let mut e = strip(e);
        if let Expr::MethodCall(mc) = e {
            if mc.method == "ok" && mc.args.is_empty() {
                e = strip(&mc.receiver);
            }
        }
        let Expr::MethodCall(mc) = e else { return None };
        if !mc.method.to_string().starts_with("try_") {
            return None;
        }
        let span = self.span_expr(e);
        self.acq_by_span.get(&(span.lo, span.hi)).copied()
    }

    /// Block depth where a local was declared.
    fn scope_of(&self, name: &str) -> Option<usize> {
        self.scopes.iter().enumerate().rev().find(|(_, s)| s.iter().any(|(n, _)| n == name)).map(|(i, _)| i + 1)
    }

    fn if_expr(&mut self, i: &syn::ExprIf) {
        let is_let = has_let(&i.cond);
        self.temp_push_kind(if is_let { TempScope::IfLetScrutinee } else { TempScope::Condition });
        let cond_depth = self.temp_depth;
        self.enter(ControlKind::IfCond, self.span_expr(&i.cond));
        self.visit_expr(&i.cond);
        self.leave();
        if !is_let {
            // A plain condition's temporaries drop before the block runs.
            self.temp_pop();
        }
        let entry = self.state.clone();
        self.push_scope();
        let mut names = Vec::new();
        let_names(&i.cond, &mut names);
        let some_alias = self.some_binding(&i.cond);
        for (n, _) in names {
            let origin = match &some_alias {
                Some((name, origin)) if *name == n => origin.clone(),
                _ => LocalOrigin::Unknown,
            };
            self.declare(n, origin);
        }
        let then_span = self.block_span(&i.then_branch);
        self.enter(ControlKind::IfThen, then_span);
        self.note_block(&i.then_branch);
        self.visit_block(&i.then_branch);
        self.leave();
        self.pop_scope(self.items.spans.of(i.then_branch.brace_token.span.close()));
        let then_state = std::mem::replace(&mut self.state, entry);
        if is_let && self.items.edition.has_2024_temporary_scopes() {
            // 2024: `if let` scrutinee temporaries drop before `else`.
            self.end_where(|l| l.temp == Some(cond_depth), None, EndKind::TemporaryEnd);
        }
        if let Expr::Let(l) = strip(&i.cond) {
            if let Some(id) = self.try_scrutinee(&l.expr).filter(|_| is_success_pat(&l.pat)) {
                // `if let Ok(g) = m.try_lock() { … } else { … }`: the `else`
                // runs when no guard was made.
                self.state.live.retain(|l| l.acq != id);
            }
        }
        if let Some((_, els)) = &i.else_branch {
            self.enter(ControlKind::IfElse, self.span_expr(els));
            if let Expr::Block(b) = &**els {
                self.note_block(&b.block);
            }
            self.visit_expr(els);
            self.leave();
        }
        let else_state = std::mem::take(&mut self.state);
        self.join(vec![then_state, else_state]);
        if is_let {
            self.temp_pop();
        }
    }

    fn match_expr(&mut self, m: &syn::ExprMatch) {
        // Scrutinee temporaries live for the whole match.
        self.temp_push_kind(TempScope::MatchScrutinee);
        self.enter(ControlKind::MatchScrutinee, self.span_expr(&m.expr));
        self.visit_expr(&m.expr);
        self.leave();
        let entry = self.state.clone();
        let try_acq = self.try_scrutinee(&m.expr);
        let mut states = Vec::new();
        for arm in &m.arms {
            self.state = entry.clone();
            if let Some(id) = try_acq.filter(|_| is_failure_pat(&arm.pat)) {
                // `Err(_) =>` / `None =>` of a `try_lock()`: no guard was made.
                self.state.live.retain(|l| l.acq != id);
            }
            let arm_span = self.span_expr(&arm.body);
            self.enter(ControlKind::MatchArm, arm_span);
            self.push_scope();
            let mut names = Vec::new();
            pat_names(&arm.pat, &mut names);
            for (n, _) in names {
                self.declare(n, LocalOrigin::Unknown);
            }
            if let Some((_, g)) = &arm.guard {
                self.temp_push();
                self.visit_expr(g);
                self.temp_pop();
            }
            self.temp_push_kind(TempScope::Arm);
            self.visit_expr(&arm.body);
            self.temp_pop();
            self.pop_scope(self.span_expr(&arm.body));
            self.leave();
            states.push(std::mem::take(&mut self.state));
        }
        if m.arms.is_empty() {
            states.push(entry);
        }
        self.join(states);
        self.temp_pop();
    }

    /// Runs a loop body (once, and again if a guard can reach the loop head
    /// from the previous iteration), then joins the exits.
    fn run_loop(&mut self, label: Option<String>, exits_normally: bool, mut iteration: impl FnMut(&mut Self)) {
        self.loops.push(LoopCx { label, is_block: false, breaks: Vec::new(), continues: Vec::new() });
        self.loop_depth += 1;
        let entry = self.state.clone();
        iteration(self);
        let mut head = vec![entry.clone(), std::mem::take(&mut self.state)];
        head.append(&mut self.loops.last_mut().expect("pushed").continues);
        self.join(head);
        let known: HashSet<u32> = entry.live.iter().map(|l| l.acq).collect();
        if self.state.live.iter().any(|l| !known.contains(&l.acq)) {
            let head_state = self.state.clone();
            iteration(self);
            let mut again = vec![head_state, std::mem::take(&mut self.state)];
            again.append(&mut self.loops.last_mut().expect("pushed").continues);
            self.join(again);
        }
        self.loop_depth -= 1;
        let cx = self.loops.pop().expect("pushed");
        let mut exits = cx.breaks;
        if exits_normally {
            exits.push(std::mem::take(&mut self.state));
        }
        self.join(exits);
    }

    fn while_expr(&mut self, w: &syn::ExprWhile) {
        let label = w.label.as_ref().map(|l| l.name.ident.to_string());
        let is_let = has_let(&w.cond);
        self.run_loop(label, true, |this| {
            this.temp_push_kind(if is_let { TempScope::WhileLetScrutinee } else { TempScope::Condition });
            this.enter(ControlKind::WhileCond, this.span_expr(&w.cond));
            this.visit_expr(&w.cond);
            this.leave();
            if !is_let {
                this.temp_pop();
            }
            this.push_scope();
            let mut names = Vec::new();
            let_names(&w.cond, &mut names);
            for (n, _) in names {
                this.declare(n, LocalOrigin::Unknown);
            }
            let body_span = this.block_span(&w.body);
            this.enter(ControlKind::LoopBody, body_span);
            this.note_block(&w.body);
            this.visit_block(&w.body);
            this.leave();
            this.pop_scope(this.items.spans.of(w.body.brace_token.span.close()));
            if is_let {
                // `while let` scrutinee temporaries live through the body.
                this.temp_pop();
            }
        });
    }

    fn for_expr(&mut self, f: &syn::ExprForLoop) {
        // The iterator expression's temporaries live for the whole loop.
        self.temp_push_kind(TempScope::ForIterator);
        self.visit_expr(&f.expr);
        let label = f.label.as_ref().map(|l| l.name.ident.to_string());
        self.run_loop(label, true, |this| {
            this.push_scope();
            let mut names = Vec::new();
            pat_names(&f.pat, &mut names);
            for (n, _) in names {
                this.declare(n, LocalOrigin::Unknown);
            }
            let body_span = this.block_span(&f.body);
            this.enter(ControlKind::LoopBody, body_span);
            this.note_block(&f.body);
            this.visit_block(&f.body);
            this.leave();
            this.pop_scope(this.items.spans.of(f.body.brace_token.span.close()));
        });
        self.temp_pop();
    }

    fn loop_expr(&mut self, l: &syn::ExprLoop) {
        let label = l.label.as_ref().map(|l| l.name.ident.to_string());
        self.run_loop(label, false, |this| {
            let body_span = this.block_span(&l.body);
            this.enter(ControlKind::LoopBody, body_span);
            this.note_block(&l.body);
            this.visit_block(&l.body);
            this.leave();
        });
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
                other => Block { brace_token: Default::default(), stmts: vec![Stmt::Expr(other.clone(), None)] },
            };
            let span = self.items.spans.of(async_token.span);
            self.nested_async(BodyKind::AsyncClosure, c.capture.is_some(), params, &block, span);
            return;
        }
        if c.capture.is_some() {
            // A `move` closure takes the guards it names.
            let used = used_idents(&c.body);
            let captured: Vec<u32> = self
                .state
                .live
                .iter()
                .filter(|l| l.name.as_ref().is_some_and(|n| used.contains(n)))
                .map(|l| l.acq)
                .collect();
            let span = self.span_expr(&c.body);
            for id in captured {
                self.move_out(id, span, EndKind::Move, true);
            }
        }
        // The closure body runs at some other time: its own state.
        let saved_state = std::mem::take(&mut self.state);
        let saved_closure = self.closure.replace(self.arg_of.clone().unwrap_or_default());
        let saved_loops = std::mem::take(&mut self.loops);
        let saved_depth = std::mem::replace(&mut self.loop_depth, 0);
        self.scopes.push(params.into_iter().map(|p| (p.name, p.origin)).collect());
        self.temp_push();
        self.enter(ControlKind::Closure, self.span_expr(&c.body));
        if let Some(id) = self.visit_expr(&c.body) {
            // The closure returns the guard (or the lock's future, as in
            // `build_index(|| index.read())`): it is held wherever the
            // closure's caller keeps it.
            self.acqs[id as usize].escapes = true;
        }
        self.leave();
        self.temp_pop();
        self.scopes.pop();
        self.loop_depth = saved_depth;
        self.loops = saved_loops;
        self.closure = saved_closure;
        self.state = saved_state;
    }

    /// An async block or async closure: a body of its own. Guards it names
    /// from this body are held across its awaits; `move` takes them.
    fn nested_async(&mut self, kind: BodyKind, is_move: bool, mut params: Vec<Param>, block: &Block, span: Span) {
        let used = used_idents_block(block);
        // Locals of this body stay resolvable inside.
        let mut seen = HashSet::new();
        for scope in self.scopes.iter().rev() {
            for (name, origin) in scope.iter().rev() {
                if used.contains(name) && seen.insert(name.clone()) && !params.iter().any(|p| &p.name == name) {
                    params.push(Param { name: name.clone(), origin: origin.clone() });
                }
            }
        }
        let captured: Vec<(u32, String)> = self
            .state
            .live
            .iter()
            .filter_map(|l| l.name.as_ref().filter(|n| used.contains(*n)).map(|n| (l.acq, n.clone())))
            .collect();
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
        let parent = self.idx;
        let inherited: Vec<(Acquisition, String)> = captured
            .iter()
            .map(|(id, name)| {
                let mut a = self.acqs[*id as usize].clone();
                a.held_at.clear();
                a.end = None;
                a.escapes = false;
                a.captured_from = Some((parent, *id));
                (a, name.clone())
            })
            .collect();
        let mut inner = BodyWalker::new(&mut *self.items, header, params);
        for (a, name) in inherited {
            let id = inner.acqs.len() as u32;
            inner.acqs.push(a);
            inner.state.live.push(Live { acq: id, name: Some(name), block: Some(1), temp: None, hidden: None });
        }
        inner.walk_fn_block(block);
        if is_move {
            for (id, _) in captured {
                self.move_out(id, span, EndKind::Move, true);
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
                            self.visit_expr(e);
                        }
                    }
                    Err(_) => self.scan_awaits(mac.tokens.clone()),
                }
                self.record_await(span, AwaitKind::Join);
            }
            _ => {
                self.macro_args(mac);
                if is_diverging_macro(&name) {
                    self.state.diverged = true;
                }
            }
        }
        if !self.state.live.is_empty() {
            self.record_call(span, Callee::Macro(path), std::iter::empty(), false);
        }
    }

    /// Walks a function-like macro's arguments when they are expressions
    /// (`assert_eq!(f().await, 1)`, `format!`, `vec!`); otherwise finds the
    /// `.await`s in its tokens.
    fn macro_args(&mut self, mac: &syn::Macro) {
        if let Ok(exprs) = parse_exprs.parse2(mac.tokens.clone()) {
            for e in &exprs {
                // `format!("{x}", x = v)`: a named argument, not an assignment.
                match e {
                    Expr::Assign(a) => {
                        self.visit_expr(&a.right);
                    }
                    e => {
                        self.visit_expr(e);
                    }
                }
            }
            return;
        }
        if let Ok((a, b)) = parse_repeat.parse2(mac.tokens.clone()) {
            self.visit_expr(&a);
            self.visit_expr(&b);
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
                self.visit_expr(f);
            }
        }
        self.record_await(span, AwaitKind::Select);
        let entry = self.state.clone();
        let mut states = Vec::new();
        for b in &branches {
            self.state = entry.clone();
            self.push_scope();
            if let Some(p) = &b.pat {
                let mut names = Vec::new();
                pat_names(p, &mut names);
                for (n, _) in names {
                    self.declare(n, LocalOrigin::Unknown);
                }
            }
            self.temp_push();
            self.visit_expr(&b.handler);
            self.temp_pop();
            self.pop_scope(span);
            states.push(std::mem::take(&mut self.state));
        }
        states.push(entry);
        self.join(states);
    }

    /// Records every `.await` found in unparsed macro tokens.
    fn scan_awaits(&mut self, tokens: TokenStream) {
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

fn strip(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip(&p.expr),
        Expr::Group(g) => strip(&g.expr),
        _ => e,
    }
}

/// Does a condition contain `let` (an `if let`/`while let`, or a let chain)?
fn has_let(e: &Expr) -> bool {
    match e {
        Expr::Let(_) => true,
        Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => has_let(&b.left) || has_let(&b.right),
        Expr::Paren(p) => has_let(&p.expr),
        _ => false,
    }
}

fn let_names(e: &Expr, out: &mut Vec<(String, Span)>) {
    match e {
        Expr::Let(l) => pat_names(&l.pat, out),
        Expr::Binary(b) => {
            let_names(&b.left, out);
            let_names(&b.right, out);
        }
        _ => {}
    }
}

/// `Err(..)`, `None`, or an or-pattern of them: the failed `try_*` case.
fn is_failure_pat(p: &Pat) -> bool {
    match p {
        Pat::TupleStruct(t) => t.path.segments.last().is_some_and(|s| s.ident == "Err"),
        Pat::Ident(i) => i.ident == "None" && i.subpat.is_none(),
        Pat::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == "None"),
        Pat::Or(o) => o.cases.iter().all(is_failure_pat),
        Pat::Paren(p) => is_failure_pat(&p.pat),
        _ => false,
    }
}

/// `Ok(..)` / `Some(..)`: the pattern of a successful `try_*`.
fn is_success_pat(p: &Pat) -> bool {
    match p {
        Pat::TupleStruct(t) => t.path.segments.last().is_some_and(|s| s.ident == "Ok" || s.ident == "Some"),
        Pat::Paren(p) => is_success_pat(&p.pat),
        _ => false,
    }
}

/// Names bound by a pattern. Spans are left default: only the first binding
/// of a `let` needs one, and the caller has it.
fn pat_names(p: &Pat, out: &mut Vec<(String, Span)>) {
    match p {
        Pat::Ident(i) => {
            out.push((i.ident.to_string(), Span::default()));
            if let Some((_, sub)) = &i.subpat {
                pat_names(sub, out);
            }
        }
        Pat::Tuple(t) => t.elems.iter().for_each(|p| pat_names(p, out)),
        Pat::TupleStruct(t) => t.elems.iter().for_each(|p| pat_names(p, out)),
        Pat::Struct(s) => s.fields.iter().for_each(|f| pat_names(&f.pat, out)),
        Pat::Slice(s) => s.elems.iter().for_each(|p| pat_names(p, out)),
        Pat::Or(o) => {
            if let Some(first) = o.cases.first() {
                pat_names(first, out);
            }
        }
        Pat::Reference(r) => pat_names(&r.pat, out),
        Pat::Type(t) => pat_names(&t.pat, out),
        Pat::Paren(p) => pat_names(&p.pat, out),
        _ => {}
    }
}

/// Single-segment identifiers used in an expression (a cheap capture set).
fn used_idents(e: &Expr) -> HashSet<String> {
    let mut v = IdentCollector::default();
    syn::visit::Visit::visit_expr(&mut v, e);
    v.0
}

fn used_idents_block(b: &Block) -> HashSet<String> {
    let mut v = IdentCollector::default();
    syn::visit::Visit::visit_block(&mut v, b);
    v.0
}

#[derive(Default)]
struct IdentCollector(HashSet<String>);

impl<'ast> syn::visit::Visit<'ast> for IdentCollector {
    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if p.path.segments.len() == 1 {
            self.0.insert(p.path.segments[0].ident.to_string());
        }
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        collect_token_idents(m.tokens.clone(), &mut self.0);
    }
}

fn collect_token_idents(ts: TokenStream, out: &mut HashSet<String>) {
    for tt in ts {
        match tt {
            TokenTree::Ident(i) => {
                out.insert(i.to_string());
            }
            TokenTree::Group(g) => collect_token_idents(g.stream(), out),
            _ => {}
        }
    }
}

fn parse_exprs(input: ParseStream) -> syn::Result<Punctuated<Expr, Token![,]>> {
    Punctuated::parse_terminated(input)
}

fn parse_repeat(input: ParseStream) -> syn::Result<(Expr, Expr)> {
    let a: Expr = input.parse()?;
    let _: Token![;] = input.parse()?;
    let b: Expr = input.parse()?;
    Ok((a, b))
}

/// One branch of `select!`: `pat = future (, if cond)? => handler`, or
/// `else => handler` / `default => handler` / `complete => handler`.
struct SelectBranch {
    pat: Option<Pat>,
    future: Option<Expr>,
    handler: Expr,
}

fn parse_select(input: ParseStream) -> syn::Result<Vec<SelectBranch>> {
    let mut out = Vec::new();
    if input.peek(syn::Ident) && input.fork().parse::<syn::Ident>().is_ok_and(|i| i == "biased") {
        let _: syn::Ident = input.parse()?;
        let _: Token![;] = input.parse()?;
    }
    while !input.is_empty() {
        let (pat, future) = if input.peek(Token![else]) {
            let _: Token![else] = input.parse()?;
            (None, None)
        } else if (input.peek(syn::Ident) && input.peek2(Token![=>]))
            && input.fork().parse::<syn::Ident>().is_ok_and(|i| i == "default" || i == "complete")
        {
            let _: syn::Ident = input.parse()?;
            (None, None)
        } else {
            let pat = Pat::parse_multi(input)?;
            let _: Token![=] = input.parse()?;
            let fut = Expr::parse_without_eager_brace(input)?;
            if input.peek(Token![,]) && input.peek2(Token![if]) {
                let _: Token![,] = input.parse()?;
                let _: Token![if] = input.parse()?;
                let _: Expr = input.parse()?;
            }
            (Some(pat), Some(fut))
        };
        let _: Token![=>] = input.parse()?;
        let handler: Expr = input.parse()?;
        if input.peek(Token![,]) {
            let _: Token![,] = input.parse()?;
        }
        out.push(SelectBranch { pat, future, handler });
    }
    Ok(out)
}

fn is_compound_assign(op: &syn::BinOp) -> bool {
    use syn::BinOp::*;
    matches!(
        op,
        AddAssign(_)
            | SubAssign(_)
            | MulAssign(_)
            | DivAssign(_)
            | RemAssign(_)
            | BitXorAssign(_)
            | BitAndAssign(_)
            | BitOrAssign(_)
            | ShlAssign(_)
            | ShrAssign(_)
    )
}

/// The call whose result a `let` initializer binds, seen through adapters
/// (`let n = x.load(o);`, `let v = map.get(&k).cloned();`, `.await`, `?`).
fn bound_call(e: &Expr) -> Option<&Expr> {
    match e {
        Expr::Paren(p) => bound_call(&p.expr),
        Expr::Group(g) => bound_call(&g.expr),
        Expr::Try(t) => bound_call(&t.expr),
        Expr::Await(a) => bound_call(&a.base).or(Some(e)),
        Expr::Unary(u) => bound_call(&u.expr),
        Expr::Cast(c) => bound_call(&c.expr),
        Expr::Reference(r) => bound_call(&r.expr),
        Expr::MethodCall(m)
            if matches!(
                m.method.to_string().as_str(),
                "unwrap"
                    | "expect"
                    | "clone"
                    | "cloned"
                    | "copied"
                    | "unwrap_or"
                    | "unwrap_or_default"
                    | "unwrap_or_else"
                    | "is_some"
                    | "is_none"
                    | "is_ok"
                    | "is_err"
                    | "to_owned"
                    | "to_string"
                    | "ok"
            ) =>
        {
            bound_call(&m.receiver).or(Some(e))
        }
        Expr::MethodCall(_) | Expr::Call(_) => Some(e),
        _ => None,
    }
}
