//! The IR as text, for tests and for reading a lowering by eye.
//!
//! ```text
//! bb0: acquire a0 -> _1; bind _1 -> g(_0); await #0; end g(_0) scope-end -> bb1
//! ```

use std::fmt::Write as _;

use super::{BodyIr, SlotId, Stmt, Through};

fn slot(ir: &BodyIr, s: SlotId) -> String {
    match &ir.slots[s as usize].name {
        Some(n) => format!("{n}(_{s})"),
        None => format!("_{s}"),
    }
}

/// One line per block: its statements, then its successors.
pub fn dump(ir: &BodyIr) -> String {
    let mut out = String::new();
    for (b, block) in ir.blocks.iter().enumerate() {
        if block.stmts.is_empty() && block.succs.len() == 1 {
            // A plain jump: folded into its predecessors' view to keep the text short.
            let _ = writeln!(out, "bb{b}: -> bb{}", block.succs[0]);
            continue;
        }
        let entry = if ir.entries.contains(&(b as u32)) { " (entry)" } else { "" };
        let stmts: Vec<String> = block.stmts.iter().map(|s| stmt(ir, s)).collect();
        let succs: Vec<String> = block.succs.iter().map(|s| format!("bb{s}")).collect();
        let _ = writeln!(
            out,
            "bb{b}{entry}: {}{}",
            stmts.join("; "),
            if succs.is_empty() { String::new() } else { format!(" -> {}", succs.join(", ")) }
        );
    }
    out
}

fn stmt(ir: &BodyIr, s: &Stmt) -> String {
    match s {
        Stmt::Acquire { acq, into } => format!("acquire a{acq} -> {}", slot(ir, *into)),
        Stmt::Await { idx } => format!("await #{idx}"),
        Stmt::Call { idx } => format!("call #{idx}"),
        Stmt::Write { idx, through } => match through {
            Through::None => format!("write #{idx}"),
            Through::Acq(a) => format!("write #{idx} via a{a}"),
            Through::Slot(s) => format!("write #{idx} via {}", slot(ir, *s)),
        },
        Stmt::Use { slot: s } => format!("use {}", slot(ir, *s)),
        Stmt::Move { from, to } => format!("move {} -> {}", slot(ir, *from), slot(ir, *to)),
        Stmt::Bind { from, to, .. } => format!("bind {} -> {}", slot(ir, *from), slot(ir, *to)),
        Stmt::BindWild { slot: s, .. } => format!("bind {} -> _", slot(ir, *s)),
        Stmt::Discard { slot: s } => format!("discard {}", slot(ir, *s)),
        Stmt::End { slot: s, kind, escapes, on_exit, .. } => format!(
            "end {} {:?}{}{}",
            slot(ir, *s),
            kind,
            if *escapes { " escapes" } else { "" },
            if *on_exit { " exit" } else { "" }
        ),
        Stmt::Forget { slot: s } => format!("forget {}", slot(ir, *s)),
        Stmt::Nested { body, captures } => {
            let caps: Vec<String> = captures.iter().map(|(o, i)| format!("{}=>_{i}", slot(ir, *o))).collect();
            format!("nested body{body} [{}]", caps.join(", "))
        }
    }
}
