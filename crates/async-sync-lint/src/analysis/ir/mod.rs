//! The body IR: one body (fn, async block, async closure) lowered into a
//! control-flow graph of basic blocks whose statements are the events that
//! decide how long a guard lives.
//!
//! `analysis/extract/lower/` builds it from syntax; [`liveness`] answers "which
//! guards may be live here?" by a forward dataflow to a fixpoint and writes
//! the answers into the body's facts. Nothing here knows `syn`.
//!
//! The model, in MIR's terms but much smaller:
//! - a **slot** is a place that can own a guard: a local (every pattern
//!   binding gets its own slot, so shadowing and same-named locals in other
//!   bodies are different slots) or a temporary (an acquisition's result, or
//!   the value of a block, `if`, `match` or loop);
//! - a guard is made by [`Stmt::Acquire`] into a fresh temporary, flows by
//!   [`Stmt::Move`]/[`Stmt::Bind`], and dies at [`Stmt::End`]: scope ends,
//!   `drop`, moves into calls, returns, reassignment;
//! - every edge that leaves a scope (`break`, `continue`, a labeled block's
//!   `break 'a`, the fall-through end of a block) carries the `End`s of the
//!   slots it leaves, innermost first, as rustc's scope builder does;
//! - non-async closures are separate regions of the same graph that start
//!   with nothing live; async blocks and closures are bodies of their own,
//!   linked by [`Stmt::Nested`] with the slots they capture.

pub mod dump;
pub mod liveness;

use crate::analysis::facts::EndKind;
use crate::diagnostic::Span;

pub type BlockId = u32;
pub type SlotId = u32;

/// A lowered body.
#[derive(Clone, Debug, Default)]
pub struct BodyIr {
    pub blocks: Vec<BasicBlock>,
    /// Blocks that start with nothing live: the body's entry and the entry
    /// of every non-async closure in it.
    pub entries: Vec<BlockId>,
    pub slots: Vec<SlotInfo>,
}

#[derive(Clone, Debug, Default)]
pub struct BasicBlock {
    pub stmts: Vec<Stmt>,
    pub succs: Vec<BlockId>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotInfo {
    /// The binding's name; `None` for temporaries.
    pub name: Option<String>,
}

/// What a write is reached through, for `Write::through_guard`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Through {
    None,
    /// `*m.lock().unwrap() = …`: that acquisition, whatever the state.
    Acq(u32),
    /// `*g = …`: whatever guard the slot holds there.
    Slot(SlotId),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stmt {
    /// Acquisition `acq` (an index into the body's acquisitions) is made;
    /// its guard is the value of temporary `into`.
    Acquire { acq: u32, into: SlotId },
    /// Await point `idx` suspends the body.
    Await { idx: u32 },
    /// Call `idx` is made.
    Call { idx: u32 },
    /// Write `idx` is made.
    Write { idx: u32, through: Through },
    /// A local is read (counts as a use of the guard it holds).
    Use { slot: SlotId },
    /// The value of `from` now lives in `to` (a pattern binding, a block's
    /// value, a branch's value into the `if`/`match` result).
    Move { from: SlotId, to: SlotId },
    /// `let to = from` or `to = from`: as `Move`, and `to` names the holder.
    Bind { from: SlotId, to: SlotId, span: Span },
    /// `let _ = from`: the guard is dropped at once.
    BindWild { slot: SlotId, wildcard: Span, let_span: Span },
    /// `from;` as a statement: the guard is dropped at the statement's end.
    Discard { slot: SlotId },
    /// The value of `slot` ends here.
    End {
        slot: SlotId,
        /// Where, for the "released here" label; `None` for the end of a
        /// temporary scope, which has no place of its own in the source.
        span: Option<Span>,
        kind: EndKind,
        /// The guard leaves the body (returned, moved into a call or task).
        escapes: bool,
        /// On an edge that leaves early (`break`, `continue`, let-else).
        on_exit: bool,
    },
    /// On this path the slot holds no guard (the failed arm of `try_lock`).
    Forget { slot: SlotId },
    /// An async block or closure (facts body `body`) is made here; it
    /// captures the outer slots' values as its own slots (outer, inner).
    Nested { body: u32, captures: Vec<(SlotId, SlotId)> },
}

impl BodyIr {
    pub fn new_block(&mut self) -> BlockId {
        self.blocks.push(BasicBlock::default());
        self.blocks.len() as BlockId - 1
    }

    pub fn new_slot(&mut self, name: Option<String>) -> SlotId {
        self.slots.push(SlotInfo { name });
        self.slots.len() as SlotId - 1
    }

    pub fn push(&mut self, block: BlockId, stmt: Stmt) {
        self.blocks[block as usize].stmts.push(stmt);
    }

    pub fn edge(&mut self, from: BlockId, to: BlockId) {
        let succs = &mut self.blocks[from as usize].succs;
        if !succs.contains(&to) {
            succs.push(to);
        }
    }

    /// Every nested body made in this one, with the slots it captures.
    pub fn nested(&self) -> impl Iterator<Item = (u32, &[(SlotId, SlotId)])> {
        self.blocks.iter().flat_map(|b| b.stmts.iter()).filter_map(|s| match s {
            Stmt::Nested { body, captures } => Some((*body, captures.as_slice())),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests;
