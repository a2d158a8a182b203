//! Rule levels and options from every place a user can set them.
//!
//! Four layers, merged in this order (later wins):
//!
//! 1. `[workspace.metadata.async-sync-lint]` in the workspace `Cargo.toml`,
//! 2. `[package.metadata.async-sync-lint]` in the package `Cargo.toml`,
//! 3. an `async-sync-lint.toml` file (same keys at its top level),
//! 4. `-A/-W/-D/-F` flags on the command line, in the order given.
//!
//! One exception, as in rustc: once a rule is `forbid`, no later layer or
//! flag can lower it. The group name `warnings` is accepted wherever a rule
//! name is: `-D warnings` turns every finding whose level is `warn` into an
//! error (see [`Config::level_for`]).
//!
//! The schema of the three file layers:
//!
//! ```toml
//! exclude = ["generated/**", "vendor/"]       # gitignore-style globs
//! honour-clippy-allows = false                # default true: see below
//!
//! [rules]                                     # after the top-level keys
//! sync-guard-across-await = "deny"            # allow | warn | deny | forbid
//!
//! [rules.blocking-in-async]                   # a rule's options (and level)
//! level = "warn"
//! blocking-paths = ["my_crate::block_hard"]
//!
//! [per-path]                                  # levels for matching files
//! "tests/**" = { blocking-in-async = "allow" }
//! ```
//!
//! A rule declares its options in its own file (`declare_rule!`); this loader
//! reads their names and kinds from there. Option lists and `exclude`
//! accumulate across the layers (duplicates dropped); `exclude` globs are
//! relative to the workspace root. Unknown keys, options and rule names are
//! errors that name the closest valid spelling. The old top-level
//! `blocking-paths` still works and warns (see [`DEPRECATED_KEYS`]).
//!
//! `honour-clippy-allows` (default `true`, the last layer that sets it wins):
//! whether clippy's allows of the lints matching a rule
//! (`#[allow(clippy::await_holding_lock)]`) suppress its findings, as
//! [`crate::output::suppress`] describes. `false` reports them anyway.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde_json::Value;

use crate::diagnostic::{engine_codes, Level};
use crate::input::source::LineIndex;
use crate::rules::options::RuleOptions;

/// The group name that stands for "every warning", as in rustc.
pub const WARNINGS: &str = "warnings";

/// The engine's own codes; they take levels like rules do.
pub const ENGINE_CODES: &[&str] = engine_codes::ALL;

const TOP_LEVEL_KEYS: &[&str] = &["rules", "exclude", "per-path", HONOUR_CLIPPY_ALLOWS];

const HONOUR_CLIPPY_ALLOWS: &str = "honour-clippy-allows";

/// Top-level keys that became options of one rule: `(key, rule)`. They are
/// still read, as that rule's option of the same name, with a warning.
pub const DEPRECATED_KEYS: &[(&str, &str)] = &[("blocking-paths", "blocking-in-async")];

const LEVEL_NAMES: &str = "`allow`, `warn`, `deny` or `forbid`";

/// Every name a level can be given to: the catalog's rules and the engine
/// codes. (`warnings` is accepted on top of these by [`load`].)
pub fn known_rule_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = crate::rules::all().iter().map(|r| r.name).collect();
    names.extend_from_slice(ENGINE_CODES);
    names
}

/// The merged configuration of one package.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Explicit levels by rule name; rules not in here keep their default.
    pub levels: BTreeMap<String, Level>,
    /// Level given to the `warnings` group (`-D warnings`), if any.
    pub warnings_level: Option<Level>,
    /// Where each entry of `levels` (and `warnings`) was last set.
    pub level_sources: BTreeMap<String, LevelSource>,
    /// Options of rules (`[rules.blocking-in-async] blocking-paths = [..]`).
    pub options: RuleOptions,
    /// Settings that still work but should be written another way, said
    /// once per run as warnings.
    pub deprecations: Vec<ConfigError>,
    /// Gitignore-style globs of files not to lint, relative to the workspace
    /// root.
    pub exclude_paths: Vec<String>,
    /// `[per-path]`: levels for the files a glob (gitignore-style, relative
    /// to the workspace root) matches, in the order given; a later match
    /// wins. They override the layers' levels, not the command line's.
    pub per_path: Vec<(String, BTreeMap<String, Level>)>,
    /// `honour-clippy-allows`, if a layer set it; see [`Config::honours_clippy_allows`].
    pub honour_clippy_allows: Option<bool>,
}

/// Which layer a level came from, for notes such as "`-D x` on the command
/// line".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LevelSource {
    Cli,
    File,
    Package,
    Workspace,
}

/// One CLI level flag, in the order given: `-D warnings` is
/// `LevelFlag { level: Deny, name: "warnings" }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LevelFlag {
    pub level: Level,
    pub name: String,
}

/// A configuration mistake, for people: where, and what is allowed instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// A file path (with `:line:col` when known), a metadata table such as
    /// `[package.metadata.async-sync-lint]`, or `command line`.
    pub origin: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.origin, self.message)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Effective level of `rule` whose catalog default is `default`.
    ///
    /// The `warnings` group applies last, like rustc's: with `-D warnings`
    /// a rule that ends up at `warn` (by default or explicitly) is `deny`;
    /// with `-A warnings` it is `allow`. Other levels are left alone.
    pub fn level_for(&self, rule: &str, default: Level) -> Level {
        let level = self.levels.get(rule).copied().unwrap_or(default);
        match (level, self.warnings_level) {
            (Level::Warn, Some(group)) => group,
            _ => level,
        }
    }

    /// [`Config::level_for`] for a file: `[per-path]` levels whose glob
    /// `matches` apply, unless the level came from the command line or is
    /// `forbid`.
    pub fn level_for_file(&self, rule: &str, default: Level, matches: impl Fn(&str) -> bool) -> Level {
        let set = self.levels.get(rule).copied();
        if self.source_of(rule) == Some(LevelSource::Cli) || set == Some(Level::Forbid) {
            return self.level_for(rule, default);
        }
        let mut level = set.unwrap_or(default);
        for (glob, levels) in &self.per_path {
            if let Some(&l) = levels.get(rule).filter(|_| matches(glob)) {
                level = l;
            }
        }
        match (level, self.warnings_level) {
            (Level::Warn, Some(group)) => group,
            _ => level,
        }
    }

    /// Whether clippy's allows of the lints matching a rule suppress its
    /// findings (the default).
    pub fn honours_clippy_allows(&self) -> bool {
        self.honour_clippy_allows.unwrap_or(true)
    }

    /// Where the level of `rule` was set, if it was set at all.
    pub fn source_of(&self, rule: &str) -> Option<LevelSource> {
        self.level_sources.get(rule).copied()
    }

    /// Sets one level; a `forbid` already in place is never lowered.
    fn set_level(&mut self, name: &str, level: Level, source: LevelSource) {
        let current = if name == WARNINGS { self.warnings_level } else { self.levels.get(name).copied() };
        if current == Some(Level::Forbid) {
            return;
        }
        if name == WARNINGS {
            self.warnings_level = Some(level);
        } else {
            self.levels.insert(name.to_string(), level);
        }
        self.level_sources.insert(name.to_string(), source);
    }
}

/// Merges every layer into one [`Config`]; see the module docs for the order.
///
/// `known_rules` are the rule names of the catalog (usually
/// [`known_rule_names`]); the engine codes and `warnings` are always
/// accepted on top of them.
pub fn load(
    workspace_metadata: Option<&Value>,
    package_metadata: Option<&Value>,
    toml_file: Option<(&Path, &str)>,
    cli: &[LevelFlag],
    known_rules: &[&str],
) -> Result<Config, ConfigError> {
    let mut names: Vec<&str> = known_rules.to_vec();
    names.extend_from_slice(ENGINE_CODES);
    names.push(WARNINGS);

    let mut config = Config::default();
    if let Some(value) = workspace_metadata {
        apply_table(&mut config, value, "[workspace.metadata.async-sync-lint]", LevelSource::Workspace, &names)?;
    }
    if let Some(value) = package_metadata {
        apply_table(&mut config, value, "[package.metadata.async-sync-lint]", LevelSource::Package, &names)?;
    }
    if let Some((path, text)) = toml_file {
        let value = parse_toml(path, text)?;
        apply_table(&mut config, &value, &path.display().to_string(), LevelSource::File, &names)?;
    }
    for flag in cli {
        if !names.contains(&flag.name.as_str()) {
            let mut message = format!("unknown rule `{}` in `{} {}`", flag.name, flag_letter(flag.level), flag.name);
            push_suggestion(&mut message, &flag.name, &names);
            return Err(ConfigError { origin: "command line".to_string(), message });
        }
        config.set_level(&flag.name, flag.level, LevelSource::Cli);
    }
    Ok(config)
}

fn flag_letter(level: Level) -> &'static str {
    match level {
        Level::Allow => "-A",
        Level::Warn => "-W",
        Level::Deny => "-D",
        Level::Forbid => "-F",
    }
}

/// Parses `async-sync-lint.toml`; a syntax error names `path:line:col`.
fn parse_toml(path: &Path, text: &str) -> Result<Value, ConfigError> {
    match toml::from_str::<toml::Table>(text) {
        Ok(table) => serde_json::to_value(table).map_err(|e| ConfigError {
            origin: path.display().to_string(),
            message: format!("cannot read the file's values: {e}"),
        }),
        Err(e) => {
            let origin = match e.span() {
                Some(span) => {
                    let (line, col) = LineIndex::new(text).line_col(span.start as u32);
                    format!("{}:{line}:{col}", path.display())
                }
                None => path.display().to_string(),
            };
            let message = format!("invalid TOML: {}", e.message().trim_end());
            Err(ConfigError { origin, message })
        }
    }
}

fn apply_table(
    config: &mut Config,
    value: &Value,
    origin: &str,
    source: LevelSource,
    names: &[&str],
) -> Result<(), ConfigError> {
    let err = |message: String| ConfigError { origin: origin.to_string(), message };
    let Some(table) = value.as_object() else {
        return Err(err(format!("expected a table, found {}", kind_of(value))));
    };
    for (key, value) in table {
        match key.as_str() {
            "rules" => {
                let Some(rules) = value.as_object() else {
                    return Err(err(format!("`rules` must be a table of rule = \"level\", found {}", kind_of(value))));
                };
                for (name, entry) in rules {
                    if TOP_LEVEL_KEYS.contains(&name.as_str()) {
                        // TOML puts every key after `[rules]` into that table.
                        return Err(err(format!(
                            "`{name}` is not a rule: it is a top-level key, so write it before the `[rules]` \
                             table (in TOML every key after `[rules]` belongs to `[rules]`)"
                        )));
                    }
                    if let Some((_, rule)) = DEPRECATED_KEYS.iter().find(|(key, _)| key == name) {
                        return Err(err(format!(
                            "`{name}` is an option of `{rule}`: write it in that rule's table, \
                             `[rules.{rule}]` then `{name} = [..]`"
                        )));
                    }
                    if !names.contains(&name.as_str()) {
                        let mut message = format!("unknown rule `{name}` in [rules]");
                        push_suggestion(&mut message, name, names);
                        return Err(err(message));
                    }
                    apply_rule_entry(config, name, entry, source).map_err(err)?;
                }
            }
            key if DEPRECATED_KEYS.iter().any(|(k, _)| *k == key) => {
                let rule = DEPRECATED_KEYS.iter().find(|(k, _)| *k == key).map(|(_, rule)| *rule).unwrap_or_default();
                apply_option(config, rule, key, value).map_err(err)?;
                config.deprecations.push(err(format!(
                    "the top-level `{key}` is deprecated: write it in the rule's table, `[rules.{rule}]` then \
                     `{key} = [..]`"
                )));
            }
            "per-path" => {
                let Some(globs) = value.as_object() else {
                    return Err(err(format!(
                        "`per-path` must be a table of \"glob\" = {{ rule = \"level\" }}, found {}",
                        kind_of(value)
                    )));
                };
                for (glob, rules) in globs {
                    let mut builder = ignore::gitignore::GitignoreBuilder::new("");
                    if let Err(e) = builder.add_line(None, glob).and_then(|b| b.build().map(drop)) {
                        return Err(err(format!("invalid `per-path` glob `{glob}`: {e}")));
                    }
                    let Some(rules) = rules.as_object() else {
                        return Err(err(format!(
                            "`per-path.\"{glob}\"` must be a table of rule = \"level\", found {}",
                            kind_of(rules)
                        )));
                    };
                    let mut levels = BTreeMap::new();
                    for (name, level) in rules {
                        if !names.contains(&name.as_str()) || name == WARNINGS {
                            let mut message = format!("unknown rule `{name}` in `per-path.\"{glob}\"`");
                            push_suggestion(&mut message, name, names);
                            return Err(err(message));
                        }
                        let level = level.as_str().and_then(Level::parse).ok_or_else(|| {
                            err(format!("`per-path.\"{glob}\".{name}` must be a level: {LEVEL_NAMES}"))
                        })?;
                        levels.insert(name.clone(), level);
                    }
                    config.per_path.push((glob.clone(), levels));
                }
            }
            HONOUR_CLIPPY_ALLOWS => {
                let Some(honour) = value.as_bool() else {
                    return Err(err(format!("`{key}` must be `true` or `false`, found {}", kind_of(value))));
                };
                config.honour_clippy_allows = Some(honour);
            }
            "exclude" => {
                for glob in string_list(value, key).map_err(err)? {
                    let mut builder = ignore::gitignore::GitignoreBuilder::new("");
                    let checked = builder.add_line(None, glob).and_then(|b| b.build().map(drop));
                    if let Err(e) = checked {
                        return Err(err(format!("invalid `exclude` glob `{glob}`: {e}")));
                    }
                    push_unique(&mut config.exclude_paths, glob);
                }
            }
            _ => {
                let mut message = format!("unknown key `{key}`");
                if names.contains(&key.as_str()) {
                    message.push_str(&format!("; rule levels go in the `rules` table: `rules.{key}`"));
                } else {
                    push_suggestion(&mut message, key, TOP_LEVEL_KEYS);
                    message.push_str(&format!(" (allowed keys: {})", quoted_list(TOP_LEVEL_KEYS)));
                }
                return Err(err(message));
            }
        }
    }
    Ok(())
}

/// One entry of `[rules]`: a level string, or the rule's table of options
/// with an optional `level`.
fn apply_rule_entry(config: &mut Config, name: &str, entry: &Value, source: LevelSource) -> Result<(), String> {
    let parse_level = |value: &Value, key: &str| match value.as_str() {
        Some(s) => Level::parse(s).ok_or_else(|| format!("invalid level `{s}` for `{key}`; expected {LEVEL_NAMES}")),
        None => Err(format!("`{key}` must be a level string ({LEVEL_NAMES}), found {}", kind_of(value))),
    };
    let Some(table) = entry.as_object() else {
        let level = parse_level(entry, &format!("rules.{name}"))?;
        config.set_level(name, level, source);
        return Ok(());
    };
    let declared = crate::rules::find(name).map_or(&[][..], |rule| rule.options);
    for (key, value) in table {
        if key == "level" {
            let level = parse_level(value, &format!("rules.{name}.level"))?;
            config.set_level(name, level, source);
        } else if declared.iter().any(|o| o.name == key) {
            apply_option(config, name, key, value)?;
        } else {
            let allowed: Vec<&str> = std::iter::once("level").chain(declared.iter().map(|o| o.name)).collect();
            let mut message = format!("unknown option `{key}` of `{name}`");
            push_suggestion(&mut message, key, &allowed);
            message.push_str(&format!(" (allowed: {})", quoted_list(&allowed)));
            return Err(message);
        }
    }
    Ok(())
}

/// Adds the values of one declared option of `rule`, each checked against
/// the option's kind.
fn apply_option(config: &mut Config, rule: &str, option: &str, value: &Value) -> Result<(), String> {
    let kind = crate::rules::find(rule).and_then(|r| r.option(option)).map(|o| o.kind);
    for entry in string_list(value, option)? {
        if let Some(kind) = kind {
            kind.check_entry(entry).map_err(|why| format!("`{option}` entry {why}"))?;
        }
        config.options.push(rule, option, entry);
    }
    Ok(())
}

fn string_list<'v>(value: &'v Value, key: &str) -> Result<Vec<&'v str>, String> {
    let Some(items) = value.as_array() else {
        return Err(format!("`{key}` must be an array of strings, found {}", kind_of(value)));
    };
    items
        .iter()
        .map(|item| item.as_str().ok_or_else(|| format!("`{key}` must contain only strings, found {}", kind_of(item))))
        .collect()
}

fn push_unique(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|x| x == item) {
        list.push(item.to_string());
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "a table",
    }
}

fn quoted_list(items: &[&str]) -> String {
    items.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
}

fn push_suggestion(message: &mut String, name: &str, candidates: &[&str]) {
    if let Some(best) = closest(name, candidates) {
        message.push_str(&format!("; did you mean `{best}`?"));
    }
}

/// The candidate closest to `name` by edit distance, if it is close enough
/// to be a plausible typo (rustc's threshold: a third of the length).
pub fn closest<'c>(name: &str, candidates: &[&'c str]) -> Option<&'c str> {
    let limit = name.chars().count().max(3) / 3;
    candidates
        .iter()
        .map(|c| (edit_distance(name, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters, with adjacent transpositions
/// counting as one edit (so `awiat` is one step from `await`).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // rows[i][j] = distance between a[..i] and b[..j]
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[i - 1][j] + 1).min(rows[i][j - 1] + 1).min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = d;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const RULES: &[&str] = &["sync-guard-across-await", "blocking-in-async"];

    fn flag(level: Level, name: &str) -> LevelFlag {
        LevelFlag { level, name: name.to_string() }
    }

    fn from_file(text: &str) -> Result<Config, ConfigError> {
        load(None, None, Some((Path::new("async-sync-lint.toml"), text)), &[], RULES)
    }

    fn error(result: Result<Config, ConfigError>) -> String {
        result.expect_err("expected a configuration error").to_string()
    }

    #[test]
    fn layers_merge_in_order() {
        let ws = json!({"rules": {"sync-guard-across-await": "allow",
                                  "blocking-in-async": {"level": "deny", "blocking-paths": ["ws::block"]}}});
        let pkg = json!({"rules": {"sync-guard-across-await": "warn",
                                   "blocking-in-async": {"blocking-paths": ["pkg::block", "ws::block"]}}});
        let file = "[rules]\nsync-guard-across-await = \"deny\"\n";

        let only_ws = load(Some(&ws), None, None, &[], RULES).unwrap();
        assert_eq!(only_ws.levels["sync-guard-across-await"], Level::Allow);
        assert_eq!(only_ws.source_of("sync-guard-across-await"), Some(LevelSource::Workspace));

        let with_pkg = load(Some(&ws), Some(&pkg), None, &[], RULES).unwrap();
        assert_eq!(with_pkg.levels["sync-guard-across-await"], Level::Warn);
        assert_eq!(with_pkg.levels["blocking-in-async"], Level::Deny);
        assert_eq!(with_pkg.options.get("blocking-in-async", "blocking-paths"), ["ws::block", "pkg::block"]);
        assert!(with_pkg.deprecations.is_empty());

        let path = Path::new("async-sync-lint.toml");
        let with_file = load(Some(&ws), Some(&pkg), Some((path, file)), &[], RULES).unwrap();
        assert_eq!(with_file.levels["sync-guard-across-await"], Level::Deny);
        assert_eq!(with_file.source_of("sync-guard-across-await"), Some(LevelSource::File));

        let cli = [flag(Level::Allow, "blocking-in-async"), flag(Level::Warn, "sync-guard-across-await")];
        let all = load(Some(&ws), Some(&pkg), Some((path, file)), &cli, RULES).unwrap();
        assert_eq!(all.levels["sync-guard-across-await"], Level::Warn);
        assert_eq!(all.levels["blocking-in-async"], Level::Allow);
        assert_eq!(all.source_of("blocking-in-async"), Some(LevelSource::Cli));
    }

    #[test]
    fn later_cli_flags_win() {
        let cli = [flag(Level::Deny, "sync-guard-across-await"), flag(Level::Allow, "sync-guard-across-await")];
        let config = load(None, None, None, &cli, RULES).unwrap();
        assert_eq!(config.level_for("sync-guard-across-await", Level::Warn), Level::Allow);
    }

    #[test]
    fn deny_warnings_promotes_warn_level_only() {
        let cli = [flag(Level::Deny, "warnings"), flag(Level::Allow, "blocking-in-async")];
        let config = load(None, None, None, &cli, RULES).unwrap();
        assert_eq!(config.warnings_level, Some(Level::Deny));
        assert_eq!(config.level_for("sync-guard-across-await", Level::Warn), Level::Deny);
        assert_eq!(config.level_for("blocking-in-async", Level::Warn), Level::Allow);
        assert_eq!(config.level_for("parse-error", Level::Deny), Level::Deny);

        // Order does not matter for the group: a rule raised to warn after
        // `-D warnings` is still an error, as with rustc.
        let cli = [flag(Level::Deny, "warnings"), flag(Level::Warn, "blocking-in-async")];
        let config = load(None, None, None, &cli, RULES).unwrap();
        assert_eq!(config.level_for("blocking-in-async", Level::Allow), Level::Deny);

        let allow_all = load(None, None, None, &[flag(Level::Allow, "warnings")], RULES).unwrap();
        assert_eq!(allow_all.level_for("sync-guard-across-await", Level::Warn), Level::Allow);
        assert_eq!(allow_all.level_for("sync-guard-across-await", Level::Deny), Level::Deny);
    }

    #[test]
    fn warnings_group_in_file() {
        let config = from_file("[rules]\nwarnings = \"deny\"\n").unwrap();
        assert_eq!(config.level_for("sync-guard-across-await", Level::Warn), Level::Deny);
    }

    #[test]
    fn forbid_is_not_lowered() {
        let cli = [flag(Level::Forbid, "sync-guard-across-await"), flag(Level::Allow, "sync-guard-across-await")];
        let config = load(None, None, None, &cli, RULES).unwrap();
        assert_eq!(config.level_for("sync-guard-across-await", Level::Warn), Level::Forbid);

        // Across layers too: a workspace forbid survives a package allow.
        let ws = json!({"rules": {"blocking-in-async": "forbid"}});
        let pkg = json!({"rules": {"blocking-in-async": "allow"}});
        let config = load(Some(&ws), Some(&pkg), None, &[flag(Level::Warn, "blocking-in-async")], RULES).unwrap();
        assert_eq!(config.levels["blocking-in-async"], Level::Forbid);
        assert_eq!(config.source_of("blocking-in-async"), Some(LevelSource::Workspace));

        let cli = [flag(Level::Forbid, "warnings"), flag(Level::Allow, "warnings")];
        let config = load(None, None, None, &cli, RULES).unwrap();
        assert_eq!(config.warnings_level, Some(Level::Forbid));
    }

    #[test]
    fn honour_clippy_allows_defaults_to_true_and_the_last_layer_wins() {
        assert!(from_file("").unwrap().honours_clippy_allows());
        let ws = json!({"honour-clippy-allows": true});
        let file = (Path::new("async-sync-lint.toml"), "honour-clippy-allows = false\n");
        let config = load(Some(&ws), None, Some(file), &[], RULES).unwrap();
        assert!(!config.honours_clippy_allows());
        let msg = error(from_file("honour-clippy-allows = 1\n"));
        assert!(msg.ends_with("`honour-clippy-allows` must be `true` or `false`, found a number"), "{msg}");
    }

    #[test]
    fn unknown_key_suggests_closest() {
        let msg = error(from_file("exclud = [\"a/\"]\n"));
        assert_eq!(
            msg,
            "async-sync-lint.toml: unknown key `exclud`; did you mean `exclude`? \
             (allowed keys: `rules`, `exclude`, `per-path`, `honour-clippy-allows`)"
        );
        let ws = json!({"rulez": {}});
        let msg = error(load(Some(&ws), None, None, &[], RULES));
        assert!(
            msg.starts_with("[workspace.metadata.async-sync-lint]: unknown key `rulez`; did you mean `rules`?"),
            "{msg}"
        );
        let msg = error(from_file("sync-guard-across-await = \"deny\"\n"));
        assert!(msg.ends_with("rule levels go in the `rules` table: `rules.sync-guard-across-await`"), "{msg}");
    }

    #[test]
    fn unknown_rule_suggests_closest() {
        let msg = error(from_file("[rules]\nsync-guard-across-awiat = \"deny\"\n"));
        assert_eq!(
            msg,
            "async-sync-lint.toml: unknown rule `sync-guard-across-awiat` in [rules]; \
             did you mean `sync-guard-across-await`?"
        );
        let msg = error(from_file("[rules]\nsomething-else-entirely = \"deny\"\n"));
        assert_eq!(msg, "async-sync-lint.toml: unknown rule `something-else-entirely` in [rules]");
        let msg = error(load(None, None, None, &[flag(Level::Deny, "warning")], RULES));
        assert_eq!(msg, "command line: unknown rule `warning` in `-D warning`; did you mean `warnings`?");
    }

    #[test]
    fn engine_codes_are_rule_names() {
        let config = from_file("[rules]\nparse-error = \"deny\"\nunused-suppression = \"allow\"\n").unwrap();
        assert_eq!(config.level_for("parse-error", Level::Warn), Level::Deny);
        assert_eq!(config.level_for("unused-suppression", Level::Warn), Level::Allow);
    }

    #[test]
    fn bad_level_names_the_allowed_ones() {
        let msg = error(from_file("[rules]\nsync-guard-across-await = \"error\"\n"));
        assert_eq!(
            msg,
            "async-sync-lint.toml: invalid level `error` for `rules.sync-guard-across-await`; \
             expected `allow`, `warn`, `deny` or `forbid`"
        );
        let pkg = json!({"rules": {"sync-guard-across-await": 2}});
        let msg = error(load(None, Some(&pkg), None, &[], RULES));
        assert!(msg.contains("must be a level string"), "{msg}");
        assert!(msg.contains("found a number"), "{msg}");
    }

    #[test]
    fn toml_syntax_error_has_line_and_column() {
        let msg = error(from_file("[rules]\nsync-guard-across-await = deny\n"));
        assert!(msg.starts_with("async-sync-lint.toml:2:27: invalid TOML: "), "{msg}");
    }

    #[test]
    fn lists_are_checked() {
        let text =
            "exclude = [\"generated/**\", \"vendor/\"]\n[rules.blocking-in-async]\nblocking-paths = [\"::a::b\"]\n";
        let config = from_file(text).unwrap();
        assert_eq!(config.exclude_paths, ["generated/**", "vendor/"]);
        assert_eq!(config.options.get("blocking-in-async", "blocking-paths"), ["::a::b"]);
        let msg = error(from_file("[rules.blocking-in-async]\nblocking-paths = [\"not a path\"]\n"));
        assert!(msg.contains("`blocking-paths` entry `not a path` is not a path"), "{msg}");
        let msg = error(from_file("exclude = \"vendor/\"\n"));
        assert!(msg.contains("`exclude` must be an array of strings, found a string"), "{msg}");
        let msg = error(from_file("exclude = [\"src/{a\"]\n"));
        assert!(msg.contains("invalid `exclude` glob `src/{a`"), "{msg}");
    }

    #[test]
    fn a_rule_table_takes_its_level_and_declared_options() {
        let config = from_file(
            "[rules.blocking-in-async]\nlevel = \"deny\"\nblocking-paths = [\"my_crate::io::read_blocking\"]\n",
        )
        .unwrap();
        assert_eq!(config.levels["blocking-in-async"], Level::Deny);
        assert_eq!(config.options.get("blocking-in-async", "blocking-paths"), ["my_crate::io::read_blocking"]);
        // A table without `level` keeps the default level.
        let config = from_file("[rules.blocking-in-async]\nblocking-paths = [\"a::b\"]\n").unwrap();
        assert!(!config.levels.contains_key("blocking-in-async"));

        let msg = error(from_file("[rules.blocking-in-async]\nblocking-path = [\"a::b\"]\n"));
        assert_eq!(
            msg,
            "async-sync-lint.toml: unknown option `blocking-path` of `blocking-in-async`; did you mean \
             `blocking-paths`? (allowed: `level`, `blocking-paths`)"
        );
        let msg = error(from_file("[rules.sync-guard-across-await]\nblocking-paths = [\"a::b\"]\n"));
        assert!(msg.contains("unknown option `blocking-paths` of `sync-guard-across-await`"), "{msg}");
        assert!(msg.contains("(allowed: `level`)"), "{msg}");
        let msg = error(from_file("[rules.blocking-in-async]\nlevel = \"loud\"\n"));
        assert!(msg.contains("invalid level `loud` for `rules.blocking-in-async.level`"), "{msg}");
        // The old spelling under `[rules]` is neither a rule nor accepted.
        let msg = error(from_file("[rules]\nblocking-paths = [\"a::b\"]\n"));
        assert!(msg.contains("`blocking-paths` is an option of `blocking-in-async`"), "{msg}");
    }

    #[test]
    fn the_old_top_level_key_still_works_and_warns() {
        let config = from_file("blocking-paths = [\"legacy::flush_sync\"]\n").unwrap();
        assert_eq!(config.options.get("blocking-in-async", "blocking-paths"), ["legacy::flush_sync"]);
        let warnings: Vec<String> = config.deprecations.iter().map(ToString::to_string).collect();
        assert_eq!(
            warnings,
            ["async-sync-lint.toml: the top-level `blocking-paths` is deprecated: write it in the rule's table, \
              `[rules.blocking-in-async]` then `blocking-paths = [..]`"]
        );
        let msg = error(from_file("blocking-paths = [\"not a path\"]\n"));
        assert!(msg.contains("`not a path` is not a path"), "{msg}");
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("await", "awiat"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(closest("rule", &["rules", "exclude"]), Some("rules"));
        assert_eq!(closest("zzz", &["rules"]), None);
    }
}
