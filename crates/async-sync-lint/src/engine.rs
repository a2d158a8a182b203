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
use std::path::Path;

use rayon::prelude::*;

use crate::diagnostic::{engine_codes, FileId, Finding, Level, Span};
use crate::facts::FileFacts;
use crate::index::CrateIndex;
use crate::rules::{self, CrateCx};
use crate::source::{prepare_for_parse, LineIndex};
use crate::workspace::{Edition, SourceFile, Workspace};

pub use crate::nesting::MAX_NESTING;

/// Worker stack size: the parser and the extractor recurse on deep code.
const WORKER_STACK: usize = 256 << 20;

#[derive(Clone, Debug, Default)]
pub struct EngineOptions {
    /// Worker threads; `None` = one per core.
    pub threads: Option<usize>,
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
}

pub struct LintResult {
    /// Findings at their rules' default levels, unsorted.
    pub findings: Vec<Finding>,
    pub outcomes_text: Vec<(FileId, String)>,
    pub stats: Stats,
}

/// Reads, parses and extracts one file. Never panics.
pub fn analyze_file(path: &Path, edition: Edition, id: FileId) -> FileOutcome {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            let f = Finding::new(
                engine_codes::IO_ERROR,
                Level::Deny,
                id,
                Span { line: 1, col: 1, end_line: 1, end_col: 1, ..Span::default() },
                format!("could not read file: {e}"),
            );
            return FileOutcome { facts: None, findings: vec![f], text: None };
        }
    };
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
    let keep_text = raw.contains("async-sync-lint:") || raw.contains("async_sync_lint");
    let text = keep_text.then(|| raw.to_string());
    if let Some(deep) = crate::nesting::check(raw) {
        let at = deep.at() as u32;
        let span = LineIndex::new(raw).span(at, at);
        let f = Finding::new(engine_codes::PARSE_ERROR, Level::Warn, id, span, deep.message())
            .with_note("the parser recurses once per level; this limit keeps it within its stack");
        return FileOutcome { facts: None, findings: vec![f], text };
    }
    let input = prepare_for_parse(raw);
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
    pool.install(|| lint_in_pool(ws))
}

fn lint_in_pool(ws: &Workspace) -> LintResult {
    let outcomes: Vec<FileOutcome> = ws
        .files
        .par_iter()
        .enumerate()
        .map(|(i, f): (usize, &SourceFile)| analyze_file(&f.path, f.edition, i as FileId))
        .collect();

    let mut stats = Stats { files: ws.files.len(), ..Stats::default() };
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
            let cx = CrateCx { index: &index };
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
