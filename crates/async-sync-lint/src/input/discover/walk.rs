//! What the directory walk enters and keeps, and how its errors read: the
//! filter shared with the walker's threads and the messages for unreadable
//! entries and symbolic link loops.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ignore::gitignore::Gitignore;
use ignore::DirEntry;

/// Decides which walk entries to descend into or keep. Shared with the
/// walker's threads, hence owned data only.
pub(super) struct EntryFilter {
    pub(super) excludes: Arc<Gitignore>,
    pub(super) skip_dirs: Vec<PathBuf>,
    pub(super) skip_nested: bool,
}

impl EntryFilter {
    pub(super) fn keep(&self, entry: &DirEntry) -> bool {
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

pub(super) fn has_rs_extension(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "rs")
}

/// A broken link named like a non-Rust file (`notes.txt`) cannot hide source
/// files, so reporting it would only be noise. Links with no extension may
/// have been directories and are reported.
pub(super) fn is_irrelevant_broken_link(path: &Path, err: &ignore::Error) -> bool {
    let not_found = err.io_error().is_some_and(|e| e.kind() == io::ErrorKind::NotFound);
    let is_link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    not_found && is_link && path.extension().is_some_and(|e| e != "rs")
}

/// The path an `ignore` walk error is about, and a message for people.
pub(super) fn describe_walk_error(err: &ignore::Error) -> (Option<PathBuf>, String) {
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
