//! A real editor: Neovim's built-in LSP client, run headless, opens a buggy
//! file of the example project, gets our diagnostic, applies its code action,
//! and the buffer's text is checked. `.ci/run` installs Neovim (Debian's
//! package); without it the test says so loudly, and under CI it fails.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn neovim_shows_the_diagnostic_and_applies_the_fix() {
    if Command::new("nvim").arg("--version").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "CI must run the Neovim test (.ci/run installs neovim)");
        eprintln!("NOTE: ************************************************************");
        eprintln!("NOTE: nvim not found: the Neovim language-server test is SKIPPED.");
        eprintln!("NOTE: Install it (apt-get install neovim) to run it.");
        eprintln!("NOTE: ************************************************************");
        return;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    // A copy: the server's cache goes under the project's target/.
    let project = dir.path().join("async-app");
    copy_dir(&repo.join("examples/async-app"), &project);
    let file = project.join("src/stats.rs");
    let original = std::fs::read_to_string(&file).unwrap();
    let out = dir.path().join("out.txt");
    let mut child = Command::new("nvim")
        .args(["--headless", "--clean", "-c"])
        .arg(format!("luafile {}", repo.join("tests/support/neovim-lsp.lua").display()))
        .env("ASL_BIN", env!("CARGO_BIN_EXE_cargo-async-sync-lint"))
        .env("ASL_ROOT", &project)
        .env("ASL_FILE", &file)
        .env("ASL_OUT", &out)
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .stdin(std::process::Stdio::null())
        .spawn()
        .expect("nvim starts");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(180) {
            let _ = child.kill();
            panic!("nvim did not finish: {:?}", std::fs::read_to_string(&out));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let report = std::fs::read_to_string(&out).expect("the script wrote its report");
    assert!(!report.contains("error:"), "{report}");
    // stats.rs:24:17 in the CLI's 1-based terms.
    assert!(report.contains("diagnostic: dropped-guard 23:16"), "{report}");
    assert!(report.contains("action: Allow `dropped-guard` here"), "{report}");
    assert!(report.contains("applied: bind it to a name"), "{report}");
    assert!(report.contains("modified: true"), "{report}");
    let buffer = report.split_once("--- buffer\n").expect("the buffer").1;
    let fixed = original.replace("let _ = self.totals.lock().await;", "let _guard = self.totals.lock().await;");
    assert_ne!(fixed, original);
    assert_eq!(buffer, fixed);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), original, "the editor saved nothing, the server wrote nothing");
}
