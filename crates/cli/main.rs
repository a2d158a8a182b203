//! `cargo async-sync-lint`: the command line. Parses flags, discovers files,
//! runs the engine, applies levels and suppressions, renders, and exits with
//! 0 (clean), 1 (deny-level findings) or 2 (usage, config, I/O or internal
//! error).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use async_sync_lint::config::{self, LevelFlag};
use async_sync_lint::diagnostic::Level;
use async_sync_lint::discover::{discover, DiscoverOptions};
use async_sync_lint::driver::{self, RunError};
use async_sync_lint::engine::EngineOptions;
use async_sync_lint::render::{self, MessageFormat, RenderOptions};
use async_sync_lint::rules;
use async_sync_lint::workspace::Edition;
use async_sync_lint::{baseline, fix};
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

    /// With --fix: print the diff instead of writing.
    #[arg(long, requires = "fix")]
    dry_run: bool,

    /// Report only findings that are not in this baseline file.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,

    /// Record the current findings in FILE (keyed by rule, path, enclosing
    /// item and a hash of the code) and exit 0.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,

    /// Run `cargo check` first and pass its messages through (for editors:
    /// compiler errors stay visible), then lint.
    #[arg(long)]
    with_check: bool,

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

    // Flags cargo and rust-analyzer pass to check commands; accepted, no effect.
    #[arg(long, hide = true)]
    all_targets: bool,
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
    #[arg(long, hide = true)]
    target_dir: Option<PathBuf>,
    #[arg(long, hide = true, action = ArgAction::Append)]
    config: Vec<String>,
    #[arg(long, hide = true)]
    lib: bool,
    #[arg(long, hide = true)]
    bins: bool,
    #[arg(long, hide = true)]
    tests: bool,
    #[arg(long, hide = true)]
    examples: bool,
    #[arg(long, hide = true)]
    benches: bool,
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
    #[arg(short = 'q', long, hide = true)]
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
        for r in rules::all() {
            println!("{:<26} {:<5} {}", r.name, r.default_level.as_str(), r.summary);
        }
        return Ok(0);
    }
    if let Some(name) = &cli.explain {
        let Some(r) = rules::find(name) else {
            return Err(unknown_rule(name));
        };
        println!("# {} (default: {})\n\n{}", r.name, r.default_level.as_str(), r.docs.trim_end());
        return Ok(0);
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
    let ws = discover(&opts).map_err(|e| e.to_string())?;
    for err in &ws.errors {
        eprintln!("error: {}: {}", err.path.display(), err.message);
    }
    if cli.dump_facts {
        for (i, f) in ws.files.iter().enumerate() {
            let outcome = async_sync_lint::engine::analyze_file(&f.path, f.edition, i as u32);
            let json = serde_json::json!({ "file": f.display, "facts": outcome.facts, "findings": outcome.findings });
            println!("{}", serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?);
        }
        return Ok(0);
    }
    let discovery_failed = !ws.errors.is_empty();
    let cache_dir = (!cli.no_cache).then(|| async_sync_lint::engine::cache_dir(&ws, cli.target_dir.as_deref()));
    let engine = EngineOptions { threads: cli.jobs, cache_dir, ..EngineOptions::default() };
    let lint_started = std::time::SystemTime::now();
    let mut report =
        driver::run_on_workspace(ws, &flags, &engine, cli.paths.is_empty()).map_err(|RunError(msg)| msg)?;
    if let Some(path) = &cli.write_baseline {
        let b = baseline::build(&report.workspace, &report.findings);
        std::fs::write(path, baseline::to_json(&b)).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        eprintln!("wrote {} finding(s) to the baseline {}", report.findings.len(), path.display());
        return Ok(if discovery_failed { 2 } else { 0 });
    }
    if let Some(path) = &cli.baseline {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let b = baseline::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let known = baseline::filter(&report.workspace, &mut report.findings, &b);
        if known > 0 && !is_json(format) {
            eprintln!("note: {known} finding(s) in the baseline {} not shown", path.display());
        }
    }
    if cli.fix {
        let fixes = fix::fix(&report.workspace, &report.findings, cli.dry_run, lint_started);
        let mut done = Vec::new();
        for f in &fixes {
            match &f.status {
                fix::FixStatus::Written(n) => eprintln!("fixed {}: {n} edit(s)", f.display),
                fix::FixStatus::Diff(_, diff) => print!("{diff}"),
                fix::FixStatus::Skipped(why) => eprintln!("warning: not fixing {}: {why}", f.display),
            }
            if matches!(f.status, fix::FixStatus::Written(_)) {
                done.extend(f.fixed.iter().copied());
            }
        }
        if cli.dry_run {
            return Ok(0);
        }
        // What was fixed is no longer a finding.
        let mut i = 0;
        report.findings.retain(|_| {
            i += 1;
            !done.contains(&(i - 1))
        });
    }
    let check_ok = if cli.with_check { Some(cargo_check(&cli, format)?) } else { None };
    let (ws, findings) = (&report.workspace, &report.findings);

    if cli.stats {
        eprintln!("stats: {}", report.stats);
    }

    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            cli.output.is_none() && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let ropts = RenderOptions { format, color, tool_version: env!("CARGO_PKG_VERSION") };
    let mut buf = Vec::new();
    render::render(&mut buf, ws, findings, &ropts).map_err(|e| e.to_string())?;
    if check_ok == Some(false) {
        // One build-finished for both runs: cargo check failed, so did the build.
        let text = String::from_utf8_lossy(&buf).replace(
            "{\"reason\":\"build-finished\",\"success\":true}",
            "{\"reason\":\"build-finished\",\"success\":false}",
        );
        buf = text.into_bytes();
    }
    let write_result = match &cli.output {
        Some(path) => std::fs::write(path, buf).map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            lock.write_all(&buf).and_then(|_| lock.flush()).map_err(|e| e.to_string())
        }
    };
    if let Err(e) = write_result {
        // A closed pipe (`| head`) is not an error worth a message.
        if !e.contains("Broken pipe") {
            return Err(e);
        }
    }
    if matches!(format, MessageFormat::Human | MessageFormat::Short) {
        if let Some(s) = render::summary(findings) {
            eprintln!("{s}");
        }
    }

    // A path that could not be read is an I/O error: the run is incomplete.
    let mut code = if discovery_failed { 2 } else { report.exit_code() };
    if code == 0 && check_ok == Some(false) {
        code = 1;
    }
    Ok(if code == 1 && cli.exit_zero { 0 } else { code })
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

/// `--with-check`: runs `cargo check` with the cargo flags we were given.
/// In the JSON formats its messages are copied to our output (all but its
/// `build-finished`, since ours ends the stream); otherwise it prints as
/// usual. Returns whether it succeeded.
fn cargo_check(cli: &Cli, format: MessageFormat) -> Result<bool, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = std::process::Command::new(cargo);
    cmd.arg("check");
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
        let status = cmd.status().map_err(|e| format!("cannot run cargo check: {e}"))?;
        return Ok(status.success());
    }
    let out =
        cmd.stderr(std::process::Stdio::inherit()).output().map_err(|e| format!("cannot run cargo check: {e}"))?;
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
                check_rule_name(name)?;
                let name = name.strip_prefix("async_sync_lint::").unwrap_or(name);
                out.push(LevelFlag { level, name: name.to_string() });
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

fn check_rule_name(name: &str) -> Result<(), String> {
    let name = name.strip_prefix("async_sync_lint::").unwrap_or(name);
    let known = config::known_rule_names();
    if name == "warnings" || known.contains(&name) {
        Ok(())
    } else {
        Err(unknown_rule(name))
    }
}

fn unknown_rule(name: &str) -> String {
    match config::closest(name, &config::known_rule_names()) {
        Some(c) => format!("unknown rule `{name}`; did you mean `{c}`? (see --list-rules)"),
        None => format!("unknown rule `{name}` (see --list-rules)"),
    }
}
