//! `asl-bench [CORPUS_DIR]`: measures async-sync-lint on real code.
//!
//! Without a directory, fetches the pinned corpus with
//! `shared/corpus/fetch.sh` into `target/corpus` (once). Every phase runs in
//! its own child process (`asl-bench --phase …`), so each peak resident set
//! size (`VmHWM`) and CPU time (`/proc/self/stat`) is that phase's alone.
//! Linux only (it reads `/proc`).
//!
//! Phases: `parse` (baseline: read + `syn::parse_file` of every file, all
//! cores), `lint` (the full run: discovery excluded, rules, crate-wide passes,
//! levels, suppressions, sorting), `lint` on one thread, `lint` without the
//! prefilter, `lint` with a cold then warm cache, and after one file changed;
//! then `parse` and `lint` on 1/4 and 1/2 of the packages.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use async_sync_lint::driver;
use async_sync_lint::engine::EngineOptions;
use async_sync_lint::input::discover::{discover, DiscoverOptions};
use async_sync_lint::input::workspace::Workspace;
use rayon::prelude::*;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = if args.first().map(String::as_str) == Some("--phase") {
        child(&args[1..])
    } else if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("usage: asl-bench [--quick] [CORPUS_DIR]   (default: fetch the pinned corpus into target/corpus)");
        println!("  --quick   only the parse baseline and the full lint, for iterating on speed");
        println!("  --edit-latency   the language server's lint of an unsaved edit in the largest package");
        Ok(())
    } else if args.first().map(String::as_str) == Some("--edit-latency") {
        corpus_dir(args.get(1).map(PathBuf::from)).and_then(|dir| edit_latency(&dir))
    } else {
        let quick = args.iter().any(|a| a == "--quick");
        parent(args.iter().find(|a| !a.starts_with("--")).map(PathBuf::from), quick)
    };
    if let Err(e) = result {
        eprintln!("asl-bench: {e}");
        std::process::exit(2);
    }
}

/// One phase's measurements, as the child reports them.
#[derive(Clone, Debug, Default)]
struct Measure {
    wall: f64,
    cpu: f64,
    rss_mb: f64,
    files: u64,
    bytes: u64,
    parsed: u64,
    cached: u64,
    findings: u64,
    /// Parse errors among the findings: files the prefilter skips are not
    /// parsed, so their syntax errors are not reported.
    parse_errors: u64,
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the repository exists")
}

/// The corpus directory: as given, or fetched into `target/corpus`.
fn corpus_dir(given: Option<PathBuf>) -> Result<PathBuf, String> {
    if let Some(d) = given {
        if !d.is_dir() {
            return Err(format!("{}: not a directory", d.display()));
        }
        return Ok(d);
    }
    let root = repo_root();
    let dest = root.join("target/corpus");
    if let Some(src) = unpacked(&dest) {
        return Ok(src);
    }
    let shared = [
        std::env::var_os("ASL_SHARED_DIR").map(PathBuf::from),
        Some(root.join("../shared")),
        Some(root.join("../../shared")),
    ]
    .into_iter()
    .flatten()
    .find(|d| d.join("corpus/fetch.sh").exists())
    .ok_or("no shared/corpus/fetch.sh beside the repository (set ASL_SHARED_DIR)")?;
    eprintln!("fetching the corpus into {} …", dest.display());
    let out = Command::new(shared.join("corpus/fetch.sh"))
        .arg(&dest)
        .current_dir(&root)
        .output()
        .map_err(|e| format!("cannot run fetch.sh: {e}"))?;
    if !out.status.success() {
        return Err(format!("fetch.sh failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

/// `DEST/cargo-home/registry/src/<index>` if the corpus is unpacked there.
fn unpacked(dest: &Path) -> Option<PathBuf> {
    let src = dest.join("cargo-home/registry/src");
    let dir = std::fs::read_dir(src).ok()?.filter_map(|e| e.ok()).map(|e| e.path()).find(|p| p.is_dir())?;
    (std::fs::read_dir(&dir).ok()?.count() > 100).then_some(dir)
}

fn run_child(dir: &Path, phase: &str, extra: &[&str]) -> Result<Measure, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(exe)
        .arg("--phase")
        .arg(phase)
        .arg(dir)
        .args(extra)
        .output()
        .map_err(|e| format!("cannot start phase {phase}: {e}"))?;
    if !out.status.success() {
        return Err(format!("phase {phase} {extra:?} failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("phase {phase}: bad report: {e}"))?;
    let f = |k: &str| v[k].as_f64().unwrap_or(0.0);
    let u = |k: &str| v[k].as_u64().unwrap_or(0);
    Ok(Measure {
        wall: f("wall"),
        cpu: f("cpu"),
        rss_mb: f("rss_mb"),
        files: u("files"),
        bytes: u("bytes"),
        parsed: u("parsed"),
        cached: u("cached"),
        findings: u("findings"),
        parse_errors: u("parse_errors"),
    })
}

fn parent(given: Option<PathBuf>, quick: bool) -> Result<(), String> {
    let dir = corpus_dir(given)?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let cache = std::env::temp_dir().join(format!("asl-bench-cache-{}", std::process::id()));
    let cache_s = cache.to_string_lossy().into_owned();
    println!("corpus: {}", dir.display());
    println!("cores: {cores}");
    println!();
    let row = |name: &str, m: &Measure| {
        println!(
            "{name:<34} {:>7.2} s wall {:>7.2} s cpu {:>7.0} MB peak   {:>6} files {:>6} parsed {:>5} cached {:>5} findings",
            m.wall, m.cpu, m.rss_mb, m.files, m.parsed, m.cached, m.findings
        );
        let _ = std::io::stdout().flush();
    };
    let parse = run_child(&dir, "parse", &[])?;
    row("1. parse only (syn), all cores", &parse);
    let lint = run_child(&dir, "lint", &[])?;
    row("2. full lint, all cores", &lint);
    if quick {
        println!();
        println!("  2/1 full lint / parse only      {:.2} ({:.2})", lint.wall / parse.wall, lint.cpu / parse.cpu);
        return Ok(());
    }
    let lint1 = run_child(&dir, "lint", &["--threads", "1"])?;
    row("3. full lint, 1 thread", &lint1);
    let nopf = run_child(&dir, "lint", &["--no-prefilter"])?;
    row("   full lint, no prefilter", &nopf);
    let _ = std::fs::remove_dir_all(&cache);
    let cold = run_child(&dir, "lint", &["--cache", &cache_s])?;
    row("   full lint, cache cold (writes)", &cold);
    let warm = run_child(&dir, "lint", &["--cache", &cache_s])?;
    row("4. full lint, cache warm", &warm);
    let touched = run_child(&dir, "lint", &["--cache", &cache_s, "--touch"])?;
    row("4. full lint, one file changed", &touched);
    let _ = std::fs::remove_dir_all(&cache);
    println!();
    println!("growth (every 4th / every 2nd / all packages):");
    let mut growth = Vec::new();
    for (frac, label) in [("4", "1/4"), ("2", "1/2")] {
        let p = run_child(&dir, "parse", &["--every", frac])?;
        let l = run_child(&dir, "lint", &["--every", frac])?;
        growth.push((label, p, l));
    }
    growth.push(("all", parse.clone(), lint.clone()));
    for (label, p, l) in &growth {
        let mb = l.bytes as f64 / 1e6;
        println!(
            "  {label:<4} {:>7.1} MB  parse {:>6.2} s cpu {:>5.0} MB peak   lint {:>6.2} s cpu {:>5.0} MB peak   lint {:>5.1} ms cpu/MB",
            mb,
            p.cpu,
            p.rss_mb,
            l.cpu,
            l.rss_mb,
            1000.0 * l.cpu / mb.max(1e-9)
        );
    }
    println!();
    println!("ratios (wall; cpu in brackets):");
    println!("  2/1 full lint / parse only      {:.2} ({:.2})", lint.wall / parse.wall, lint.cpu / parse.cpu);
    println!(
        "  3/2 one thread / all cores      {:.2} (parallel speed-up; cpu/wall of 2: {:.2})",
        lint1.wall / lint.wall,
        lint.cpu / lint.wall
    );
    println!("  4/2 warm cache / cold           {:.2} ({:.2})", warm.wall / lint.wall, warm.cpu / lint.cpu);
    println!("  4'/2 one file changed / cold    {:.2} ({:.2})", touched.wall / lint.wall, touched.cpu / lint.cpu);
    println!("  no prefilter / prefilter        {:.2} ({:.2})", nopf.wall / lint.wall, nopf.cpu / lint.cpu);
    let rule_findings = |m: &Measure| m.findings - m.parse_errors;
    println!(
        "  findings without / with prefilter: {} / {} ({} / {} of them parse errors)",
        nopf.findings, lint.findings, nopf.parse_errors, lint.parse_errors
    );
    if rule_findings(&nopf) != rule_findings(&lint) {
        return Err("the prefilter changed the findings (run the prefilter_corpus test for the list)".into());
    }
    Ok(())
}

/// Arguments of a child: `DIR [--threads N] [--every K] [--no-prefilter]
/// [--cache DIR] [--touch]`.
struct ChildArgs {
    dir: PathBuf,
    threads: Option<usize>,
    every: usize,
    prefilter: bool,
    cache: Option<PathBuf>,
    touch: bool,
}

fn child_args(args: &[String]) -> Result<ChildArgs, String> {
    let mut it = args.iter();
    let dir = PathBuf::from(it.next().ok_or("missing corpus dir")?);
    let mut a = ChildArgs { dir, threads: None, every: 1, prefilter: true, cache: None, touch: false };
    while let Some(arg) = it.next() {
        let mut value = || it.next().cloned().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--threads" => a.threads = Some(value()?.parse().map_err(|e| format!("--threads: {e}"))?),
            "--every" => a.every = value()?.parse().map_err(|e| format!("--every: {e}"))?,
            "--cache" => a.cache = Some(PathBuf::from(value()?)),
            "--no-prefilter" => a.prefilter = false,
            "--touch" => a.touch = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(a)
}

/// Discovers the corpus and keeps every `every`-th package (and the files
/// outside packages when `every` is 1).
fn workspace(a: &ChildArgs) -> Result<Workspace, String> {
    let cwd = std::env::current_dir().map_err(|e| e.to_string())?;
    let mut ws = discover(&DiscoverOptions { paths: vec![a.dir.clone()], cwd, ..DiscoverOptions::default() })
        .map_err(|e| e.to_string())?;
    if a.every > 1 {
        ws.files.retain(|f| f.package.is_some_and(|p| p % a.every == 0));
    }
    Ok(ws)
}

fn child(args: &[String]) -> Result<(), String> {
    let phase = args.first().ok_or("missing phase")?.clone();
    let a = child_args(&args[1..])?;
    let mut ws = workspace(&a)?;
    let bytes: u64 = ws.files.iter().filter_map(|f| std::fs::metadata(&f.path).ok()).map(|m| m.len()).sum();
    let mut touched_copy = None;
    if a.touch {
        // "Touch" one file by linting a changed copy in its place: the
        // corpus itself is never written.
        let i = ws
            .files
            .iter()
            .position(|f| f.display.contains("tokio-") && f.display.ends_with("src/sync/mutex.rs"))
            .ok_or("no tokio/src/sync/mutex.rs in the corpus to touch")?;
        let mut text = std::fs::read(&ws.files[i].path).map_err(|e| e.to_string())?;
        text.extend_from_slice(b"\n// touched by asl-bench\n");
        let copy = std::env::temp_dir().join(format!("asl-bench-touched-{}.rs", std::process::id()));
        std::fs::write(&copy, text).map_err(|e| e.to_string())?;
        ws.files[i].path = copy.clone();
        touched_copy = Some(copy);
    }
    let files = ws.files.len() as u64;
    let (cpu0, t0) = (cpu_seconds(), Instant::now());
    let (parsed, cached, findings, parse_errors) = match phase.as_str() {
        "parse" => (parse_all(&ws, a.threads), 0, 0, 0),
        "lint" => {
            let opts = EngineOptions {
                threads: a.threads,
                prefilter: a.prefilter,
                cache_dir: a.cache.clone(),
                ..EngineOptions::default()
            };
            let report = driver::run_on_workspace(ws, &[], &opts, false).map_err(|e| e.to_string())?;
            let parse_errors = report.findings.iter().filter(|f| f.rule == "parse-error").count() as u64;
            (report.stats.parsed as u64, report.stats.cached as u64, report.findings.len() as u64, parse_errors)
        }
        other => return Err(format!("unknown phase {other}")),
    };
    let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_seconds() - cpu0);
    if let Some(copy) = touched_copy {
        let _ = std::fs::remove_file(copy);
    }
    let report = serde_json::json!({
        "wall": wall, "cpu": cpu, "rss_mb": peak_rss_mb(), "files": files, "bytes": bytes,
        "parsed": parsed, "cached": cached, "findings": findings, "parse_errors": parse_errors,
    });
    println!("{report}");
    Ok(())
}

/// The baseline: read and `syn::parse_file` every file, in a pool set up as
/// the linter's (one thread per core, large stacks).
fn parse_all(ws: &Workspace, threads: Option<usize>) -> u64 {
    let mut b = rayon::ThreadPoolBuilder::new().stack_size(256 << 20);
    if let Some(n) = threads {
        b = b.num_threads(n);
    }
    let pool = b.build().expect("a thread pool");
    pool.install(|| {
        ws.files
            .par_iter()
            .filter(|f| {
                let Ok(text) = std::fs::read_to_string(&f.path) else { return false };
                proc_macro2::extra::invalidate_current_thread_spans();
                syn::parse_file(&text).is_ok()
            })
            .count() as u64
    })
}

/// User + system CPU seconds of this process (all threads), from
/// `/proc/self/stat` (fields 14 and 15, in clock ticks of 1/100 s, the
/// fixed `USER_HZ` of Linux's user ABI).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    // The command name (field 2) may hold spaces; count after its `)`.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    // After `)`: state is field 3, so utime (14) is index 11, stime (15) 12.
    (ticks(11) + ticks(12)) / 100.0
}

/// Peak resident set size of this process, from `VmHWM`.
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The language server's latency for an edit: the largest package of the
/// corpus (at least 300 files), its cache warm, one file's text changed in
/// memory (as an editor's buffer) and its package linted, 31 times; prints
/// the median. The corpus is never written.
fn edit_latency(corpus: &Path) -> Result<(), String> {
    let ws = discover(&DiscoverOptions {
        paths: vec![corpus.to_path_buf()],
        cwd: corpus.to_path_buf(),
        ..Default::default()
    })
    .map_err(|e| e.to_string())?;
    let mut sizes: std::collections::HashMap<PathBuf, usize> = std::collections::HashMap::new();
    for f in &ws.files {
        if let Some(dir) = f.path.ancestors().skip(1).find(|d| d.join("Cargo.toml").is_file()) {
            *sizes.entry(dir.to_path_buf()).or_default() += 1;
        }
    }
    let (package, count) = sizes.into_iter().max_by_key(|&(_, n)| n).ok_or("no package in the corpus")?;
    if count < 300 {
        return Err(format!("the largest package has {count} files, fewer than 300"));
    }
    // The file to edit: the package's largest (the costliest to re-parse).
    let file = ws
        .files
        .iter()
        .filter(|f| f.path.starts_with(&package))
        .filter_map(|f| Some((std::fs::read_to_string(&f.path).ok()?, f)))
        .max_by_key(|(t, _)| t.len())
        .ok_or("no readable file in the package")?;
    let (text, path) = (file.0, file.1.path.clone());
    let mut linter = async_sync_lint_server::Linter::default();
    // Warm: discovery and the package's cache, as when the buffer was opened.
    let opened: async_sync_lint::engine::Overlay = [(path.clone(), text.as_str().into())].into_iter().collect();
    linter.lint_package_of(&path, &opened)?;
    let mut times = Vec::new();
    for i in 0..31 {
        let edited = format!("{text}\nfn edited_{i}() {{}}\n");
        let overlay: async_sync_lint::engine::Overlay = [(path.clone(), edited.into())].into_iter().collect();
        let t0 = Instant::now();
        let lint = linter.lint_package_of(&path, &overlay)?;
        times.push(t0.elapsed().as_secs_f64() * 1000.0);
        assert!(lint.workspace.files.len() >= 300);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "edit latency: {} ({count} files), editing {}: median {:.1} ms, min {:.1} ms, max {:.1} ms over {} edits",
        package.display(),
        path.display(),
        times[times.len() / 2],
        times[0],
        times[times.len() - 1],
        times.len()
    );
    Ok(())
}
