//! The one pass over syntax. Turns a parsed file into owned [`FileFacts`]:
//! declarations for the crate index, and for every body its await points,
//! guard acquisitions with their live ranges, and the calls rules ask about.
//!
//! Architecture Invariant: this is the only module that walks `syn` trees.
//! Everything it hands out is owned and holds no `proc_macro2::Span`.

mod item_names;
mod items;
mod known_guards;
mod lower;
mod spans;
mod syntax;
mod types;
mod vocab;

use crate::analysis::facts::FileFacts;
use crate::input::source::LineIndex;
use crate::input::workspace::Edition;

pub use items::is_guard_type_name;
pub use known_guards::{calls_any_function, calls_any_method, KnownGuards};
pub use types::type_repr;
pub use vocab::runs_closure_now;

/// Extracts facts from a parsed file. `raw` is the file as read (spans are
/// computed against it); `offset` is what the parser's offsets lack (a BOM).
pub fn extract(file: &syn::File, raw: &str, offset: u32, edition: Edition) -> FileFacts {
    extract_knowing(file, raw, offset, edition, &KnownGuards::default())
}

/// [`extract`], knowing what other files of the crate declare to return
/// guards.
pub fn extract_knowing(file: &syn::File, raw: &str, offset: u32, edition: Edition, known: &KnownGuards) -> FileFacts {
    let lines = LineIndex::new(raw);
    let mut cx = items::ItemWalker::new(spans::SpanMap { lines, offset, line_base: 0 }, raw, offset, edition);
    cx.know(known);
    cx.prescan(&file.items);
    cx.walk_file(file);
    let mut named = Vec::new();
    item_names::named_items(&file.items, &cx.spans, &mut named);
    FileFacts { items: named, ..cx.finish() }
}

/// Extracts facts and keeps each body's IR as text: what the IR's
/// data-driven tests compare.
pub fn extract_with_ir(file: &syn::File, raw: &str, edition: Edition) -> (FileFacts, Vec<(u32, String)>) {
    let lines = LineIndex::new(raw);
    let mut cx = items::ItemWalker::new(spans::SpanMap { lines, offset: 0, line_base: 0 }, raw, 0, edition);
    cx.ir_dumps = Some(Vec::new());
    cx.prescan(&file.items);
    cx.walk_file(file);
    let mut named = Vec::new();
    item_names::named_items(&file.items, &cx.spans, &mut named);
    let mut dumps = cx.ir_dumps.take().unwrap_or_default();
    dumps.sort();
    (FileFacts { items: named, ..cx.finish() }, dumps)
}

/// Extracts facts from a file too big to hold as one syntax tree. `text` is
/// what the parser sees (see [`crate::input::source::prepare_for_parse`]), cut into
/// `chunks` of whole items ([`crate::input::chunks::split`]); each is parsed, used
/// and dropped before the next. Two passes, as [`extract`] does on one tree:
/// which methods return guards (bodies anywhere may call them), then the
/// walk. `None` if a chunk does not parse: the caller parses the whole file
/// to report the error where it is.
pub fn extract_chunked(
    text: &str,
    chunks: &[std::ops::Range<usize>],
    raw: &str,
    offset: u32,
    edition: Edition,
    known: &KnownGuards,
) -> Option<FileFacts> {
    let parse = |r: &std::ops::Range<usize>| {
        proc_macro2::extra::invalidate_current_thread_spans();
        syn::parse_file(&text[r.clone()]).ok()
    };
    let lines = LineIndex::new(raw);
    let mut cx = items::ItemWalker::new(spans::SpanMap { lines, offset, line_base: 0 }, raw, offset, edition);
    cx.know(known);
    let mut file_is_test = false;
    for (i, r) in chunks.iter().enumerate() {
        let file = parse(r)?;
        if i == 0 {
            // Inner attributes (`#![cfg(test)]`) can only be in the first chunk.
            file_is_test = items::is_cfg_test(&file.attrs);
        }
        cx.prescan(&file.items);
    }
    let mut line_base = 0;
    let mut done = 0;
    let mut named = Vec::new();
    for r in chunks {
        line_base += text.as_bytes()[done..r.start].iter().filter(|&&b| b == b'\n').count();
        done = r.start;
        let file = parse(r)?;
        cx.spans.line_base = line_base;
        cx.walk_items_of_file(&file.items, file_is_test);
        item_names::named_items(&file.items, &cx.spans, &mut named);
    }
    Some(FileFacts { items: named, ..cx.finish() })
}
