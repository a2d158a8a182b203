//! The pipeline: files → (rayon) owned facts → per-package index → rules →
//! levelled, sorted findings.
//!
//! Architecture Invariants:
//! - a syntax tree never leaves the task that parsed it;
//! - a panic while handling one file becomes an `internal-error` finding for
//!   that file, and the run goes on;
//! - output order is sorted (path, line, column, rule), never thread order.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::cache::{Cache, Key};
use crate::diagnostic::{engine_codes, FileId, Finding, Level, Span};
use crate::facts::FileFacts;
use crate::index::CrateIndex;
use crate::prefilter;
use crate::rules::{self, CrateCx};
use crate::source::{prepare_for_parse, LineIndex};
use crate::workspace::{Edition, SourceFile, Workspace};

pub use crate::nesting::MAX_NESTING;

/// Worker stack size: the parser and the extractor recurse on deep code.
const WORKER_STACK: usize = 256 << 20;

#[derive(Clone, Debug)]
pub struct EngineOptions {
    /// Worker threads; `None` = one per core.
    pub threads: Option<usize>,
    /// Extra call paths that block (from the configuration), for
    /// `blocking-in-async`.
    pub extra_blocking_paths: Vec<String>,
    /// Leave unparsed the files no rule can need (see `prefilter`). Off only
    /// to prove that it changes nothing.
    pub prefilter: bool,
    /// Where the incremental cache lives (`<target-dir>/async-sync-lint/
    /// cache`); `None` = no cache.
    pub cache_dir: Option<PathBuf>,
}

impl Default for EngineOptions {
    fn default() -> EngineOptions {
        EngineOptions { threads: None, extra_blocking_paths: Vec::new(), prefilter: true, cache_dir: None }
    }
}

/// The cache directory: under `--target-dir`, else `CARGO_TARGET_DIR`, else
/// the workspace's `target/`.
pub fn cache_dir(ws: &Workspace, target_dir: Option<&Path>) -> PathBuf {
    let target = match (target_dir, std::env::var_os("CARGO_TARGET_DIR")) {
        (Some(t), _) => t.to_path_buf(),
        (None, Some(t)) if !t.is_empty() => PathBuf::from(t),
        _ => ws.root.join("target"),
    };
    crate::cache::dir_in(&target)
}

/// What one file task hands back: facts (if it parsed) and the engine's own
/// findings for it (unreadable, unparsable, internal error).
pub struct FileOutcome {
    pub facts: Option<FileFacts>,
    pub findings: Vec<Finding>,
    /// The file's text, kept only when it has suppression markers to apply.
    pub text: Option<String>,
}

/// Counters for `--stats` and the benchmark.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub files: usize,
    pub parsed: usize,
    pub bytes: u64,
    pub bodies: usize,
    pub async_bodies: usize,
    pub acquisitions: usize,
    pub resolved: usize,
    /// Files the prefilter left unparsed.
    pub skipped: usize,
    /// Files whose analysis came from the cache.
    pub cached: usize,
}

pub struct LintResult {
    /// Findings at their rules' default levels, unsorted.
    pub findings: Vec<Finding>,
    pub outcomes_text: Vec<(FileId, String)>,
    pub stats: Stats,
}

/// Reads, parses and extracts one file. Never panics.
pub fn analyze_file(path: &Path, edition: Edition, id: FileId) -> FileOutcome {
    match std::fs::read(path) {
        Ok(bytes) => analyze_bytes(bytes, edition, id),
        Err(e) => io_error(&e, id),
    }
}

fn io_error(e: &std::io::Error, id: FileId) -> FileOutcome {
    let f = Finding::new(
        engine_codes::IO_ERROR,
        Level::Deny,
        id,
        Span { line: 1, col: 1, end_line: 1, end_col: 1, ..Span::default() },
        format!("could not read file: {e}"),
    );
    FileOutcome { facts: None, findings: vec![f], text: None }
}

/// Does the text carry suppression markers (then the driver needs it)?
fn has_markers(raw: &str) -> bool {
    raw.contains("async-sync-lint:") || raw.contains("async_sync_lint")
}

/// [`analyze_bytes`] through the cache: a hit skips parsing.
fn analyze_cached(bytes: Vec<u8>, edition: Edition, id: FileId, cache: Option<&Cache>) -> (FileOutcome, bool) {
    let Some(cache) = cache else { return (analyze_bytes(bytes, edition, id), false) };
    let key = Key::new(&bytes, edition);
    if let Some((facts, findings)) = cache.get(&key, id) {
        let text = std::str::from_utf8(&bytes).ok().filter(|t| has_markers(t)).map(str::to_string);
        return (FileOutcome { facts, findings, text }, true);
    }
    let outcome = analyze_bytes(bytes, edition, id);
    // Internal errors are not cached: a fixed tool must look again.
    if !outcome.findings.iter().any(|f| f.rule == engine_codes::INTERNAL_ERROR) {
        cache.put(&key, outcome.facts.as_ref(), &outcome.findings);
    }
    (outcome, false)
}

/// Parses and extracts one file's bytes. Never panics.
pub fn analyze_bytes(bytes: Vec<u8>, edition: Edition, id: FileId) -> FileOutcome {
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let prefix = String::from_utf8_lossy(&bytes[..at]);
            let span = LineIndex::new(&prefix).span(at as u32, at as u32);
            let f = Finding::new(
                engine_codes::PARSE_ERROR,
                Level::Warn,
                id,
                span,
                format!("file is not valid UTF-8 (byte {at}); it was not linted"),
            );
            return FileOutcome { facts: None, findings: vec![f], text: None };
        }
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| analyze_text(&text, edition, id)));
    match outcome {
        Ok(o) => o,
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            let f = Finding::new(
                engine_codes::INTERNAL_ERROR,
                Level::Deny,
                id,
                Span { line: 1, col: 1, end_line: 1, end_col: 1, ..Span::default() },
                format!("internal error while linting this file: {msg}"),
            )
            .with_note("this is a bug in async-sync-lint; the other files were linted");
            FileOutcome { facts: None, findings: vec![f], text: None }
        }
    }
}

/// Parses and extracts facts from text already read.
pub fn analyze_text(raw: &str, edition: Edition, id: FileId) -> FileOutcome {
    let keep_text = has_markers(raw);
    let text = keep_text.then(|| raw.to_string());
    if let Some(deep) = crate::nesting::check(raw) {
        let at = deep.at() as u32;
        let span = LineIndex::new(raw).span(at, at);
        let f = Finding::new(engine_codes::PARSE_ERROR, Level::Warn, id, span, deep.message())
            .with_note("the parser recurses once per level; this limit keeps it within its stack");
        return FileOutcome { facts: None, findings: vec![f], text };
    }
    let input = prepare_for_parse(raw);
    if input.text.len() > crate::chunks::CHUNKED_ABOVE {
        // A huge file is parsed a chunk of items at a time, so that its
        // syntax tree is never whole in memory (see `chunks`).
        let parts = crate::chunks::split(&input.text, crate::chunks::CHUNK_TARGET);
        if parts.len() > 1 {
            if let Some(facts) = crate::extract::extract_chunked(&input.text, &parts, raw, input.offset, edition) {
                return FileOutcome { facts: Some(facts), findings: Vec::new(), text };
            }
        }
    }
    proc_macro2::extra::invalidate_current_thread_spans();
    let file = match syn::parse_file(&input.text) {
        Ok(f) => f,
        Err(e) => {
            let r = e.span().byte_range();
            let lines = LineIndex::new(raw);
            let span = lines.span(r.start as u32 + input.offset, r.end as u32 + input.offset);
            let f = Finding::new(engine_codes::PARSE_ERROR, Level::Warn, id, span, format!("could not parse: {e}"))
                .with_note("the file was not linted; the other files were");
            return FileOutcome { facts: None, findings: vec![f], text };
        }
    };
    let facts = crate::extract::extract(&file, raw, input.offset, edition);
    FileOutcome { facts: Some(facts), findings: Vec::new(), text }
}

/// Lints every file of the workspace. Findings come back at their rules'
/// default levels; levels, suppressions and sorting are the caller's.
pub fn lint(ws: &Workspace, opts: &EngineOptions) -> LintResult {
    let mut builder = rayon::ThreadPoolBuilder::new().stack_size(WORKER_STACK);
    if let Some(n) = opts.threads {
        builder = builder.num_threads(n);
    }
    let pool = builder.build().expect("a thread pool can be built");
    let cache = opts.cache_dir.as_deref().and_then(Cache::open);
    pool.install(|| lint_in_pool(ws, opts.prefilter, cache.as_ref(), &opts.extra_blocking_paths))
}

/// A file's state while the prefilter decides.
enum Slot {
    Done(Box<FileOutcome>),
    /// Not parsed (yet): it mentions no name a rule or the index needs.
    Skipped,
}

/// Analyses one file, or leaves it unparsed when `needed` says no. Files
/// the prefilter skips are still checked for being readable UTF-8, as
/// parsing would have.
fn analyze_or_skip(
    f: &SourceFile,
    id: FileId,
    cache: Option<&Cache>,
    needed: impl Fn(&[u8]) -> bool,
    cached: &std::sync::atomic::AtomicUsize,
) -> Slot {
    let bytes = match std::fs::read(&f.path) {
        Ok(b) => b,
        Err(e) => return Slot::Done(Box::new(io_error(&e, id))),
    };
    if !needed(&bytes) {
        if std::str::from_utf8(&bytes).is_ok() {
            return Slot::Skipped;
        }
        return Slot::Done(Box::new(analyze_bytes(bytes, f.edition, id)));
    }
    let (outcome, hit) = analyze_cached(bytes, f.edition, id, cache);
    if hit {
        cached.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    Slot::Done(Box::new(outcome))
}

fn lint_in_pool(
    ws: &Workspace,
    use_prefilter: bool,
    cache: Option<&Cache>,
    extra_blocking_paths: &[String],
) -> LintResult {
    let cached = std::sync::atomic::AtomicUsize::new(0);
    let mut slots: Vec<Slot> = ws
        .files
        .par_iter()
        .enumerate()
        .map(|(i, f): (usize, &SourceFile)| {
            analyze_or_skip(f, i as FileId, cache, |b| !use_prefilter || prefilter::mentions_tokens(b), &cached)
        })
        .collect();

    // The prefilter's second half: per package, the names of declarations
    // that lead to a lock (`R` in the `prefilter` docs), grown to a
    // fixpoint; a skipped file that mentions one is parsed after all.
    let mut members: BTreeMap<Option<usize>, Vec<usize>> = BTreeMap::new();
    for (i, f) in ws.files.iter().enumerate() {
        members.entry(f.package).or_default().push(i);
    }
    let mut relevant: BTreeMap<Option<usize>, prefilter::NameSet> =
        members.keys().map(|&pkg| (pkg, prefilter::NameSet::default())).collect();
    loop {
        // Packages are independent: grow their sets in parallel.
        let slots_now = &slots;
        let is_skipped = |i: &usize| matches!(slots_now[*i], Slot::Skipped);
        let recheck: Vec<(usize, Option<usize>)> = relevant
            .par_iter_mut()
            .filter_map(|(pkg, r)| {
                let files = &members[pkg];
                if !files.iter().any(is_skipped) {
                    return None;
                }
                let parsed = files.iter().filter_map(|&i| match &slots_now[i] {
                    Slot::Done(o) => o.facts.as_ref(),
                    Slot::Skipped => None,
                });
                prefilter::grow_relevant(parsed, r)
                    .then(|| files.iter().filter(|i| is_skipped(i)).map(|&i| (i, *pkg)).collect::<Vec<_>>())
            })
            .flatten()
            .collect();
        if recheck.is_empty() {
            break;
        }
        let newly: Vec<(usize, Slot)> = recheck
            .par_iter()
            .map(|&(i, pkg)| {
                let r = &relevant[&pkg];
                (i, analyze_or_skip(&ws.files[i], i as FileId, cache, |b| prefilter::mentions_any(b, r), &cached))
            })
            .filter(|(_, s)| matches!(s, Slot::Done(_)))
            .collect();
        if newly.is_empty() {
            break;
        }
        for (i, s) in newly {
            slots[i] = s;
        }
    }
    let skipped = slots.iter().filter(|s| matches!(s, Slot::Skipped)).count();
    let mut outcomes: Vec<FileOutcome> = slots
        .into_iter()
        .map(|s| match s {
            Slot::Done(o) => *o,
            Slot::Skipped => FileOutcome { facts: None, findings: Vec::new(), text: None },
        })
        .collect();
    // A file of a test or bench target is test code throughout. Marked here,
    // not at extraction, because the cache is keyed by content alone.
    for (i, o) in outcomes.iter_mut().enumerate() {
        if let (Some(facts), true) = (&mut o.facts, is_test_target(ws, &ws.files[i])) {
            for b in &mut facts.bodies {
                b.is_test = true;
            }
        }
    }

    let mut stats = Stats { files: ws.files.len(), skipped, cached: cached.into_inner(), ..Stats::default() };
    let mut findings = Vec::new();
    let mut texts = Vec::new();
    // Group facts by package: each package is one crate index.
    let mut crates: BTreeMap<Option<usize>, Vec<(FileId, &FileFacts)>> = BTreeMap::new();
    for (i, o) in outcomes.iter().enumerate() {
        findings.extend(o.findings.iter().cloned());
        if let Some(t) = &o.text {
            texts.push((i as FileId, t.clone()));
        }
        if let Some(facts) = &o.facts {
            stats.parsed += 1;
            stats.bodies += facts.bodies.len();
            stats.async_bodies += facts.bodies.iter().filter(|b| b.kind.is_async()).count();
            stats.acquisitions += facts.bodies.iter().map(|b| b.acquisitions.len()).sum::<usize>();
            crates.entry(ws.files[i].package).or_default().push((i as FileId, facts));
        }
    }
    let per_crate: Vec<(Vec<Finding>, usize)> = crates
        .into_values()
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|files| {
            let modules = files.iter().map(|&(id, _)| file_module(ws, id)).collect();
            let mut index = CrateIndex::new(files);
            index.set_file_modules(modules);
            let resolved = count_resolved(&index);
            let cx = CrateCx { index: &index, extra_blocking_paths };
            (rules::run(&cx), resolved)
        })
        .collect();
    for (f, resolved) in per_crate {
        findings.extend(f);
        stats.resolved += resolved;
    }
    LintResult { findings, outcomes_text: texts, stats }
}

/// A file's module path in its crate, from its target's root directory.
fn file_module(ws: &Workspace, id: FileId) -> Vec<String> {
    let f = &ws.files[id as usize];
    let root = f
        .package
        .zip(f.target)
        .and_then(|(p, t)| ws.packages.get(p)?.targets.get(t))
        .and_then(|t| t.src_path.parent().map(|d| d.to_path_buf()));
    crate::index::module_of_path(&f.path, root.as_deref())
}

/// Is the file part of a `test` or `bench` target (`tests/`, `benches/`)?
fn is_test_target(ws: &Workspace, file: &SourceFile) -> bool {
    let (Some(p), Some(t)) = (file.package, file.target) else { return false };
    ws.packages
        .get(p)
        .and_then(|p| p.targets.get(t))
        .is_some_and(|t| t.kind.iter().any(|k| k == "test" || k == "bench"))
}

/// Acquisition candidates whose receiver resolves to a known lock kind.
fn count_resolved(index: &CrateIndex<'_>) -> usize {
    let mut n = 0;
    for (fi, (_, facts)) in index.files.iter().enumerate() {
        for body in &facts.bodies {
            for acq in &body.acquisitions {
                if index.resolve_acquisition(fi, body, acq).is_some() {
                    n += 1;
                }
            }
        }
    }
    n
}

/// Sorts findings by (path, line, column, rule, message).
pub fn sort_findings(ws: &Workspace, findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        let pa = &ws.files[a.file as usize].display;
        let pb = &ws.files[b.file as usize].display;
        (pa, a.primary.line, a.primary.col, &a.rule, &a.message).cmp(&(
            pb,
            b.primary.line,
            b.primary.col,
            &b.rule,
            &b.message,
        ))
    });
}
