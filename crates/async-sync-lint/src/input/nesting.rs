//! A byte-level pre-check that keeps pathological nesting away from the
//! parser. `syn`, our extractor and the syntax tree's `Drop` all recurse
//! once per level of nesting, and a stack overflow aborts the whole process
//! (it cannot be caught), so a file that could nest too deeply is refused
//! before it is parsed, with a `parse-error` at the place it gets too deep.
//!
//! Two measures are checked in one linear pass over the tokens of
//! [`crate::input::lex`] (brackets and operators inside comments, strings,
//! raw strings and char literals do not count):
//! - bracket nesting, as before (`MAX_NESTING`);
//! - an upper estimate of the syntax tree's depth: every open bracket, plus
//!   within each bracket every token that can open a level without brackets
//!   (operators, `.`, `?`, closures' `|`, `<`, `->`, `else`, `as`, `return`,
//!   …), counted since the last point where siblings start (`;`, `,`, a new
//!   statement after a `}`). A method chain, operator chain, `else if`
//!   chain, closure chain or `&&&&T` type thousands of levels long is
//!   refused; hand-written code stays far below the limit.
//!
//! The estimate over-counts (a flat `a + b + c` is a shallow tree in the
//! parser but counts per operator), which is the safe direction: the limit
//! leaves ample room for real code while staying an order of magnitude below
//! what overflows a worker's stack.

use crate::input::lex::{tokens, Kind};

/// Bracket nesting beyond which a file is not parsed.
pub const MAX_NESTING: usize = 512;

/// Estimated syntax depth beyond which a file is not parsed. The stack
/// tests in `tests/robustness.rs` show every construct at this depth parses
/// and is linted within a 256 MB worker stack in a test build, and that the
/// first depths that overflow are more than ten times larger.
pub const MAX_DEPTH: usize = 3000;

/// Why a file is refused, and where (byte offset).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TooDeep {
    /// Brackets nested deeper than [`MAX_NESTING`].
    Brackets { depth: usize, at: usize },
    /// Estimated expression or type depth beyond [`MAX_DEPTH`].
    Expression { at: usize },
}

impl TooDeep {
    pub fn at(self) -> usize {
        match self {
            TooDeep::Brackets { at, .. } | TooDeep::Expression { at } => at,
        }
    }

    pub fn message(self) -> String {
        match self {
            TooDeep::Brackets { depth, .. } => {
                format!("nesting deeper than {MAX_NESTING} levels ({depth} here); the file was not linted")
            }
            TooDeep::Expression { .. } => format!(
                "too deeply nested: expressions or types more than {MAX_DEPTH} levels deep here; the file was not linted"
            ),
        }
    }
}

/// One open bracket (the file itself is the outermost).
#[derive(Clone, Copy, Default)]
struct Frame {
    /// Depth-opening tokens since the last sibling boundary.
    seg: usize,
    /// Closure pipes since the last `;`: they nest across commas
    /// (`|a, b| |c, d| …`).
    pipes: usize,
    /// Open `<` since the last `;` (`A<u8, A<u8, …>>`); a `>` closes one.
    angles: usize,
    /// A brace group just closed in this frame: a following identifier
    /// (other than `else` / `as`) starts a new statement, arm or item.
    after_brace: bool,
    brace: bool,
}

impl Frame {
    fn weight(&self) -> usize {
        1 + self.seg + self.pipes + self.angles
    }
}

#[derive(Clone, Copy)]
enum Count {
    Segment,
    Pipe,
    Angle,
}

struct Counter {
    frames: Vec<Frame>,
    /// The previous token closed a bracket: an opening one right after it
    /// continues a postfix chain (`f()()()`, `a[0][0]`).
    after_close: bool,
    /// Sum of the frames' weights.
    total: usize,
}

impl Counter {
    fn top(&mut self) -> &mut Frame {
        self.frames.last_mut().expect("the file frame is never popped")
    }

    fn add(&mut self, n: usize, kind: Count) {
        let f = self.top();
        match kind {
            Count::Segment => f.seg += n,
            Count::Pipe => f.pipes += n,
            Count::Angle => f.angles += n,
        }
        self.total += n;
    }

    fn reset(&mut self, sticky_too: bool) {
        let f = self.top();
        let mut drop = std::mem::take(&mut f.seg);
        if sticky_too {
            drop += std::mem::take(&mut f.pipes) + std::mem::take(&mut f.angles);
        }
        self.total -= drop;
    }

    /// A literal or lifetime: after a `}` it starts a new statement or arm.
    fn literal(&mut self) {
        if std::mem::take(&mut self.top().after_brace) {
            self.reset(true);
        }
    }

    fn close_angle(&mut self, n: usize) {
        let f = self.top();
        let n = n.min(f.angles);
        f.angles -= n;
        self.total -= n;
    }
}

const NESTING_KEYWORDS: &[&str] = &[
    "if", "else", "match", "while", "loop", "for", "return", "break", "continue", "yield", "become", "move", "async",
    "as", "dyn", "impl", "unsafe", "box", "do", "try", "static",
];

/// The first place where `text` nests too deeply for the parser, if any.
pub fn check(text: &str) -> Option<TooDeep> {
    scan(text, MAX_NESTING, MAX_DEPTH).err()
}

/// The deepest bracket nesting and the highest depth estimate in `text`
/// (measurements for tests and tuning).
pub fn peak(text: &str) -> (usize, usize) {
    scan(text, usize::MAX, usize::MAX).unwrap_or_default()
}

/// `Ok((bracket depth, depth estimate))` peaks, or the first place where a
/// limit is exceeded.
fn scan(text: &str, max_nesting: usize, max_depth: usize) -> Result<(usize, usize), TooDeep> {
    let b = text.as_bytes();
    let mut peak = (0usize, 1usize);
    let mut c = Counter { frames: vec![Frame::default()], after_close: false, total: 1 };
    let mut lexer = tokens(text);
    while let Some(token) = lexer.next() {
        if matches!(token.kind, Kind::Whitespace | Kind::Bom | Kind::Shebang) {
            continue;
        }
        let start = token.lo;
        let after_close = std::mem::take(&mut c.after_close);
        let ch = match token.kind {
            // Comments and literals: never counted.
            Kind::LineComment(_) | Kind::BlockComment { .. } => continue,
            Kind::Str { .. } | Kind::RawStr { .. } | Kind::Char { .. } | Kind::Lifetime | Kind::Number => {
                c.literal();
                continue;
            }
            Kind::Ident => {
                let word = &text[token.lo..token.hi];
                let after_brace = std::mem::take(&mut c.top().after_brace);
                if after_brace && word != "else" && word != "as" {
                    c.reset(true);
                }
                if NESTING_KEYWORDS.contains(&word) {
                    c.add(1, Count::Segment);
                }
                None
            }
            Kind::Punct(ch) => Some(ch),
            Kind::Whitespace | Kind::Bom | Kind::Shebang => unreachable!("skipped above"),
        };
        if let Some(ch) = ch {
            // The byte right after this one, to join `=>`, `->` and `..`.
            let next = b.get(token.hi).copied();
            let after_brace = std::mem::take(&mut c.top().after_brace);
            match ch {
                b'(' | b'[' | b'{' => {
                    if after_brace && ch == b'{' {
                        c.reset(true);
                    } else if after_close {
                        c.add(1, Count::Segment);
                    }
                    c.frames.push(Frame { brace: ch == b'{', ..Frame::default() });
                    c.total += 1;
                    let depth = c.frames.len() - 1;
                    if depth > max_nesting {
                        return Err(TooDeep::Brackets { depth, at: start });
                    }
                    peak.0 = peak.0.max(depth);
                }
                b')' | b']' | b'}' => {
                    if c.frames.len() > 1 {
                        let f = c.frames.pop().expect("more than one frame");
                        c.total -= f.weight();
                        c.top().after_brace = f.brace;
                    }
                    c.after_close = true;
                }
                b',' => c.reset(false),
                b';' => c.reset(true),
                b'#' if after_brace => c.reset(true),
                b':' | b'#' | b'$' => {}
                b'=' if next == Some(b'>') => {
                    lexer.next();
                }
                b'-' if next == Some(b'>') => {
                    lexer.next();
                    c.add(1, Count::Segment);
                }
                b'.' => {
                    // `.`, `..`, `...` or `..=`: one token.
                    if next == Some(b'.') {
                        let second = lexer.next().map_or(b.len(), |t| t.hi);
                        if matches!(b.get(second), Some(b'.' | b'=')) {
                            lexer.next();
                        }
                    }
                    c.add(1, Count::Segment);
                }
                b'<' => c.add(1, Count::Angle),
                b'|' => c.add(1, Count::Pipe),
                b'>' => c.close_angle(1),
                _ => c.add(1, Count::Segment),
            }
        }
        if c.total > max_depth {
            return Err(TooDeep::Expression { at: start });
        }
        peak.1 = peak.1.max(c.total);
    }
    Ok(peak)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_of(src: &str) -> bool {
        check(src).is_some()
    }

    #[test]
    fn ordinary_code_passes() {
        let src = "fn main() {\n    let v: Vec<Vec<u8>> = vec![vec![1, 2], vec![-3]];\n    if a < b && c > d { x.y().z()?.await; } else if e { return; }\n    let c = '\"'; let s = r#\"(((\"#; /* ((( \" */ let l: &'a u8 = &x;\n}\n";
        assert_eq!(check(src), None);
    }

    #[test]
    fn brackets_beyond_the_limit_are_reported_where_they_get_too_deep() {
        let n = MAX_NESTING + 1;
        let src = format!("fn f() {{ {}{} }}", "(".repeat(n), ")".repeat(n));
        let got = check(&src).expect("too deep");
        assert!(matches!(got, TooDeep::Brackets { depth, .. } if depth == MAX_NESTING + 1), "{got:?}");
    }

    #[test]
    fn brackets_in_comments_strings_and_chars_do_not_count() {
        let deep = "(".repeat(MAX_NESTING + 10);
        for src in [
            format!("// {deep}\nfn f() {{}}"),
            format!("/* /* nested */ {deep} */ fn f() {{}}"),
            format!("const S: &str = \"\\\"{deep}\";"),
            format!("const S: &str = r##\"\"# {deep}\"##;"),
            format!("const S: &[u8] = br#\"{deep}\"#;"),
        ] {
            assert_eq!(check(&src), None, "{src}");
        }
    }

    #[test]
    fn quote_characters_do_not_hide_brackets() {
        // `'"'` once started a string in the pre-check and hid everything
        // after it; `/* " */` did too.
        let n = MAX_NESTING + 1;
        let deep = format!("{}{}", "(".repeat(n), ")".repeat(n));
        for prefix in ["let c = '\"';", "/* \" */", "let c = '\\'';", "let c = b'\"';", "let c = 'é';"] {
            let src = format!("fn f() {{ {prefix} {deep} }}");
            assert!(depth_of(&src), "{prefix}");
        }
    }

    #[test]
    fn an_open_char_literal_ends_at_its_line() {
        // An unterminated `'\n` ends at the line break, as in rustc: the
        // brackets of the next line still count.
        let n = MAX_NESTING + 1;
        let src = format!("fn f() {{ let c = '\\n;\n{}{} }}", "(".repeat(n), ")".repeat(n));
        assert!(matches!(check(&src), Some(TooDeep::Brackets { .. })));
    }

    #[test]
    fn chains_without_brackets_are_refused() {
        let n = MAX_DEPTH + 10;
        for src in [
            format!("fn f() {{ a{} }}", ".b()".repeat(n)),
            format!("fn f() {{ {}x }}", "!".repeat(n)),
            format!("fn f() {{ {} }}", vec!["x"; n].join(" + ")),
            format!("fn f() {{ {}x }}", "|| ".repeat(n)),
            format!("fn f() {{ {}x }}", "|a, b| ".repeat(n)),
            format!("fn f() {{ {}x }}", "|a| a >> ".repeat(n)),
            format!("fn f() {{ f{} }}", "()".repeat(n)),
            format!("fn f() {{ a{} }}", "[0]".repeat(n)),
            format!("fn f() {{ if a {{}}{} }}", " else if a {}".repeat(n)),
            format!("type T = {}u8;", "&".repeat(n)),
            format!("type T = {}u8{};", "A<u8, ".repeat(n), ">".repeat(n)),
        ] {
            assert!(matches!(check(&src), Some(TooDeep::Expression { .. })), "{}", &src[..40]);
        }
    }

    #[test]
    fn siblings_do_not_add_up() {
        let n = MAX_DEPTH * 2;
        for src in [
            format!("fn f() {{ {} }}", "let x = -a.b()?;\n".repeat(n)),
            format!("const A: [i8; {n}] = [{}];", "-1, ".repeat(n)),
            format!("fn f() {{ match x {{ {} }} }}", "A => {}\n".repeat(n)),
            format!("fn f() {{ match x {{ {} }} }}", "A if x > 0 => {}\n".repeat(n)),
            format!("fn f() {{ {} }}", "if a {} else { b }\n".repeat(n)),
            "fn f() -> Vec<u8> { g() }\n".repeat(n),
            format!("fn f() {{ let v: Vec<Vec<u8>> = {} }}", "f::<Vec<u8>>(), ".repeat(n)),
        ] {
            assert_eq!(check(&src), None, "{}", &src[..40]);
        }
    }
}
