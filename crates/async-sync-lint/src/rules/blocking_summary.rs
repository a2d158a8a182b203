//! Which plain functions of a crate block the thread, themselves or through
//! the crate's functions they call: the summaries `blocking-in-async`
//! follows from a call in async code.
//!
//! Computed once per crate, on demand and memoised; recursion is cut at
//! [`MAX_FUNCTIONS`] functions and on cycles. Only calls made in the function's own
//! body count: a closure it builds may run on another thread or never
//! (`thread::spawn(move || ..)`, a returned closure), and a statement marked
//! `#[cfg(test)]` is not in the shipped function.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use crate::analysis::facts::{Body, BodyKind, Call, Callee, ControlKind, PlaceRoot, TypeRepr};
use crate::analysis::index::WrittenIn;
use crate::diagnostic::Span;
use crate::rules::blocking_in_async::{blocking, in_offloaded_closure, is_offloaded, returns_at_once, written_callee};
use crate::rules::lock_summary::LockSummary;
use crate::rules::CrateCx;

/// Crate functions followed from the call in async code to the blocking
/// call: `load()` → `read_config()` → `wait_for_file()` → `thread::sleep` is 3.
pub const MAX_FUNCTIONS: usize = 3;

/// One crate function on the way to a blocking call.
#[derive(Clone, Debug)]
pub struct Step {
    pub file: usize,
    /// The function's name as a body name (`load_config`, `Store::flush`).
    pub name: String,
    /// The function's module within the crate (`config`), for notes.
    pub module: String,
    /// Its `fn` keyword and name.
    pub span: Span,
    /// Where it calls the next step (or the blocking call, for the last).
    pub next_call: Span,
}

/// How a plain function blocks.
#[derive(Clone, Debug)]
pub struct BlockingPath {
    /// From the function called in async code to the one that blocks.
    pub steps: Vec<Step>,
    /// What the last function does, as a verb phrase: ``calls
    /// `std::thread::sleep` ``, `builds a runtime and blocks on it`.
    pub action: String,
    /// The direct rule's advice for that call.
    pub help: String,
    /// The last function is a runtime's entry (`#[tokio::main]`), not a
    /// function with a blocking call in it.
    pub runtime_entry: bool,
}

impl BlockingPath {
    /// The last function: the one whose body blocks.
    pub fn blocker(&self) -> &Step {
        self.steps.last().expect("a blocking path has a function")
    }
}

type Summary = Option<Rc<BlockingPath>>;

pub struct BlockingSummary<'c, 'i> {
    cx: &'c CrateCx<'i>,
    fns: &'c LockSummary<'i>,
    memo: RefCell<HashMap<(usize, usize), Summary>>,
    in_progress: RefCell<HashSet<(usize, usize)>>,
    /// By function and by how many wrappers deep it was asked: an answer
    /// cut short by [`MAX_FUNCTIONS`] deep down must not stand for a
    /// shallower question.
    offloads: RefCell<HashMap<(usize, usize, usize), bool>>,
    offloads_in_progress: RefCell<HashSet<(usize, usize)>>,
}

/// Crates whose `block_on` is known to block the calling thread.
const EXECUTOR_CRATES: &[&str] =
    &["futures", "futures_executor", "futures_lite", "pollster", "async_std", "smol", "tokio", "async_io", "extreme"];

/// A `block_on` followed through a helper must be a known executor's: a
/// crate's own `block_on` wrapper may hand the wait to `block_in_place` or
/// another thread, and a chain is weaker evidence than a call written in
/// async code. `futures::executor::block_on(..)`, `handle.block_on(..)` on
/// a declared tokio `Handle`/`Runtime`, `Handle::current().block_on(..)`.
fn known_executor(cx: &CrateCx<'_>, fi: usize, body: &Body, call: &Call) -> bool {
    let ctx = WrittenIn::body(fi, body);
    let from_executor = |segs: &[String]| {
        let canon = cx.index.canonical_path(ctx, segs, 0);
        canon.first().is_some_and(|f| EXECUTOR_CRATES.contains(&f.as_str()))
    };
    match &call.callee {
        Callee::Path(p) if p.last().is_some_and(|l| l == "block_on") => from_executor(p),
        Callee::Method { name, receiver: Some(r) } if name == "block_on" => {
            r.text.contains("Handle::current()")
                || cx.index.declared_type(body, r).is_some_and(|t| match t.unshared() {
                    TypeRepr::Path { segments, .. } => from_executor(segments),
                    _ => false,
                })
        }
        Callee::Method { name, receiver: None } if name == "block_on" => false,
        _ => true,
    }
}

/// May this body be a plain function that blocks, by names alone: it is
/// a runtime's entry, or makes a call named like a blocking one, or calls
/// a function `relevant` says may block? An over-approximation of the
/// summary, for the prefilter (which has no index).
pub fn may_block(body: &Body, relevant: &dyn Fn(&str) -> bool) -> bool {
    if body.parent.is_some() || !(body.kind == BodyKind::SyncFn || body.builds_runtime) {
        return false;
    }
    body.builds_runtime
        || body.calls.iter().filter(|c| c.in_closure.is_none() && !c.test_only).any(|c| match &c.callee {
            Callee::Path(p) => {
                let last = p.last().map(String::as_str).unwrap_or("");
                matches!(last, "sleep" | "sleep_ms" | "block_on") || p.iter().any(|s| s == "blocking") || relevant(last)
            }
            Callee::Method { name, receiver } => {
                let on_self = receiver.as_ref().is_some_and(|r| r.root == PlaceRoot::SelfValue);
                // `wait*` (Condvar, Barrier), `recv*` (std channels): a
                // superset of what `blocking` reports, by name.
                name.starts_with("blocking_")
                    || name.starts_with("wait")
                    || name.starts_with("recv")
                    || matches!(name.as_str(), "block_on" | "read_line")
                    // A std child run to completion (`wait*` above).
                    || (c.arg_count == 0 && matches!(name.as_str(), "output" | "status"))
                    || (on_self && relevant(name))
            }
            Callee::Macro(_) => false,
        })
}

impl<'c, 'i> BlockingSummary<'c, 'i> {
    pub fn new(cx: &'c CrateCx<'i>) -> BlockingSummary<'c, 'i> {
        BlockingSummary {
            cx,
            fns: cx.lock_summary(),
            memo: RefCell::new(HashMap::new()),
            in_progress: RefCell::new(HashSet::new()),
            offloads: RefCell::new(HashMap::new()),
            offloads_in_progress: RefCell::new(HashSet::new()),
        }
    }

    /// The call is inside a closure given to a function of the crate that
    /// runs its closure argument off the executor: its own
    /// `spawn_blocking` wrapper (`fsync_spawn_blocking(move || ..)`, a
    /// function whose body gives its closure parameter to
    /// `tokio::task::spawn_blocking` or `std::thread::spawn`, itself or
    /// through up to [`MAX_FUNCTIONS`] such wrappers).
    pub fn in_closure_given_to_offloading_fn(&self, body: &Body, call: &Call) -> bool {
        self.given_to_offloading_fn(body, call, 0)
    }

    fn given_to_offloading_fn(&self, body: &Body, call: &Call, depth: usize) -> bool {
        if call.in_closure.is_none() || depth >= MAX_FUNCTIONS {
            return false;
        }
        body.control_chain(call.ctx).filter(|c| c.kind == ControlKind::Closure).any(|closure| {
            body.calls.iter().any(|outer| {
                outer.span.lo <= closure.span.lo
                    && closure.span.hi <= outer.span.hi
                    && written_callee(outer).is_some()
                    && self
                        .fns
                        .resolve_call(body, outer)
                        .is_some_and(|((cf, cb), _)| self.offloads_param(cf, cb, depth + 1))
            })
        })
    }

    /// Does this function run a closure parameter off the executor: give
    /// it to a blocking pool or a thread (`spawn_blocking(f)`,
    /// `thread::spawn(f)`), call it in a closure run there
    /// (`spawn_blocking(move || op())`), or hand it to another such
    /// function of the crate? Memoised; a cycle answers no.
    fn offloads_param(&self, fi: usize, bi: usize, depth: usize) -> bool {
        if let Some(&known) = self.offloads.borrow().get(&(fi, bi, depth)) {
            return known;
        }
        if depth > MAX_FUNCTIONS || !self.offloads_in_progress.borrow_mut().insert((fi, bi)) {
            return false;
        }
        let body = self.fns.body(fi, bi);
        let is_param = |name: &String| body.params.contains(name);
        let calls_param = |c: &Call| matches!(&c.callee, Callee::Path(p) if p.len() == 1 && is_param(&p[0]));
        // `spawn_blocking(f)`, `inner_wrapper(lease, f)`: only parameters,
        // no closure written there (`spawn_blocking(move || read(path))`
        // offloads the closure, not the parameter `path`).
        let passes_params = |c: &Call| {
            !c.arg_idents.is_empty()
                && c.arg_idents.iter().all(is_param)
                && !body
                    .controls
                    .iter()
                    .any(|k| k.kind == ControlKind::Closure && c.span.lo <= k.span.lo && k.span.hi <= c.span.hi)
        };
        // A function that calls its closure right here is no wrapper.
        let runs_here = body.calls.iter().any(|c| c.in_closure.is_none() && calls_param(c));
        let found = !body.params.is_empty()
            && !runs_here
            && body.calls.iter().filter(|c| !c.test_only).any(|c| {
                let passes_param = passes_params(c);
                let calls_param = calls_param(c);
                let to_thread = match &c.callee {
                    // `spawn_blocking(f)`, `thread::spawn(f)`: not a
                    // runtime's `spawn(async move { f() })`.
                    Callee::Path(p) => p.last().is_some_and(|l| {
                        is_offloaded(l) && (l.contains("blocking") || p.iter().any(|s| s == "thread"))
                    }),
                    Callee::Method { name, .. } => is_offloaded(name) && name.contains("blocking"),
                    Callee::Macro(_) => false,
                };
                (passes_param && to_thread)
                    || (calls_param
                        && (c.in_closure.as_deref().is_some_and(is_offloaded)
                            || in_offloaded_closure(body, c)
                            || self.given_to_offloading_fn(body, c, depth)))
                    || (passes_param
                        && c.in_closure.is_none()
                        && self.fns.resolve_call(body, c).is_some_and(|((cf, cb), _)| {
                            depth < MAX_FUNCTIONS && self.offloads_param(cf, cb, depth + 1)
                        }))
            });
        self.offloads_in_progress.borrow_mut().remove(&(fi, bi));
        self.offloads.borrow_mut().insert((fi, bi, depth), found);
        found
    }

    /// How a call made in `body` (of file `fi`) blocks through a plain
    /// crate function, if it does.
    pub fn through_call(&self, fi: usize, body: &Body, call: &Call) -> Summary {
        if call.awaited || !self.names_crate_fn(fi, body, call) {
            return None;
        }
        let ((cf, cb), _) = self.fns.resolve_call(body, call)?;
        let callee = self.fns.body(cf, cb);
        // Test code is not compiled into the code that calls it (and the
        // files of a package's test targets are crates of their own).
        if callee.is_test && (!body.is_test || cf != fi) {
            return None;
        }
        // An `async fn` called without `.await` only builds a future; one
        // marked `#[tokio::main]` is a plain `fn` that runs a runtime.
        if callee.kind != BodyKind::SyncFn && !callee.builds_runtime {
            return None;
        }
        self.of_fn(cf, cb)
    }

    /// A path call names a function of the crate, not a parameter or
    /// local holding a closure (`f(x)`), nor a function imported from
    /// another crate under a plain name (`use futures::future::ready`).
    fn names_crate_fn(&self, fi: usize, body: &Body, call: &Call) -> bool {
        let Callee::Path(p) = &call.callee else { return true };
        let [name] = p.as_slice() else { return true };
        if body.params.contains(name) || body.locals.iter().any(|l| &l.name == name) {
            return false;
        }
        let index = &self.cx.index;
        index.is_crate_path(&index.canonical_path(WrittenIn::body(fi, body), p, 0))
    }

    /// How a plain function blocks, memoised. A cycle answers "does not
    /// block" for the function already being summarised.
    fn of_fn(&self, fi: usize, bi: usize) -> Summary {
        if let Some(s) = self.memo.borrow().get(&(fi, bi)) {
            return s.clone();
        }
        if !self.in_progress.borrow_mut().insert((fi, bi)) {
            return None;
        }
        let found = self.compute(fi, bi).map(Rc::new);
        self.in_progress.borrow_mut().remove(&(fi, bi));
        self.memo.borrow_mut().insert((fi, bi), found.clone());
        found
    }

    fn compute(&self, fi: usize, bi: usize) -> Option<BlockingPath> {
        let body = self.fns.body(fi, bi);
        let step = |next_call: Span| Step {
            file: fi,
            name: body.name.clone(),
            module: self.cx.index.full_module(fi, &body.module).join("::"),
            span: body.span,
            next_call,
        };
        if body.builds_runtime {
            return Some(BlockingPath {
                steps: vec![step(body.span)],
                action: "builds a runtime and blocks on it (`#[…::main]`)".into(),
                help: format!(
                    "remove the runtime attribute from `{}` and `.await` it; a runtime is entered once, from `main`",
                    body.name
                ),
                runtime_entry: true,
            });
        }
        let own = |c: &&Call| c.in_closure.is_none() && !c.test_only;
        if let Some((call, (what, help))) = body
            .calls
            .iter()
            .filter(own)
            .filter(|c| !returns_at_once(c))
            .filter(|c| known_executor(self.cx, fi, body, c))
            .find_map(|c| blocking(self.cx, fi, body, c).map(|b| (c, b)))
        {
            return Some(BlockingPath {
                steps: vec![step(call.span)],
                action: format!("calls {what}"),
                help,
                runtime_entry: false,
            });
        }
        body.calls.iter().filter(own).filter(|c| !matches!(c.callee, Callee::Macro(_))).find_map(|call| {
            let sub = self.through_call(fi, body, call)?;
            if sub.steps.len() >= MAX_FUNCTIONS {
                return None;
            }
            let mut path = (*sub).clone();
            path.steps.insert(0, step(call.span));
            Some(path)
        })
    }
}
