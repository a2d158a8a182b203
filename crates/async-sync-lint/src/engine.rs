//! The pipeline: files → (rayon) owned facts → per-package index → rules →
//! levelled, sorted findings.
//!
//! Architecture Invariants:
//! - a syntax tree never leaves the task that parsed it;
//! - a panic while handling one file becomes an `internal-error` finding for
//!   that file, and the run goes on; a panic in a package's index or in one
//!   rule becomes an `internal-error` naming the rule and the package, and
//!   the other rules' findings stand;
//! - output order is sorted (path, line, column, rule), never thread order.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use rayon::prelude::*;

use crate::analysis::extract::KnownGuards;
use crate::analysis::facts::{FileFacts, NamedItem};
use crate::analysis::index::CrateIndex;
use crate::cache::{is_racy, AnalysisKey, Cache, FileStat, Fingerprint, PackageCounts, PackageEntry, PackedFile};
use crate::diagnostic::{engine_codes, FileId, Finding, Level, Span};
use crate::input::prefilter;
use crate::input::source::{prepare_for_parse, LineIndex};
use crate::input::workspace::{Edition, SourceFile, Workspace};
use crate::rules::options::RuleOptions;
use crate::rules::{self, CrateCx};

pub use crate::input::nesting::MAX_NESTING;

/// Worker stack size: the parser and the extractor recurse on deep code.
const WORKER_STACK: usize = 256 << 20;

#[derive(Clone, Debug)]
pub struct EngineOptions {
    /// Worker threads; `None` = one per core.
    pub threads: Option<usize>,
    /// The rules' options from the configuration (every layer's lists
    /// added up).
    pub rule_options: RuleOptions,
    /// Leave unparsed the files no rule can need (see `prefilter`). Off only
    /// to prove that it changes nothing.
    pub prefilter: bool,
    /// Where the incremental cache lives (`<target-dir>/async-sync-lint/
    /// cache`); `None` = no cache.
    pub cache_dir: Option<PathBuf>,
    /// Texts to lint instead of the files on disk: the unsaved buffers of an
    /// editor, by path as the workspace names the file.
    pub overlay: Overlay,
}

/// Path → text that stands in for the file's content on disk. A package
/// with an overlaid file neither uses nor stores its cache entry, and the
/// overlaid text is never stored; its other files still use the cache.
pub type Overlay = BTreeMap<PathBuf, Arc<str>>;

impl Default for EngineOptions {
    fn default() -> EngineOptions {
        EngineOptions {
            threads: None,
            rule_options: RuleOptions::default(),
            prefilter: true,
            cache_dir: None,
            overlay: Overlay::new(),
        }
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
    /// Files whose analysis came from the cache (a package entry or a
    /// file entry): every file but the skipped ones on a warm run.
    pub cached: usize,
    /// Packages (crate indexes; the files outside any package count as one).
    pub packages: usize,
    /// Packages whose whole result came from the cache, stat-checked.
    pub cached_packages: usize,
    /// Files not even opened, thanks to the package entries.
    pub unread: usize,
}

/// The `--stats` line: `stats: {stats}`.
impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} files, {} parsed, {} skipped by the prefilter, {} bodies ({} async), {} acquisition candidates, \
             {} resolved to a known lock kind; cache: {} of {} packages, {} files ({} not read)",
            self.files,
            self.parsed,
            self.skipped,
            self.bodies,
            self.async_bodies,
            self.acquisitions,
            self.resolved,
            self.cached_packages,
            self.packages,
            self.cached,
            self.unread
        )
    }
}

pub struct LintResult {
    /// Findings at their rules' default levels, unsorted.
    pub findings: Vec<Finding>,
    pub outcomes_text: Vec<(FileId, String)>,
    /// The named items (from their facts) of the files with findings or
    /// texts: what a baseline names a finding's place by.
    pub items: BTreeMap<FileId, Vec<NamedItem>>,
    pub stats: Stats,
}

/// Reads, parses and extracts one file. Never panics.
pub fn analyze_file(path: &Path, edition: Edition, id: FileId) -> FileOutcome {
    match std::fs::read(path) {
        Ok(bytes) => analyze_bytes(bytes, edition, id, &KnownGuards::default()),
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
    raw.contains("async-sync-lint:")
        || raw.contains("async_sync_lint")
        || crate::output::suppress::clippy::mentioned(raw)
}

/// Parses and extracts one file's bytes. Never panics.
pub fn analyze_bytes(bytes: Vec<u8>, edition: Edition, id: FileId, known: &KnownGuards) -> FileOutcome {
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
    let outcome = catch_unwind(AssertUnwindSafe(|| analyze_text_knowing(&text, edition, id, known)));
    match outcome {
        Ok(o) => o,
        Err(panic) => {
            let msg = panic_message(&*panic);
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
    analyze_text_knowing(raw, edition, id, &KnownGuards::default())
}

/// [`analyze_text`], knowing the guard-returning methods other files of
/// the crate declare.
fn analyze_text_knowing(raw: &str, edition: Edition, id: FileId, known: &KnownGuards) -> FileOutcome {
    let keep_text = has_markers(raw);
    let text = keep_text.then(|| raw.to_string());
    if let Some(deep) = crate::input::nesting::check(raw) {
        let at = deep.at() as u32;
        let span = LineIndex::new(raw).span(at, at);
        let f = Finding::new(engine_codes::PARSE_ERROR, Level::Warn, id, span, deep.message())
            .with_note("the parser recurses once per level; this limit keeps it within its stack");
        return FileOutcome { facts: None, findings: vec![f], text };
    }
    let input = prepare_for_parse(raw);
    if input.text.len() > crate::input::chunks::CHUNKED_ABOVE {
        // A huge file is parsed a chunk of items at a time, so that its
        // syntax tree is never whole in memory (see `chunks`).
        let parts = crate::input::chunks::split(&input.text, crate::input::chunks::CHUNK_TARGET);
        if parts.len() > 1 {
            if let Some(facts) =
                crate::analysis::extract::extract_chunked(&input.text, &parts, raw, input.offset, edition, known)
            {
                return FileOutcome { facts: Some(facts), findings: Vec::new(), text };
            }
        }
    }
    proc_macro2::extra::invalidate_current_thread_spans();
    let file = match syn::parse_file(&input.text) {
        Ok(f) => f,
        Err(e) => {
            let f = crate::input::syntax_error::finding(&e, raw, input.offset, id);
            return FileOutcome { facts: None, findings: vec![f], text };
        }
    };
    let facts = crate::analysis::extract::extract_knowing(&file, raw, input.offset, edition, known);
    FileOutcome { facts: Some(facts), findings: Vec::new(), text }
}

/// Lints every file of the workspace. Findings come back at their rules'
/// default levels; levels, suppressions and sorting are the caller's.
pub fn lint(ws: &Workspace, opts: &EngineOptions) -> LintResult {
    // Taken before any file is looked at: see `cache::is_racy`.
    let started_ns = crate::cache::system_time_ns(SystemTime::now());
    let mut builder = rayon::ThreadPoolBuilder::new().stack_size(WORKER_STACK);
    if let Some(n) = opts.threads {
        builder = builder.num_threads(n);
    }
    let pool = builder.build().expect("a thread pool can be built");
    let cache = opts.cache_dir.as_deref().and_then(Cache::open);
    let cx = RunCx {
        ws,
        use_prefilter: opts.prefilter,
        cache: cache.as_ref(),
        rule_options: &opts.rule_options,
        started_ns,
        overlay: &opts.overlay,
    };
    pool.install(|| lint_in_pool(&cx))
}

/// What every package of one run shares.
struct RunCx<'a> {
    ws: &'a Workspace,
    use_prefilter: bool,
    cache: Option<&'a Cache>,
    rule_options: &'a RuleOptions,
    /// When the run started, in ns since the epoch.
    started_ns: i128,
    overlay: &'a Overlay,
}

/// One package's share of a run. File ids are the workspace's.
#[derive(Default)]
struct PackageOut {
    findings: Vec<Finding>,
    texts: Vec<(FileId, String)>,
    items: Vec<(FileId, Vec<NamedItem>)>,
    counts: PackageCounts,
    /// The whole result came from the package's cache entry.
    from_cache: bool,
    /// Files whose analysis came from the cache.
    cached: usize,
    /// Files never opened.
    unread: usize,
}

fn lint_in_pool(cx: &RunCx<'_>) -> LintResult {
    // Each package is one crate index; its findings depend on its files
    // alone, so packages are linted (and cached) independently.
    let mut members: BTreeMap<Option<usize>, Vec<usize>> = BTreeMap::new();
    for (i, f) in cx.ws.files.iter().enumerate() {
        members.entry(f.package).or_default().push(i);
    }
    let packages = members.len();
    let outs: Vec<PackageOut> = members
        .into_iter()
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(pkg, files)| lint_package(cx, pkg, &files))
        .collect();
    let mut stats = Stats { files: cx.ws.files.len(), packages, ..Stats::default() };
    let mut findings = Vec::new();
    let mut texts = Vec::new();
    let mut items = BTreeMap::new();
    for out in outs {
        findings.extend(out.findings);
        texts.extend(out.texts);
        items.extend(out.items);
        let c = out.counts;
        stats.parsed += c.parsed;
        stats.bodies += c.bodies;
        stats.async_bodies += c.async_bodies;
        stats.acquisitions += c.acquisitions;
        stats.resolved += c.resolved;
        stats.skipped += c.skipped;
        stats.cached += out.cached;
        stats.unread += out.unread;
        stats.cached_packages += usize::from(out.from_cache);
    }
    LintResult { findings, outcomes_text: texts, items, stats }
}

/// Lints one package (`files`: its files, ascending workspace indexes):
/// from its cache entry when every file's stat still matches, else file by
/// file (unchanged files from their file entries) and then its crate index
/// and rules.
fn lint_package(cx: &RunCx<'_>, pkg: Option<usize>, files: &[usize]) -> PackageOut {
    let Some(cache) = cx.cache else { return analyze_package(cx, files, None).out };
    // Stat before reading: a write after this moment changes the stat, or
    // falls in the racy window and is checked by content.
    let stats: Option<Vec<FileStat>> = files.par_iter().map(|&i| FileStat::of(&cx.ws.files[i].path)).collect();
    // A file that cannot be stat-ed cannot be read either: its package is
    // linted afresh (and reports the io-error) and not stored.
    let Some(stats) = stats else { return analyze_package(cx, files, None).out };
    let fingerprint = package_fingerprint(cx, files, &stats);
    let slot = package_slot(cx.ws, pkg);
    // The entry describes the files on disk, not an editor's buffers.
    let overlaid = files.iter().any(|&i| cx.overlay.contains_key(&cx.ws.files[i].path));
    let old = if overlaid { None } else { cache.get_package(slot) };
    if let Some(entry) = old.as_ref().filter(|e| e.fingerprint == fingerprint) {
        let paths: Vec<&Path> = files.iter().map(|&i| cx.ws.files[i].path.as_path()).collect();
        if entry.racy_files_unchanged(&paths) {
            if let Some(out) = from_entry(entry, files) {
                // Files that were racy for the run that wrote the entry may
                // be old enough now to be trusted by stat.
                let still: Vec<(u32, u128)> =
                    entry.racy.iter().copied().filter(|&(i, _)| is_racy(&stats[i as usize], cx.started_ns)).collect();
                if still.len() < entry.racy.len() {
                    let entry = PackageEntry { racy: still, started_ns: cx.started_ns, ..entry.clone() };
                    cache.put_package(slot, &entry);
                }
                return out;
            }
        }
    }
    let racy: Vec<bool> = stats.iter().map(|s| is_racy(s, cx.started_ns)).collect();
    let old_pack = cache.get_facts(slot).unwrap_or_default();
    let by_key: HashMap<AnalysisKey, &PackedFile> = old_pack.files.iter().map(|f| (f.key, f)).collect();
    let mut analyzed = analyze_package(cx, files, Some(Packing { racy: &racy, old: &by_key }));
    if let Some(entry) = to_entry(&analyzed, files, fingerprint, cx.started_ns).filter(|_| !overlaid) {
        cache.put_package(slot, &entry);
    }
    // The new pack: this run's files, and those of the old pack this run did
    // not lint that still exist (a run may cover only part of a package, and
    // an overlaid file keeps the analysis of its text on disk).
    let linted: HashSet<String> = files
        .iter()
        .map(|&i| &cx.ws.files[i].path)
        .filter(|path| !cx.overlay.contains_key(*path))
        .map(|path| path.to_string_lossy().into_owned())
        .collect();
    let mut pack = std::mem::take(&mut analyzed.packed);
    pack.extend(old_pack.files.iter().filter(|f| !linted.contains(&f.path) && Path::new(&f.path).is_file()).cloned());
    let same =
        |a: &[PackedFile], b: &[PackedFile]| a.iter().map(|f| (&f.path, f.key)).eq(b.iter().map(|f| (&f.path, f.key)));
    if !same(&pack, &old_pack.files) {
        cache.put_facts(slot, pack);
    }
    analyzed.out
}

/// What decides a package's findings, short of reading its files: the
/// tool's build, the options that change findings, and for every file its
/// path, stat, edition, test-target flag and module path (the set and order
/// of the files is the package's membership).
fn package_fingerprint(cx: &RunCx<'_>, files: &[usize], stats: &[FileStat]) -> u128 {
    let mut fp = Fingerprint::default();
    fp.u64(u64::from(cx.use_prefilter));
    fp.u64(cx.rule_options.iter().count() as u64);
    for (rule, option, values) in cx.rule_options.iter() {
        fp.str(rule);
        fp.str(option);
        fp.u64(values.len() as u64);
        for value in values {
            fp.str(value);
        }
    }
    fp.u64(files.len() as u64);
    for (&i, stat) in files.iter().zip(stats) {
        let f = &cx.ws.files[i];
        fp.path(&f.path);
        fp.stat(stat);
        fp.str(f.edition.as_str());
        fp.u64(u64::from(is_test_target(cx.ws, f)));
        let module = file_module(cx.ws, i as FileId);
        fp.u64(module.len() as u64);
        for m in &module {
            fp.str(m);
        }
    }
    fp.finish()
}

/// The name of a package's one cache entry: its id and manifest, or, for
/// the files outside any package, the workspace root.
fn package_slot(ws: &Workspace, pkg: Option<usize>) -> u128 {
    let mut fp = Fingerprint::default();
    match pkg.and_then(|p| ws.packages.get(p)) {
        Some(p) => {
            fp.str("package");
            fp.str(&p.id);
            fp.path(&p.manifest_path);
        }
        None => {
            fp.str("loose");
            fp.u64(pkg.map_or(u64::MAX, |p| p as u64));
            fp.path(&ws.root);
        }
    }
    fp.finish()
}

/// A stored result re-pointed at the workspace's file ids; `None` if it
/// names a file the package does not have (a damaged entry).
fn from_entry(entry: &PackageEntry, files: &[usize]) -> Option<PackageOut> {
    let id = |local: u32| files.get(local as usize).map(|&i| i as FileId);
    let mut findings = entry.findings.clone();
    for f in &mut findings {
        f.file = id(f.file)?;
    }
    let texts = entry.texts.iter().map(|(i, t)| Some((id(*i)?, t.clone()))).collect::<Option<Vec<_>>>()?;
    let items = entry.items.iter().map(|(i, n)| Some((id(*i)?, n.clone()))).collect::<Option<Vec<_>>>()?;
    Some(PackageOut {
        findings,
        texts,
        items,
        counts: entry.counts,
        from_cache: true,
        cached: files.len().saturating_sub(entry.counts.skipped),
        unread: files.len() - entry.racy.len(),
    })
}

/// The entry to store for a package just analysed; `None` when the result
/// must not be reused (an unreadable file, an internal error: a fixed file
/// or tool must look again).
fn to_entry(a: &AnalyzedPackage, files: &[usize], fingerprint: u128, started_ns: i128) -> Option<PackageEntry> {
    let local = |id: FileId| files.binary_search(&(id as usize)).ok().map(|i| i as u32);
    let mut findings = a.out.findings.clone();
    for f in &mut findings {
        if f.rule == engine_codes::IO_ERROR || f.rule == engine_codes::INTERNAL_ERROR {
            return None;
        }
        f.file = local(f.file)?;
    }
    let texts = a.out.texts.iter().map(|(i, t)| Some((local(*i)?, t.clone()))).collect::<Option<Vec<_>>>()?;
    let items = a.out.items.iter().map(|(i, n)| Some((local(*i)?, n.clone()))).collect::<Option<Vec<_>>>()?;
    Some(PackageEntry {
        fingerprint,
        tool: crate::cache::tool_fingerprint().to_string(),
        started_ns,
        racy: a.racy.clone(),
        findings,
        texts,
        items,
        counts: a.out.counts,
    })
}

/// A package analysed file by file.
struct AnalyzedPackage {
    out: PackageOut,
    /// The analyses to store (with a cache).
    packed: Vec<PackedFile>,
    /// Package index and content hash of each racy file.
    racy: Vec<(u32, u128)>,
}

/// What a package's analysis needs from the cache.
#[derive(Clone, Copy)]
struct Packing<'a> {
    /// Which files need their content hash kept.
    racy: &'a [bool],
    /// The package's stored analyses, by content.
    old: &'a HashMap<AnalysisKey, &'a PackedFile>,
}

/// A file's state while the prefilter decides.
enum Slot {
    Done(Box<FileOutcome>),
    /// Not parsed (yet): it mentions no name a rule or the index needs.
    Skipped,
}

/// One read of one file.
struct FileRun {
    slot: Slot,
    /// The analysis to store (with a cache).
    packed: Option<PackedFile>,
    /// The content hash, when asked for.
    hash: Option<u128>,
    /// The analysis came from the file entry.
    hit: bool,
}

/// Analyses one file (from the stored analyses when there is a cache), or
/// leaves it unparsed when `needed` says no. Files the prefilter skips are
/// still checked for being readable UTF-8, as parsing would have. An
/// `overlaid` text is analysed instead of the file on disk and not stored.
fn analyze_or_skip(
    f: &SourceFile,
    id: FileId,
    old: Option<&HashMap<AnalysisKey, &PackedFile>>,
    needed: impl Fn(&[u8]) -> bool,
    want_hash: bool,
    overlaid: Option<&str>,
) -> FileRun {
    let done = |o: FileOutcome| Slot::Done(Box::new(o));
    let bytes = match overlaid.map(|t| Ok(t.as_bytes().to_vec())).unwrap_or_else(|| std::fs::read(&f.path)) {
        Ok(b) => b,
        Err(e) => return FileRun { slot: done(io_error(&e, id)), packed: None, hash: None, hit: false },
    };
    let hash = want_hash.then(|| crate::cache::content_hash(&bytes));
    if !needed(&bytes) {
        let slot = if std::str::from_utf8(&bytes).is_ok() {
            Slot::Skipped
        } else {
            done(analyze_bytes(bytes, f.edition, id, &KnownGuards::default()))
        };
        return FileRun { slot, packed: None, hash, hit: false };
    }
    let Some(old) = old else {
        return FileRun {
            slot: done(analyze_bytes(bytes, f.edition, id, &KnownGuards::default())),
            packed: None,
            hash,
            hit: false,
        };
    };
    let key = AnalysisKey::new(&bytes, f.edition);
    if let Some((stored, (facts, findings))) = old.get(&key).and_then(|p| Some((p, p.analysis(id)?))) {
        let text = std::str::from_utf8(&bytes).ok().filter(|t| has_markers(t)).map(str::to_string);
        let outcome = FileOutcome { facts, findings, text };
        return FileRun {
            slot: done(outcome),
            packed: overlaid.is_none().then(|| stored.at(&f.path)),
            hash,
            hit: true,
        };
    }
    let outcome = analyze_bytes(bytes, f.edition, id, &KnownGuards::default());
    // Internal errors are not stored: a fixed tool must look again.
    let packed = if overlaid.is_some() || outcome.findings.iter().any(|f| f.rule == engine_codes::INTERNAL_ERROR) {
        None
    } else {
        PackedFile::new(&f.path, key, outcome.facts.as_ref(), &outcome.findings)
    };
    FileRun { slot: done(outcome), packed, hash, hit: false }
}

/// Analyses a package file by file, then runs its crate index and rules.
fn analyze_package(cx: &RunCx<'_>, files: &[usize], packing: Option<Packing<'_>>) -> AnalyzedPackage {
    let ws = cx.ws;
    let want_hash = |j: usize| packing.is_some_and(|p| p.racy[j]);
    let read = |j: usize, needed: &(dyn Fn(&[u8]) -> bool + Sync)| {
        let i = files[j];
        let overlaid = cx.overlay.get(&ws.files[i].path).map(|t| &**t);
        analyze_or_skip(&ws.files[i], i as FileId, packing.map(|p| p.old), needed, want_hash(j), overlaid)
    };
    let mut runs: Vec<FileRun> = (0..files.len())
        .into_par_iter()
        .map(|j| read(j, &|b: &[u8]| !cx.use_prefilter || prefilter::mentions_tokens(b)))
        .collect();

    // The prefilter's second half: the names of the package's declarations
    // that lead to a lock (`R` in the `prefilter` docs), grown to a
    // fixpoint; a skipped file that mentions one is parsed after all.
    let mut relevant = prefilter::Relevant::default();
    loop {
        let skipped: Vec<usize> = (0..files.len()).filter(|&j| matches!(runs[j].slot, Slot::Skipped)).collect();
        if skipped.is_empty() {
            break;
        }
        let parsed = runs.iter().filter_map(|r| match &r.slot {
            Slot::Done(o) => o.facts.as_ref(),
            Slot::Skipped => None,
        });
        if !prefilter::grow_relevant(parsed, &mut relevant) {
            break;
        }
        let newly: Vec<(usize, FileRun)> = skipped
            .into_par_iter()
            .map(|j| (j, read(j, &|b: &[u8]| prefilter::mentions_any(b, &relevant.names))))
            .filter(|(_, r)| matches!(r.slot, Slot::Done(_)))
            .collect();
        if newly.is_empty() {
            break;
        }
        for (j, r) in newly {
            runs[j] = r;
        }
    }

    extract_knowing_other_files(cx, files, &mut runs);

    let mut out = PackageOut::default();
    let mut packed = Vec::new();
    let mut racy_hashes = Vec::new();
    let mut outcomes: Vec<(FileId, FileOutcome)> = Vec::with_capacity(files.len());
    for (j, run) in runs.into_iter().enumerate() {
        let id = files[j] as FileId;
        packed.extend(run.packed);
        if let Some(h) = run.hash {
            racy_hashes.push((j as u32, h));
        }
        out.cached += usize::from(run.hit);
        match run.slot {
            Slot::Done(o) => outcomes.push((id, *o)),
            Slot::Skipped => out.counts.skipped += 1,
        }
    }
    // A file of a test or bench target is test code throughout. Marked here,
    // not at extraction, because file entries are keyed by content alone.
    for (id, o) in &mut outcomes {
        if let (Some(facts), true) = (&mut o.facts, is_test_target(ws, &ws.files[*id as usize])) {
            for b in &mut facts.bodies {
                b.is_test = true;
            }
        }
    }
    let mut index_files: Vec<(FileId, &FileFacts)> = Vec::new();
    for (id, o) in &outcomes {
        out.findings.extend(o.findings.iter().cloned());
        if let Some(t) = &o.text {
            out.texts.push((*id, t.clone()));
        }
        if let Some(facts) = &o.facts {
            let c = &mut out.counts;
            c.parsed += 1;
            c.bodies += facts.bodies.len();
            c.async_bodies += facts.bodies.iter().filter(|b| b.kind.is_async()).count();
            c.acquisitions += facts.bodies.iter().map(|b| b.acquisitions.len()).sum::<usize>();
            index_files.push((*id, facts));
        }
    }
    if !index_files.is_empty() {
        let modules = index_files.iter().map(|&(id, _)| file_module(ws, id)).collect();
        let first = index_files[0].0;
        let built = catch_unwind(AssertUnwindSafe(|| {
            let mut index = CrateIndex::new(index_files);
            index.set_file_modules(modules);
            index.set_crate_name(crate_name(ws, first));
            index
        }));
        match built {
            Ok(index) => {
                out.counts.resolved = count_resolved(&index);
                let rcx = CrateCx::new(&index, cx.rule_options);
                run_rules(&rcx, ws, first, &mut out.findings);
            }
            Err(panic) => out.findings.push(package_panic(ws, first, "while indexing", &*panic)),
        }
    }
    // The named items of the files a baseline may place a finding in.
    let wanted: HashSet<FileId> = out.findings.iter().map(|f| f.file).chain(out.texts.iter().map(|t| t.0)).collect();
    out.items = outcomes
        .iter()
        .filter(|(id, _)| wanted.contains(id))
        .filter_map(|(id, o)| Some((*id, o.facts.as_ref()?.items.clone())))
        .collect();
    AnalyzedPackage { out, packed, racy: racy_hashes }
}

/// Extraction sees one file: `store.db()` acquires only if the walker knows
/// that `db` returns a guard. A file that calls a guard-returning method
/// another file declares is extracted again, knowing it. The stored
/// analyses stay those of the file alone (their key is its content), so a
/// cached run does this step again.
fn extract_knowing_other_files(cx: &RunCx<'_>, files: &[usize], runs: &mut [FileRun]) {
    let parsed = runs.iter().filter_map(|r| match &r.slot {
        Slot::Done(o) => o.facts.as_ref(),
        Slot::Skipped => None,
    });
    let known = KnownGuards::declared_in(parsed);
    if known.methods.is_empty() && known.functions.is_empty() {
        return;
    }
    let again: Vec<(usize, FileOutcome)> = (0..runs.len())
        .into_par_iter()
        .filter_map(|j| {
            let Slot::Done(o) = &runs[j].slot else { return None };
            let facts = o.facts.as_ref()?;
            let (unknown, unknown_fns) = known.unknown_to(facts);
            if unknown.is_empty() && unknown_fns.is_empty() {
                return None;
            }
            let f = &cx.ws.files[files[j]];
            let text = match cx.overlay.get(&f.path) {
                Some(t) => t.to_string(),
                None => String::from_utf8(std::fs::read(&f.path).ok()?).ok()?,
            };
            if !crate::analysis::extract::calls_any_method(&text, &unknown)
                && !crate::analysis::extract::calls_any_function(&text, &unknown_fns)
            {
                return None;
            }
            let again = analyze_bytes(text.into_bytes(), f.edition, files[j] as FileId, &known);
            again.facts.is_some().then_some((j, again))
        })
        .collect();
    for (j, outcome) in again {
        if let Slot::Done(o) = &mut runs[j].slot {
            o.facts = outcome.facts;
        }
    }
}

/// Runs every rule on one package, each on its own: a rule that panics
/// loses its findings and becomes an `internal-error` naming the rule and
/// the package; the other rules' findings stand.
fn run_rules(rcx: &CrateCx<'_>, ws: &Workspace, first: FileId, out: &mut Vec<Finding>) {
    for (meta, check) in rules::checks() {
        let mut mine = Vec::new();
        let ran = catch_unwind(AssertUnwindSafe(|| {
            test_hooks::panic_in_rule(meta.name);
            rcx.start_rule();
            check(rcx, &mut mine);
        }));
        match ran {
            Ok(()) => out.append(&mut mine),
            Err(panic) => out.push(package_panic(ws, first, &format!("in rule `{}`", meta.name), &*panic)),
        }
    }
}

/// An `internal-error` for a package-wide step that panicked, on line 1 of
/// the package's first linted file (findings belong to files).
fn package_panic(ws: &Workspace, first: FileId, step: &str, panic: &(dyn std::any::Any + Send)) -> Finding {
    let package = ws.files[first as usize].package.and_then(|p| ws.packages.get(p));
    let package =
        package.map_or_else(|| "the files outside any package".to_string(), |p| format!("package `{}`", p.name));
    Finding::new(
        engine_codes::INTERNAL_ERROR,
        Level::Deny,
        first,
        Span { line: 1, col: 1, end_line: 1, end_col: 1, ..Span::default() },
        format!("internal error {step} on {package}: {}", panic_message(panic)),
    )
    .with_note("this is a bug in async-sync-lint; the other rules and packages were linted")
}

/// The text of a panic's payload.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

/// Failures on demand, for the tests of the failure paths. Each needs an
/// explicit environment variable, so no ordinary run can reach one.
mod test_hooks {
    use std::sync::OnceLock;

    /// `ASL_TEST_HOOK_PANIC_IN_RULE=busy-wait` makes that rule panic on
    /// every package.
    pub fn panic_in_rule(rule: &str) {
        static RULE: OnceLock<Option<String>> = OnceLock::new();
        let armed = RULE.get_or_init(|| std::env::var("ASL_TEST_HOOK_PANIC_IN_RULE").ok());
        if armed.as_deref() == Some(rule) {
            panic!("ASL_TEST_HOOK_PANIC_IN_RULE asked `{rule}` to panic");
        }
    }
}

/// The name other crates use for the file's crate: its package's library
/// target (`my-crate` → `my_crate`), else the package's name.
fn crate_name(ws: &Workspace, id: FileId) -> Option<String> {
    let pkg = ws.packages.get(ws.files[id as usize].package?)?;
    let lib = pkg.targets.iter().find(|t| t.kind.iter().any(|k| k == "lib" || k.ends_with("lib")));
    Some(lib.map_or(pkg.name.as_str(), |t| t.name.as_str()).replace('-', "_"))
}

/// A file's module path in its crate, from its target's root directory.
fn file_module(ws: &Workspace, id: FileId) -> Vec<String> {
    let f = &ws.files[id as usize];
    let root = f
        .package
        .zip(f.target)
        .and_then(|(p, t)| ws.packages.get(p)?.targets.get(t))
        .and_then(|t| t.src_path.parent().map(|d| d.to_path_buf()));
    crate::analysis::index::module_of_path(&f.path, root.as_deref())
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
