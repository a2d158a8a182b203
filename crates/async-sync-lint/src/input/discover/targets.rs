//! Which targets a run lints (cargo's target flags) and which target each
//! file belongs to.

use std::path::Path;

use crate::input::workspace::{Edition, Package, Target, Workspace};

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
pub(super) fn assign_target(file: &Path, pkg: &Package) -> (Option<usize>, Option<Edition>) {
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
