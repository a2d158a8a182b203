//! `unawaited-lock`'s machine-applicable fix, end to end: the binary's JSON
//! stream read by rustfix as an editor would, applied to
//! `fixtures/unawaited-lock/fix.rs`, must give `fix.fixed` byte for byte,
//! and the fixed crate must lint clean (no finding of any rule). `--fix`
//! must write the same text.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/unawaited-lock").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn run(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-async-sync-lint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

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
fn rustfix_adds_await_and_the_result_lints_clean() {
    let original = fixture("fix.rs");
    let expected = fixture("fix.fixed");
    let dir = crate_with(&original);
    let out = run(&["--message-format", "json", "--no-cache"], dir.path());
    let diags: String = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).ok()?;
            (v["reason"] == "compiler-message").then(|| format!("{}\n", v["message"]))
        })
        .collect();
    let suggestions =
        rustfix::get_suggestions_from_json(&diags, &HashSet::new(), rustfix::Filter::MachineApplicableOnly)
            .expect("rustfix reads the stream");
    assert_eq!(suggestions.len(), 4, "one `.await` per finding:\n{diags}");
    let fixed = rustfix::apply_suggestions(&original, &suggestions).expect("rustfix applies them");
    assert_eq!(fixed, expected);

    std::fs::write(dir.path().join("src/lib.rs"), &fixed).unwrap();
    let clean = run(&["--message-format", "short", "--no-cache"], dir.path());
    assert_eq!(String::from_utf8_lossy(&clean.stdout), "", "the fixed crate has no finding");
    assert_eq!(clean.status.code(), Some(0));
}

#[test]
fn fix_flag_writes_the_same_text() {
    let dir = crate_with(&fixture("fix.rs"));
    let out = run(&["--fix", "--no-cache", "--message-format", "short"], dir.path());
    assert!(String::from_utf8_lossy(&out.stderr).contains("fixed src/lib.rs: 4 edit(s)"), "{out:?}");
    assert_eq!(std::fs::read_to_string(dir.path().join("src/lib.rs")).unwrap(), fixture("fix.fixed"));
    assert_eq!(out.status.code(), Some(0), "the fixed deny findings no longer fail the run");
}
