//! Crates pinned from crates.io and linted as downloaded: the shared part of
//! the lintcheck (`lintcheck/`, precision) and the recall set (`recall/`).
//! Each directory holds a `Cargo.toml` whose direct dependencies are the
//! crates, a `Cargo.lock` that pins them, and a `fetch.sh` that downloads
//! them (nothing is built). `scripts/test` runs it and names the sources'
//! directory in an environment variable and in a file under `target/`.

// Each test that includes this module uses a part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use async_sync_lint::driver::{self, RunOptions};
use async_sync_lint::engine::EngineOptions;
use async_sync_lint::input::discover::DiscoverOptions;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `BLESS=1` rewrites recorded results and generated docs; never under CI.
pub fn blessing() -> bool {
    std::env::var_os("BLESS").is_some() && std::env::var_os("CI").is_none()
}

/// `part` of `whole` in percent with `decimals` digits, or a dash for none.
pub fn percent(part: usize, whole: usize, decimals: usize) -> String {
    if whole == 0 {
        "–".to_string()
    } else {
        format!("{:.*} %", decimals, 100.0 * part as f64 / whole as f64)
    }
}

/// One finding: what identifies it across runs. Lines are stable because the
/// crates are pinned; only a change of the linter moves a key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    pub krate: String,
    pub version: String,
    pub file: String,
    pub line: u32,
    pub rule: String,
    pub message: String,
}

impl Key {
    pub fn tsv(&self) -> String {
        format!("{}\t{}\t{}\t{}\t{}\t{}", self.krate, self.version, self.file, self.line, self.rule, self.message)
    }

    pub fn parse(fields: &[&str], where_: &str) -> Key {
        let line = fields[3].parse().unwrap_or_else(|_| panic!("{where_}: line `{}` is not a number", fields[3]));
        Key {
            krate: fields[0].to_string(),
            version: fields[1].to_string(),
            file: fields[2].to_string(),
            line,
            rule: fields[4].to_string(),
            message: fields[5].to_string(),
        }
    }
}

/// Reads a TSV file: its header must be `header`, every row has as many
/// fields. Returns the rows' fields with their line numbers.
pub fn read_tsv(path: &Path, header: &str) -> Vec<(usize, Vec<String>)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(header), "{}: the first line must be the header", path.display());
    let width = header.split('\t').count();
    lines
        .enumerate()
        .map(|(i, line)| {
            let fields: Vec<String> = line.split('\t').map(str::to_string).collect();
            assert_eq!(fields.len(), width, "{}:{}: expected {width} tab-separated fields", path.display(), i + 2);
            (i + 2, fields)
        })
        .collect()
}

/// A list of pinned crates: the directory of its manifest (relative to the
/// repository) and the manifest's package name, the root of its lock file.
pub struct Pinned {
    pub dir: &'static str,
    pub root: &'static str,
    /// The variable `scripts/test` sets to the sources' directory.
    pub env: &'static str,
}

impl Pinned {
    /// `crate-name version` pairs: the direct dependencies of the manifest,
    /// read from its lock file (a renamed dependency under its real name).
    pub fn crates(&self) -> Vec<(String, String)> {
        let path = repo().join(self.dir).join("Cargo.lock");
        let lock = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut packages: Vec<(String, String, Vec<String>)> = Vec::new();
        let mut in_deps = false;
        for line in lock.lines() {
            let line = line.trim();
            if line == "[[package]]" {
                packages.push((String::new(), String::new(), Vec::new()));
                in_deps = false;
            } else if let (Some(p), Some(v)) = (packages.last_mut(), line.strip_prefix("name = ")) {
                p.0 = v.trim_matches('"').to_string();
            } else if let (Some(p), Some(v)) = (packages.last_mut(), line.strip_prefix("version = ")) {
                p.1 = v.trim_matches('"').to_string();
            } else if line == "dependencies = [" {
                in_deps = true;
            } else if line == "]" {
                in_deps = false;
            } else if let (true, Some(p)) = (in_deps, packages.last_mut()) {
                p.2.push(line.trim_end_matches(',').trim_matches('"').to_string());
            }
        }
        let root = packages
            .iter()
            .find(|p| p.0 == self.root)
            .unwrap_or_else(|| panic!("{}: the lock has the {} root", path.display(), self.root));
        root.2
            .iter()
            .map(|dep| match dep.split_once(' ') {
                // `name version` when the lock holds several versions of it.
                Some((name, version)) => (name.to_string(), version.to_string()),
                None => {
                    let p = packages.iter().find(|p| &p.0 == dep).expect("a dependency is a locked package");
                    (p.0.clone(), p.1.clone())
                }
            })
            .collect()
    }

    /// The fetched sources: the environment variable, else the path
    /// `scripts/test` wrote to `target/<dir>.path`.
    pub fn sources(&self) -> Option<PathBuf> {
        let from_env = std::env::var_os(self.env).map(PathBuf::from);
        let from_file = std::fs::read_to_string(repo().join(format!("target/{}.path", self.dir)))
            .ok()
            .map(|s| PathBuf::from(s.trim()));
        from_env.or(from_file).filter(|p| p.is_dir())
    }

    /// The sources, or `None` after a loud note when they were not fetched.
    /// Under CI a missing download is a failure, not a skip.
    pub fn sources_or_skip(&self, what: &str) -> Option<PathBuf> {
        let src = self.sources();
        if src.is_none() {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must provide the {what} crates ({}/fetch.sh; scripts/test runs it)",
                self.dir
            );
            eprintln!("NOTE: ************************************************************");
            eprintln!("NOTE: {what} SKIPPED: the crates are not fetched.");
            eprintln!("NOTE: run scripts/test (it runs {}/fetch.sh) to fetch them.", self.dir);
            eprintln!("NOTE: ************************************************************");
        }
        src
    }

    /// Lints every pinned crate (every target, default levels) as
    /// `cargo async-sync-lint <crate dirs>` would, and returns the findings
    /// keyed by crate and path inside it, sorted, one row per key.
    pub fn lint(&self, src: &Path) -> Vec<Key> {
        let crates = self.crates();
        let dirs: Vec<(String, &str, &str)> =
            crates.iter().map(|(n, v)| (format!("{n}-{v}"), n.as_str(), v.as_str())).collect();
        let missing: Vec<&str> = dirs.iter().filter(|d| !src.join(&d.0).is_dir()).map(|d| d.0.as_str()).collect();
        assert!(missing.is_empty(), "not fetched (run {}/fetch.sh): {missing:?}", self.dir);
        let opts = RunOptions {
            discover: DiscoverOptions {
                paths: dirs.iter().map(|d| src.join(&d.0)).collect(),
                cwd: src.to_path_buf(),
                ..Default::default()
            },
            level_flags: Vec::new(),
            engine: EngineOptions::default(),
        };
        let report = driver::run(&opts).unwrap_or_else(|e| panic!("the {} crates lint: {e:?}", self.dir));
        let mut keys: Vec<Key> = report
            .findings
            .iter()
            .map(|f| {
                let display = &report.workspace.files[f.file as usize].display;
                let (dir, file) = display.split_once('/').unwrap_or_else(|| panic!("`{display}` is inside a crate"));
                let (_, krate, version) =
                    dirs.iter().find(|d| d.0 == dir).unwrap_or_else(|| panic!("`{dir}` is pinned"));
                Key {
                    krate: krate.to_string(),
                    version: version.to_string(),
                    file: file.to_string(),
                    line: f.primary.line,
                    rule: f.rule.clone(),
                    // A TSV field: no tabs, one line.
                    message: f.message.replace(['\t', '\n', '\r'], " "),
                }
            })
            .collect();
        keys.sort();
        // Findings with one key (same line, rule and message) share a row.
        keys.dedup();
        keys
    }
}
