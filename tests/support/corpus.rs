//! The pinned real-world corpus, for the tests that lint it: one lookup and
//! one rule for when it is missing, shared by every such test.

use std::path::PathBuf;

/// The corpus directory: `ASL_CORPUS`, else the path `scripts/test` wrote to
/// `target/corpus.path` when it fetched it.
pub fn corpus() -> Option<PathBuf> {
    let from_env = std::env::var_os("ASL_CORPUS").map(PathBuf::from);
    let from_file = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/target/corpus.path"))
        .ok()
        .map(|s| PathBuf::from(s.trim()));
    from_env.or(from_file).filter(|p| p.is_dir())
}

/// The corpus, or `None` after saying loudly that `test` was skipped. Under
/// `CI` a missing corpus is a failure (unless `ASL_CORPUS_OPTIONAL` says this
/// CI machine has none), so a corpus test can never pass without running.
pub fn corpus_or_skip(test: &str) -> Option<PathBuf> {
    let dir = corpus();
    if dir.is_none() {
        let ci = std::env::var_os("CI").is_some() && std::env::var_os("ASL_CORPUS_OPTIONAL").is_none();
        assert!(!ci, "{test}: CI must provide the corpus (scripts/test fetches it; ASL_CORPUS names it)");
        eprintln!("NOTE: {test} SKIPPED: no corpus (run scripts/test to fetch it, or set ASL_CORPUS)");
    }
    dir
}
