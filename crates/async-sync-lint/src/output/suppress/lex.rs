//! The code of a file with comments and literals masked out (from the
//! tokens of [`crate::input::lex`]), so a marker inside a string or a doc
//! comment is not a suppression, and the helpers that walk the masked code.

use crate::input::lex::{tokens, Kind};

pub(super) struct Comment {
    pub(super) lo: usize,
    pub(super) hi: usize,
    pub(super) block: bool,
    /// `{` nesting depth at the comment.
    pub(super) depth: u32,
}

pub(super) struct Lexed {
    pub(super) comments: Vec<Comment>,
    /// The text with comments and the insides of string and char literals
    /// blanked to spaces (newlines kept): offsets unchanged, only code left.
    pub(super) masked: Vec<u8>,
    /// Per byte: part of a comment (or a BOM or shebang).
    pub(super) trivia: Vec<bool>,
}

impl Lexed {
    /// Whether `lo..hi` holds anything but whitespace and comments.
    pub(super) fn has_code(&self, lo: usize, hi: usize) -> bool {
        let hi = hi.min(self.masked.len());
        (lo..hi).any(|i| !self.trivia[i] && !self.masked[i].is_ascii_whitespace())
    }
}

pub(super) fn lex(text: &str) -> Lexed {
    let b = text.as_bytes();
    let mut lexed = Lexed { comments: Vec::new(), masked: b.to_vec(), trivia: vec![false; b.len()] };
    let mut depth = 0u32;
    let blank = |lexed: &mut Lexed, lo: usize, hi: usize| {
        for (m, &c) in lexed.masked[lo..hi].iter_mut().zip(&b[lo..hi]) {
            if c != b'\n' {
                *m = b' ';
            }
        }
    };
    for token in tokens(text) {
        let (lo, hi) = (token.lo, token.hi);
        match token.kind {
            Kind::Bom | Kind::Shebang => {
                lexed.trivia[lo..hi].fill(true);
                blank(&mut lexed, lo, hi);
            }
            Kind::LineComment(_) | Kind::BlockComment { .. } => {
                let block = matches!(token.kind, Kind::BlockComment { .. });
                lexed.comments.push(Comment { lo, hi, block, depth });
                lexed.trivia[lo..hi].fill(true);
                blank(&mut lexed, lo, hi);
            }
            Kind::Str { .. } | Kind::RawStr { .. } | Kind::Char { .. } => {
                if let Some((content_lo, content_hi)) = token.contents(text) {
                    blank(&mut lexed, content_lo, content_hi);
                }
            }
            Kind::Punct(b'{') => depth += 1,
            Kind::Punct(b'}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    lexed
}

pub(super) fn skip_ws(code: &[u8], mut i: usize) -> usize {
    while i < code.len() && code[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// The identifier starting at `i` (empty if none).
pub(super) fn word_at(code: &[u8], i: usize) -> &str {
    let len = code.get(i..).unwrap_or(&[]).iter().take_while(|&&c| c == b'_' || c.is_ascii_alphanumeric()).count();
    std::str::from_utf8(&code[i.min(code.len())..i.min(code.len()) + len]).unwrap_or("")
}

/// Index of the bracket closing the one at `open` in masked code.
pub(super) fn matching(code: &[u8], open: usize) -> Option<usize> {
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
pub(super) fn split_top_level(code: &[u8], lo: usize, hi: usize) -> Vec<(usize, usize)> {
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
