//! One whole run, minus printing: discover → configure → lint → levels →
//! suppressions → sort. The CLI and the tests both go through here, so what
//! the tests see is what users get.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::analysis::facts::NamedItem;
use crate::config::{self, Config, ConfigError, LevelFlag};
use crate::diagnostic::{engine_codes, FileId, Finding, Level};
use crate::engine::{self, EngineOptions, Stats};
use crate::input::discover::{discover, DiscoverOptions};
use crate::input::workspace::Workspace;
use crate::output::suppress;

/// The configuration file read from the workspace root.
pub const CONFIG_FILE: &str = "async-sync-lint.toml";

#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    pub discover: DiscoverOptions,
    /// Level flags from the command line, in order.
    pub level_flags: Vec<LevelFlag>,
    pub engine: EngineOptions,
}

/// What a run produced: sorted findings at their effective levels (allowed
/// ones removed), and the workspace they point into.
pub struct Report {
    pub workspace: Workspace,
    pub findings: Vec<Finding>,
    /// The named items of the files with findings or suppression markers,
    /// from their facts: what a baseline names a finding's place by.
    pub items: BTreeMap<FileId, Vec<NamedItem>>,
    pub stats: Stats,
    /// Configuration that works but should be written another way (a
    /// deprecated key), once each, for the front end to print as warnings.
    pub config_warnings: Vec<String>,
}

impl Report {
    /// Exit code by the documented contract: 2 when the tool could not do its
    /// job on some file (unreadable, internal error), else 1 when a finding
    /// is at deny level or above, else 0.
    pub fn exit_code(&self) -> u8 {
        let tool_failed =
            self.findings.iter().any(|f| f.rule == engine_codes::INTERNAL_ERROR || f.rule == engine_codes::IO_ERROR);
        if tool_failed {
            2
        } else if self.findings.iter().any(|f| f.level.is_error()) {
            1
        } else {
            0
        }
    }
}

/// A run that could not start: a bad path, manifest or configuration.
#[derive(Debug)]
pub struct RunError(pub String);

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RunError {}

impl From<ConfigError> for RunError {
    fn from(e: ConfigError) -> RunError {
        RunError(e.to_string())
    }
}

pub fn run(opts: &RunOptions) -> Result<Report, RunError> {
    let ws = discover(&opts.discover).map_err(|e| RunError(e.to_string()))?;
    let walked = opts.discover.paths.is_empty();
    run_on_workspace(ws, &opts.level_flags, &opts.engine, walked)
}

/// Lints an already discovered workspace. `walked`: the files were found by
/// walking the workspace, not named on the command line; only then do the
/// configuration's `exclude` globs apply (a path you name is always linted).
pub fn run_on_workspace(
    ws: Workspace,
    flags: &[LevelFlag],
    engine_opts: &EngineOptions,
    walked: bool,
) -> Result<Report, RunError> {
    run_with_config_file(ws, flags, engine_opts, walked, None)
}

/// [`run_on_workspace`] with `config_file` (`--config FILE`) in place of
/// every `async-sync-lint.toml` the workspace holds.
pub fn run_with_config_file(
    mut ws: Workspace,
    flags: &[LevelFlag],
    engine_opts: &EngineOptions,
    walked: bool,
    config_file: Option<&Path>,
) -> Result<Report, RunError> {
    let known = config::known_rule_names();
    let Settings { base, packages: package_configs, warnings: config_warnings, .. } =
        settings(&ws, flags, config_file)?;
    if walked {
        exclude_files(&mut ws, &base, &package_configs);
    }

    // Options describe code, not taste: every layer's lists apply.
    let mut engine_opts = engine_opts.clone();
    for c in std::iter::once(&base).chain(&package_configs) {
        engine_opts.rule_options.merge(&c.options);
    }
    let result = engine::lint(&ws, &engine_opts);
    let config_of = |file: FileId| -> &Config {
        ws.files[file as usize].package.and_then(|p| package_configs.get(p)).unwrap_or(&base)
    };

    // `[per-path]` globs, compiled once each.
    let mut globs: std::collections::HashMap<&str, Option<ignore::gitignore::Gitignore>> = Default::default();
    for config in std::iter::once(&base).chain(&package_configs) {
        for (glob, _) in &config.per_path {
            globs.entry(glob).or_insert_with(|| {
                let mut builder = ignore::gitignore::GitignoreBuilder::new(&ws.root);
                let _ = builder.add_line(None, glob); // validated by `config::load`
                builder.build().ok()
            });
        }
    }
    let mut findings = result.findings;
    for f in &mut findings {
        if f.rule != engine_codes::INTERNAL_ERROR && f.rule != engine_codes::IO_ERROR {
            let path = &ws.files[f.file as usize].path;
            let rel = path.strip_prefix(&ws.root).unwrap_or(path);
            let matches = |glob: &str| {
                globs
                    .get(glob)
                    .and_then(Option::as_ref)
                    .is_some_and(|m| m.matched_path_or_any_parents(rel, false).is_ignore())
            };
            f.level = config_of(f.file).level_for_file(&f.rule, f.level, matches);
        }
    }
    // Suppressions, file by file. Only files whose text mentions the marker
    // (or a clippy lint matching a rule) were kept by the engine.
    for (file, text) in &result.outcomes_text {
        let (mut sups, malformed) = suppress::scan(text, &known);
        if !config_of(*file).honours_clippy_allows() {
            sups.retain(|s| !s.clippy);
        }
        let (mut mine, rest): (Vec<Finding>, Vec<Finding>) = findings.into_iter().partition(|f| f.file == *file);
        findings = rest;
        let applied = suppress::apply(&mut mine, &sups, text);
        let level = config_of(*file).level_for(engine_codes::UNUSED_SUPPRESSION, Level::Warn);
        for i in applied.overridden {
            mine.push(
                Finding::new(
                    engine_codes::UNUSED_SUPPRESSION,
                    level,
                    *file,
                    sups[i].span,
                    "this suppression is overridden: its finding is at `forbid` level",
                )
                .with_primary_label("ignored: `forbid` cannot be lowered")
                .with_help("remove it, or lower the rule from `forbid` to `deny` where it is set"),
            );
        }
        for i in applied.unused {
            let unused = Finding::new(
                engine_codes::UNUSED_SUPPRESSION,
                level,
                *file,
                sups[i].span,
                "this suppression allows nothing",
            )
            .with_primary_label("no finding of these rules here");
            // `--fix` deletes it.
            let help = "remove it, or move it to the line of the finding it is meant for";
            mine.push(match suppress::removal(text, sups[i].span) {
                Some(edit) => unused.with_suggestion(help, edit),
                None => unused.with_help(help),
            });
        }
        for (span, message) in malformed {
            mine.push(Finding::new(engine_codes::UNUSED_SUPPRESSION, level, *file, span, message));
        }
        findings.extend(mine);
    }
    findings.retain(|f| f.level != Level::Allow);
    engine::sort_findings(&ws, &mut findings);
    Ok(Report { workspace: ws, findings, items: result.items, stats: result.stats, config_warnings })
}

/// A metadata table's error names the `Cargo.toml` that holds it, at the
/// table's header line, so it can be found in a workspace of many packages.
fn in_manifest(mut e: ConfigError, manifest: &Path) -> ConfigError {
    if e.origin.starts_with("[package.metadata.") || e.origin.starts_with("[workspace.metadata.") {
        let text = std::fs::read_to_string(manifest).unwrap_or_default();
        let header = e.origin.trim_start_matches('[').trim_end_matches(']');
        let line = text.lines().position(|l| {
            let l = l.trim();
            l.starts_with('[') && l.trim_matches(|c| c == '[' || c == ']').trim() == header
        });
        let place = match line {
            Some(i) => format!("{}:{}", manifest.display(), i + 1),
            None => manifest.display().to_string(),
        };
        e.origin = format!("{place}: {}", e.origin);
    }
    e
}

/// The merged configuration of a workspace, for the run and for
/// `--show-settings`.
pub struct Settings {
    /// For files outside any package.
    pub base: Config,
    /// One per `Workspace::packages` entry.
    pub packages: Vec<Config>,
    /// The `async-sync-lint.toml` files read, in the order read.
    pub files_read: Vec<PathBuf>,
    /// Every layer's deprecations, located and said once each.
    pub warnings: Vec<String>,
}

/// Reads every configuration layer (see `config`): the workspace's and
/// each package's metadata, the nearest `async-sync-lint.toml` (or
/// `config_file` in place of all of them) and the command line's flags.
pub fn settings(ws: &Workspace, flags: &[LevelFlag], config_file: Option<&Path>) -> Result<Settings, RunError> {
    let known = config::known_rule_names();
    let root_toml = match config_file {
        Some(path) => {
            Some(read_config_file(path)?.ok_or_else(|| RunError(format!("{}: no such file", path.display())))?)
        }
        None => read_config_file(&ws.root.join(CONFIG_FILE))?,
    };
    let mut files_read: Vec<PathBuf> = root_toml.iter().map(|(path, _)| path.clone()).collect();
    let base = config::load(ws.lint_metadata.as_ref(), None, layer(root_toml.as_ref()), flags, &known)
        .map_err(|e| in_manifest(e, &ws.root.join("Cargo.toml")))?;
    let mut warnings: Vec<String> = Vec::new();
    let mut warn_of = |config: &Config, manifest: &Path| {
        for deprecation in &config.deprecations {
            let warning = in_manifest(deprecation.clone(), manifest).to_string();
            if !warnings.contains(&warning) {
                warnings.push(warning);
            }
        }
    };
    warn_of(&base, &ws.root.join("Cargo.toml"));
    let mut packages: Vec<Config> = Vec::with_capacity(ws.packages.len());
    for p in &ws.packages {
        // The nearest file wins, as in ruff: a member's own
        // `async-sync-lint.toml` replaces the root's for its files.
        let dir = p.manifest_path.parent().unwrap_or(&ws.root);
        let own = match config_file {
            None if dir != ws.root => read_config_file(&dir.join(CONFIG_FILE))?,
            _ => None,
        };
        files_read.extend(own.iter().map(|(path, _)| path.clone()));
        let toml = layer(own.as_ref().or(root_toml.as_ref()));
        let config = config::load(ws.lint_metadata.as_ref(), p.lint_metadata.as_ref(), toml, flags, &known)
            .map_err(|e| in_manifest(e, &p.manifest_path))?;
        warn_of(&config, &p.manifest_path);
        packages.push(config);
    }
    Ok(Settings { base, packages, files_read, warnings })
}

/// A configuration file's path and text; `None` when there is none.
fn read_config_file(path: &Path) -> Result<Option<(PathBuf, String)>, RunError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some((path.to_path_buf(), text))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(RunError(format!("{}: cannot read: {e}", path.display()))),
    }
}

fn layer(file: Option<&(PathBuf, String)>) -> Option<(&Path, &str)> {
    file.map(|(path, text)| (path.as_path(), text.as_str()))
}

/// [`exclude_files`] for `--show-files`: the files a run would lint.
pub fn apply_excludes(ws: &mut Workspace, settings: &Settings) {
    exclude_files(ws, &settings.base, &settings.packages);
}

/// Drops files matched by their configuration's `exclude` globs (the
/// package's for a package's files, else the workspace's); the globs are
/// relative to the workspace root.
fn exclude_files(ws: &mut Workspace, base: &Config, packages: &[Config]) {
    let matcher = |config: &Config| {
        let mut builder = ignore::gitignore::GitignoreBuilder::new(&ws.root);
        for glob in &config.exclude_paths {
            // Validated by `config::load`; a bad one here is simply skipped.
            let _ = builder.add_line(None, glob);
        }
        builder.build().ok()
    };
    let base_matcher = matcher(base);
    let package_matchers: Vec<_> = packages.iter().map(matcher).collect();
    let root = ws.root.clone();
    ws.files.retain(|f| {
        let matcher = match f.package {
            Some(p) => package_matchers.get(p).unwrap_or(&base_matcher),
            None => &base_matcher,
        };
        let rel = f.path.strip_prefix(&root).unwrap_or(&f.path);
        !matcher.as_ref().is_some_and(|m| m.matched_path_or_any_parents(rel, false).is_ignore())
    });
}

/// Lints one file on its own, outside any package (fixtures, tests): the
/// file is shown by its name and no manifest is consulted.
pub fn run_file(
    path: &Path,
    edition: crate::input::workspace::Edition,
    flags: &[LevelFlag],
) -> Result<Report, RunError> {
    let root = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let display = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let ws = Workspace {
        root,
        files: vec![crate::input::workspace::SourceFile {
            path: path.to_path_buf(),
            display,
            edition,
            package: None,
            target: None,
        }],
        ..Workspace::default()
    };
    run_on_workspace(ws, flags, &EngineOptions { threads: Some(1), ..Default::default() }, false)
}
