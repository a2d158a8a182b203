//! Finding the packages and files to lint.
//!
//! Two modes:
//! - **workspace mode** (no paths, or `--manifest-path`, `-p`, `--workspace`):
//!   `cargo metadata --no-deps --offline` names the members and their targets;
//!   every `.rs` file under a selected package's directory is linted, minus
//!   `target/`, hidden directories, nested packages and ignored paths. When
//!   cargo fails, the error is recorded and the manifest's directory is linted
//!   as a plain path.
//! - **path mode**: the given files and directories; each file belongs to the
//!   nearest enclosing `Cargo.toml` with a `[package]`, read with `toml`.
//!
//! Only a bad invocation is fatal (`DiscoverError`); everything met on disk is
//! a `DiscoveryError` in `Workspace::errors` and the run goes on.
//!
//! Symbolic links are followed, so a linked module directory is linted; the
//! `ignore` walker detects loops (a link to an ancestor), which are reported
//! and not entered. Files reached twice are deduplicated by canonical path.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::{DirEntry, WalkBuilder};

use crate::workspace::{DiscoveryError, Edition, Package, SourceFile, Target, Workspace};

#[derive(Clone, Debug, Default)]
pub struct DiscoverOptions {
    /// Explicit paths (files or directories). Empty = the workspace/package at `cwd`.
    pub paths: Vec<PathBuf>,
    pub manifest_path: Option<PathBuf>,
    /// `-p/--package` values: package names or cargo package-id specs
    /// (`path+file:///abs#0.1.0`, `name@0.1.0`).
    pub packages: Vec<String>,
    pub workspace: bool,
    /// `--exclude` package names.
    pub exclude_packages: Vec<String>,
    /// Glob patterns (gitignore syntax, relative to the workspace root) of
    /// paths to skip (from config).
    pub exclude_paths: Vec<String>,
    pub edition_override: Option<Edition>,
    pub cwd: PathBuf,
}

/// A fatal discovery error: the invocation itself is wrong.
#[derive(Debug)]
pub struct DiscoverError {
    pub message: String,
}

impl DiscoverError {
    fn new(message: impl Into<String>) -> DiscoverError {
        DiscoverError { message: message.into() }
    }
}

impl fmt::Display for DiscoverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DiscoverError {}

pub fn discover(opts: &DiscoverOptions) -> Result<Workspace, DiscoverError> {
    let cwd = fs::canonicalize(&opts.cwd)
        .map_err(|e| DiscoverError::new(format!("cannot use directory `{}`: {e}", opts.cwd.display())))?;
    let mut d = Discovery::new(opts, cwd);
    let workspace_mode =
        opts.paths.is_empty() || opts.manifest_path.is_some() || opts.workspace || !opts.packages.is_empty();
    if workspace_mode {
        d.workspace_mode()?;
    } else {
        d.ws.root = d.cwd.clone();
        d.ws.lint_metadata = d.workspace_metadata_above(&d.cwd.clone());
        d.set_excludes();
        for path in &opts.paths {
            d.add_explicit(path);
        }
    }
    Ok(d.finish())
}

/// A file found, before editions and display names are worked out.
struct Found {
    path: PathBuf,
    package: Option<usize>,
}

/// State of one discovery run: what was found so far plus caches.
struct Discovery<'a> {
    opts: &'a DiscoverOptions,
    cwd: PathBuf,
    ws: Workspace,
    found: Vec<Found>,
    /// Parsed manifests; `None` when unreadable (already reported).
    manifests: HashMap<PathBuf, Option<Rc<toml::Table>>>,
    /// Directory → package owning the files directly in it.
    owners: HashMap<PathBuf, Option<usize>>,
    /// Manifests whose problems were already reported (no duplicates).
    reported: HashSet<PathBuf>,
    /// Extra directories never walked into (cargo's target directory).
    skip_dirs: Vec<PathBuf>,
    excludes: Arc<Gitignore>,
    /// With explicit paths in workspace mode: only files under these.
    restrict_to: Option<Vec<PathBuf>>,
}

impl<'a> Discovery<'a> {
    fn new(opts: &'a DiscoverOptions, cwd: PathBuf) -> Discovery<'a> {
        Discovery {
            opts,
            cwd,
            ws: Workspace::default(),
            found: Vec::new(),
            manifests: HashMap::new(),
            owners: HashMap::new(),
            reported: HashSet::new(),
            skip_dirs: Vec::new(),
            excludes: Arc::new(Gitignore::empty()),
            restrict_to: None,
        }
    }

    fn error(&mut self, path: impl Into<PathBuf>, message: impl Into<String>) {
        self.ws.errors.push(DiscoveryError { path: path.into(), message: message.into() });
    }

    /// Compiles `exclude_paths` relative to `ws.root`; call once the root is known.
    fn set_excludes(&mut self) {
        let mut builder = GitignoreBuilder::new(&self.ws.root);
        for pattern in &self.opts.exclude_paths {
            if let Err(e) = builder.add_line(None, pattern) {
                let message = format!("invalid exclude pattern `{pattern}`: {e}");
                self.error(self.ws.root.clone(), message);
            }
        }
        match builder.build() {
            Ok(gi) => self.excludes = Arc::new(gi),
            Err(e) => {
                let message = format!("invalid exclude patterns: {e}");
                self.error(self.ws.root.clone(), message);
            }
        }
    }

    // ---- workspace mode -------------------------------------------------

    fn workspace_mode(&mut self) -> Result<(), DiscoverError> {
        let manifest = match &self.opts.manifest_path {
            Some(m) => checked_manifest_path(&self.cwd.join(m))?,
            None => match find_upwards(&self.cwd, "Cargo.toml") {
                Some(m) => m,
                None => {
                    // Not in a cargo project: lint the current directory as a
                    // plain path, as `async-sync-lint .` would.
                    self.ws.root = self.cwd.clone();
                    self.set_excludes();
                    self.restrict_to_paths();
                    let cwd = self.cwd.clone();
                    self.add_dir(&cwd, false);
                    return Ok(());
                }
            },
        };
        match cargo_metadata(&manifest, &self.cwd) {
            Ok(meta) => self.use_metadata(&meta, &manifest)?,
            Err(message) => self.fallback(&manifest, message),
        }
        self.restrict_to_paths();
        Ok(())
    }

    /// Lints the manifest's directory as a plain path after `cargo metadata`
    /// failed, so a broken manifest does not hide every finding.
    fn fallback(&mut self, manifest: &Path, message: String) {
        self.error(manifest, format!("cargo metadata failed: {message}"));
        self.reported.insert(manifest.to_path_buf());
        let dir = parent_dir(manifest);
        self.ws.root = dir.clone();
        if let Some(table) = self.manifest(manifest) {
            self.ws.lint_metadata = lint_metadata(&table, "workspace");
        }
        self.set_excludes();
        self.add_dir(&dir, false);
    }

    fn use_metadata(&mut self, meta: &cargo_metadata::Metadata, manifest: &Path) -> Result<(), DiscoverError> {
        self.ws.root = meta.workspace_root.clone().into_std_path_buf();
        self.ws.lint_metadata = meta.workspace_metadata.get("async-sync-lint").cloned();
        self.skip_dirs.push(meta.target_directory.clone().into_std_path_buf());
        self.set_excludes();
        let selected = select_packages(meta, manifest, self.opts)?;
        let members = meta.workspace_members.len();
        let at_root = manifest == meta.workspace_root.join("Cargo.toml").as_std_path();
        let by_default_members = self.opts.packages.is_empty()
            && !self.opts.workspace
            && at_root
            && meta.workspace_default_members.is_available();
        if by_default_members && selected.len() < members {
            self.ws.default_members = Some((selected.len(), members));
        }
        for pkg in selected {
            let package = convert_package(pkg);
            let dir = parent_dir(&package.manifest_path);
            let outside: Vec<PathBuf> = package
                .targets
                .iter()
                .map(|t| t.src_path.clone())
                .filter(|p| !p.starts_with(&dir) && p.is_file())
                .collect();
            self.ws.packages.push(package);
            let index = self.ws.packages.len() - 1;
            self.walk(&dir, true, Some(index));
            // A target may live outside its package (`[lib] path = "../x.rs"`).
            for path in outside {
                self.found.push(Found { path, package: Some(index) });
            }
        }
        Ok(())
    }

    /// Explicit paths given together with workspace selection flags narrow
    /// the selection to files under those paths.
    fn restrict_to_paths(&mut self) {
        if self.opts.paths.is_empty() {
            return;
        }
        let mut keep = Vec::new();
        for path in &self.opts.paths {
            let abs = self.cwd.join(path);
            match fs::canonicalize(&abs) {
                Ok(canon) => {
                    if canon.is_file() {
                        // Linted even if ignored or outside the selection.
                        self.add_file(&abs);
                    }
                    keep.push(canon);
                }
                Err(e) => self.path_error(path, &e),
            }
        }
        self.restrict_to = Some(keep);
    }

    // ---- explicit paths -------------------------------------------------

    fn add_explicit(&mut self, path: &Path) {
        let abs = self.cwd.join(path);
        match fs::metadata(&abs) {
            Ok(m) if m.is_dir() => match fs::canonicalize(&abs) {
                Ok(dir) => self.add_dir(&dir, false),
                Err(e) => self.path_error(path, &e),
            },
            Ok(_) => self.add_file(&abs),
            Err(e) => self.path_error(path, &e),
        }
    }

    fn path_error(&mut self, path: &Path, e: &io::Error) {
        let message = if e.kind() == io::ErrorKind::NotFound {
            "no such file or directory".to_string()
        } else {
            format!("cannot read: {e}")
        };
        self.error(path, message);
    }

    /// An explicit file: linted whatever its name or ignore status.
    fn add_file(&mut self, abs: &Path) {
        // Canonicalise the directory but keep the file's own name, so a
        // symlinked file is shown under the name the user gave.
        let dir = parent_dir(abs);
        let dir = fs::canonicalize(&dir).unwrap_or(dir);
        let path = match abs.file_name() {
            Some(name) => dir.join(name),
            None => abs.to_path_buf(),
        };
        let package = self.owner(&dir);
        self.found.push(Found { path, package });
    }

    /// Walks a directory; each file belongs to its nearest enclosing package.
    fn add_dir(&mut self, dir: &Path, skip_nested: bool) {
        let start = self.found.len();
        self.walk(dir, skip_nested, None);
        for i in start..self.found.len() {
            let parent = parent_dir(&self.found[i].path);
            self.found[i].package = self.owner(&parent);
        }
    }

    // ---- walking --------------------------------------------------------

    /// Collects the `.rs` files under `dir`, honouring ignore files even
    /// outside a git repository. With `skip_nested`, subdirectories holding
    /// their own `Cargo.toml` are left out: they belong to that package.
    fn walk(&mut self, dir: &Path, skip_nested: bool, package: Option<usize>) {
        let mut builder = WalkBuilder::new(dir);
        builder
            .hidden(true)
            .parents(true)
            .ignore(true)
            .git_ignore(true)
            .git_exclude(true)
            .require_git(false)
            .follow_links(true);
        let filter =
            EntryFilter { excludes: Arc::clone(&self.excludes), skip_dirs: self.skip_dirs.clone(), skip_nested };
        builder.filter_entry(move |entry| filter.keep(entry));
        for result in builder.build() {
            match result {
                Ok(entry) => {
                    let is_file = entry.file_type().is_some_and(|t| t.is_file());
                    if is_file && has_rs_extension(entry.path()) {
                        self.found.push(Found { path: entry.into_path(), package });
                    }
                }
                Err(err) => self.walk_error(err, dir),
            }
        }
    }

    fn walk_error(&mut self, err: ignore::Error, walk_root: &Path) {
        let (path, message) = describe_walk_error(&err);
        let path = path.unwrap_or_else(|| walk_root.to_path_buf());
        if is_irrelevant_broken_link(&path, &err) {
            return;
        }
        // A dangling link or a link loop hides no source: the loop's target
        // is walked anyway, and a missing target has nothing to lint.
        let is_link_problem = matches!(err, ignore::Error::Loop { .. })
            || fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) && fs::metadata(&path).is_err()
            || message.starts_with("symbolic link loop");
        if is_link_problem {
            self.ws.warnings.push(DiscoveryError { path, message });
            return;
        }
        self.error(path, message);
    }

    // ---- packages from manifests ------------------------------------------

    /// The package owning files directly in `dir`: the nearest `Cargo.toml`
    /// at or above it, if that manifest has a `[package]`.
    fn owner(&mut self, dir: &Path) -> Option<usize> {
        let mut visited = Vec::new();
        let mut result = None;
        for ancestor in dir.ancestors() {
            if let Some(&cached) = self.owners.get(ancestor) {
                result = cached;
                break;
            }
            visited.push(ancestor.to_path_buf());
            let manifest = ancestor.join("Cargo.toml");
            if manifest.is_file() {
                result = self.package_at(&manifest);
                break;
            }
        }
        for dir in visited {
            self.owners.insert(dir, result);
        }
        result
    }

    fn package_at(&mut self, manifest: &Path) -> Option<usize> {
        if let Some(i) = self.ws.packages.iter().position(|p| p.manifest_path == manifest) {
            return Some(i);
        }
        let table = self.manifest(manifest)?;
        let package = self.package_from_manifest(manifest, &table)?;
        self.ws.packages.push(package);
        Some(self.ws.packages.len() - 1)
    }

    /// Reads and parses a manifest once; problems are reported once.
    fn manifest(&mut self, path: &Path) -> Option<Rc<toml::Table>> {
        if let Some(cached) = self.manifests.get(path) {
            return cached.clone();
        }
        let parsed = match read_manifest(path) {
            Ok(table) => Some(Rc::new(table)),
            Err(message) => {
                if self.reported.insert(path.to_path_buf()) {
                    self.error(path, message);
                }
                None
            }
        };
        self.manifests.insert(path.to_path_buf(), parsed.clone());
        parsed
    }

    fn package_from_manifest(&mut self, manifest: &Path, table: &toml::Table) -> Option<Package> {
        let pkg = table.get("package")?.as_table()?;
        let dir = parent_dir(manifest);
        let name = match pkg.get("name").and_then(|v| v.as_str()) {
            Some(name) => name.to_string(),
            None => dir.file_name()?.to_string_lossy().into_owned(),
        };
        let version = match self.package_field(&dir, pkg, "version") {
            Field::Value(v) => v,
            Field::Absent | Field::Unresolved => "0.0.0".to_string(),
        };
        let edition = match self.package_field(&dir, pkg, "edition") {
            Field::Value(v) => Edition::parse(&v).unwrap_or_default(),
            // Cargo's default when the key is missing.
            Field::Absent => Edition::E2015,
            Field::Unresolved => Edition::default(),
        };
        Some(Package {
            id: format!("path+file://{}#{name}@{version}", dir.display()),
            targets: infer_targets(&dir, table, &name, edition),
            manifest_path: manifest.to_path_buf(),
            lint_metadata: lint_metadata(table, "package"),
            name,
            version,
            edition,
        })
    }

    /// A `[package]` string field, following `key.workspace = true` to the
    /// workspace root's `[workspace.package]`.
    fn package_field(&mut self, dir: &Path, pkg: &toml::Table, key: &str) -> Field {
        let value = match pkg.get(key) {
            None => return Field::Absent,
            Some(toml::Value::String(s)) => return Field::Value(s.clone()),
            Some(v) => v,
        };
        let inherits = value.get("workspace").and_then(|w| w.as_bool()) == Some(true);
        if !inherits {
            return Field::Unresolved;
        }
        let explicit_root = pkg.get("workspace").and_then(|w| w.as_str()).map(|w| dir.join(w));
        let root = match explicit_root {
            Some(root) => Some(root.join("Cargo.toml")),
            None => self.workspace_manifest_above(dir.parent()),
        };
        let inherited = root.and_then(|root| self.manifest(&root)).and_then(|t| {
            let value = t.get("workspace")?.get("package")?.get(key)?;
            value.as_str().map(str::to_string)
        });
        inherited.map_or(Field::Unresolved, Field::Value)
    }

    /// The nearest manifest at or above `dir` with a `[workspace]` table.
    fn workspace_manifest_above(&mut self, dir: Option<&Path>) -> Option<PathBuf> {
        for ancestor in dir?.ancestors() {
            let manifest = ancestor.join("Cargo.toml");
            if !manifest.is_file() {
                continue;
            }
            if self.manifest(&manifest).is_some_and(|t| t.contains_key("workspace")) {
                return Some(manifest);
            }
        }
        None
    }

    fn workspace_metadata_above(&mut self, dir: &Path) -> Option<serde_json::Value> {
        let manifest = self.workspace_manifest_above(Some(dir))?;
        let table = self.manifest(&manifest)?;
        lint_metadata(&table, "workspace")
    }

    // ---- the result -----------------------------------------------------

    fn finish(mut self) -> Workspace {
        let mut seen = HashSet::new();
        let mut files = Vec::new();
        for found in std::mem::take(&mut self.found) {
            let canonical = fs::canonicalize(&found.path).unwrap_or_else(|_| found.path.clone());
            if let Some(keep) = &self.restrict_to {
                if !keep.iter().any(|k| canonical.starts_with(k)) {
                    continue;
                }
            }
            if !seen.insert(canonical) {
                continue;
            }
            files.push(self.source_file(found));
        }
        files.sort_by(|a, b| a.display.cmp(&b.display));
        self.ws.files = files;
        self.ws.errors.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
        self.ws.errors.dedup();
        self.ws.warnings.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
        self.ws.warnings.dedup();
        self.ws
    }

    fn source_file(&self, found: Found) -> SourceFile {
        let package = found.package.map(|i| &self.ws.packages[i]);
        let (target, target_edition) = match package {
            Some(p) => assign_target(&found.path, p),
            None => (None, None),
        };
        let edition = self.opts.edition_override.or(target_edition).or(package.map(|p| p.edition)).unwrap_or_default();
        SourceFile {
            display: display_path(&found.path, &self.ws.root, &self.cwd),
            path: found.path,
            edition,
            package: found.package,
            target,
        }
    }
}

enum Field {
    Absent,
    /// Present but not a plain string we could resolve (bad inheritance).
    Unresolved,
    Value(String),
}

/// Decides which walk entries to descend into or keep. Shared with the
/// walker's threads, hence owned data only.
struct EntryFilter {
    excludes: Arc<Gitignore>,
    skip_dirs: Vec<PathBuf>,
    skip_nested: bool,
}

impl EntryFilter {
    fn keep(&self, entry: &DirEntry) -> bool {
        // The walk root itself was asked for explicitly.
        if entry.depth() == 0 {
            return true;
        }
        let path = entry.path();
        let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
        if self.is_excluded(path, is_dir) {
            return false;
        }
        if !is_dir {
            return true;
        }
        if is_cargo_target_dir(path) || self.skip_dirs.iter().any(|d| d == path) {
            return false;
        }
        !(self.skip_nested && path.join("Cargo.toml").is_file())
    }

    fn is_excluded(&self, path: &Path, is_dir: bool) -> bool {
        // The matcher panics on paths outside its root.
        path.starts_with(self.excludes.path()) && self.excludes.matched_path_or_any_parents(path, is_dir).is_ignore()
    }
}

/// A `target` directory next to a manifest, or any directory cargo tagged
/// as a build cache. A module directory that happens to be called `target`
/// (`src/target/`) is kept.
fn is_cargo_target_dir(path: &Path) -> bool {
    if path.join("CACHEDIR.TAG").is_file() {
        return true;
    }
    path.file_name().is_some_and(|n| n == "target") && path.parent().is_some_and(|p| p.join("Cargo.toml").is_file())
}

fn has_rs_extension(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "rs")
}

/// A broken link named like a non-Rust file (`notes.txt`) cannot hide source
/// files, so reporting it would only be noise. Links with no extension may
/// have been directories and are reported.
fn is_irrelevant_broken_link(path: &Path, err: &ignore::Error) -> bool {
    let not_found = err.io_error().is_some_and(|e| e.kind() == io::ErrorKind::NotFound);
    let is_link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    not_found && is_link && path.extension().is_some_and(|e| e != "rs")
}

/// The path an `ignore` walk error is about, and a message for people.
fn describe_walk_error(err: &ignore::Error) -> (Option<PathBuf>, String) {
    match err {
        ignore::Error::WithPath { path, err } => {
            let (_, message) = describe_walk_error(err);
            let message = match err.io_error() {
                Some(e) if e.kind() == io::ErrorKind::NotFound => {
                    if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
                        "broken symbolic link".to_string()
                    } else {
                        message
                    }
                }
                _ => message,
            };
            (Some(path.clone()), message)
        }
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => describe_walk_error(err),
        ignore::Error::Partial(errs) => match errs.first() {
            Some(first) => describe_walk_error(first),
            None => (None, err.to_string()),
        },
        ignore::Error::Loop { ancestor, child } => {
            (Some(child.clone()), format!("symbolic link loop: points back to `{}`, not followed", ancestor.display()))
        }
        ignore::Error::Io(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            (None, "cannot read: permission denied".to_string())
        }
        ignore::Error::Io(e) => (None, format!("cannot read: {e}")),
        other => (None, other.to_string()),
    }
}

// ---- cargo metadata ---------------------------------------------------------

fn checked_manifest_path(path: &Path) -> Result<PathBuf, DiscoverError> {
    if path.file_name().map_or(true, |n| n != "Cargo.toml") {
        return Err(DiscoverError::new(format!(
            "the manifest-path must be a path to a Cargo.toml file: `{}`",
            path.display()
        )));
    }
    fs::canonicalize(path).map_err(|e| {
        let reason = if e.kind() == io::ErrorKind::NotFound { "does not exist".to_string() } else { e.to_string() };
        DiscoverError::new(format!("manifest path `{}` {reason}", path.display()))
    })
}

fn find_upwards(start: &Path, name: &str) -> Option<PathBuf> {
    start.ancestors().map(|dir| dir.join(name)).find(|p| p.is_file())
}

/// Runs `cargo metadata --no-deps --offline` (no build scripts, no network).
/// On failure, returns cargo's message, trimmed to its meaningful lines.
///
/// A project may pin a toolchain (`rust-toolchain.toml`) that is not
/// installed. Reading metadata does not depend on it, and linting must never
/// download a toolchain, so rustup's auto-install is off and a missing pinned
/// toolchain is retried with the default one.
fn cargo_metadata(manifest: &Path, cwd: &Path) -> Result<cargo_metadata::Metadata, String> {
    let run = |toolchain: Option<&str>| {
        let mut cmd = cargo_metadata::MetadataCommand::new();
        cmd.no_deps()
            .manifest_path(manifest)
            .current_dir(cwd)
            .other_options(vec!["--offline".to_string()])
            .env("RUSTUP_AUTO_INSTALL", "0");
        if let Some(t) = toolchain {
            cmd.env("RUSTUP_TOOLCHAIN", t);
        }
        cmd.exec()
    };
    let mut result = run(None);
    if let Err(cargo_metadata::Error::CargoMetadata { stderr }) = &result {
        if stderr.contains("toolchain") && (stderr.contains("not installed") || stderr.contains("is not installed")) {
            result = run(Some(&default_toolchain()));
        }
    }
    result.map_err(|e| match e {
        cargo_metadata::Error::CargoMetadata { stderr } => summarize_cargo_error(&stderr),
        other => other.to_string(),
    })
}

/// The toolchain rustup uses outside any override (`rustup default`), or
/// `stable`.
fn default_toolchain() -> String {
    std::process::Command::new("rustup")
        .arg("default")
        .env("RUSTUP_AUTO_INSTALL", "0")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "stable".to_string())
}

/// Cargo's stderr is `error: what` then `Caused by:` blocks and source
/// snippets; keep the sentences and the snippet's location, drop the art.
fn summarize_cargo_error(stderr: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    for line in stderr.lines().map(str::trim) {
        if let Some(location) = line.strip_prefix("-->") {
            if let Some(last) = parts.last_mut() {
                last.push_str(&format!(" ({})", location.trim()));
            }
            continue;
        }
        if line.is_empty() || line == "Caused by:" || line.starts_with("warning:") {
            continue;
        }
        if !is_snippet_line(line) && parts.len() < 4 {
            parts.push(line.strip_prefix("error: ").unwrap_or(line).to_string());
        }
    }
    if parts.is_empty() {
        "cargo exited with an error".to_string()
    } else {
        parts.join(": ")
    }
}

/// `|`, `1 | code`, `^^^` lines of a rendered snippet.
fn is_snippet_line(line: &str) -> bool {
    let rest = line.trim_start_matches(|c: char| c.is_ascii_digit()).trim_start();
    rest.starts_with('|') || rest.starts_with('^')
}

fn select_packages<'m>(
    meta: &'m cargo_metadata::Metadata,
    manifest: &Path,
    opts: &DiscoverOptions,
) -> Result<Vec<&'m cargo_metadata::Package>, DiscoverError> {
    let members = meta.workspace_packages();
    let mut selected: Vec<&cargo_metadata::Package> = if !opts.packages.is_empty() {
        for spec in &opts.packages {
            if !members.iter().any(|p| spec_matches(spec, p)) {
                return Err(DiscoverError::new(format!(
                    "package ID specification `{spec}` did not match any packages"
                )));
            }
        }
        members.iter().copied().filter(|p| opts.packages.iter().any(|s| spec_matches(s, p))).collect()
    } else if opts.workspace {
        members
    } else if manifest == meta.workspace_root.join("Cargo.toml").as_std_path() {
        // The root manifest: cargo's default members (all members of a
        // virtual workspace, the root package otherwise, or `default-members`).
        if meta.workspace_default_members.is_available() {
            meta.workspace_default_packages()
        } else {
            members
        }
    } else {
        // A member's own manifest: just that package.
        let own: Vec<_> = members.iter().copied().filter(|p| p.manifest_path == manifest).collect();
        if own.is_empty() {
            members
        } else {
            own
        }
    };
    selected.retain(|p| !opts.exclude_packages.iter().any(|s| spec_matches(s, p)));
    Ok(selected)
}

/// Does a `-p` value select this package? Accepts `name`, `name@version`,
/// `name:version`, a full package id, and `[kind+]url[#name][@version]`.
fn spec_matches(spec: &str, pkg: &cargo_metadata::Package) -> bool {
    let name = pkg.name.as_str();
    let version = pkg.version.to_string();
    if spec == pkg.id.repr {
        return true;
    }
    if let Some((_, _)) = spec.split_once("://") {
        let (url, fragment) = match spec.split_once('#') {
            Some((url, fragment)) => (url, Some(fragment)),
            None => (spec, None),
        };
        let id_url = pkg.id.repr.split('#').next().unwrap_or("");
        if strip_kind(url) != strip_kind(id_url) {
            return false;
        }
        return fragment.map_or(true, |f| fragment_matches(f, name, &version));
    }
    let (spec_name, spec_version) = split_name_version(spec);
    spec_name == name && spec_version.map_or(true, |v| version_matches(v, &version))
}

fn strip_kind(url: &str) -> &str {
    let url = url.split('?').next().unwrap_or(url);
    match url.split_once('+') {
        Some((kind, rest)) if !kind.contains('/') => rest,
        _ => url,
    }
}

/// `name`, `version`, `name@version` or `name:version` after a `#`.
fn fragment_matches(fragment: &str, name: &str, version: &str) -> bool {
    if fragment.starts_with(|c: char| c.is_ascii_digit()) {
        return version_matches(fragment, version);
    }
    let (spec_name, spec_version) = split_name_version(fragment);
    spec_name == name && spec_version.map_or(true, |v| version_matches(v, version))
}

fn split_name_version(spec: &str) -> (&str, Option<&str>) {
    match spec.split_once('@').or_else(|| spec.split_once(':')) {
        Some((name, version)) => (name, Some(version)),
        None => (spec, None),
    }
}

/// `1.2` matches `1.2.3`: a spec version may give only leading components.
fn version_matches(spec: &str, version: &str) -> bool {
    let mut actual = version.split('.');
    spec.split('.').all(|part| actual.next() == Some(part))
}

fn convert_package(pkg: &cargo_metadata::Package) -> Package {
    Package {
        name: pkg.name.to_string(),
        version: pkg.version.to_string(),
        id: pkg.id.repr.clone(),
        manifest_path: pkg.manifest_path.clone().into_std_path_buf(),
        edition: convert_edition(pkg.edition),
        targets: pkg.targets.iter().map(convert_target).collect(),
        lint_metadata: pkg.metadata.get("async-sync-lint").cloned(),
    }
}

fn convert_target(t: &cargo_metadata::Target) -> Target {
    Target {
        name: t.name.clone(),
        kind: t.kind.iter().map(|k| k.to_string()).collect(),
        crate_types: t.crate_types.iter().map(|c| c.to_string()).collect(),
        src_path: t.src_path.clone().into_std_path_buf(),
        edition: convert_edition(t.edition),
        doc: t.doc,
        doctest: t.doctest,
        test: t.test,
    }
}

/// Editions newer than we know scope like the newest we know.
fn convert_edition(e: cargo_metadata::Edition) -> Edition {
    Edition::parse(e.as_str()).unwrap_or(Edition::E2024)
}

// ---- manifests read directly ------------------------------------------------

fn read_manifest(path: &Path) -> Result<toml::Table, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("cannot read manifest: {e}"))?;
    toml::from_str::<toml::Table>(&text).map_err(|e| {
        let before = e.span().and_then(|s| text.get(..s.start));
        let line = before.map(|b| b.matches('\n').count() + 1);
        let message = e.message().trim();
        match line {
            Some(line) => format!("invalid manifest: TOML parse error at line {line}: {message}"),
            None => format!("invalid manifest: {message}"),
        }
    })
}

/// `[<section>.metadata.async-sync-lint]` as JSON.
fn lint_metadata(table: &toml::Table, section: &str) -> Option<serde_json::Value> {
    let value = table.get(section)?.get("metadata")?.get("async-sync-lint")?;
    serde_json::to_value(value).ok()
}

/// The targets cargo would infer, for packages read without cargo: `[lib]`,
/// `[[bin]]`, `[[example]]`, `[[test]]`, `[[bench]]` entries plus the
/// auto-discovered `src/lib.rs`, `src/main.rs`, `src/bin/`, `examples/`,
/// `tests/`, `benches/`, and the build script.
fn infer_targets(dir: &Path, manifest: &toml::Table, package: &str, edition: Edition) -> Vec<Target> {
    let mut targets = Vec::new();
    targets.extend(lib_target(dir, manifest, package, edition));
    for kind in TargetKind::ALL {
        targets.extend(kind_targets(dir, manifest, package, edition, kind));
    }
    targets.extend(build_target(dir, manifest, edition));
    targets
}

fn lib_target(dir: &Path, manifest: &toml::Table, package: &str, edition: Edition) -> Option<Target> {
    let lib = manifest.get("lib").and_then(|l| l.as_table());
    let get = |key: &str| lib.and_then(|l| l.get(key));
    let src_path = match get("path").and_then(|p| p.as_str()) {
        Some(p) => dir.join(p),
        None => Some(dir.join("src/lib.rs")).filter(|p| p.is_file())?,
    };
    let crate_types: Vec<String> = if get("proc-macro").and_then(|v| v.as_bool()) == Some(true) {
        vec!["proc-macro".to_string()]
    } else {
        match get("crate-type").and_then(|v| v.as_array()) {
            Some(types) => types.iter().filter_map(|t| t.as_str()).map(str::to_string).collect(),
            None => vec!["lib".to_string()],
        }
    };
    Some(Target {
        name: get("name").and_then(|v| v.as_str()).unwrap_or(package).replace('-', "_"),
        kind: crate_types.clone(),
        crate_types,
        src_path,
        edition: target_edition(lib, edition),
        doc: true,
        doctest: true,
        test: true,
    })
}

#[derive(Clone, Copy)]
struct TargetKind {
    kind: &'static str,
    table: &'static str,
    dir: &'static str,
    auto: &'static str,
}

impl TargetKind {
    const ALL: [TargetKind; 4] = [
        TargetKind { kind: "bin", table: "bin", dir: "src/bin", auto: "autobins" },
        TargetKind { kind: "example", table: "example", dir: "examples", auto: "autoexamples" },
        TargetKind { kind: "test", table: "test", dir: "tests", auto: "autotests" },
        TargetKind { kind: "bench", table: "bench", dir: "benches", auto: "autobenches" },
    ];
}

fn kind_targets(dir: &Path, manifest: &toml::Table, package: &str, edition: Edition, kind: TargetKind) -> Vec<Target> {
    let mut targets = Vec::new();
    let declared = manifest.get(kind.table).and_then(|v| v.as_array());
    for entry in declared.into_iter().flatten().filter_map(|e| e.as_table()) {
        let Some(name) = entry.get("name").and_then(|v| v.as_str()) else {
            continue;
        };
        let src_path = match entry.get("path").and_then(|v| v.as_str()) {
            Some(p) => dir.join(p),
            None => default_target_path(dir, kind, package, name),
        };
        targets.push(make_target(name, kind.kind, src_path, target_edition(Some(entry), edition)));
    }
    let auto = manifest.get("package").and_then(|p| p.get(kind.auto)).and_then(|v| v.as_bool());
    if auto != Some(false) {
        for (name, src_path) in auto_target_files(dir, kind, package) {
            if !targets.iter().any(|t| t.name == name || t.src_path == src_path) {
                targets.push(make_target(&name, kind.kind, src_path, edition));
            }
        }
    }
    targets
}

fn default_target_path(dir: &Path, kind: TargetKind, package: &str, name: &str) -> PathBuf {
    if kind.kind == "bin" && name == package && dir.join("src/main.rs").is_file() {
        return dir.join("src/main.rs");
    }
    let file = dir.join(kind.dir).join(format!("{name}.rs"));
    let nested = dir.join(kind.dir).join(name).join("main.rs");
    if !file.is_file() && nested.is_file() {
        nested
    } else {
        file
    }
}

/// `src/main.rs` (bins only), `<dir>/*.rs` and `<dir>/*/main.rs`, by name.
fn auto_target_files(dir: &Path, kind: TargetKind, package: &str) -> Vec<(String, PathBuf)> {
    let mut files = Vec::new();
    if kind.kind == "bin" && dir.join("src/main.rs").is_file() {
        files.push((package.to_string(), dir.join("src/main.rs")));
    }
    let Ok(entries) = fs::read_dir(dir.join(kind.dir)) else {
        return files;
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(stem) = path.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
            continue;
        };
        if path.is_file() && has_rs_extension(&path) {
            found.push((stem, path));
        } else if path.join("main.rs").is_file() {
            found.push((stem, path.join("main.rs")));
        }
    }
    found.sort();
    files.extend(found);
    files
}

fn build_target(dir: &Path, manifest: &toml::Table, edition: Edition) -> Option<Target> {
    let build = manifest.get("package").and_then(|p| p.get("build"));
    let src_path = match build {
        Some(toml::Value::String(p)) => dir.join(p),
        Some(toml::Value::Boolean(false)) => return None,
        _ => Some(dir.join("build.rs")).filter(|p| p.is_file())?,
    };
    Some(make_target("build-script-build", "custom-build", src_path, edition))
}

fn make_target(name: &str, kind: &str, src_path: PathBuf, edition: Edition) -> Target {
    let is_bin = kind == "bin";
    Target {
        name: name.to_string(),
        kind: vec![kind.to_string()],
        crate_types: vec!["bin".to_string()],
        src_path,
        edition,
        doc: is_bin,
        doctest: false,
        test: is_bin || kind == "test",
    }
}

fn target_edition(table: Option<&toml::Table>, package: Edition) -> Edition {
    table.and_then(|t| t.get("edition")).and_then(|e| e.as_str()).and_then(Edition::parse).unwrap_or(package)
}

// ---- target selection ---------------------------------------------------------

/// Which targets a workspace run lints, as cargo's target flags select them.
/// The empty selection is `cargo check`'s default: the library and the
/// binaries (and build scripts, which cargo always builds).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TargetSelection {
    pub all_targets: bool,
    pub lib: bool,
    pub bins: bool,
    /// `--bin NAME`, repeatable.
    pub bin_names: Vec<String>,
    pub tests: bool,
    pub examples: bool,
    pub benches: bool,
}

impl TargetSelection {
    fn is_default(&self) -> bool {
        !(self.lib || self.bins || !self.bin_names.is_empty() || self.tests || self.examples || self.benches)
    }

    /// Does the selection include this target?
    pub fn selects(&self, t: &Target) -> bool {
        let kind = |k: &str| t.kind.iter().any(|x| x == k);
        if self.all_targets || kind("custom-build") {
            return true;
        }
        if self.is_default() {
            return is_lib(t) || kind("bin");
        }
        (self.lib && is_lib(t))
            || (self.bins && kind("bin"))
            || (kind("bin") && self.bin_names.contains(&t.name))
            // `--tests` is every target built as a test: test targets, and
            // the lib and bins with `test = true` (their unit tests).
            || (self.tests && (kind("test") || (t.test && (is_lib(t) || kind("bin")))))
            || (self.examples && kind("example"))
            || (self.benches && kind("bench"))
    }
}

/// Keeps the files of the selected targets. Files outside any package
/// (plain paths) are kept: a path you name is always linted.
pub fn select_targets(ws: &mut Workspace, selection: &TargetSelection) {
    let packages = &ws.packages;
    ws.files.retain(|f| match (f.package, f.target) {
        (Some(p), Some(t)) => packages.get(p).and_then(|p| p.targets.get(t)).map_or(true, |t| selection.selects(t)),
        _ => true,
    });
}

// ---- files to targets -------------------------------------------------------

/// The target a file belongs to, and that target's edition when the file is
/// really part of it: the target rooted at the file; else the one whose root
/// directory is the longest prefix of the file (lib first on ties); else the
/// first target, with the package edition.
fn assign_target(file: &Path, pkg: &Package) -> (Option<usize>, Option<Edition>) {
    if let Some(i) = pkg.targets.iter().position(|t| t.src_path == file) {
        return (Some(i), Some(pkg.targets[i].edition));
    }
    let mut best: Option<(usize, usize)> = None; // (depth, index)
    for (i, t) in pkg.targets.iter().enumerate() {
        // A build script sits in the package root, which would claim every
        // stray file; only its own file belongs to it.
        if t.kind.iter().any(|k| k == "custom-build") {
            continue;
        }
        let Some(dir) = t.src_path.parent() else {
            continue;
        };
        if !file.starts_with(dir) {
            continue;
        }
        let depth = dir.components().count();
        let better = match best {
            None => true,
            Some((best_depth, best_i)) => {
                depth > best_depth || (depth == best_depth && is_lib(t) && !is_lib(&pkg.targets[best_i]))
            }
        };
        if better {
            best = Some((depth, i));
        }
    }
    match best {
        Some((_, i)) => (Some(i), Some(pkg.targets[i].edition)),
        None if pkg.targets.is_empty() => (None, None),
        None => (Some(0), None),
    }
}

fn is_lib(t: &Target) -> bool {
    t.kind.iter().any(|k| matches!(k.as_str(), "lib" | "rlib" | "dylib" | "cdylib" | "staticlib" | "proc-macro"))
}

// ---- paths ------------------------------------------------------------------

fn parent_dir(path: &Path) -> PathBuf {
    path.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Relative to the root when under it, else to the current directory, else
/// absolute; always with `/` separators when relative.
fn display_path(path: &Path, root: &Path, cwd: &Path) -> String {
    let relative = path.strip_prefix(root).or_else(|_| path.strip_prefix(cwd));
    match relative {
        Ok(rel) if !rel.as_os_str().is_empty() => slash_path(rel),
        _ => path.to_string_lossy().into_owned(),
    }
}

fn slash_path(path: &Path) -> String {
    let parts: Vec<_> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect();
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use tempfile::TempDir;

    /// Writes `path => contents` pairs under `root`, creating directories.
    fn tree(root: &Path, files: &[(&str, &str)]) {
        for (path, contents) in files {
            let path = root.join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, contents).unwrap();
        }
    }

    fn tempdir() -> (TempDir, PathBuf) {
        let dir = TempDir::new().unwrap();
        let root = fs::canonicalize(dir.path()).unwrap();
        (dir, root)
    }

    fn opts(cwd: &Path) -> DiscoverOptions {
        DiscoverOptions { cwd: cwd.to_path_buf(), ..DiscoverOptions::default() }
    }

    fn run(opts: &DiscoverOptions) -> Workspace {
        discover(opts).unwrap()
    }

    fn displays(ws: &Workspace) -> Vec<&str> {
        ws.files.iter().map(|f| f.display.as_str()).collect()
    }

    fn file<'w>(ws: &'w Workspace, display: &str) -> &'w SourceFile {
        ws.files
            .iter()
            .find(|f| f.display == display)
            .unwrap_or_else(|| panic!("{display} not found in {:?}", displays(ws)))
    }

    fn package_of<'w>(ws: &'w Workspace, display: &str) -> Option<&'w str> {
        file(ws, display).package.map(|i| ws.packages[i].name.as_str())
    }

    fn target_of<'w>(ws: &'w Workspace, display: &str) -> &'w str {
        let f = file(ws, display);
        &ws.packages[f.package.unwrap()].targets[f.target.unwrap()].name
    }

    const TWO_MEMBERS: &[(&str, &str)] = &[
        (
            "Cargo.toml",
            r#"
[workspace]
members = ["a", "b"]
resolver = "2"

[workspace.package]
edition = "2024"
version = "0.2.0"

[workspace.metadata.async-sync-lint]
level = "deny"
"#,
        ),
        (
            "a/Cargo.toml",
            r#"
[package]
name = "a"
version.workspace = true
edition.workspace = true

[package.metadata.async-sync-lint]
skip = true
"#,
        ),
        ("a/src/lib.rs", "mod m;"),
        ("a/src/m.rs", ""),
        ("a/tests/t.rs", ""),
        ("a/build.rs", "fn main() {}"),
        ("b/Cargo.toml", "[package]\nname = \"b\"\nversion = \"0.1.0\"\nedition = \"2018\"\n"),
        ("b/src/main.rs", "fn main() {}"),
    ];

    #[test]
    fn virtual_workspace_lints_all_members_with_their_editions() {
        let (_tmp, root) = tempdir();
        tree(&root, TWO_MEMBERS);
        let ws = run(&opts(&root));
        assert_eq!(ws.errors, vec![]);
        assert_eq!(ws.root, root);
        assert_eq!(displays(&ws), ["a/build.rs", "a/src/lib.rs", "a/src/m.rs", "a/tests/t.rs", "b/src/main.rs"]);
        assert_eq!(file(&ws, "a/src/m.rs").edition, Edition::E2024);
        assert_eq!(file(&ws, "b/src/main.rs").edition, Edition::E2018);
        assert_eq!(target_of(&ws, "a/src/m.rs"), "a");
        assert_eq!(target_of(&ws, "a/tests/t.rs"), "t");
        assert_eq!(target_of(&ws, "a/build.rs"), "build-script-build");
        assert_eq!(package_of(&ws, "b/src/main.rs"), Some("b"));
        assert_eq!(ws.lint_metadata, Some(serde_json::json!({"level": "deny"})));
        let a = ws.packages.iter().find(|p| p.name == "a").unwrap();
        assert_eq!(a.version, "0.2.0");
        assert_eq!(a.lint_metadata, Some(serde_json::json!({"skip": true})));
        assert!(a.id.starts_with("path+file://"), "{}", a.id);
    }

    #[test]
    fn package_selection_follows_cargo() {
        let (_tmp, root) = tempdir();
        tree(&root, TWO_MEMBERS);
        let names = |o: &DiscoverOptions| -> Vec<String> { run(o).packages.iter().map(|p| p.name.clone()).collect() };

        // At a member's root, only that member.
        assert_eq!(names(&opts(&root.join("b/src"))), ["b"]);
        // Unless --workspace.
        let all = DiscoverOptions { workspace: true, ..opts(&root.join("b")) };
        assert_eq!(names(&all), ["a", "b"]);
        let with_p =
            |specs: &[&str]| DiscoverOptions { packages: specs.iter().map(|s| s.to_string()).collect(), ..opts(&root) };
        assert_eq!(names(&with_p(&["a"])), ["a"]);
        assert_eq!(names(&with_p(&["b@0.1.0"])), ["b"]);
        assert_eq!(names(&with_p(&["b@0.1"])), ["b"]);
        let url = format!("path+file://{}#0.1.0", root.join("b").display());
        assert_eq!(names(&with_p(&[&url])), ["b"]);
        let url = format!("file://{}", root.join("a").display());
        assert_eq!(names(&with_p(&[&url])), ["a"]);
        assert!(names(&with_p(&["a", "b"])).len() == 2);

        let err = discover(&with_p(&["nope"])).unwrap_err();
        assert!(err.message.contains("`nope`"), "{err}");
        assert!(discover(&with_p(&["b@9"])).is_err());

        let excluded = DiscoverOptions { workspace: true, exclude_packages: vec!["a".into()], ..opts(&root) };
        let ws = run(&excluded);
        assert_eq!(displays(&ws), ["b/src/main.rs"]);
    }

    #[test]
    fn manifest_path_selects_and_must_exist() {
        let (_tmp, root) = tempdir();
        tree(&root, TWO_MEMBERS);
        let elsewhere = TempDir::new().unwrap();
        let o = DiscoverOptions { manifest_path: Some(root.join("a/Cargo.toml")), ..opts(elsewhere.path()) };
        let ws = run(&o);
        assert_eq!(ws.root, root);
        assert_eq!(displays(&ws), ["a/build.rs", "a/src/lib.rs", "a/src/m.rs", "a/tests/t.rs"]);

        let missing = DiscoverOptions { manifest_path: Some(root.join("x/Cargo.toml")), ..opts(&root) };
        assert!(discover(&missing).unwrap_err().message.contains("does not exist"));
        let not_manifest = DiscoverOptions { manifest_path: Some(root.join("a")), ..opts(&root) };
        assert!(discover(&not_manifest).is_err());
    }

    #[test]
    fn paths_with_workspace_flags_narrow_the_selection() {
        let (_tmp, root) = tempdir();
        tree(&root, TWO_MEMBERS);
        let o = DiscoverOptions { workspace: true, paths: vec!["a/src".into()], ..opts(&root) };
        let ws = run(&o);
        assert_eq!(displays(&ws), ["a/src/lib.rs", "a/src/m.rs"]);
        assert_eq!(file(&ws, "a/src/m.rs").edition, Edition::E2024);
    }

    const SINGLE: &str = "[package]\nname = \"single\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";

    #[test]
    fn gitignore_is_honoured_without_git() {
        let (_tmp, root) = tempdir();
        tree(
            &root,
            &[
                ("Cargo.toml", SINGLE),
                (".gitignore", "/src/generated/\nskip_*.rs\n"),
                ("src/lib.rs", ""),
                ("src/generated/out.rs", ""),
                ("src/skip_me.rs", ""),
                ("src/keep.rs", ""),
                ("src/.ignore", "local.rs\n"),
                ("src/local.rs", ""),
            ],
        );
        assert!(!root.join(".git").exists());
        let ws = run(&opts(&root));
        assert_eq!(displays(&ws), ["src/keep.rs", "src/lib.rs"]);

        // An ignored file named explicitly is still linted.
        let explicit = DiscoverOptions { paths: vec!["src/skip_me.rs".into()], ..opts(&root) };
        let ws = run(&explicit);
        assert_eq!(displays(&ws), ["src/skip_me.rs"]);
        assert_eq!(package_of(&ws, "src/skip_me.rs"), Some("single"));
    }

    #[test]
    fn target_hidden_and_non_rust_files_are_skipped() {
        let (_tmp, root) = tempdir();
        tree(
            &root,
            &[
                ("Cargo.toml", SINGLE),
                ("src/main.rs", ""),
                ("src/target/mod.rs", ""),
                ("src/notes.md", ""),
                ("target/debug/build/out.rs", ""),
                ("custom-out/CACHEDIR.TAG", ""),
                ("custom-out/x.rs", ""),
                (".hidden/y.rs", ""),
                ("src/.cache/z.rs", ""),
            ],
        );
        let ws = run(&opts(&root));
        // `src/target/` is a module, not cargo's output.
        assert_eq!(displays(&ws), ["src/main.rs", "src/target/mod.rs"]);
    }

    #[test]
    fn exclude_paths_from_config() {
        let (_tmp, root) = tempdir();
        tree(
            &root,
            &[("Cargo.toml", SINGLE), ("src/lib.rs", ""), ("fixtures/bad/case.rs", ""), ("src/gen_out.rs", "")],
        );
        let o = DiscoverOptions { exclude_paths: vec!["fixtures/".into(), "src/gen_*.rs".into()], ..opts(&root) };
        assert_eq!(displays(&run(&o)), ["src/lib.rs"]);
    }

    #[test]
    fn nested_package_is_counted_once() {
        let (_tmp, root) = tempdir();
        tree(
            &root,
            &[
                (
                    "Cargo.toml",
                    "[package]\nname = \"outer\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
                     [workspace]\nmembers = [\"crates/inner\"]\nexclude = [\"examples/demo\"]\n",
                ),
                ("src/lib.rs", ""),
                ("crates/cli/main.rs", ""),
                ("crates/inner/Cargo.toml", "[package]\nname = \"inner\"\nversion = \"0.1.0\"\nedition = \"2024\"\n"),
                ("crates/inner/src/lib.rs", ""),
                ("examples/demo/Cargo.toml", "[package]\nname = \"demo\"\nversion = \"0.1.0\"\n"),
                ("examples/demo/src/main.rs", ""),
            ],
        );
        // The root package alone leaves out both nested packages.
        let ws = run(&opts(&root));
        assert_eq!(displays(&ws), ["crates/cli/main.rs", "src/lib.rs"]);

        let all = run(&DiscoverOptions { workspace: true, ..opts(&root) });
        assert_eq!(displays(&all), ["crates/cli/main.rs", "crates/inner/src/lib.rs", "src/lib.rs"]);
        assert_eq!(package_of(&all, "crates/inner/src/lib.rs"), Some("inner"));
        assert_eq!(file(&all, "crates/inner/src/lib.rs").edition, Edition::E2024);
        assert_eq!(package_of(&all, "crates/cli/main.rs"), Some("outer"));
    }

    #[test]
    fn explicit_paths_outside_any_package() {
        let (_tmp, root) = tempdir();
        tree(&root, &[("loose/a.rs", ""), ("loose/dir/b.rs", ""), ("loose/dir/c.txt", ""), ("script", "")]);
        let o = DiscoverOptions {
            paths: vec!["loose/a.rs".into(), "loose/dir".into(), "script".into(), "loose/a.rs".into()],
            ..opts(&root)
        };
        let ws = run(&o);
        assert_eq!(ws.errors, vec![]);
        assert_eq!(ws.root, root);
        // Deduplicated, sorted; a non-`.rs` file named explicitly is kept.
        assert_eq!(displays(&ws), ["loose/a.rs", "loose/dir/b.rs", "script"]);
        assert!(ws.files.iter().all(|f| f.edition == Edition::E2021 && f.package.is_none()));

        let o = DiscoverOptions { edition_override: Some(Edition::E2024), ..o };
        assert!(run(&o).files.iter().all(|f| f.edition == Edition::E2024));

        // From another directory, the display is absolute when outside it.
        let other = TempDir::new().unwrap();
        let o = DiscoverOptions { paths: vec![root.join("loose/a.rs")], ..opts(other.path()) };
        let ws = run(&o);
        assert_eq!(displays(&ws), [root.join("loose/a.rs").to_string_lossy()]);
    }

    #[test]
    fn explicit_paths_inside_packages_read_manifests() {
        let (_tmp, root) = tempdir();
        tree(&root, TWO_MEMBERS);
        tree(&root, &[("a/src/bin/tool.rs", ""), ("a/examples/ex/main.rs", "")]);
        let o = DiscoverOptions { paths: vec!["a".into(), "b/src/main.rs".into()], ..opts(&root) };
        let ws = run(&o);
        assert_eq!(ws.errors, vec![]);
        assert_eq!(
            displays(&ws),
            [
                "a/build.rs",
                "a/examples/ex/main.rs",
                "a/src/bin/tool.rs",
                "a/src/lib.rs",
                "a/src/m.rs",
                "a/tests/t.rs",
                "b/src/main.rs"
            ]
        );
        assert_eq!(file(&ws, "a/src/m.rs").edition, Edition::E2024);
        assert_eq!(file(&ws, "b/src/main.rs").edition, Edition::E2018);
        assert_eq!(target_of(&ws, "a/src/m.rs"), "a");
        assert_eq!(target_of(&ws, "a/src/bin/tool.rs"), "tool");
        assert_eq!(target_of(&ws, "a/examples/ex/main.rs"), "ex");
        assert_eq!(target_of(&ws, "a/build.rs"), "build-script-build");
        let a = ws.packages.iter().find(|p| p.name == "a").unwrap();
        assert_eq!(a.id, format!("path+file://{}#a@0.2.0", root.join("a").display()));
        assert_eq!(a.lint_metadata, Some(serde_json::json!({"skip": true})));
        assert_eq!(ws.lint_metadata, Some(serde_json::json!({"level": "deny"})));
    }

    #[test]
    fn manifest_without_edition_means_2015() {
        let (_tmp, root) = tempdir();
        tree(&root, &[("p/Cargo.toml", "[package]\nname = \"p\"\n"), ("p/src/lib.rs", "")]);
        let ws = run(&DiscoverOptions { paths: vec!["p".into()], ..opts(&root) });
        assert_eq!(file(&ws, "p/src/lib.rs").edition, Edition::E2015);
        assert_eq!(ws.packages[0].version, "0.0.0");
    }

    #[test]
    fn invalid_manifest_in_path_mode_is_reported_once() {
        let (_tmp, root) = tempdir();
        tree(&root, &[("p/Cargo.toml", "[package]\nname = 1 2\n"), ("p/a.rs", ""), ("p/b.rs", "")]);
        let ws = run(&DiscoverOptions { paths: vec!["p".into()], ..opts(&root) });
        assert_eq!(displays(&ws), ["p/a.rs", "p/b.rs"]);
        assert!(ws.files.iter().all(|f| f.edition == Edition::E2021 && f.package.is_none()));
        assert_eq!(ws.errors.len(), 1, "{:?}", ws.errors);
        assert!(ws.errors[0].message.starts_with("invalid manifest: TOML parse error at line 2"), "{:?}", ws.errors);
    }

    #[test]
    fn missing_path_is_reported_and_others_found() {
        let (_tmp, root) = tempdir();
        tree(&root, &[("a.rs", "")]);
        let o = DiscoverOptions { paths: vec!["nope.rs".into(), "a.rs".into()], ..opts(&root) };
        let ws = run(&o);
        assert_eq!(displays(&ws), ["a.rs"]);
        assert_eq!(
            ws.errors,
            vec![DiscoveryError { path: "nope.rs".into(), message: "no such file or directory".into() }]
        );
    }

    #[test]
    fn broken_manifest_is_reported_and_files_still_found() {
        let (_tmp, root) = tempdir();
        tree(&root, &[("Cargo.toml", "[package\nname = "), ("src/lib.rs", ""), ("src/m.rs", "")]);
        let ws = run(&opts(&root));
        assert_eq!(displays(&ws), ["src/lib.rs", "src/m.rs"]);
        assert!(ws.files.iter().all(|f| f.edition == Edition::E2021 && f.package.is_none()));
        assert_eq!(ws.errors.len(), 1, "{:?}", ws.errors);
        assert_eq!(ws.errors[0].path, root.join("Cargo.toml"));
        assert!(ws.errors[0].message.starts_with("cargo metadata failed: "), "{:?}", ws.errors);
        assert!(!ws.errors[0].message.contains('\n'));
    }

    #[test]
    fn missing_member_falls_back_to_reading_manifests() {
        let (_tmp, root) = tempdir();
        tree(&root, TWO_MEMBERS);
        let manifest = fs::read_to_string(root.join("Cargo.toml")).unwrap();
        fs::write(root.join("Cargo.toml"), manifest.replace("\"b\"]", "\"b\", \"gone\"]")).unwrap();
        let ws = run(&opts(&root));
        assert_eq!(ws.errors.len(), 1, "{:?}", ws.errors);
        assert!(ws.errors[0].message.contains("gone"), "{:?}", ws.errors);
        assert_eq!(package_of(&ws, "a/src/m.rs"), Some("a"));
        assert_eq!(file(&ws, "a/src/m.rs").edition, Edition::E2024);
        assert_eq!(file(&ws, "b/src/main.rs").edition, Edition::E2018);
    }

    #[cfg(unix)]
    #[test]
    fn unreadable_directory_is_reported() {
        use std::os::unix::fs::PermissionsExt;
        let (_tmp, root) = tempdir();
        tree(&root, &[("Cargo.toml", SINGLE), ("src/lib.rs", ""), ("src/secret/m.rs", "")]);
        let secret = root.join("src/secret");
        fs::set_permissions(&secret, fs::Permissions::from_mode(0o000)).unwrap();
        let denied = fs::read_dir(&secret).is_err();
        let ws = run(&opts(&root));
        fs::set_permissions(&secret, fs::Permissions::from_mode(0o755)).unwrap();
        if denied {
            assert_eq!(displays(&ws), ["src/lib.rs"]);
            assert_eq!(ws.errors.len(), 1, "{:?}", ws.errors);
            assert_eq!(ws.errors[0].path, secret);
            assert!(ws.errors[0].message.contains("ermission denied"), "{:?}", ws.errors);
        } else {
            // Running as root: permission bits do not bite.
            assert_eq!(displays(&ws), ["src/lib.rs", "src/secret/m.rs"]);
            assert_eq!(ws.errors, vec![]);
        }
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_and_broken_links_are_warnings() {
        use std::os::unix::fs::symlink;
        let (_tmp, root) = tempdir();
        tree(&root, &[("Cargo.toml", SINGLE), ("src/lib.rs", ""), ("shared/util.rs", "")]);
        symlink(&root, root.join("src/up")).unwrap();
        symlink(root.join("nowhere"), root.join("src/gone.rs")).unwrap();
        symlink(root.join("nowhere.txt"), root.join("src/notes.txt")).unwrap();
        symlink(root.join("shared"), root.join("src/shared")).unwrap();
        let ws = run(&opts(&root));
        // `shared/util.rs` is reached twice (directly and through the link):
        // listed once.
        assert_eq!(displays(&ws), ["shared/util.rs", "src/lib.rs"]);
        // They hide no source: warnings, and the run is complete.
        assert_eq!(ws.errors, vec![]);
        let errors: Vec<_> = ws.warnings.iter().map(|e| (e.path.clone(), e.message.clone())).collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(errors[0].0, root.join("src/gone.rs"));
        assert_eq!(errors[0].1, "broken symbolic link");
        assert_eq!(errors[1].0, root.join("src/up"));
        assert!(errors[1].1.starts_with("symbolic link loop"), "{errors:?}");
    }

    #[test]
    fn no_manifest_lints_the_current_directory() {
        let (_tmp, root) = tempdir();
        tree(&root, &[("x.rs", ""), ("sub/y.rs", "")]);
        let ws = run(&opts(&root));
        assert_eq!(displays(&ws), ["sub/y.rs", "x.rs"]);
        assert_eq!(ws.root, root);
    }

    #[test]
    fn cargo_errors_are_summarized() {
        let stderr = "error: failed to parse manifest at `/x/Cargo.toml`\n\nCaused by:\n  \
                      TOML parse error at line 1, column 9\n    |\n  1 | [package\n    |         ^\n  \
                      invalid table header\n";
        assert_eq!(
            summarize_cargo_error(stderr),
            "failed to parse manifest at `/x/Cargo.toml`: TOML parse error at line 1, column 9: \
             invalid table header"
        );
    }

    #[test]
    fn cargo_error_location_is_kept() {
        let stderr = "error: unclosed table, expected `]`\n --> Cargo.toml:1:9\n  |\n1 | [package\n  |         ^\n";
        assert_eq!(summarize_cargo_error(stderr), "unclosed table, expected `]` (Cargo.toml:1:9)");
    }

    #[test]
    fn walk_errors_name_the_path() {
        let denied = ignore::Error::WithPath {
            path: "/p/secret".into(),
            err: Box::new(ignore::Error::Io(io::Error::from(io::ErrorKind::PermissionDenied))),
        };
        let denied = ignore::Error::WithDepth { depth: 2, err: Box::new(denied) };
        assert_eq!(
            describe_walk_error(&denied),
            (Some(PathBuf::from("/p/secret")), "cannot read: permission denied".to_string())
        );
        let looped = ignore::Error::Loop { ancestor: "/p".into(), child: "/p/src/up".into() };
        let (path, message) = describe_walk_error(&looped);
        assert_eq!(path, Some(PathBuf::from("/p/src/up")));
        assert_eq!(message, "symbolic link loop: points back to `/p`, not followed");
    }

    #[test]
    fn target_assignment_prefers_the_deepest_directory_then_lib() {
        let target = |name: &str, kind: &str, path: &str, edition| Target {
            name: name.into(),
            kind: vec![kind.into()],
            crate_types: vec![],
            src_path: path.into(),
            edition,
            doc: false,
            doctest: false,
            test: false,
        };
        let pkg = Package {
            name: "p".into(),
            version: "0.1.0".into(),
            id: String::new(),
            manifest_path: "/p/Cargo.toml".into(),
            edition: Edition::E2021,
            targets: vec![
                target("p", "bin", "/p/src/main.rs", Edition::E2021),
                target("p", "lib", "/p/src/lib.rs", Edition::E2018),
                target("tool", "bin", "/p/src/bin/tool/main.rs", Edition::E2024),
                target("build-script-build", "custom-build", "/p/build.rs", Edition::E2015),
            ],
            lint_metadata: None,
        };
        let at = |f: &str| assign_target(Path::new(f), &pkg);
        assert_eq!(at("/p/src/main.rs"), (Some(0), Some(Edition::E2021)));
        assert_eq!(at("/p/src/m.rs"), (Some(1), Some(Edition::E2018)));
        assert_eq!(at("/p/src/bin/tool/util.rs"), (Some(2), Some(Edition::E2024)));
        assert_eq!(at("/p/build.rs"), (Some(3), Some(Edition::E2015)));
        // Not under any target: first target, package edition.
        assert_eq!(at("/p/stray.rs"), (Some(0), None));
    }
}
