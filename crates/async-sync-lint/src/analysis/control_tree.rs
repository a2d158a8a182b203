//! Questions about where a fact sits in its body's control tree (the
//! `controls` of a [`Body`]: branches, loops, conditions, closures), asked
//! by rules and shared by them.

use crate::analysis::facts::{Body, Control, ControlKind};

impl Body {
    /// The chain of controls from `ctx` outwards.
    pub fn control_chain(&self, ctx: Option<u32>) -> impl Iterator<Item = &Control> {
        let mut cur = ctx;
        std::iter::from_fn(move || {
            let c = &self.controls[cur? as usize];
            cur = c.parent;
            Some(c)
        })
    }

    /// Is `ctx` inside a branch that leaves the function, which `other`
    /// is not inside? Then no path runs from `ctx` to `other`.
    pub fn leaves_before(&self, ctx: Option<u32>, other: Option<u32>) -> bool {
        let mut cur = ctx;
        while let Some(id) = cur {
            let c = &self.controls[id as usize];
            if c.returns && !self.within(other, id) {
                return true;
            }
            cur = c.parent;
        }
        false
    }

    /// Is `ctx` the control `id` or inside it?
    pub fn within(&self, ctx: Option<u32>, id: u32) -> bool {
        let mut cur = ctx;
        while let Some(c) = cur {
            if c == id {
                return true;
            }
            cur = self.controls[c as usize].parent;
        }
        false
    }

    /// Is `ctx` inside a loop body (of this body, not crossing closures)?
    pub fn in_loop(&self, ctx: Option<u32>) -> bool {
        self.control_chain(ctx)
            .take_while(|c| c.kind != ControlKind::Closure)
            .any(|c| matches!(c.kind, ControlKind::LoopBody | ControlKind::WhileCond))
    }

    /// Is control `ancestor` on the chain from `ctx` outwards (not crossing a
    /// closure)?
    pub fn within_same_closure(&self, ctx: Option<u32>, ancestor: u32) -> bool {
        let mut cur = ctx;
        while let Some(id) = cur {
            if id == ancestor {
                return true;
            }
            let c = &self.controls[id as usize];
            if c.kind == ControlKind::Closure {
                return false;
            }
            cur = c.parent;
        }
        false
    }

    /// The innermost loop (`Loop`/`While`/`For` control) whose body or
    /// condition encloses `ctx`, not crossing a closure.
    pub fn innermost_loop(&self, ctx: Option<u32>) -> Option<u32> {
        let mut cur = ctx;
        while let Some(id) = cur {
            let c = &self.controls[id as usize];
            match c.kind {
                ControlKind::Closure => return None,
                ControlKind::LoopBody | ControlKind::WhileCond => return c.parent,
                _ => {}
            }
            cur = c.parent;
        }
        None
    }

    /// The closest `IfThen`/`IfElse` branch enclosing `ctx` before any loop or
    /// closure, with the `If` it belongs to.
    pub fn enclosing_branch(&self, ctx: Option<u32>) -> Option<(u32, u32)> {
        let mut cur = ctx;
        while let Some(id) = cur {
            let c = &self.controls[id as usize];
            match c.kind {
                ControlKind::Closure | ControlKind::LoopBody | ControlKind::WhileCond => return None,
                ControlKind::IfThen | ControlKind::IfElse => return Some((id, c.parent?)),
                _ => {}
            }
            cur = c.parent;
        }
        None
    }

    /// The condition control (`IfCond`/`WhileCond`) that is a child of `parent`.
    pub fn condition_of(&self, parent: u32) -> Option<u32> {
        self.controls
            .iter()
            .enumerate()
            .find(|(_, c)| c.parent == Some(parent) && matches!(c.kind, ControlKind::IfCond | ControlKind::WhileCond))
            .map(|(i, _)| i as u32)
    }

    /// The body control (`LoopBody`) of a loop.
    pub fn loop_body_of(&self, lp: u32) -> Option<u32> {
        self.controls
            .iter()
            .enumerate()
            .find(|(_, c)| c.parent == Some(lp) && c.kind == ControlKind::LoopBody)
            .map(|(i, _)| i as u32)
    }

    /// Is `ctx` inside an `if` or `while` condition (of this loop level)?
    pub fn in_condition(&self, ctx: Option<u32>) -> bool {
        self.control_chain(ctx)
            .take_while(|c| !matches!(c.kind, ControlKind::Closure | ControlKind::LoopBody))
            .any(|c| matches!(c.kind, ControlKind::IfCond | ControlKind::WhileCond))
    }
}
