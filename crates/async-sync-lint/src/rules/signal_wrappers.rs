//! Signals behind wrapper methods. A crate method such as `Signal::fire`
//! whose body calls `self.notify.notify_waiters()`, or `Signal::wait` whose
//! body awaits `self.notify.notified()`, does what it wraps: at each call of
//! it (`self.shutdown.fire()`, `shutdown.wait().await`) the signal rules see
//! the wrapped operation, named both as the caller names the wrapper's owner
//! and as the wrapper names its `Notify`. Calls are resolved by the
//! receiver's declared type (`LockSummary::method_callee`), so a method of
//! the same name on another type is not a wrapper, and followed
//! [`MAX_WRAPPER_DEPTH`] levels deep.

use std::collections::HashMap;

use crate::analysis::facts::{Body, BodyKind, Call, PlaceRoot};
use crate::diagnostic::FileId;
use crate::rules::lock_summary::LockSummary;
use crate::rules::signals::{is_state_read_method, key, maybe_notify, method, PrimitiveKey};
use crate::rules::{BodyRef, CrateCx};

/// Wrappers of wrappers are followed this many levels deep.
pub const MAX_WRAPPER_DEPTH: usize = 3;

/// A wrapper method a call went through.
#[derive(Clone, Debug)]
pub struct Via {
    /// The method as called: `fire`.
    pub method: String,
    /// The body it runs: `Signal::fire`.
    pub callee: String,
    /// File index and line of the callee's definition.
    pub file: usize,
    pub line: u32,
}

/// One signal operation as a call site performs it, directly or through
/// wrapper methods.
#[derive(Clone, Debug)]
pub struct SignalOp<'a> {
    pub fi: usize,
    pub file: FileId,
    pub body: &'a Body,
    /// The call in `body`: the `notify_*`/`notified` call itself, or the
    /// call of the outermost wrapper.
    pub call: &'a Call,
    /// What the call ends up doing: `notify_waiters`, `notify_one` or
    /// `notified`.
    pub op: &'static str,
    /// Names of the `Notify`: as this call site names its receiver, then as
    /// each wrapper names its own.
    pub keys: Vec<PrimitiveKey>,
    /// The wrapper methods followed, outermost first; empty for a direct
    /// call.
    pub via: Vec<Via>,
    /// The `notify_*`/`notified` call at the end of the chain: file index
    /// and span ends (the call itself for a direct one).
    pub origin: (usize, u32, u32),
}

impl SignalOp<'_> {
    /// Do both operations name the same `Notify` (under any of their names)?
    pub fn same_signal(&self, other: &SignalOp<'_>) -> bool {
        self.keys.iter().any(|a| other.keys.iter().any(|b| a.matches(b)))
    }

    /// For a call through wrappers, how it gets to the operation:
    /// "calls `fire()` (`Signal::fire` at line 40), which calls
    /// `notify_waiters()`".
    pub fn via_text(&self) -> Option<String> {
        if self.via.is_empty() {
            return None;
        }
        let mut out = String::new();
        for (i, v) in self.via.iter().enumerate() {
            let other_file = if v.file == self.fi { "" } else { " of its file" };
            let verb = if i == 0 { "calls" } else { ", which calls" };
            out.push_str(&format!("{verb} `{}()` (`{}` at line {}{other_file})", v.method, v.callee, v.line));
        }
        if self.op == "notified" {
            out.push_str(", which awaits `notified()`");
        } else {
            out.push_str(&format!(", which calls `{}()`", self.op));
        }
        Some(out)
    }
}

/// Every `notify_waiters`/`notify_one`/`notified` of the crate on a
/// `Notify` (or an unknown type), direct or through wrapper methods.
pub fn signal_ops<'a>(cx: &'a CrateCx<'_>) -> Vec<SignalOp<'a>> {
    let mut out = Vec::new();
    for BodyRef { fi, file_id: file, body, .. } in cx.bodies() {
        for call in &body.calls {
            if let Some((op, k)) = direct_op(cx, fi, body, call) {
                let origin = (fi, call.span.lo, call.span.hi);
                out.push(SignalOp { fi, file, body, call, op, keys: vec![k], via: Vec::new(), origin });
            }
        }
    }
    if out.is_empty() {
        return out;
    }
    let summary = cx.lock_summary();
    let mut memo: HashMap<(usize, usize), Vec<Effect>> = HashMap::new();
    for BodyRef { fi, file_id: file, body, .. } in cx.bodies() {
        for call in &body.calls {
            let Some(target) = summary.method_callee(body, call) else { continue };
            if direct_op(cx, fi, body, call).is_some() {
                continue;
            }
            let effects = effects_of(cx, summary, target, 0, &mut memo);
            let Some((name, Some(recv))) = method(call) else { continue };
            let own = if matches!(recv.root, PlaceRoot::SelfValue) && recv.projections.is_empty() {
                None
            } else {
                key(body, recv)
            };
            let callee = summary.body(target.0, target.1);
            for e in effects {
                if !call_performs(body, call, e.op) {
                    continue;
                }
                let mut via = vec![Via {
                    method: name.to_string(),
                    callee: callee.name.clone(),
                    file: target.0,
                    line: callee.span.line,
                }];
                via.extend(e.via.iter().cloned());
                let mut keys: Vec<PrimitiveKey> = own.iter().cloned().collect();
                keys.extend(e.keys.iter().cloned());
                out.push(SignalOp { fi, file, body, call, op: e.op, keys, via, origin: e.origin });
            }
        }
    }
    out
}

/// What a wrapper body does to a `Notify`, as seen by its callers.
#[derive(Clone, Debug)]
struct Effect {
    op: &'static str,
    keys: Vec<PrimitiveKey>,
    /// Wrappers below this one.
    via: Vec<Via>,
    origin: (usize, u32, u32),
}

fn direct_op(cx: &CrateCx<'_>, fi: usize, body: &Body, call: &Call) -> Option<(&'static str, PrimitiveKey)> {
    let (name, recv) = method(call)?;
    let op = match name {
        "notify_waiters" => "notify_waiters",
        "notify_one" => "notify_one",
        "notified" if call.arg_count == 0 => "notified",
        _ => return None,
    };
    let recv = recv?;
    if !maybe_notify(cx, fi, body, recv) {
        return None;
    }
    Some((op, key(body, recv)?))
}

/// Does this call of a wrapper perform the wrapper's operation where it is
/// made? A notification happens when the call runs; a wait counts where the
/// wrapper's future is awaited or raced (`select!`), in async code.
fn call_performs(body: &Body, call: &Call, op: &str) -> bool {
    if call.in_closure.is_some() {
        return false;
    }
    op != "notified" || body.kind.is_async()
}

/// The effects of a crate method on the `Notify`s of its own `self`, and
/// through the wrappers it calls in turn.
fn effects_of(
    cx: &CrateCx<'_>,
    summary: &LockSummary<'_>,
    (fi, bi): (usize, usize),
    depth: usize,
    memo: &mut HashMap<(usize, usize), Vec<Effect>>,
) -> Vec<Effect> {
    if let Some(e) = memo.get(&(fi, bi)) {
        return e.clone();
    }
    if depth >= MAX_WRAPPER_DEPTH {
        return Vec::new();
    }
    memo.insert((fi, bi), Vec::new());
    let body = summary.body(fi, bi);
    let mut out = Vec::new();
    if body.self_ty.is_some() && body.parent.is_none() && matches!(body.kind, BodyKind::AsyncFn | BodyKind::SyncFn) {
        for call in &body.calls {
            if call.in_closure.is_some() {
                continue;
            }
            let (op, keys, via) = if let Some((op, k)) = direct_op(cx, fi, body, call) {
                let on_self = method(call).and_then(|(_, r)| r).is_some_and(|r| matches!(r.root, PlaceRoot::SelfValue));
                if !on_self {
                    continue;
                }
                (op, vec![k], Vec::new())
            } else if let Some(target) = summary.method_callee(body, call).filter(|t| *t != (fi, bi)) {
                let Some((name, Some(recv))) = method(call) else { continue };
                let own = key(body, recv).filter(|_| !recv.projections.is_empty());
                let callee = summary.body(target.0, target.1);
                for e in effects_of(cx, summary, target, depth + 1, memo) {
                    let mut via = vec![Via {
                        method: name.to_string(),
                        callee: callee.name.clone(),
                        file: target.0,
                        line: callee.span.line,
                    }];
                    via.extend(e.via);
                    let mut keys: Vec<PrimitiveKey> = own.iter().cloned().collect();
                    keys.extend(e.keys);
                    if wraps(body, call, e.op) {
                        out.push(Effect { op: e.op, keys, via, origin: e.origin });
                    }
                }
                continue;
            } else {
                continue;
            };
            if wraps(body, call, op) {
                out.push(Effect { op, keys, via, origin: (fi, call.span.lo, call.span.hi) });
            }
        }
    }
    memo.insert((fi, bi), out.clone());
    out
}

/// Does the wrapper pass the operation on to its callers as is? A
/// notification always does. A wait does when it is a plain wait: awaited
/// once, in an async fn, not in a loop and not after a state check of its
/// own (such a wrapper waits for its condition itself).
fn wraps(body: &Body, call: &Call, op: &str) -> bool {
    if op != "notified" {
        return true;
    }
    body.kind == BodyKind::AsyncFn
        && call.awaited
        && !body.in_loop(call.ctx)
        && !body.calls.iter().any(|c| {
            method(c).is_some_and(|(m, _)| m == "enable" || is_state_read_method(m) && body.in_condition(c.ctx))
        })
        && !body.acquisitions.iter().any(|a| body.in_condition(a.ctx))
}
