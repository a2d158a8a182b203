//! `cargo async-sync-lint`: the command line. Parses flags, discovers files,
//! runs the engine, applies levels and suppressions, renders, and exits with
//! 0 (clean), 1 (deny-level findings) or 2 (usage, config, I/O or internal
//! error).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use async_sync_lint::config::{self, LevelFlag};
use async_sync_lint::diagnostic::Level;
use async_sync_lint::driver::{self, RunError};
use async_sync_lint::engine::EngineOptions;
use async_sync_lint::input::discover::{discover, select_targets, DiscoverOptions, TargetSelection};
use async_sync_lint::input::workspace::Edition;
use async_sync_lint::output::render::{self, MessageFormat, RenderOptions};
use async_sync_lint::output::{baseline, fix};
use async_sync_lint::rules;
use clap::{ArgAction, Parser, ValueEnum};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

/// A static linter for the synchronization mistakes of async Rust.
///
/// Lints the cargo workspace (or package) in the current directory, or the
/// given files and directories. Lint levels can follow `--`, as with clippy:
/// `cargo async-sync-lint -- -D warnings -A sync-guard-across-await`.
#[derive(Parser, Debug)]
#[command(name = "cargo async-sync-lint", version, bin_name = "cargo async-sync-lint")]
struct Cli {
    /// Files or directories to lint (default: the workspace or package here).
    paths: Vec<PathBuf>,

    /// Output format: human, short, json (cargo's message stream), the
    /// json-diagnostic-* variants, sarif, github.
    #[arg(long, value_name = "FMT", default_value = "human")]
    message_format: String,

    /// Colour in human output.
    #[arg(long, value_enum, default_value = "auto")]
    color: Color,

    /// Print a rule's documentation and exit.
    #[arg(long, value_name = "RULE")]
    explain: Option<String>,

    /// List every rule with its default level and exit.
    #[arg(long)]
    list_rules: bool,

    /// Path to Cargo.toml.
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,

    /// Package(s) to lint (name or package-id spec).
    #[arg(short = 'p', long = "package", value_name = "SPEC")]
    packages: Vec<String>,

    /// Lint every workspace member.
    #[arg(long)]
    workspace: bool,

    /// Exclude packages from --workspace.
    #[arg(long, value_name = "SPEC")]
    exclude: Vec<String>,

    /// Edition for every file, overriding Cargo.toml (2015, 2018, 2021, 2024).
    #[arg(long, value_name = "YEAR")]
    edition: Option<String>,

    /// Set a rule (or `warnings`) to allow.
    #[arg(short = 'A', long = "allow", value_name = "RULE")]
    allow: Vec<String>,
    /// Set a rule (or `warnings`) to warn.
    #[arg(short = 'W', long = "warn", value_name = "RULE")]
    warn: Vec<String>,
    /// Set a rule (or `warnings`) to deny: its findings fail the run.
    #[arg(short = 'D', long = "deny", value_name = "RULE")]
    deny: Vec<String>,
    /// Set a rule to forbid (deny, and cannot be lowered).
    #[arg(long = "forbid", value_name = "RULE")]
    forbid: Vec<String>,

    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// Exit 0 even when there are deny-level findings.
    #[arg(long)]
    exit_zero: bool,

    /// Apply machine-applicable suggestions in place (atomically; a file
    /// that changed since it was linted is skipped).
    #[arg(long)]
    fix: bool,

    /// With --fix: print the diff instead of writing; exit 1 when there
    /// is something to fix.
    #[arg(long, requires = "fix")]
    dry_run: bool,

    /// With --fix or --add-suppressions: write even when the git working
    /// tree has uncommitted changes (refused by default, as `cargo clippy
    /// --fix` does).
    #[arg(long)]
    allow_dirty: bool,

    /// Write an allow comment (with a reason to fill in) above every
    /// current finding, then exit: adopt the linter, then work the list down.
    #[arg(long, conflicts_with = "fix")]
    add_suppressions: bool,

    /// Report only findings that are not in this baseline file.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,

    /// Record the current findings in FILE (keyed by rule, path, enclosing
    /// item and a hash of the code) and exit 0.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,

    /// Run `cargo check` (or `cargo clippy` with `--with-check clippy`)
    /// first and pass its messages through (for editors: compiler errors
    /// and clippy's lints stay visible), then lint.
    #[arg(long, value_name = "TOOL", num_args = 0..=1, default_missing_value = "check", value_parser = ["check", "clippy"])]
    with_check: Option<String>,

    /// Directory that `github` and `sarif` paths are relative to (default:
    /// the git repository's top level, else the workspace root), so
    /// annotations land on the right files in a monorepo.
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,

    /// Print the files a run would lint, one per line, and exit.
    #[arg(long)]
    show_files: bool,

    /// Print the configuration files read and each rule's level with where
    /// it was set, and exit.
    #[arg(long)]
    show_settings: bool,

    /// Print the number of findings per rule (and how many `--fix` can fix)
    /// instead of the findings.
    #[arg(long)]
    statistics: bool,

    /// Worker threads (default: one per core).
    #[arg(short = 'j', long, value_name = "N")]
    jobs: Option<usize>,

    /// Print counters (files, bodies, acquisitions, resolved receivers) to stderr.
    #[arg(long)]
    stats: bool,

    /// Do not read or write the incremental cache (kept under the target
    /// directory, in `async-sync-lint/cache`).
    #[arg(long)]
    no_cache: bool,

    /// Print the extracted facts of each file as JSON (for rule authors).
    #[arg(long, hide = true)]
    dump_facts: bool,

    /// Lint every target: lib, bins, tests, examples, benches (default: lib
    /// and bins, as `cargo check`).
    #[arg(long, help_heading = "Target selection")]
    all_targets: bool,
    /// Lint the library.
    #[arg(long, help_heading = "Target selection")]
    lib: bool,
    /// Lint every binary.
    #[arg(long, help_heading = "Target selection")]
    bins: bool,
    /// Lint the named binary.
    #[arg(long = "bin", value_name = "NAME", help_heading = "Target selection")]
    bin_names: Vec<String>,
    /// Lint every target built as a test (test targets, and lib and bins'
    /// unit tests).
    #[arg(long, help_heading = "Target selection")]
    tests: bool,
    /// Lint the examples.
    #[arg(long, help_heading = "Target selection")]
    examples: bool,
    /// Lint the benches.
    #[arg(long, help_heading = "Target selection")]
    benches: bool,

    // Flags cargo and rust-analyzer pass to check commands. Those that cannot
    // change what a syntax linter sees get a note (`note_ineffective_flags`).
    #[arg(long, hide = true)]
    keep_going: bool,
    #[arg(long, short = 'F', hide = true, action = ArgAction::Append)]
    features: Vec<String>,
    #[arg(long, hide = true)]
    all_features: bool,
    #[arg(long, hide = true)]
    no_default_features: bool,
    #[arg(long, hide = true, action = ArgAction::Append)]
    target: Vec<String>,
    /// Directory for the incremental cache (and for `cargo check` under
    /// --with-check); default: `CARGO_TARGET_DIR`, else the workspace's
    /// `target/`.
    #[arg(long, value_name = "DIR")]
    target_dir: Option<PathBuf>,
    /// Read this configuration file instead of the `async-sync-lint.toml`
    /// files of the workspace. (cargo's `--config KEY=VALUE` reaches `cargo
    /// check` under --with-check.)
    #[arg(long, value_name = "FILE", action = ArgAction::Append)]
    config: Vec<String>,
    #[arg(long, hide = true)]
    release: bool,
    #[arg(long, hide = true)]
    profile: Option<String>,
    #[arg(long, hide = true)]
    locked: bool,
    #[arg(long, hide = true)]
    offline: bool,
    #[arg(long, hide = true)]
    frozen: bool,
    /// Print nothing on stderr but errors (no result line, notes or
    /// summaries).
    #[arg(short = 'q', long)]
    quiet: bool,

    /// Lint levels after `--`: -A/-W/-D/-F RULE, as rustc takes them.
    #[arg(last = true, allow_hyphen_values = true, hide = true)]
    lint_args: Vec<String>,
}

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().collect();
    // `cargo async-sync-lint …` runs `cargo-async-sync-lint async-sync-lint …`.
    if args.get(1).map(String::as_str) == Some("async-sync-lint") {
        args.remove(1);
    }
    // `server [--stdio]`: the language server (clients often add `--stdio`).
    if args.get(1).map(String::as_str) == Some("server") && args[2..].iter().all(|a| a == "--stdio") {
        return match async_sync_lint_server::run_stdio() {
            Ok(()) => ExitCode::SUCCESS,
            Err(msg) => {
                eprintln!("error: {msg}");
                ExitCode::from(2)
            }
        };
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<u8, String> {
    if cli.list_rules {
        let mut text = String::new();
        for r in rules::all() {
            text.push_str(&format!("{:<26} {:<5} {}\n", r.name, r.default_level.as_str(), r.summary));
        }
        text.push_str("\nengine codes (levels apply to them as to rules):\n");
        for r in rules::engine_codes() {
            text.push_str(&format!("{:<26} {:<5} {}\n", r.name, r.default_level.as_str(), r.summary));
        }
        return print_stdout(&text).map(|()| 0);
    }
    if let Some(name) = &cli.explain {
        let Some(r) = canonical_rule_name(name).ok().and_then(|n| rules::find_code(&n)) else {
            return Err(unknown_rule(name));
        };
        let text = format!("# {} (default: {})\n\n{}\n", r.name, r.default_level.as_str(), r.full_docs());
        return print_stdout(&text).map(|()| 0);
    }
    let format = MessageFormat::parse(&cli.message_format).ok_or_else(|| {
        format!(
            "invalid --message-format `{}`; expected one of: {}",
            cli.message_format,
            MessageFormat::names().join(", ")
        )
    })?;
    let edition = match &cli.edition {
        Some(e) => Some(
            Edition::parse(e).ok_or_else(|| format!("invalid --edition `{e}`; expected 2015, 2018, 2021 or 2024"))?,
        ),
        None => None,
    };
    let flags = level_flags(&cli)?;

    let cwd = std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let opts = DiscoverOptions {
        paths: cli.paths.clone(),
        manifest_path: cli.manifest_path.clone(),
        packages: cli.packages.clone(),
        workspace: cli.workspace,
        exclude_packages: cli.exclude.clone(),
        exclude_paths: Vec::new(),
        edition_override: edition,
        cwd,
    };
    let mut ws = discover(&opts).map_err(|e| e.to_string())?;
    if cli.paths.is_empty() {
        select_targets(&mut ws, &target_selection(&cli));
    }
    for err in &ws.errors {
        eprintln!("error: {}: {}", err.path.display(), err.message);
    }
    for warning in &ws.warnings {
        eprintln!("warning: {}: {}", warning.path.display(), warning.message);
    }
    if cli.dump_facts {
        for (i, f) in ws.files.iter().enumerate() {
            let outcome = async_sync_lint::engine::analyze_file(&f.path, f.edition, i as u32);
            let json = serde_json::json!({ "file": f.display, "facts": outcome.facts, "findings": outcome.findings });
            print_stdout(&format!("{}\n", serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?))?;
        }
        return Ok(0);
    }
    if !cli.quiet {
        print_selection_notes(&ws, &cli.paths);
        note_ineffective_flags(&cli);
    }
    if (cli.fix && !cli.dry_run || cli.add_suppressions) && !cli.allow_dirty {
        refuse_dirty_tree(&ws.root)?;
    }
    let discovery_failed = !ws.errors.is_empty();
    let cache_dir = (!cli.no_cache).then(|| async_sync_lint::engine::cache_dir(&ws, cli.target_dir.as_deref()));
    let engine = EngineOptions { threads: cli.jobs, cache_dir, ..EngineOptions::default() };
    let lint_started = std::time::SystemTime::now();
    let config_file = config_file(&cli)?;
    if cli.show_files || cli.show_settings {
        let settings = driver::settings(&ws, &flags, config_file.as_deref()).map_err(|RunError(msg)| msg)?;
        for warning in &settings.warnings {
            eprintln!("warning: {warning}");
        }
        if cli.show_settings {
            print_stdout(&show_settings(&ws, &settings))?;
        } else {
            if cli.paths.is_empty() {
                driver::apply_excludes(&mut ws, &settings);
            }
            let list: String = ws.files.iter().map(|f| format!("{}\n", f.display)).collect();
            print_stdout(&list)?;
        }
        return Ok(if ws.errors.is_empty() { 0 } else { 2 });
    }
    let mut report = driver::run_with_config_file(ws, &flags, &engine, cli.paths.is_empty(), config_file.as_deref())
        .map_err(|RunError(msg)| msg)?;
    for warning in &report.config_warnings {
        eprintln!("warning: {warning}");
    }
    if let Some(path) = &cli.write_baseline {
        let b = baseline::build(&report);
        std::fs::write(path, baseline::to_json(&b)).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        eprintln!("wrote {} finding(s) to the baseline {}", report.findings.len(), path.display());
        return Ok(if discovery_failed { 2 } else { 0 });
    }
    if let Some(path) = &cli.baseline {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let b = baseline::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let known = baseline::filter(&mut report, &b);
        if known > 0 && !is_json(format) {
            eprintln!("note: {known} finding(s) in the baseline {} not shown", path.display());
        }
    }
    if cli.add_suppressions {
        let mut added = 0;
        for f in fix::add_suppressions(&report.workspace, &report.findings, lint_started) {
            match &f.status {
                fix::FixStatus::Written(n) => {
                    added += n;
                    eprintln!("{}: added {n} suppression comment(s)", f.display);
                }
                fix::FixStatus::Skipped(why) => eprintln!("warning: not writing {}: {why}", f.display),
                fix::FixStatus::Diff(..) => {}
            }
        }
        eprintln!("added {added} suppression comment(s); search for `TODO: say why` to give each its reason");
        return Ok(if discovery_failed { 2 } else { 0 });
    }
    if cli.fix {
        let fixes = fix::fix(&report.workspace, &report.findings, cli.dry_run, lint_started);
        let mut done = Vec::new();
        let mut would_change = false;
        for f in &fixes {
            match &f.status {
                fix::FixStatus::Written(n) => eprintln!("fixed {}: {n} edit(s)", f.display),
                fix::FixStatus::Diff(_, diff) => {
                    would_change = true;
                    print_stdout(diff)?;
                }
                fix::FixStatus::Skipped(why) => eprintln!("warning: not fixing {}: {why}", f.display),
            }
            if matches!(f.status, fix::FixStatus::Written(_)) {
                done.extend(f.fixed.iter().copied());
            }
        }
        if cli.dry_run {
            // As `ruff check --fix --diff`: 1 tells CI that fixes are pending.
            return Ok(if would_change { 1 } else { 0 });
        }
        // What was fixed is no longer a finding.
        let mut i = 0;
        report.findings.retain(|_| {
            i += 1;
            !done.contains(&(i - 1))
        });
    }
    let check_ok = match &cli.with_check {
        Some(tool) => Some(cargo_check(&cli, tool, format)?),
        None => None,
    };
    if matches!(format, MessageFormat::Github | MessageFormat::Sarif) {
        // Their consumers resolve paths against the repository, not the
        // workspace; the other formats keep cargo's workspace-relative paths.
        let root = match &cli.root {
            Some(dir) if dir.is_dir() => dir.clone(),
            Some(dir) => return Err(format!("--root `{}` is not a directory", dir.display())),
            None => render::repository_root(&report.workspace.root),
        };
        render::rebase_paths(&mut report.workspace, &root);
    }
    let (ws, findings) = (&report.workspace, &report.findings);

    if cli.stats {
        eprintln!("stats: {}", report.stats);
    }

    // `--color` wins; otherwise cargo's own setting, as `cargo clippy` does.
    let cargo_color = std::env::var("CARGO_TERM_COLOR").ok().and_then(|v| Color::from_str(&v, true).ok());
    let color = match (cli.color, cargo_color) {
        (Color::Always, _) | (Color::Auto, Some(Color::Always)) => true,
        (Color::Never, _) | (Color::Auto, Some(Color::Never)) => false,
        (Color::Auto, _) => {
            cli.output.is_none() && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let ropts = RenderOptions { format, color, tool_version: env!("CARGO_PKG_VERSION") };
    let mut buf = Vec::new();
    if cli.statistics {
        buf = statistics(findings).into_bytes();
    } else {
        render::render(&mut buf, ws, findings, &ropts).map_err(|e| e.to_string())?;
    }
    if check_ok == Some(false) {
        // One build-finished for both runs: cargo check failed, so did the build.
        let text = String::from_utf8_lossy(&buf).replace(
            "{\"reason\":\"build-finished\",\"success\":true}",
            "{\"reason\":\"build-finished\",\"success\":false}",
        );
        buf = text.into_bytes();
    }
    match &cli.output {
        Some(path) => std::fs::write(path, buf).map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        None => print_stdout(&String::from_utf8_lossy(&buf))?,
    }
    if !cli.quiet {
        if matches!(format, MessageFormat::Human | MessageFormat::Short) {
            if let Some(s) = render::summary(findings) {
                eprintln!("{s}");
            }
        }
        eprintln!("{}", render::result_line(ws, findings));
    }

    // A path that could not be read is an I/O error: the run is incomplete.
    let mut code = if discovery_failed { 2 } else { report.exit_code() };
    if code == 0 && check_ok == Some(false) {
        code = 1;
    }
    Ok(if code == 1 && cli.exit_zero { 0 } else { code })
}

/// `--show-settings`: where the configuration came from and what it says,
/// for the workspace and for each package whose settings differ.
fn show_settings(ws: &async_sync_lint::input::workspace::Workspace, settings: &driver::Settings) -> String {
    use async_sync_lint::config::{Config, LevelSource};
    let mut out = String::from("configuration files read:\n");
    if settings.files_read.is_empty() {
        out.push_str("  (none)\n");
    }
    for path in &settings.files_read {
        out.push_str(&format!("  {}\n", path.display()));
    }
    let describe = |config: &Config, out: &mut String| {
        let catalog = rules::all().into_iter().chain(rules::engine_codes());
        for r in catalog {
            let level = config.level_for(r.name, r.default_level);
            let source = match config.source_of(r.name) {
                None => "default",
                Some(LevelSource::Cli) => "command line",
                Some(LevelSource::File) => "async-sync-lint.toml",
                Some(LevelSource::Package) => "[package.metadata.async-sync-lint]",
                Some(LevelSource::Workspace) => "[workspace.metadata.async-sync-lint]",
            };
            let via_group = if level != config.levels.get(r.name).copied().unwrap_or(r.default_level) {
                " (through `warnings`)"
            } else {
                ""
            };
            out.push_str(&format!("  {:<26} {:<6} {source}{via_group}\n", r.name, level.as_str()));
        }
        for (rule, option, values) in config.options.iter() {
            out.push_str(&format!("  [rules.{rule}] {option} = {values:?}\n"));
        }
        if !config.exclude_paths.is_empty() {
            out.push_str(&format!("  exclude = {:?}\n", config.exclude_paths));
        }
        if let Some(honour) = config.honour_clippy_allows {
            out.push_str(&format!("  honour-clippy-allows = {honour}\n"));
        }
    };
    out.push_str(&format!("\nworkspace ({}):\n", ws.root.display()));
    describe(&settings.base, &mut out);
    for (package, config) in ws.packages.iter().zip(&settings.packages) {
        if *config != settings.base {
            out.push_str(&format!("\npackage `{}` ({}):\n", package.name, package.manifest_path.display()));
            describe(config, &mut out);
        }
    }
    out
}

/// `--statistics`: findings per rule, most frequent first, with how many
/// carry a machine-applicable fix.
fn statistics(findings: &[async_sync_lint::diagnostic::Finding]) -> String {
    use async_sync_lint::diagnostic::Applicability;
    let mut per_rule: std::collections::BTreeMap<&str, (usize, usize, Level)> = std::collections::BTreeMap::new();
    for f in findings {
        let fixable = f
            .helps
            .iter()
            .any(|h| h.suggestion.as_ref().is_some_and(|s| s.applicability == Applicability::MachineApplicable));
        let entry = per_rule.entry(&f.rule).or_insert((0, 0, f.level));
        entry.0 += 1;
        entry.1 += usize::from(fixable);
        entry.2 = entry.2.max(f.level);
    }
    let mut rows: Vec<_> = per_rule.into_iter().collect();
    rows.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
    let mut out = format!("{:>5}  {:<26} {:<6} fixable\n", "count", "rule", "level");
    for (rule, (count, fixable, level)) in rows {
        out.push_str(&format!("{count:>5}  {rule:<26} {:<6} {fixable}\n", level.as_str()));
    }
    out
}

/// `--config FILE`: ours is a file; cargo's `KEY=VALUE` form is for
/// `cargo check` and only makes sense with --with-check.
fn config_file(cli: &Cli) -> Result<Option<PathBuf>, String> {
    let mut file = None;
    for value in &cli.config {
        if value.contains('=') && !std::path::Path::new(value).is_file() {
            if cli.with_check.is_none() {
                return Err(format!(
                    "`--config {value}` is cargo's configuration; it only reaches `cargo check` with --with-check \
                     (our --config takes a file)"
                ));
            }
        } else if file.replace(PathBuf::from(value)).is_some() {
            return Err("--config FILE may be given once".to_string());
        }
    }
    Ok(file)
}

/// Flags cargo and rust-analyzer pass that cannot change what a syntax
/// linter sees: said once, never silently ignored.
fn note_ineffective_flags(cli: &Cli) {
    let ignored: Vec<&str> = [
        (!cli.features.is_empty(), "--features"),
        (cli.all_features, "--all-features"),
        (cli.no_default_features, "--no-default-features"),
        (!cli.target.is_empty(), "--target"),
        (cli.release, "--release"),
        (cli.profile.is_some(), "--profile"),
    ]
    .into_iter()
    .filter_map(|(given, flag)| given.then_some(flag))
    .collect();
    if !ignored.is_empty() {
        eprintln!(
            "note: {} change nothing here: every `#[cfg]` branch is linted, whatever the features and target",
            ignored.join(", ")
        );
    }
}

fn target_selection(cli: &Cli) -> TargetSelection {
    TargetSelection {
        all_targets: cli.all_targets,
        lib: cli.lib,
        bins: cli.bins,
        bin_names: cli.bin_names.clone(),
        tests: cli.tests,
        examples: cli.examples,
        benches: cli.benches,
    }
}

/// What a user would otherwise not know about the selection: a path with
/// no Rust file under it, and members `default-members` left out.
fn print_selection_notes(ws: &async_sync_lint::input::workspace::Workspace, paths: &[PathBuf]) {
    for path in paths {
        let Ok(dir) = std::fs::canonicalize(path) else { continue };
        let has_file = ws.files.iter().any(|f| std::fs::canonicalize(&f.path).is_ok_and(|p| p.starts_with(&dir)));
        if dir.is_dir() && !has_file {
            eprintln!("warning: no Rust files found under `{}`", path.display());
        }
    }
    if paths.is_empty() && ws.files.is_empty() && ws.errors.is_empty() {
        eprintln!("warning: no Rust files found in `{}`", ws.root.display());
    }
    if let Some((selected, members)) = ws.default_members {
        eprintln!(
            "note: `default-members` selects {selected} of the workspace's {members} members; \
             `--workspace` lints them all"
        );
    }
}

/// `--fix` rewrites files in place: with uncommitted changes in the git
/// working tree the user could not tell our edits from theirs. Outside git
/// (or without git installed) there is nothing to compare against.
fn refuse_dirty_tree(root: &std::path::Path) -> Result<(), String> {
    let status = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["status", "--porcelain", "--untracked-files=normal"])
        .stderr(std::process::Stdio::null())
        .output();
    let Ok(status) = status else { return Ok(()) };
    let listing = String::from_utf8_lossy(&status.stdout);
    if !status.status.success() || listing.trim().is_empty() {
        return Ok(());
    }
    let mut files: Vec<&str> = listing.lines().map(|l| l.get(3..).unwrap_or(l)).collect();
    let more = files.len().saturating_sub(10);
    files.truncate(10);
    let mut message = format!(
        "the working tree has uncommitted changes; commit or stash them first, or pass --allow-dirty:\n  {}",
        files.join("\n  ")
    );
    if more > 0 {
        message.push_str(&format!("\n  … and {more} more"));
    }
    Err(message)
}

/// Writes to stdout; a closed pipe (`| head -1`) is not an error worth a
/// message (`println!` would panic on it).
fn print_stdout(text: &str) -> Result<(), String> {
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    match lock.write_all(text.as_bytes()).and_then(|()| lock.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(format!("cannot write the output: {e}")),
        _ => Ok(()),
    }
}

fn is_json(format: MessageFormat) -> bool {
    matches!(
        format,
        MessageFormat::Json
            | MessageFormat::JsonDiagnosticShort
            | MessageFormat::JsonDiagnosticRenderedAnsi
            | MessageFormat::JsonRenderDiagnostics
    )
}

/// `--with-check [check|clippy]`: runs `cargo check` (or `cargo clippy`)
/// with the cargo flags we were given.
/// In the JSON formats its messages are copied to our output (all but its
/// `build-finished`, since ours ends the stream); otherwise it prints as
/// usual. Returns whether it succeeded.
fn cargo_check(cli: &Cli, tool: &str, format: MessageFormat) -> Result<bool, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = std::process::Command::new(cargo);
    cmd.arg(tool);
    if is_json(format) {
        cmd.arg(format!("--message-format={}", format.name()));
    }
    if let Some(m) = &cli.manifest_path {
        cmd.arg("--manifest-path").arg(m);
    }
    for (on, flag) in [
        (cli.workspace, "--workspace"),
        (cli.all_targets, "--all-targets"),
        (cli.keep_going, "--keep-going"),
        (cli.all_features, "--all-features"),
        (cli.no_default_features, "--no-default-features"),
        (cli.lib, "--lib"),
        (cli.bins, "--bins"),
        (cli.tests, "--tests"),
        (cli.examples, "--examples"),
        (cli.benches, "--benches"),
        (cli.release, "--release"),
        (cli.locked, "--locked"),
        (cli.offline, "--offline"),
        (cli.frozen, "--frozen"),
        (cli.quiet, "--quiet"),
    ] {
        if on {
            cmd.arg(flag);
        }
    }
    for (flag, values) in [
        ("--package", &cli.packages),
        ("--bin", &cli.bin_names),
        ("--exclude", &cli.exclude),
        ("--features", &cli.features),
        ("--target", &cli.target),
        ("--config", &cli.config),
    ] {
        for v in values {
            cmd.arg(flag).arg(v);
        }
    }
    if let Some(d) = &cli.target_dir {
        cmd.arg("--target-dir").arg(d);
    }
    if let Some(p) = &cli.profile {
        cmd.arg("--profile").arg(p);
    }
    if !is_json(format) {
        let status = cmd.status().map_err(|e| format!("cannot run cargo {tool}: {e}"))?;
        return Ok(status.success());
    }
    let out =
        cmd.stderr(std::process::Stdio::inherit()).output().map_err(|e| format!("cannot run cargo {tool}: {e}"))?;
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if line.starts_with("{\"reason\":\"build-finished\"") {
            continue;
        }
        let _ = writeln!(lock, "{line}");
    }
    let _ = lock.flush();
    Ok(out.status.success())
}

/// Level flags in order: long flags before `--`, then rustc-style after it.
fn level_flags(cli: &Cli) -> Result<Vec<LevelFlag>, String> {
    let mut out = Vec::new();
    let mut push = |level: Level, names: &[String]| -> Result<(), String> {
        for n in names {
            for name in n.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                out.push(LevelFlag { level, name: canonical_rule_name(name)? });
            }
        }
        Ok(())
    };
    push(Level::Allow, &cli.allow)?;
    push(Level::Warn, &cli.warn)?;
    push(Level::Deny, &cli.deny)?;
    push(Level::Forbid, &cli.forbid)?;
    let mut it = cli.lint_args.iter();
    while let Some(a) = it.next() {
        let (flag, inline) = match a.as_str() {
            s if s.len() > 2 && s.starts_with('-') && !s.starts_with("--") => (&s[..2], Some(s[2..].to_string())),
            s => (s, None),
        };
        let level = match flag {
            "-A" | "--allow" => Level::Allow,
            "-W" | "--warn" => Level::Warn,
            "-D" | "--deny" => Level::Deny,
            "-F" | "--forbid" => Level::Forbid,
            other => return Err(format!("unexpected argument after `--`: `{other}`; expected -A, -W, -D or -F RULE")),
        };
        let name = match inline {
            Some(n) => n,
            None => it.next().ok_or_else(|| format!("`{a}` needs a rule name"))?.clone(),
        };
        push(level, &[name])?;
    }
    Ok(out)
}

/// Clippy lints a clippy user may reach for, and the rule that covers them.
const CLIPPY_LINTS: &[(&str, &str)] = &[
    ("await_holding_lock", "sync-guard-across-await"),
    ("await_holding_refcell_ref", "sync-guard-across-await"),
    ("await_holding_invalid_type", "sync-guard-across-await"),
];

/// The catalog name a user meant, as rustc reads lint names: the tool
/// prefix is optional and `busy_wait` is `busy-wait`.
fn canonical_rule_name(name: &str) -> Result<String, String> {
    let bare = name.strip_prefix("async_sync_lint::").unwrap_or(name);
    let kebab = bare.replace('_', "-");
    let known = config::known_rule_names();
    if bare == config::WARNINGS || known.contains(&bare) {
        return Ok(bare.to_string());
    }
    if known.contains(&kebab.as_str()) {
        return Ok(kebab);
    }
    Err(unknown_rule(name))
}

fn unknown_rule(name: &str) -> String {
    let bare = name.strip_prefix("clippy::").unwrap_or(name);
    if let Some((_, ours)) = CLIPPY_LINTS.iter().find(|(clippy, _)| *clippy == bare) {
        return format!("`{name}` is a clippy lint; the rule that covers it here is `{ours}`");
    }
    if bare == "all" {
        return "there is no `all` group; `warnings` names every finding at warn level \
                (`-A warnings`, `-D warnings`), and `--list-rules` lists the rules"
            .to_string();
    }
    let mut candidates = config::known_rule_names();
    candidates.push(config::WARNINGS);
    match config::closest(&name.replace('_', "-"), &candidates) {
        Some(c) => format!("unknown rule `{name}`; did you mean `{c}`? (see --list-rules)"),
        None => format!("unknown rule `{name}` (see --list-rules)"),
    }
}
