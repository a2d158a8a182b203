//! Source text handling: decoding, BOM/shebang, and byte offset → line/column.

use crate::diagnostic::Span;

/// Maps byte offsets of one file to 1-based line and character columns.
pub struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset of the start of every line.
    line_starts: Vec<u32>,
    /// All ASCII: a character column is then a byte column.
    ascii: bool,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let mut line_starts = vec![0u32];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i as u32 + 1);
            }
        }
        LineIndex { text, line_starts, ascii: text.is_ascii() }
    }

    /// The byte offset of a 1-based `line` and 0-based character `col`, as
    /// the parser reports positions. `skip` bytes at the start of the first
    /// line were not seen by the parser (a BOM). Positions past the end of
    /// a line or of the text are clamped.
    pub fn offset_of(&self, line: usize, col: usize, skip: u32) -> u32 {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else { return self.text.len() as u32 };
        let start = if line <= 1 { start + skip } else { start };
        if self.ascii {
            return (start as usize + col).min(self.text.len()) as u32;
        }
        let rest = &self.text[start as usize..];
        rest.char_indices().nth(col).map_or(self.text.len() as u32, |(i, _)| start + i as u32)
    }

    /// A span from the parser's (1-based line, 0-based character column)
    /// positions: no character counting when the text is ASCII, which is
    /// most of the cost of turning token positions into spans.
    pub fn span_of_positions(&self, lo: (usize, usize), hi: (usize, usize), skip: u32) -> Span {
        let lo_byte = self.offset_of(lo.0, lo.1, skip);
        let hi_byte = self.offset_of(hi.0, hi.1, skip);
        if hi_byte < lo_byte {
            return self.span(lo_byte, lo_byte);
        }
        // The parser never counts the BOM, and neither do we.
        Span {
            lo: lo_byte,
            hi: hi_byte,
            line: lo.0 as u32,
            col: lo.1 as u32 + 1,
            end_line: hi.0 as u32,
            end_col: hi.1 as u32 + 1,
        }
    }

    /// 1-based (line, character column) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        let offset = offset.min(self.text.len() as u32);
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line] as usize;
        let mut end = offset as usize;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let mut col = self.text[start..end].chars().count() as u32 + 1;
        // A BOM is not a column (rustc and editors do not count it).
        if line == 0 && end >= 3 && self.text.starts_with('\u{feff}') {
            col -= 1;
        }
        (line as u32 + 1, col)
    }

    pub fn span(&self, lo: u32, hi: u32) -> Span {
        let (line, col) = self.line_col(lo);
        let (end_line, end_col) = self.line_col(hi);
        Span { lo, hi, line, col, end_line, end_col }
    }

    /// Byte range of the 1-based `line`, without its line terminator.
    pub fn line_range(&self, line: u32) -> Option<(u32, u32)> {
        let i = line.checked_sub(1)? as usize;
        let start = *self.line_starts.get(i)?;
        let mut end = self.line_starts.get(i + 1).map_or(self.text.len() as u32, |e| e - 1);
        if end > start && self.text.as_bytes()[end as usize - 1] == b'\r' {
            end -= 1;
        }
        Some((start, end))
    }

    pub fn line_count(&self) -> u32 {
        self.line_starts.len() as u32
    }
}

/// Text prepared for the parser: the BOM removed (`offset` says how many bytes
/// it took, to add back to every span) and a shebang line blanked so that
/// offsets and lines are unchanged.
pub struct ParseInput<'a> {
    /// Borrowed unless a shebang had to be blanked.
    pub text: std::borrow::Cow<'a, str>,
    pub offset: u32,
}

pub fn prepare_for_parse(raw: &str) -> ParseInput<'_> {
    let (body, offset) = match raw.strip_prefix('\u{feff}') {
        Some(rest) => (rest, 3),
        None => (raw, 0),
    };
    // `#!` followed by `[` is an inner attribute, not a shebang.
    let shebang = crate::input::lex::tokens(body).next().filter(|t| t.kind == crate::input::lex::Kind::Shebang);
    if let Some(shebang) = shebang {
        let end = shebang.hi;
        let mut text = body.to_string();
        text.replace_range(..end, &" ".repeat(end));
        return ParseInput { text: text.into(), offset };
    }
    ParseInput { text: body.into(), offset }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let idx = LineIndex::new("ab\nλx\r\nz");
        assert_eq!(idx.line_col(0), (1, 1));
        assert_eq!(idx.line_col(3), (2, 1));
        assert_eq!(idx.line_col(5), (2, 2)); // after the two-byte λ
        assert_eq!(idx.line_col(8), (3, 1));
        assert_eq!(idx.line_range(2), Some((3, 6)));
    }

    #[test]
    fn parser_positions_agree_with_byte_offsets() {
        // Every (line, char column) of a text maps back to the byte offset
        // `line_col` maps from, with and without a BOM and non-ASCII text.
        for raw in ["ab\nλx\r\nz", "\u{feff}fn é() {}\nlet x = 1;", "plain\nascii\n", "\u{feff}x"] {
            let idx = LineIndex::new(raw);
            let skip = if raw.starts_with('\u{feff}') { 3 } else { 0 };
            for (offset, _) in raw.char_indices().filter(|&(i, _)| i as u32 >= skip).chain([(raw.len(), ' ')]) {
                let (line, col) = idx.line_col(offset as u32);
                let back = idx.offset_of(line as usize, col as usize - 1, skip);
                assert_eq!(back, offset as u32, "{raw:?} at {offset}");
                let s =
                    idx.span_of_positions((line as usize, col as usize - 1), (line as usize, col as usize - 1), skip);
                assert_eq!(s, idx.span(offset as u32, offset as u32), "{raw:?} at {offset}");
            }
        }
    }

    #[test]
    fn bom_and_shebang_keep_offsets() {
        let p = prepare_for_parse("\u{feff}#!/usr/bin/env run\nfn main() {}");
        assert_eq!(p.offset, 3);
        assert_eq!(p.text.len(), "#!/usr/bin/env run\nfn main() {}".len());
        assert!(p.text.starts_with("   "));
        let attr = prepare_for_parse("#![allow(x)]\nfn f() {}");
        assert!(attr.text.starts_with("#![allow"));
    }
}
