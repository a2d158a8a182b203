//! Meta-tests: the catalog, its documentation and the generated docs stay
//! honest, and the linter is clean on its own workspace.

use std::path::{Path, PathBuf};

use async_sync_lint::driver::{self, RunOptions};
use async_sync_lint::engine::EngineOptions;
use async_sync_lint::input::discover::DiscoverOptions;
use async_sync_lint::input::workspace::Edition;
use async_sync_lint::rules::{self, RuleMeta};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const SECTIONS: [&str; 5] =
    ["## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Known problems"];

#[test]
fn rule_docs_have_every_section_in_order() {
    for rule in rules::all() {
        let mut at = 0;
        for section in SECTIONS {
            let pos = rule.docs[at..]
                .find(section)
                .unwrap_or_else(|| panic!("`{}` docs lack `{section}` (or it is out of order)", rule.name));
            at += pos + section.len();
        }
    }
}

/// Rule names and engine codes share one namespace (levels, suppressions,
/// `--explain`): kebab-case, no name twice, each rule in its own file.
#[test]
fn rule_names_are_kebab_case_unique_and_match_their_files() {
    let mut seen = std::collections::BTreeSet::new();
    for rule in rules::all().into_iter().chain(rules::engine_codes()) {
        assert!(seen.insert(rule.name), "`{}` names two catalog entries", rule.name);
        assert!(
            rule.name.chars().all(|c| c.is_ascii_lowercase() || c == '-') && !rule.name.starts_with('-'),
            "`{}` is not kebab-case",
            rule.name
        );
    }
    for rule in rules::all() {
        let file = repo().join("crates/async-sync-lint/src/rules").join(format!("{}.rs", rule.name.replace('-', "_")));
        assert!(file.exists(), "rule `{}` should live in {}", rule.name, file.display());
    }
}

#[test]
fn summaries_follow_the_message_convention() {
    for rule in rules::all() {
        assert_message_convention(rule.summary, rule.name);
    }
}

/// Messages start lowercase and have no trailing period (rustc's style).
pub fn assert_message_convention(msg: &str, what: &str) {
    let first = msg.chars().next().unwrap_or(' ');
    assert!(!first.is_uppercase(), "{what}: message should start lowercase: {msg:?}");
    assert!(!msg.ends_with('.'), "{what}: message should not end with a period: {msg:?}");
}

/// The ```rust blocks under a heading, up to the next `## `.
fn code_blocks<'d>(docs: &'d str, heading: &str) -> Vec<&'d str> {
    let Some(start) = docs.find(heading) else { return Vec::new() };
    let section = &docs[start + heading.len()..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let mut out = Vec::new();
    let mut rest = section;
    while let Some(open) = rest.find("```rust") {
        let body = &rest[open + "```rust".len()..];
        let close = body.find("```").expect("closed code block");
        out.push(&body[..close]);
        rest = &body[close + 3..];
    }
    out
}

fn lint_snippet(rule: &RuleMeta, code: &str, n: usize, dir: &Path) -> Vec<String> {
    let path = dir.join(format!("{}_{n}.rs", rule.name.replace('-', "_")));
    std::fs::write(&path, code).expect("write snippet");
    let report = driver::run_file(&path, Edition::E2021, &[]).expect("snippet lints");
    report.findings.iter().map(|f| f.rule.clone()).collect()
}

/// biome's habit: the "bad" example produces exactly one finding of the
/// rule, and the "good" examples produce none, so the docs cannot rot.
#[test]
fn rule_doc_examples_do_what_they_say() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut problems = Vec::new();
    for rule in rules::all() {
        let bad = code_blocks(rule.docs, "## Example");
        let good = code_blocks(rule.docs, "## Use instead");
        assert!(!bad.is_empty(), "`{}` has no rust block under ## Example", rule.name);
        assert!(!good.is_empty(), "`{}` has no rust block under ## Use instead", rule.name);
        let found = lint_snippet(rule, bad[0], 0, dir.path());
        let n = found.iter().filter(|r| *r == rule.name).count();
        if n != 1 {
            problems.push(format!("`{}`: the Example gives {n} findings of the rule (want 1): {found:?}", rule.name));
        }
        for (i, block) in good.iter().enumerate() {
            let found = lint_snippet(rule, block, i + 1, dir.path());
            if found.iter().any(|r| r == rule.name) {
                problems.push(format!("`{}`: Use instead block {i} still gives the rule: {found:?}", rule.name));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `docs/rules.md` is generated from the rule metadata; so is the table in
/// the README. `BLESS=1` rewrites both.
#[test]
fn generated_docs_are_fresh() {
    let mut doc = String::from(
        "# Rules\n\n<!-- Generated from the rule metadata by tests/meta.rs; `BLESS=1 cargo test --test meta` refreshes it. -->\n\n",
    );
    doc.push_str(&rules_table());
    for rule in rules::all() {
        doc.push_str(&format!(
            "\n## {}\n\nDefault level: `{}`. {}.\n\n{}\n",
            rule.name,
            rule.default_level.as_str(),
            capitalize(rule.summary),
            demote_headings(&rule.full_docs())
        ));
    }
    check_or_bless(&repo().join("docs/rules.md"), &doc);

    let readme_path = repo().join("README.md");
    let readme = std::fs::read_to_string(&readme_path).expect("README.md");
    let (start, end) = ("<!-- rules-table:start -->\n", "<!-- rules-table:end -->");
    let a = readme.find(start).expect("README has the rules-table:start marker") + start.len();
    let b = readme.find(end).expect("README has the rules-table:end marker");
    let fresh = format!("{}{}{}", &readme[..a], rules_table(), &readme[b..]);
    check_or_bless(&readme_path, &fresh);
}

fn rules_table() -> String {
    let mut t = String::from("| rule | default | finds |\n|---|---|---|\n");
    for rule in rules::all() {
        t.push_str(&format!("| `{}` | {} | {} |\n", rule.name, rule.default_level.as_str(), rule.summary));
    }
    t
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Rule docs use `##` headings; under a `## rule` heading they become `###`.
fn demote_headings(docs: &str) -> String {
    docs.lines()
        .map(|l| if l.starts_with("## ") { format!("#{l}") } else { l.to_string() })
        .collect::<Vec<_>>()
        .join("\n")
}

fn check_or_bless(path: &Path, want: &str) {
    let have = std::fs::read_to_string(path).unwrap_or_default();
    if have == want {
        return;
    }
    if std::env::var_os("BLESS").is_some() && std::env::var_os("CI").is_none() {
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        std::fs::write(path, want).expect("write generated doc");
        return;
    }
    panic!("{} is stale; run `BLESS=1 cargo test --test meta` and commit the result", path.display());
}

/// The linter finds nothing in its own workspace (fixtures and the example
/// project are excluded by `async-sync-lint.toml`).
#[test]
fn dogfood_own_workspace_is_clean() {
    let opts = RunOptions {
        discover: DiscoverOptions { cwd: repo(), workspace: true, ..Default::default() },
        level_flags: Vec::new(),
        engine: EngineOptions { threads: Some(2), ..Default::default() },
    };
    let report = driver::run(&opts).expect("the workspace lints");
    assert!(report.workspace.files.len() > 20, "dogfood saw only {} files", report.workspace.files.len());
    assert!(
        report.workspace.files.iter().all(|f| !f.display.starts_with("fixtures/")),
        "fixtures should be excluded by async-sync-lint.toml"
    );
    let findings: Vec<String> = report
        .findings
        .iter()
        .map(|f| {
            format!("{}:{}: {} {}", report.workspace.files[f.file as usize].display, f.primary.line, f.rule, f.message)
        })
        .collect();
    assert!(findings.is_empty(), "findings on our own code:\n{}", findings.join("\n"));
}

fn help_text() -> String {
    let out =
        std::process::Command::new(env!("CARGO_BIN_EXE_cargo-async-sync-lint")).arg("--help").output().expect("runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `--long-flag` words of a text.
fn long_flags(text: &str) -> Vec<String> {
    let mut flags = Vec::new();
    for (i, _) in text.match_indices("--") {
        let rest = &text[i + 2..];
        let name: String = rest.chars().take_while(|c| c.is_ascii_lowercase() || *c == '-').collect();
        let before = text[..i].chars().last();
        if name.len() > 1 && !before.is_some_and(|c| c.is_alphanumeric() || c == '-') {
            flags.push(format!("--{}", name.trim_end_matches('-')));
        }
    }
    flags
}

/// The action and the pre-commit hook call the binary with flags it has.
#[test]
fn distribution_files_use_real_flags() {
    let help = help_text();
    for file in ["action.yml", ".pre-commit-hooks.yaml"] {
        let text = std::fs::read_to_string(repo().join(file)).expect(file);
        for line in text.lines().filter(|l| l.contains("async-sync-lint --") || l.contains("args:")) {
            for flag in long_flags(line) {
                if ["--locked", "--path"].contains(&flag.as_str()) {
                    continue; // cargo install's
                }
                assert!(help.contains(&flag), "{file} uses `{flag}`, which --help does not list");
            }
        }
    }
    let hooks = std::fs::read_to_string(repo().join(".pre-commit-hooks.yaml")).expect("hooks");
    assert!(hooks.contains("entry: cargo-async-sync-lint\n"), "the hook runs the installed binary");
    let example =
        std::fs::read_to_string(repo().join(".github/workflows/async-sync-lint-example.yml")).expect("example");
    assert!(example.contains("uses: async-sync-lint/async-sync-lint@"), "the example workflow uses the action");
}

/// Every flag the README shows on a command line exists.
#[test]
fn readme_flags_exist() {
    let help = help_text();
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README");
    let commands = readme.lines().filter(|l| l.contains("async-sync-lint") || l.starts_with("| `-"));
    let flags: Vec<String> = commands.flat_map(long_flags).collect();
    assert!(flags.len() > 20, "expected the README's flag table, found {flags:?}");
    let cargo_own = ["--path", "--test", "--git", "--locked", "--manifest-path-only"];
    for flag in flags {
        if cargo_own.contains(&flag.as_str()) {
            continue;
        }
        assert!(help.contains(&flag), "the README shows `{flag}`, which --help does not list");
    }
}

/// The three crates package for crates.io: metadata complete, every path
/// dependency versioned. `--no-verify` skips compiling the packaged crates
/// (the test suite has built them already), which keeps this a second.
#[test]
fn the_crates_package_for_publishing() {
    let target = tempfile::tempdir().expect("tempdir");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args([
            "package",
            "--no-verify",
            "--allow-dirty",
            "--offline",
            "-p",
            "async-sync-lint",
            "-p",
            "async-sync-lint-server",
            "-p",
            "cargo-async-sync-lint",
        ])
        .env("CARGO_TARGET_DIR", target.path())
        .current_dir(repo())
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    for krate in ["async-sync-lint", "async-sync-lint-server", "cargo-async-sync-lint"] {
        assert!(stderr.contains(&format!("Packaging {krate} v")), "{krate} was not packaged: {stderr}");
    }
    for manifest in ["Cargo.toml", "crates/async-sync-lint/Cargo.toml", "crates/server/Cargo.toml"] {
        let text = std::fs::read_to_string(repo().join(manifest)).expect(manifest);
        assert!(text.contains("repository = ") && text.contains("homepage = "), "{manifest} lacks repository/homepage");
    }
}

/// Backticked kebab-case words of our docs and comments that are not rule
/// names: configuration keys, flag values, crates and tools. Any other such
/// word must be a rule or an engine code, so a misspelt or renamed rule in
/// the docs fails here.
const NOT_RULES: &[&str] = &[
    "asl-bench",
    "async-std",
    "async-sync-lint",
    "blocking-paths",
    "build-finished",
    "cargo-async-sync-lint",
    "check-cfg",
    "compiler-message",
    "default-members",
    "honour-clippy-allows",
    "json-diagnostic-rendered-ansi",
    "json-diagnostic-short",
    "json-render-diagnostics",
    "libtest-mimic",
    "lsp-server",
    "lsp-types",
    "my-crate",
    "no-sync-guard",
    "nvim-lspconfig",
    "per-path",
    "working-directory",
];

/// Paths the docs mention that are not in the repository on purpose.
const NOT_OURS: &[&str] = &[
    "fuzz/artifacts/", // made by `cargo fuzz`
    "tests/foo.rs",    // a user's file, in a command-line example
];

/// Our prose: the Markdown docs (not `docs/PRECISION.md`, which cites files
/// of the crates it judged) and the line comments of our Rust sources
/// (fixtures excluded: they are lint input), as (file, line number, text).
fn prose() -> Vec<(String, usize, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).expect("readable").map(|e| e.expect("readable").path()) {
            let name = e.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if e.is_dir() && !name.starts_with('.') && !["target", "fixtures", "node_modules"].contains(&name) {
                walk(&e, out);
            } else if e.extension().is_some_and(|x| x == "rs" || x == "md") {
                out.push(e);
            }
        }
    }
    let mut files = Vec::new();
    walk(&repo(), &mut files);
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let rel = file.strip_prefix(repo()).expect("inside").to_string_lossy().replace('\\', "/");
        if rel == "docs/PRECISION.md" || rel == "tests/meta.rs" {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("readable");
        for (i, line) in text.lines().enumerate() {
            let keep = rel.ends_with(".md") || line.trim_start().starts_with("//");
            if keep {
                out.push((rel.clone(), i + 1, line.to_string()));
            }
        }
    }
    out
}

/// The `` `word` `` spans of a line.
fn backticked(line: &str) -> Vec<&str> {
    line.split('`').skip(1).step_by(2).collect()
}

fn is_kebab(word: &str) -> bool {
    let mut parts = word.split('-');
    let first_ok = parts.next().is_some_and(|p| p.starts_with(|c: char| c.is_ascii_lowercase()));
    first_ok
        && word.contains('-')
        && word.split('-').all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
}

/// Docs that cannot drift: every rule-like name is a real rule or engine
/// code, every repository path exists, every test named exists, and nothing
/// points into documents outside the repository.
#[test]
fn docs_and_comments_name_real_rules_files_and_tests() {
    let codes: Vec<&str> = rules::all().into_iter().chain(rules::engine_codes()).map(|r| r.name).collect();
    let mut fns = std::collections::BTreeSet::new();
    let prose = prose();
    for (file, _, _) in prose.iter().filter(|(f, _, _)| f.ends_with(".rs")) {
        let text = std::fs::read_to_string(repo().join(file)).expect("readable");
        for part in text.split("fn ").skip(1) {
            fns.insert(part.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>());
        }
    }
    let path_roots = [
        "tests/",
        "crates/",
        "scripts/",
        "docs/",
        "examples/",
        "lintcheck/",
        "recall/",
        "fuzz/",
        ".ci/",
        ".github/",
        "input/",
        "analysis/",
        "rules/",
        "output/",
        "extract/",
        "ir/",
        "render/",
    ];
    let src = repo().join("crates/async-sync-lint/src");
    let mut problems = Vec::new();
    for (file, n, line) in &prose {
        let at = format!("{file}:{n}");
        for word in backticked(line) {
            let crate_list = file == "lintcheck/README.md" || file == "recall/README.md"; // name the crates they lint
            if is_kebab(word) && !crate_list && !codes.contains(&word) && !NOT_RULES.contains(&word) {
                problems.push(format!("{at}: `{word}` is no rule or engine code (or add it to NOT_RULES)"));
            }
            let test = word.strip_prefix("tests::").unwrap_or(word);
            let snake = test.split('_').count() > 3 && test.chars().all(|c| c.is_ascii_lowercase() || c == '_');
            // The crate lists quote the linted crates' functions too.
            if (snake || word.starts_with("tests::"))
                && !crate_list
                && !fns.contains(test)
                && !test.starts_with("await_holding")
            {
                problems.push(format!("{at}: `{word}` names no function of ours"));
            }
        }
        for list in line.split("allow(").skip(1).filter_map(|rest| rest.split(')').next()) {
            for name in list.split(',').map(str::trim).filter(|n| n.contains('-') && is_kebab(n)) {
                if !codes.contains(&name) {
                    problems.push(format!("{at}: `allow({name})` names no rule"));
                }
            }
        }
        for word in line.split(|c: char| c.is_whitespace() || "`()[],;:\"'".contains(c)) {
            let Some(root) = path_roots.iter().find(|r| word.starts_with(*r)) else { continue };
            let path = word.trim_end_matches('.');
            if path.len() == root.len() || path.contains(['<', '*', '{', '$']) || NOT_OURS.contains(&path) {
                continue;
            }
            let here = repo().join(file).parent().map(|d| d.join(path));
            if !repo().join(path).exists() && !src.join(path).exists() && !here.is_some_and(|p| p.exists()) {
                problems.push(format!("{at}: `{path}` does not exist"));
            }
        }
        for outside in ["DESIGN §", "DESIGN.md", "STYLE.md"] {
            if line.contains(outside) {
                problems.push(format!("{at}: `{outside}` is outside the repository; say it here instead"));
            }
        }
    }
    assert!(problems.is_empty(), "{} stale references:\n{}", problems.len(), problems.join("\n"));
}
