//! What discovery hands to the engine: packages, their targets and the source
//! files to lint, each with its edition.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// A Rust edition. Scope rules for temporaries differ before and after 2024.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Edition {
    E2015,
    E2018,
    /// Outside any package, files are read as 2021.
    #[default]
    E2021,
    E2024,
}

impl Edition {
    pub fn parse(s: &str) -> Option<Edition> {
        match s.trim() {
            "2015" => Some(Edition::E2015),
            "2018" => Some(Edition::E2018),
            "2021" => Some(Edition::E2021),
            "2024" => Some(Edition::E2024),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Edition::E2015 => "2015",
            Edition::E2018 => "2018",
            Edition::E2021 => "2021",
            Edition::E2024 => "2024",
        }
    }

    /// Edition 2024 shortened `if let` scrutinee and block-tail temporaries.
    pub fn has_2024_temporary_scopes(self) -> bool {
        self >= Edition::E2024
    }
}

/// A cargo target (lib, bin, test, example, bench, custom-build), as cargo's
/// JSON messages describe it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub name: String,
    pub kind: Vec<String>,
    pub crate_types: Vec<String>,
    pub src_path: PathBuf,
    pub edition: Edition,
    pub doc: bool,
    pub doctest: bool,
    pub test: bool,
}

/// A package: a `Cargo.toml` with a `[package]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Package {
    pub name: String,
    pub version: String,
    /// Cargo's package id spec (`path+file:///abs/dir#name@0.1.0`).
    pub id: String,
    pub manifest_path: PathBuf,
    pub edition: Edition,
    pub targets: Vec<Target>,
    /// `[package.metadata.async-sync-lint]`, if present.
    pub lint_metadata: Option<serde_json::Value>,
}

/// One file to lint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFile {
    /// Path to open.
    pub path: PathBuf,
    /// Path to show: relative to the workspace root (or the current directory
    /// outside a workspace), with `/` separators.
    pub display: String,
    pub edition: Edition,
    /// Index into `Workspace::packages`.
    pub package: Option<usize>,
    /// Index into that package's `targets`.
    pub target: Option<usize>,
}

/// A problem with one path met while discovering: an unreadable directory, a broken
/// manifest, a path that does not exist. Reported, never fatal on its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathProblem {
    pub path: PathBuf,
    pub message: String,
}

/// Everything discovery found.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Workspace {
    /// Workspace root (directory of the root manifest), or the current
    /// directory when linting plain paths.
    pub root: PathBuf,
    /// `[workspace.metadata.async-sync-lint]`, if present.
    pub lint_metadata: Option<serde_json::Value>,
    pub packages: Vec<Package>,
    /// Sorted by `display`, no duplicates.
    pub files: Vec<SourceFile>,
    pub errors: Vec<PathProblem>,
    /// Problems that hide no source (a dangling symbolic link, a link
    /// loop): reported, but the run is still complete.
    pub warnings: Vec<PathProblem>,
    /// `(selected, members)` when the root manifest's `default-members`
    /// left some members out of a run that named no package.
    pub default_members: Option<(usize, usize)>,
}
