//! The rule catalog. Each rule lives in its own file and is declared with
//! [`declare_rule!`], which keeps its documentation next to its code; the
//! registry below is the one hand-kept list, checked by meta-tests.

use crate::diagnostic::Level;

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
}

/// Declares a rule's metadata as a `pub static META: RuleMeta`.
#[macro_export]
macro_rules! declare_rule {
    (
        name: $name:literal,
        level: $level:ident,
        summary: $summary:literal,
        docs: $docs:literal $(,)?
    ) => {
        pub static META: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
            name: $name,
            default_level: $crate::diagnostic::Level::$level,
            summary: $summary,
            docs: $docs,
        };
    };
}

/// Every rule, in catalog order.
pub fn all() -> &'static [&'static RuleMeta] {
    &[]
}

pub fn find(name: &str) -> Option<&'static RuleMeta> {
    all().iter().copied().find(|r| r.name == name)
}
