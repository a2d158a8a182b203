//! The engine's own codes as catalog entries: not rules (nothing to detect),
//! but findings carry them, levels apply to them and users ask about them,
//! so `--explain`, `--list-rules` and SARIF describe them like rules.

use crate::diagnostic::{engine_codes, Level};
use crate::rules::RuleMeta;

pub static ENGINE_CODES: &[RuleMeta] = &[
    RuleMeta {
        name: engine_codes::PARSE_ERROR,
        default_level: Level::Warn,
        summary: "a file is not valid Rust as the linter reads it, so it was not linted",
        docs: "## What it means

The file could not be read as Rust: a syntax error (reported where the parser
stopped, with the delimiter it expected when one is unclosed), text that is
not UTF-8, or nesting too deep to parse safely. The rest of the run goes on.

## What to do

Fix the syntax (`cargo check` shows the same error), or exclude the file
(`exclude = [\"path/**\"]`) when it is not meant to compile. `-A parse-error`
hides these findings.
",
    },
    RuleMeta {
        name: engine_codes::IO_ERROR,
        default_level: Level::Deny,
        summary: "a file could not be read: the run is incomplete (exit code 2)",
        docs: "## What it means

A file found during the run could not be read: permissions, a file that
vanished while the run went on, a directory loop. The other files are still
linted, and the run exits with code 2 because its result is incomplete.

## What to do

Make the file readable, or exclude it (`exclude = [\"path/**\"]`).
",
    },
    RuleMeta {
        name: engine_codes::INTERNAL_ERROR,
        default_level: Level::Deny,
        summary: "the linter failed on a file (a bug in the linter): exit code 2",
        docs: "## What it means

The linter panicked while analyzing this file. That is a bug in the linter,
not in your code; the other files are still linted, and the run exits with
code 2.

## What to do

Please report it with the file (or the smallest part of it that still
fails) and the message. Excluding the file works around it meanwhile.
",
    },
    RuleMeta {
        name: engine_codes::UNUSED_SUPPRESSION,
        default_level: Level::Warn,
        summary: "an `allow` comment suppresses nothing, or is malformed",
        docs: "## What it means

An `// async-sync-lint: allow(rule)` comment (or a file-level or attribute
form) has no finding of that rule where it applies, or it cannot be read.
Stale suppressions hide the next real finding at that place.

## What to do

Remove it, or move it to the line of the finding it is meant for.
",
    },
];
