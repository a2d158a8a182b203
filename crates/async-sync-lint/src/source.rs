//! Source text handling: decoding, BOM/shebang, and byte offset → line/column.

use crate::diagnostic::Span;

/// Maps byte offsets of one file to 1-based line and character columns.
pub struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset of the start of every line.
    line_starts: Vec<u32>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let mut line_starts = vec![0u32];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i as u32 + 1);
            }
        }
        LineIndex { text, line_starts }
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
pub struct ParseInput {
    pub text: String,
    pub offset: u32,
}

pub fn prepare_for_parse(raw: &str) -> ParseInput {
    let (body, offset) = match raw.strip_prefix('\u{feff}') {
        Some(rest) => (rest, 3),
        None => (raw, 0),
    };
    let mut text = body.to_string();
    // `#!` followed by `[` is an inner attribute, not a shebang.
    if text.starts_with("#!") && !text[2..].trim_start().starts_with('[') {
        let end = text.find('\n').unwrap_or(text.len());
        text.replace_range(..end, &" ".repeat(end));
    }
    ParseInput { text, offset }
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
    fn bom_and_shebang_keep_offsets() {
        let p = prepare_for_parse("\u{feff}#!/usr/bin/env run\nfn main() {}");
        assert_eq!(p.offset, 3);
        assert_eq!(p.text.len(), "#!/usr/bin/env run\nfn main() {}".len());
        assert!(p.text.starts_with("   "));
        let attr = prepare_for_parse("#![allow(x)]\nfn f() {}");
        assert!(attr.text.starts_with("#![allow"));
    }
}
