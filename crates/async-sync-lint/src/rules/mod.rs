//! The rule catalog. Each rule lives in its own file and is declared with
//! [`declare_rule!`], which keeps its documentation next to its code; the
//! registry below is the one hand-kept list, checked by meta-tests.

use crate::analysis::index::CrateIndex;
use crate::diagnostic::{Finding, Level};

pub mod blocking_in_async;
pub mod blocking_summary;
pub mod busy_wait;
pub mod dropped_guard;
pub(crate) mod engine_codes;
pub mod fan_out;
pub mod leaked_permit;
pub mod lock_as_semaphore;
pub mod lock_order_inversion;
pub mod lock_summary;
pub mod lost_wakeup;
pub mod options;
pub mod race_across_await;
pub mod reentrant_lock;
pub mod shared_fields;
pub mod signal_as_queue;
pub mod signal_wrappers;
pub mod signals;
pub mod sync_guard_across_await;
pub mod try_poll;
pub mod unawaited_lock;
pub mod unnecessary_async_lock;
pub mod wait_without_loop;

/// What every rule declares about itself.
#[derive(Debug)]
pub struct RuleMeta {
    /// Kebab-case, names the bad pattern: read as "allow NAME".
    pub name: &'static str,
    pub default_level: Level,
    /// One line, lowercase, for `--list-rules` and SARIF short descriptions.
    pub summary: &'static str,
    /// Markdown with `## What it does`, `## Why is this bad?`, `## Example`,
    /// `## Use instead`, `## Known problems`. Printed by `--explain`.
    pub docs: &'static str,
    /// Settings of the rule's own table (`[rules.NAME] option = ..`).
    pub options: &'static [options::RuleOption],
}

/// Declares a rule's metadata as a `pub static META: RuleMeta`, with the
/// options of its configuration table, if it has any:
///
/// ```text
/// declare_rule! {
///     name: "blocking-in-async", level: Warn, summary: "…", docs: "…",
///     options: [{ name: "blocking-paths", kind: CallPaths, example: r#"["a::b"]"#, docs: "…" }],
/// }
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        name: $name:literal,
        level: $level:ident,
        summary: $summary:literal,
        docs: $docs:literal
        $(, options: [$({
            name: $oname:literal,
            kind: $okind:ident,
            example: $oexample:literal,
            docs: $odocs:literal $(,)?
        }),* $(,)?])? $(,)?
    ) => {
        pub static META: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
            name: $name,
            default_level: $crate::diagnostic::Level::$level,
            summary: $summary,
            docs: $docs,
            options: &[$($($crate::rules::options::RuleOption {
                name: $oname,
                kind: $crate::rules::options::OptionKind::$okind,
                example: $oexample,
                docs: $odocs,
            }),*)?],
        };
    };
}

/// What a rule sees: one package's merged facts.
pub struct CrateCx<'a> {
    pub index: &'a CrateIndex<'a>,
    /// The options of the run's configuration; read them with
    /// [`CrateCx::option`].
    pub options: &'a options::RuleOptions,
}

impl CrateCx<'_> {
    /// The values of an option `rule` declares; empty when not set.
    pub fn option(&self, rule: &RuleMeta, name: &str) -> &[String] {
        debug_assert!(rule.option(name).is_some(), "`{}` declares no option `{name}`", rule.name);
        self.options.get(rule.name, name)
    }
}

pub type Check = fn(&CrateCx<'_>, &mut Vec<Finding>);

/// The registry: every rule with its check, in catalog order.
static RULES: &[(&RuleMeta, Check)] = &[
    (&sync_guard_across_await::META, sync_guard_across_await::check),
    (&unnecessary_async_lock::META, unnecessary_async_lock::check),
    (&race_across_await::META, race_across_await::check),
    (&signal_as_queue::META, signal_as_queue::check),
    (&lock_as_semaphore::META, lock_as_semaphore::check),
    (&lost_wakeup::META, lost_wakeup::check),
    (&wait_without_loop::META, wait_without_loop::check),
    (&dropped_guard::META, dropped_guard::check),
    (&unawaited_lock::META, unawaited_lock::check),
    (&leaked_permit::META, leaked_permit::check),
    (&reentrant_lock::META, reentrant_lock::check),
    (&lock_order_inversion::META, lock_order_inversion::check),
    (&busy_wait::META, busy_wait::check),
    (&blocking_in_async::META, blocking_in_async::check),
];

/// Every rule, in catalog order.
pub fn all() -> Vec<&'static RuleMeta> {
    RULES.iter().map(|(m, _)| *m).collect()
}

/// Every rule with its check, in catalog order. The engine runs each on
/// its own (a panicking rule is isolated); findings carry each rule's
/// default level.
pub fn checks() -> impl Iterator<Item = (&'static RuleMeta, Check)> {
    RULES.iter().map(|&(meta, check)| (meta, check))
}

pub fn find(name: &str) -> Option<&'static RuleMeta> {
    RULES.iter().map(|(m, _)| *m).find(|r| r.name == name)
}

/// The engine's own codes (`parse-error`, `io-error`, `internal-error`,
/// `unused-suppression`), documented like rules.
pub fn engine_codes() -> &'static [RuleMeta] {
    engine_codes::ENGINE_CODES
}

/// A rule or an engine code by name.
pub fn find_code(name: &str) -> Option<&'static RuleMeta> {
    find(name).or_else(|| engine_codes().iter().find(|r| r.name == name))
}
