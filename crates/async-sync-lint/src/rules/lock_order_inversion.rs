//! `lock-order-inversion`: locks taken in conflicting orders somewhere in
//! the crate (a cycle in the crate-wide lock-order graph).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::analysis::facts::LocalOrigin;
use crate::analysis::index::LockKind;
use crate::diagnostic::{Finding, Span};
use crate::rules::lock_summary::{LockKey, Root};
use crate::rules::{BodyRef, CrateCx};

crate::declare_rule! {
    name: "lock-order-inversion",
    level: Warn,
    summary: "two or more locks are taken in conflicting orders in different places of the crate",
    docs: r#"## What it does
Builds the crate's lock-order graph: an edge `A → B` whenever lock `B` is
acquired while `A` is held, in the same body or in a function called while
`A` is held (followed up to four calls deep). Each cycle in the graph is
reported once, at one of its edges, with the sites and call paths of every
edge. Async and blocking locks alike.

## Why is this bad?
If one task holds `A` and waits for `B` while another holds `B` and waits
for `A`, neither ever proceeds: a deadlock that appears only under load and
that no test reliably reproduces.

## Example
```rust
use tokio::sync::Mutex;

struct Bank { accounts: Mutex<Vec<u64>>, log: Mutex<Vec<String>> }

impl Bank {
    async fn deposit(&self) {
        let mut a = self.accounts.lock().await;
        let mut l = self.log.lock().await;
        a.push(1);
        l.push("deposit".into());
    }
    async fn audit(&self) {
        let l = self.log.lock().await;
        let a = self.accounts.lock().await;
        println!("{} {}", l.len(), a.len());
    }
}
```

## Use instead
```rust
use tokio::sync::Mutex;

struct Bank { accounts: Mutex<Vec<u64>>, log: Mutex<Vec<String>> }

impl Bank {
    async fn deposit(&self) {
        let mut a = self.accounts.lock().await;
        let mut l = self.log.lock().await;
        a.push(1);
        l.push("deposit".into());
    }
    async fn audit(&self) {
        let a = self.accounts.lock().await;
        let l = self.log.lock().await;
        println!("{} {}", l.len(), a.len());
    }
}
```
Take locks in one documented order everywhere, or merge the data they guard
under one lock.

## Known problems
Locks are identified by owner type and field path (`Bank.accounts`), by
static, or by local binding; two instances of one type are one node, so
ordering between instances of the same field (`a.m` then `b.m`) is not
reported. Aliases syntax does not show, locks behind indexes, trait objects
and generic parameters are not seen; calls are followed only to uniquely
named functions of the crate. `try_lock` as the second acquisition does not
wait and makes no edge; nor does taking a lock the task already holds (a
re-entry, reported by `reentrant-lock`). A lock made by the call that takes
it (`let m = Mutex::new(..)`) is new each call and makes no edge: only that
call's task can hold it. DashMap shard locks are not ordered against other
locks. Paths through branches that never run together are still edges.
"#,
}

/// One witness of `A → B`.
#[derive(Clone)]
struct Edge {
    file: usize,
    body_name: String,
    first: Span,
    first_text: String,
    second: Span,
    second_text: String,
    /// Where the second lock is taken when it is in a callee.
    second_line: u32,
    second_file: usize,
    /// The call made while `A` is held, with the chain, if any.
    via: Option<(Span, String)>,
}

pub fn check(cx: &CrateCx<'_>, out: &mut Vec<Finding>) {
    let summary = cx.lock_summary();
    let mut edges: BTreeMap<(String, String), Edge> = BTreeMap::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for BodyRef { fi, bi, body, .. } in cx.bodies() {
        // A lock taken again while the task holds it is a re-entry
        // (`reentrant-lock`'s business), not an order between it and
        // the other locks held.
        let held_classes = |held: &[u32]| -> Vec<String> {
            held.iter().filter_map(|&h| summary.acq(fi, bi, h as usize)).map(|l| l.key.class()).collect()
        };
        for (h, ai, first, second) in summary.nested_pairs(fi, bi, body) {
            // A map's shard locks are taken per key: their order against
            // other locks is not modelled (re-entry is `reentrant-lock`'s).
            if first.kind == LockKind::DashMap || second.kind == LockKind::DashMap {
                continue;
            }
            if fresh_per_call(cx, &first.key) || fresh_per_call(cx, &second.key) {
                continue;
            }
            let (a, b) = (first.key.class(), second.key.class());
            if a == b || held_classes(&body.acquisitions[ai].held_on_acquire).contains(&b) {
                continue;
            }
            names.entry(a.clone()).or_insert_with(|| first.key.display());
            names.entry(b.clone()).or_insert_with(|| second.key.display());
            let (fa, acq) = (&body.acquisitions[h], &body.acquisitions[ai]);
            edges.entry((a, b)).or_insert_with(|| Edge {
                file: fi,
                body_name: body.name.clone(),
                first: fa.span,
                first_text: first.text(fa),
                second: acq.span,
                second_text: second.text(acq),
                second_line: acq.span.line,
                second_file: fi,
                via: None,
            });
        }
        for call in body.calls.iter().filter(|c| !c.held.is_empty()) {
            let reached = summary.reached_by_call(fi, bi, call);
            let held = held_classes(&call.held);
            for r in reached.iter().filter(|r| !held.contains(&r.key.class()) && r.kind != LockKind::DashMap) {
                for &h in &call.held {
                    let Some(first) = summary.acq(fi, bi, h as usize) else { continue };
                    if first.kind == LockKind::DashMap || fresh_per_call(cx, &first.key) || fresh_per_call(cx, &r.key) {
                        continue;
                    }
                    let (a, b) = (first.key.class(), r.key.class());
                    if a == b {
                        continue;
                    }
                    names.entry(a.clone()).or_insert_with(|| first.key.display());
                    names.entry(b.clone()).or_insert_with(|| r.key.display());
                    let fa = &body.acquisitions[h as usize];
                    let chain = r.chain.iter().map(|h| format!("`{}`", h.callee)).collect::<Vec<_>>().join(" → ");
                    edges.entry((a, b)).or_insert_with(|| Edge {
                        file: fi,
                        body_name: body.name.clone(),
                        first: fa.span,
                        first_text: first.text(fa),
                        second: r.span,
                        second_text: r.text.clone(),
                        second_line: r.line,
                        second_file: r.file,
                        via: Some((call.span, chain)),
                    });
                }
            }
        }
    }
    for cycle in cycles(&edges) {
        out.push(report(cx, &edges, &names, &cycle));
    }
}

/// A lock made by the call that takes it (`let m = Mutex::new(..)`): a
/// new one each call, so only the task running that call orders it against
/// other locks, and one task taking two locks in both orders one after the
/// other cannot deadlock with itself.
fn fresh_per_call(cx: &CrateCx<'_>, key: &LockKey) -> bool {
    let Root::Local { file, body, name } = &key.root else { return false };
    let body = cx.body(*file, *body);
    body.locals.iter().any(|l| &l.name == name && matches!(l.origin, LocalOrigin::Constructed(_)))
}

/// One cycle per strongly connected component with two or more locks.
fn cycles(edges: &BTreeMap<(String, String), Edge>) -> Vec<Vec<String>> {
    let mut succ: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (a, b) in edges.keys() {
        succ.entry(a).or_default().push(b);
        succ.entry(b).or_default();
    }
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    let nodes: Vec<&str> = succ.keys().copied().collect();
    for &start in &nodes {
        if done.contains(start) {
            continue;
        }
        // Shortest path from a successor of `start` back to `start`.
        let mut prev: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue: VecDeque<&str> = VecDeque::new();
        let mut found = false;
        for &n in &succ[start] {
            if !done.contains(n) && !prev.contains_key(n) {
                prev.insert(n, start);
                queue.push_back(n);
            }
        }
        while let Some(n) = queue.pop_front() {
            if n == start {
                found = true;
                break;
            }
            for &m in &succ[n] {
                if !done.contains(m) && !prev.contains_key(m) {
                    prev.insert(m, n);
                    queue.push_back(m);
                }
            }
        }
        if found {
            let mut cycle = vec![start];
            let mut cur = prev[start];
            while cur != start {
                cycle.push(cur);
                cur = prev[cur];
            }
            cycle.reverse();
            cycle.rotate_right(1);
            // Everything on the cycle is reported with it.
            done.extend(cycle.iter().copied());
            out.push(cycle.into_iter().map(str::to_string).collect());
        }
        done.insert(start);
    }
    out
}

fn report(
    cx: &CrateCx<'_>,
    edges: &BTreeMap<(String, String), Edge>,
    names: &BTreeMap<String, String>,
    cycle: &[String],
) -> Finding {
    let n = cycle.len();
    let pairs: Vec<(&String, &String)> = (0..n).map(|i| (&cycle[i], &cycle[(i + 1) % n])).collect();
    let witnesses: Vec<&Edge> = pairs.iter().map(|(a, b)| &edges[&((*a).clone(), (*b).clone())]).collect();
    // Report at the witness that sorts first, so the cycle has one home.
    let primary = (0..n).min_by_key(|&i| (witnesses[i].file, witnesses[i].second.lo)).expect("a cycle has edges");
    let e = witnesses[primary];
    let file_id = cx.index.files[e.file].0;
    let name = |k: &String| names.get(k).cloned().unwrap_or_else(|| k.clone());
    let order: Vec<String> = cycle.iter().chain(std::iter::once(&cycle[0])).map(|k| format!("`{}`", name(k))).collect();
    let message = if n == 2 {
        format!("`{}` and `{}` are locked in opposite orders", name(&cycle[0]), name(&cycle[1]))
    } else {
        format!("locks are taken in a cycle: {}", order.join(" → "))
    };
    let (pa, pb) = pairs[primary];
    let primary_span = match &e.via {
        Some((call, _)) => *call,
        None => e.second,
    };
    let mut f = META
        .finding(file_id, primary_span, message)
        .with_primary_label(format!("`{}` acquired while `{}` is held", name(pb), name(pa)))
        .with_label(e.first, format!("`{}` held from here", e.first_text));
    if let Some((_, chain)) = &e.via {
        f = f
            .with_note(format!("this call reaches {chain}, which takes `{}` at line {}", e.second_text, e.second_line));
        if e.second_file == e.file {
            f = f.with_label(e.second, format!("`{}` acquired here", e.second_text));
        }
    }
    for (i, w) in witnesses.iter().enumerate() {
        if i == primary {
            continue;
        }
        let (a, b) = pairs[i];
        let via = match &w.via {
            Some((_, chain)) => format!(" through {chain}"),
            None => String::new(),
        };
        if w.file == e.file {
            f = f.with_label(w.first, format!("`{}` held here (in `{}`)", w.first_text, w.body_name));
            let then = match &w.via {
                Some((call, _)) => *call,
                None => w.second,
            };
            f = f.with_label(then, format!("then `{}` acquired{via}", w.second_text));
        }
        let where_ = if w.file == e.file { String::new() } else { " of another file".to_string() };
        f = f.with_note(format!(
            "`{}` takes `{}` and then `{}`{via} (lines {} and {}{where_})",
            w.body_name,
            name(a),
            name(b),
            w.first.line,
            w.second_line,
        ));
    }
    f.with_help(format!(
        "take these locks in one order everywhere (e.g. always {} first), or guard the data with a single lock",
        format_args!("`{}`", name(&cycle[0]))
    ))
    .with_note("two tasks taking the locks in opposite orders can each hold one and wait forever for the other")
}
