//! The pinned real-world corpus (≈440 crates from crates.io): it must lint
//! with no panic and no internal error. `scripts/test` fetches it and sets
//! `ASL_CORPUS`; without it the test says so and passes, except under CI,
//! where a missing corpus is a failure.

#[path = "support/corpus.rs"]
mod corpus;

use std::collections::BTreeMap;

use std::time::Instant;

use async_sync_lint::diagnostic::engine_codes;
use async_sync_lint::driver::{self, RunOptions};
use async_sync_lint::engine::EngineOptions;
use async_sync_lint::input::discover::DiscoverOptions;

#[test]
fn corpus_lints_without_panics_or_internal_errors() {
    let Some(dir) = corpus::corpus_or_skip("corpus_lints_without_panics_or_internal_errors") else { return };
    let start = Instant::now();
    let opts = RunOptions {
        discover: DiscoverOptions { paths: vec![dir.clone()], cwd: dir, ..Default::default() },
        level_flags: Vec::new(),
        engine: EngineOptions::default(),
    };
    let report = driver::run(&opts).expect("the corpus lints");
    let elapsed = start.elapsed();
    let files = report.workspace.files.len();
    assert!(files > 10_000, "the corpus should hold ~13.9k files, found {files}");
    let internal: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.rule == engine_codes::INTERNAL_ERROR || f.rule == engine_codes::IO_ERROR)
        .map(|f| format!("{}: {}", report.workspace.files[f.file as usize].display, f.message))
        .collect();
    assert!(internal.is_empty(), "internal or I/O errors on the corpus:\n{}", internal.join("\n"));
    let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &report.findings {
        *per_rule.entry(f.rule.as_str()).or_default() += 1;
    }
    // Real code is mostly right: a flood of findings means false positives.
    let parse_errors = per_rule.get(engine_codes::PARSE_ERROR).copied().unwrap_or(0);
    assert!(parse_errors < 20, "{parse_errors} parse errors: syn should read nearly all of the corpus");
    eprintln!("corpus: {files} files in {elapsed:.1?}; findings by rule: {per_rule:?}");
}
