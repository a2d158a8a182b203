//! `--message-format json` and its variants: cargo's message stream, so that
//! rust-analyzer's `check.overrideCommand`, `cargo_metadata` and `rustfix`
//! read our findings as they read rustc's.
//!
//! One line per finding:
//! `{"reason":"compiler-message","package_id":…,"manifest_path":…,"target":{…},"message":<rustc diagnostic>}`,
//! then `{"reason":"build-finished","success":<no deny-level finding>}`.
//!
//! The objects are private serde structs with the fields in cargo's and
//! rustc's order: `cargo_metadata`'s own types are `#[non_exhaustive]` and
//! cannot be constructed here. The tests parse every line back with
//! `cargo_metadata::Message::parse_stream` and apply the suggestions with
//! `rustfix`.
//!
//! `json-render-diagnostics`: cargo prints the rendered diagnostics itself
//! (to stderr) instead of `compiler-message` lines. With one output stream we
//! write the human rendering of every finding followed by the
//! `build-finished` line; `Message::parse_stream` reads the human lines as
//! `TextLine`s.

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;

use super::human::Human;
use super::{absolute, file_uri, level_word, short, Sources};
use crate::diagnostic::{FileId, Finding, Help, Span};
use crate::input::workspace::Edition;
use crate::rules;

/// What goes into each diagnostic's `rendered` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rendered {
    /// The human rendering without colour (`json`).
    Plain,
    /// The human rendering with ANSI colours (`json-diagnostic-rendered-ansi`).
    Ansi,
    /// The short line (`json-diagnostic-short`).
    Short,
}

pub(crate) fn render(
    out: &mut dyn Write,
    sources: &Sources<'_>,
    findings: &[Finding],
    rendered: Rendered,
) -> io::Result<()> {
    let mut human = Human::new(sources);
    for f in findings {
        let text = match rendered {
            Rendered::Plain => human.rendered(f, false),
            Rendered::Ansi => human.rendered(f, true),
            Rendered::Short => format!("{}\n", short::line(sources, f)),
        };
        let owner = owner(sources, f.file);
        let message = CompilerMessage {
            reason: "compiler-message",
            package_id: &owner.package_id,
            manifest_path: &owner.manifest_path,
            target: &owner.target,
            message: diagnostic(sources, f, text),
        };
        serde_json::to_writer(&mut *out, &message)?;
        writeln!(out)?;
    }
    build_finished(out, findings)
}

pub(crate) fn render_diagnostics(
    out: &mut dyn Write,
    sources: &Sources<'_>,
    findings: &[Finding],
    color: bool,
) -> io::Result<()> {
    super::human::render(out, sources, findings, color)?;
    build_finished(out, findings)
}

fn build_finished(out: &mut dyn Write, findings: &[Finding]) -> io::Result<()> {
    let success = !findings.iter().any(|f| f.level.is_error());
    serde_json::to_writer(&mut *out, &BuildFinished { reason: "build-finished", success })?;
    writeln!(out)
}

// The wire types, fields in the order cargo and rustc write them.

#[derive(Serialize)]
struct CompilerMessage<'a> {
    reason: &'static str,
    package_id: &'a str,
    manifest_path: &'a str,
    target: &'a TargetJson,
    message: Diagnostic<'a>,
}

#[derive(Serialize)]
struct BuildFinished {
    reason: &'static str,
    success: bool,
}

#[derive(Serialize)]
struct TargetJson {
    kind: Vec<String>,
    crate_types: Vec<String>,
    name: String,
    src_path: String,
    edition: &'static str,
    doc: bool,
    doctest: bool,
    test: bool,
}

#[derive(Serialize)]
struct Diagnostic<'a> {
    #[serde(rename = "$message_type")]
    message_type: &'static str,
    message: Cow<'a, str>,
    code: Option<Code>,
    level: &'static str,
    spans: Vec<SpanJson<'a>>,
    children: Vec<Diagnostic<'a>>,
    rendered: Option<String>,
}

#[derive(Serialize)]
struct Code {
    code: String,
    explanation: Option<&'static str>,
}

#[derive(Serialize)]
struct SpanJson<'a> {
    file_name: &'a str,
    byte_start: u32,
    byte_end: u32,
    line_start: u32,
    line_end: u32,
    column_start: u32,
    column_end: u32,
    is_primary: bool,
    text: Vec<LineJson<'a>>,
    label: Option<&'a str>,
    suggested_replacement: Option<&'a str>,
    suggestion_applicability: Option<&'static str>,
    /// Always `null`: we see no macro expansions.
    expansion: Option<()>,
}

#[derive(Serialize)]
struct LineJson<'a> {
    text: &'a str,
    highlight_start: u32,
    highlight_end: u32,
}

/// rustc's JSON diagnostic for a finding.
fn diagnostic<'a>(sources: &'a Sources<'_>, f: &'a Finding, rendered: String) -> Diagnostic<'a> {
    let label = (!f.primary_label.is_empty()).then_some(f.primary_label.as_str());
    let mut spans = vec![span(sources, f.file, f.primary, true, label)];
    spans.extend(f.labels.iter().map(|l| span(sources, f.file, l.span, false, Some(&l.message))));
    let mut children: Vec<Diagnostic<'a>> = f.notes.iter().map(|n| child("note", n, Vec::new())).collect();
    children.extend(f.helps.iter().map(|h| help(sources, f.file, h)));
    if let Some(meta) = rules::find(&f.rule) {
        children.push(Diagnostic {
            message: Cow::Owned(format!(
                "`{rule}`: {summary} (details: `cargo async-sync-lint --explain {rule}`); to silence it, \
                 add `// async-sync-lint: allow({rule})` on this line or the line above, or pass `-A {rule}`",
                rule = meta.name,
                summary = meta.summary,
            )),
            ..child("note", "", Vec::new())
        });
    }
    Diagnostic {
        message_type: "diagnostic",
        message: Cow::Borrowed(&f.message),
        code: Some(Code {
            code: format!("async_sync_lint::{}", f.rule),
            explanation: rules::find(&f.rule).map(|m| m.docs),
        }),
        level: level_word(f.level),
        spans,
        children,
        rendered: Some(rendered),
    }
}

/// A `help` child; a suggestion becomes a primary span carrying the
/// replacement, which is what `rustfix` applies.
fn help<'a>(sources: &'a Sources<'_>, file: FileId, h: &'a Help) -> Diagnostic<'a> {
    let spans = match &h.suggestion {
        Some(s) => {
            let mut span = span(sources, file, s.span, true, None);
            span.suggested_replacement = Some(&s.replacement);
            span.suggestion_applicability = Some(s.applicability.as_str());
            vec![span]
        }
        None => Vec::new(),
    };
    child("help", &h.message, spans)
}

fn child<'a>(level: &'static str, message: &'a str, spans: Vec<SpanJson<'a>>) -> Diagnostic<'a> {
    Diagnostic {
        message_type: "diagnostic",
        message: Cow::Borrowed(message),
        code: None,
        level,
        spans,
        children: Vec::new(),
        rendered: None,
    }
}

/// A rustc `DiagnosticSpan`. Byte offsets are raw file offsets (BOM and
/// `\r` included), which is what `rustfix` edits. An unknown position
/// (line 0) is shown at the start of the file: editors want 1-based lines.
fn span<'a>(
    sources: &'a Sources<'_>,
    file: FileId,
    span: Span,
    is_primary: bool,
    label: Option<&'a str>,
) -> SpanJson<'a> {
    let pos = sources.pos(file, span);
    let (line, col) = (pos.line.max(1), pos.col.max(1));
    let end_line = pos.end_line.max(line);
    let end_col = if end_line == line { pos.end_col.max(col) } else { pos.end_col.max(1) };
    let text = sources
        .lines(file, span)
        .into_iter()
        .map(|l| LineJson { text: l.text, highlight_start: l.highlight_start, highlight_end: l.highlight_end })
        .collect();
    SpanJson {
        file_name: sources.display(file),
        byte_start: span.lo,
        byte_end: span.hi,
        line_start: line,
        line_end: end_line,
        column_start: col,
        column_end: end_col,
        is_primary,
        text,
        label,
        suggested_replacement: None,
        suggestion_applicability: None,
        expansion: None,
    }
}

/// The package and target a file's messages are attributed to.
struct Owner {
    package_id: String,
    manifest_path: String,
    target: TargetJson,
}

/// Looks up the file's package and target. A file outside any package gets a
/// synthesised one (`path+file:///dir#stem@0.0.0`, a `lib` target for the
/// file): rust-analyzer drops messages without a target.
fn owner(sources: &Sources<'_>, id: FileId) -> Owner {
    let file = sources.file(id);
    let package = file.and_then(|f| sources.ws.packages.get(f.package?));
    if let Some(p) = package {
        let target = file.and_then(|f| p.targets.get(f.target?)).or(p.targets.first());
        if let Some(t) = target {
            return Owner {
                package_id: p.id.clone(),
                manifest_path: absolute(&p.manifest_path).display().to_string(),
                target: TargetJson {
                    kind: t.kind.clone(),
                    crate_types: t.crate_types.clone(),
                    name: t.name.clone(),
                    src_path: absolute(&t.src_path).display().to_string(),
                    edition: t.edition.as_str(),
                    doc: t.doc,
                    doctest: t.doctest,
                    test: t.test,
                },
            };
        }
    }
    let path = sources.abs_path(id);
    let dir = path.parent().map_or_else(|| path.clone(), |d| d.to_path_buf());
    let stem = path.file_stem().map_or_else(|| "unknown".to_string(), |s| s.to_string_lossy().into_owned());
    Owner {
        package_id: format!("path+{}#{stem}@0.0.0", file_uri(&dir)),
        manifest_path: dir.join("Cargo.toml").display().to_string(),
        target: TargetJson {
            kind: vec!["lib".into()],
            crate_types: vec!["lib".into()],
            name: stem.replace('-', "_"),
            src_path: path.display().to_string(),
            edition: file.map_or(Edition::default(), |f| f.edition).as_str(),
            doc: true,
            doctest: true,
            test: true,
        },
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashSet};

    use cargo_metadata::diagnostic::{Applicability as CmApplicability, DiagnosticLevel};
    use cargo_metadata::{CompilerMessage, Message};

    use super::super::testing::*;
    use super::super::MessageFormat;

    fn messages(out: &str) -> (Vec<CompilerMessage>, Vec<Message>) {
        let all: Vec<Message> = Message::parse_stream(out.as_bytes()).map(|m| m.expect("readable stream")).collect();
        let compiler = all
            .iter()
            .filter_map(|m| match m {
                Message::CompilerMessage(c) => Some(c.clone()),
                _ => None,
            })
            .collect();
        (compiler, all)
    }

    #[test]
    fn every_line_parses_as_a_cargo_message() {
        let fx = fixture();
        let out = render_to_string(&fx, MessageFormat::Json, false);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), fx.findings.len() + 1);
        for line in &lines[..lines.len() - 1] {
            assert!(line.starts_with("{\"reason\":\"compiler-message\",\"package_id\":"), "{line}");
            assert!(line.contains("\"message\":{\"$message_type\":\"diagnostic\",\"message\":"), "{line}");
            let raw: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(raw["reason"], "compiler-message");
            assert_eq!(raw["message"]["$message_type"], "diagnostic");
            assert!(raw["message"]["spans"][0]["expansion"].is_null());
            assert!(raw["manifest_path"].as_str().unwrap().ends_with("Cargo.toml"));
        }
        let (compiler, all) = messages(&out);
        assert_eq!(compiler.len(), fx.findings.len());
        assert!(all.iter().all(|m| !matches!(m, Message::TextLine(_))));
        match all.last() {
            Some(Message::BuildFinished(b)) => {
                assert!(!b.success, "deny-level findings fail the build")
            }
            other => panic!("last message is {other:?}"),
        }
    }

    #[test]
    fn package_target_and_spans_are_right() {
        let fx = fixture();
        let (msgs, _) = messages(&render_to_string(&fx, MessageFormat::Json, false));
        let pkg = &fx.ws.packages[0];

        let m = &msgs[1]; // sync-guard-across-await in src/lib.rs
        assert_eq!(m.package_id.repr, pkg.id);
        assert_eq!(m.target.name, "demo");
        assert_eq!(m.target.src_path.as_std_path(), path_of(&fx, "src/lib.rs"));
        assert!(m.target.is_lib());
        let d = &m.message;
        assert_eq!(d.message, "std mutex guard held across an await");
        assert_eq!(d.level, DiagnosticLevel::Warning);
        assert_eq!(d.code.as_ref().unwrap().code, "async_sync_lint::sync-guard-across-await");
        assert_eq!(d.spans.len(), 2);
        let p = &d.spans[0];
        assert!(p.is_primary);
        assert_eq!(p.file_name, "src/lib.rs");
        assert_eq!((p.line_start, p.column_start, p.line_end, p.column_end), (5, 9, 5, 10));
        assert_eq!(&LIB_RS[p.byte_start as usize..p.byte_end as usize], "g");
        assert_eq!(p.label.as_deref(), Some("guard acquired here"));
        assert_eq!(p.text.len(), 1);
        assert_eq!(p.text[0].text, "    let g = m.lock().unwrap();");
        assert_eq!((p.text[0].highlight_start, p.text[0].highlight_end), (9, 10));
        assert!(p.suggested_replacement.is_none());
        let s = &d.spans[1];
        assert!(!s.is_primary);
        assert_eq!(s.label.as_deref(), Some("awaited here while held"));
        assert_eq!((s.line_start, s.column_start, s.column_end), (6, 5, 17));
        assert_eq!(d.children.len(), 3);
        assert_eq!(d.children[2].level, DiagnosticLevel::Note);
        assert!(d.children[2].message.contains("// async-sync-lint: allow(sync-guard-across-await)"));
        assert_eq!(d.children[0].level, DiagnosticLevel::Note);
        assert_eq!(d.children[1].level, DiagnosticLevel::Help);
        assert!(d.children[1].spans.is_empty());
        assert!(d.rendered.as_deref().unwrap().starts_with("warning[sync-guard-across-await]: std mutex"));
        assert!(!d.rendered.as_deref().unwrap().contains('\x1b'));

        let m = &msgs[2]; // BOM + CRLF file
        let d = &m.message;
        let p = &d.spans[0];
        let col = "    let s = \"héllo\"; let ".chars().count() + 1;
        assert_eq!((p.line_start, p.column_start, p.column_end), (3, col, col + 1));
        assert_eq!(&BOM_RS[p.byte_start as usize..p.byte_end as usize], "_");
        let comment = &d.spans[1];
        assert_eq!((comment.line_start, comment.column_start, comment.column_end), (1, 6, 13));
        assert_eq!(comment.text[0].text, "// λ comment");
        let help = &d.children[0];
        assert_eq!(help.message, "bind the guard to a name");
        assert_eq!(help.spans[0].suggested_replacement.as_deref(), Some("_guard"));
        assert_eq!(help.spans[0].suggestion_applicability, Some(CmApplicability::MachineApplicable));
        assert_eq!(d.children[1].spans[0].suggestion_applicability, Some(CmApplicability::MaybeIncorrect));
    }

    #[test]
    fn files_outside_packages_get_a_synthetic_owner() {
        let fx = fixture();
        let (msgs, _) = messages(&render_to_string(&fx, MessageFormat::Json, false));
        let m = &msgs[3];
        let dir = path_of(&fx, "scripts");
        assert_eq!(m.package_id.repr, format!("path+{}#loose@0.0.0", super::file_uri(&dir)));
        assert!(m.target.is_lib());
        assert_eq!(m.target.name, "loose");
        assert_eq!(m.target.src_path.as_std_path(), path_of(&fx, "scripts/loose.rs"));
        // The unreadable file keeps its package and has spans without text.
        let gone = &msgs[4];
        assert_eq!(gone.package_id.repr, fx.ws.packages[0].id);
        assert!(gone.message.spans[0].text.is_empty());
        // An unknown position is put at the start of the file, 1-based.
        let g = &gone.message.spans[0];
        assert_eq!((g.line_start, g.column_start, g.line_end, g.column_end), (1, 1, 1, 1));
        assert_eq!(gone.message.level, DiagnosticLevel::Error);
    }

    #[test]
    fn rendered_follows_the_variant() {
        let fx = fixture();
        let (short, _) = messages(&render_to_string(&fx, MessageFormat::JsonDiagnosticShort, false));
        assert_eq!(
            short[1].message.rendered.as_deref(),
            Some("src/lib.rs:5:9: warning[sync-guard-across-await]: std mutex guard held across an await\n")
        );
        let (ansi, _) = messages(&render_to_string(&fx, MessageFormat::JsonDiagnosticRenderedAnsi, false));
        assert!(ansi[1].message.rendered.as_deref().unwrap().contains("\x1b["));
    }

    #[test]
    fn render_diagnostics_writes_text_then_build_finished() {
        let fx = fixture();
        let out = render_to_string(&fx, MessageFormat::JsonRenderDiagnostics, false);
        assert!(out.starts_with("error[dropped-guard]: guard dropped as soon as it is made\n"), "{out}");
        let (compiler, all) = messages(&out);
        assert!(compiler.is_empty());
        assert!(matches!(all.last(), Some(Message::BuildFinished(b)) if !b.success));
        let ok: Vec<_> = fx.findings.iter().filter(|f| !f.level.is_error()).cloned().collect();
        let out = render_findings(&fx.ws, &ok, MessageFormat::Json, false);
        assert!(out.ends_with("{\"reason\":\"build-finished\",\"success\":true}\n"), "{out}");
    }

    #[test]
    fn machine_applicable_suggestions_apply_with_rustfix() {
        let fx = fixture();
        let out = render_to_string(&fx, MessageFormat::Json, false);
        // rustfix reads rustc diagnostics, one per line: unwrap cargo's envelope.
        let mut diagnostics = String::new();
        for line in out.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            if v["reason"] == "compiler-message" {
                diagnostics.push_str(&v["message"].to_string());
                diagnostics.push('\n');
            }
        }
        let suggestions =
            rustfix::get_suggestions_from_json(&diagnostics, &HashSet::new(), rustfix::Filter::MachineApplicableOnly)
                .expect("rustfix reads the diagnostics");
        let mut by_file: BTreeMap<String, Vec<rustfix::Suggestion>> = BTreeMap::new();
        for s in suggestions {
            let file = s.solutions[0].replacements[0].snippet.file_name.clone();
            by_file.entry(file).or_default().push(s);
        }
        assert_eq!(by_file.keys().collect::<Vec<_>>(), ["src/bom.rs", "src/lib.rs"]);

        let fixed = rustfix::apply_suggestions(LIB_RS, &by_file["src/lib.rs"]).unwrap();
        assert_eq!(fixed, LIB_RS.replace("let _ = m.lock().unwrap();", "let _guard = m.lock().unwrap();"));
        let fixed = rustfix::apply_suggestions(BOM_RS, &by_file["src/bom.rs"]).unwrap();
        assert_eq!(
            fixed,
            "\u{feff}// λ comment\r\nasync fn g() {\r\n    let s = \"héllo\"; let _guard = m.lock().await;\r\n}\r\n"
        );
    }
}
