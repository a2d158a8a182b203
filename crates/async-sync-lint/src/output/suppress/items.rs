//! The extent of an item, read from text alone: the lines an attribute
//! suppression (`#[cfg_attr(async_sync_lint, allow(..))]`) covers.

use super::lex::{lex, matching, skip_ws, word_at, Lexed};
use crate::input::source::LineIndex;

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

pub(super) fn item_lines(lexed: &Lexed, index: &LineIndex<'_>, attr_line: u32) -> Option<(u32, u32)> {
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
