//! The README's comparison with clippy, re-checked row by row: each row's
//! example is a module of a small crate that `cargo clippy` lints, and what
//! clippy's `await_holding_lock` / `await_holding_refcell_ref` say about it
//! must be what the table's clippy column says, for the clippy version the
//! README names (the installed one). Our column is checked on the same code.
//! Without clippy the test says it was skipped; under `CI` it fails.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use async_sync_lint::driver;
use async_sync_lint::input::workspace::Edition;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One example: a module of the test crate, the README row it stands for
/// (the start of its first cell), and the rule of ours that should report
/// it, if any.
struct Case {
    module: &'static str,
    row: &'static str,
    ours: Option<&'static str>,
    code: &'static str,
}

/// What the clippy column of a row says about one example.
fn clippy_expected(case: &Case, cell: &str) -> bool {
    match case.row {
        // "std and parking_lot guards, `RefCell`": the guard kinds it knows.
        "guard kinds" if case.module.starts_with("refcell") => cell.contains("`RefCell`"),
        "guard kinds" => cell.contains("std"),
        _ => cell.starts_with("reported") || cell.starts_with("yes"),
    }
}

const CASES: &[Case] = &[
    Case {
        module: "std_mutex_guard",
        row: "guard kinds",
        ours: Some("sync-guard-across-await"),
        code: "pub async fn held(m: &Mutex<u32>) -> u32 {
    let g = m.lock().unwrap();
    tick().await;
    *g
}",
    },
    Case {
        module: "std_rwlock_guard",
        row: "guard kinds",
        ours: Some("sync-guard-across-await"),
        code: "pub async fn held(l: &RwLock<u32>) {
    let mut g = l.write().unwrap();
    tick().await;
    *g += 1;
}",
    },
    Case {
        module: "refcell_borrow",
        row: "guard kinds",
        ours: Some("sync-guard-across-await"),
        code: "pub async fn held(c: &RefCell<u32>) {
    let mut b = c.borrow_mut();
    tick().await;
    *b += 1;
}",
    },
    Case {
        module: "dropped_before_await",
        row: "`drop(guard); x.await`",
        ours: None,
        code: "pub async fn released(m: &Mutex<u32>) -> u32 {
    let g = m.lock().unwrap();
    let v = *g;
    drop(g);
    tick().await;
    v
}",
    },
    Case {
        module: "while_let_scrutinee",
        row: "guard in a `while let` scrutinee",
        ours: Some("sync-guard-across-await"),
        code: "pub async fn drain(m: &Mutex<Vec<u32>>) {
    while let Some(x) = m.lock().unwrap().pop() {
        tick().await;
        let _ = x;
    }
}",
    },
    Case {
        module: "moved_into_awaited_future",
        row: "guard moved into an awaited future",
        ours: Some("sync-guard-across-await"),
        code: "pub async fn handed_over(m: Arc<Mutex<u32>>) {
    let g = m.lock().unwrap();
    let task = async move {
        let _ = *g;
        tick().await;
    };
    task.await;
}",
    },
    Case {
        module: "race_across_await",
        row: "unneeded async locks, races across awaits",
        ours: Some("race-across-await"),
        code: "pub async fn bump(m: &Mutex<u32>) {
    let v = *m.lock().unwrap();
    tick().await;
    *m.lock().unwrap() = v + 1;
}",
    },
    Case {
        // A std lock: rustc's `let_underscore_lock` denies it, so
        // `dropped-guard` leaves it alone (its docs say so).
        module: "dropped_guard",
        row: "unneeded async locks, races across awaits",
        ours: None,
        code: "pub async fn locked_for_nothing(m: &Mutex<u32>) {
    let _ = m.lock().unwrap();
    tick().await;
}",
    },
    Case {
        module: "double_lock",
        row: "double locks, lock-order inversion",
        ours: Some("reentrant-lock"),
        code: "pub fn twice(m: &Mutex<u32>) -> u32 {
    let a = m.lock().unwrap();
    let b = m.lock().unwrap();
    *a + *b
}",
    },
];

const PRELUDE: &str = "#![allow(dead_code, unused, clippy::all)]
#![warn(clippy::await_holding_lock, clippy::await_holding_refcell_ref, let_underscore_lock)]
use std::cell::RefCell;
use std::sync::{Arc, Mutex, RwLock};
async fn tick() {}
";

/// The README's comparison table: first cell → clippy cell (the third).
fn readme_rows() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let start = readme.find("### Compared with what exists").expect("the README has the comparison");
    readme[start..]
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.split('|').map(str::trim).collect::<Vec<_>>())
        .filter(|cells| cells.len() > 3)
        .map(|cells| (cells[1].to_string(), cells[3].to_string()))
        .collect()
}

/// The installed clippy's version (`0.1.95`), or `None` without clippy.
fn clippy_version() -> Option<String> {
    let out = Command::new("cargo").args(["clippy", "--version"]).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    out.status.success().then(|| text.split_whitespace().nth(1).unwrap_or_default().to_string())
}

/// The modules in which clippy's two lints fired, and those in which
/// rustc's `let_underscore_lock` did (the README mentions it).
fn clippy_reports(dir: &Path, cargo_home: Option<&Path>) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut clippy = Command::new("cargo");
    if let Some(home) = cargo_home {
        clippy.env("CARGO_HOME", home);
    }
    let out = clippy
        .args(["clippy", "--offline", "--quiet", "--message-format", "json"])
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .current_dir(dir)
        .output()
        .expect("cargo clippy runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let messages: Vec<serde_json::Value> = stdout.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let rendered = messages.iter().filter_map(|m| m["message"]["rendered"].as_str()).collect::<String>();
    assert!(out.status.success(), "cargo clippy failed:\n{rendered}{}", String::from_utf8_lossy(&out.stderr));
    let (mut fired, mut let_underscore) = (BTreeSet::new(), BTreeSet::new());
    for msg in &messages {
        let code = msg["message"]["code"]["code"].as_str().unwrap_or_default();
        let file = msg["message"]["spans"][0]["file_name"].as_str().unwrap_or_default();
        let module = file.trim_start_matches("src/").trim_end_matches(".rs").to_string();
        if code == "clippy::await_holding_lock" || code == "clippy::await_holding_refcell_ref" {
            fired.insert(module);
        } else if code == "let_underscore_lock" {
            let_underscore.insert(module);
        }
    }
    (fired, let_underscore)
}

#[test]
fn the_clippy_comparison_holds_for_the_installed_clippy() {
    let Some(version) = clippy_version() else {
        assert!(std::env::var_os("CI").is_none(), "CI must have clippy for the README's comparison (.ci/run adds it)");
        eprintln!("NOTE: clippy is not installed: the README's comparison with clippy is NOT checked (SKIPPED)");
        return;
    };
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    assert!(
        readme.contains(&format!("checked row by row against clippy {version} ")),
        "the README's comparison names another clippy than the installed {version}: re-check each row \
         (this test shows what clippy says) and update the version it names"
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = "[package]\nname = \"clippy-table\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[workspace]\n";
    std::fs::write(dir.path().join("Cargo.toml"), manifest).expect("write");
    std::fs::create_dir(dir.path().join("src")).expect("mkdir");
    let mut lib = PRELUDE.to_string();
    for case in CASES {
        lib.push_str(&format!("mod {};\n", case.module));
        let module = format!("use super::*;\n\n{}\n", case.code);
        std::fs::write(dir.path().join(format!("src/{}.rs", case.module)), module).expect("write");
    }
    std::fs::write(dir.path().join("src/lib.rs"), &lib).expect("write");
    let (fired, let_underscore) = clippy_reports(dir.path(), None);
    eprintln!("clippy {version} reports: {fired:?}");
    // "rustc's own `let_underscore_lock` … catches `let _ = m.lock()`".
    assert!(readme.contains("`let_underscore_lock`"), "the README should say what rustc catches of dropped guards");
    assert_eq!(let_underscore, BTreeSet::from(["dropped_guard".to_string()]), "rustc's let_underscore_lock");

    let rows = readme_rows();
    let mut problems = Vec::new();
    for case in CASES {
        let (first, cell) = rows
            .iter()
            .find(|(first, _)| first.starts_with(case.row))
            .unwrap_or_else(|| panic!("the README's comparison has no row starting `{}`", case.row));
        let want = clippy_expected(case, cell);
        let got = fired.contains(case.module);
        if want != got {
            problems.push(format!(
                "row `{first}`: the table says clippy {cell:?}, but clippy {version} {} `{}`",
                if got { "reports" } else { "does not report" },
                case.module
            ));
        }
        // Our column, on the same code.
        let file = dir.path().join(format!("src/{}.rs", case.module));
        std::fs::write(&file, format!("{PRELUDE}\n{}\n", case.code)).expect("write");
        let report = driver::run_file(&file, Edition::E2021, &[]).expect("lints");
        let ours: Vec<&str> = report.findings.iter().map(|f| f.rule.as_str()).collect();
        let reported = |rule: &str| ours.contains(&rule);
        match case.ours {
            Some(rule) if !reported(rule) => problems.push(format!("row `{first}`: `{rule}` misses `{}`", case.module)),
            None if reported("sync-guard-across-await") => {
                problems.push(format!("row `{first}`: `sync-guard-across-await` reports `{}`", case.module))
            }
            _ => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The cargo home of the lintcheck crates (`scripts/test` fetches them),
/// whose parking_lot lets a crate depend on it with no network.
fn lintcheck_cargo_home() -> Option<PathBuf> {
    let from_env = std::env::var_os("ASL_LINTCHECK").map(PathBuf::from);
    let from_file = std::fs::read_to_string(repo().join("target/lintcheck.path")).ok().map(|s| PathBuf::from(s.trim()));
    // `<cargo-home>/registry/src/<index>`
    let src = from_env.or(from_file).filter(|p| p.is_dir())?;
    src.ancestors().nth(3).map(Path::to_path_buf)
}

/// The "guard kinds" row names parking_lot guards for clippy: checked with
/// the parking_lot of the lintcheck crates.
#[test]
fn the_parking_lot_guard_cell_holds_for_the_installed_clippy() {
    let Some(version) = clippy_version() else {
        assert!(std::env::var_os("CI").is_none(), "CI must have clippy for the README's comparison (.ci/run adds it)");
        eprintln!("NOTE: clippy is not installed: the README's comparison with clippy is NOT checked (SKIPPED)");
        return;
    };
    let Some(cargo_home) = lintcheck_cargo_home() else {
        assert!(std::env::var_os("CI").is_none(), "CI must provide the lintcheck crates (scripts/test fetches them)");
        eprintln!("NOTE: no lintcheck crates: the README's parking_lot cell is NOT checked (SKIPPED)");
        return;
    };
    let rows = readme_rows();
    let (_, cell) = rows.iter().find(|(first, _)| first.starts_with("guard kinds")).expect("a guard kinds row");
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = "[package]\nname = \"clippy-table-pl\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n\
                    [dependencies]\nparking_lot = \"0.12\"\n\n[workspace]\n";
    std::fs::write(dir.path().join("Cargo.toml"), manifest).expect("write");
    std::fs::create_dir(dir.path().join("src")).expect("mkdir");
    let code = "pub async fn held(m: &parking_lot::Mutex<u32>) -> u32 {\n    let g = m.lock();\n    tick().await;\n    *g\n}\n";
    std::fs::write(dir.path().join("src/lib.rs"), format!("{PRELUDE}{code}")).expect("write");
    let (fired, _) = clippy_reports(dir.path(), Some(&cargo_home));
    assert_eq!(
        fired.contains("lib"),
        cell.contains("parking_lot"),
        "the README's guard kinds say {cell:?} for clippy; clippy {version} says otherwise on a parking_lot guard"
    );
    let report = driver::run_file(&dir.path().join("src/lib.rs"), Edition::E2021, &[]).expect("lints");
    assert!(report.findings.iter().any(|f| f.rule == "sync-guard-across-await"), "ours on parking_lot");
}
