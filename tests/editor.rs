//! The editor path, run as rust-analyzer runs a check command: the binary
//! spawned with rust-analyzer's flags, its stdout read with
//! `cargo_metadata::Message::parse_stream` (rust-analyzer's deserializer),
//! every span checked against the text it points at, and the
//! machine-applicable suggestions applied with `rustfix` and re-parsed.
//! Also `--fix`, `--fix --dry-run`, baselines and `--with-check`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cargo_metadata::diagnostic::DiagnosticLevel;
use cargo_metadata::Message;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-async-sync-lint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

fn parse(out: &Output) -> Vec<Message> {
    Message::parse_stream(&out.stdout[..]).map(|m| m.expect("every line is a cargo message")).collect()
}

/// rust-analyzer's `check.overrideCommand` flags for a workspace.
fn ra_args(manifest: &Path) -> Vec<String> {
    [
        "async-sync-lint",
        "--workspace",
        "--message-format=json-diagnostic-rendered-ansi",
        "--manifest-path",
        manifest.to_str().expect("utf-8"),
        "--keep-going",
        "--all-targets",
        "--target-dir",
        "target/ra",
        "--all-features",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Checks one stream: every compiler message has a real target, every span
/// points at the text it claims, all of a file's findings sit in it.
fn check_stream(out: &Output, root: &Path, expect_package: &str) -> usize {
    // `manifest_path` is not in cargo_metadata's struct: check it raw.
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("json line");
        if v["reason"] == "compiler-message" {
            let manifest = v["manifest_path"].as_str().expect("manifest_path");
            assert!(Path::new(manifest).is_file(), "{manifest}");
        }
    }
    let msgs = &parse(out);
    let mut n = 0;
    assert!(matches!(msgs.last(), Some(Message::BuildFinished(_))), "stream ends with build-finished");
    for m in msgs {
        let Message::CompilerMessage(c) = m else { continue };
        n += 1;
        assert!(c.package_id.repr.starts_with("path+file://"), "{}", c.package_id.repr);
        assert!(c.package_id.repr.contains(expect_package), "{}", c.package_id.repr);
        assert!(c.target.src_path.as_std_path().is_file(), "{}", c.target.src_path);
        assert!(!c.target.kind.is_empty() && !c.target.crate_types.is_empty());
        let d = &c.message;
        assert!(matches!(d.level, DiagnosticLevel::Warning | DiagnosticLevel::Error));
        assert!(d.code.as_ref().is_some_and(|c| c.code.starts_with("async_sync_lint::")));
        assert!(d.rendered.as_deref().is_some_and(|r| r.contains(&d.message)));
        assert!(d.children.iter().any(|c| c.level == DiagnosticLevel::Note && c.message.contains("allow(")));
        assert!(d.spans.iter().filter(|s| s.is_primary).count() == 1);
        for s in d.spans.iter().chain(d.children.iter().flat_map(|c| c.spans.iter())) {
            // Paths are relative to the workspace root.
            assert!(!Path::new(&s.file_name).is_absolute(), "{}", s.file_name);
            let text = std::fs::read_to_string(root.join(&s.file_name)).expect("span file exists");
            let snippet = &text[s.byte_start as usize..s.byte_end as usize];
            assert!(s.line_start >= 1 && s.column_start >= 1 && s.line_end >= s.line_start);
            // The 1-based line/column agree with the byte offsets.
            let line_text = text.lines().nth(s.line_start - 1).expect("line exists");
            let line_lo = text[..s.byte_start as usize].rfind('\n').map_or(0, |i| i + 1);
            assert_eq!(text[line_lo..s.byte_start as usize].chars().count() + 1, s.column_start);
            assert_eq!(s.text[0].text, line_text.trim_end_matches('\r'));
            if s.line_start == s.line_end {
                let hl: String =
                    line_text.chars().skip(s.column_start - 1).take(s.column_end - s.column_start).collect();
                assert_eq!(hl, snippet, "highlight and bytes agree");
            }
            assert!(s.expansion.is_none());
        }
    }
    n
}

#[test]
fn example_project_as_rust_analyzer_runs_it() {
    let root = repo().join("examples/async-app");
    // rust-analyzer runs the command in the workspace root.
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-async-sync-lint"))
        .args(ra_args(&root.join("Cargo.toml")))
        .args(["-p", &format!("path+file://{}#0.1.0", root.display())])
        .current_dir(&root)
        .output()
        .expect("runs");
    let msgs = parse(&out);
    let n = check_stream(&out, &root, "async-app");
    let expected = std::fs::read_to_string(root.join("expected.txt")).expect("snapshot");
    assert_eq!(n, expected.lines().count(), "one compiler-message per finding");
    // The first sync-guard finding points at the lock call the README shows.
    let first = msgs
        .iter()
        .find_map(|m| match m {
            Message::CompilerMessage(c) if c.message.message.contains("guard held across an await") => Some(c),
            _ => None,
        })
        .expect("a sync-guard-across-await finding");
    let p = &first.message.spans[0];
    assert_eq!(p.file_name, "src/cache.rs");
    assert_eq!(p.text[0].text.trim(), "let mut entries = self.entries.lock().unwrap();");
    assert!(matches!(msgs.last(), Some(Message::BuildFinished(b)) if !b.success), "deny finding fails the build");
}

#[test]
fn fixture_crate_and_clean_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"fx\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    // BOM, CRLF and non-ASCII before the finding.
    let held = "\u{feff}// λ\r\nuse std::sync::Mutex;\r\npub async fn f(m: &Mutex<u32>, p: &parking_lot::Mutex<u32>) {\r\n    let _ = p.lock();\r\n    let g = m.lock().unwrap();\r\n    tick().await;\r\n    drop(g);\r\n}\r\nasync fn tick() {}\r\n";
    std::fs::write(root.join("src/lib.rs"), held).unwrap();
    let out = run(&ra_args(&root.join("Cargo.toml")).iter().map(String::as_str).collect::<Vec<_>>(), root);
    assert!(check_stream(&out, root, "fx") >= 2, "{}", String::from_utf8_lossy(&out.stdout));

    // rustfix applies our machine-applicable suggestions; the result parses.
    let sugg = machine_applicable(&out);
    assert!(!sugg.is_empty());
    let fixed = rustfix::apply_suggestions(held, &sugg).expect("applies");
    assert!(fixed.contains("let _guard = p.lock();"), "{fixed}");
    syn::parse_file(fixed.trim_start_matches('\u{feff}')).expect("fixed code parses");

    // A clean run prints only build-finished and exits 0.
    std::fs::write(root.join("src/lib.rs"), "pub async fn f() {}\n").unwrap();
    let out = run(&ra_args(&root.join("Cargo.toml")).iter().map(String::as_str).collect::<Vec<_>>(), root);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "{\"reason\":\"build-finished\",\"success\":true}\n");
    assert_eq!(out.status.code(), Some(0));
}

/// The machine-applicable suggestions of a JSON stream, as rustfix reads
/// them.
fn machine_applicable(out: &Output) -> Vec<rustfix::Suggestion> {
    let diags: String = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).ok()?;
            (v["reason"] == "compiler-message").then(|| format!("{}\n", v["message"]))
        })
        .collect();
    rustfix::get_suggestions_from_json(&diags, &HashSet::new(), rustfix::Filter::MachineApplicableOnly)
        .expect("rustfix reads them")
}

const DROPPED: &str = "use parking_lot::Mutex;\npub fn f(m: &Mutex<u32>) {\n    let _ = m.lock();\n}\n";

fn crate_with(lib: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"fx\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("src/lib.rs"), lib).unwrap();
    dir
}

#[test]
fn fix_dry_run_then_fix() {
    let dir = crate_with(DROPPED);
    let lib = dir.path().join("src/lib.rs");
    let dry = run(&["--fix", "--dry-run"], dir.path());
    assert_eq!(dry.status.code(), Some(1), "a dry run with fixes pending exits 1");
    assert_eq!(
        String::from_utf8_lossy(&dry.stdout),
        "--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -3,1 +3,1 @@\n-    let _ = m.lock();\n+    let _guard = m.lock();\n"
    );
    assert_eq!(std::fs::read_to_string(&lib).unwrap(), DROPPED, "dry run writes nothing");
    let out = run(&["--fix", "--message-format", "short"], dir.path());
    assert!(String::from_utf8_lossy(&out.stderr).contains("fixed src/lib.rs: 1 edit(s)"));
    assert_eq!(std::fs::read_to_string(&lib).unwrap(), DROPPED.replace("let _ =", "let _guard ="));
    assert_eq!(out.status.code(), Some(0), "the fixed deny finding no longer fails the run");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    // No temp files left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path().join("src")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn fix_dry_run_exits_1_only_when_something_would_change() {
    let dir = crate_with(DROPPED);
    // At warn level the finding alone would exit 0: the 1 is the pending fix.
    let pending = run(&["--fix", "--dry-run", "-W", "dropped-guard"], dir.path());
    assert_eq!(pending.status.code(), Some(1), "{}", String::from_utf8_lossy(&pending.stderr));
    assert_eq!(run(&["-W", "dropped-guard"], dir.path()).status.code(), Some(0));
    let clean = crate_with("async fn f() {}\n");
    assert_eq!(run(&["--fix", "--dry-run"], clean.path()).status.code(), Some(0));
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(status.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&status.stderr));
}

#[test]
fn fix_refuses_a_dirty_git_tree_unless_allowed() {
    let dir = crate_with(DROPPED);
    std::fs::write(dir.path().join(".gitignore"), "/target\n").unwrap();
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "init"]);
    let lib = dir.path().join("src/lib.rs");
    let edited = format!("// work in progress\n{DROPPED}");
    std::fs::write(&lib, &edited).unwrap();

    let refused = run(&["--fix"], dir.path());
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("uncommitted changes") && stderr.contains("src/lib.rs"), "{stderr}");
    assert!(stderr.contains("--allow-dirty"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&lib).unwrap(), edited, "nothing written");

    assert_eq!(run(&["--fix", "--dry-run"], dir.path()).status.code(), Some(1), "a dry run writes nothing");
    let allowed = run(&["--fix", "--allow-dirty"], dir.path());
    assert_eq!(allowed.status.code(), Some(0), "{}", String::from_utf8_lossy(&allowed.stderr));
    assert!(std::fs::read_to_string(&lib).unwrap().contains("let _guard ="));

    git(dir.path(), &["commit", "-q", "-am", "fixed"]);
    assert_eq!(run(&["--fix"], dir.path()).status.code(), Some(0), "a clean tree is fixed without the flag");
}

#[test]
fn baseline_reports_only_new_findings() {
    let dir = crate_with(DROPPED);
    let base = dir.path().join("baseline.json");
    let w = run(&["--write-baseline", "baseline.json"], dir.path());
    assert_eq!(w.status.code(), Some(0));
    let b: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&base).unwrap()).unwrap();
    assert_eq!(b["findings"][0]["rule"], "dropped-guard");
    assert_eq!(b["findings"][0]["path"], "src/lib.rs");
    assert_eq!(b["findings"][0]["item"], "fn f");
    assert!(b["findings"][0].get("line").is_none());
    // Unrelated lines move the finding: still known.
    let moved = format!("// a comment\n\n{DROPPED}");
    std::fs::write(dir.path().join("src/lib.rs"), &moved).unwrap();
    let out = run(&["--baseline", "baseline.json", "--message-format", "short"], dir.path());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert_eq!(out.status.code(), Some(0));
    // A second copy in a new function is new.
    let more = format!("{moved}pub fn g(m: &Mutex<u32>) {{\n    let _ = m.lock();\n}}\n");
    std::fs::write(dir.path().join("src/lib.rs"), &more).unwrap();
    let out = run(&["--baseline", "baseline.json", "--message-format", "short"], dir.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with("src/lib.rs:8:13: error[dropped-guard]"), "{text}");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn with_check_streams_cargo_check_first() {
    let dir = crate_with("pub fn broken() -> u32 { \"not a number\" }\n");
    let out = run(&["--with-check", "--message-format=json", "--target-dir", "target"], dir.path());
    let msgs = parse(&out);
    let rustc_errors = msgs
        .iter()
        .filter(|m| {
            matches!(m, Message::CompilerMessage(c) if c.message.level == DiagnosticLevel::Error
            && c.message.code.as_ref().is_some_and(|c| c.code == "E0308"))
        })
        .count();
    assert_eq!(rustc_errors, 1, "{}", String::from_utf8_lossy(&out.stdout));
    let finished = msgs.iter().filter(|m| matches!(m, Message::BuildFinished(_))).count();
    assert_eq!(finished, 1, "one build-finished for both runs");
    assert!(matches!(msgs.last(), Some(Message::BuildFinished(b)) if !b.success));
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn with_check_clippy_streams_clippy_lints() {
    let has_clippy = Command::new("cargo").args(["clippy", "--version"]).output().is_ok_and(|o| o.status.success());
    if !has_clippy && std::env::var_os("CI").is_none() {
        eprintln!("note: clippy is not installed; --with-check clippy not checked");
        return;
    }
    let dir = crate_with("pub fn count(v: &Vec<u32>) -> usize {\n    v.len()\n}\n");
    let out = run(&["--with-check", "clippy", "--message-format=json", "--target-dir", "target"], dir.path());
    let msgs = parse(&out);
    let ptr_arg = msgs.iter().any(|m| {
        matches!(m, Message::CompilerMessage(c) if c.message.code.as_ref().is_some_and(|c| c.code == "clippy::ptr_arg"))
    });
    assert!(ptr_arg, "clippy's lint is passed through: {}", String::from_utf8_lossy(&out.stdout));
    assert!(matches!(msgs.last(), Some(Message::BuildFinished(b)) if b.success));
    assert_eq!(out.status.code(), Some(0));
    let bad = run(&["--with-check", "miri"], dir.path());
    assert_eq!(bad.status.code(), Some(2), "only check and clippy are accepted");
}

/// `fixtures/unawaited-lock/fix.rs` and the text its fix must give.
fn unawaited_lock_fixture(name: &str) -> String {
    std::fs::read_to_string(repo().join("fixtures/unawaited-lock").join(name)).expect("fixture readable")
}

#[test]
fn unawaited_lock_fix_applies_with_rustfix_and_lints_clean() {
    // rustfix, reading the JSON stream as an editor does, adds each
    // `.await`; the result is `fix.fixed` byte for byte and has no finding.
    let original = unawaited_lock_fixture("fix.rs");
    let dir = crate_with(&original);
    let out = run(&["--message-format", "json", "--no-cache"], dir.path());
    let sugg = machine_applicable(&out);
    assert_eq!(sugg.len(), 4, "one `.await` per finding: {}", String::from_utf8_lossy(&out.stdout));
    let fixed = rustfix::apply_suggestions(&original, &sugg).expect("applies");
    assert_eq!(fixed, unawaited_lock_fixture("fix.fixed"));
    std::fs::write(dir.path().join("src/lib.rs"), &fixed).unwrap();
    let clean = run(&["--message-format", "short", "--no-cache"], dir.path());
    assert_eq!(String::from_utf8_lossy(&clean.stdout), "", "the fixed crate has no finding");
    assert_eq!(clean.status.code(), Some(0));

    // `--fix` writes the same text.
    let dir = crate_with(&original);
    let out = run(&["--fix", "--no-cache", "--message-format", "short"], dir.path());
    assert!(String::from_utf8_lossy(&out.stderr).contains("fixed src/lib.rs: 4 edit(s)"), "{out:?}");
    assert_eq!(std::fs::read_to_string(dir.path().join("src/lib.rs")).unwrap(), unawaited_lock_fixture("fix.fixed"));
    assert_eq!(out.status.code(), Some(0), "the fixed deny findings no longer fail the run");
}
