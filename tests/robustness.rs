//! Hostile input: whatever the files and the file system hold, the linter
//! reports a located diagnostic or a clear error, lints every other file,
//! never crashes, never hangs, and never writes a user file.

#[path = "support/deep.rs"]
mod deep;
#[path = "support/files.rs"]
mod files;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant, SystemTime};

use async_sync_lint::diagnostic::{engine_codes, Finding};
use async_sync_lint::driver::{self, Report, RunOptions};
use async_sync_lint::engine::EngineOptions;
use async_sync_lint::input::discover::{discover, DiscoverOptions};
use async_sync_lint::input::nesting::{self, MAX_DEPTH};
use async_sync_lint::input::workspace::Edition;

/// A file with one `sync-guard-across-await` finding at 3:13.
const HELD: &str = "use std::sync::Mutex;\nasync fn f(m: &Mutex<u32>) {\n    let g = m.lock().unwrap();\n    g2().await;\n    let _ = *g;\n}\nasync fn g2() {}\n";
const RULE: &str = "sync-guard-across-await";

/// Generous: a loaded 2-core machine running a test build.
const PER_FILE: Duration = Duration::from_secs(10);

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&p, bytes).expect("write");
    p
}

fn lint_paths(cwd: &Path, paths: &[&Path]) -> Report {
    let opts = RunOptions {
        discover: DiscoverOptions {
            paths: paths.iter().map(|p| p.to_path_buf()).collect(),
            cwd: cwd.to_path_buf(),
            ..Default::default()
        },
        level_flags: Vec::new(),
        engine: EngineOptions { threads: Some(2), ..EngineOptions::default() },
    };
    driver::run(&opts).expect("the run starts")
}

fn findings_of<'r>(report: &'r Report, display: &str) -> Vec<&'r Finding> {
    report.findings.iter().filter(|f| report.workspace.files[f.file as usize].display == display).collect()
}

fn assert_no_internal_error(report: &Report) {
    let bad: Vec<_> = report.findings.iter().filter(|f| f.rule == engine_codes::INTERNAL_ERROR).collect();
    assert!(bad.is_empty(), "internal errors: {bad:#?}");
}

/// The held file was linted: its one finding is there.
fn assert_held_linted(report: &Report, display: &str) {
    let f = findings_of(report, display);
    assert!(
        f.iter().any(|f| f.rule == RULE && f.primary.line == 3 && f.primary.col == 13),
        "{display} should still be linted: {f:#?}"
    );
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cargo-async-sync-lint"));
    c.env("NO_COLOR", "1");
    c
}

fn run_bin(args: &[&str], dir: &Path) -> Output {
    bin().args(args).current_dir(dir).output().expect("the binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Whether file permissions stop this process (they do not for root).
fn permissions_bite(dir: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let probe = write(dir, "probe", "x");
    std::fs::set_permissions(&probe, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let bites = std::fs::read(&probe).is_err();
    std::fs::set_permissions(&probe, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    std::fs::remove_file(&probe).expect("rm");
    bites
}

// ---------------------------------------------------------------- nesting

/// The line of `src` that holds the deep construct (its longest line).
fn deep_line(src: &str) -> u32 {
    let (i, _) = src.lines().enumerate().max_by_key(|(_, l)| l.len()).expect("lines");
    i as u32 + 1
}

#[test]
fn deep_nesting_of_every_kind_is_a_located_parse_error_and_other_files_are_linted() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "held.rs", HELD);
    let mut names = Vec::new();
    for kind in deep::KINDS {
        let name = format!("deep_{kind}.rs");
        write(dir.path(), &name, deep::deep(kind, 100_000));
        names.push((kind, name));
    }
    let start = Instant::now();
    let report = lint_paths(dir.path(), &[dir.path()]);
    let elapsed = start.elapsed();
    assert_no_internal_error(&report);
    assert_held_linted(&report, "held.rs");
    for (kind, name) in names {
        let src = deep::deep(kind, 100_000);
        let f = findings_of(&report, &name);
        assert_eq!(f.len(), 1, "{kind}: {f:#?}");
        assert_eq!(f[0].rule, engine_codes::PARSE_ERROR, "{kind}");
        assert!(
            f[0].message.starts_with("too deeply nested") || f[0].message.starts_with("nesting deeper than"),
            "{kind}: {}",
            f[0].message
        );
        assert_eq!(f[0].primary.line, deep_line(&src), "{kind}: the error points into the deep construct");
    }
    assert!(elapsed < PER_FILE * 2, "{} files of 100k levels took {elapsed:?}", deep::KINDS.len());
}

/// The largest `n` whose source the pre-check lets through to the parser.
fn largest_accepted(kind: &str) -> usize {
    let (mut lo, mut hi) = (1usize, 4 * MAX_DEPTH);
    assert!(nesting::check(&deep::deep(kind, hi)).is_some(), "{kind}: {hi} levels should be refused");
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if nesting::check(&deep::deep(kind, mid)).is_none() {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Every construct at the deepest nesting the pre-check accepts parses and
/// is linted on a worker stack without overflowing (an overflow would abort
/// this test binary) and in bounded time. By experiment, every kind still
/// parses at 30k levels and the first overflows are beyond that: the limit
/// leaves a margin of ten.
#[test]
fn deepest_accepted_nesting_of_every_kind_is_linted_in_bounded_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut slowest = (Duration::ZERO, "");
    for kind in deep::KINDS {
        let n = largest_accepted(kind);
        let path = write(dir.path(), &format!("{kind}.rs"), deep::deep(kind, n));
        let start = Instant::now();
        let report = driver::run_file(&path, Edition::E2021, &[]).expect("runs");
        let elapsed = start.elapsed();
        assert_no_internal_error(&report);
        for f in &report.findings {
            assert!(
                !(f.message.starts_with("too deeply nested") || f.message.starts_with("nesting deeper")),
                "{kind} at {n} levels was accepted by the pre-check: {}",
                f.message
            );
        }
        assert!(elapsed < PER_FILE, "{kind} at {n} levels took {elapsed:?}");
        if elapsed > slowest.0 {
            slowest = (elapsed, kind);
        }
    }
    eprintln!("deepest accepted nesting: slowest kind {} in {:?}", slowest.1, slowest.0);
}

// ------------------------------------------------------------- big files

/// ~50 MB of ordinary code: one `sync-guard-across-await` per unit.
fn big_source(target: usize) -> (String, usize) {
    let mut s = String::with_capacity(target + 4096);
    s.push_str("use std::sync::Mutex;\n");
    let mut units = 0;
    while s.len() < target {
        s.push_str(&format!(
            "/// Unit {units}: a struct, a sync method and an async one.\n\
             pub struct S{units} {{ m: Mutex<Vec<u32>>, name: String }}\n\
             impl S{units} {{\n    pub fn len(&self) -> usize {{\n        let v = self.m.lock().unwrap();\n        v.iter().filter(|x| **x > {units}).count() + self.name.len()\n    }}\n\
             \x20   pub async fn run(&self) {{\n        let g = self.m.lock().unwrap();\n        tick({units}).await;\n        drop(g);\n    }}\n}}\n"
        ));
        units += 1;
    }
    s.push_str("async fn tick(_: u32) {}\n");
    (s, units)
}

#[test]
fn a_fifty_megabyte_file_is_linted_in_bounded_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (src, units) = big_source(50 << 20);
    let path = write(dir.path(), "big.rs", &src);
    drop(src);
    let start = Instant::now();
    let report = driver::run_file(&path, Edition::E2021, &[]).expect("runs");
    let elapsed = start.elapsed();
    assert_no_internal_error(&report);
    let held = report.findings.iter().filter(|f| f.rule == RULE).count();
    assert_eq!(held, units, "one finding per unit");
    // The last unit's finding is located at the right line (spans survive
    // offsets beyond 2^25).
    let last = report.findings.iter().filter(|f| f.rule == RULE).map(|f| f.primary.line).max();
    assert_eq!(last, Some(1 + (units as u32 - 1) * 13 + 9));
    eprintln!("50 MB, {units} units: {elapsed:?}");
    assert!(elapsed < Duration::from_secs(120), "50 MB took {elapsed:?}");
}

/// A huge file is parsed in chunks of whole items (`chunks`): on every
/// fixture, cut at every item boundary, and on a BOM + CRLF file, the facts
/// are exactly those of the whole-file parse.
#[test]
fn chunked_extraction_yields_the_facts_of_a_whole_parse() {
    use async_sync_lint::analysis::extract;
    use async_sync_lint::input::{chunks, source::prepare_for_parse};
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut texts: Vec<(PathBuf, String)> = files::rs_files(&root)
        .into_iter()
        .map(|p| {
            let t = std::fs::read_to_string(&p).expect("fixture is UTF-8");
            (p, t)
        })
        .collect();
    texts.push((PathBuf::from("bom_crlf.rs"), format!("\u{feff}{}", HELD.replace('\n', "\r\n"))));
    texts.push((PathBuf::from("cfg_test.rs"), format!("#![cfg(test)]\n{HELD}")));
    let mut cut = 0;
    for (path, raw) in &texts {
        let input = prepare_for_parse(raw);
        let Ok(file) = syn::parse_file(&input.text) else { continue };
        let whole = extract::extract(&file, raw, input.offset, Edition::E2021);
        let parts = chunks::split(&input.text, 1);
        cut += parts.len() - 1;
        let chunked =
            extract::extract_chunked(&input.text, &parts, raw, input.offset, Edition::E2021, &Default::default())
                .unwrap_or_else(|| panic!("{}: a chunk did not parse", path.display()));
        assert_eq!(chunked, whole, "{}", path.display());
    }
    assert!(cut > 500, "only {cut} cuts: the fixtures were not split");
}

/// A chunk that does not parse makes the whole file parse, so the error is
/// reported where it is, and the file's other findings are not half-made.
#[test]
fn a_huge_file_with_a_syntax_error_reports_it_where_it_is() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut src, _) = big_source(6 << 20);
    let line = src[..src.len() / 2].matches('\n').count() + 1;
    let at = src[..src.len() / 2].rfind('\n').expect("a line") + 1;
    src.insert_str(at, "fn broken( {\n");
    let path = write(dir.path(), "huge_broken.rs", &src);
    let report = driver::run_file(&path, Edition::E2021, &[]).expect("runs");
    assert_no_internal_error(&report);
    let errors: Vec<_> = report.findings.iter().filter(|f| f.rule == engine_codes::PARSE_ERROR).collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].primary.line as usize >= line, "{:?} before line {line}", errors[0].primary);
}

// ------------------------------------------------------------ bytes, BOM

#[test]
fn invalid_utf8_is_a_parse_error_at_the_byte_and_other_files_are_linted() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "held.rs", HELD);
    let mut bytes = b"fn a() {}\n// \xc3\xa9t\xc3\xa9\nfn b() { let s = \"ab".to_vec();
    bytes.extend_from_slice(b"\xff\xfe\";\n}\n");
    write(dir.path(), "bad.rs", &bytes);
    write(dir.path(), "nul.rs", b"fn a() {}\0\0\0\n");
    write(dir.path(), "lone_surrogate.rs", b"fn a() { \"\xed\xa0\x80\" }\n");
    let report = lint_paths(dir.path(), &[dir.path()]);
    assert_no_internal_error(&report);
    assert_held_linted(&report, "held.rs");
    let f = findings_of(&report, "bad.rs");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].rule, engine_codes::PARSE_ERROR);
    assert_eq!((f[0].primary.line, f[0].primary.col), (3, 21), "{}", f[0].message);
    assert!(f[0].message.contains("not valid UTF-8"), "{}", f[0].message);
    let f = findings_of(&report, "nul.rs");
    assert!(f.iter().all(|f| f.rule == engine_codes::PARSE_ERROR), "{f:#?}");
    let f = findings_of(&report, "lone_surrogate.rs");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!((f[0].primary.line, f[0].primary.col), (1, 11), "{}", f[0].message);
}

/// Line, column, end line, end column.
type Place = (u32, u32, u32, u32);

fn spans_of(report: &Report) -> Vec<(String, Vec<Place>)> {
    report
        .findings
        .iter()
        .map(|f| {
            let mut spans = vec![(f.primary.line, f.primary.col, f.primary.end_line, f.primary.end_col)];
            spans.extend(f.labels.iter().map(|l| (l.span.line, l.span.col, l.span.end_line, l.span.end_col)));
            (f.rule.clone(), spans)
        })
        .collect()
}

#[test]
fn bom_and_crlf_files_keep_their_spans() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lf = write(dir.path(), "lf.rs", HELD);
    let expected = spans_of(&driver::run_file(&lf, Edition::E2021, &[]).expect("runs"));
    assert_eq!(expected.len(), 1, "{expected:?}");
    let crlf = HELD.replace('\n', "\r\n");
    for (name, text) in [
        ("crlf.rs", crlf.clone()),
        ("bom.rs", format!("\u{feff}{HELD}")),
        ("bom_crlf.rs", format!("\u{feff}{crlf}")),
        ("cr_only_comment.rs", HELD.replacen("\n", " // a\rb\n", 1)),
    ] {
        let path = write(dir.path(), name, &text);
        let report = driver::run_file(&path, Edition::E2021, &[]).expect("runs");
        assert_eq!(spans_of(&report), expected, "{name}");
    }
    // A parse error in a BOM + CRLF file is located like in the plain file.
    // (`async` keeps the prefilter from skipping it: a skipped file is never
    // parsed, so it has no parse error to locate.)
    let broken = "async fn a() {}\nfn b() { let x = ; }\n";
    let plain = write(dir.path(), "broken.rs", broken);
    let expected = spans_of(&driver::run_file(&plain, Edition::E2021, &[]).expect("runs"));
    let bom = write(dir.path(), "broken_bom.rs", format!("\u{feff}{}", broken.replace('\n', "\r\n")));
    assert_eq!(spans_of(&driver::run_file(&bom, Edition::E2021, &[]).expect("runs")), expected);
    assert_eq!(expected[0].1[0].0, 2, "{expected:?}");
}

// ------------------------------------------------------------ file system

#[test]
fn a_file_deleted_between_discovery_and_reading_is_an_io_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "held.rs", HELD);
    let gone = write(dir.path(), "gone.rs", HELD);
    let opts =
        DiscoverOptions { paths: vec![dir.path().to_path_buf()], cwd: dir.path().to_path_buf(), ..Default::default() };
    let ws = discover(&opts).expect("discovers");
    assert_eq!(ws.files.len(), 2);
    std::fs::remove_file(&gone).expect("rm");
    let report = driver::run_on_workspace(ws, &[], &EngineOptions::default(), false).expect("runs");
    assert_no_internal_error(&report);
    assert_held_linted(&report, "held.rs");
    let f = findings_of(&report, "gone.rs");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].rule, engine_codes::IO_ERROR);
    assert!(f[0].message.starts_with("could not read file"), "{}", f[0].message);
    assert_eq!(report.exit_code(), 2, "an unread file makes the run incomplete");
}

#[test]
fn a_file_replaced_by_a_directory_is_an_io_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "held.rs", HELD);
    let was_file = write(dir.path(), "now_dir.rs", HELD);
    let opts =
        DiscoverOptions { paths: vec![dir.path().to_path_buf()], cwd: dir.path().to_path_buf(), ..Default::default() };
    let ws = discover(&opts).expect("discovers");
    std::fs::remove_file(&was_file).expect("rm");
    std::fs::create_dir(&was_file).expect("mkdir");
    let report = driver::run_on_workspace(ws, &[], &EngineOptions::default(), false).expect("runs");
    assert_held_linted(&report, "held.rs");
    let f = findings_of(&report, "now_dir.rs");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].rule, engine_codes::IO_ERROR);
}

#[test]
fn an_unreadable_file_is_an_io_error_and_others_are_linted() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "held.rs", HELD);
    let locked = write(dir.path(), "locked.rs", HELD);
    let bites = permissions_bite(dir.path());
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let report = lint_paths(dir.path(), &[dir.path()]);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    assert_no_internal_error(&report);
    assert_held_linted(&report, "held.rs");
    if bites {
        let f = findings_of(&report, "locked.rs");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].rule, engine_codes::IO_ERROR);
        assert!(f[0].message.contains("ermission denied"), "{}", f[0].message);
    } else {
        eprintln!("note: permissions do not apply to this user (root); checked that a mode-000 file is linted instead");
        assert_held_linted(&report, "locked.rs");
    }
}

#[test]
fn an_unreadable_directory_is_an_error_and_others_are_linted() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "held.rs", HELD);
    let sub = dir.path().join("closed");
    write(&sub, "inner.rs", HELD);
    let bites = permissions_bite(dir.path());
    std::fs::set_permissions(&sub, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let out = run_bin(&["--message-format", "short", "."], dir.path());
    std::fs::set_permissions(&sub, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(stdout.contains(&format!("held.rs:3:13: warning[{RULE}]")), "{stdout}\n{stderr}");
    if bites {
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("closed") && stderr.contains("ermission denied"), "{stderr}");
    } else {
        eprintln!(
            "note: permissions do not apply to this user (root); checked that a mode-000 directory is linted instead"
        );
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        assert!(stdout.contains(&format!("inner.rs:3:13: warning[{RULE}]")), "{stdout}");
    }
}

#[test]
fn symlink_loops_are_warnings_and_others_are_linted() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "held.rs", HELD);
    write(dir.path(), "sub/inner.rs", HELD);
    std::os::unix::fs::symlink("..", dir.path().join("sub/up")).expect("symlink");
    std::os::unix::fs::symlink("self.rs", dir.path().join("self.rs")).expect("symlink");
    std::os::unix::fs::symlink("b_link", dir.path().join("a_link")).expect("symlink");
    std::os::unix::fs::symlink("a_link", dir.path().join("b_link")).expect("symlink");
    let out = run_bin(&["--message-format", "short", "."], dir.path());
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    // They hide no source, so the run is complete: a warning, not exit 2.
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stderr.contains("warning: ") && stderr.contains("loop"), "{stderr}");
    assert!(!stderr.contains("error:"), "{stderr}");
    assert!(stdout.contains(&format!("held.rs:3:13: warning[{RULE}]")), "{stdout}");
    assert!(stdout.contains(&format!("sub/inner.rs:3:13: warning[{RULE}]")), "{stdout}");
    assert_eq!(stdout.matches("inner.rs").count(), 1, "linted once, not once per loop turn: {stdout}");
}

#[test]
fn a_dangling_symlink_is_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "held.rs", HELD);
    std::os::unix::fs::symlink("gone.rs", dir.path().join("link.rs")).expect("symlink");
    std::os::unix::fs::symlink("gone_dir", dir.path().join("vendor")).expect("symlink");
    let out = run_bin(&["--message-format", "short", "."], dir.path());
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stderr.contains("link.rs: broken symbolic link"), "{stderr}");
    assert!(stderr.contains("vendor: broken symbolic link"), "{stderr}");
    assert!(stdout.contains(&format!("held.rs:3:13: warning[{RULE}]")), "{stdout}");
}

#[test]
fn a_broken_manifest_is_an_error_and_its_files_are_still_linted() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "Cargo.toml", "[package\nname = \"x\"\n");
    write(dir.path(), "src/lib.rs", HELD);
    let out = run_bin(&["--message-format", "short"], dir.path());
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(stderr.contains("Cargo.toml"), "the error names the manifest: {stderr}");
    assert!(stdout.contains(&format!("lib.rs:3:13: warning[{RULE}]")), "{stdout}\n{stderr}");
}

#[test]
fn a_missing_workspace_member_is_an_error_and_the_others_are_linted() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "Cargo.toml", "[workspace]\nmembers = [\"a\", \"missing\"]\n");
    write(dir.path(), "a/Cargo.toml", "[package]\nname = \"a\"\nversion = \"0.1.0\"\nedition = \"2021\"\n");
    write(dir.path(), "a/src/lib.rs", HELD);
    let out = run_bin(&["--message-format", "short"], dir.path());
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(stderr.contains("missing"), "the error names the member: {stderr}");
    assert!(stdout.contains(&format!("a/src/lib.rs:3:13: warning[{RULE}]")), "{stdout}\n{stderr}");
}

// ----------------------------------------------------------------- macros

/// Macro definitions, nested invocations, a guard held across an await
/// inside a macro's arguments, unbalanced-looking tokens in macro bodies.
fn macro_heavy(units: usize) -> String {
    let mut s = String::from(
        "use std::sync::Mutex;\n\
         macro_rules! m { ($($t:tt)*) => { $($t)* }; }\n\
         macro_rules! rec { () => {}; ($h:tt $($t:tt)*) => { rec!($($t)*); }; }\n\
         macro_rules! odd { ($x:expr) => { { let _ = ($x, '(', \"[\", r#\"{\"#); } }; }\n",
    );
    for i in 0..units {
        s.push_str(&format!(
            "m! {{ fn f{i}() -> u32 {{ {i} }} }}\n\
             rec!(a b c d e f g h {{ [ ( ) ] }} < > | || & && $ # @ ! ? ; , . .. ...);\n\
             async fn g{i}(m: &Mutex<u32>) {{\n    odd!(m!(m!(m!(1 + 2))));\n    tokio::select! {{ _ = h() => {{}}, else => {{}} }}\n    \
             let v = vec![m!(1), m!(2), concat!(\"a\", \"b\").len() as i32];\n    println!(\"{{}} {{:?}}\", m.lock().unwrap(), v);\n}}\n"
        ));
    }
    s.push_str("async fn h() {}\n");
    s
}

#[test]
fn a_macro_heavy_file_is_linted_in_bounded_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "macros.rs", macro_heavy(5_000));
    let start = Instant::now();
    let report = driver::run_file(&path, Edition::E2021, &[]).expect("runs");
    let elapsed = start.elapsed();
    assert_no_internal_error(&report);
    let parse: Vec<_> = report.findings.iter().filter(|f| f.rule == engine_codes::PARSE_ERROR).collect();
    assert!(parse.is_empty(), "{parse:#?}");
    assert!(elapsed < PER_FILE, "macro-heavy file took {elapsed:?}");
}

// ------------------------------------------------------ no writes to files

/// Every file under `dir`: path → (bytes, mtime).
fn is_cache(root: &Path, p: &Path) -> bool {
    p.strip_prefix(root).is_ok_and(|rel| rel.starts_with("target/async-sync-lint"))
}

fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>, SystemTime)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir") {
            let p = e.expect("entry").path();
            let meta = std::fs::symlink_metadata(&p).expect("metadata");
            if meta.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).unwrap_or_default();
                out.push((p, bytes, meta.modified().expect("mtime")));
            }
        }
    }
    out.sort();
    out
}

/// Without `--fix`, no flag writes to a linted file, a manifest or the
/// configuration (the `--fix` write path has its own atomicity test).
#[test]
fn no_flag_without_fix_writes_a_user_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("proj");
    write(&root, "Cargo.toml", "[package]\nname = \"p\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n");
    write(&root, "Cargo.lock", "# This file is automatically @generated by Cargo.\nversion = 4\n\n[[package]]\nname = \"p\"\nversion = \"0.1.0\"\n");
    write(&root, "async-sync-lint.toml", "[rules]\nbusy-wait = \"deny\"\n");
    write(&root, "src/lib.rs", format!("mod a;\nmod b;\n{HELD}"));
    // A finding with a machine-applicable suggestion, a suppression that
    // suppresses nothing, a parse error and a BOM + CRLF file.
    write(
        &root,
        "src/a.rs",
        "use std::sync::Mutex;\npub fn f(m: &Mutex<u32>) {\n    let _ = m.lock();\n}\n// async-sync-lint: allow(busy-wait)\npub fn g() {}\n",
    );
    write(&root, "src/b.rs", format!("\u{feff}{}", HELD.replace('\n', "\r\n")));
    write(&root, "src/broken.rs", "fn x( {\n");
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    for (p, _, _) in snapshot(&root) {
        std::fs::File::options().append(true).open(&p).expect("open").set_modified(old).expect("set mtime");
    }
    let before = snapshot(&root);
    let out_dir = tempfile::tempdir().expect("tempdir");
    let report = out_dir.path().join("report.out");
    let report_s = report.to_str().expect("utf-8 path");

    let mut runs: Vec<Vec<&str>> = Vec::new();
    for format in ["human", "short", "json", "sarif", "github"] {
        runs.push(vec!["--message-format", format]);
        runs.push(vec!["--message-format", format, "-o", report_s]);
        runs.push(vec!["--message-format", format, "--color", "always", "-D", "warnings"]);
    }
    runs.push(vec!["src/a.rs", "src/b.rs", "--stats", "-j", "1"]);
    runs.push(vec!["--dump-facts"]);
    runs.push(vec!["--workspace", "--exit-zero", "--", "-A", "warnings"]);
    runs.push(vec!["--manifest-path", "Cargo.toml", "--edition", "2024"]);
    runs.push(vec!["--list-rules"]);
    runs.push(vec!["--explain", RULE]);
    for args in &runs {
        let out = run_bin(args, &root);
        assert!(matches!(out.status.code(), Some(0..=2)), "{args:?}: {}", text(&out.stderr));
        assert!(!text(&out.stderr).contains("panicked"), "{args:?}: {}", text(&out.stderr));
        // The incremental cache under `target/async-sync-lint/` is ours,
        // like cargo's build output; nothing else may appear or change.
        let after: Vec<_> = snapshot(&root).into_iter().filter(|(p, _, _)| !is_cache(&root, p)).collect();
        assert_eq!(after.len(), before.len(), "{args:?} created or removed a file");
        for (b, a) in before.iter().zip(&after) {
            assert_eq!(a.0, b.0, "{args:?}");
            assert!(a.1 == b.1, "{args:?} changed the bytes of {}", a.0.display());
            assert_eq!(a.2, b.2, "{args:?} touched {}", a.0.display());
        }
    }
    assert!(report.exists(), "-o wrote the report where it was told to");
}

/// `--fix` writes a temporary file beside the original and renames it over
/// the original. Make that write fail (its temp path is taken by a
/// directory, which stops even root) and the original must be untouched.
#[test]
fn failed_fix_write_leaves_the_original_intact() {
    use async_sync_lint::output::fix::{self, FixStatus};

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("guard.rs");
    let original = "use tokio::sync::Mutex;\nasync fn f(m: &Mutex<u32>) {\n    let _ = m.lock().await;\n}\n";
    std::fs::write(&path, original).expect("write");
    let started = std::time::SystemTime::now();
    let report = async_sync_lint::driver::run_file(&path, async_sync_lint::input::workspace::Edition::E2021, &[])
        .expect("lints");
    assert!(report.findings.iter().any(|f| f.rule == "dropped-guard"), "the fixture needs a fixable finding");

    let blocker = dir.path().join(format!(".guard.rs.async-sync-lint-fix.{}", std::process::id()));
    std::fs::create_dir(&blocker).expect("block the temp path");
    let fixes = fix::fix(&report.workspace, &report.findings, false, started);
    assert_eq!(fixes.len(), 1);
    match &fixes[0].status {
        FixStatus::Skipped(why) => assert!(why.contains("cannot write"), "{why}"),
        other => panic!("the write should have failed, got {other:?}"),
    }
    assert_eq!(std::fs::read_to_string(&path).expect("read back"), original, "original changed");
    assert!(blocker.is_dir(), "the blocking directory is left alone");

    // With the path free again the same fix goes through, atomically.
    std::fs::remove_dir(&blocker).expect("unblock");
    let fixes = fix::fix(&report.workspace, &report.findings, false, started);
    assert!(matches!(fixes[0].status, FixStatus::Written(1)), "{:?}", fixes[0].status);
    let fixed = std::fs::read_to_string(&path).expect("read back");
    assert!(fixed.contains("let _guard = m.lock().await;"), "{fixed}");
    let leftovers: Vec<_> =
        std::fs::read_dir(dir.path()).expect("ls").filter_map(|e| e.ok()).map(|e| e.file_name()).collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left behind: {leftovers:?}");
}

/// A rule that panics on a package is an `internal-error` naming the rule
/// and the package (exit 2); the other rules' findings on it stand. The
/// panic comes from a test-only hook that needs its environment variable.
#[test]
fn a_panicking_rule_is_an_internal_error_and_other_rules_stand() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "Cargo.toml", "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n");
    let twice = "pub fn twice(m: &Mutex<u32>) -> u32 {\n    let a = m.lock().unwrap();\n    let b = m.lock().unwrap();\n    *a + *b\n}\n";
    write(dir.path(), "src/lib.rs", format!("{HELD}{twice}"));
    let args = ["--message-format", "short", "--no-cache"];
    let calm = run_bin(&args, dir.path());
    let calm_out = text(&calm.stdout);
    assert!(calm_out.contains(&format!("src/lib.rs:3:13: warning[{RULE}]")), "{calm_out}");
    assert!(calm_out.contains("src/lib.rs:10:13: error[reentrant-lock]"), "{calm_out}");

    let out = bin().args(args).env("ASL_TEST_HOOK_PANIC_IN_RULE", RULE).current_dir(dir.path()).output().expect("runs");
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!(
            "src/lib.rs:1:1: error[internal-error]: internal error in rule `{RULE}` on package `app`"
        )),
        "{stdout}"
    );
    assert!(!stdout.contains(&format!("[{RULE}]")), "the panicking rule's findings are gone: {stdout}");
    assert!(stdout.contains("src/lib.rs:10:13: error[reentrant-lock]"), "the other rules' findings stand: {stdout}");
}
