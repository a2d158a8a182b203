//! Findings as the protocol shows them: diagnostics with their labels as
//! related locations, and code actions for the machine-applicable
//! suggestions and for the suppression comment.

use std::collections::HashMap;

use async_sync_lint::diagnostic::{Applicability, Finding, Level, Span};
use async_sync_lint::output::render::sarif::help_uri;
use async_sync_lint::output::suppress;
use async_sync_lint::rules;
use lsp_types::{
    CodeAction, CodeActionKind, CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity,
    Location, NumberOrString, Position, Range, TextEdit, Url, WorkspaceEdit,
};

/// The `source` of every diagnostic we publish.
pub const SOURCE: &str = "async-sync-lint";

/// Byte offsets → protocol positions (lines, UTF-16 code units) in one text.
pub struct LineMap<'t> {
    text: &'t str,
    line_starts: Vec<usize>,
}

impl<'t> LineMap<'t> {
    pub fn new(text: &'t str) -> LineMap<'t> {
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        LineMap { text, line_starts }
    }

    pub fn position(&self, offset: u32) -> Position {
        let mut offset = (offset as usize).min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let start = self.line_starts[line];
        let character = self.text[start..offset].encode_utf16().count();
        Position::new(line as u32, character as u32)
    }

    pub fn range(&self, span: Span) -> Range {
        Range::new(self.position(span.lo), self.position(span.hi.max(span.lo)))
    }

    /// The whitespace that starts the line holding `offset`.
    fn indent_of_line(&self, offset: u32) -> &'t str {
        let line = self.position(offset).line as usize;
        let rest = &self.text[self.line_starts[line]..];
        &rest[..rest.len() - rest.trim_start_matches([' ', '\t']).len()]
    }
}

/// One finding as a diagnostic of the file `uri`, whose text is `lines`.
pub fn diagnostic(f: &Finding, uri: &Url, lines: &LineMap<'_>) -> Diagnostic {
    let severity = match f.level {
        Level::Deny | Level::Forbid => DiagnosticSeverity::ERROR,
        Level::Warn => DiagnosticSeverity::WARNING,
        Level::Allow => DiagnosticSeverity::HINT,
    };
    let mut message = f.message.clone();
    for note in &f.notes {
        message.push_str(&format!("\nnote: {note}"));
    }
    for help in &f.helps {
        message.push_str(&format!("\nhelp: {}", help.message));
    }
    let at = |span: Span, label: &str| DiagnosticRelatedInformation {
        location: Location::new(uri.clone(), lines.range(span)),
        message: label.to_string(),
    };
    let primary = (!f.primary_label.is_empty()).then(|| at(f.primary, &f.primary_label));
    let related: Vec<_> = primary.into_iter().chain(f.labels.iter().map(|l| at(l.span, &l.message))).collect();
    let docs = rules::find(&f.rule).and_then(|r| Url::parse(&help_uri(r.name)).ok());
    Diagnostic {
        range: lines.range(f.primary),
        severity: Some(severity),
        code: Some(NumberOrString::String(f.rule.clone())),
        code_description: docs.map(|href| CodeDescription { href }),
        source: Some(SOURCE.to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// The code actions for one finding: each machine-applicable suggestion,
/// then (for a rule of the catalog) the comment that allows it on its line.
pub fn code_actions(f: &Finding, uri: &Url, lines: &LineMap<'_>) -> Vec<CodeAction> {
    let diagnostic = diagnostic(f, uri, lines);
    let edit = |edits: Vec<TextEdit>| WorkspaceEdit {
        changes: Some(HashMap::from([(uri.clone(), edits)])),
        ..WorkspaceEdit::default()
    };
    let mut actions = Vec::new();
    for help in &f.helps {
        let Some(s) = help.suggestion.as_ref().filter(|s| s.applicability == Applicability::MachineApplicable) else {
            continue;
        };
        actions.push(CodeAction {
            title: help.message.clone(),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![diagnostic.clone()]),
            edit: Some(edit(vec![TextEdit::new(lines.range(s.span), s.replacement.clone())])),
            is_preferred: Some(true),
            ..CodeAction::default()
        });
    }
    if rules::find(&f.rule).is_some() {
        let line_start = Position::new(lines.position(f.primary.lo).line, 0);
        let comment = format!("{}{}\n", lines.indent_of_line(f.primary.lo), suppress::allow_comment(&f.rule));
        actions.push(CodeAction {
            title: format!("Allow `{}` here", f.rule),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![diagnostic]),
            edit: Some(edit(vec![TextEdit::new(Range::new(line_start, line_start), comment)])),
            ..CodeAction::default()
        });
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units_per_line() {
        let text = "ab\n\u{e9}\u{1F600}x\n";
        let lines = LineMap::new(text);
        assert_eq!(lines.position(0), Position::new(0, 0));
        assert_eq!(lines.position(3), Position::new(1, 0));
        // é is 2 bytes and 1 unit; the emoji 4 bytes and 2 units.
        assert_eq!(lines.position(9), Position::new(1, 3));
        assert_eq!(lines.position(100), Position::new(2, 0));
        assert_eq!(lines.indent_of_line(3), "");
    }

    #[test]
    fn allow_action_inserts_the_comment_above_with_the_line_indent() {
        let text = "fn f() {\n    let _ = m.lock();\n}\n";
        let lo = text.find("m.lock").unwrap() as u32;
        let span = Span { lo, hi: lo + 6, ..Span::default() };
        let f = Finding::new("dropped-guard", Level::Deny, 0, span, "dropped");
        let uri = Url::parse("file:///x.rs").unwrap();
        let actions = code_actions(&f, &uri, &LineMap::new(text));
        assert_eq!(actions.len(), 1);
        let edits = &actions[0].edit.as_ref().unwrap().changes.as_ref().unwrap()[&uri];
        assert_eq!(edits[0].range, Range::new(Position::new(1, 0), Position::new(1, 0)));
        assert_eq!(edits[0].new_text, "    // async-sync-lint: allow(dropped-guard)\n");
    }
}
