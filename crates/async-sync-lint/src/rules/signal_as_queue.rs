//! `signal-as-queue`: a notification used to hand over items.

use crate::analysis::facts::{Body, Call, ControlKind};
use crate::diagnostic::{FileId, Finding, Span};
use crate::rules::signal_wrappers::{signal_ops, SignalOp};
use crate::rules::signals::{classify, describe, key, method, shown, PrimitiveKey, SigKind};
use crate::rules::{BodyRef, CrateCx};

crate::declare_rule! {
    name: "signal-as-queue",
    level: Warn,
    summary: "a `Notify` or `watch` channel used to hand over items: merged notifications strand or lose them",
    docs: r#"## What it does
Finds a notification primitive used as if it were a queue:

- a producer pushes into a shared collection (`push`, `push_back`,
  `push_front`, `insert`, `send`) and calls `notify_one`/`notify_waiters` on a `Notify`, while
  the consumer awaits `notified()` and then takes **one** item
  (`pop_front()`, `pop()`, `take()`) per wake-up instead of draining;
- a single slot overwritten before it is taken:
  `*slot.lock().unwrap() = Some(item); notify.notify_one()` with a consumer
  that `take()`s after `notified()`;
- a `watch::Sender` sent to once per item, in a loop over items or in a loop
  forwarding items received from elsewhere.

Calls of the crate's own wrapper methods count as the calls they wrap
(`self.wake.ping()` whose body calls `notify_one()`, `self.wake.sleep().await`
whose body awaits `notified()`).

## Why is this bad?
A notification is not a queue (asyncio's advice for `Event` and `Condition`
says the same: an event says "something changed", and the waiter must look
at the whole state after waking). `Notify` holds at most one permit: two pushes before the consumer runs leave
one permit, so the second item is stranded until the next push (or forever).
An overwritten slot loses the earlier item outright. A `watch` receiver only
ever sees the latest value, so items sent in a burst are skipped.

## Example
```rust
use std::collections::VecDeque;
use std::sync::Mutex;
use tokio::sync::Notify;

struct Jobs {
    queue: Mutex<VecDeque<u32>>,
    ready: Notify,
}

impl Jobs {
    fn submit(&self, job: u32) {
        self.queue.lock().unwrap().push_back(job);
        self.ready.notify_one();
    }

    async fn worker(&self) {
        loop {
            self.ready.notified().await;
            let job = self.queue.lock().unwrap().pop_front();
            if let Some(job) = job {
                run(job).await;
            }
        }
    }
}
async fn run(_: u32) {}
```

## Use instead
```rust
use std::collections::VecDeque;
use std::sync::Mutex;
use tokio::sync::Notify;

struct Jobs {
    queue: Mutex<VecDeque<u32>>,
    ready: Notify,
}

impl Jobs {
    fn submit(&self, job: u32) {
        self.queue.lock().unwrap().push_back(job);
        self.ready.notify_one();
    }

    async fn worker(&self) {
        loop {
            self.ready.notified().await;
            loop {
                let job = self.queue.lock().unwrap().pop_front();
                let Some(job) = job else { break };
                run(job).await;
            }
        }
    }
}
async fn run(_: u32) {}
```
Or use `tokio::sync::mpsc`, which is a queue. For `watch`, use `mpsc` or
`broadcast` when every value matters.

## Known problems
Producer and consumer are matched by the field or binding names of the
`Notify` and of the collection (and the `impl` type for `self.field`),
across the crate. A consumer that looks at the whole collection again after
the wake-up is not reported: a loop around the take, a `drain`/`clear`, or
an `is_empty()`/`len()` check that takes the next item or passes the
wake-up on (`if !q.is_empty() { notify.notify_one() }`). The `watch` shape
needs the sender's declared type; a `for _ in 0..` loop (no item bound) is
a ticker, not a loop over items; it cannot tell a stream of jobs from a
stream of progress updates sent from a loop over items, for which keeping
only the latest is intended.
"#,
}

struct Producer<'a> {
    op: &'a SignalOp<'a>,
    /// What was handed over: (collection key, span, overwrite of a slot).
    items: Vec<(PrimitiveKey, Span, bool)>,
}

pub fn check(cx: &CrateCx<'_>, out: &mut Vec<Finding>) {
    let ops = signal_ops(cx);
    let mut producers: Vec<Producer<'_>> = Vec::new();
    for op in ops.iter().filter(|o| matches!(o.op, "notify_one" | "notify_waiters")) {
        let body = op.body;
        let mut items = Vec::new();
        for c in &body.calls {
            if let Some((m, Some(r))) = method(c) {
                let push = matches!(m, "push" | "push_back" | "push_front" | "send") && c.arg_count == 1
                    || m == "insert" && matches!(c.arg_count, 1 | 2);
                if push {
                    if let Some(k) = key(body, r) {
                        items.push((k, c.span, false));
                    }
                }
            }
        }
        for w in &body.writes {
            let through_lock = w.through_guard.is_some();
            if through_lock && !w.compound && !w.value_idents.is_empty() {
                if let Some(k) = key(body, &w.target) {
                    items.push((k, w.span, true));
                }
            }
        }
        if !items.is_empty() {
            producers.push(Producer { op, items });
        }
    }
    for n in ops.iter().filter(|o| o.op == "notified" && o.body.kind.is_async()) {
        consumer(n, &producers, out);
    }
    for BodyRef { fi, file_id: file, body, .. } in cx.bodies() {
        for call in &body.calls {
            watch_per_item(cx, fi, file, body, call, out);
        }
    }
}

fn consumer(n: &SignalOp<'_>, producers: &[Producer<'_>], out: &mut Vec<Finding>) {
    let (body, file) = (n.body, n.file);
    let wake = n.call.span;
    {
        let level = body.innermost_loop(n.call.ctx);
        for t in &body.calls {
            let Some((m, Some(r))) = method(t) else { continue };
            if !matches!(m, "pop" | "pop_front" | "pop_back" | "take") || t.arg_count != 0 {
                continue;
            }
            // After the wake-up, at the same loop level: one item per wake.
            if t.span.lo < wake.hi || body.innermost_loop(t.ctx) != level || in_while_cond(body, t.ctx) {
                continue;
            }
            let Some(tkey) = key(body, r) else { continue };
            let slot = m == "take";
            if !slot && rereads_after(body, wake, &tkey) {
                continue;
            }
            let Some((p, item)) = producers.iter().find_map(|p| {
                if !p.op.same_signal(n) {
                    return None;
                }
                p.items.iter().find(|(k, _, overwrite)| k.matches(&tkey) && *overwrite == slot).map(|i| (p, i))
            }) else {
                continue;
            };
            let what = shown(body, r);
            let (message, label, fix) = if slot {
                (
                    format!("`{what}` is a single slot handed over with a notification: a second item overwrites the first before it is taken"),
                    "takes the one item the slot holds",
                    "use `tokio::sync::mpsc` to hand over every item, or a `oneshot` if there is only ever one",
                )
            } else {
                (
                    format!("one item taken from `{what}` per wake-up: notifications merge, so items pushed together are stranded"),
                    "takes one item per wake-up",
                    "drain after each wake-up: `while let Some(item) = … { … }` (pop into a local, not in the `while let` scrutinee of a held lock), or use `tokio::sync::mpsc`",
                )
            };
            let mut f = META
                .finding(file, t.span, message)
                .with_primary_label(label)
                .with_label(wake, n.via_text().map_or("woken here".to_string(), |via| format!("woken here: {via}")));
            if p.op.file == file {
                let notified = match p.op.via_text() {
                    Some(via) => format!("notified here: {via}, which stores at most one permit"),
                    None => "notified here: at most one permit is stored".to_string(),
                };
                f = f
                    .with_label(item.1, if slot { "the slot is overwritten here" } else { "items pushed here" })
                    .with_label(p.op.call.span, notified);
            } else {
                f = f.with_note(format!("{} hands over the items and notifies", describe(p.op.body)));
            }
            out.push(f.with_help(fix).with_note(
                "a `Notify` stores at most one permit: two notifications before the consumer runs wake it once",
            ));
        }
    }
}

/// After the wake-up the consumer looks at the whole collection again: it
/// drains or clears it, or checks whether items remain (to take the next or
/// to pass the wake-up on), so nothing pushed together is stranded.
fn rereads_after(body: &Body, wake: Span, collection: &PrimitiveKey) -> bool {
    body.calls.iter().any(|c| {
        let Some((m, Some(r))) = method(c) else { return false };
        let whole = matches!(m, "drain" | "clear" | "split_off" | "retain" | "append" | "truncate")
            || matches!(m, "is_empty" | "len") && body.in_condition(c.ctx);
        whole && c.span.lo >= wake.hi && key(body, r).is_some_and(|k| k.matches(collection))
    })
}

fn in_while_cond(body: &Body, ctx: Option<u32>) -> bool {
    body.control_chain(ctx)
        .take_while(|c| !matches!(c.kind, ControlKind::Closure | ControlKind::LoopBody))
        .any(|c| c.kind == ControlKind::WhileCond)
}

/// `watch::Sender::send*` once per item: in a `for` loop, or in a loop
/// forwarding items received from a channel or popped from a queue.
fn watch_per_item(cx: &CrateCx<'_>, fi: usize, file: FileId, body: &Body, call: &Call, out: &mut Vec<Finding>) {
    let Some((m, Some(r))) = method(call) else { return };
    if !matches!(m, "send" | "send_replace" | "send_modify") {
        return;
    }
    if classify(cx, fi, body, r) != Some(SigKind::WatchSender) {
        return;
    }
    // `changed_tx.send(())`: a constant says "something changed"; the items
    // themselves travel elsewhere.
    if call.arg_idents.is_empty() {
        return;
    }
    let Some(lp) = body.innermost_loop(call.ctx) else { return };
    if body.leaves_before(call.ctx, Some(lp)) {
        // `send(Connected); return Ok(..)`: sent once, as the loop ends.
        return;
    }
    let ctl = &body.controls[lp as usize];
    let per_item = match ctl.kind {
        // `for _ in 0..` is a ticker or a retry loop, not one send per item.
        ControlKind::For => ctl.binds_item,
        ControlKind::While => body.calls.iter().any(|c| {
            in_while_cond(body, c.ctx)
                && body.innermost_loop(c.ctx) == Some(lp)
                && method(c).is_some_and(|(m, _)| matches!(m, "recv" | "pop" | "pop_front" | "pop_back"))
        }),
        _ => false,
    };
    if !per_item {
        return;
    }
    out.push(
        META.finding(
            file,
            call.span,
            format!("`watch` value sent once per item: receivers of `{}` only see the latest", r.text),
        )
        .with_primary_label("sent for each item")
        .with_label(ctl.span, "in this loop over items")
        .with_help("use `tokio::sync::mpsc` (one consumer) or `broadcast` (every receiver) when every item matters")
        .with_note("a `watch` channel keeps only the last value: a receiver that is busy while several are sent skips all but the last"),
    );
}
