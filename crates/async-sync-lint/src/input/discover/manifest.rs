//! Path mode without cargo: reading a `Cargo.toml` directly and inferring
//! the targets cargo would, so a file's edition and target are known even
//! when cargo is unavailable or fails.

use std::fs;
use std::path::{Path, PathBuf};

use super::walk::has_rs_extension;
use crate::input::workspace::{Edition, Target};

pub(super) fn read_manifest(path: &Path) -> Result<toml::Table, String> {
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
pub(super) fn lint_metadata(table: &toml::Table, section: &str) -> Option<serde_json::Value> {
    let value = table.get(section)?.get("metadata")?.get("async-sync-lint")?;
    serde_json::to_value(value).ok()
}

/// The targets cargo would infer, for packages read without cargo: `[lib]`,
/// `[[bin]]`, `[[example]]`, `[[test]]`, `[[bench]]` entries plus the
/// auto-discovered `src/lib.rs`, `src/main.rs`, `src/bin/`, `examples/`,
/// `tests/`, `benches/`, and the build script.
pub(super) fn infer_targets(dir: &Path, manifest: &toml::Table, package: &str, edition: Edition) -> Vec<Target> {
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

pub(super) fn target_edition(table: Option<&toml::Table>, package: Edition) -> Edition {
    table.and_then(|t| t.get("edition")).and_then(|e| e.as_str()).and_then(Edition::parse).unwrap_or(package)
}
