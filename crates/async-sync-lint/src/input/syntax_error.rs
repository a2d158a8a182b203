//! A file the parser rejects becomes a `parse-error` said as rustc says it:
//! what was expected and what was found (`expected `;`, found keyword
//! `let``), placed where rustc places it, and lexer failures (which
//! proc-macro2 reports only as "cannot parse string into token stream")
//! named and placed by [`crate::input::delimiters`].

use crate::diagnostic::{engine_codes, FileId, Finding, Level};
use crate::input::source::LineIndex;

/// The lexer's only message, whatever went wrong.
const LEXER_FAILED: &str = "cannot parse string into token stream";

/// syn's prefix when the tokens ran out.
const END_OF_INPUT: &str = "unexpected end of input, ";

/// The finding for a file `syn` could not parse. `raw` is the file as read,
/// `offset` where the parsed text starts in it (after a BOM or shebang).
pub fn finding(e: &syn::Error, raw: &str, offset: u32, id: FileId) -> Finding {
    let lines = LineIndex::new(raw);
    let r = e.span().byte_range();
    let (lo, hi) = (r.start + offset as usize, r.end + offset as usize);
    let message = e.to_string();
    let at = |lo: usize, hi: usize| lines.span(lo as u32, hi as u32);
    let new = |span, message: String| {
        Finding::new(engine_codes::PARSE_ERROR, Level::Warn, id, span, message)
            .with_note("the file was not linted; the other files were")
    };
    if message.ends_with(LEXER_FAILED) {
        let Some(lex) = crate::input::delimiters::find(raw) else {
            return new(at(lo, hi), format!("the file could not be split into tokens: {message}"));
        };
        let mut f = new(at(lex.at, lex.at), lex.message);
        if let Some((opener, label)) = lex.label {
            f = f.with_label(at(opener, opener + 1), label);
        }
        return f;
    }
    if let Some(expected) = message.strip_prefix(END_OF_INPUT) {
        // syn points at the closing delimiter of the group that ended, or
        // nowhere (the file's start) when the file itself ended.
        let closer = raw.as_bytes().get(lo).filter(|c| matches!(c, b')' | b']' | b'}'));
        return match closer {
            Some(&c) if hi > lo => new(at(lo, hi), format!("{}, found `{}`", rustc_words(expected), c as char)),
            _ => {
                let end = raw.trim_end().len();
                new(at(end, end), format!("{}, found `<eof>`", rustc_words(expected)))
            }
        };
    }
    if message.starts_with("expected ") && !message.contains(", found") && hi > lo {
        let found = describe(&raw[lo..hi]);
        let message = format!("{}, found {found}", rustc_words(&message));
        if message.starts_with("expected `;`,") {
            // rustc points just past the statement that lacks it.
            let before = raw[..lo].trim_end().len();
            return new(at(before, before), message)
                .with_label(at(lo, hi), "unexpected token")
                .with_help("add `;` here");
        }
        return new(at(lo, hi), message);
    }
    new(at(lo, hi), message)
}

/// syn's wording as rustc's: delimiters as tokens (`` `{` ``), a list of
/// alternatives as `` one of `a`, `b`, or `c` ``, and the list of every
/// item keyword as "item".
fn rustc_words(expected: &str) -> String {
    let expected =
        expected.replace("curly braces", "`{`").replace("parentheses", "`(`").replace("square brackets", "`[`");
    let Some(list) = expected.strip_prefix("expected one of: ") else { return expected };
    if ["`fn`", "`struct`", "`impl`"].iter().all(|k| list.contains(k)) {
        return "expected item".to_string();
    }
    match list.rsplit_once(", ") {
        Some((init, last)) if init.contains(", ") => format!("expected one of {init}, or {last}"),
        Some((first, last)) => format!("expected one of {first} or {last}"),
        None => format!("expected {list}"),
    }
}

/// The token syn stopped at, as rustc names it: `` keyword `let` ``,
/// `` `@` ``, a group by its opening delimiter.
fn describe(token: &str) -> String {
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
        "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self",
        "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while",
    ];
    if KEYWORDS.contains(&token) {
        return format!("keyword `{token}`");
    }
    let first = token.chars().next().unwrap_or(' ');
    if matches!(first, '(' | '[' | '{') && token.len() > 1 {
        return format!("`{first}`");
    }
    let line = token.lines().next().unwrap_or_default();
    if line.chars().count() > 40 || line.len() < token.len() {
        let short: String = line.chars().take(40).collect();
        return format!("`{short}…`");
    }
    format!("`{token}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (message, line, col) of the finding for `src`.
    fn located(src: &str) -> (String, u32, u32) {
        let Err(e) = syn::parse_file(src) else { panic!("{src:?} parses") };
        let f = finding(&e, src, 0, 0);
        (f.message, f.primary.line, f.primary.col)
    }

    #[test]
    fn says_what_was_expected_and_what_was_found_where_rustc_does() {
        let missing_semi = "fn f() {\n    let x = 1\n    let y = 2;\n}\n";
        assert_eq!(located(missing_semi), ("expected `;`, found keyword `let`".into(), 2, 14));
        let (message, line, col) = located("fn f() {}\n@\n");
        assert_eq!((message.as_str(), line, col), ("expected item, found `@`", 2, 1));
        assert_eq!(located("fn f()\n"), ("expected `{`, found `<eof>`".into(), 1, 7));
    }

    #[test]
    fn names_tokens_as_rustc_does() {
        assert_eq!(describe("let"), "keyword `let`");
        assert_eq!(describe("@"), "`@`");
        assert_eq!(describe("{ a }"), "`{`");
        assert_eq!(describe("\"two\nlines\""), "`\"two…`");
        assert_eq!(rustc_words("expected one of: `,`, `)`"), "expected one of `,` or `)`");
        assert_eq!(rustc_words("expected one of: `,`, `)`, `;`"), "expected one of `,`, `)`, or `;`");
        assert_eq!(
            rustc_words("unexpected end of input, expected square brackets"),
            "unexpected end of input, expected `[`"
        );
    }
}
