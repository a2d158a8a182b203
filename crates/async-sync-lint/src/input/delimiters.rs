//! Names and places what made the lexer reject a file, as rustc does
//! (proc-macro2's lexer only says "cannot parse string into token stream"):
//! an unbalanced delimiter, an unterminated string, character literal or
//! block comment. A byte scan that skips comments, strings, raw strings and
//! character literals with the nesting check's scanners; lifetimes are not
//! literals. `syntax_error` turns the result into the finding.

use crate::input::nesting::{
    is_ident_continue, is_ident_start, skip_block_comment, skip_quote, skip_raw_string, skip_string,
};

/// What the lexer tripped on: the message, where to point, and another
/// place to label (the opening delimiter left unclosed, or closed by the
/// wrong one), as byte offsets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexError {
    pub message: String,
    pub at: usize,
    pub label: Option<(usize, &'static str)>,
}

/// The first lexer error of `text`, if any: an unterminated literal or
/// comment, or an unbalanced delimiter.
pub fn find(text: &str) -> Option<LexError> {
    let b = text.as_bytes();
    let mut open: Vec<(u8, usize)> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = skip_block_comment(b, i);
                if !text[start..i].ends_with("*/") || i - start < 4 {
                    return Some(unterminated("unterminated block comment", start));
                }
            }
            b'"' => {
                i = skip_string(b, i + 1);
                if !closes_string(b, start, i) {
                    return Some(unterminated("unterminated double quote string", start));
                }
            }
            b'\'' => {
                if !char_literal_closes(b, i) {
                    return Some(unterminated("unterminated character literal", start));
                }
                i = skip_quote(b, i);
            }
            c if is_ident_start(c) => {
                while i < b.len() && is_ident_continue(b[i]) {
                    i += 1;
                }
                // Raw strings: r"…", r#"…"#, br"…", cr#"…"#.
                if matches!(&text[start..i], "r" | "br" | "cr") {
                    let mut j = i;
                    while j < b.len() && b[j] == b'#' {
                        j += 1;
                    }
                    if b.get(j) == Some(&b'"') {
                        let hashes = j - i;
                        i = skip_raw_string(b, j + 1, hashes);
                        let closer = format!("\"{}", "#".repeat(hashes));
                        if i - (j + 1) < closer.len() || !text[..i].ends_with(&closer) {
                            return Some(unterminated("unterminated raw string", start));
                        }
                    }
                }
            }
            c @ (b'(' | b'[' | b'{') => {
                open.push((c, i));
                i += 1;
            }
            c @ (b')' | b']' | b'}') => {
                match open.pop() {
                    Some((o, _)) if closer(o) == c => {}
                    Some((o, at)) => {
                        let message = format!(
                            "mismatched closing delimiter: `{}` closes the `{}` opened here",
                            c as char, o as char
                        );
                        return Some(LexError { message, at: i, label: Some((at, "unclosed delimiter")) });
                    }
                    None => {
                        let message = format!("unexpected closing delimiter: `{}`", c as char);
                        return Some(LexError { message, at: i, label: None });
                    }
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    open.pop().map(|(o, at)| LexError {
        message: format!("this file contains an unclosed delimiter: `{}`", o as char),
        at: text.len(),
        label: Some((at, "unclosed delimiter")),
    })
}

/// rustc places an unterminated literal or comment at its start.
fn unterminated(message: &str, at: usize) -> LexError {
    LexError { message: message.to_string(), at, label: None }
}

/// Whether the string opened at `start` and scanned to `end` was closed: it
/// ends in a `"` that is not the opening one and not escaped.
fn closes_string(b: &[u8], start: usize, end: usize) -> bool {
    if end > b.len() || end < start + 2 || b[end - 1] != b'"' {
        return false;
    }
    let backslashes = b[start + 1..end - 1].iter().rev().take_while(|&&c| c == b'\\').count();
    backslashes % 2 == 0
}

/// Whether the `'` at `i` starts a closed character literal or a lifetime
/// (`'a`, a label): anything else is an unterminated character literal.
fn char_literal_closes(b: &[u8], i: usize) -> bool {
    let Some(&next) = b.get(i + 1) else { return false };
    if next == b'\\' {
        let mut j = i + 3;
        while j < b.len() && b[j] != b'\'' && b[j] != b'\n' {
            j += 1;
        }
        return b.get(j) == Some(&b'\'');
    }
    is_ident_start(next) || b.get(i + 2..).is_some_and(|rest| rest.iter().take(4).any(|&c| c == b'\''))
}

fn closer(open: u8) -> u8 {
    match open {
        b'(' => b')',
        b'[' => b']',
        _ => b'}',
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Option<(String, usize, Option<usize>)> {
        find(text).map(|u| (u.message, u.at, u.label.map(|(opener, _)| opener)))
    }

    #[test]
    fn names_and_places_the_delimiter() {
        let unclosed = "fn f() {\n    if x {\n        g();\n}\n";
        let (message, at_, opener) = at(unclosed).expect("unclosed");
        assert_eq!(message, "this file contains an unclosed delimiter: `{`");
        assert_eq!((at_, opener), (unclosed.len(), Some(7)));
        let mismatched = "fn f() {\n    let x = (1, 2;\n}\n";
        let (message, at_, opener) = at(mismatched).expect("mismatched");
        assert_eq!(message, "mismatched closing delimiter: `}` closes the `(` opened here");
        assert_eq!((at_, opener), (mismatched.rfind('}').unwrap(), mismatched.find("(1")));
        assert_eq!(at("fn f() {}\n}\n").map(|u| u.0), Some("unexpected closing delimiter: `}`".to_string()));
    }

    #[test]
    fn names_and_places_unterminated_literals_and_comments() {
        let string = "fn f() {\n    let s = \"open;\n}\n";
        assert_eq!(at(string), Some(("unterminated double quote string".into(), string.find('"').unwrap(), None)));
        let escaped = "fn f() { let s = \"a\\\"; }\n";
        assert_eq!(at(escaped).map(|u| u.0), Some("unterminated double quote string".into()));
        let ch = "fn f() { let c = '\\n; }\n";
        assert_eq!(at(ch), Some(("unterminated character literal".into(), ch.find('\'').unwrap(), None)));
        let raw = "fn f() { let s = r#\"abc\"; }\n";
        assert_eq!(at(raw).map(|u| (u.0, u.1)), Some(("unterminated raw string".into(), raw.find("r#").unwrap())));
        let comment = "fn f() {}\n/* never closed\n";
        assert_eq!(at(comment), Some(("unterminated block comment".into(), 10, None)));
    }

    #[test]
    fn literals_comments_and_lifetimes_are_not_delimiters() {
        let ok = r###"fn f<'a>(x: &'a str) -> char { let _ = "{ ( \" ["; let _ = r#"}"#; // ) ]
            /* { /* nested ( */ */ let _ = b'{'; let _ = '\u{7b}'; 'outer: loop { break 'outer; } ')' }"###;
        assert_eq!(find(ok), None);
    }
}
