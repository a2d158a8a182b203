//! The binary as users run it: argument forms, exit codes, the example
//! project's findings.

#[path = "support/files.rs"]
mod files;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cargo-async-sync-lint"))
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str], dir: &Path) -> Output {
    bin().args(args).current_dir(dir).env("NO_COLOR", "1").output().expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

const HELD: &str = "use std::sync::Mutex;\nasync fn f(m: &Mutex<u32>) {\n    let g = m.lock().unwrap();\n    g2().await;\n    let _ = *g;\n}\nasync fn g2() {}\n";
const CLEAN: &str = "async fn f() {\n    g2().await;\n}\nasync fn g2() {}\n";

#[test]
fn exit_codes_follow_the_contract() {
    let dir = tempfile::tempdir().expect("tempdir");
    let held = write(dir.path(), "held.rs", HELD);
    let clean = write(dir.path(), "clean.rs", CLEAN);
    let held = held.to_str().expect("utf-8 path");
    let clean = clean.to_str().expect("utf-8 path");

    assert_eq!(run(&[clean], dir.path()).status.code(), Some(0), "clean file");
    assert_eq!(run(&[held], dir.path()).status.code(), Some(0), "warnings only");
    assert_eq!(run(&[held, "--", "-D", "warnings"], dir.path()).status.code(), Some(1), "-D warnings after --");
    assert_eq!(run(&[held, "-D", "sync-guard-across-await"], dir.path()).status.code(), Some(1), "-D RULE");
    assert_eq!(run(&[held, "--deny", "warnings", "--exit-zero"], dir.path()).status.code(), Some(0), "--exit-zero");
    assert_eq!(run(&[held, "-A", "sync-guard-across-await", "-D", "warnings"], dir.path()).status.code(), Some(0));
    let bad_rule = run(&[held, "-D", "sync-guard-across-awiat"], dir.path());
    assert_eq!(bad_rule.status.code(), Some(2), "unknown rule is a usage error");
    assert!(String::from_utf8_lossy(&bad_rule.stderr).contains("did you mean `sync-guard-across-await`"));
    assert_eq!(run(&["--message-format", "xml", clean], dir.path()).status.code(), Some(2));
    assert_eq!(run(&["--no-such-flag"], dir.path()).status.code(), Some(2));
    let missing = run(&["no/such/file.rs"], dir.path());
    assert_eq!(missing.status.code(), Some(2), "a missing path is an I/O error");
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no/such/file.rs"));
}

#[test]
fn runs_as_a_cargo_subcommand_and_directly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let held = write(dir.path(), "held.rs", HELD);
    let held = held.to_str().expect("utf-8 path");
    let direct = run(&[held, "--message-format", "short"], dir.path());
    let via_cargo = run(&["async-sync-lint", held, "--message-format", "short"], dir.path());
    assert_eq!(stdout(&direct), stdout(&via_cargo));
    assert!(stdout(&direct).contains("held.rs:3:13: warning[sync-guard-across-await]"), "{}", stdout(&direct));
}

#[test]
fn explain_and_list_rules() {
    let list = run(&["--list-rules"], &repo());
    assert_eq!(list.status.code(), Some(0));
    for rule in async_sync_lint::rules::all() {
        assert!(stdout(&list).contains(rule.name), "--list-rules lacks {}", rule.name);
        let explain = run(&["--explain", rule.name], &repo());
        assert_eq!(explain.status.code(), Some(0));
        assert!(stdout(&explain).contains("## Why is this bad?"), "--explain {} prints the docs", rule.name);
    }
    assert_eq!(run(&["--explain", "no-such-rule"], &repo()).status.code(), Some(2));
}

#[test]
fn unparsable_file_is_reported_and_others_still_linted() {
    let dir = tempfile::tempdir().expect("tempdir");
    // `async` keeps the prefilter from skipping it (a skipped file is never parsed).
    write(dir.path(), "broken.rs", "async fn f( {\n");
    write(dir.path(), "held.rs", HELD);
    let out = run(&[".", "--message-format", "short"], dir.path());
    let text = stdout(&out);
    assert!(text.contains("broken.rs:2:1: warning[parse-error]: this file contains an unclosed delimiter"), "{text}");
    assert!(text.contains("held.rs:3:13: warning[sync-guard-across-await]"), "{text}");
    assert_eq!(out.status.code(), Some(0));
}

/// As rustc: an unclosed or mismatched delimiter is named, the finding sits
/// where the file ends or the wrong closer is, and the opener is labelled.
#[test]
fn an_unbalanced_delimiter_is_named_and_placed() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "unclosed.rs", "async fn f() {\n    if true {\n        g().await;\n}\n");
    write(dir.path(), "mismatched.rs", "async fn f() {\n    let x = (1, 2;\n    g().await;\n}\n");
    let short = stdout(&run(&[".", "--message-format", "short"], dir.path()));
    assert!(
        short.contains("unclosed.rs:5:1: warning[parse-error]: this file contains an unclosed delimiter: `{`"),
        "{short}"
    );
    assert!(
        short.contains(
            "mismatched.rs:4:1: warning[parse-error]: mismatched closing delimiter: `}` closes the `(` opened here"
        ),
        "{short}"
    );
    let human = stdout(&run(&["unclosed.rs"], dir.path()));
    // The `}` on line 4 closes the `if`, so the function's `{` is unclosed.
    assert!(human.contains("1 | async fn f() {\n  |              - unclosed delimiter"), "{human}");
}

/// As rustc: other syntax errors say what was expected and what was found,
/// at the place rustc points to, and the lexer's failures are named.
#[test]
fn syntax_errors_are_said_and_placed_as_rustc_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    // `async` keeps the prefilter from skipping them (a skipped file is never parsed).
    let cases = [
        ("semi.rs", "async fn f() {\n    let x = 1\n    let y = 2;\n}\n", "2:14", "expected `;`, found keyword `let`"),
        ("stray.rs", "async fn f() {}\n@\n", "2:1", "expected item, found `@`"),
        ("string.rs", "async fn f() {\n    let s = \"open;\n}\n", "2:13", "unterminated double quote string"),
        ("char.rs", "async fn f() {\n    let c = '\\n;\n}\n", "2:13", "unterminated character literal"),
        ("no_body.rs", "async fn f()\n", "1:13", "expected `{`, found `<eof>`"),
    ];
    for (name, text, _, _) in cases {
        write(dir.path(), name, text);
    }
    let short = stdout(&run(&[".", "--message-format", "short"], dir.path()));
    for (name, _, at, message) in cases {
        let want = format!("{name}:{at}: warning[parse-error]: {message}\n");
        assert!(short.contains(&want), "want {want:?} in:\n{short}");
    }
    let human = stdout(&run(&["semi.rs"], dir.path()));
    assert!(human.contains("--> semi.rs:2:14"), "{human}");
    assert!(human.contains("3 |     let y = 2;\n  |     --- unexpected token"), "{human}");
    assert!(human.contains("= help: add `;` here"), "{human}");
}

/// The example project the README sends newcomers to: its findings are a
/// snapshot (`BLESS=1` updates `examples/async-app/expected.txt`).
#[test]
fn example_project_findings() {
    let out = run(&["examples/async-app", "--message-format", "short"], &repo());
    let text = stdout(&out);
    let expected_path = repo().join("examples/async-app/expected.txt");
    if std::env::var_os("BLESS").is_some() && std::env::var_os("CI").is_none() {
        std::fs::write(&expected_path, &text).expect("bless");
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
    assert_eq!(text, expected, "example project output changed; BLESS=1 to update");
    assert!(text.lines().count() >= 6, "the example should show several rules at work");
    assert_eq!(out.status.code(), Some(1), "the example has a deny-level finding");
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A one-package project: `Cargo.toml` (with `manifest_extra` appended) and
/// `src/lib.rs` holding [`CLEAN`] (so any `error:` is about the set-up).
fn package(dir: &Path, manifest_extra: &str) {
    let manifest = format!("[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n{manifest_extra}");
    write(dir, "Cargo.toml", &manifest);
    std::fs::create_dir_all(dir.join("src")).expect("mkdir src");
    write(dir, "src/lib.rs", CLEAN);
}

/// The fenced blocks of `lang` in a Markdown text.
fn code_blocks<'t>(markdown: &'t str, lang: &str) -> Vec<&'t str> {
    let fence = format!("```{lang}\n");
    markdown.split(&fence).skip(1).map(|rest| rest.split("\n```").next().unwrap_or_default()).collect()
}

/// Every TOML example of ours in the README and the config module docs
/// loads: as `async-sync-lint.toml`, or in `Cargo.toml` when it is a
/// metadata table. (Editor configuration blocks are the editors' format.)
#[test]
fn every_toml_example_in_the_docs_loads() {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README");
    let config_rs = std::fs::read_to_string(repo().join("crates/async-sync-lint/src/config.rs")).expect("config.rs");
    let module_docs: String =
        config_rs.lines().filter_map(|l| l.strip_prefix("//!")).map(|l| format!("{}\n", l.trim_start())).collect();
    let mut examples: Vec<String> = code_blocks(&readme, "toml").into_iter().map(str::to_string).collect();
    examples.extend(code_blocks(&module_docs, "toml").into_iter().map(str::to_string));
    let ours: Vec<&String> = examples.iter().filter(|b| !b.contains("[language-server")).collect();
    assert!(ours.len() >= 2, "expected the README's and config.rs's examples, found {ours:?}");
    for example in ours {
        let dir = tempfile::tempdir().expect("tempdir");
        if example.contains(".metadata.async-sync-lint") || example.contains("[lints.") {
            package(dir.path(), example);
        } else {
            package(dir.path(), "");
            write(dir.path(), "async-sync-lint.toml", example);
        }
        let out = run(&["--no-cache"], dir.path());
        assert_ne!(out.status.code(), Some(2), "example does not load:\n{example}\n{}", stderr(&out));
        assert!(!stderr(&out).contains("error:"), "example does not load:\n{example}\n{}", stderr(&out));
    }
}

#[test]
fn a_top_level_key_under_rules_is_explained() {
    let dir = tempfile::tempdir().expect("tempdir");
    package(dir.path(), "");
    write(dir.path(), "async-sync-lint.toml", "[rules]\nbusy-wait = \"allow\"\nexclude = [\"gen/**\"]\n");
    let out = run(&["--no-cache"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("`exclude` is not a rule: it is a top-level key"), "{}", stderr(&out));
}

#[test]
fn a_package_metadata_error_names_its_manifest_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    package(dir.path(), "[package.metadata.async-sync-lint]\nrules = { busy-wiat = \"allow\" }\n");
    let out = run(&["--no-cache"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let manifest = dir.path().join("Cargo.toml");
    let expected = format!("{}:6: [package.metadata.async-sync-lint]: unknown rule `busy-wiat`", manifest.display());
    assert!(stderr(&out).contains(&expected), "expected `{expected}` in:\n{}", stderr(&out));
}

#[test]
fn every_run_ends_with_a_result_line_unless_quiet() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "clean.rs", CLEAN);
    write(dir.path(), "held.rs", HELD);
    let clean = run(&["clean.rs"], dir.path());
    assert_eq!(stderr(&clean).lines().last(), Some("linted 1 file: no findings"), "{}", stderr(&clean));
    let both = run(&[".", "--message-format", "github"], dir.path());
    assert_eq!(stderr(&both).lines().last(), Some("linted 2 files: 1 warning"), "{}", stderr(&both));
    let quiet = run(&[".", "-q"], dir.path());
    assert_eq!(stderr(&quiet), "", "-q prints nothing on stderr");
    assert!(stdout(&quiet).contains("sync-guard-across-await"), "-q still prints the findings");

    let project = tempfile::tempdir().expect("tempdir");
    package(project.path(), "");
    let in_package = run(&["--no-cache", "--", "-D", "warnings"], project.path());
    assert_eq!(stderr(&in_package).lines().last(), Some("linted 1 file in 1 package: no findings"));
}

#[test]
fn a_path_without_rust_files_is_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("docs")).expect("mkdir");
    write(dir.path(), "docs/notes.md", "# notes\n");
    let out = run(&["docs"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("warning: no Rust files found under `docs`"), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().last(), Some("linted 0 files: no findings"));
}

#[test]
fn default_members_narrowing_is_noted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, "Cargo.toml", "[workspace]\nmembers = [\"a\", \"b\"]\ndefault-members = [\"a\"]\nresolver = \"2\"\n");
    for member in ["a", "b"] {
        std::fs::create_dir_all(root.join(member).join("src")).expect("mkdir");
        let manifest = format!("[package]\nname = \"{member}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n");
        write(&root.join(member), "Cargo.toml", &manifest);
        write(&root.join(member), "src/lib.rs", CLEAN);
    }
    let narrowed = run(&["--no-cache"], root);
    assert!(stderr(&narrowed).contains("note: `default-members` selects 1 of the workspace's 2 members"));
    assert_eq!(stderr(&narrowed).lines().last(), Some("linted 1 file in 1 package: no findings"));
    let all = run(&["--no-cache", "--workspace"], root);
    assert!(!stderr(&all).contains("default-members"), "{}", stderr(&all));
    assert_eq!(stderr(&all).lines().last(), Some("linted 2 files in 2 packages: no findings"));
}

/// The engine's codes are documented like rules, and a closed pipe is not
/// a crash.
#[test]
fn engine_codes_are_catalog_entries() {
    let list = run(&["--list-rules"], &repo());
    for code in ["parse-error", "io-error", "internal-error", "unused-suppression"] {
        assert!(stdout(&list).contains(code), "--list-rules lacks {code}");
        let explain = run(&["--explain", code], &repo());
        assert_eq!(explain.status.code(), Some(0), "--explain {code}: {}", stderr(&explain));
        assert!(stdout(&explain).starts_with(&format!("# {code} (default: ")), "{}", stdout(&explain));
        assert!(stdout(&explain).contains("## What to do"));
    }
}

#[test]
fn a_closed_pipe_is_not_a_crash() {
    use std::process::Stdio;
    for args in [&["--explain", "busy-wait"][..], &["--list-rules"][..]] {
        let mut child = bin().args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
        drop(child.stdout.take()); // `| head -0`: the reader is gone before we write
        let out = child.wait_with_output().expect("wait");
        assert!(!stderr(&out).contains("panicked"), "{args:?}: {}", stderr(&out));
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    }
}

/// What a clippy user types: snake_case names, clippy's lint names,
/// `-D warning`, `-A all`, and cargo's colour setting.
#[test]
fn clippy_habits_get_the_expected_answer() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "held.rs", HELD);
    let snake = run(&["held.rs", "-D", "sync_guard_across_await"], dir.path());
    assert_eq!(snake.status.code(), Some(1), "snake_case names the rule: {}", stderr(&snake));
    let prefixed = run(&["held.rs", "--", "-A", "async_sync_lint::sync_guard_across_await"], dir.path());
    assert!(stdout(&prefixed).is_empty(), "{}", stdout(&prefixed));
    assert_eq!(run(&["--explain", "busy_wait"], dir.path()).status.code(), Some(0));

    let clippy = run(&["held.rs", "-A", "clippy::await_holding_lock"], dir.path());
    assert_eq!(clippy.status.code(), Some(2));
    assert!(
        stderr(&clippy).contains("the rule that covers it here is `sync-guard-across-await`"),
        "{}",
        stderr(&clippy)
    );
    let singular = run(&["held.rs", "-D", "warning"], dir.path());
    assert!(stderr(&singular).contains("did you mean `warnings`?"), "{}", stderr(&singular));
    let all = run(&["held.rs", "-A", "all"], dir.path());
    assert!(stderr(&all).contains("there is no `all` group; `warnings` names every finding"), "{}", stderr(&all));

    let colored = bin().arg("held.rs").current_dir(dir.path()).env("CARGO_TERM_COLOR", "always").output().unwrap();
    assert!(stdout(&colored).contains("\u{1b}["), "CARGO_TERM_COLOR=always colours a pipe");
    let plain =
        bin().args(["held.rs", "--color", "never"]).current_dir(dir.path()).env("CARGO_TERM_COLOR", "always").output();
    assert!(!stdout(&plain.unwrap()).contains("\u{1b}["), "--color wins over CARGO_TERM_COLOR");
}

#[test]
fn a_suppression_under_forbid_is_overridden_not_unused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let held =
        HELD.replace("m.lock().unwrap();", "m.lock().unwrap(); // async-sync-lint: allow(sync-guard-across-await)");
    write(dir.path(), "held.rs", &held);
    let out = run(&["held.rs", "--forbid", "sync-guard-across-await", "--message-format", "short"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("error[sync-guard-across-await]"), "{text}");
    assert!(text.contains("this suppression is overridden: its finding is at `forbid` level"), "{text}");
    assert!(!text.contains("allows nothing"), "{text}");
}

#[test]
fn a_clippy_allow_suppresses_unless_the_configuration_says_otherwise() {
    let dir = tempfile::tempdir().expect("tempdir");
    let allowed = HELD.replace("async fn f", "#[allow(clippy::await_holding_lock)]\nasync fn f");
    write(dir.path(), "held.rs", &allowed);
    let honoured = run(&["held.rs", "--message-format", "short"], dir.path());
    assert!(!stdout(&honoured).contains("sync-guard-across-await"), "{}", stdout(&honoured));

    write(dir.path(), "async-sync-lint.toml", "honour-clippy-allows = false\n");
    let reported = run(&["held.rs", "--message-format", "short"], dir.path());
    assert!(stdout(&reported).contains("warning[sync-guard-across-await]"), "{}", stdout(&reported));
    let settings = run(&["--show-settings"], dir.path());
    assert!(stdout(&settings).contains("honour-clippy-allows = false"), "{}", stdout(&settings));

    write(dir.path(), "async-sync-lint.toml", "honour-clippy-allows = \"no\"\n");
    let bad = run(&["held.rs"], dir.path());
    assert!(
        stderr(&bad).contains("`honour-clippy-allows` must be `true` or `false`, found a string"),
        "{}",
        stderr(&bad)
    );
}

/// A workspace in a monorepo's `rust/` folder: GitHub annotations and SARIF
/// name files from the repository root; the other formats keep cargo's
/// workspace-relative paths.
#[test]
fn github_and_sarif_paths_are_relative_to_the_repository_root() {
    let repo_dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(repo_dir.path().join(".git")).expect("mkdir .git");
    let rust = repo_dir.path().join("rust");
    std::fs::create_dir_all(&rust).expect("mkdir rust");
    package(&rust, "");
    write(&rust, "src/lib.rs", HELD);

    let github = run(&["--no-cache", "--message-format", "github"], &rust);
    assert!(stdout(&github).starts_with("::warning file=rust/src/lib.rs,line=3,"), "{}", stdout(&github));
    let sarif = run(&["--no-cache", "--message-format", "sarif"], &rust);
    let log: serde_json::Value = serde_json::from_slice(&sarif.stdout).expect("sarif is json");
    let location = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(location["uri"], "rust/src/lib.rs");
    let base = log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"].as_str().expect("base");
    assert!(!base.ends_with("/rust/"), "%SRCROOT% is the repository root: {base}");
    let short = run(&["--no-cache", "--message-format", "short"], &rust);
    assert!(stdout(&short).starts_with("src/lib.rs:3:13:"), "{}", stdout(&short));

    let rooted = run(&["--no-cache", "--message-format", "github", "--root", "."], &rust);
    assert!(stdout(&rooted).starts_with("::warning file=src/lib.rs,"), "{}", stdout(&rooted));
}

/// cargo's target flags; by default the targets `cargo check` checks.
#[test]
fn target_selection_follows_cargo() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    package(root, "");
    for file in
        ["src/lib.rs", "src/main.rs", "src/bin/tool.rs", "tests/it.rs", "examples/ex.rs", "benches/b.rs", "build.rs"]
    {
        std::fs::create_dir_all(root.join(file).parent().expect("parent")).expect("mkdir");
        write(root, file, HELD);
    }
    let files = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["--no-cache", "--message-format", "short"];
        all.extend_from_slice(args);
        let out = run(&all, root);
        assert_ne!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let mut files: Vec<String> =
            stdout(&out).lines().map(|l| l.split(':').next().unwrap_or("").to_string()).collect();
        files.dedup();
        files
    };
    assert_eq!(files(&[]), ["build.rs", "src/bin/tool.rs", "src/lib.rs", "src/main.rs"], "lib, bins, build script");
    assert_eq!(
        files(&["--all-targets"]),
        ["benches/b.rs", "build.rs", "examples/ex.rs", "src/bin/tool.rs", "src/lib.rs", "src/main.rs", "tests/it.rs"]
    );
    assert_eq!(files(&["--lib"]), ["build.rs", "src/lib.rs"]);
    assert_eq!(files(&["--bin", "tool"]), ["build.rs", "src/bin/tool.rs"]);
    assert_eq!(files(&["--examples", "--benches"]), ["benches/b.rs", "build.rs", "examples/ex.rs"]);
    assert_eq!(files(&["--tests"]), ["build.rs", "src/bin/tool.rs", "src/lib.rs", "src/main.rs", "tests/it.rs"]);
    // A path you name is linted whatever its target.
    assert_eq!(files(&["tests/it.rs"]), ["tests/it.rs"]);
}

/// A two-member workspace (`a`, `b`), each `src/lib.rs` holding [`HELD`].
fn two_members(root: &Path, b_manifest_extra: &str) {
    write(root, "Cargo.toml", "[workspace]\nmembers = [\"a\", \"b\"]\nresolver = \"2\"\n");
    for member in ["a", "b"] {
        std::fs::create_dir_all(root.join(member).join("src")).expect("mkdir");
        let extra = if member == "b" { b_manifest_extra } else { "" };
        let manifest = format!("[package]\nname = \"{member}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n{extra}");
        write(&root.join(member), "Cargo.toml", &manifest);
        write(&root.join(member), "src/lib.rs", HELD);
    }
}

/// Settings that used to be accepted and ignored now work.
#[test]
fn member_config_package_exclude_and_config_flag_work() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    two_members(root, "[package.metadata.async-sync-lint]\nexclude = [\"b/src/lib.rs\"]\n");
    let short = |args: &[&str]| {
        let mut all = vec!["--no-cache", "--message-format", "short"];
        all.extend_from_slice(args);
        run(&all, root)
    };
    let out = short(&[]);
    assert_eq!(stdout(&out).lines().count(), 1, "b's own exclude drops its file:\n{}", stdout(&out));
    assert!(stdout(&out).starts_with("a/src/lib.rs:3:13: warning[sync-guard-across-await]"), "{}", stdout(&out));

    // The nearest async-sync-lint.toml wins for its member's files.
    write(root, "async-sync-lint.toml", "[rules]\nsync-guard-across-await = \"deny\"\n");
    write(&root.join("a"), "async-sync-lint.toml", "[rules]\nsync-guard-across-await = \"allow\"\n");
    write(&root.join("b"), "Cargo.toml", "[package]\nname = \"b\"\nversion = \"0.1.0\"\nedition = \"2021\"\n");
    let out = short(&[]);
    assert_eq!(
        stdout(&out),
        "b/src/lib.rs:3:13: error[sync-guard-across-await]: `std::sync::Mutex` guard held across an await point\n"
    );

    // --config FILE replaces every async-sync-lint.toml.
    write(root, "strict.toml", "[rules]\nsync-guard-across-await = \"deny\"\n");
    let out = short(&["--config", "strict.toml"]);
    assert_eq!(stdout(&out).matches("error[sync-guard-across-await]").count(), 2, "{}", stdout(&out));
    let missing = short(&["--config", "nope.toml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("nope.toml: no such file"), "{}", stderr(&missing));
    let cargo_style = short(&["--config", "build.jobs=1"]);
    assert_eq!(cargo_style.status.code(), Some(2));
    assert!(stderr(&cargo_style).contains("only reaches `cargo check` with --with-check"), "{}", stderr(&cargo_style));

    let features = short(&["--features", "x", "--all-features"]);
    assert!(
        stderr(&features).contains("note: --features, --all-features change nothing here"),
        "{}",
        stderr(&features)
    );
}

/// The item suppression `#[cfg_attr(async_sync_lint, allow(…))]` with the
/// README's check-cfg line passes `cargo check` under `-D warnings` (and
/// without the line it does not), and it suppresses the finding.
#[test]
fn the_documented_cfg_attr_suppression_builds_under_deny_warnings() {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README");
    let lints = code_blocks(&readme, "toml")
        .into_iter()
        .find(|b| b.contains("[lints.rust]"))
        .expect("the README's check-cfg block");
    let dir = tempfile::tempdir().expect("tempdir");
    package(dir.path(), "");
    let held = HELD.replace(
        "async fn f(",
        "#[cfg_attr(async_sync_lint, allow(async_sync_lint::sync_guard_across_await))]\npub async fn f(",
    );
    write(dir.path(), "src/lib.rs", &held);
    let check = || {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        Command::new(cargo)
            .args(["check", "--quiet", "--offline"])
            .current_dir(dir.path())
            .env("RUSTFLAGS", "-D warnings")
            .env("CARGO_TARGET_DIR", dir.path().join("target"))
            .output()
            .expect("cargo runs")
    };
    let without = check();
    assert!(!without.status.success(), "without check-cfg, unexpected_cfgs fails the build");
    assert!(
        stderr(&without).contains("unexpected_cfgs") || stderr(&without).contains("unexpected `cfg`"),
        "{}",
        stderr(&without)
    );
    package(dir.path(), lints);
    write(dir.path(), "src/lib.rs", &held);
    let with = check();
    assert!(with.status.success(), "{}", stderr(&with));
    let lint = run(&["--no-cache", "--", "-D", "warnings"], dir.path());
    assert_eq!(lint.status.code(), Some(0), "the attribute suppresses the finding: {}", stdout(&lint));
}

#[test]
fn show_files_show_settings_and_statistics() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    two_members(root, "[package.metadata.async-sync-lint]\nrules = { busy-wait = \"deny\" }\n");
    write(
        root,
        "async-sync-lint.toml",
        "exclude = [\"a/src/gen.rs\"]\n\n[rules]\nsync-guard-across-await = \"deny\"\n",
    );
    write(&root.join("a"), "src/gen.rs", HELD);
    write(
        &root.join("b"),
        "src/dropped.rs",
        "use parking_lot::Mutex;\npub fn f(m: &Mutex<u32>) {\n    let _ = m.lock();\n}\n",
    );

    let files = run(&["--show-files"], root);
    assert_eq!(files.status.code(), Some(0), "{}", stderr(&files));
    assert_eq!(stdout(&files), "a/src/lib.rs\nb/src/dropped.rs\nb/src/lib.rs\n", "excluded files are not shown");

    let settings = run(&["--show-settings", "-A", "lost-wakeup"], root);
    let text = stdout(&settings);
    assert!(
        text.starts_with(&format!("configuration files read:\n  {}\n", root.join("async-sync-lint.toml").display())),
        "{text}"
    );
    let line = |section: &str, rule: &str| -> String {
        let body = text.split(section).nth(1).unwrap_or_else(|| panic!("no `{section}` in:\n{text}"));
        body.lines()
            .find(|l| l.trim_start().starts_with(&format!("{rule} ")))
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(line("workspace (", "sync-guard-across-await"), "sync-guard-across-await deny async-sync-lint.toml");
    assert_eq!(line("workspace (", "lost-wakeup"), "lost-wakeup allow command line");
    assert_eq!(line("workspace (", "busy-wait"), "busy-wait warn default");
    assert_eq!(line("package `b`", "busy-wait"), "busy-wait deny [package.metadata.async-sync-lint]");
    assert!(!text.contains("package `a`"), "a's settings are the workspace's: {text}");

    let stats = run(&["--no-cache", "--statistics", "-W", "dropped-guard"], root);
    assert_eq!(
        stdout(&stats),
        "count  rule                       level  fixable\n    2  sync-guard-across-await    deny   0\n    1  dropped-guard              warn   1\n",
        "{}",
        stderr(&stats)
    );
    assert_eq!(stats.status.code(), Some(1), "the exit code still follows the findings");
}

/// `[per-path]` levels: a glob's rules for the files it matches; the
/// command line still wins.
#[test]
fn per_path_levels_apply_to_matching_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    package(root, "");
    std::fs::create_dir_all(root.join("tests")).expect("mkdir");
    write(root, "src/lib.rs", HELD);
    write(root, "tests/it.rs", HELD);
    write(
        root,
        "async-sync-lint.toml",
        "[rules]\nsync-guard-across-await = \"deny\"\n\n[per-path]\n\"tests/**\" = { sync-guard-across-await = \"allow\" }\n",
    );
    let out = run(&["--no-cache", "--all-targets", "--message-format", "short"], root);
    assert_eq!(
        stdout(&out).lines().map(|l| &l[..l.find(':').unwrap_or(0)]).collect::<Vec<_>>(),
        ["src/lib.rs"],
        "{}",
        stdout(&out)
    );
    let cli = run(&["--no-cache", "--all-targets", "--message-format", "short", "-W", "sync-guard-across-await"], root);
    assert_eq!(stdout(&cli).lines().count(), 2, "the command line wins: {}", stdout(&cli));
    write(root, "async-sync-lint.toml", "[per-path]\n\"tests/**\" = { busy-wiat = \"allow\" }\n");
    let bad = run(&["--no-cache"], root);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("unknown rule `busy-wiat` in `per-path.\"tests/**\"`; did you mean `busy-wait`?"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn add_suppressions_writes_an_allow_comment_above_each_finding() {
    let dir = tempfile::tempdir().expect("tempdir");
    let held = write(dir.path(), "held.rs", HELD);
    let out = run(&["held.rs", "--add-suppressions"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("added 1 suppression comment(s)"), "{}", stderr(&out));
    let text = std::fs::read_to_string(&held).expect("read");
    assert_eq!(
        text,
        HELD.replace(
            "    let g = m.lock()",
            "    // async-sync-lint: allow(sync-guard-across-await) -- TODO: say why\n    let g = m.lock()"
        )
    );
    let again = run(&["held.rs", "--", "-D", "warnings"], dir.path());
    assert_eq!(again.status.code(), Some(0), "the comment suppresses the finding: {}", stdout(&again));
    assert_eq!(stdout(&again), "");
}

#[test]
fn fix_removes_unused_suppressions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "// async-sync-lint: allow(busy-wait) -- no longer polls\nasync fn f() {\n    g().await; // async-sync-lint: allow(blocking-in-async)\n}\nasync fn g() {}\n";
    let file = write(dir.path(), "stale.rs", text);
    let out = run(&["stale.rs", "--fix"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "async fn f() {\n    g().await;\n}\nasync fn g() {}\n");
    assert_eq!(stdout(&run(&["stale.rs"], dir.path())), "", "nothing left to report");
}

/// A copy of the example project, to run commands that write into it.
fn example_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let from = repo().join("examples/async-app");
    std::fs::copy(from.join("Cargo.toml"), dir.path().join("Cargo.toml")).expect("copy");
    std::fs::create_dir(dir.path().join("src")).expect("mkdir");
    for e in std::fs::read_dir(from.join("src")).expect("readable") {
        let p = e.expect("readable").path();
        std::fs::copy(&p, dir.path().join("src").join(p.file_name().expect("named"))).expect("copy");
    }
    dir
}

/// Every `cargo async-sync-lint …` command the README shows (in its shell
/// blocks and inline) runs on (a copy of) the example project and exits as
/// the README says: 1 with its deny-level finding, 0 under `--exit-zero`, a
/// baseline that holds every finding, or once suppressions are written. A
/// command added to the README must be added here.
#[test]
fn every_readme_command_runs_on_the_example_and_exits_as_documented() {
    let documented: &[(&str, Option<i32>)] = &[
        ("cargo async-sync-lint", Some(1)),
        ("cargo async-sync-lint src/ tests/foo.rs", Some(1)),
        ("cargo async-sync-lint --message-format sarif -o results.sarif --exit-zero", Some(0)),
        ("cargo async-sync-lint -- -D warnings", Some(1)),
        ("cargo async-sync-lint --add-suppressions", Some(0)),
        ("cargo async-sync-lint --write-baseline async-sync-lint-baseline.json", Some(0)),
        ("cargo async-sync-lint --baseline async-sync-lint-baseline.json", Some(0)),
        ("cargo async-sync-lint --fix", Some(0)), // the deny-level finding is fixed
        ("cargo async-sync-lint --list-rules", Some(0)),
        // A language server on stdio: tests/server.rs drives it.
        ("cargo async-sync-lint server", None),
    ];
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README");
    let in_blocks = code_blocks(&readme, "sh").into_iter().flat_map(str::lines).map(|l| l.split(" #").next());
    let inline = readme.lines().flat_map(|l| l.split('`').skip(1).step_by(2).map(Some).collect::<Vec<_>>());
    let mut commands: Vec<&str> =
        in_blocks.chain(inline).flatten().map(str::trim).filter(|l| l.starts_with("cargo async-sync-lint")).collect();
    commands.sort();
    commands.dedup();
    assert!(commands.len() >= documented.len() - 1, "the README's commands: {commands:?}");
    for command in commands {
        let (_, code) = documented
            .iter()
            .find(|(c, _)| *c == command)
            .unwrap_or_else(|| panic!("the README shows `{command}`: add it here with its documented exit code"));
        let Some(code) = code else { continue };
        let dir = example_copy();
        std::fs::create_dir(dir.path().join("tests")).expect("mkdir");
        write(&dir.path().join("tests"), "foo.rs", HELD);
        let args: Vec<&str> = command.split_whitespace().skip(1).collect();
        if let Some(file) = command.strip_prefix("cargo async-sync-lint --baseline ") {
            // The README records the baseline first.
            let recorded = run(&["async-sync-lint", "--write-baseline", file], dir.path());
            assert!(dir.path().join(file).exists(), "{}", stderr(&recorded));
        }
        let out = run(&args, dir.path());
        assert_eq!(out.status.code(), Some(*code), "`{command}`:\n{}\n{}", stdout(&out), stderr(&out));
        if command.contains("-o results.sarif") {
            let sarif = std::fs::read_to_string(dir.path().join("results.sarif")).expect("results.sarif written");
            assert!(sarif.contains("\"version\": \"2.1.0\"") || sarif.contains("\"version\":\"2.1.0\""), "{sarif}");
        }
        if command.ends_with("--add-suppressions") {
            let cache = std::fs::read_to_string(dir.path().join("src/cache.rs")).expect("readable");
            assert!(cache.contains("// async-sync-lint: allow(sync-guard-across-await) -- TODO: say why"), "{cache}");
        }
    }
}

/// The development commands of the README and CONTRIBUTING.md name test
/// targets and fixtures that exist.
#[test]
fn development_commands_name_real_tests_and_fixtures() {
    for doc in ["README.md", "CONTRIBUTING.md"] {
        let text = std::fs::read_to_string(repo().join(doc)).expect(doc);
        for rest in text.split("--test ").skip(1) {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            assert!(repo().join(format!("tests/{name}.rs")).exists(), "{doc}: `--test {name}` names no test target");
        }
        for rest in text.split("FIXTURE=").skip(1) {
            let filter: String = rest.chars().take_while(|c| !c.is_whitespace() && *c != '`').collect();
            if filter == "name" || filter == "substring" || filter.is_empty() {
                continue;
            }
            let fixtures = files::rs_files(&repo().join("fixtures"));
            let found = fixtures.iter().any(|p| p.to_string_lossy().contains(&filter));
            assert!(found, "{doc}: `FIXTURE={filter}` matches no fixture");
        }
    }
}

/// A rule's options live in its own table; the old top-level key still
/// works, with a warning that says how to write it now.
#[test]
fn rule_options_in_the_rule_table_and_the_deprecated_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, "Cargo.toml", "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n");
    std::fs::create_dir_all(root.join("src")).expect("mkdir");
    write(root, "src/lib.rs", "pub async fn save() {\n    legacy::flush_sync();\n}\n");
    let lint = || run(&["--no-cache", "--message-format", "short"], root);
    let finding = "src/lib.rs:2:5: warning[blocking-in-async]";

    assert!(!stdout(&lint()).contains(finding), "not blocking without the option");

    let table = "[rules.blocking-in-async]\nblocking-paths = [\"legacy::flush_sync\"]\n";
    write(root, "async-sync-lint.toml", table);
    let with_table = lint();
    assert!(stdout(&with_table).contains(finding), "{}", stdout(&with_table));
    assert!(!String::from_utf8_lossy(&with_table.stderr).contains("deprecated"));
    let settings = run(&["--show-settings"], root);
    assert!(
        stdout(&settings).contains("[rules.blocking-in-async] blocking-paths = [\"legacy::flush_sync\"]"),
        "{}",
        stdout(&settings)
    );

    write(root, "async-sync-lint.toml", "blocking-paths = [\"legacy::flush_sync\"]\n");
    let with_old_key = lint();
    assert!(stdout(&with_old_key).contains(finding), "{}", stdout(&with_old_key));
    let warning = format!(
        "warning: {}: the top-level `blocking-paths` is deprecated: write it in the rule's table, \
         `[rules.blocking-in-async]` then `blocking-paths = [..]`\n",
        root.join("async-sync-lint.toml").display()
    );
    let err = String::from_utf8_lossy(&with_old_key.stderr).into_owned();
    assert_eq!(err.matches(&warning).count(), 1, "said once: {err}");

    write(root, "async-sync-lint.toml", "[rules.blocking-in-async]\nblocking-path = [\"a::b\"]\n");
    let typo = lint();
    assert_eq!(typo.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&typo.stderr).contains("did you mean `blocking-paths`?"));

    let explain = stdout(&run(&["--explain", "blocking-in-async"], root));
    assert!(explain.contains("## Options\n\n- `blocking-paths` (a list of call paths"), "{explain}");
    assert!(explain.contains("[rules.blocking-in-async]\nblocking-paths = [\"my_crate::io::read_blocking\"]"));
    assert!(!stdout(&run(&["--explain", "busy-wait"], root)).contains("## Options"));
}
