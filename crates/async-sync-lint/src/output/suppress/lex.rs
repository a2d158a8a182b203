//! Just enough of Rust's lexical grammar to tell comments, literals and code
//! apart, so a marker inside a string or a doc comment is not a suppression,
//! and the helpers that walk the masked code.

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
    /// Per byte: part of a comment (or a BOM).
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
