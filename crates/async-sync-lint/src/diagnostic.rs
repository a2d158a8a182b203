//! The data a finding is made of. Owned and `Send`: nothing here borrows a
//! syntax tree, so findings can cross threads and be cached.

use serde::{Deserialize, Serialize};

/// A byte range in a file plus its human coordinates.
///
/// `lo`/`hi` are byte offsets into the file exactly as read from disk (a BOM
/// counts). `line`/`end_line` are 1-based; `col`/`end_col` are 1-based and
/// count characters (not bytes), as rustc's JSON does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Span {
    pub lo: u32,
    pub hi: u32,
    pub line: u32,
    pub col: u32,
    pub end_line: u32,
    pub end_col: u32,
}

/// How loudly a rule speaks. Ordered: `Allow < Warn < Deny < Forbid`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Allow,
    Warn,
    Deny,
    Forbid,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
            Level::Forbid => "forbid",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "allow" => Some(Level::Allow),
            "warn" => Some(Level::Warn),
            "deny" => Some(Level::Deny),
            "forbid" => Some(Level::Forbid),
            _ => None,
        }
    }

    /// Findings at this level fail the run (exit code 1).
    pub fn is_error(self) -> bool {
        self >= Level::Deny
    }
}

/// Whether a suggestion can be applied without a human looking at it
/// (rustc's `Applicability`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Applicability {
    MachineApplicable,
    MaybeIncorrect,
    HasPlaceholders,
    Unspecified,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::MachineApplicable => "MachineApplicable",
            Applicability::MaybeIncorrect => "MaybeIncorrect",
            Applicability::HasPlaceholders => "HasPlaceholders",
            Applicability::Unspecified => "Unspecified",
        }
    }
}

/// A concrete edit: replace `span` with `replacement`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Suggestion {
    pub span: Span,
    pub replacement: String,
    pub applicability: Applicability,
}

/// A secondary label: part of the story the diagnostic tells.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// A `help:` line, optionally carrying an edit.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Help {
    pub message: String,
    pub suggestion: Option<Suggestion>,
}

/// Index of a file in `Report::files`.
pub type FileId = u32;

/// One diagnostic. Produced by rules (and by the engine for unparsable or
/// unreadable files), then levelled, suppressed, sorted and rendered.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Finding {
    /// Rule name, kebab-case (`sync-guard-across-await`), or one of the
    /// engine's own codes (`parse-error`, `io-error`, `internal-error`).
    pub rule: String,
    pub level: Level,
    pub file: FileId,
    /// Lowercase, no trailing period (rustc's convention).
    pub message: String,
    pub primary: Span,
    /// Label on the primary span; may be empty.
    pub primary_label: String,
    pub labels: Vec<Label>,
    pub notes: Vec<String>,
    pub helps: Vec<Help>,
    /// The clippy lint that reports this same mistake (`await_holding_lock`),
    /// if any: the code's `#[allow(clippy::…)]` of it suppresses the finding.
    pub clippy_lint: Option<String>,
}

impl Finding {
    pub fn new(rule: &str, level: Level, file: FileId, primary: Span, message: impl Into<String>) -> Finding {
        Finding {
            rule: rule.to_string(),
            level,
            file,
            message: message.into(),
            primary,
            primary_label: String::new(),
            labels: Vec::new(),
            notes: Vec::new(),
            helps: Vec::new(),
            clippy_lint: None,
        }
    }

    pub fn with_primary_label(mut self, label: impl Into<String>) -> Finding {
        self.primary_label = label.into();
        self
    }

    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Finding {
        self.labels.push(Label { span, message: message.into() });
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Finding {
        self.notes.push(note.into());
        self
    }

    pub fn with_help(mut self, message: impl Into<String>) -> Finding {
        self.helps.push(Help { message: message.into(), suggestion: None });
        self
    }

    pub fn with_clippy_lint(mut self, lint: &str) -> Finding {
        self.clippy_lint = Some(lint.to_string());
        self
    }

    pub fn with_suggestion(mut self, message: impl Into<String>, suggestion: Suggestion) -> Finding {
        self.helps.push(Help { message: message.into(), suggestion: Some(suggestion) });
        self
    }
}

/// Codes the engine itself emits; they are not rules of the catalog but obey
/// the same levels (`-D parse-error` makes unparsable files fail the run).
/// Declared, with their docs, in `rules/engine_codes.rs`.
pub use crate::rules::engine_codes::names as engine_codes;
