//! Names and places an unbalanced delimiter, as rustc does, for the files
//! the parser rejects before parsing (proc-macro2's lexer only says "cannot
//! parse string into token stream"). A byte scan that skips comments,
//! strings, raw strings and character literals; lifetimes are not literals.

use crate::diagnostic::Finding;
use crate::nesting::{is_ident_continue, is_ident_start, skip_block_comment, skip_quote, skip_raw_string, skip_string};
use crate::source::LineIndex;

/// An unbalanced delimiter: the message, where to point, and the opening
/// delimiter involved (byte offsets).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unbalanced {
    pub message: String,
    pub at: usize,
    /// The opening delimiter left unclosed (or closed by the wrong one).
    pub opener: Option<usize>,
}

/// A parse error caused by an unbalanced delimiter, said as rustc says it:
/// the delimiter named, the finding at the closing (or at the end of the
/// file), a label on the opening one. Other parse errors are left as they are.
pub fn name_unbalanced(f: Finding, raw: &str, lines: &LineIndex) -> Finding {
    // Only the lexer's error is about delimiters; syn's own are precise.
    if !f.message.ends_with("cannot parse string into token stream") {
        return f;
    }
    let Some(u) = find(raw) else { return f };
    let mut named = Finding { message: u.message, primary: lines.span(u.at as u32, u.at as u32), ..f };
    if let Some(opener) = u.opener {
        named = named.with_label(lines.span(opener as u32, opener as u32 + 1), "unclosed delimiter");
    }
    named
}

/// The first unbalanced delimiter of `text`, if any. Comments and literals
/// are skipped with the nesting check's scanners.
pub fn find(text: &str) -> Option<Unbalanced> {
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
            b'/' if b.get(i + 1) == Some(&b'*') => i = skip_block_comment(b, i),
            b'"' => i = skip_string(b, i + 1),
            b'\'' => i = skip_quote(b, i),
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
                        i = skip_raw_string(b, j + 1, j - i);
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
                        return Some(Unbalanced { message, at: i, opener: Some(at) });
                    }
                    None => {
                        let message = format!("unexpected closing delimiter: `{}`", c as char);
                        return Some(Unbalanced { message, at: i, opener: None });
                    }
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    open.pop().map(|(o, at)| Unbalanced {
        message: format!("this file contains an unclosed delimiter: `{}`", o as char),
        at: text.len(),
        opener: Some(at),
    })
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
        find(text).map(|u| (u.message, u.at, u.opener))
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
    fn literals_comments_and_lifetimes_are_not_delimiters() {
        let ok = r###"fn f<'a>(x: &'a str) -> char { let _ = "{ ( \" ["; let _ = r#"}"#; // ) ]
            /* { /* nested ( */ */ let _ = b'{'; let _ = '\u{7b}'; 'outer: loop { break 'outer; } ')' }"###;
        assert_eq!(find(ok), None);
    }
}
