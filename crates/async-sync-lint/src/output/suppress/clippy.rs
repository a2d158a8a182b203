//! Clippy's own allows of the lints that report what a rule of ours reports
//! (`#[allow(clippy::await_holding_lock)]`): code that already marks a
//! deliberate hold for clippy needs no second annotation for us.
//!
//! Read forms, on an item or a statement (covering it) or as an inner
//! attribute at the top of the file (covering the file): `allow(...)` and
//! `expect(...)`, directly or inside `cfg_attr(predicate, ...)` at any
//! depth. The lint groups (`clippy::all`, `clippy::suspicious`) are not
//! read: they say nothing about a hold in particular.

use super::lex::{matching, skip_ws, split_top_level, word_at};
use super::{Suppression, SuppressionKind};
use crate::input::source::LineIndex;

/// The clippy lints whose allows suppress our findings that carry them
/// (see `Finding::clippy_lint`).
pub const LINTS: &[&str] = &["await_holding_lock", "await_holding_refcell_ref"];

/// Whether `text` may hold a clippy allow of [`LINTS`]: a cheap test that
/// spares the attribute scan in every other file.
pub fn mentioned(text: &str) -> bool {
    text.contains("await_holding_")
}

/// The clippy allow of [`LINTS`] in the attribute whose `#` is at `p` in
/// masked `code`, at `{` nesting `depth`. An inner attribute below the top
/// level is not read (our own inner suppressions are not either).
pub(super) fn attribute(code: &[u8], p: usize, depth: u32, index: &LineIndex<'_>) -> Option<Suppression> {
    let mut q = skip_ws(code, p + 1);
    let inner = code.get(q) == Some(&b'!');
    if inner {
        q = skip_ws(code, q + 1);
    }
    if code.get(q) != Some(&b'[') {
        return None;
    }
    let close = matching(code, q)?;
    let mut lints = Vec::new();
    allowed_lints(code, skip_ws(code, q + 1), close, &mut lints);
    if lints.is_empty() {
        return None;
    }
    let span = index.span(p as u32, close as u32 + 1);
    let kind = match (inner, depth) {
        (true, 0) => SuppressionKind::File,
        (true, _) => return None,
        (false, _) => SuppressionKind::Item { attr_line: span.line },
    };
    Some(Suppression { kind, rules: lints, span, clippy: true })
}

/// Collects the [`LINTS`] that the meta item at `lo` (ending before `hi`)
/// allows or expects, looking through `cfg_attr`.
fn allowed_lints(code: &[u8], lo: usize, hi: usize, lints: &mut Vec<String>) {
    let word = word_at(code, lo);
    let open = skip_ws(code, lo + word.len());
    if code.get(open) != Some(&b'(') {
        return;
    }
    let Some(close) = matching(code, open).filter(|&c| c < hi) else {
        return;
    };
    let parts = split_top_level(code, open + 1, close);
    match word {
        // The predicate comes first; every later part is an attribute.
        "cfg_attr" => {
            for &(part_lo, part_hi) in parts.iter().skip(1) {
                allowed_lints(code, part_lo, part_hi, lints);
            }
        }
        "allow" | "expect" => {
            for (name_lo, name_hi) in parts {
                let name: String =
                    String::from_utf8_lossy(&code[name_lo..name_hi]).chars().filter(|c| !c.is_whitespace()).collect();
                if let Some(lint) = name.strip_prefix("clippy::").filter(|l| LINTS.contains(l)) {
                    if !lints.iter().any(|l| l == lint) {
                        lints.push(lint.to_string());
                    }
                }
            }
        }
        _ => {}
    }
}
