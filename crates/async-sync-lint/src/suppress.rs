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
//!
//! [`scan`] finds suppressions with a small lexer, so the marker inside a
//! string literal, a raw string or a doc comment is not a suppression.
//! [`apply`] removes the findings they cover and returns the suppressions that
//! covered nothing, for the engine to report as `unused-suppression`.

use crate::config::{closest, ENGINE_CODES};
use crate::diagnostic::{engine_codes, Applicability, Finding, Level, Span, Suggestion};
use crate::source::LineIndex;

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
    /// Known rule names (kebab-case) or [`ALL`]; never empty.
    pub rules: Vec<String>,
    /// The comment or attribute, for reporting it unused.
    pub span: Span,
}

impl Suppression {
    /// Whether this suppression names `rule` (directly or through `all`).
    pub fn covers_rule(&self, rule: &str) -> bool {
        self.rules.iter().any(|r| r == rule || (r == ALL && rule != engine_codes::INTERNAL_ERROR))
    }
}

/// Finds the suppressions of one file. `known_rules` are the rule names of
/// the catalog; engine codes and `all` are accepted on top of them.
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
    out.attributes(&lexed, &index);
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
    let covers = |i: usize, line: u32, rule: &str| {
        matches!(ranges[i], Some((first, last)) if first <= line && line <= last) && suppressions[i].covers_rule(rule)
    };

    let mut used = vec![false; suppressions.len()];
    let mut overridden = Vec::new();
    findings.retain(|finding| {
        if finding.level == Level::Forbid {
            // Not suppressed, but the suppression was meant for it: say it
            // was overridden rather than unused.
            for (i, used) in used.iter_mut().enumerate() {
                if covers(i, finding.primary.line, &finding.rule) && !*used {
                    *used = true;
                    overridden.push(i);
                }
            }
            return true;
        }
        let mut suppressed = false;
        for (i, used) in used.iter_mut().enumerate() {
            if covers(i, finding.primary.line, &finding.rule) {
                *used = true;
                suppressed = true;
            }
        }
        !suppressed
    });

    let unused_rule = engine_codes::UNUSED_SUPPRESSION;
    let unused = (0..suppressions.len())
        .filter(|&i| !used[i])
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

/// Text-only extent of the item whose attribute starts on `attr_line`: from
/// that line to the end of the item, found by skipping its attributes and
/// matching brackets (strings and comments skipped). The item ends at a `;`
/// at its own level, at the `}` closing its body (continuing through `else`
/// and method chains), at a `,` for fields, variants and match arms, or
/// where the enclosing block closes.
///
/// Known limits: `<…>` are not matched, so a comma in the generics of a
/// private field or an arm ends it early, while a `pub` field (read as an
/// item, whose commas are ignored) extends to the end of its struct; an
/// expression statement that continues after a block with an operator ends
/// at that block.
pub fn item_lines_by_braces(text: &str, attr_line: u32) -> Option<(u32, u32)> {
    item_lines(&lex(text), &LineIndex::new(text), attr_line)
}

fn item_lines(lexed: &Lexed, index: &LineIndex<'_>, attr_line: u32) -> Option<(u32, u32)> {
    let code = &lexed.masked;
    let (line_lo, line_hi) = index.line_range(attr_line)?;
    let mut q = (line_lo as usize..line_hi as usize).find(|&i| code[i] == b'#')?;
    // Skip the attributes in front of the item.
    loop {
        q = skip_ws(code, q);
        if code.get(q) != Some(&b'#') {
            break;
        }
        let open = skip_ws(code, q + 1);
        if code.get(open) != Some(&b'[') {
            return None;
        }
        q = matching(code, open)? + 1;
    }
    let start = q;
    let first_word = word_at(code, start);
    let is_item_or_statement = matches!(
        first_word,
        "fn" | "struct"
            | "enum"
            | "union"
            | "impl"
            | "trait"
            | "type"
            | "mod"
            | "pub"
            | "async"
            | "unsafe"
            | "const"
            | "static"
            | "let"
            | "use"
            | "extern"
            | "macro_rules"
    );
    let mut depth = 0u32;
    let mut end = None;
    while q < code.len() {
        match code[q] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' if depth == 0 => {
                end = Some(q.saturating_sub(1).max(start));
                break;
            }
            b')' | b']' => depth -= 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    let next = skip_ws(code, q + 1);
                    match code.get(next) {
                        Some(b';' | b',') => {
                            end = Some(next);
                            break;
                        }
                        Some(b'.' | b'?') => {}
                        _ if word_at(code, next) == "else" => {}
                        _ => {
                            end = Some(q);
                            break;
                        }
                    }
                }
            }
            b';' if depth == 0 => {
                end = Some(q);
                break;
            }
            b',' if depth == 0 && !is_item_or_statement => {
                end = Some(q);
                break;
            }
            _ => {}
        }
        q += 1;
    }
    let end = end.unwrap_or(code.len().saturating_sub(1));
    Some((attr_line, index.line_col(end as u32).0))
}

/// Accumulates what [`scan`] finds.
struct Scan<'k> {
    known_rules: &'k [&'k str],
    suppressions: Vec<Suppression>,
    malformed: Vec<(Span, String)>,
}

impl Scan<'_> {
    fn comment(&mut self, text: &str, lexed: &Lexed, index: &LineIndex<'_>, comment: &Comment) {
        let raw = &text[comment.lo..comment.hi];
        let (doc, body_lo, body_hi) = classify(raw);
        if doc == Doc::Outer {
            return;
        }
        let span = index.span(comment.lo as u32, comment.hi as u32);
        let body = &raw[body_lo..body_hi];
        // A block comment may hold directives on several of its lines.
        let mut offset = comment.lo + body_lo;
        for line in body.split('\n') {
            let line_start = offset;
            offset += line.len() + 1;
            let mut content = line.trim_end_matches('\r');
            let mut base = line_start;
            if comment.block {
                let trimmed = content.trim_start();
                if let Some(rest) = trimmed.strip_prefix('*') {
                    base += content.len() - rest.len();
                    content = rest;
                }
            }
            let names = match parse_directive(content, base) {
                None => continue,
                Some(Err(message)) => {
                    self.malformed.push((span, message));
                    continue;
                }
                Some(Ok(names)) => names,
            };
            let rules = self.check_names(names, index);
            if rules.is_empty() {
                continue;
            }
            let kind = match doc {
                Doc::Inner if comment.depth == 0 => SuppressionKind::File,
                Doc::Inner => {
                    self.malformed
                        .push((span, "a `//!` suppression covers the whole file and must be at its top level".into()));
                    continue;
                }
                _ => SuppressionKind::Line(target_line(lexed, index, comment)),
            };
            self.suppressions.push(Suppression { kind, rules, span });
        }
    }

    /// `#[cfg_attr(async_sync_lint, allow(async_sync_lint::rule, …))]` and
    /// its inner form `#![…]` at the top of the file.
    fn attributes(&mut self, lexed: &Lexed, index: &LineIndex<'_>) {
        let code = &lexed.masked;
        let mut depth = 0u32;
        for p in 0..code.len() {
            match code[p] {
                b'{' => depth += 1,
                b'}' => depth = depth.saturating_sub(1),
                b'#' => self.attribute(code, p, depth, index),
                _ => {}
            }
        }
    }

    fn attribute(&mut self, code: &[u8], p: usize, depth: u32, index: &LineIndex<'_>) {
        let mut q = skip_ws(code, p + 1);
        let inner = code.get(q) == Some(&b'!');
        if inner {
            q = skip_ws(code, q + 1);
        }
        if code.get(q) != Some(&b'[') {
            return;
        }
        let Some(close) = matching(code, q) else {
            return;
        };
        q = skip_ws(code, q + 1);
        if word_at(code, q) != "cfg_attr" {
            return;
        }
        q = skip_ws(code, q + "cfg_attr".len());
        if code.get(q) != Some(&b'(') {
            return;
        }
        let Some(paren_close) = matching(code, q) else {
            return;
        };
        q = skip_ws(code, q + 1);
        if word_at(code, q) != "async_sync_lint" {
            return;
        }
        q = skip_ws(code, q + "async_sync_lint".len());
        if code.get(q) != Some(&b',') {
            return;
        }
        let span = index.span(p as u32, close as u32 + 1);
        let mut names = Vec::new();
        for (lo, hi) in split_top_level(code, q + 1, paren_close) {
            let word = word_at(code, lo);
            let open = skip_ws(code, lo + word.len());
            if word != "allow" || code.get(open) != Some(&b'(') {
                let found = String::from_utf8_lossy(&code[lo..hi]).trim().to_string();
                let message = if matches!(word, "warn" | "deny" | "forbid" | "expect") {
                    format!("only `allow(...)` is read from `cfg_attr(async_sync_lint, ...)`, found `{word}`")
                } else {
                    format!("expected `allow(...)` in `cfg_attr(async_sync_lint, ...)`, found `{found}`")
                };
                self.malformed.push((span, message));
                continue;
            }
            let Some(inner_close) = matching(code, open) else {
                continue;
            };
            for (name_lo, name_hi) in split_top_level(code, open + 1, inner_close) {
                let name: String =
                    String::from_utf8_lossy(&code[name_lo..name_hi]).chars().filter(|c| !c.is_whitespace()).collect();
                let name = name.strip_prefix("async_sync_lint::").unwrap_or(&name).to_string();
                names.push((name, name_lo, name_hi));
            }
        }
        if names.is_empty() {
            return;
        }
        let rules = self.check_names(names, index);
        if rules.is_empty() {
            return;
        }
        let kind = match (inner, depth) {
            (true, 0) => SuppressionKind::File,
            (true, _) => {
                self.malformed.push((
                    span,
                    "an inner `#![cfg_attr(async_sync_lint, ...)]` is only read at the top of the file".into(),
                ));
                return;
            }
            (false, _) => SuppressionKind::Item { attr_line: span.line },
        };
        self.suppressions.push(Suppression { kind, rules, span });
    }

    /// Normalizes names (underscores to dashes) and keeps the known ones;
    /// each unknown one is reported at its own span.
    fn check_names(&mut self, names: Vec<(String, usize, usize)>, index: &LineIndex<'_>) -> Vec<String> {
        let mut rules: Vec<String> = Vec::new();
        for (name, lo, hi) in names {
            let name = name.replace('_', "-");
            let known =
                name == ALL || self.known_rules.contains(&name.as_str()) || ENGINE_CODES.contains(&name.as_str());
            if !known {
                let mut candidates: Vec<&str> = self.known_rules.to_vec();
                candidates.extend_from_slice(ENGINE_CODES);
                candidates.push(ALL);
                let mut message = format!("unknown rule `{name}` in `allow(...)`");
                if let Some(best) = closest(&name, &candidates) {
                    message.push_str(&format!("; did you mean `{best}`?"));
                }
                self.malformed.push((index.span(lo as u32, hi as u32), message));
            } else if !rules.contains(&name) {
                rules.push(name);
            }
        }
        rules
    }
}

/// The line a plain suppression comment covers: its own when code shares
/// the line, else the next line holding code (past the end of the file if
/// there is none, so it covers nothing).
fn target_line(lexed: &Lexed, index: &LineIndex<'_>, comment: &Comment) -> u32 {
    let (first, _) = index.line_col(comment.lo as u32);
    let (last, _) = index.line_col(comment.hi as u32);
    let (first_lo, _) = index.line_range(first).unwrap_or((0, 0));
    if lexed.has_code(first_lo as usize, comment.lo) {
        return first;
    }
    let (_, last_hi) = index.line_range(last).unwrap_or((0, 0));
    if lexed.has_code(comment.hi, last_hi as usize) {
        return last;
    }
    (last + 1..=index.line_count())
        .find(|&line| index.line_range(line).is_some_and(|(lo, hi)| lexed.has_code(lo as usize, hi as usize)))
        .unwrap_or(index.line_count() + 1)
}

/// Parses one line of comment text. `None`: not a directive at all.
/// `Some(Ok(names))`: the rule names with their absolute byte ranges.
/// `Some(Err(message))`: it meant to be a directive but is malformed.
#[allow(clippy::type_complexity)]
fn parse_directive(line: &str, base: usize) -> Option<Result<Vec<(String, usize, usize)>, String>> {
    let lead = line.len() - line.trim_start().len();
    let rest = &line[lead..];
    let dashed = rest.starts_with(MARKER);
    if !dashed && !rest.starts_with("async_sync_lint") {
        return None;
    }
    let after = rest[MARKER.len()..].trim_start();
    if after.strip_prefix("allow").is_some_and(|a| a.trim_start().starts_with('(')) {
        return Some(Err(format!("expected `:` after `{MARKER}`")));
    }
    let after = after.strip_prefix(':')?;
    if after.starts_with(':') {
        return None; // a path such as `async_sync_lint::config` in prose
    }
    let directive = after.trim_start();
    let word_len =
        directive.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')).unwrap_or(directive.len());
    let word = &directive[..word_len];
    let is_level = matches!(word, "allow" | "warn" | "deny" | "forbid" | "expect");
    let looks_like_call = directive[word_len..].trim_start().starts_with('(');
    let near_allow = closest(word, &["allow"]).is_some();
    if !(is_level || looks_like_call || near_allow || directive.is_empty()) {
        return None; // prose such as `//! async-sync-lint: a linter for …`
    }
    if !dashed {
        return Some(Err(format!("write `{MARKER}:` with dashes")));
    }
    if word != "allow" {
        return Some(Err(match word {
            "" => format!("expected `allow(...)` after `{MARKER}:`"),
            "warn" | "deny" | "forbid" | "expect" => format!(
                "only `allow(...)` can be written in a comment, found `{word}`; \
                 set other levels in the configuration"
            ),
            _ if near_allow => {
                format!("expected `allow(...)`, found `{word}`; did you mean `allow`?")
            }
            _ => format!("expected `allow(...)`, found `{word}`"),
        }));
    }
    let after_word = &directive[word_len..];
    let Some(list) = after_word.trim_start().strip_prefix('(') else {
        return Some(Err("expected `(` after `allow`".into()));
    };
    let Some(close) = list.find(')') else {
        return Some(Err("unclosed `(` in `allow(`".into()));
    };
    let tail = list[close + 1..].trim();
    if !tail.is_empty() && !tail.starts_with("--") {
        return Some(Err(format!("unexpected `{tail}` after `allow(...)`; write a reason after `--`")));
    }
    let list_base = base + (line.len() - list.len());
    let mut names = Vec::new();
    let mut pos = 0;
    for piece in list[..close].split(',') {
        let lo = pos + (piece.len() - piece.trim_start().len());
        pos += piece.len() + 1;
        let name = piece.trim();
        if !name.is_empty() {
            let name_owned = name.strip_prefix("async-sync-lint::").unwrap_or(name);
            let name_owned = name_owned.strip_prefix("async_sync_lint::").unwrap_or(name_owned);
            names.push((name_owned.to_string(), list_base + lo, list_base + lo + name.len()));
        }
    }
    if names.is_empty() {
        return Some(Err("`allow()` names no rule".into()));
    }
    Some(Ok(names))
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Doc {
    None,
    Inner,
    Outer,
}

/// Doc kind of a comment and the byte range of its body within `raw`.
fn classify(raw: &str) -> (Doc, usize, usize) {
    if raw.starts_with("//") {
        if raw.starts_with("//!") {
            (Doc::Inner, 3, raw.len())
        } else if raw.starts_with("///") && !raw.starts_with("////") {
            (Doc::Outer, 3, raw.len())
        } else {
            (Doc::None, 2, raw.len())
        }
    } else {
        let end = if raw.len() >= 4 && raw.ends_with("*/") { raw.len() - 2 } else { raw.len() };
        if raw.starts_with("/*!") {
            (Doc::Inner, 3, end.max(3))
        } else if raw.starts_with("/**") && !raw.starts_with("/***") && raw != "/**/" {
            (Doc::Outer, 3, end.max(3))
        } else {
            (Doc::None, 2, end.max(2))
        }
    }
}

// ---------------------------------------------------------------------------
// Lexer: just enough of Rust's lexical grammar to tell comments, literals and
// code apart.

struct Comment {
    lo: usize,
    hi: usize,
    block: bool,
    /// `{` nesting depth at the comment.
    depth: u32,
}

struct Lexed {
    comments: Vec<Comment>,
    /// The text with comments and the insides of string and char literals
    /// blanked to spaces (newlines kept): offsets unchanged, only code left.
    masked: Vec<u8>,
    /// Per byte: part of a comment (or a BOM).
    trivia: Vec<bool>,
}

impl Lexed {
    /// Whether `lo..hi` holds anything but whitespace and comments.
    fn has_code(&self, lo: usize, hi: usize) -> bool {
        let hi = hi.min(self.masked.len());
        (lo..hi).any(|i| !self.trivia[i] && !self.masked[i].is_ascii_whitespace())
    }
}

fn lex(text: &str) -> Lexed {
    let b = text.as_bytes();
    let mut lexed = Lexed { comments: Vec::new(), masked: b.to_vec(), trivia: vec![false; b.len()] };
    let mut i = if text.starts_with('\u{feff}') {
        lexed.trivia[..3].fill(true);
        lexed.masked[..3].fill(b' ');
        3
    } else {
        0
    };
    let mut depth = 0u32;
    let at = |k: usize| b.get(k).copied().unwrap_or(0);
    let blank = |lexed: &mut Lexed, lo: usize, hi: usize| {
        let hi = hi.min(b.len());
        for (m, &c) in lexed.masked[lo..hi].iter_mut().zip(&b[lo..hi]) {
            if c != b'\n' {
                *m = b' ';
            }
        }
    };
    while i < b.len() {
        match b[i] {
            b'/' if at(i + 1) == b'/' => {
                let mut hi = b[i..].iter().position(|&c| c == b'\n').map_or(b.len(), |p| i + p);
                if hi > i + 2 && b[hi - 1] == b'\r' {
                    hi -= 1;
                }
                lexed.comments.push(Comment { lo: i, hi, block: false, depth });
                lexed.trivia[i..hi].fill(true);
                blank(&mut lexed, i, hi);
                i = hi;
            }
            b'/' if at(i + 1) == b'*' => {
                let mut j = i + 2;
                let mut nest = 1;
                while j < b.len() && nest > 0 {
                    if b[j] == b'/' && at(j + 1) == b'*' {
                        nest += 1;
                        j += 2;
                    } else if b[j] == b'*' && at(j + 1) == b'/' {
                        nest -= 1;
                        j += 2;
                    } else {
                        j += 1;
                    }
                }
                let hi = j.min(b.len());
                lexed.comments.push(Comment { lo: i, hi, block: true, depth });
                lexed.trivia[i..hi].fill(true);
                blank(&mut lexed, i, hi);
                i = hi;
            }
            b'"' => {
                let hi = string_end(b, i + 1);
                blank(&mut lexed, i + 1, hi.saturating_sub(1));
                i = hi;
            }
            b'\'' => {
                let hi = quote_end(b, i);
                if hi > i + 1 {
                    blank(&mut lexed, i + 1, hi - 1);
                }
                i = hi;
            }
            b'{' => {
                depth += 1;
                i += 1;
            }
            b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            c if c == b'_' || c.is_ascii_alphabetic() || c >= 0x80 => {
                let start = i;
                while i < b.len() && (b[i] == b'_' || b[i].is_ascii_alphanumeric() || b[i] >= 0x80) {
                    i += 1;
                }
                match &b[start..i] {
                    b"r" | b"br" | b"cr" => {
                        if let Some((content_lo, content_hi, hi)) = raw_string(b, i) {
                            blank(&mut lexed, content_lo, content_hi);
                            i = hi;
                        }
                    }
                    b"b" | b"c" if at(i) == b'"' => {
                        let hi = string_end(b, i + 1);
                        blank(&mut lexed, i + 1, hi.saturating_sub(1));
                        i = hi;
                    }
                    b"b" if at(i) == b'\'' => {
                        let hi = quote_end(b, i);
                        if hi > i + 1 {
                            blank(&mut lexed, i + 1, hi - 1);
                        }
                        i = hi;
                    }
                    _ => {}
                }
            }
            _ => i += 1,
        }
    }
    lexed
}

/// End (exclusive, past the closing quote) of a string whose content starts
/// at `i`.
fn string_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// `i` is just past `r`: `#`* then `"` starts a raw string. Returns the
/// content range and the end past the closing `"#…`.
fn raw_string(b: &[u8], i: usize) -> Option<(usize, usize, usize)> {
    let hashes = b[i..].iter().take_while(|&&c| c == b'#').count();
    let open = i + hashes;
    if b.get(open) != Some(&b'"') {
        return None;
    }
    let mut j = open + 1;
    while j < b.len() {
        if b[j] == b'"' && b[j + 1..].iter().take(hashes).filter(|&&c| c == b'#').count() == hashes {
            return Some((open + 1, j, j + 1 + hashes));
        }
        j += 1;
    }
    Some((open + 1, b.len(), b.len()))
}

/// `b[i]` is `'`: the end of a char literal, or `i + 1` for a lifetime or
/// label.
fn quote_end(b: &[u8], i: usize) -> usize {
    match b.get(i + 1) {
        Some(b'\\') => {
            let mut j = i + 3;
            while j < b.len() && b[j] != b'\'' && b[j] != b'\n' {
                j += 1;
            }
            if b.get(j) == Some(&b'\'') {
                j + 1
            } else {
                i + 1
            }
        }
        Some(&c) if c != b'\'' && c != b'\n' => {
            let len = match c {
                0xf0.. => 4,
                0xe0.. => 3,
                0xc0.. => 2,
                _ => 1,
            };
            if b.get(i + 1 + len) == Some(&b'\'') {
                i + 2 + len
            } else {
                i + 1
            }
        }
        _ => i + 1,
    }
}

fn skip_ws(code: &[u8], mut i: usize) -> usize {
    while i < code.len() && code[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// The identifier starting at `i` (empty if none).
fn word_at(code: &[u8], i: usize) -> &str {
    let len = code.get(i..).unwrap_or(&[]).iter().take_while(|&&c| c == b'_' || c.is_ascii_alphanumeric()).count();
    std::str::from_utf8(&code[i.min(code.len())..i.min(code.len()) + len]).unwrap_or("")
}

/// Index of the bracket closing the one at `open` in masked code.
fn matching(code: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0u32;
    for (k, &c) in code.iter().enumerate().skip(open) {
        match c {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
    }
    None
}

/// Ranges of the comma-separated parts of `code[lo..hi]` at bracket depth 0,
/// empty parts left out.
fn split_top_level(code: &[u8], lo: usize, hi: usize) -> Vec<(usize, usize)> {
    let mut parts = Vec::new();
    let mut depth = 0u32;
    let mut start = lo;
    for k in lo..=hi {
        let c = if k == hi { b',' } else { code[k] };
        match c {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                let a = skip_ws(code, start).min(k);
                let mut z = k;
                while z > a && code[z - 1].is_ascii_whitespace() {
                    z -= 1;
                }
                if z > a {
                    parts.push((a, z));
                }
                start = k + 1;
            }
            _ => {}
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &[&str] = &["sync-guard-across-await", "blocking-in-async"];
    const GUARD: &str = "sync-guard-across-await";
    const BLOCKING: &str = "blocking-in-async";

    fn finding(rule: &str, line: u32) -> Finding {
        let span = Span { lo: 0, hi: 0, line, col: 1, end_line: line, end_col: 1 };
        Finding::new(rule, Level::Warn, 0, span, "m")
    }

    /// Scans `src`, applies the suppressions to `findings` (rule, line) and
    /// returns what survives plus the lines of unused suppressions.
    fn check(src: &str, findings: &[(&str, u32)]) -> (Vec<(String, u32)>, Vec<u32>) {
        let (suppressions, malformed) = scan(src, RULES);
        assert!(malformed.is_empty(), "unexpected malformed: {malformed:?}");
        let mut findings: Vec<Finding> = findings.iter().map(|&(r, l)| finding(r, l)).collect();
        let unused = apply(&mut findings, &suppressions, src).unused;
        let left = findings.into_iter().map(|f| (f.rule, f.primary.line)).collect();
        (left, unused.into_iter().map(|i| suppressions[i].span.line).collect())
    }

    fn left(items: &[(&str, u32)]) -> Vec<(String, u32)> {
        items.iter().map(|&(r, l)| (r.to_string(), l)).collect()
    }

    #[test]
    fn trailing_comment_covers_its_line() {
        let src = r#"
async fn f(m: &std::sync::Mutex<u8>) {
    let g = m.lock().unwrap(); // async-sync-lint: allow(sync-guard-across-await)
    let h = m.lock().unwrap();
}
"#;
        let (suppressions, _) = scan(src, RULES);
        assert_eq!(suppressions.len(), 1);
        assert_eq!(suppressions[0].kind, SuppressionKind::Line(3));
        assert_eq!(suppressions[0].rules, [GUARD]);
        assert_eq!(suppressions[0].span.line, 3);
        assert_eq!(suppressions[0].span.col, 32);
        let (rest, unused) = check(src, &[(GUARD, 3), (GUARD, 4), (BLOCKING, 3)]);
        assert_eq!(rest, left(&[(GUARD, 4), (BLOCKING, 3)]));
        assert!(unused.is_empty());
    }

    #[test]
    fn comment_alone_covers_next_code_line() {
        let src = r#"
async fn f() {
    // async-sync-lint: allow(blocking-in-async, sync-guard-across-await) -- startup only

    // an ordinary comment in between
    /* and a block one */
    std::thread::sleep(d);
    std::thread::sleep(d);
}
"#;
        let (suppressions, _) = scan(src, RULES);
        assert_eq!(suppressions[0].kind, SuppressionKind::Line(7));
        assert_eq!(suppressions[0].rules, [BLOCKING, GUARD]);
        let (rest, unused) = check(src, &[(BLOCKING, 7), (BLOCKING, 8), (BLOCKING, 3)]);
        assert_eq!(rest, left(&[(BLOCKING, 8), (BLOCKING, 3)]));
        assert!(unused.is_empty());
    }

    #[test]
    fn block_comment_before_code_covers_that_line() {
        let src = "fn f() {\n    /* async-sync-lint: allow(blocking-in-async) */ block();\n}\n";
        let (suppressions, _) = scan(src, RULES);
        assert_eq!(suppressions[0].kind, SuppressionKind::Line(2));
    }

    #[test]
    fn inner_doc_comment_covers_file() {
        let src = r#"//! Module docs.
//! async-sync-lint: allow(blocking-in-async)
/*! async-sync-lint: allow(sync-guard-across-await) */

fn a() {}
fn b() {}
"#;
        let (suppressions, _) = scan(src, RULES);
        assert_eq!(suppressions.iter().map(|s| s.kind).collect::<Vec<_>>(), [SuppressionKind::File; 2]);
        let (rest, unused) = check(src, &[(BLOCKING, 5), (BLOCKING, 6), (GUARD, 6), ("parse-error", 1)]);
        assert_eq!(rest, left(&[("parse-error", 1)]));
        assert!(unused.is_empty());
    }

    #[test]
    fn multi_line_inner_block_comment() {
        let src = "/*!\n * Docs.\n * async-sync-lint: allow(blocking-in-async)\n */\nfn a() {}\n";
        let (suppressions, malformed) = scan(src, RULES);
        assert!(malformed.is_empty());
        assert_eq!(suppressions.len(), 1);
        assert_eq!(suppressions[0].kind, SuppressionKind::File);
    }

    #[test]
    fn attribute_covers_item_by_brace_matching() {
        let src = r#"
#[cfg_attr(async_sync_lint, allow(async_sync_lint::blocking_in_async))]
#[inline]
async fn f() {
    let s = "}";
    std::thread::sleep(d); // '}'
}

async fn g() {
    std::thread::sleep(d);
}
"#;
        let (suppressions, _) = scan(src, RULES);
        assert_eq!(suppressions.len(), 1);
        assert_eq!(suppressions[0].kind, SuppressionKind::Item { attr_line: 2 });
        assert_eq!(suppressions[0].rules, [BLOCKING]);
        assert_eq!(item_lines_by_braces(src, 2), Some((2, 7)));
        let (rest, unused) = check(src, &[(BLOCKING, 6), (BLOCKING, 10)]);
        assert_eq!(rest, left(&[(BLOCKING, 10)]));
        assert!(unused.is_empty());
    }

    #[test]
    fn attribute_item_extents() {
        let src = r#"
fn f(x: u8) {
    #[cfg_attr(async_sync_lint, allow(all))]
    let y = if x > 0 {
        1
    } else {
        2
    };
    match x {
        #[cfg_attr(async_sync_lint, allow(all))]
        0 => a(),
        _ => b(),
    }
}
#[cfg_attr(async_sync_lint, allow(all))]
struct S;
"#;
        assert_eq!(item_lines_by_braces(src, 3), Some((3, 8)));
        assert_eq!(item_lines_by_braces(src, 10), Some((10, 11)));
        assert_eq!(item_lines_by_braces(src, 15), Some((15, 16)));
        assert_eq!(item_lines_by_braces(src, 2), None);
    }

    #[test]
    fn apply_with_uses_given_item_extents() {
        let src = "#[cfg_attr(async_sync_lint, allow(sync_guard_across_await))]\nfn f() {}\n";
        let (suppressions, _) = scan(src, RULES);
        let mut findings = vec![finding(GUARD, 9), finding(GUARD, 12)];
        let unused = apply_with(&mut findings, &suppressions, |line| (line == 1).then_some((1, 10))).unused;
        assert_eq!(findings, [finding(GUARD, 12)]);
        assert!(unused.is_empty());
    }

    #[test]
    fn allow_all_covers_every_rule_but_internal_errors() {
        let src = "fn f() {\n    block(); // async-sync-lint: allow(all)\n}\n";
        let (rest, unused) = check(src, &[(BLOCKING, 2), (GUARD, 2), ("internal-error", 2)]);
        assert_eq!(rest, left(&[("internal-error", 2)]));
        assert!(unused.is_empty());
    }

    #[test]
    fn markers_in_literals_and_comments_are_ignored() {
        let src = r###"
fn f() {
    let a = "// async-sync-lint: allow(blocking-in-async)";
    let b = r#"x " // async-sync-lint: allow(blocking-in-async)"#;
    let c = b"// async-sync-lint: allow(all)";
    let d = '"'; let e: &'static str = "/* async-sync-lint: allow(all) */";
    /* outer /* nested // async-sync-lint: allow(all) */ still comment */
    let f = "\" // async-sync-lint: allow(all)";
    /// async-sync-lint: allow(all)
    let g = 1;
}
"###;
        let (suppressions, malformed) = scan(src, RULES);
        assert!(suppressions.is_empty(), "{suppressions:?}");
        assert!(malformed.is_empty(), "{malformed:?}");
    }

    #[test]
    fn lifetimes_do_not_open_char_literals() {
        let src = "fn f<'a>(x: &'a str) -> &'a str { x } // async-sync-lint: allow(all)\n";
        let (suppressions, _) = scan(src, RULES);
        assert_eq!(suppressions.len(), 1);
        assert_eq!(suppressions[0].kind, SuppressionKind::Line(1));
    }

    #[test]
    fn unused_suppressions_are_reported() {
        let src = r#"fn f() {
    a(); // async-sync-lint: allow(blocking-in-async)
    // async-sync-lint: allow(sync-guard-across-await)
    b();
}
"#;
        let (rest, unused) = check(src, &[(BLOCKING, 2)]);
        assert!(rest.is_empty());
        assert_eq!(unused, [3]);
    }

    #[test]
    fn unused_suppression_can_be_allowed() {
        let src =
            "//! async-sync-lint: allow(unused-suppression)\nfn f() {\n    a(); // async-sync-lint: allow(all)\n}\n";
        let (_, unused) = check(src, &[]);
        assert!(unused.is_empty());
    }

    #[test]
    fn forbid_level_is_not_suppressed() {
        let src = "fn f() {\n    a(); // async-sync-lint: allow(blocking-in-async)\n}\n";
        let (suppressions, _) = scan(src, RULES);
        let mut findings = vec![Finding { level: Level::Forbid, ..finding(BLOCKING, 2) }];
        let applied = apply(&mut findings, &suppressions, src);
        assert_eq!(findings.len(), 1);
        assert_eq!(applied, Applied { unused: vec![], overridden: vec![0] });
    }

    #[test]
    fn malformed_directives_are_reported() {
        let src = r#"fn f() {
    a(); // async-sync-lint: alow(blocking-in-async)
    b(); // async-sync-lint: allow(blocking-in-asnyc, sync-guard-across-await)
    c(); // async-sync-lint: deny(all)
    d(); // async-sync-lint: allow()
    e(); // async-sync-lint allow(all)
    f(); // async-sync-lint: allow(all) because
    g(); // async_sync_lint: allow(all)
    h(); // async_sync_lint::config is not a directive
    i(); // async-sync-lint: allow(all
    j(); // async-sync-lint: disable(all)
    k(); // async-sync-lint: is a linter, not a directive
}
"#;
        let (suppressions, malformed) = scan(src, RULES);
        let got: Vec<(u32, &str)> = malformed.iter().map(|(s, m)| (s.line, m.as_str())).collect();
        assert_eq!(
            got,
            [
                (2, "expected `allow(...)`, found `alow`; did you mean `allow`?"),
                (3, "unknown rule `blocking-in-asnyc` in `allow(...)`; did you mean `blocking-in-async`?"),
                (4, "only `allow(...)` can be written in a comment, found `deny`; set other levels in the configuration"),
                (5, "`allow()` names no rule"),
                (6, "expected `:` after `async-sync-lint`"),
                (7, "unexpected `because` after `allow(...)`; write a reason after `--`"),
                (8, "write `async-sync-lint:` with dashes"),
                (10, "unclosed `(` in `allow(`"),
                (11, "expected `allow(...)`, found `disable`"),
            ]
        );
        // The unknown name is pointed at precisely; the known one still works.
        let unknown = &malformed[1].0;
        assert_eq!(&src[unknown.lo as usize..unknown.hi as usize], "blocking-in-asnyc");
        assert_eq!(suppressions.len(), 1);
        assert_eq!(suppressions[0].kind, SuppressionKind::Line(3));
        assert_eq!(suppressions[0].rules, [GUARD]);
    }

    #[test]
    fn malformed_attributes_are_reported() {
        let src = "#[cfg_attr(async_sync_lint, deny(async_sync_lint::x))]\nfn f() {}\n#[cfg_attr(async_sync_lint, allow(async_sync_lint::nope))]\nfn g() {}\n";
        let (suppressions, malformed) = scan(src, RULES);
        assert!(suppressions.is_empty());
        let got: Vec<(u32, &str)> = malformed.iter().map(|(s, m)| (s.line, m.as_str())).collect();
        assert_eq!(
            got,
            [
                (1, "only `allow(...)` is read from `cfg_attr(async_sync_lint, ...)`, found `deny`"),
                (3, "unknown rule `nope` in `allow(...)`"),
            ]
        );
    }

    #[test]
    fn prose_after_the_marker_is_not_a_directive() {
        let src = "//! async-sync-lint: a static linter for async Rust.\n// async-sync-lint: see the docs\n// async-sync-lint allows this\nfn f() {}\n";
        let (suppressions, malformed) = scan(src, RULES);
        assert!(suppressions.is_empty());
        assert!(malformed.is_empty(), "{malformed:?}");
    }

    #[test]
    fn crlf_text() {
        let src = "fn f() {\r\n    // async-sync-lint: allow(blocking-in-async)\r\n\r\n    a();\r\n    b(); // async-sync-lint: allow(sync-guard-across-await)\r\n}\r\n";
        let (suppressions, malformed) = scan(src, RULES);
        assert!(malformed.is_empty(), "{malformed:?}");
        let kinds: Vec<_> = suppressions.iter().map(|s| s.kind).collect();
        assert_eq!(kinds, [SuppressionKind::Line(4), SuppressionKind::Line(5)]);
        assert!(!src[suppressions[1].span.lo as usize..suppressions[1].span.hi as usize].ends_with('\r'));
        let (rest, unused) = check(src, &[(BLOCKING, 4), (GUARD, 5)]);
        assert!(rest.is_empty());
        assert!(unused.is_empty());
    }

    #[test]
    fn comment_at_end_of_file_covers_nothing() {
        let src = "fn f() {}\n// async-sync-lint: allow(all)\n";
        let (rest, unused) = check(src, &[("blocking-in-async", 1)]);
        assert_eq!(rest.len(), 1);
        assert_eq!(unused, [2]);
    }
}
