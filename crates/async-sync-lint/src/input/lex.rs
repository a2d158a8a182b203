//! The one lexer of raw Rust text, for every pass that must tell comments,
//! literals and code apart before (or without) parsing: the nesting check,
//! the chunk splitter, the wording of lexer errors and the suppression
//! scanner all read its tokens, so they agree on what is a string, a
//! comment, a character literal or a lifetime.
//!
//! It follows rustc's lexer where the two uses meet valid code, in one
//! linear pass without allocation: an iterator of byte ranges with a kind.
//! Offsets are bytes and always fall on character boundaries (a token never
//! ends inside a multi-byte character). Only the classes those passes need
//! are told apart: a punctuation token is one ASCII byte (consumers join
//! `->`, `=>`, `..` themselves), and a number is a digit followed by
//! identifier characters (`1u8`, `0xff`; `1.5` is `1`, `.`, `5`).

/// Whether a comment is documentation, and of what.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Doc {
    /// `//`, `////…`, `/* */`, `/***/`: not documentation.
    No,
    /// `///` or `/** */`: documents the next item.
    Outer,
    /// `//!` or `/*! */`: documents the enclosing item or file.
    Inner,
}

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A run of ASCII whitespace.
    Whitespace,
    /// A byte order mark at the start of the text.
    Bom,
    /// `#!…` on the first line, unless it starts an inner attribute `#![`.
    Shebang,
    /// `// …` up to the line break (a `\r` before it is left out).
    LineComment(Doc),
    /// `/* … */`, nested; `terminated` is false if the text ends inside.
    BlockComment { doc: Doc, terminated: bool },
    /// `"…"`, `b"…"`, `c"…"`.
    Str { terminated: bool },
    /// `r"…"`, `r#"…"#` (any number of `#`), `br…`, `cr…`.
    RawStr { hashes: usize, terminated: bool },
    /// `'x'`, `'\''`, `'\u{1F600}'`, `'é'`, `b'x'`; unterminated when the
    /// line ends first.
    Char { terminated: bool },
    /// `'a`, `'static`, a label `'outer`.
    Lifetime,
    /// An identifier or keyword (raw `r#match` included).
    Ident,
    /// A digit and the identifier characters after it.
    Number,
    /// One ASCII punctuation byte.
    Punct(u8),
}

/// One token: its kind and byte range `lo..hi` in the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: Kind,
    pub lo: usize,
    pub hi: usize,
}

impl Token {
    /// For a quoted literal, the range between its quotes (for an
    /// unterminated one, up to its end); `None` for other tokens.
    pub fn contents(&self, text: &str) -> Option<(usize, usize)> {
        let b = text.as_bytes();
        let open = (self.lo..self.hi).find(|&k| b[k] == b'"' || b[k] == b'\'')? + 1;
        let close = match self.kind {
            Kind::Str { terminated: true } | Kind::Char { terminated: true } => 1,
            Kind::RawStr { hashes, terminated: true } => 1 + hashes,
            Kind::Str { .. } | Kind::Char { .. } | Kind::RawStr { .. } => 0,
            _ => return None,
        };
        Some((open, (self.hi - close).max(open)))
    }
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident_continue(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// The tokens of `text`, in order, covering it without gaps.
pub fn tokens(text: &str) -> Lexer<'_> {
    Lexer { b: text.as_bytes(), i: 0 }
}

/// The iterator [`tokens`] returns.
pub struct Lexer<'t> {
    b: &'t [u8],
    i: usize,
}

impl Iterator for Lexer<'_> {
    type Item = Token;

    // Inlined into each consumer's loop: a third faster on the nesting check.
    #[inline]
    fn next(&mut self) -> Option<Token> {
        let lo = self.i;
        let &ch = self.b.get(lo)?;
        let kind = if lo == 0 && self.b.starts_with("\u{feff}".as_bytes()) {
            self.i = 3;
            Kind::Bom
        } else if ch == b'#' && self.at_shebang() {
            self.i = self.line_end(lo);
            Kind::Shebang
        } else {
            self.token(ch)
        };
        debug_assert!(self.i > lo && self.i <= self.b.len());
        Some(Token { kind, lo, hi: self.i })
    }
}

impl Lexer<'_> {
    fn at(&self, k: usize) -> u8 {
        self.b.get(k).copied().unwrap_or(0)
    }

    #[inline]
    fn token(&mut self, ch: u8) -> Kind {
        let lo = self.i;
        match ch {
            _ if ch.is_ascii_whitespace() => {
                self.i = lo + self.b[lo..].iter().take_while(|c| c.is_ascii_whitespace()).count();
                Kind::Whitespace
            }
            b'/' if self.at(lo + 1) == b'/' => self.line_comment(),
            b'/' if self.at(lo + 1) == b'*' => self.block_comment(),
            b'"' => {
                self.i = lo + 1;
                self.string()
            }
            b'\'' => self.quote(),
            b'0'..=b'9' => {
                self.eat_ident();
                Kind::Number
            }
            _ if is_ident_start(ch) => self.word(),
            _ => {
                self.i = lo + 1;
                Kind::Punct(ch)
            }
        }
    }

    /// `#!` at the very start (after a BOM) that does not open `#![…]`.
    fn at_shebang(&self) -> bool {
        let start = if self.b.starts_with("\u{feff}".as_bytes()) { 3 } else { 0 };
        if self.i != start || self.at(start + 1) != b'!' {
            return false;
        }
        let rest = &self.b[start + 2..];
        rest.iter().find(|c| !c.is_ascii_whitespace()) != Some(&b'[')
    }

    /// The end of the line at `k`: its `\n`, or a `\r` right before it.
    fn line_end(&self, k: usize) -> usize {
        let mut hi = self.b[k..].iter().position(|&c| c == b'\n').map_or(self.b.len(), |p| k + p);
        if hi > k + 2 && self.b[hi - 1] == b'\r' {
            hi -= 1;
        }
        hi
    }

    fn eat_ident(&mut self) {
        while self.i < self.b.len() && is_ident_continue(self.b[self.i]) {
            self.i += 1;
        }
    }

    /// Past one whole character at `self.i` (never into the middle of one).
    fn bump_char(&mut self) {
        let len = match self.at(self.i) {
            0xf0.. => 4,
            0xe0.. => 3,
            0xc0.. => 2,
            _ => 1,
        };
        self.i = (self.i + len).min(self.b.len());
        while self.i < self.b.len() && (0x80..0xc0).contains(&self.b[self.i]) {
            self.i += 1;
        }
    }

    fn line_comment(&mut self) -> Kind {
        let lo = self.i;
        let doc = match (self.at(lo + 2), self.at(lo + 3)) {
            (b'!', _) => Doc::Inner,
            (b'/', c) if c != b'/' => Doc::Outer,
            _ => Doc::No,
        };
        self.i = self.line_end(lo);
        Kind::LineComment(doc)
    }

    fn block_comment(&mut self) -> Kind {
        let lo = self.i;
        let doc = match (self.at(lo + 2), self.at(lo + 3)) {
            (b'!', _) => Doc::Inner,
            (b'*', c) if c != b'*' && c != b'/' => Doc::Outer,
            _ => Doc::No,
        };
        let mut j = lo + 2;
        let mut nest = 1usize;
        while j < self.b.len() {
            if self.b[j] == b'/' && self.at(j + 1) == b'*' {
                nest += 1;
                j += 2;
            } else if self.b[j] == b'*' && self.at(j + 1) == b'/' {
                nest -= 1;
                j += 2;
                if nest == 0 {
                    self.i = j;
                    return Kind::BlockComment { doc, terminated: true };
                }
            } else {
                j += 1;
            }
        }
        self.i = self.b.len();
        Kind::BlockComment { doc, terminated: false }
    }

    /// From just inside the opening `"`: past the closing one.
    fn string(&mut self) -> Kind {
        while self.i < self.b.len() {
            match self.b[self.i] {
                b'\\' => {
                    self.i += 1;
                    if self.i < self.b.len() {
                        self.bump_char();
                    }
                }
                b'"' => {
                    self.i += 1;
                    return Kind::Str { terminated: true };
                }
                _ => self.i += 1,
            }
        }
        Kind::Str { terminated: false }
    }

    /// From the first `#` or `"` after `r`: a raw string if `#`* `"` follows.
    fn raw_string(&mut self) -> Option<Kind> {
        let hashes = self.b[self.i..].iter().take_while(|&&c| c == b'#').count();
        if self.at(self.i + hashes) != b'"' {
            return None;
        }
        let mut j = self.i + hashes + 1;
        while j < self.b.len() {
            if self.b[j] == b'"' && self.b[j + 1..].iter().take(hashes).filter(|&&c| c == b'#').count() == hashes {
                self.i = j + 1 + hashes;
                return Some(Kind::RawStr { hashes, terminated: true });
            }
            j += 1;
        }
        self.i = self.b.len();
        Some(Kind::RawStr { hashes, terminated: false })
    }

    /// At a `'`: a character literal, a lifetime or a label, as rustc tells
    /// them apart. `'x'` (any one character, `'` included) is a literal; an
    /// identifier after the quote not closed by one is a lifetime; anything
    /// else is a literal read up to its closing quote, unterminated at the
    /// end of the line.
    fn quote(&mut self) -> Kind {
        let lo = self.i;
        self.i = lo + 1;
        let first = self.at(lo + 1);
        if first != b'\\' && first != b'\n' && self.i < self.b.len() {
            self.bump_char();
            if self.at(self.i) == b'\'' {
                self.i += 1;
                return Kind::Char { terminated: true };
            }
            if is_ident_start(first) || first.is_ascii_digit() {
                self.eat_ident();
                // rustc reads `'ab'` as one (invalid) literal.
                if self.at(self.i) == b'\'' {
                    self.i += 1;
                    return Kind::Char { terminated: true };
                }
                return Kind::Lifetime;
            }
            self.i = lo + 1;
        }
        self.quoted_rest()
    }

    /// Inside a character literal: up to its closing `'`, escapes skipped,
    /// or up to the end of the line.
    fn quoted_rest(&mut self) -> Kind {
        while self.i < self.b.len() {
            match self.b[self.i] {
                b'\\' => {
                    self.i += 1;
                    if self.at(self.i) != b'\n' && self.i < self.b.len() {
                        self.bump_char();
                    }
                }
                b'\'' => {
                    self.i += 1;
                    return Kind::Char { terminated: true };
                }
                b'\n' => break,
                _ => self.bump_char(),
            }
        }
        Kind::Char { terminated: false }
    }

    /// An identifier, or the prefix of a literal (`b"`, `br#"`, `b'`, `c"`,
    /// `cr"`) or of a raw identifier (`r#name`).
    fn word(&mut self) -> Kind {
        let lo = self.i;
        self.eat_ident();
        let end = self.i;
        match (&self.b[lo..end], self.at(end)) {
            (b"b" | b"c", b'"') => {
                self.i = end + 1;
                self.string()
            }
            (b"b", b'\'') => {
                self.i = end + 1;
                self.quoted_rest()
            }
            (b"r" | b"br" | b"cr", b'"' | b'#') => {
                if let Some(kind) = self.raw_string() {
                    return kind;
                }
                if self.b[lo..end] == *b"r" && is_ident_start(self.at(end + 1)) {
                    self.i = end + 1;
                    self.eat_ident();
                }
                Kind::Ident
            }
            _ => Kind::Ident,
        }
    }
}

#[cfg(test)]
mod tests;
