//! Linting one package with the editor's buffers in place of the files on
//! disk: the same discovery, configuration, levels and suppressions as the
//! command line (`driver::run_on_workspace`), restricted to the package that
//! holds the file, with the buffers as the engine's overlay.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use async_sync_lint::diagnostic::Finding;
use async_sync_lint::driver;
use async_sync_lint::engine::{self, EngineOptions, Overlay};
use async_sync_lint::input::discover::{discover, DiscoverOptions};
use async_sync_lint::input::workspace::{Edition, SourceFile, Workspace};

/// Discovered workspaces, by the directory of the manifest nearest to a
/// file, kept until the workspace changes on disk.
#[derive(Default)]
pub struct Linter {
    workspaces: HashMap<PathBuf, Workspace>,
    /// Worker threads for the engine (`None`: one per core).
    pub threads: Option<usize>,
}

/// The findings of one package's lint, pointing into `workspace.files`.
pub struct PackageLint {
    pub workspace: Workspace,
    pub findings: Vec<Finding>,
}

impl PackageLint {
    /// The findings of the file at `path`.
    pub fn findings_of<'a>(&'a self, path: &'a Path) -> impl Iterator<Item = &'a Finding> + 'a {
        let id = self.workspace.files.iter().position(|f| f.path == path);
        self.findings.iter().filter(move |f| Some(f.file as usize) == id)
    }
}

impl Linter {
    /// Forgets every discovered workspace: files were created, deleted or
    /// renamed, or a manifest changed.
    pub fn forget_workspaces(&mut self) {
        self.workspaces.clear();
    }

    /// Lints the package that holds `path` (a file outside any package alone,
    /// as edition 2021), reading the texts of `overlay` instead of the disk.
    /// `path` is canonical, as discovery names files.
    pub fn lint_package_of(&mut self, path: &Path, overlay: &Overlay) -> Result<PackageLint, String> {
        let mut ws = match self.workspace_holding(path)? {
            Some(ws) => {
                let package = ws.files.iter().find(|f| f.path == path).map(|f| f.package);
                let mut ws = ws.clone();
                ws.files.retain(|f| Some(f.package) == package);
                ws
            }
            None => loose_workspace(path),
        };
        ws.errors.clear();
        let cache_dir = Some(engine::cache_dir(&ws, None));
        let opts = EngineOptions { threads: self.threads, cache_dir, overlay: overlay.clone(), ..Default::default() };
        let report = driver::run_on_workspace(ws, &[], &opts, true).map_err(|e| e.to_string())?;
        Ok(PackageLint { workspace: report.workspace, findings: report.findings })
    }

    /// The workspace whose files include `path`, discovered from the
    /// directory of its nearest manifest (again if the one kept lacks it: the
    /// file may be new).
    fn workspace_holding(&mut self, path: &Path) -> Result<Option<&Workspace>, String> {
        let Some(dir) = path.ancestors().skip(1).find(|d| d.join("Cargo.toml").is_file()) else {
            return Ok(None);
        };
        let known = self.workspaces.get(dir).is_some_and(|ws| ws.files.iter().any(|f| f.path == path));
        if !known {
            let opts = DiscoverOptions { cwd: dir.to_path_buf(), ..Default::default() };
            let ws = discover(&opts).map_err(|e| e.to_string())?;
            self.workspaces.insert(dir.to_path_buf(), ws);
        }
        Ok(self.workspaces.get(dir).filter(|ws| ws.files.iter().any(|f| f.path == path)))
    }
}

/// A workspace of one file outside any package (or not among its targets).
fn loose_workspace(path: &Path) -> Workspace {
    let root = path.parent().unwrap_or(Path::new("/")).to_path_buf();
    let display = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let file = SourceFile { path: path.to_path_buf(), display, edition: Edition::E2021, package: None, target: None };
    Workspace { root, files: vec![file], ..Workspace::default() }
}
