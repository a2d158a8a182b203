//! Which guards may be live where: a forward may-analysis over [`BodyIr`].
//!
//! The state at a program point is the set of `(slot, acquisition)` pairs:
//! "this slot may hold the guard of that acquisition". Paths join by union;
//! loops iterate to a fixpoint (the sets only grow, and are bounded by
//! slots × acquisitions). A second pass walks every reachable block once
//! from its fixpoint entry state and records the answers the rules query:
//! which guards are held at each await, call, write and acquisition, where
//! and how each guard ends, who holds it and how often it is used.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::{BodyIr, SlotId, Stmt, Through};
use crate::analysis::facts::{Body, EndKind, GuardEnd, Holder};
use crate::diagnostic::Span;

/// A sorted set of `(slot, acquisition)` pairs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct State(Vec<(SlotId, u32)>);

impl State {
    pub fn from_pairs(mut pairs: Vec<(SlotId, u32)>) -> State {
        pairs.sort_unstable();
        pairs.dedup();
        State(pairs)
    }

    fn in_slot(&self, slot: SlotId) -> impl Iterator<Item = u32> + '_ {
        let start = self.0.partition_point(|&(s, _)| s < slot);
        self.0[start..].iter().take_while(move |&&(s, _)| s == slot).map(|&(_, a)| a)
    }

    fn take_slot(&mut self, slot: SlotId) -> Vec<u32> {
        let taken: Vec<u32> = self.in_slot(slot).collect();
        if !taken.is_empty() {
            self.0.retain(|&(s, _)| s != slot);
        }
        taken
    }

    fn put(&mut self, slot: SlotId, acqs: impl IntoIterator<Item = u32>) {
        for a in acqs {
            if let Err(i) = self.0.binary_search(&(slot, a)) {
                self.0.insert(i, (slot, a));
            }
        }
    }

    /// The live acquisitions, sorted, without repeats.
    pub fn live(&self) -> Vec<u32> {
        let mut v: Vec<u32> = self.0.iter().map(|&(_, a)| a).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Adds `other`; says whether anything was new.
    fn join(&mut self, other: &State) -> bool {
        let before = self.0.len();
        let mut merged = Vec::with_capacity(self.0.len() + other.0.len());
        let (mut i, mut j) = (0, 0);
        while i < self.0.len() || j < other.0.len() {
            let next = match (self.0.get(i), other.0.get(j)) {
                (Some(a), Some(b)) if a == b => {
                    i += 1;
                    j += 1;
                    *a
                }
                (Some(a), Some(b)) if a < b => {
                    i += 1;
                    *a
                }
                (Some(_), Some(b)) | (None, Some(b)) => {
                    j += 1;
                    *b
                }
                (Some(a), None) => {
                    i += 1;
                    *a
                }
                (None, None) => unreachable!(),
            };
            merged.push(next);
        }
        self.0 = merged;
        self.0.len() != before
    }
}

/// What the recording pass found, before it is written into the facts.
#[derive(Default)]
struct Record {
    held_at: BTreeMap<u32, BTreeSet<u32>>,
    held_on_acquire: BTreeMap<u32, BTreeSet<u32>>,
    call_held: BTreeMap<u32, BTreeSet<u32>>,
    write_held: BTreeMap<u32, BTreeSet<u32>>,
    write_through: BTreeMap<u32, u32>,
    /// Per acquisition: (its rank in [`note_end`], the end).
    ends: BTreeMap<u32, ((bool, u8, u32), GuardEnd)>,
    escapes: BTreeSet<u32>,
    /// Per acquisition: the last binding (by source offset) that holds it:
    /// the name that still reaches the guard (`let h = Holder { g };`).
    bindings: BTreeMap<u32, (u32, String, Span)>,
    wildcards: BTreeMap<u32, Span>,
    discarded: BTreeSet<u32>,
    /// (block, statement, acquisition) triples of uses.
    uses: HashSet<(u32, u32, u32)>,
    /// Per nested body: (its slot, outer acquisition) pairs it captures.
    captures: BTreeMap<u32, BTreeSet<(SlotId, u32)>>,
}

/// The guards a nested body captures: per nested body, its slot and the
/// enclosing body's acquisition that slot may hold on entry.
pub type Captures = BTreeMap<u32, BTreeSet<(SlotId, u32)>>;

/// Runs the analysis and writes its answers into `body`: `held_at`,
/// `held_on_acquire`, `end`, `escapes`, `holder`, `uses` of acquisitions;
/// `held` of calls and writes, `through_guard` of writes. `seed` is what
/// the entry block starts with (guards captured from an enclosing body).
pub fn analyze(ir: &BodyIr, body: &mut Body, seed: State) -> Captures {
    let in_states = fixpoint(ir, seed);
    let mut rec = Record::default();
    for (b, state) in in_states.iter().enumerate() {
        if let Some(state) = state {
            let mut state = state.clone();
            for (i, stmt) in ir.blocks[b].stmts.iter().enumerate() {
                record(ir, stmt, &state, (b as u32, i as u32), &mut rec);
                transfer(stmt, &mut state);
            }
        }
    }
    let captures = std::mem::take(&mut rec.captures);
    write_back(rec, body);
    captures
}

fn fixpoint(ir: &BodyIr, seed: State) -> Vec<Option<State>> {
    let mut in_states: Vec<Option<State>> = vec![None; ir.blocks.len()];
    let mut work = BTreeSet::new();
    for (i, &e) in ir.entries.iter().enumerate() {
        let start = if i == 0 { seed.clone() } else { State::default() };
        in_states[e as usize] = Some(start);
        work.insert(e);
    }
    while let Some(b) = work.pop_first() {
        let mut state = in_states[b as usize].clone().unwrap_or_default();
        for stmt in &ir.blocks[b as usize].stmts {
            transfer(stmt, &mut state);
        }
        for &s in &ir.blocks[b as usize].succs {
            let changed = match &mut in_states[s as usize] {
                Some(old) => old.join(&state),
                slot @ None => {
                    *slot = Some(state.clone());
                    true
                }
            };
            if changed {
                work.insert(s);
            }
        }
    }
    in_states
}

fn transfer(stmt: &Stmt, state: &mut State) {
    match stmt {
        Stmt::Acquire { acq, into } => {
            state.take_slot(*into);
            state.put(*into, [*acq]);
        }
        Stmt::Move { from, to } | Stmt::Bind { from, to, .. } => {
            // `to` may already hold other parts (a struct's fields); a slot
            // about to be rebound was ended first.
            if from != to {
                let moved = state.take_slot(*from);
                state.put(*to, moved);
            }
        }
        Stmt::BindWild { slot, .. } | Stmt::End { slot, .. } | Stmt::Forget { slot } => {
            state.take_slot(*slot);
        }
        Stmt::Await { .. }
        | Stmt::Call { .. }
        | Stmt::Write { .. }
        | Stmt::Use { .. }
        | Stmt::Discard { .. }
        | Stmt::Nested { .. } => {}
    }
}

fn record(ir: &BodyIr, stmt: &Stmt, state: &State, at: (u32, u32), rec: &mut Record) {
    let live = || state.live();
    match stmt {
        Stmt::Acquire { acq, .. } => {
            let e = rec.held_on_acquire.entry(*acq).or_default();
            e.extend(live().into_iter().filter(|a| a != acq));
        }
        Stmt::Await { idx } => {
            for a in live() {
                rec.held_at.entry(a).or_default().insert(*idx);
            }
        }
        Stmt::Call { idx } => rec.call_held.entry(*idx).or_default().extend(live()),
        Stmt::Write { idx, through } => {
            rec.write_held.entry(*idx).or_default().extend(live());
            let via = match through {
                Through::None => None,
                Through::Acq(a) => Some(*a),
                Through::Slot(s) => state.in_slot(*s).max(),
            };
            if let Some(a) = via {
                let e = rec.write_through.entry(*idx).or_insert(a);
                *e = (*e).max(a);
            }
        }
        Stmt::Use { slot } => {
            for a in state.in_slot(*slot) {
                rec.uses.insert((at.0, at.1, a));
            }
        }
        Stmt::Bind { from, to, span } => {
            let name = ir.slots[*to as usize].name.clone().unwrap_or_default();
            for a in state.in_slot(*from) {
                let e = rec.bindings.entry(a).or_insert((span.lo, name.clone(), *span));
                if span.lo > e.0 {
                    *e = (span.lo, name.clone(), *span);
                }
            }
        }
        Stmt::BindWild { slot, wildcard, let_span } => {
            for a in state.in_slot(*slot) {
                rec.wildcards.entry(a).or_insert(*wildcard);
                note_end(rec, a, false, GuardEnd { span: *let_span, kind: EndKind::TemporaryEnd });
            }
        }
        Stmt::Discard { slot } => rec.discarded.extend(state.in_slot(*slot)),
        Stmt::End { slot, span, kind, escapes, on_exit } => {
            for a in state.in_slot(*slot) {
                if *escapes {
                    rec.escapes.insert(a);
                }
                if let Some(span) = span {
                    note_end(rec, a, *on_exit, GuardEnd { span: *span, kind: *kind });
                }
            }
        }
        Stmt::Nested { body, captures } => {
            let e = rec.captures.entry(*body).or_default();
            for &(outer, inner) in captures {
                e.extend(state.in_slot(outer).map(|a| (inner, a)));
            }
        }
        Stmt::Move { .. } | Stmt::Forget { .. } => {}
    }
}

/// Keeps the end a reader wants to see: one on a normal path before one on
/// an early exit; a move out (the guard lives on elsewhere, which rules
/// must not miss) before a release, and a release before a reassignment
/// (which ends only an earlier iteration's guard); then the first in the
/// source.
fn note_end(rec: &mut Record, acq: u32, on_exit: bool, end: GuardEnd) {
    let kind_rank = match end.kind {
        EndKind::Move => 0,
        EndKind::Drop | EndKind::ScopeEnd | EndKind::TemporaryEnd => 1,
        EndKind::Reassign => 2,
    };
    let key = (on_exit, kind_rank, end.span.lo);
    match rec.ends.get(&acq) {
        Some((k, _)) if *k <= key => {}
        _ => {
            rec.ends.insert(acq, (key, end));
        }
    }
}

fn write_back(rec: Record, body: &mut Body) {
    let mut uses: BTreeMap<u32, u32> = BTreeMap::new();
    for &(_, _, a) in &rec.uses {
        *uses.entry(a).or_default() += 1;
    }
    for (i, acq) in body.acquisitions.iter_mut().enumerate() {
        let i = i as u32;
        acq.held_at = rec.held_at.get(&i).map(|s| s.iter().copied().collect()).unwrap_or_default();
        acq.held_on_acquire = rec.held_on_acquire.get(&i).map(|s| s.iter().copied().collect()).unwrap_or_default();
        acq.end = rec.ends.get(&i).map(|(_, e)| e.clone());
        acq.escapes |= rec.escapes.contains(&i);
        acq.uses = uses.get(&i).copied().unwrap_or(0);
        if let Some((_, name, span)) = rec.bindings.get(&i) {
            acq.holder = Holder::Binding { name: name.clone(), span: *span };
        } else if let Some(w) = rec.wildcards.get(&i) {
            acq.holder = Holder::Wildcard;
            acq.wildcard_span = Some(*w);
        } else if rec.discarded.contains(&i) && acq.holder == Holder::Temporary {
            acq.holder = Holder::Discarded;
        }
    }
    for (i, call) in body.calls.iter_mut().enumerate() {
        call.held = rec.call_held.get(&(i as u32)).map(|s| s.iter().copied().collect()).unwrap_or_default();
    }
    for (i, w) in body.writes.iter_mut().enumerate() {
        let i = i as u32;
        w.held = rec.write_held.get(&i).map(|s| s.iter().copied().collect()).unwrap_or_default();
        w.through_guard = rec.write_through.get(&i).copied();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_is_a_sorted_union() {
        let mut a = State::from_pairs(vec![(1, 0), (3, 2)]);
        let b = State::from_pairs(vec![(2, 1), (3, 2), (4, 0)]);
        assert!(a.join(&b));
        assert_eq!(a.0, vec![(1, 0), (2, 1), (3, 2), (4, 0)]);
        assert!(!a.join(&b));
    }

    #[test]
    fn take_and_put_by_slot() {
        let mut s = State::from_pairs(vec![(1, 0), (1, 5), (2, 1)]);
        assert_eq!(s.take_slot(1), vec![0, 5]);
        assert_eq!(s.0, vec![(2, 1)]);
        s.put(0, [7, 7]);
        assert_eq!(s.0, vec![(0, 7), (2, 1)]);
        assert_eq!(s.live(), vec![1, 7]);
    }
}
