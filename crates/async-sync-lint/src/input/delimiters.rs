//! Names and places what made the lexer reject a file, as rustc does
//! (proc-macro2's lexer only says "cannot parse string into token stream"):
//! an unbalanced delimiter, an unterminated string, character literal or
//! block comment. Read from the tokens of [`crate::input::lex`], which
//! tells literals, comments and lifetimes apart. `syntax_error` turns the
//! result into the finding.

use crate::input::lex::{tokens, Kind};

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
    let mut open: Vec<(u8, usize)> = Vec::new();
    for token in tokens(text) {
        let i = token.lo;
        match token.kind {
            Kind::BlockComment { terminated: false, .. } => {
                return Some(unterminated("unterminated block comment", i));
            }
            Kind::Str { terminated: false } => return Some(unterminated("unterminated double quote string", i)),
            Kind::Char { terminated: false } => return Some(unterminated("unterminated character literal", i)),
            Kind::RawStr { terminated: false, .. } => return Some(unterminated("unterminated raw string", i)),
            Kind::Punct(c @ (b'(' | b'[' | b'{')) => open.push((c, i)),
            Kind::Punct(c @ (b')' | b']' | b'}')) => match open.pop() {
                Some((o, _)) if closer(o) == c => {}
                Some((o, at)) => {
                    let message =
                        format!("mismatched closing delimiter: `{}` closes the `{}` opened here", c as char, o as char);
                    return Some(LexError { message, at: i, label: Some((at, "unclosed delimiter")) });
                }
                None => {
                    let message = format!("unexpected closing delimiter: `{}`", c as char);
                    return Some(LexError { message, at: i, label: None });
                }
            },
            _ => {}
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
