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
//! Only a bad invocation is fatal (`InvocationError`); everything met on disk is
//! a `PathProblem` in `Workspace::errors` and the run goes on.
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
use ignore::WalkBuilder;

use crate::input::workspace::{Edition, Package, PathProblem, SourceFile, Workspace};

mod manifest;
mod metadata;
mod targets;
#[cfg(test)]
mod tests;
mod walk;

use manifest::{infer_targets, lint_metadata, read_manifest};
use metadata::{cargo_metadata, checked_manifest_path, convert_package, find_upwards, select_packages};
use targets::assign_target;
pub use targets::{select_targets, TargetSelection};
use walk::{describe_walk_error, has_rs_extension, is_irrelevant_broken_link, EntryFilter};

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
pub struct InvocationError {
    pub message: String,
}

impl InvocationError {
    fn new(message: impl Into<String>) -> InvocationError {
        InvocationError { message: message.into() }
    }
}

impl fmt::Display for InvocationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InvocationError {}

pub fn discover(opts: &DiscoverOptions) -> Result<Workspace, InvocationError> {
    let cwd = fs::canonicalize(&opts.cwd)
        .map_err(|e| InvocationError::new(format!("cannot use directory `{}`: {e}", opts.cwd.display())))?;
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
        self.ws.errors.push(PathProblem { path: path.into(), message: message.into() });
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

    fn workspace_mode(&mut self) -> Result<(), InvocationError> {
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

    fn use_metadata(&mut self, meta: &cargo_metadata::Metadata, manifest: &Path) -> Result<(), InvocationError> {
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
            self.ws.warnings.push(PathProblem { path, message });
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
