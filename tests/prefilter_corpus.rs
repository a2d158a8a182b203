//! The prefilter changes no finding: the pinned corpus is linted with and
//! without it and the findings compared one by one.
//!
//! Runs when the corpus is there (`ASL_CORPUS`, or fetched by
//! `scripts/test`); otherwise says it was skipped, and fails under `CI`
//! (`support/corpus.rs`).

use std::path::Path;

#[path = "support/corpus.rs"]
mod corpus;

use async_sync_lint::driver;
use async_sync_lint::engine::EngineOptions;
use async_sync_lint::input::discover::{discover, DiscoverOptions};

/// Every finding of a run, as text, sorted.
fn findings(dir: &Path, prefilter: bool) -> (Vec<String>, usize) {
    let cwd = std::env::current_dir().unwrap();
    let ws = discover(&DiscoverOptions { paths: vec![dir.to_path_buf()], cwd, ..DiscoverOptions::default() }).unwrap();
    let opts = EngineOptions { threads: None, prefilter, cache_dir: None, ..EngineOptions::default() };
    let report = driver::run_on_workspace(ws, &[], &opts, false).unwrap();
    let ws = &report.workspace;
    let mut out: Vec<String> = report
        .findings
        .iter()
        .map(|f| {
            format!(
                "{}:{}:{}: {} {}",
                ws.files[f.file as usize].display, f.primary.line, f.primary.col, f.rule, f.message
            )
        })
        .collect();
    out.sort();
    (out, report.stats.skipped)
}

#[test]
fn prefilter_changes_no_finding_on_the_corpus() {
    let Some(dir) = corpus::corpus_or_skip("prefilter_changes_no_finding_on_the_corpus") else { return };
    let (with, skipped) = findings(&dir, true);
    let (without, _) = findings(&dir, false);
    assert!(skipped > 0, "the prefilter skipped nothing: the test proves nothing");
    // Files the prefilter skips are never parsed, so a syntax error in one
    // is not reported: the one accepted difference (see `prefilter` docs).
    let is_parse_error = |s: &String| s.contains(": parse-error ");
    let missing: Vec<&String> = without.iter().filter(|f| !with.contains(f) && !is_parse_error(f)).collect();
    let extra: Vec<&String> = with.iter().filter(|f| !without.contains(f)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "the prefilter changed findings ({skipped} files skipped)\nlost:\n{}\ngained:\n{}",
        missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n"),
        extra.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n"),
    );
    eprintln!("prefilter: {skipped} files skipped, {} findings identical", with.len());
}

/// A package of `files` (paths under `src/`, with a `plain.rs` no rule
/// needs) linted with and without the prefilter: the one finding, the same
/// both ways, and `plain.rs` alone left unparsed.
fn assert_one_finding_and_only_plain_skipped(name: &str, files: &[(&str, &str)]) {
    assert_same_findings(name, files, "sync-guard-across-await", 1);
}

/// A package of `files` plus `plain.rs`, linted with and without the
/// prefilter: the same findings both ways, one finding, of `rule`, and
/// `skipped_expected` files left unparsed.
fn assert_same_findings(name: &str, files: &[(&str, &str)], rule: &str, skipped_expected: usize) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("src")).unwrap();
    let manifest = format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n");
    std::fs::write(root.join("Cargo.toml"), manifest).unwrap();
    for (path, text) in files {
        std::fs::write(root.join("src").join(path), text).unwrap();
    }
    std::fs::write(root.join("src/plain.rs"), "pub struct Point {\n    pub x: f64,\n}\n").unwrap();
    let (with, skipped) = findings(root, true);
    let (without, _) = findings(root, false);
    assert_eq!(with, without);
    assert_eq!(with.len(), 1, "{with:?}");
    assert!(with[0].contains(rule), "{with:?}");
    assert_eq!(skipped, skipped_expected);
}

/// std's `Command`, imported by a plain helper's file, is a mention: the
/// helper is parsed and the async caller reported. A `Command` of the
/// crate's own (clap's builder, a compressor's commands) in a file that
/// never names `process` is not: that file is skipped.
#[test]
fn prefilter_keeps_std_commands_and_skips_other_commands() {
    assert_same_findings(
        "process",
        &[
            (
                "lib.rs",
                "mod git;\nmod cli;\nmod plain;\nuse git::describe;\n\
                 pub async fn version() -> String {\n    describe()\n}\n",
            ),
            (
                "git.rs",
                "use std::process::Command;\n\
                 pub fn describe() -> String {\n    \
                 let out = Command::new(\"git\").arg(\"describe\").output().unwrap();\n    \
                 String::from_utf8_lossy(&out.stdout).into_owned()\n}\n",
            ),
            (
                "cli.rs",
                "pub struct Command {\n    pub Command: u8,\n}\n\
                 impl Command {\n    pub fn output(&self) -> u8 {\n        self.Command\n    }\n}\n",
            ),
        ],
        "blocking-in-async",
        2,
    );
}

/// A file with no token of its own is parsed when it declares a type on a
/// lock chain: `Outer` (no lock named in its file) holds `Inner` (a
/// `parking_lot::Mutex`, whose `.lock()` only resolves through the declared
/// types: without `outer.rs` there is no finding).
#[test]
fn prefilter_parses_files_on_a_lock_chain() {
    assert_one_finding_and_only_plain_skipped(
        "chain",
        &[
            (
                "lib.rs",
                "mod inner;\nmod outer;\nmod plain;\nuse outer::Outer;\n\
                 pub async fn f(o: &Outer) {\n    let g = o.inner.m.lock();\n    tick().await;\n    drop(g);\n}\n\
                 async fn tick() {}\n",
            ),
            ("inner.rs", "pub struct Inner {\n    pub m: parking_lot::Mutex<u32>,\n}\n"),
            ("outer.rs", "pub struct Outer {\n    pub inner: crate::inner::Inner,\n}\n"),
        ],
    );
}

/// A trait method returning a guard, called on a field typed with a generic
/// parameter the `impl` bounds by the trait: the file declaring the struct
/// mentions no lock and no trait, yet its field is on the chain.
#[test]
fn prefilter_parses_a_struct_whose_impl_bounds_its_parameter() {
    assert_one_finding_and_only_plain_skipped(
        "bounded",
        &[
            (
                "lib.rs",
                "mod engine;\nmod plain;\nuse engine::Engine;\n\
                 pub trait Storage {\n    fn state(&self) -> parking_lot::MutexGuard<'_, u32>;\n}\n\
                 impl<S: Storage> Engine<S> {\n    pub async fn f(&self) {\n        let g = self.store.state();\n        \
                 tick().await;\n        drop(g);\n    }\n}\n\
                 async fn tick() {}\n",
            ),
            ("engine.rs", "pub struct Engine<S> {\n    pub store: S,\n}\n"),
        ],
    );
}

/// A struct holding a `Box<dyn Backend>`, `Backend` a subtrait of a trait
/// whose method returns a guard: the file declaring the struct mentions no
/// lock and not that trait.
#[test]
fn prefilter_parses_a_struct_holding_a_subtrait_object() {
    assert_one_finding_and_only_plain_skipped(
        "subtrait",
        &[
            (
                "lib.rs",
                "mod service;\nmod plain;\nuse service::Service;\n\
                 pub trait Storage {\n    fn state(&self) -> parking_lot::MutexGuard<'_, u32>;\n}\n\
                 pub trait Backend: Storage {}\n\
                 pub async fn f(s: &Service) {\n    let g = s.backend.state();\n    tick().await;\n    drop(g);\n}\n\
                 async fn tick() {}\n",
            ),
            ("service.rs", "pub struct Service {\n    pub backend: Box<dyn crate::Backend>,\n}\n"),
        ],
    );
}

/// The prefilter's fast token search gives, on every corpus file, the
/// answer of the plain identifier-by-identifier scan.
#[test]
fn token_search_agrees_with_the_identifier_scan_on_the_corpus() {
    let Some(dir) = corpus::corpus_or_skip("token_search_agrees_with_the_identifier_scan_on_the_corpus") else {
        return;
    };
    use async_sync_lint::input::prefilter::{mentions_tokens, mentions_tokens_by_ident};
    let (mut files, mut mentioning) = (0, 0);
    let cwd = std::env::current_dir().unwrap();
    let ws = discover(&DiscoverOptions { paths: vec![dir], cwd, ..DiscoverOptions::default() }).unwrap();
    for file in &ws.files {
        let Ok(bytes) = std::fs::read(&file.path) else { continue };
        let fast = mentions_tokens(&bytes);
        assert_eq!(fast, mentions_tokens_by_ident(&bytes), "{}", file.display);
        files += 1;
        mentioning += usize::from(fast);
    }
    assert!(files > 10_000 && mentioning > 1_000, "{files} files, {mentioning} mentioning a token");
    eprintln!("token search: {files} files, {mentioning} mention a token; both scans agree");
}
