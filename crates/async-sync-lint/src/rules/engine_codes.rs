//! The engine's own codes as catalog entries: not rules (nothing to detect),
//! but findings carry them, levels apply to them and users ask about them,
//! so `--explain`, `--list-rules` and SARIF describe them like rules.
//!
//! This is the one list of them: [`engine_codes!`] makes both the name
//! constants the engine emits (`diagnostic::engine_codes`) and the catalog
//! entries from it. A new engine code is one entry here.

use crate::diagnostic::Level;
use crate::rules::RuleMeta;

/// Declares each engine code once: its name constant (in `names`, with
/// `ALL` listing them) and its catalog entry (in `ENGINE_CODES`).
macro_rules! engine_codes {
    ($(
        $(#[doc = $doc:literal])*
        $konst:ident = $name:literal, $level:ident, $summary:literal, $docs:literal;
    )*) => {
        /// The codes' names, for the code that emits them.
        pub mod names {
            $( $(#[doc = $doc])* pub const $konst: &str = $name; )*
            /// Every engine code, in catalog order.
            pub const ALL: &[&str] = &[$($konst),*];
        }
        pub static ENGINE_CODES: &[RuleMeta] = &[$(
            RuleMeta { name: $name, default_level: Level::$level, summary: $summary, docs: $docs, options: &[] },
        )*];
    };
}

engine_codes! {
    /// The file is not valid Rust as `syn` reads it; it was not linted.
    PARSE_ERROR = "parse-error", Warn,
    "a file is not valid Rust as the linter reads it, so it was not linted",
    "## What it means

The file could not be read as Rust: a syntax error (said as rustc says it,
what was expected and what was found, at the place rustc points to; an
unclosed delimiter or an unterminated string, character literal or comment
is named), text that is not UTF-8, or nesting too deep to parse safely. The
rest of the run goes on.

## What to do

Fix the syntax (`cargo check` shows the same error), or exclude the file
(`exclude = [\"path/**\"]`) when it is not meant to compile. `-A parse-error`
hides these findings.
";
    /// The file could not be read (permissions, vanished, a directory loop).
    IO_ERROR = "io-error", Deny,
    "a file could not be read: the run is incomplete (exit code 2)",
    "## What it means

A file found during the run could not be read: permissions, a file that
vanished while the run went on, a directory loop. The other files are still
linted, and the run exits with code 2 because its result is incomplete.

## What to do

Make the file readable, or exclude it (`exclude = [\"path/**\"]`).
";
    /// The linter itself failed on this file or package (a bug): always exit code 2.
    INTERNAL_ERROR = "internal-error", Deny,
    "the linter failed on a file or a rule failed on a package (a bug in the linter): exit code 2",
    "## What it means

The linter panicked while analyzing this file, or a rule (named in the
message) panicked on this file's package. That is a bug in the linter, not
in your code; the other files, and the other rules on this package, are
still linted, and the run exits with code 2.

## What to do

Please report it with the file (or the smallest part of it that still
fails) and the message. Excluding the file works around it meanwhile.
";
    /// An `allow` comment that suppressed nothing.
    UNUSED_SUPPRESSION = "unused-suppression", Warn,
    "an `allow` comment suppresses nothing, or is malformed",
    "## What it means

An `// async-sync-lint: allow(rule)` comment (or a file-level or attribute
form) has no finding of that rule where it applies, or it cannot be read.
Stale suppressions hide the next real finding at that place. Clippy's own
allows that also suppress a rule here (`#[allow(clippy::await_holding_lock)]`)
are never reported: they may be there for clippy alone.

## What to do

Remove it, or move it to the line of the finding it is meant for.
";
}
