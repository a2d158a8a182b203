//! The one pass over syntax. Turns a parsed file into owned [`FileFacts`]:
//! declarations for the crate index, and for every body its await points,
//! guard acquisitions with their live ranges, and the calls rules ask about.
//!
//! Architecture Invariant: this is the only module that walks `syn` trees.
//! Everything it hands out is owned and holds no `proc_macro2::Span`.

mod body;
mod items;
mod spans;
mod types;

use crate::facts::FileFacts;
use crate::source::LineIndex;
use crate::workspace::Edition;

pub use items::is_guard_type_name;
pub use types::type_repr;

/// Extracts facts from a parsed file. `raw` is the file as read (spans are
/// computed against it); `offset` is what the parser's offsets lack (a BOM).
pub fn extract(file: &syn::File, raw: &str, offset: u32, edition: Edition) -> FileFacts {
    let lines = LineIndex::new(raw);
    let mut cx = items::ItemWalker::new(spans::SpanMap { lines, offset }, raw, offset, edition);
    cx.prescan(&file.items);
    cx.walk_file(file);
    cx.finish()
}
