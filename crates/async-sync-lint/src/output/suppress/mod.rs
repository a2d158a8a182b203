//! Inline suppressions. rustc rejects unknown tool attributes, so the main
//! form is a comment:
//!
//! ```text
//! let g = m.lock().unwrap(); // async-sync-lint: allow(sync-guard-across-await)
//!
//! // async-sync-lint: allow(sync-guard-across-await, blocking-in-async)
//! let g = m.lock().unwrap();
//!
//! //! async-sync-lint: allow(blocking-in-async)      (whole file)
//! ```
//!
//! - At the end of a line of code, a comment covers that line; alone on its
//!   line, it covers the next line that holds code. A finding is suppressed
//!   when its primary span starts on the covered line.
//! - In an inner doc comment (`//!` or `/*! … */`) at the top level of the
//!   file, it covers the whole file.
//! - `#[cfg_attr(async_sync_lint, allow(async_sync_lint::rule_name))]` on an
//!   item covers the item. The cfg is never set by rustc, so the attribute
//!   compiles (declare it in `[lints.rust] unexpected_cfgs` to silence
//!   rustc's `check-cfg` warning). Underscores in rule names read as dashes.
//! - `allow(all)` covers every rule except `internal-error`.
//! - After `allow(...)` a reason may follow `--`:
//!   `// async-sync-lint: allow(rule) -- the lock is never contended`.
//! - A finding at level `forbid` is never suppressed (as in rustc).
//! - Clippy's own `#[allow(clippy::await_holding_lock)]` (or `expect`, or
//!   inside `cfg_attr`) suppresses the findings that carry that lint (see
//!   [`clippy`]), at the same scopes as our attribute; it is never reported
//!   unused, since it may be there for clippy alone.
//!
//! [`scan`] finds suppressions with the tokens of [`crate::input::lex`], so
//! the marker inside a string literal, a raw string or a doc comment is not a
//! suppression.
//! [`apply`] removes the findings they cover and returns the suppressions that
//! covered nothing, for the engine to report as `unused-suppression`.

use crate::diagnostic::{engine_codes, Applicability, Finding, Level, Span, Suggestion};
use crate::input::source::LineIndex;

pub mod clippy;
mod items;
mod lex;
mod scan;
#[cfg(test)]
mod tests;

use items::item_lines;
pub use items::item_lines_by_braces;
use lex::lex;
use scan::Scan;

/// The rule name that stands for every rule.
pub const ALL: &str = "all";

const MARKER: &str = "async-sync-lint";

/// The comment that allows `rule` on the next line of code, in the form
/// [`scan`] reads: `// async-sync-lint: allow(rule)`.
pub fn allow_comment(rule: &str) -> String {
    format!("// {MARKER}: allow({rule})")
}

/// What a suppression covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SuppressionKind {
    /// Findings whose primary span starts on this 1-based line.
    Line(u32),
    /// Every finding of the file.
    File,
    /// Findings inside the item that follows the attribute on `attr_line`;
    /// the item's extent is resolved by [`apply_with`].
    Item { attr_line: u32 },
}

/// One inline suppression.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Suppression {
    pub kind: SuppressionKind,
    /// Known rule names (kebab-case) or [`ALL`]; for a clippy allow, the
    /// clippy lints it names (`await_holding_lock`). Never empty.
    pub rules: Vec<String>,
    /// The comment or attribute, for reporting it unused.
    pub span: Span,
    /// A clippy allow: it covers the findings whose `clippy_lint` it names,
    /// and is never reported unused or overridden.
    pub clippy: bool,
}

impl Suppression {
    /// Whether this suppression names `rule` (directly or through `all`).
    pub fn covers_rule(&self, rule: &str) -> bool {
        !self.clippy && self.rules.iter().any(|r| r == rule || (r == ALL && rule != engine_codes::INTERNAL_ERROR))
    }

    /// Whether this suppression names `finding`'s rule, or, for a clippy
    /// allow, the clippy lint that reports the same mistake.
    pub fn covers(&self, finding: &Finding) -> bool {
        if self.clippy {
            return finding.clippy_lint.as_ref().is_some_and(|lint| self.rules.contains(lint));
        }
        self.covers_rule(&finding.rule)
    }
}

/// Finds the suppressions of one file. `known_rules` are the rule names of
/// the catalog; engine codes and `all` are accepted on top of them.
/// Clippy allows of the lints matching our rules come with `clippy` set.
///
/// The second list holds malformed directives (`async-sync-lint: alow(x)`),
/// unknown rule names and misplaced file-level comments, each with a message
/// for a finding. A directive naming some known and some unknown rules still
/// suppresses the known ones.
pub fn scan(text: &str, known_rules: &[&str]) -> (Vec<Suppression>, Vec<(Span, String)>) {
    let lexed = lex(text);
    let index = LineIndex::new(text);
    let mut out = Scan { known_rules, suppressions: Vec::new(), malformed: Vec::new() };
    for comment in &lexed.comments {
        out.comment(text, &lexed, &index, comment);
    }
    out.attributes(&lexed, &index, clippy::mentioned(text));
    (out.suppressions, out.malformed)
}

/// Removes the findings covered by `suppressions` (all of one file, whose
/// text is `text`) and returns the indices of the suppressions that covered
/// nothing.
///
/// Item extents come from [`item_lines_by_braces`], a text-only fallback;
/// use [`apply_with`] to pass the extents known from the syntax tree.
pub fn apply(findings: &mut Vec<Finding>, suppressions: &[Suppression], text: &str) -> Applied {
    let mut lexed = None;
    apply_with(findings, suppressions, |attr_line| {
        let lexed = lexed.get_or_insert_with(|| lex(text));
        item_lines(lexed, &LineIndex::new(text), attr_line)
    })
}

/// [`apply`] with the extent of attributed items given by `item_lines`: the
/// 1-based first and last line of the item whose attribute starts on the
/// given line, or `None` if there is no such item.
///
/// A suppression naming `unused-suppression` is never reported unused, and
/// an unused suppression covered by a suppression of `unused-suppression` is
/// not reported either.
pub fn apply_with(
    findings: &mut Vec<Finding>,
    suppressions: &[Suppression],
    mut item_lines: impl FnMut(u32) -> Option<(u32, u32)>,
) -> Applied {
    let ranges: Vec<Option<(u32, u32)>> = suppressions
        .iter()
        .map(|s| match s.kind {
            SuppressionKind::Line(line) => Some((line, line)),
            SuppressionKind::File => Some((0, u32::MAX)),
            SuppressionKind::Item { attr_line } => item_lines(attr_line),
        })
        .collect();
    let covers = |i: usize, finding: &Finding| {
        let line = finding.primary.line;
        matches!(ranges[i], Some((first, last)) if first <= line && line <= last) && suppressions[i].covers(finding)
    };

    let mut used = vec![false; suppressions.len()];
    let mut overridden = Vec::new();
    findings.retain(|finding| {
        if finding.level == Level::Forbid {
            // Not suppressed, but the suppression was meant for it: say it
            // was overridden rather than unused.
            for (i, used) in used.iter_mut().enumerate() {
                if covers(i, finding) && !*used {
                    *used = true;
                    if !suppressions[i].clippy {
                        overridden.push(i);
                    }
                }
            }
            return true;
        }
        let mut suppressed = false;
        for (i, used) in used.iter_mut().enumerate() {
            if covers(i, finding) {
                *used = true;
                suppressed = true;
            }
        }
        !suppressed
    });

    let unused_rule = engine_codes::UNUSED_SUPPRESSION;
    let unused = (0..suppressions.len())
        .filter(|&i| !used[i] && !suppressions[i].clippy)
        .filter(|&i| !suppressions[i].rules.iter().any(|r| r == unused_rule))
        .filter(|&i| {
            let line = suppressions[i].span.line;
            !(0..suppressions.len()).any(|j| {
                j != i
                    && matches!(ranges[j], Some((a, b)) if a <= line && line <= b)
                    && suppressions[j].rules.iter().any(|r| r == unused_rule)
            })
        })
        .collect();
    overridden.sort_unstable();
    Applied { unused, overridden }
}

/// The edit that deletes an unused suppression: its whole line when it is
/// alone on it, else the trailing comment and the blanks before it. `None`
/// when code follows it on its line.
pub fn removal(text: &str, span: Span) -> Option<Suggestion> {
    let (lo, hi) = (span.lo as usize, span.hi as usize);
    if lo > hi || hi > text.len() || !text.is_char_boundary(lo) || !text.is_char_boundary(hi) {
        return None;
    }
    let line_start = text[..lo].rfind('\n').map_or(0, |n| n + 1);
    let line_end = text[hi..].find('\n').map_or(text.len(), |n| hi + n);
    // A line comment runs to the end of its line (a `-- reason` included).
    let end = if text[lo..].starts_with("//") { line_end } else { hi };
    if !text[end..line_end].trim().is_empty() {
        return None;
    }
    let (from, to) = if text[line_start..lo].trim().is_empty() {
        (line_start, (line_end + 1).min(text.len()))
    } else {
        (lo - (text[..lo].len() - text[..lo].trim_end().len()), line_end)
    };
    let lines = LineIndex::new(text);
    let replacement = String::new();
    Some(Suggestion {
        span: lines.span(from as u32, to as u32),
        replacement,
        applicability: Applicability::MachineApplicable,
    })
}

/// What [`apply`] found out about the suppressions, by index.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// Suppressions that matched no finding.
    pub unused: Vec<usize>,
    /// Suppressions whose finding is at `forbid` level, which no suppression
    /// can lower.
    pub overridden: Vec<usize>,
}
