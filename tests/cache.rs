//! The incremental cache, end to end on a two-package workspace: a warm run
//! says exactly what a cold one says, and a change anywhere that matters
//! (a file's content, a file deleted, the configuration, a damaged entry) is
//! seen. Which packages and files came from the cache is read from the run's
//! stats counters; nothing here is timed.

#[path = "support/corpus.rs"]
mod corpus;

use std::path::{Path, PathBuf};
use std::time::Duration;

use async_sync_lint::cache::{tool_fingerprint, RACY_WINDOW_NS};
use async_sync_lint::driver::{self, Report, RunOptions};
use async_sync_lint::engine::EngineOptions;
use async_sync_lint::input::discover::DiscoverOptions;
use async_sync_lint::output::render::{self, MessageFormat, RenderOptions};

const LIB_A: &str = "mod worker;

pub struct Shared {
    pub count: std::sync::Mutex<u32>,
}

pub mod legacy {
    pub fn flush_sync() {}
}

pub async fn handler() {
    legacy::flush_sync();
}
";

/// Its finding depends on `Shared` in `lib.rs`: the crate index connects
/// the two files.
const WORKER_A: &str = "use crate::Shared;

pub async fn bump(s: &Shared) {
    let g = s.count.lock();
    tick().await;
    drop(g);
}

async fn tick() {}
";

/// One finding, one finding suppressed, one suppression that allows nothing.
const LIB_B: &str = "use std::sync::Mutex;

pub async fn one(m: &Mutex<u32>) {
    let g = m.lock().unwrap();
    tick().await;
    let _ = *g;
}

pub async fn two(m: &Mutex<u32>) {
    // async-sync-lint: allow(sync-guard-across-await)
    let g = m.lock().unwrap();
    tick().await;
    let _ = *g;
}

// async-sync-lint: allow(busy-wait)
pub async fn tick() {}
";

/// A file of a test target.
const TEST_B: &str = "use std::sync::Mutex;

async fn in_test(m: &Mutex<u32>) {
    let g = m.lock().unwrap();
    b::tick().await;
    let _ = *g;
}
";

/// What the workspace yields, as `path:line:col rule`.
const EXPECTED: &[&str] = &[
    "a/src/worker.rs:4:13 sync-guard-across-await",
    "b/src/lib.rs:4:13 sync-guard-across-await",
    "b/src/lib.rs:16:1 unused-suppression",
    "b/tests/t.rs:4:13 sync-guard-across-await",
];

fn write(root: &Path, rel: &str, text: &str) -> PathBuf {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().expect("a parent")).expect("mkdir");
    std::fs::write(&p, text).expect("write");
    p
}

/// Packages `a` and `b` in one workspace.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, "Cargo.toml", "[workspace]\nmembers = [\"a\", \"b\"]\nresolver = \"2\"\n");
    for p in ["a", "b"] {
        write(
            root,
            &format!("{p}/Cargo.toml"),
            &format!("[package]\nname = \"{p}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        );
    }
    write(root, "a/src/lib.rs", LIB_A);
    write(root, "a/src/worker.rs", WORKER_A);
    write(root, "b/src/lib.rs", LIB_B);
    write(root, "b/tests/t.rs", TEST_B);
    dir
}

fn cache_dir(root: &Path) -> PathBuf {
    root.join("target/async-sync-lint/cache")
}

fn lint(root: &Path, cache: bool) -> Report {
    let opts = RunOptions {
        discover: DiscoverOptions { cwd: root.to_path_buf(), ..DiscoverOptions::default() },
        level_flags: Vec::new(),
        engine: EngineOptions {
            threads: Some(2),
            cache_dir: cache.then(|| cache_dir(root)),
            ..EngineOptions::default()
        },
    };
    let report = driver::run(&opts).expect("the run starts");
    assert!(report.workspace.errors.is_empty(), "{:?}", report.workspace.errors);
    report
}

fn summary(report: &Report) -> Vec<String> {
    report
        .findings
        .iter()
        .map(|f| {
            let file = &report.workspace.files[f.file as usize].display;
            format!("{file}:{}:{} {}", f.primary.line, f.primary.col, f.rule)
        })
        .collect()
}

/// The report in every output format.
fn rendered(report: &Report) -> Vec<String> {
    let formats = [
        MessageFormat::Human,
        MessageFormat::Short,
        MessageFormat::Json,
        MessageFormat::JsonDiagnosticShort,
        MessageFormat::JsonDiagnosticRenderedAnsi,
        MessageFormat::JsonRenderDiagnostics,
        MessageFormat::Sarif,
        MessageFormat::Github,
    ];
    formats
        .into_iter()
        .map(|format| {
            let mut out = Vec::new();
            let opts = RenderOptions { format, color: false, tool_version: "0.0.0" };
            render::render(&mut out, &report.workspace, &report.findings, &opts).expect("render");
            String::from_utf8(out).expect("utf-8")
        })
        .collect()
}

/// Lets the fixture's files age past the racy window, so that a matching
/// stat is trusted without reading the file (a file changed within the
/// window is read and compared by content instead; see `cache::is_racy`).
fn age_past_racy_window() {
    std::thread::sleep(Duration::from_nanos(RACY_WINDOW_NS as u64) + Duration::from_millis(200));
}

fn files_of(report: &Report, prefix: &str) -> usize {
    report.workspace.files.iter().filter(|f| f.display.starts_with(prefix)).count()
}

#[test]
fn warm_runs_say_what_cold_runs_say_in_every_format() {
    let dir = workspace();
    let root = dir.path();
    let uncached = lint(root, false);
    assert_eq!(summary(&uncached), EXPECTED);
    assert!(!cache_dir(root).exists(), "no cache without a cache directory");
    let cold = lint(root, true);
    assert_eq!((cold.stats.packages, cold.stats.cached_packages, cold.stats.cached), (2, 0, 0));
    let warm = lint(root, true);
    assert_eq!(warm.stats.cached_packages, 2, "{:?}", warm.stats);
    // Every analysed file's analysis came from the cache.
    assert_eq!(warm.stats.cached, warm.stats.files - warm.stats.skipped);
    for (a, b) in [(&uncached, &cold), (&uncached, &warm)] {
        assert_eq!(a.findings, b.findings);
        assert_eq!(rendered(a), rendered(b));
        assert_eq!(a.exit_code(), b.exit_code());
    }
    // Levels and suppressions are applied after the cache: the suppressed
    // finding stays suppressed, the unused suppression is still reported.
    assert!(summary(&warm).contains(&"b/src/lib.rs:16:1 unused-suppression".to_string()));
    assert!(!summary(&warm).iter().any(|s| s.starts_with("b/src/lib.rs:11:")));
    // The counters a user sees are the cold run's.
    let (c, w) = (&cold.stats, &warm.stats);
    assert_eq!(
        (c.files, c.parsed, c.skipped, c.bodies, c.async_bodies, c.acquisitions, c.resolved),
        (w.files, w.parsed, w.skipped, w.bodies, w.async_bodies, w.acquisitions, w.resolved)
    );
}

#[test]
fn a_touched_file_relints_its_package_and_the_other_comes_from_the_cache() {
    let dir = workspace();
    let root = dir.path();
    age_past_racy_window();
    let cold = lint(root, true);
    assert_eq!(summary(&cold), EXPECTED);
    let warm = lint(root, true);
    assert_eq!(warm.stats.cached_packages, 2);
    assert_eq!(warm.stats.unread, warm.stats.files, "a warm run with old files reads none of them");
    let entries_before = count_files(&cache_dir(root));

    // The lock in `lib.rs` changes kind; the finding in `worker.rs`, which
    // resolves through it, must follow.
    write(root, "a/src/lib.rs", &LIB_A.replace("std::sync::Mutex<u32>", "parking_lot::Mutex<u32>"));
    let touched = lint(root, true);
    assert_eq!(touched.stats.cached_packages, 1, "{:?}", touched.stats);
    let b_files = files_of(&touched, "b/");
    assert_eq!(touched.stats.unread, b_files, "package b is not read");
    // Package b from its package entry, `worker.rs` from its file entry;
    // only `lib.rs` was parsed.
    assert_eq!(touched.stats.cached, b_files + 1);
    assert_eq!(touched.stats.parsed, cold.stats.parsed);
    let worker: Vec<_> = touched
        .findings
        .iter()
        .filter(|f| touched.workspace.files[f.file as usize].display == "a/src/worker.rs")
        .collect();
    assert_eq!(worker.len(), 1);
    assert!(worker[0].message.contains("parking_lot::Mutex"), "{}", worker[0].message);
    assert_eq!(summary(&touched), EXPECTED);
    assert_eq!(touched.findings, lint(root, false).findings);
    // The old `lib.rs` entry was replaced, not added to.
    assert_eq!(count_files(&cache_dir(root)), entries_before);

    let again = lint(root, true);
    assert_eq!(again.stats.cached_packages, 2);
    assert_eq!(again.findings, touched.findings);
}

#[test]
fn a_same_size_rewrite_with_its_mtime_restored_is_seen() {
    // No waiting: the file is rewritten within the racy window of the run
    // that cached it, as an editor's save followed by a lint would.
    let dir = workspace();
    let root = dir.path();
    let path = root.join("b/src/lib.rs");
    let mtime = std::fs::metadata(&path).expect("stat").modified().expect("mtime");
    let cold = lint(root, true);
    assert_eq!(summary(&cold), EXPECTED);
    // Same length: the await in `one` is gone, and with it the finding.
    let changed = LIB_B.replacen("    tick().await;\n", "    tick();      \n", 1);
    assert_eq!(changed.len(), LIB_B.len());
    std::fs::write(&path, &changed).expect("write");
    std::fs::File::options().append(true).open(&path).expect("open").set_modified(mtime).expect("set mtime");
    assert_eq!(std::fs::metadata(&path).expect("stat").modified().expect("mtime"), mtime);
    let after = lint(root, true);
    assert!(!summary(&after).contains(&"b/src/lib.rs:4:13 sync-guard-across-await".to_string()));
    assert_eq!(after.findings, lint(root, false).findings);
}

#[test]
fn damaged_entries_are_misses() {
    let dir = workspace();
    let root = dir.path();
    let cold = lint(root, true);
    // Per package, a result and a facts pack.
    let entries = package_entries(&cache_dir(root));
    assert_eq!(entries.len(), 4, "{entries:?}");
    // Every other one cut short (a crash without the rename would look so),
    // the rest with bytes flipped.
    for (i, path) in entries.iter().enumerate() {
        let mut bytes = std::fs::read(path).expect("read");
        if i % 2 == 0 {
            bytes.truncate(bytes.len() / 2);
        } else {
            for b in bytes.iter_mut().skip(8) {
                *b ^= 0x5a;
            }
        }
        std::fs::write(path, &bytes).expect("write");
    }
    let damaged = lint(root, true);
    assert_eq!((damaged.stats.cached_packages, damaged.stats.cached), (0, 0), "{:?}", damaged.stats);
    assert_eq!(damaged.findings, cold.findings);
    // The entries were written anew.
    let again = lint(root, true);
    assert_eq!(again.stats.cached_packages, 2);
    assert_eq!(again.findings, cold.findings);
}

#[test]
fn a_configuration_change_invalidates() {
    let dir = workspace();
    let root = dir.path();
    lint(root, true);
    assert_eq!(lint(root, true).stats.cached_packages, 2);
    write(root, "async-sync-lint.toml", "[rules.blocking-in-async]\nblocking-paths = [\"legacy::flush_sync\"]\n");
    let configured = lint(root, true);
    assert_eq!(configured.stats.cached_packages, 0);
    assert!(summary(&configured).contains(&"a/src/lib.rs:12:5 blocking-in-async".to_string()));
    assert_eq!(configured.findings, lint(root, false).findings);
    assert_eq!(lint(root, true).findings, configured.findings);
    // Back to no configuration: the finding goes away again.
    std::fs::remove_file(root.join("async-sync-lint.toml")).expect("rm");
    assert_eq!(summary(&lint(root, true)), EXPECTED);
}

#[test]
fn deleting_a_file_invalidates_its_package() {
    let dir = workspace();
    let root = dir.path();
    lint(root, true);
    let packs = || -> Vec<(PathBuf, u64)> {
        package_entries(&cache_dir(root))
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "facts"))
            .map(|p| {
                let len = std::fs::metadata(&p).expect("stat").len();
                (p, len)
            })
            .collect()
    };
    let before = packs();
    std::fs::remove_file(root.join("a/src/worker.rs")).expect("rm");
    let after = lint(root, true);
    assert_eq!(after.stats.cached_packages, 1);
    assert_eq!(summary(&after), EXPECTED[1..]);
    // The deleted file's analysis left package a's facts pack.
    let shrunk: Vec<_> = before.iter().zip(packs()).filter(|(b, a)| a.1 < b.1).collect();
    assert_eq!(shrunk.len(), 1, "{before:?}");
}

#[test]
fn a_renamed_file_is_another_file() {
    let dir = workspace();
    let root = dir.path();
    lint(root, true);
    std::fs::rename(root.join("b/tests/t.rs"), root.join("b/tests/u.rs")).expect("mv");
    let after = lint(root, true);
    assert_eq!(after.stats.cached_packages, 1);
    assert!(summary(&after).contains(&"b/tests/u.rs:4:13 sync-guard-across-await".to_string()));
    assert_eq!(after.findings, lint(root, false).findings);
}

/// A run on some of a package's files replaces the package's entry but
/// leaves the other files' entries alone: the next run on all of them parses
/// nothing.
#[test]
fn linting_part_of_a_package_keeps_the_rest_cached() {
    let dir = workspace();
    let root = dir.path();
    let lint_paths = |paths: &[&str]| {
        let opts = RunOptions {
            discover: DiscoverOptions {
                paths: paths.iter().map(|p| root.join(p)).collect(),
                cwd: root.to_path_buf(),
                ..DiscoverOptions::default()
            },
            level_flags: Vec::new(),
            engine: EngineOptions { threads: Some(2), cache_dir: Some(cache_dir(root)), ..EngineOptions::default() },
        };
        driver::run(&opts).expect("the run starts")
    };
    let both = ["a/src/lib.rs", "a/src/worker.rs"];
    let full = lint_paths(&both);
    assert_eq!(full.stats.files, 2);
    assert_eq!(lint_paths(&["a/src/worker.rs"]).stats.files, 1);
    let again = lint_paths(&both);
    assert_eq!(again.stats.cached_packages, 0, "the slot now holds the one-file result");
    assert_eq!(again.stats.cached, 2, "{:?}", again.stats);
    assert_eq!(again.findings, full.findings);
}

#[test]
fn no_cache_flag_bypasses_the_cache() {
    let dir = workspace();
    let root = dir.path();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-async-sync-lint"))
        .args(["--no-cache", "--message-format", "short"])
        .current_dir(root)
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!root.join("target").exists(), "--no-cache wrote under target/");
    // The cache goes under `$CARGO_TARGET_DIR` when that is set (as in a
    // build with its own target directory); this test asks for `target/`.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-async-sync-lint"))
        .args(["--message-format", "short"])
        .env_remove("CARGO_TARGET_DIR")
        .current_dir(root)
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(0));
    assert!(cache_dir(root).is_dir(), "a run without the flag keeps its cache under target/");
}

/// A cache written by another build of the tool is deleted, not read.
#[test]
fn another_builds_entries_are_removed() {
    let dir = workspace();
    let root = dir.path();
    let stale = cache_dir(root).join("v0.0.1-s1-0123abcd");
    write(&stale, "packages/x.json", "{}");
    let report = lint(root, true);
    assert_eq!(summary(&report), EXPECTED);
    assert!(!stale.exists());
    let builds: Vec<_> =
        std::fs::read_dir(cache_dir(root)).expect("ls").map(|e| e.expect("entry").file_name()).collect();
    assert_eq!(builds, [tool_fingerprint()]);
}

fn count_files(dir: &Path) -> usize {
    walk(dir).len()
}

fn package_entries(cache: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> =
        walk(cache).into_iter().filter(|p| p.parent().is_some_and(|d| d.ends_with("packages"))).collect();
    v.sort();
    v
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// On the real-world corpus (when present; see `tests/corpus.rs`): a cold
/// run that fills the cache, a warm run and an uncached run say exactly the
/// same, and the warm run takes every package from the cache.
#[test]
fn warm_equals_cold_on_the_corpus() {
    let Some(corpus) = corpus::corpus_or_skip("warm_equals_cold_on_the_corpus") else { return };
    let cache = tempfile::tempdir().expect("tempdir");
    let run = |cache_dir: Option<PathBuf>| {
        let opts = RunOptions {
            discover: DiscoverOptions { paths: vec![corpus.clone()], cwd: corpus.clone(), ..Default::default() },
            level_flags: Vec::new(),
            engine: EngineOptions { cache_dir, ..EngineOptions::default() },
        };
        driver::run(&opts).expect("the corpus lints")
    };
    let cold = run(Some(cache.path().to_path_buf()));
    let warm = run(Some(cache.path().to_path_buf()));
    let uncached = run(None);
    assert_eq!(warm.stats.cached_packages, warm.stats.packages, "{:?}", warm.stats);
    assert_eq!(warm.stats.cached, warm.stats.files - warm.stats.skipped);
    assert_eq!(cold.findings, uncached.findings);
    assert_eq!(warm.findings, uncached.findings);
    assert_eq!(rendered(&warm), rendered(&uncached));
}
