//! Permits counted by hand within one function: a refill after a forget
//! that an `.await`, `?` or `return` can skip, and an `add_permits` that
//! gives back a permit no one took on its path (one still held, or one not
//! yet taken on an early return).

use super::{same_semaphore, Site, Sites, META};
use crate::analysis::facts::{Body, ControlKind};
use crate::analysis::index::Family;
use crate::diagnostic::{Finding, Span};
use crate::rules::lock_summary::LockSummary;
use crate::rules::CrateCx;

pub(super) fn check(cx: &CrateCx<'_>, summary: &LockSummary<'_>, sites: &Sites, out: &mut Vec<Finding>) {
    for f in sites.forgets.iter().filter(|f| !f.in_test) {
        let body = body_of(cx, f);
        let Some(refill) =
            sites.adds.iter().find(|a| same_body(a, f) && same_semaphore(&a.sem, &f.sem) && follows(body, f, a))
        else {
            continue;
        };
        let Some((risk, cancel)) = first_risk(body, f, refill, sites) else { continue };
        let (risk_label, why) = if cancel {
            (
                "if the task is cancelled at this await, the refill never runs",
                "a future can stop at any `.await` (a timeout, `select!`, a dropped request)",
            )
        } else {
            ("this early return skips the refill", "`?` and `return` leave before the refill")
        };
        out.push(
            META.finding(
                f.file,
                f.span,
                format!("the permit of `{}` forgotten here is given back only if nothing fails or is cancelled before the refill", f.text),
            )
            .with_primary_label("the permit is forgotten here")
            .with_label(risk, risk_label)
            .with_label(refill.span, "the refill, reached only on the path that gets here")
            .with_help("keep the RAII permit and let it drop (it is returned on every path), or refill from a guard's `Drop`")
            .with_note(format!("{why}: each such exit leaks a permit for good, as a bare acquire with no release on an exception path does")),
        );
    }
    for a in sites.adds.iter().filter(|a| !a.in_test) {
        if let Some(f) = still_held(cx, summary, a, sites) {
            out.push(f);
        } else if let Some(f) = before_any_taken(cx, a, sites) {
            out.push(f);
        }
    }
}

fn body_of<'c>(cx: &'c CrateCx<'_>, s: &Site) -> &'c Body {
    cx.body(s.fi, s.bi)
}

fn same_body(a: &Site, b: &Site) -> bool {
    (a.fi, a.bi) == (b.fi, b.bi)
}

/// `later` runs after `first` on every path that reaches it: it comes
/// later in the source, inside every branch and loop body `first` is in.
fn follows(body: &Body, first: &Site, later: &Site) -> bool {
    later.span.lo > first.span.hi && dominates(body, first.ctx, later.ctx)
}

/// Every control around `outer` is around `inner` too: code at `outer`
/// runs before code at `inner` whenever both run, if it comes first.
fn dominates(body: &Body, outer: Option<u32>, inner: Option<u32>) -> bool {
    controls(body, outer).into_iter().all(|id| body.within(inner, id))
}

/// The ids of the controls around `ctx`, innermost first.
fn controls(body: &Body, ctx: Option<u32>) -> Vec<u32> {
    std::iter::successors(ctx, |&id| body.controls[id as usize].parent).collect()
}

/// The first await or early exit between the forget and its refill that
/// leaves without refilling: (its span, whether it is an await).
fn first_risk(body: &Body, f: &Site, refill: &Site, sites: &Sites) -> Option<(Span, bool)> {
    let between = |s: Span| s.lo > f.span.hi && s.lo < refill.span.lo;
    let awaits = body.awaits.iter().filter(|w| between(w.span) && !in_closure(body, w.ctx)).map(|w| (w.span, true));
    let exits = body
        .early_exits
        .iter()
        .filter(|x| between(x.span))
        // An exit after another refill of the same semaphore on its path
        // gives the permit back before it leaves.
        .filter(|x| {
            !sites.adds.iter().any(|a| {
                same_body(a, f)
                    && same_semaphore(&a.sem, &f.sem)
                    && a.span.lo > f.span.hi
                    && a.span.hi <= x.span.lo
                    && dominates(body, a.ctx, x.ctx)
            })
        })
        .map(|x| (x.span, false));
    awaits.chain(exits).min_by_key(|(s, _)| s.lo)
}

fn in_closure(body: &Body, ctx: Option<u32>) -> bool {
    body.control_chain(ctx).any(|c| c.kind == ControlKind::Closure)
}

/// `add_permits` while a permit of the same semaphore, not forgotten, is
/// live: it will be given back twice.
fn still_held(cx: &CrateCx<'_>, summary: &LockSummary<'_>, add: &Site, sites: &Sites) -> Option<Finding> {
    let key = add.key.as_ref()?;
    let body = body_of(cx, add);
    let call = body.calls.iter().find(|c| c.span == add.span)?;
    let forgotten = |ai: usize| sites.forgets.iter().any(|f| same_body(f, add) && f.acq == Some(ai));
    let held = call.held.iter().map(|&h| h as usize).find(|&h| {
        let p = &body.acquisitions[h];
        !forgotten(h)
            && p.captured_from.is_none()
            && cx.index.resolve_acquisition(add.fi, body, p).is_some_and(|r| r.kind.family() == Family::Semaphore)
            && summary.key_of(add.fi, add.bi, body, &p.receiver, 0).as_ref() == Some(key)
    })?;
    let permit = &body.acquisitions[held];
    Some(over_release(
        add,
        format!("`{}` gives back a permit that is still held: it is returned twice", add.text),
        "this adds a permit to the semaphore",
        (permit.span, "this permit is still held, and returns to the semaphore again when it drops"),
        "remove the `add_permits` (the permit returns when it drops), or `forget()` the permit first if the count is kept by hand",
    ))
}

/// A finding on an `add_permits` that raises the count past its start.
fn over_release(add: &Site, message: String, primary: &str, other: (Span, &str), help: &str) -> Finding {
    META.finding(add.file, add.span, message)
        .with_primary_label(primary)
        .with_label(other.0, other.1)
        .with_help(help)
        .with_note("each release without a matching acquire raises the count for good: the cap grows past its start (asyncio's `BoundedSemaphore` raises on this; tokio's `Semaphore` has no bounded form)")
}

/// `add_permits` on a branch that returns, before the function has taken
/// (and forgotten) any permit of that semaphore.
fn before_any_taken(cx: &CrateCx<'_>, add: &Site, sites: &Sites) -> Option<Finding> {
    add.key.as_ref()?;
    let body = body_of(cx, add);
    let first = sites.forgets.iter().filter(|f| same_body(f, add) && f.key == add.key).min_by_key(|f| f.span.lo)?;
    let returning_branch = body.control_chain(add.ctx).any(|c| c.returns);
    let shares_loop = controls(body, add.ctx)
        .into_iter()
        .any(|id| body.controls[id as usize].kind == ControlKind::LoopBody && body.within(first.ctx, id));
    if add.span.lo > first.span.lo || !returning_branch || shares_loop {
        return None;
    }
    Some(over_release(
        add,
        format!("`{}` gives back a permit this path never took", add.text),
        "this early path adds a permit",
        (first.span, "the function takes (and forgets) its permit only later"),
        "remove the `add_permits` from the path that took no permit",
    ))
}
