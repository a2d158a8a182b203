//! Reading suppressions out of comments and attributes: the directive
//! syntax, the line a comment covers, and the diagnostics for malformed
//! directives and unknown rule names.

use super::lex::{matching, skip_ws, split_top_level, word_at, Comment, Lexed};
use super::{Suppression, SuppressionKind, ALL, MARKER};
use crate::config::{closest, ENGINE_CODES};
use crate::diagnostic::Span;
use crate::input::source::LineIndex;

/// Accumulates what [`scan`] finds.
pub(super) struct Scan<'k> {
    pub(super) known_rules: &'k [&'k str],
    pub(super) suppressions: Vec<Suppression>,
    pub(super) malformed: Vec<(Span, String)>,
}

impl Scan<'_> {
    pub(super) fn comment(&mut self, text: &str, lexed: &Lexed, index: &LineIndex<'_>, comment: &Comment) {
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
            self.suppressions.push(Suppression { kind, rules, span, clippy: false });
        }
    }

    /// `#[cfg_attr(async_sync_lint, allow(async_sync_lint::rule, …))]` and
    /// its inner form `#![…]` at the top of the file.
    /// With `clippy`, also clippy's allows of the lints that match our
    /// rules (see [`super::clippy`]).
    pub(super) fn attributes(&mut self, lexed: &Lexed, index: &LineIndex<'_>, clippy: bool) {
        let code = &lexed.masked;
        let mut depth = 0u32;
        for p in 0..code.len() {
            match code[p] {
                b'{' => depth += 1,
                b'}' => depth = depth.saturating_sub(1),
                b'#' => {
                    self.attribute(code, p, depth, index);
                    if clippy {
                        self.suppressions.extend(super::clippy::attribute(code, p, depth, index));
                    }
                }
                _ => {}
            }
        }
    }

    pub(super) fn attribute(&mut self, code: &[u8], p: usize, depth: u32, index: &LineIndex<'_>) {
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
        self.suppressions.push(Suppression { kind, rules, span, clippy: false });
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
