//! Workspace mode through cargo: running `cargo metadata` without touching
//! the network or installing a toolchain, selecting packages as `-p` specs
//! do, and converting cargo's packages and targets to ours.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::{DiscoverOptions, InvocationError};
use crate::input::workspace::{Edition, Package, Target};

pub(super) fn checked_manifest_path(path: &Path) -> Result<PathBuf, InvocationError> {
    if path.file_name().map_or(true, |n| n != "Cargo.toml") {
        return Err(InvocationError::new(format!(
            "the manifest-path must be a path to a Cargo.toml file: `{}`",
            path.display()
        )));
    }
    fs::canonicalize(path).map_err(|e| {
        let reason = if e.kind() == io::ErrorKind::NotFound { "does not exist".to_string() } else { e.to_string() };
        InvocationError::new(format!("manifest path `{}` {reason}", path.display()))
    })
}

pub(super) fn find_upwards(start: &Path, name: &str) -> Option<PathBuf> {
    start.ancestors().map(|dir| dir.join(name)).find(|p| p.is_file())
}

/// Runs `cargo metadata --no-deps --offline` (no build scripts, no network).
/// On failure, returns cargo's message, trimmed to its meaningful lines.
///
/// A project may pin a toolchain (`rust-toolchain.toml`) that is not
/// installed. Reading metadata does not depend on it, and linting must never
/// download a toolchain, so rustup's auto-install is off and a missing pinned
/// toolchain is retried with the default one.
pub(super) fn cargo_metadata(manifest: &Path, cwd: &Path) -> Result<cargo_metadata::Metadata, String> {
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
pub(super) fn summarize_cargo_error(stderr: &str) -> String {
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

pub(super) fn select_packages<'m>(
    meta: &'m cargo_metadata::Metadata,
    manifest: &Path,
    opts: &DiscoverOptions,
) -> Result<Vec<&'m cargo_metadata::Package>, InvocationError> {
    let members = meta.workspace_packages();
    let mut selected: Vec<&cargo_metadata::Package> = if !opts.packages.is_empty() {
        for spec in &opts.packages {
            if !members.iter().any(|p| spec_matches(spec, p)) {
                return Err(InvocationError::new(format!(
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

pub(super) fn convert_package(pkg: &cargo_metadata::Package) -> Package {
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
