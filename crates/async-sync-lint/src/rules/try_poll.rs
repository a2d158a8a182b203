//! Loops that poll a `try_*` method (`try_recv`, `try_lock`,
//! `try_acquire`, `try_read`, `try_write`) instead of awaiting its waiting
//! twin: with a sleep or `yield_now` between tries, or with no await at all.
//! `busy-wait` reports both.

use crate::analysis::facts::{Body, Call, ControlKind};
use crate::rules::signals::method;

/// `try_*` methods and the method that waits for the same thing.
const TRY_POLLS: &[(&str, &str)] = &[
    ("try_recv", "recv"),
    ("try_lock", "lock"),
    ("try_lock_owned", "lock_owned"),
    ("try_acquire", "acquire"),
    ("try_acquire_owned", "acquire_owned"),
    ("try_acquire_many", "acquire_many"),
    ("try_acquire_many_owned", "acquire_many_owned"),
    ("try_read", "read"),
    ("try_write", "write"),
    ("try_read_owned", "read_owned"),
    ("try_write_owned", "write_owned"),
];

/// A `try_*` call a loop polls, with the method that awaits instead.
pub struct Polled<'b> {
    pub call: &'b Call,
    pub awaiting: &'static str,
}

impl Polled<'_> {
    /// `rx.try_recv()` as written.
    pub fn shown(&self) -> String {
        let (name, recv) = method(self.call).expect("a polled call is a method call");
        format!("`{}.{name}()`", recv.map(|r| r.text.as_str()).unwrap_or("…"))
    }

    /// `rx.recv().await` as written.
    pub fn awaited(&self) -> String {
        let recv = method(self.call).and_then(|(_, r)| r).map(|r| r.text.as_str()).unwrap_or("…");
        format!("`{recv}.{}().await`", self.awaiting)
    }
}

fn waiting_twin(call: &Call) -> Option<&'static str> {
    let (name, _) = method(call)?;
    // `file.try_read(&mut buf)` is I/O; the lock and channel tries of the
    // table take no argument (`try_acquire_many(n)` takes one).
    if call.arg_count > u32::from(name.starts_with("try_acquire_many")) {
        return None;
    }
    TRY_POLLS.iter().find(|(t, _)| *t == name).map(|(_, w)| *w)
}

/// Where the loop tries: its `while` condition (not a `while let`, which
/// stops when the try fails: a drain), or the condition or scrutinee of an
/// `if` or `match` that is a statement of the loop body, or a `let` there.
pub fn polled_try(body: &Body, lp: u32) -> Option<Polled<'_>> {
    let lbody = body.loop_body_of(lp)?;
    body.calls.iter().filter(|c| c.in_closure.is_none() && body.innermost_loop(c.ctx) == Some(lp)).find_map(|c| {
        let awaiting = waiting_twin(c)?;
        let ctl = c.ctx?;
        let control = &body.controls[ctl as usize];
        let placed = match control.kind {
            ControlKind::WhileCond => retries_on_failure(body, c),
            ControlKind::IfCond | ControlKind::MatchScrutinee => {
                control.parent.is_some_and(|p| body.controls[p as usize].parent == Some(lbody))
                    && !ends_loop_on_failure(body, lbody, c)
            }
            ControlKind::LoopBody => ctl == lbody,
            _ => false,
        };
        placed.then_some(Polled { call: c, awaiting })
    })
}

/// `while m.try_lock().is_err()`: the loop goes round while the try
/// fails. (`while let Ok(v) = rx.try_recv()` and `while
/// rx.try_recv().is_ok()` go round while it succeeds: a drain.)
fn retries_on_failure(body: &Body, try_call: &Call) -> bool {
    body.calls.iter().any(|c| {
        c.ctx == try_call.ctx
            && c.span.lo == try_call.span.lo
            && c.span.hi > try_call.span.hi
            && method(c).is_some_and(|(m, _)| matches!(m, "is_err" | "is_none"))
    })
}

/// `while m.try_read().is_ok() { yield_now().await }`: the whole `while`
/// condition tests that a try succeeds, so the loop goes round while the
/// lock is free (or the permit or message there) and stops when the try
/// fails: it waits for another task to take the lock, or drains. Its
/// waiting twin would return at once, so it is no poll of the value.
pub fn probes_until_taken(body: &Body, lp: u32) -> bool {
    if body.controls[lp as usize].kind == ControlKind::Loop {
        return breaks_when_the_try_fails(body, lp);
    }
    if body.controls[lp as usize].kind != ControlKind::While {
        return false;
    }
    let Some((cond, ctl)) =
        body.controls.iter().enumerate().find(|(_, c)| c.parent == Some(lp) && c.kind == ControlKind::WhileCond)
    else {
        return false;
    };
    body.calls.iter().filter(|c| c.ctx == Some(cond as u32) && c.in_closure.is_none()).any(|c| {
        waiting_twin(c).is_some()
            && body.calls.iter().any(|t| {
                t.ctx == c.ctx
                    && (t.span.lo, t.span.hi) == (ctl.span.lo, ctl.span.hi)
                    && t.span.lo == c.span.lo
                    && method(t).is_some_and(|(m, _)| matches!(m, "is_ok" | "is_some"))
            })
    })
}

/// `loop { if m.try_write().is_err() { break } yield_now().await }`: the
/// probe of [`probes_until_taken`] spelled with `loop`.
fn breaks_when_the_try_fails(body: &Body, lp: u32) -> bool {
    let Some(lbody) = body.loop_body_of(lp) else { return false };
    body.calls
        .iter()
        .any(|c| c.in_closure.is_none() && waiting_twin(c).is_some() && ends_loop_on_failure(body, lbody, c))
}

/// Is `try_call` the whole condition of a statement `if` of the loop body
/// `lbody`, tested for failure (`.is_err()`, `.is_none()`), with a `then`
/// block that ends in `break`? Then the loop goes round while the try
/// succeeds: it waits for the lock to be taken, it does not poll for it.
fn ends_loop_on_failure(body: &Body, lbody: u32, try_call: &Call) -> bool {
    let Some(cond) = try_call.ctx else { return false };
    let cond_ctl = &body.controls[cond as usize];
    let Some(decider) = cond_ctl.parent else { return false };
    if cond_ctl.kind != ControlKind::IfCond || body.controls[decider as usize].parent != Some(lbody) {
        return false;
    }
    let whole_condition_fails = body.calls.iter().any(|t| {
        t.ctx == try_call.ctx
            && (t.span.lo, t.span.hi) == (cond_ctl.span.lo, cond_ctl.span.hi)
            && t.span.lo == try_call.span.lo
            && method(t).is_some_and(|(m, _)| matches!(m, "is_err" | "is_none"))
    });
    whole_condition_fails
        && body.controls.iter().any(|k| k.parent == Some(decider) && k.kind == ControlKind::IfThen && k.breaks)
}

/// Is the sleep at `ctx` placed to run between tries: a statement of the
/// loop body, or in a branch of the `if`/`match` that tries?
pub fn sleeps_between_tries(body: &Body, lp: u32, polled: &Polled<'_>, sleep_ctx: Option<u32>) -> bool {
    let Some(lbody) = body.loop_body_of(lp) else { return false };
    if sleep_ctx == Some(lbody) {
        return true;
    }
    // The `if`/`match` whose condition holds the try.
    let Some(decider) = polled.call.ctx.and_then(|c| body.controls[c as usize].parent) else { return false };
    let decides = matches!(body.controls[decider as usize].kind, ControlKind::If | ControlKind::Match);
    decides && body.innermost_loop(sleep_ctx) == Some(lp) && body.within_same_closure(sleep_ctx, decider)
}

/// A loop of an async body that tries and never awaits: `while
/// m.try_lock().is_none() {}`, or `loop { if let Ok(v) = rx.try_recv() {
/// …; break } }` (an `if` with no `else`: a failed try goes round again).
pub fn spins_without_await(body: &Body, lp: u32) -> Option<Polled<'_>> {
    let kind = body.controls[lp as usize].kind;
    if !matches!(kind, ControlKind::Loop | ControlKind::While) {
        return None;
    }
    if body.awaits.iter().any(|a| body.within_same_closure(a.ctx, lp)) {
        return None;
    }
    let lbody = body.loop_body_of(lp)?;
    if body.controls[lbody as usize].stmts > 3 {
        return None;
    }
    let polled = polled_try(body, lp)?;
    let ctl = polled.call.ctx?;
    let spins = match body.controls[ctl as usize].kind {
        ControlKind::WhileCond => true,
        ControlKind::IfCond => {
            let decider = body.controls[ctl as usize].parent?;
            !body.controls.iter().any(|c| c.parent == Some(decider) && c.kind == ControlKind::IfElse)
        }
        _ => false,
    };
    spins.then_some(polled)
}
