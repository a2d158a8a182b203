//! Splitting a huge file into runs of whole top-level items, so that it can
//! be parsed a piece at a time.
//!
//! A `syn` syntax tree takes about a hundred times the size of its source:
//! a 50 MB generated file held whole would need gigabytes, times the number
//! of worker threads. Cut at item boundaries, the file is parsed one chunk
//! at a time and each tree is dropped before the next is built, so memory is
//! bounded by the largest chunk (an item is never split).
//!
//! A boundary is the start of a line whose previous line ended a top-level
//! item: at bracket depth 0, the last token before the line break was `}`
//! or `;`. Comments and literals are told apart by [`crate::input::lex`];
//! doc comments count as tokens (they are attributes of
//! the next item, which must stay in its chunk). If a cut is ever wrong, the
//! chunk fails to parse and the caller parses the whole file instead.

use std::ops::Range;

use crate::input::lex::{tokens, Doc, Kind};

/// Files larger than this are parsed in chunks.
pub const CHUNKED_ABOVE: usize = 4 << 20;

/// Chunks are at least this long (but one item may be longer).
pub const CHUNK_TARGET: usize = 1 << 20;

/// Cuts `text` into ranges of whole top-level items, each at least
/// `target` bytes long except the last. The ranges cover the text in order.
pub fn split(text: &str, target: usize) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let mut cuts = vec![0usize];
    let mut depth = 0usize;
    // The last token at depth 0 closed an item (`}` or `;`).
    let mut ended = false;
    for token in tokens(text) {
        match token.kind {
            Kind::Whitespace => {
                for (k, _) in b[token.lo..token.hi].iter().enumerate().filter(|(_, &c)| c == b'\n') {
                    let i = token.lo + k + 1;
                    let start = *cuts.last().expect("starts with 0");
                    if depth == 0 && ended && i - start >= target && i < b.len() {
                        cuts.push(i);
                    }
                }
            }
            // Doc comments are attributes of the next item.
            Kind::LineComment(doc) | Kind::BlockComment { doc, .. } => {
                if doc != Doc::No {
                    ended = false;
                }
            }
            Kind::Bom | Kind::Shebang => {}
            Kind::Punct(b'(' | b'[' | b'{') => {
                depth += 1;
                ended = false;
            }
            Kind::Punct(ch @ (b')' | b']' | b'}')) => {
                depth = depth.saturating_sub(1);
                ended = ch == b'}' && depth == 0;
            }
            Kind::Punct(b';') => ended = depth == 0,
            _ => ended = false,
        }
    }
    let mut ranges: Vec<Range<usize>> = cuts.windows(2).map(|w| w[0]..w[1]).collect();
    ranges.push(*cuts.last().expect("starts with 0")..b.len());
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(text: &str, target: usize) -> Vec<&str> {
        split(text, target).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn cuts_after_items_only() {
        let src = "use a::b;\nfn f() {\n    g();\n}\n/// doc\nstruct S;\nimpl S {}\n";
        assert_eq!(pieces(src, 1), ["use a::b;\n", "fn f() {\n    g();\n}\n", "/// doc\nstruct S;\n", "impl S {}\n"]);
        // Nothing shorter than the target.
        assert_eq!(pieces(src, 1000), [src]);
    }

    #[test]
    fn never_cuts_inside_literals_comments_or_attributes() {
        let src = "const A: &str = \"}\n;\n\";\nconst B: &str = r#\"}\n\"#;\n/* }\n; */\nconst C: char = '}';\n#[derive(Debug)]\n\nstruct D;\n";
        let got = pieces(src, 1);
        // (A plain comment is no item: a cut may follow it.)
        assert_eq!(
            got,
            [
                "const A: &str = \"}\n;\n\";\n",
                "const B: &str = r#\"}\n\"#;\n",
                "/* }\n; */\n",
                "const C: char = '}';\n",
                "#[derive(Debug)]\n\nstruct D;\n"
            ]
        );
        // A doc comment after an item on the same line stays with the next item.
        assert_eq!(pieces("struct A; /// doc\nstruct B;\n", 1), ["struct A; /// doc\nstruct B;\n"]);
    }

    #[test]
    fn every_chunk_of_real_looking_code_parses() {
        let mut src = String::from("#![allow(dead_code)]\n//! Crate docs.\n");
        for i in 0..200 {
            src.push_str(&format!(
                "/// Item {i}.\n#[derive(Clone)]\npub struct S{i} {{ x: [u8; {{ 1 + 1 }}] }}\nimpl S{i} {{\n    fn f(&self) -> usize {{ let s = \"}}\"; s.len() }}\n}}\nmacro_rules! m{i} {{ () => {{}}; }}\n"
            ));
        }
        let chunks = split(&src, 500);
        assert!(chunks.len() > 10);
        assert_eq!(chunks.iter().map(|r| r.len()).sum::<usize>(), src.len());
        for r in chunks {
            syn::parse_file(&src[r.clone()]).unwrap_or_else(|e| panic!("{e} in {:?}", &src[r]));
        }
    }
}
