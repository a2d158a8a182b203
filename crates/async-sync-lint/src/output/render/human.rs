//! `--message-format human`: rustc-style diagnostics drawn by
//! codespan-reporting.
//!
//! ```text
//! warning[sync-guard-across-await]: std mutex guard held across an await
//!   --> src/lib.rs:5:9
//!    |
//!  5 |     let g = m.lock().unwrap();
//!    |         ^ guard acquired here
//!  6 |     tick().await;
//!    |     ------------ awaited here while held
//!    |
//!    = note: a blocking lock held across an await stalls the executor
//!    = help: drop the guard before the await, or use an async mutex
//! ```

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};

use codespan_reporting::diagnostic::{Diagnostic, Label, Severity};
use codespan_reporting::files::{self, SimpleFiles};
use codespan_reporting::term::termcolor::{Ansi, NoColor};
use codespan_reporting::term::{self, Chars, Config};

use super::{level_word, Sources};
use crate::diagnostic::{FileId, Finding, Help, Level, Span};
use crate::rules::{self, RuleMeta};

pub(crate) fn render(out: &mut dyn Write, sources: &Sources<'_>, findings: &[Finding], color: bool) -> io::Result<()> {
    let mut human = Human::new(sources);
    for f in findings {
        out.write_all(&human.render_bytes(f, color))?;
    }
    Ok(())
}

/// Renders findings one at a time. Keeps codespan's file table and which
/// rules have already had their "on by default" note, so it must see the
/// findings of one run in order.
pub(crate) struct Human<'s, 'w> {
    sources: &'s Sources<'w>,
    files: SimpleFiles<&'w str, &'s str>,
    ids: HashMap<FileId, usize>,
    seen_rules: HashSet<String>,
    config: Config,
}

impl<'s, 'w> Human<'s, 'w> {
    pub fn new(sources: &'s Sources<'w>) -> Human<'s, 'w> {
        let config = Config { chars: Chars::ascii(), ..Config::default() };
        Human { sources, files: SimpleFiles::new(), ids: HashMap::new(), seen_rules: HashSet::new(), config }
    }

    /// The finding as text, with or without ANSI colours.
    pub fn rendered(&mut self, finding: &Finding, color: bool) -> String {
        String::from_utf8_lossy(&self.render_bytes(finding, color)).into_owned()
    }

    /// The finding drawn into a buffer. Should codespan reject a snippet, the
    /// finding is drawn again without one; rendering never fails.
    pub fn render_bytes(&mut self, finding: &Finding, color: bool) -> Vec<u8> {
        let first = self.seen_rules.insert(finding.rule.clone());
        let with_snippet = self.diagnostic(finding, true, first);
        if let Ok(buf) = self.draw(&with_snippet, color) {
            return buf;
        }
        let without = self.diagnostic(finding, false, first);
        self.draw(&without, color).unwrap_or_else(|_| {
            let header = format!("{}[{}]: {}\n\n", level_word(finding.level), finding.rule, finding.message);
            header.into_bytes()
        })
    }

    fn draw(&self, diagnostic: &Diagnostic<usize>, color: bool) -> Result<Vec<u8>, files::Error> {
        let mut buf = Vec::new();
        if color {
            term::emit(&mut Ansi::new(&mut buf), &self.config, &self.files, diagnostic)?;
        } else {
            term::emit(&mut NoColor::new(&mut buf), &self.config, &self.files, diagnostic)?;
        }
        Ok(buf)
    }

    /// codespan's id for a file, registering its text (BOM stripped) the
    /// first time. `None` when the text is unavailable.
    fn file_id(&mut self, id: FileId) -> Option<usize> {
        if let Some(&cid) = self.ids.get(&id) {
            return Some(cid);
        }
        let text = self.sources.text(id)?;
        let bom = self.sources.bom(id) as usize;
        let cid = self.files.add(self.sources.display(id), &text[bom..]);
        self.ids.insert(id, cid);
        Some(cid)
    }

    /// The codespan diagnostic; `snippet: false` leaves out the labels and
    /// says where instead. `first`: the rule's first finding in this run.
    fn diagnostic(&mut self, f: &Finding, snippet: bool, first: bool) -> Diagnostic<usize> {
        let severity = if f.level.is_error() { Severity::Error } else { Severity::Warning };
        let mut notes = Vec::new();
        let mut labels = Vec::new();
        let cid = if snippet && self.sources.fits(f.file, f.primary) { self.file_id(f.file) } else { None };
        match cid {
            Some(cid) => {
                let bom = self.sources.bom(f.file);
                let range = |s: Span| s.lo.saturating_sub(bom) as usize..s.hi.saturating_sub(bom) as usize;
                labels.push(Label::primary(cid, range(f.primary)).with_message(&f.primary_label));
                for l in f.labels.iter().filter(|l| self.sources.fits(f.file, l.span)) {
                    labels.push(Label::secondary(cid, range(l.span)).with_message(&l.message));
                }
            }
            None => notes.push(format!("note: at {}", self.location(f))),
        }
        notes.extend(f.notes.iter().map(|n| format!("note: {n}")));
        notes.extend(f.helps.iter().map(help_text));
        if first {
            notes.extend(on_by_default(rules::find(&f.rule), f.level));
        }
        Diagnostic::new(severity).with_code(&f.rule).with_message(&f.message).with_labels(labels).with_notes(notes)
    }

    /// `path:line:col`, or just `path` when the line is unknown.
    fn location(&self, f: &Finding) -> String {
        let pos = self.sources.pos(f.file, f.primary);
        let path = self.sources.display(f.file);
        if pos.line == 0 {
            path.to_string()
        } else {
            format!("{path}:{}:{}", pos.line, pos.col)
        }
    }
}

/// `help: message`, with a suggestion's replacement shown inline (or on the
/// following lines when it spans several).
fn help_text(help: &Help) -> String {
    match &help.suggestion {
        None => format!("help: {}", help.message),
        Some(s) if s.replacement.contains('\n') => {
            format!("help: {}:\n{}", help.message, s.replacement)
        }
        Some(s) => format!("help: {}: `{}`", help.message, s.replacement),
    }
}

/// rustc's "`#[warn(lint)]` on by default" note, in our flag syntax, when the
/// finding has its rule's default level.
fn on_by_default(meta: Option<&RuleMeta>, level: Level) -> Option<String> {
    let meta = meta.filter(|m| m.default_level == level)?;
    let flag = match level {
        Level::Allow => return None,
        Level::Warn => "-W",
        Level::Deny => "-D",
        Level::Forbid => "-F",
    };
    Some(format!("note: `{flag} {}` on by default", meta.name))
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::MessageFormat;
    use super::*;

    fn human(color: bool) -> String {
        render_to_string(&fixture(), MessageFormat::Human, color)
    }

    #[test]
    fn plain_output_has_no_ansi_and_tells_the_story() {
        let out = human(false);
        assert!(!out.contains('\x1b'), "{out}");
        let expected = "\
warning[sync-guard-across-await]: std mutex guard held across an await
  --> src/lib.rs:5:9
  |
5 |     let g = m.lock().unwrap();
  |         ^ guard acquired here
6 |     tick().await;
  |     ------------ awaited here while held
  |
  = note: a blocking lock held across an await stalls the executor
  = help: drop the guard before the await, or use an async mutex
  = note: `-W sync-guard-across-await` on by default

";
        assert!(out.contains(expected), "{out}");
        assert!(out.contains("error[dropped-guard]: guard dropped as soon as it is made\n"), "{out}");
        assert!(out.contains("= help: bind the guard to a name: `_guard`"), "{out}");
    }

    #[test]
    fn bom_and_crlf_file_shows_clean_lines() {
        let all = human(false);
        let start = all.find("warning[dropped-guard]").expect("the BOM file's finding");
        let end = start + all[start..].find("\n\n").expect("end of the diagnostic");
        let out = &all[start..end];
        assert!(out.contains("--> src/bom.rs:3:26"), "{out}");
        assert!(out.contains("3 |     let s = \"héllo\"; let _ = m.lock().await;\n"), "{out}");
        assert!(out.contains("1 | // λ comment\n"), "no BOM or CR in the snippet: {out}");
        assert!(!out.contains('\r'), "{out:?}");
        assert!(!out.contains('\u{feff}'), "{out:?}");
        assert!(out.contains("= help: or await it in a block: `{ m.lock().await }`"), "{out}");
    }

    #[test]
    fn missing_text_degrades_to_a_location_note() {
        let out = human(false);
        assert!(out.contains("error[io-error]: could not read file: no such file\n = note: at src/gone.rs\n"), "{out}");
        assert!(out.contains("warning[internal-error]: span out of range\n = note: at src/lib.rs:300:1\n"), "{out}");
        assert!(!out.contains("also out of range"), "{out}");
    }

    #[test]
    fn colour_uses_ansi() {
        let out = human(true);
        assert!(out.contains("\x1b["), "{out:?}");
        assert!(out.contains("sync-guard-across-await"));
    }

    #[test]
    fn multi_line_help_goes_below() {
        let out = human(false);
        assert!(out.contains("= help: line one\n    line two\n"), "{out}");
    }

    #[test]
    fn on_by_default_note_only_at_default_level() {
        static META: RuleMeta =
            RuleMeta { name: "busy-wait", default_level: Level::Warn, summary: "", docs: "", options: &[] };
        assert_eq!(on_by_default(Some(&META), Level::Warn).as_deref(), Some("note: `-W busy-wait` on by default"));
        assert_eq!(on_by_default(Some(&META), Level::Deny), None);
        assert_eq!(on_by_default(None, Level::Warn), None);
    }
}
