//! The `.rs` files under a directory, for tests that read real files.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, sorted; unreadable directories and
/// symlinks are skipped (the corpus may hold either).
pub fn rs_files(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries.flatten() {
            let p = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => walk(&p, out),
                Ok(t) if t.is_file() && p.extension().is_some_and(|x| x == "rs") => out.push(p),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out.sort();
    out
}
