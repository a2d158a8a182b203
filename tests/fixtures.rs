//! Fixture tests: every `fixtures/<rule>/<case>.rs` (or `<case>/` crate with
//! a `Cargo.toml`) is linted, and its findings must match its annotations
//! exactly:
//!
//! - `//~ rule-name` expects a finding of that rule whose primary span starts
//!   on this line; `//~^ rule-name` on the line above (`//~^^` two above).
//! - `//@ edition: 2024` in the first lines sets the edition (default 2021).
//!
//! Every finding must be annotated and every annotation found. Beside each
//! fixture, a `.stderr` holds the human output (no colour); `BLESS=1`
//! rewrites it (refused when `CI` is set).
//!
//! Each fixture is a test of its own (a `libtest-mimic` harness), named
//! `<rule>/<case>`: `cargo test --test fixtures -- busy-wait/` runs one
//! rule's, `-- --exact busy-wait/sleep_loop` one fixture. `FIXTURE=substring`
//! narrows the same way.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use async_sync_lint::driver::{self, Report, RunOptions};
use async_sync_lint::engine::EngineOptions;
use async_sync_lint::input::discover::DiscoverOptions;
use async_sync_lint::input::workspace::Edition;
use async_sync_lint::output::render::{self, MessageFormat, RenderOptions};
use async_sync_lint::rules;

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// A fixture: a single file, or a directory holding a small crate.
struct Fixture {
    path: PathBuf,
    /// The `.stderr` snapshot beside it.
    snapshot: PathBuf,
}

fn collect_fixtures() -> Vec<Fixture> {
    let mut out = Vec::new();
    let root = fixtures_root();
    let mut rule_dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures/ exists")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != "example-project"))
        .collect();
    rule_dirs.sort();
    for dir in rule_dirs {
        let mut entries: Vec<PathBuf> =
            std::fs::read_dir(&dir).expect("readable").map(|e| e.expect("readable").path()).collect();
        entries.sort();
        for p in entries {
            let is_file_fixture = p.extension().is_some_and(|e| e == "rs");
            let is_crate_fixture = p.is_dir() && p.join("Cargo.toml").exists();
            if is_file_fixture || is_crate_fixture {
                let snapshot = p.with_extension("stderr");
                out.push(Fixture { path: p, snapshot });
            }
        }
    }
    let filter = std::env::var("FIXTURE").unwrap_or_default();
    out.retain(|f| f.path.to_string_lossy().contains(&filter));
    out
}

/// (display path, line) → rule names expected there.
type Expectations = BTreeMap<(String, u32), Vec<String>>;

fn parse_annotations(display: &str, text: &str, out: &mut Expectations) {
    for (i, line) in text.lines().enumerate() {
        let line_no = i as u32 + 1;
        let Some(pos) = line.find("//~") else { continue };
        let rest = &line[pos + 3..];
        let ups = rest.chars().take_while(|c| *c == '^').count() as u32;
        let rules_text = rest[ups as usize..].trim();
        assert!(ups < line_no, "{display}:{line_no}: annotation points above the file");
        for rule in rules_text.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()) {
            out.entry((display.to_string(), line_no - ups)).or_default().push(rule.to_string());
        }
    }
}

fn edition_header(text: &str) -> Edition {
    for line in text.lines().take(5) {
        if let Some(rest) = line.trim().strip_prefix("//@ edition:") {
            return Edition::parse(rest.trim()).expect("a valid edition in the //@ header");
        }
    }
    Edition::E2021
}

fn lint_fixture(f: &Fixture) -> (Report, Expectations) {
    let mut expected = Expectations::new();
    if f.path.is_dir() {
        let opts = RunOptions {
            discover: DiscoverOptions { paths: vec![f.path.clone()], cwd: f.path.clone(), ..Default::default() },
            level_flags: Vec::new(),
            engine: EngineOptions { threads: Some(1), ..Default::default() },
        };
        let report = driver::run(&opts).expect("fixture crate lints");
        for file in &report.workspace.files {
            let text = std::fs::read_to_string(&file.path).expect("fixture readable");
            parse_annotations(&file.display, &text, &mut expected);
        }
        (report, expected)
    } else {
        let text = std::fs::read_to_string(&f.path).expect("fixture readable");
        let report = driver::run_file(&f.path, edition_header(&text), &[]).expect("fixture lints");
        parse_annotations(&report.workspace.files[0].display, &text, &mut expected);
        (report, expected)
    }
}

fn human(report: &Report) -> String {
    let mut buf = Vec::new();
    let opts = RenderOptions { format: MessageFormat::Human, color: false, tool_version: "test" };
    render::render(&mut buf, &report.workspace, &report.findings, &opts).expect("render");
    String::from_utf8(buf).expect("utf-8 output")
}

fn check_fixture(f: &Fixture) -> Result<(), String> {
    let (report, expected) = lint_fixture(f);
    let mut found = Expectations::new();
    let mut problems = String::new();
    for finding in &report.findings {
        // rustc's convention: lowercase start, no trailing period.
        let msg = &finding.message;
        if msg.starts_with(|c: char| c.is_uppercase()) || msg.ends_with('.') {
            let _ = writeln!(problems, "  message breaks the convention (lowercase, no final period): {msg:?}");
        }
        let display = &report.workspace.files[finding.file as usize].display;
        found.entry((display.clone(), finding.primary.line)).or_default().push(finding.rule.clone());
    }
    let keys: BTreeSet<&(String, u32)> = found.keys().chain(expected.keys()).collect();
    for key in keys {
        let got = found.get(key).cloned().unwrap_or_default();
        let want = expected.get(key).cloned().unwrap_or_default();
        for r in multiset_minus(&got, &want) {
            let _ = writeln!(problems, "  unexpected `{r}` at {}:{}", key.0, key.1);
        }
        for r in multiset_minus(&want, &got) {
            let _ = writeln!(problems, "  missing `{r}` at {}:{}", key.0, key.1);
        }
    }

    let rendered = human(&report);
    let bless = std::env::var_os("BLESS").is_some();
    if bless && std::env::var_os("CI").is_some() {
        panic!("BLESS is refused when CI is set: snapshots are only updated on purpose");
    }
    if bless {
        if rendered.is_empty() {
            let _ = std::fs::remove_file(&f.snapshot);
        } else {
            std::fs::write(&f.snapshot, &rendered).expect("write snapshot");
        }
    } else {
        let want = std::fs::read_to_string(&f.snapshot).unwrap_or_default();
        if want != rendered {
            let _ = writeln!(
                problems,
                "  human output differs from {} (run with BLESS=1 to update):\n--- expected\n{want}\n--- actual\n{rendered}",
                f.snapshot.display()
            );
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{}:\n{problems}", f.path.display()))
    }
}

/// Elements of `a` not matched one-for-one in `b`.
fn multiset_minus(a: &[String], b: &[String]) -> Vec<String> {
    let mut rest = b.to_vec();
    let mut out = Vec::new();
    for x in a {
        match rest.iter().position(|y| y == x) {
            Some(i) => {
                rest.remove(i);
            }
            None => out.push(x.clone()),
        }
    }
    out
}

fn main() {
    let args = libtest_mimic::Arguments::from_args();
    let mut trials: Vec<libtest_mimic::Trial> = Vec::new();
    let fixtures = collect_fixtures();
    if fixtures.is_empty() {
        trials.push(libtest_mimic::Trial::test("no_fixture_matches_the_filter", || {
            Err("no fixtures found (FIXTURE filter too narrow?)".into())
        }));
    }
    let root = fixtures_root();
    for f in fixtures {
        let name = f.path.strip_prefix(&root).unwrap_or(&f.path).with_extension("");
        let name = name.to_string_lossy().replace('\\', "/");
        trials.push(libtest_mimic::Trial::test(name, move || check_fixture(&f).map_err(Into::into)));
    }
    trials.push(libtest_mimic::Trial::test("every_rule_has_positive_and_negative_fixtures", || {
        every_rule_has_positive_and_negative_fixtures().map_err(Into::into)
    }));
    trials.push(libtest_mimic::Trial::test("no_orphan_snapshots", || no_orphan_snapshots().map_err(Into::into)));
    libtest_mimic::run(&args, trials).exit();
}

/// Every rule has a fixture directory with at least one fixture that
/// expects the rule and one that expects nothing of it (a negative).
fn every_rule_has_positive_and_negative_fixtures() -> Result<(), String> {
    for rule in rules::all() {
        let dir = fixtures_root().join(rule.name);
        if !dir.is_dir() {
            return Err(format!("rule `{}` has no fixtures/{}/ directory", rule.name, rule.name));
        }
        let mut positive = false;
        let mut negative = false;
        for entry in walk_rs(&dir) {
            let text = std::fs::read_to_string(&entry).expect("readable");
            if text.contains(&format!("//~ {}", rule.name)) || text.contains(&format!("^ {}", rule.name)) {
                positive = true;
            }
            if text.contains("// negative") || text.contains("// ok:") {
                negative = true;
            }
        }
        if !positive {
            return Err(format!("rule `{}` has no fixture that expects it", rule.name));
        }
        if !negative {
            return Err(format!("rule `{}` has no negative case (mark them `// ok: why`)", rule.name));
        }
    }
    Ok(())
}

/// No stale snapshots: every `.stderr` belongs to a fixture.
fn no_orphan_snapshots() -> Result<(), String> {
    for entry in walk(&fixtures_root()) {
        if entry.extension().is_some_and(|e| e == "stderr") {
            let rs = entry.with_extension("rs");
            let dir = entry.with_extension("");
            if !(rs.exists() || dir.is_dir()) {
                return Err(format!("orphan snapshot {}", entry.display()));
            }
        }
    }
    Ok(())
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("readable").map(|e| e.expect("readable").path()) {
        if e.is_dir() {
            out.extend(walk(&e));
        } else {
            out.push(e);
        }
    }
    out
}

fn walk_rs(dir: &Path) -> Vec<PathBuf> {
    walk(dir).into_iter().filter(|p| p.extension().is_some_and(|e| e == "rs")).collect()
}
