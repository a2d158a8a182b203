//! The rule catalog. Each rule lives in its own file and is declared with
//! [`declare_rule!`], which keeps its documentation next to its code; the
//! registry below is the one hand-kept list, checked by meta-tests.

use std::cell::OnceCell;

use crate::analysis::facts::{Body, FileFacts};
use crate::analysis::index::CrateIndex;
use crate::diagnostic::{FileId, Finding, Level, Span};
use crate::rules::lock_summary::LockSummary;

pub mod blocking_in_async;
pub mod blocking_process;
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

impl RuleMeta {
    /// A finding of this rule at its default level; the engine applies the
    /// configured level later.
    pub fn finding(&self, file: FileId, primary: Span, message: impl Into<String>) -> Finding {
        Finding::new(self.name, self.default_level, file, primary, message)
    }
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

/// What a rule sees: one package's merged facts, and the queries rules
/// share over them.
pub struct CrateCx<'a> {
    pub index: &'a CrateIndex<'a>,
    /// The options of the run's configuration; read them with
    /// [`CrateCx::option`].
    options: &'a options::RuleOptions,
    /// Built on first use, once per package.
    lock_summary: OnceCell<LockSummary<'a>>,
}

/// A body of the package, with where it is: `fi` indexes the package's
/// files (for index queries), `file_id` names the file in findings.
#[derive(Clone, Copy)]
pub struct BodyRef<'a> {
    pub fi: usize,
    pub file_id: FileId,
    pub facts: &'a FileFacts,
    pub bi: usize,
    pub body: &'a Body,
}

impl<'a> CrateCx<'a> {
    pub fn new(index: &'a CrateIndex<'a>, options: &'a options::RuleOptions) -> CrateCx<'a> {
        CrateCx { index, options, lock_summary: OnceCell::new() }
    }

    /// The values of an option `rule` declares; empty when not set.
    pub fn option(&self, rule: &RuleMeta, name: &str) -> &[String] {
        debug_assert!(rule.option(name).is_some(), "`{}` declares no option `{name}`", rule.name);
        self.options.get(rule.name, name)
    }

    /// Every body of the package (functions, closures, async blocks), file
    /// by file in index order.
    pub fn bodies(&self) -> impl Iterator<Item = BodyRef<'a>> + 'a {
        let files = &self.index.files;
        files.iter().enumerate().flat_map(|(fi, &(file_id, facts))| {
            facts.bodies.iter().enumerate().map(move |(bi, body)| BodyRef { fi, file_id, facts, bi, body })
        })
    }

    /// The package's functions (not closures or async blocks) named
    /// `qualified` (`Type::method`, or a free function's name), file by
    /// file in index order.
    pub fn functions_named<'q>(&self, qualified: &'q str) -> impl Iterator<Item = BodyRef<'a>> + 'q
    where
        'a: 'q,
    {
        self.bodies().filter(move |b| b.body.parent.is_none() && b.body.name == qualified)
    }

    /// The body `bi` of the package's file `fi`.
    pub fn body(&self, fi: usize, bi: usize) -> &'a Body {
        &self.index.files[fi].1.bodies[bi]
    }

    /// The locks every function of the package takes, itself or through
    /// calls; built on first use and shared by the rules.
    pub fn lock_summary(&self) -> &LockSummary<'a> {
        self.lock_summary.get_or_init(|| LockSummary::new(self.index))
    }

    /// Called before each rule runs (by the engine, and by harnesses that
    /// call the rules themselves).
    pub fn start_rule(&self) {
        if let Some(summary) = self.lock_summary.get() {
            summary.forget_summaries();
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::facts::FileFacts;
    use crate::input::workspace::Edition;

    fn facts(src: &str) -> FileFacts {
        let file = syn::parse_file(src).expect("parses");
        crate::analysis::extract::extract(&file, src, 0, Edition::E2021)
    }

    /// Two functions that call each other: the summary computed first is
    /// cut where the cycle closes, so the memo must not outlive a rule.
    const CYCLE: &str = r#"
static X: std::sync::Mutex<u32> = std::sync::Mutex::new(0);
static Y: std::sync::Mutex<u32> = std::sync::Mutex::new(0);
fn a() { let _x = X.lock().unwrap(); b(); }
fn b() { let _y = Y.lock().unwrap(); a(); }
"#;

    fn locks_of(cx: &CrateCx<'_>, name: &str) -> Vec<String> {
        let bi = cx.index.files[0].1.bodies.iter().position(|b| b.name == name).expect("the function");
        let mut locks: Vec<String> = cx.lock_summary().summary(0, bi).iter().map(|r| r.key.class()).collect();
        locks.sort();
        locks
    }

    #[test]
    fn the_lock_summary_is_shared_but_its_memo_is_per_rule() {
        let f = facts(CYCLE);
        let index = CrateIndex::new(vec![(0, &f)]);
        let options = Default::default();
        let cx = CrateCx::new(&index, &options);
        // Asked first, `a` reaches both locks.
        let a_alone = locks_of(&cx, "a");
        assert_eq!(a_alone.len(), 2, "{a_alone:?}");
        cx.start_rule();
        // Asked after `b`, `a`'s summary was cut inside `b`'s cycle.
        let _ = locks_of(&cx, "b");
        assert_eq!(locks_of(&cx, "a").len(), 1, "the cut summary is remembered within one rule");
        // The next rule starts afresh, with the same summary tables.
        let tables = cx.lock_summary() as *const LockSummary<'_>;
        cx.start_rule();
        assert_eq!(locks_of(&cx, "a"), a_alone);
        assert!(std::ptr::eq(tables, cx.lock_summary()), "built once per package");
    }

    /// Each rule run alone on a fresh context finds what it finds after
    /// all the rules before it ran on a shared one.
    #[test]
    fn a_rules_findings_do_not_depend_on_the_rules_before_it() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        let mut sources = vec![CYCLE.to_string()];
        for rule in ["reentrant-lock", "lock-order-inversion", "leaked-permit", "lost-wakeup"] {
            let mut files: Vec<_> =
                std::fs::read_dir(root.join(rule)).expect("fixtures").flatten().map(|e| e.path()).collect();
            files.sort();
            sources.extend(
                files
                    .iter()
                    .filter(|p| p.extension().is_some_and(|e| e == "rs"))
                    .map(|p| std::fs::read_to_string(p).unwrap()),
            );
        }
        assert!(sources.len() > 20, "the fixtures are read");
        let options = Default::default();
        for src in &sources {
            let f = facts(src);
            let index = CrateIndex::new(vec![(0, &f)]);
            let shared = CrateCx::new(&index, &options);
            for (meta, check) in checks() {
                let mut after_others = Vec::new();
                shared.start_rule();
                check(&shared, &mut after_others);
                let mut alone = Vec::new();
                check(&CrateCx::new(&index, &options), &mut alone);
                let spans = |v: &[Finding]| v.iter().map(|f| (f.primary.lo, f.message.clone())).collect::<Vec<_>>();
                assert_eq!(spans(&after_others), spans(&alone), "{}", meta.name);
            }
        }
    }
}
