//! One fuzz input, linted: shared by the `cargo fuzz` target and by
//! `tests/fuzz.rs` (which runs it on stable, so this code cannot rot).

use async_sync_lint::analysis::index::CrateIndex;
use async_sync_lint::engine::analyze_text;
use async_sync_lint::input::workspace::Edition;
use async_sync_lint::rules::{self, CrateCx};

/// Lints `data` as one source file: the first byte picks the edition, the
/// rest is the text (inputs that are not UTF-8 are skipped: the linter
/// reports them before parsing). Runs the nesting check, the parser, the
/// extraction and every rule on a 256 MB stack, as the linter's workers
/// have; a panic is re-raised on the caller's thread. Returns the number of
/// rule findings.
pub fn lint_one(data: &[u8]) -> usize {
    let Some((&pick, rest)) = data.split_first() else { return 0 };
    let Ok(text) = std::str::from_utf8(rest) else { return 0 };
    let edition = match pick % 3 {
        0 => Edition::E2018,
        1 => Edition::E2021,
        _ => Edition::E2024,
    };
    let worker = std::thread::Builder::new().stack_size(256 << 20);
    let joined = std::thread::scope(|s| {
        worker
            .spawn_scoped(s, || {
                let outcome = analyze_text(text, edition, 0);
                let Some(facts) = &outcome.facts else { return 0 };
                let index = CrateIndex::new(vec![(0, facts)]);
                let options = Default::default();
                let cx = CrateCx::new(&index, &options);
                // Each rule called directly: a panic must reach the fuzzer,
                // not become an `internal-error` as in the engine.
                let mut out = Vec::new();
                for (_, check) in rules::checks() {
                    cx.start_rule();
                    check(&cx, &mut out);
                }
                out.len()
            })
            .expect("a worker thread")
            .join()
    });
    joined.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}
