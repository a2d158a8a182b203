//! Fan-outs: the async block or closure that is one item of many run at
//! once — tasks spawned in a loop, futures mapped over an iterator and
//! joined, buffered or run concurrently, futures pushed into a
//! `FuturesUnordered` or `JoinSet` in a loop.

use crate::analysis::facts::{Body, Call, Callee, FileFacts, PlaceRoot, TypeRepr};
use crate::diagnostic::Span;
use crate::rules::CrateCx;

/// How the items are fanned out, for a label on the item's `async`.
pub struct FanOut {
    /// The item's `async` keyword.
    pub span: Span,
    pub label: String,
}

/// Runners that poll the futures of an iterator at once.
const CONCURRENT_RUNNERS: &[&str] = &[
    "join_all",
    "try_join_all",
    "buffer_unordered",
    "buffered",
    "try_buffer_unordered",
    "try_buffered",
    "for_each_concurrent",
    "try_for_each_concurrent",
];

/// Collections whose pushed futures run at once.
const CONCURRENT_SETS: &[&str] = &["FuturesUnordered", "FuturesOrdered", "JoinSet"];

/// If `body` is one item of a fan-out, where it is fanned out.
pub fn fan_out_of(cx: &CrateCx<'_>, facts: &FileFacts, body: &Body) -> Option<FanOut> {
    let parent = &facts.bodies[body.parent? as usize];
    let passed = body.passed_to.as_deref()?;
    let method = passed.strip_prefix('.');
    let last = passed.rsplit("::").next().unwrap_or(passed).trim_start_matches('.');
    // The calls of the parent that the item is written inside, innermost
    // first.
    let mut around: Vec<&Call> =
        parent.calls.iter().filter(|c| c.span.lo <= body.span.lo && body.span.hi <= c.span.hi).collect();
    around.sort_by_key(|c| c.span.hi - c.span.lo);
    if matches!(last, "spawn" | "spawn_local") {
        let spawn = around.iter().find(|c| callee_name(c) == last)?;
        let repeated = parent.in_loop(spawn.ctx) || spawn.in_closure.as_deref().is_some_and(|c| !c.contains("spawn"));
        return (repeated && !spawn.awaited)
            .then(|| item(body, format!("each item runs this in a task spawned by `{last}` in a loop")));
    }
    if method == Some("push") {
        let push = around.iter().find(|c| callee_name(c) == "push")?;
        let Callee::Method { receiver: Some(set), .. } = &push.callee else { return None };
        if !parent.in_loop(push.ctx) && push.in_closure.is_none() {
            return None;
        }
        let is_set = cx.index.declared_type(parent, set).is_some_and(|t| is_concurrent_set(&t));
        let set_name = match &set.root {
            PlaceRoot::Local { name, .. } if set.projections.is_empty() => Some(name.as_str()),
            _ => None,
        };
        let joined = set_name.and_then(|n| joined_later(parent, n));
        return match (is_set, joined) {
            (true, _) => {
                Some(item(body, format!("each item runs this, pushed into `{}` and polled at once", set.text)))
            }
            (false, Some(j)) => Some(item(body, format!("each item runs this, all at once by `{}`", callee_name(j)))),
            _ => None,
        };
    }
    if let Some(runner) = around.iter().find(|c| CONCURRENT_RUNNERS.contains(&callee_name(c))) {
        return Some(item(body, format!("each item runs this, all at once by `{}`", callee_name(runner))));
    }
    // `let futs: Vec<_> = items.map(|x| async move { .. }).collect();` then
    // `join_all(futs)`.
    let collected = around.iter().find(|c| callee_name(c) == "collect")?;
    let joined = joined_later(parent, collected.bound_to.as_deref()?)?;
    Some(item(body, format!("each item runs this, all at once by `{}`", callee_name(joined))))
}

fn item(body: &Body, label: String) -> FanOut {
    FanOut { span: body.span, label }
}

/// A runner given the local `name`: `join_all(futs)`.
fn joined_later<'b>(parent: &'b Body, name: &str) -> Option<&'b Call> {
    parent.calls.iter().find(|c| CONCURRENT_RUNNERS.contains(&callee_name(c)) && c.arg_idents.iter().any(|a| a == name))
}

fn is_concurrent_set(t: &TypeRepr) -> bool {
    t.unshared().last_segment().is_some_and(|s| CONCURRENT_SETS.contains(&s))
}

/// The function or method name of a call.
pub fn callee_name(call: &Call) -> &str {
    match &call.callee {
        Callee::Method { name, .. } => name,
        Callee::Path(p) | Callee::Macro(p) => p.last().map(String::as_str).unwrap_or(""),
    }
}
