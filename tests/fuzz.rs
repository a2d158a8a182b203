//! A deterministic fuzz test on stable: real files (our fixtures, and a fixed
//! sample of the pinned corpus when `ASL_CORPUS` is set) are mutated —
//! token ranges deleted, duplicated and swapped, files truncated, deep
//! nesting and stray delimiters injected, invalid UTF-8 spliced in — and
//! every mutant must lint (parse, extract, index, rules, rendering) with no
//! panic, no internal error, and in bounded time.
//!
//! Fixed seed and count: a failure reproduces. `ASL_FUZZ_SEED=n` and
//! `ASL_FUZZ_ROUNDS=n` (mutants per input file) explore further; a failing
//! mutant is saved under `target/fuzz-failures/`.

#[allow(dead_code)] // the lookup only: fuzzing runs without a corpus too
#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/files.rs"]
mod files;
#[path = "../fuzz/fuzz_targets/one_input.rs"]
mod one_input;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use async_sync_lint::diagnostic::engine_codes;
use async_sync_lint::driver;
use async_sync_lint::input::workspace::Edition;
use async_sync_lint::output::render::{self, MessageFormat, RenderOptions};

/// Generous: a loaded 2-core machine running a test build.
const PER_FILE: Duration = Duration::from_secs(10);
const SEED: u64 = 0x5eed_a5c1_2024_0009;
/// Mutants per fixture file and per sampled corpus file.
const FIXTURE_ROUNDS: usize = 40;
const CORPUS_ROUNDS: usize = 6;
/// Every n-th corpus file (sorted by path) is sampled.
const CORPUS_STRIDE: usize = 50;

/// xorshift64*: tiny, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Byte offsets where a token starts (a crude lexer: runs of identifier
/// characters, runs of whitespace, single punctuation bytes).
fn token_starts(b: &[u8]) -> Vec<usize> {
    let class = |c: u8| match c {
        c if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 => 0,
        c if c.is_ascii_whitespace() => 1,
        _ => 2,
    };
    let mut out = vec![0];
    for i in 1..b.len() {
        let (p, c) = (class(b[i - 1]), class(b[i]));
        if p != c || c == 2 {
            out.push(i);
        }
    }
    out.push(b.len());
    out
}

/// A random range of up to `max` whole tokens.
fn token_range(rng: &mut Rng, starts: &[usize], max: usize) -> (usize, usize) {
    let n = starts.len() - 1;
    let i = rng.below(n.max(1));
    let j = (i + 1 + rng.below(max)).min(n);
    (starts[i], starts[j])
}

const INJECT: &[&str] = &[
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "<",
    ">",
    "'",
    "\"",
    "r#\"",
    "\"#",
    "/*",
    "*/",
    "//",
    "#[",
    "#![",
    "?",
    ".await",
    "async ",
    "move ",
    "|| ",
    "=>",
    "::",
    "$",
    "\\",
    "\u{feff}",
    "\r",
    "\0",
    "'a",
    "b'",
    "é",
    "🦀",
    "macro_rules! ",
    "lock().unwrap()",
    "drop(",
    ";",
    ",",
    "else ",
];

const DEEP: &[&str] = &["(", "{", "[", ".a()", "!", "|| ", " else if a {}", "&", "x + ", "x = ", "?", "V<", "return "];

/// One mutation, described for the failure message.
fn mutate(rng: &mut Rng, b: &mut Vec<u8>) -> String {
    let starts = token_starts(b);
    match rng.below(8) {
        0 => {
            let (lo, hi) = token_range(rng, &starts, 30);
            b.drain(lo..hi);
            format!("delete {lo}..{hi}")
        }
        1 => {
            let (lo, hi) = token_range(rng, &starts, 30);
            let copy = b[lo..hi].to_vec();
            let at = starts[rng.below(starts.len())];
            b.splice(at..at, copy);
            format!("duplicate {lo}..{hi} at {at}")
        }
        2 => {
            let (a0, a1) = token_range(rng, &starts, 20);
            let (c0, c1) = token_range(rng, &starts, 20);
            let ((a0, a1), (c0, c1)) = if a0 <= c0 { ((a0, a1), (c0, c1)) } else { ((c0, c1), (a0, a1)) };
            if a1 > c0 {
                return "swap (overlapping: none)".to_string();
            }
            let (first, second) = (b[a0..a1].to_vec(), b[c0..c1].to_vec());
            b.splice(c0..c1, first);
            b.splice(a0..a1, second);
            format!("swap {a0}..{a1} with {c0}..{c1}")
        }
        3 => {
            let at = rng.below(b.len() + 1);
            b.truncate(at);
            format!("truncate at {at}")
        }
        4 => {
            let unit = DEEP[rng.below(DEEP.len())];
            let n = [10, 500, 3000, 20_000][rng.below(4)] + rng.below(100);
            let at = starts[rng.below(starts.len())];
            b.splice(at..at, unit.repeat(n).into_bytes());
            format!("inject {n} × {unit:?} at {at}")
        }
        5 => {
            let at = rng.below(b.len() + 1);
            let bytes: Vec<u8> = (0..1 + rng.below(4)).map(|_| 0x80 + rng.below(0x80) as u8).collect();
            b.splice(at..at, bytes.iter().copied());
            format!("invalid UTF-8 {bytes:02x?} at {at}")
        }
        _ => {
            let s = INJECT[rng.below(INJECT.len())];
            let at = starts[rng.below(starts.len())];
            b.splice(at..at, s.bytes());
            format!("inject {s:?} at {at}")
        }
    }
}

struct Failure {
    input: PathBuf,
    mutations: Vec<String>,
    problem: String,
    mutant: Vec<u8>,
}

/// Lints one mutant through the whole pipeline and renders the report.
fn check_mutant(path: &Path) -> Result<Duration, String> {
    let start = Instant::now();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let report = driver::run_file(path, Edition::E2021, &[]).map_err(|e| e.0)?;
        let mut buf = Vec::new();
        let ropts = RenderOptions { format: MessageFormat::Json, color: false, tool_version: "fuzz" };
        render::render(&mut buf, &report.workspace, &report.findings, &ropts).map_err(|e| e.to_string())?;
        Ok::<_, String>(report)
    }));
    let elapsed = start.elapsed();
    let report = match outcome {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return Err(format!("run failed: {e}")),
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            return Err(format!("panicked: {msg}"));
        }
    };
    if let Some(f) = report.findings.iter().find(|f| f.rule == engine_codes::INTERNAL_ERROR) {
        return Err(format!("internal error: {}", f.message));
    }
    if elapsed > PER_FILE {
        return Err(format!("took {elapsed:?}"));
    }
    Ok(elapsed)
}

fn env_usize(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|s| s.parse().ok())
}

fn fuzz() -> Result<String, Failure> {
    let seed = env_usize("ASL_FUZZ_SEED").unwrap_or(SEED);
    let rounds_override = env_usize("ASL_FUZZ_ROUNDS").map(|n| n as usize);
    let mut inputs: Vec<(PathBuf, usize)> = Vec::new();
    let fixtures = files::rs_files(&repo().join("fixtures"));
    assert!(fixtures.len() >= 20, "the fixtures should be found: {}", fixtures.len());
    inputs.extend(fixtures.into_iter().map(|p| (p, rounds_override.unwrap_or(FIXTURE_ROUNDS))));
    let mut corpus_note = "no corpus (set ASL_CORPUS or run scripts/test to fuzz a sample of it)".to_string();
    if let Some(dir) = corpus::corpus() {
        let all = files::rs_files(&dir);
        let sample: Vec<PathBuf> = all.into_iter().step_by(CORPUS_STRIDE).collect();
        corpus_note = format!("{} corpus files", sample.len());
        assert!(sample.len() > 100, "the corpus sample is too small: {}", sample.len());
        inputs.extend(sample.into_iter().map(|p| (p, rounds_override.unwrap_or(CORPUS_ROUNDS))));
    }

    let tmp = tempfile::tempdir().expect("tempdir");
    let mutant_path = tmp.path().join("mutant.rs");
    let mut rng = Rng(seed | 1);
    let (mut count, mut slowest) = (0usize, (Duration::ZERO, String::new()));
    let start = Instant::now();
    for (input, rounds) in &inputs {
        let original = std::fs::read(input).expect("readable input");
        for _ in 0..*rounds {
            let mut bytes = original.clone();
            let mutations: Vec<String> = (0..1 + rng.below(3)).map(|_| mutate(&mut rng, &mut bytes)).collect();
            std::fs::write(&mutant_path, &bytes).expect("write mutant");
            count += 1;
            match check_mutant(&mutant_path) {
                Ok(t) if t > slowest.0 => slowest = (t, format!("{} ({})", input.display(), mutations.join("; "))),
                Ok(_) => {}
                Err(problem) => return Err(Failure { input: input.clone(), mutations, problem, mutant: bytes }),
            }
        }
    }
    Ok(format!(
        "fuzz: seed {seed:#x}, {count} mutants of {} files ({corpus_note}) in {:.1?}; slowest {:?}: {}",
        inputs.len(),
        start.elapsed(),
        slowest.0,
        slowest.1
    ))
}

#[test]
fn mutated_real_files_lint_without_panics_internal_errors_or_hangs() {
    // The engine parses on 256 MB worker stacks; the test's own thread
    // only drives it, but give it room for rendering deep reports too.
    let result = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(fuzz)
        .expect("spawn")
        .join()
        .expect("the fuzz driver does not panic");
    match result {
        Ok(summary) => eprintln!("{summary}"),
        Err(f) => {
            let dir = repo().join("target/fuzz-failures");
            std::fs::create_dir_all(&dir).expect("mkdir");
            let name = f.input.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let saved = dir.join(name);
            std::fs::write(&saved, &f.mutant).expect("save the mutant");
            panic!(
                "{}\n  input: {}\n  mutations: {}\n  mutant saved to {}",
                f.problem,
                f.input.display(),
                f.mutations.join("; "),
                saved.display()
            );
        }
    }
}

/// The `cargo fuzz` target's entry (`fuzz/`), run here on stable over the
/// fixtures in every edition, so that it keeps compiling and keeps linting:
/// every fixture with an expected finding yields at least one.
#[test]
fn the_cargo_fuzz_entry_lints_every_fixture() {
    let fixtures = files::rs_files(&repo().join("fixtures"));
    let mut with_findings = 0;
    for path in &fixtures {
        let text = std::fs::read(path).expect("readable fixture");
        let expects = String::from_utf8_lossy(&text).contains("//~");
        let mut found = 0;
        for edition in 0u8..3 {
            let mut data = vec![edition];
            data.extend_from_slice(&text);
            found = found.max(one_input::lint_one(&data));
        }
        // A multi-file fixture's findings may need its other files.
        let single = !path.components().any(|c| c.as_os_str() == "src");
        if expects && single {
            assert!(found > 0, "{}: no finding through the fuzz entry", path.display());
            with_findings += 1;
        }
    }
    // 43 today: guards against the walk silently finding nothing.
    assert!(with_findings >= 40, "only {with_findings} fixtures checked");
}
