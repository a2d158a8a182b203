//! Output formats: one file per format, all fed the same sorted findings.
//!
//! Every renderer reads file text through [`Sources`], which loads each file
//! once per [`render`] call. A file that cannot be read, or a span that does
//! not fit its file, degrades to output without a snippet; rendering never
//! panics on bad input.
//!
//! Positions: a span's `lo`/`hi` are the truth. When the file is readable the
//! renderers derive lines and columns from them (1-based, columns in
//! characters, a BOM not counted, as rustc does); the span's own `line`/`col`
//! fields are used only when the text is missing or does not fit.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::diagnostic::{FileId, Finding, Level, Span};
use crate::input::workspace::{SourceFile, Workspace};

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;
pub mod short;

/// The values of `--message-format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageFormat {
    /// rustc-style diagnostics with snippets.
    Human,
    /// One line per finding: `path:line:col: warning[rule]: message`.
    Short,
    /// Cargo's JSON message stream; `rendered` is the uncoloured human form.
    Json,
    /// As `Json`, with `rendered` holding the short line.
    JsonDiagnosticShort,
    /// As `Json`, with `rendered` holding the human form with ANSI colours.
    JsonDiagnosticRenderedAnsi,
    /// Human rendering of every finding, then the `build-finished` JSON line.
    JsonRenderDiagnostics,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
}

const FORMATS: &[(&str, MessageFormat)] = &[
    ("human", MessageFormat::Human),
    ("short", MessageFormat::Short),
    ("json", MessageFormat::Json),
    ("json-diagnostic-short", MessageFormat::JsonDiagnosticShort),
    ("json-diagnostic-rendered-ansi", MessageFormat::JsonDiagnosticRenderedAnsi),
    ("json-render-diagnostics", MessageFormat::JsonRenderDiagnostics),
    ("sarif", MessageFormat::Sarif),
    ("github", MessageFormat::Github),
];

impl MessageFormat {
    pub fn parse(s: &str) -> Option<MessageFormat> {
        FORMATS.iter().find(|(name, _)| *name == s).map(|&(_, f)| f)
    }

    /// Every accepted name, in the order `--help` should list them.
    pub fn names() -> &'static [&'static str] {
        &[
            "human",
            "short",
            "json",
            "json-diagnostic-short",
            "json-diagnostic-rendered-ansi",
            "json-render-diagnostics",
            "sarif",
            "github",
        ]
    }

    pub fn name(self) -> &'static str {
        FORMATS.iter().find(|&&(_, f)| f == self).map_or("human", |&(name, _)| name)
    }
}

#[derive(Clone, Debug)]
pub struct RenderOptions {
    pub format: MessageFormat,
    /// ANSI colours in human output (and in `rendered` for
    /// `json-diagnostic-rendered-ansi`, which is coloured regardless).
    pub color: bool,
    /// Shown in SARIF's `tool.driver.version`.
    pub tool_version: &'static str,
}

/// Writes `findings` (already sorted and levelled, `Allow` ones removed) in
/// the chosen format. `ws.files[f.file]` is each finding's file.
pub fn render(out: &mut dyn Write, ws: &Workspace, findings: &[Finding], opts: &RenderOptions) -> io::Result<()> {
    let sources = Sources::load(ws, findings);
    match opts.format {
        MessageFormat::Human => human::render(out, &sources, findings, opts.color),
        MessageFormat::Short => short::render(out, &sources, findings),
        MessageFormat::Json => json::render(out, &sources, findings, json::Rendered::Plain),
        MessageFormat::JsonDiagnosticShort => json::render(out, &sources, findings, json::Rendered::Short),
        MessageFormat::JsonDiagnosticRenderedAnsi => json::render(out, &sources, findings, json::Rendered::Ansi),
        MessageFormat::JsonRenderDiagnostics => json::render_diagnostics(out, &sources, findings, opts.color),
        MessageFormat::Sarif => sarif::render(out, &sources, findings, opts.tool_version),
        MessageFormat::Github => github::render(out, &sources, findings),
    }
}

/// The one-line summary for humans, printed to stderr by the CLI in human
/// and short modes: `warning: 3 warnings emitted`, or
/// `error: 2 errors and 1 warning emitted`. `None` when there is
/// nothing to say.
pub fn summary(findings: &[Finding]) -> Option<String> {
    let errors = findings.iter().filter(|f| f.level.is_error()).count();
    let warnings = findings.iter().filter(|f| f.level == Level::Warn).count();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, 0) => None,
        (0, w) => Some(format!("warning: {} emitted", plural(w, "warning"))),
        // Deny-level findings fail the run; "could not lint" would suggest
        // the tool failed, which it did not.
        (e, 0) => Some(format!("error: {} emitted", plural(e, "error"))),
        (e, w) => Some(format!("error: {} and {} emitted", plural(e, "error"), plural(w, "warning"))),
    }
}

/// The line that closes every run on stderr, so a clean run says what it
/// looked at: `linted 1,220 files in 141 packages: no findings`, or
/// `linted 3 files in 1 package: 1 error, 2 warnings`.
pub fn result_line(ws: &Workspace, findings: &[Finding]) -> String {
    let packages: std::collections::BTreeSet<usize> = ws.files.iter().filter_map(|f| f.package).collect();
    let plural = |n: usize, word: &str| format!("{} {word}{}", thousands(n), if n == 1 { "" } else { "s" });
    let mut line = format!("linted {}", plural(ws.files.len(), "file"));
    if !packages.is_empty() {
        line.push_str(&format!(" in {}", plural(packages.len(), "package")));
    }
    let errors = findings.iter().filter(|f| f.level.is_error()).count();
    let warnings = findings.iter().filter(|f| f.level == Level::Warn).count();
    match (errors, warnings) {
        (0, 0) => line.push_str(": no findings"),
        (0, w) => line.push_str(&format!(": {}", plural(w, "warning"))),
        (e, 0) => line.push_str(&format!(": {}", plural(e, "error"))),
        (e, w) => line.push_str(&format!(": {}, {}", plural(e, "error"), plural(w, "warning"))),
    }
    line
}

/// `1220` → `1,220`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The directory code scanning and annotations resolve paths against: the
/// repository's top level (the nearest directory above `dir` holding a
/// `.git` directory or worktree file), else `dir` itself.
pub fn repository_root(dir: &Path) -> PathBuf {
    let dir = absolute(dir);
    dir.ancestors().find(|d| d.join(".git").exists()).map_or_else(|| dir.clone(), Path::to_path_buf)
}

/// Re-roots the shown paths at `root`, for the formats whose consumers
/// resolve paths against the repository (`github`, `sarif`): in a
/// monorepo's `rust/` folder, `src/lib.rs` becomes `rust/src/lib.rs`. A
/// file outside `root` keeps its absolute path.
pub fn rebase_paths(ws: &mut Workspace, root: &Path) {
    let root = absolute(root);
    for f in &mut ws.files {
        let abs = absolute(&f.path);
        f.display = match abs.strip_prefix(&root) {
            Ok(rel) => rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/"),
            Err(_) => abs.to_string_lossy().into_owned(),
        };
    }
    ws.root = root;
}

/// `error` for deny/forbid, `warning` otherwise (rustc's level words).
pub(crate) fn level_word(level: Level) -> &'static str {
    if level.is_error() {
        "error"
    } else {
        "warning"
    }
}

/// Human coordinates of a span: 1-based lines, 1-based character columns,
/// `end_col` one past the last character. `line == 0` means unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pos {
    pub line: u32,
    pub col: u32,
    pub end_line: u32,
    pub end_col: u32,
}

/// One source line covered by a span, with the highlighted character range
/// (1-based, end exclusive), as rustc's JSON `text` entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LineText<'a> {
    pub text: &'a str,
    pub highlight_start: u32,
    pub highlight_end: u32,
}

struct Loaded {
    text: String,
    /// Byte offset of the start of every line.
    line_starts: Vec<u32>,
    /// 3 when the file starts with a UTF-8 BOM.
    bom: u32,
}

impl Loaded {
    fn new(text: String) -> Loaded {
        let mut line_starts = vec![0u32];
        line_starts.extend(text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i as u32 + 1));
        let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
        Loaded { text, line_starts, bom }
    }

    fn fits(&self, span: Span) -> bool {
        span.lo <= span.hi
            && (span.hi as usize) <= self.text.len()
            && self.text.is_char_boundary(span.lo as usize)
            && self.text.is_char_boundary(span.hi as usize)
    }

    /// 0-based line index of a byte offset.
    fn line_of(&self, offset: u32) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// Byte start of a 0-based line, past the BOM on the first line.
    fn content_start(&self, line: usize) -> u32 {
        if line == 0 {
            self.bom
        } else {
            self.line_starts[line]
        }
    }

    /// Byte end of a 0-based line, without `\n` or `\r\n`.
    fn content_end(&self, line: usize) -> u32 {
        let mut end = self.line_starts.get(line + 1).map_or(self.text.len() as u32, |e| e - 1);
        let start = self.content_start(line);
        if end > start && self.text.as_bytes()[end as usize - 1] == b'\r' {
            end -= 1;
        }
        end.max(start)
    }

    /// Characters from the start of the line (after a BOM) to `offset`.
    fn col_of(&self, line: usize, offset: u32) -> u32 {
        let start = self.content_start(line).min(offset);
        self.text[start as usize..offset as usize].chars().count() as u32 + 1
    }

    fn pos(&self, span: Span) -> Pos {
        let (l0, l1) = (self.line_of(span.lo), self.line_of(span.hi));
        Pos {
            line: l0 as u32 + 1,
            col: self.col_of(l0, span.lo),
            end_line: l1 as u32 + 1,
            end_col: self.col_of(l1, span.hi),
        }
    }
}

/// The text of the files findings point into, read once per render call.
pub(crate) struct Sources<'w> {
    pub ws: &'w Workspace,
    loaded: HashMap<FileId, Loaded>,
}

impl<'w> Sources<'w> {
    /// Reads every file that some finding points into. Unreadable or non-UTF-8
    /// files are simply absent.
    pub fn load(ws: &'w Workspace, findings: &[Finding]) -> Sources<'w> {
        let mut loaded = HashMap::new();
        for f in findings {
            if loaded.contains_key(&f.file) {
                continue;
            }
            let Some(file) = ws.files.get(f.file as usize) else {
                continue;
            };
            let Ok(bytes) = std::fs::read(&file.path) else {
                continue;
            };
            let Ok(text) = String::from_utf8(bytes) else {
                continue;
            };
            loaded.insert(f.file, Loaded::new(text));
        }
        Sources { ws, loaded }
    }

    pub fn file(&self, id: FileId) -> Option<&'w SourceFile> {
        self.ws.files.get(id as usize)
    }

    /// The path to show for a file.
    pub fn display(&self, id: FileId) -> &'w str {
        self.file(id).map_or("<unknown>", |f| f.display.as_str())
    }

    /// The whole file as on disk (BOM included).
    pub fn text(&self, id: FileId) -> Option<&str> {
        self.loaded.get(&id).map(|l| l.text.as_str())
    }

    /// Length of the file's BOM in bytes (0 or 3).
    pub fn bom(&self, id: FileId) -> u32 {
        self.loaded.get(&id).map_or(0, |l| l.bom)
    }

    /// Whether `span` is a valid range of the file's text.
    pub fn fits(&self, id: FileId, span: Span) -> bool {
        self.loaded.get(&id).is_some_and(|l| l.fits(span))
    }

    /// Human coordinates of `span`: from the text when it fits, else from
    /// the span's own fields.
    pub fn pos(&self, id: FileId, span: Span) -> Pos {
        match self.loaded.get(&id) {
            Some(l) if l.fits(span) => l.pos(span),
            _ => Pos { line: span.line, col: span.col, end_line: span.end_line, end_col: span.end_col },
        }
    }

    /// The lines `span` covers with their highlighted columns; empty when
    /// the text is missing or the span does not fit.
    pub fn lines(&self, id: FileId, span: Span) -> Vec<LineText<'_>> {
        let Some(l) = self.loaded.get(&id).filter(|l| l.fits(span)) else {
            return Vec::new();
        };
        let (l0, l1) = (l.line_of(span.lo), l.line_of(span.hi));
        (l0..=l1)
            .map(|line| {
                let (start, end) = (l.content_start(line), l.content_end(line));
                let text = &l.text[start as usize..end as usize];
                let highlight_start = if line == l0 { l.col_of(line, span.lo) } else { 1 };
                let highlight_end = if line == l1 { l.col_of(line, span.hi) } else { text.chars().count() as u32 + 1 };
                LineText { text, highlight_start, highlight_end }
            })
            .collect()
    }

    /// The text of the primary span's lines, each trimmed, joined by `\n`.
    pub fn trimmed_lines(&self, id: FileId, span: Span) -> Option<String> {
        let lines = self.lines(id, span);
        if lines.is_empty() {
            return None;
        }
        Some(lines.iter().map(|l| l.text.trim()).collect::<Vec<_>>().join("\n"))
    }

    /// Absolute path of a file (as it was opened: relative to the current
    /// directory if relative).
    pub fn abs_path(&self, id: FileId) -> PathBuf {
        match self.file(id) {
            Some(f) => absolute(&f.path),
            None => absolute(&self.ws.root),
        }
    }
}

pub(crate) fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// A `file://` URI for an absolute path, `/`-separated, percent-encoded.
pub(crate) fn file_uri(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    let s = if s.starts_with('/') { s } else { format!("/{s}") };
    format!("file://{}", percent_encode_path(&s))
}

/// Percent-encodes everything in a path but unreserved characters and `/`
/// (and `:` for Windows drive letters).
pub(crate) fn percent_encode_path(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod testing {
    //! A small workspace on disk with findings covering the awkward cases:
    //! labels, notes, helps, machine-applicable suggestions, a BOM file with
    //! CRLF line endings and non-ASCII text, a file outside any package, a
    //! file that does not exist and a span that does not fit its file.

    use std::path::PathBuf;

    use tempfile::TempDir;

    use crate::diagnostic::{Applicability, Finding, Level, Span, Suggestion};
    use crate::input::source::LineIndex;
    use crate::input::workspace::{Edition, Package, SourceFile, Target, Workspace};

    pub const LIB_RS: &str = "\
use std::sync::Mutex;

async fn f(m: &Mutex<u32>) {
    let _ = m.lock().unwrap();
    let g = m.lock().unwrap();
    tick().await;
    *g += 1;
}
";

    pub const BOM_RS: &str =
        "\u{feff}// λ comment\r\nasync fn g() {\r\n    let s = \"héllo\"; let _ = m.lock().await;\r\n}\r\n";

    pub const LOOSE_RS: &str = "fn main() { let x = 50%; }\n";

    /// File ids of [`Fixture::ws`].
    pub const LIB: u32 = 0;
    pub const BOM: u32 = 1;
    pub const LOOSE: u32 = 2;
    pub const GONE: u32 = 3;

    pub struct Fixture {
        pub dir: TempDir,
        pub ws: Workspace,
        pub findings: Vec<Finding>,
    }

    /// The span of the `nth` (0-based) occurrence of `needle` in `text`,
    /// with coordinates as the engine's `LineIndex` computes them.
    pub fn span_of(text: &str, needle: &str, nth: usize) -> Span {
        let lo = text.match_indices(needle).nth(nth).unwrap_or_else(|| panic!("{needle:?} not in text")).0;
        LineIndex::new(text).span(lo as u32, (lo + needle.len()) as u32)
    }

    pub fn fixture() -> Fixture {
        fixture_with(LIB_RS)
    }

    /// The fixture with `lib.rs` replaced by `lib_rs` (which must contain
    /// the same snippets); spans are computed from it.
    pub fn fixture_with(lib_rs: &str) -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().to_path_buf();
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::create_dir_all(root.join("scripts")).unwrap();
        std::fs::write(root.join("src/lib.rs"), lib_rs).unwrap();
        std::fs::write(root.join("src/bom.rs"), BOM_RS).unwrap();
        std::fs::write(root.join("scripts/loose.rs"), LOOSE_RS).unwrap();

        let file = |rel: &str, package: Option<usize>| SourceFile {
            path: root.join(rel),
            display: rel.to_string(),
            edition: Edition::E2021,
            package,
            target: package.map(|_| 0),
        };
        let ws = Workspace {
            root: root.clone(),
            lint_metadata: None,
            packages: vec![Package {
                name: "demo".into(),
                version: "0.1.0".into(),
                id: format!("path+file://{}#demo@0.1.0", root.display()),
                manifest_path: root.join("Cargo.toml"),
                edition: Edition::E2021,
                targets: vec![Target {
                    name: "demo".into(),
                    kind: vec!["lib".into()],
                    crate_types: vec!["lib".into()],
                    src_path: root.join("src/lib.rs"),
                    edition: Edition::E2021,
                    doc: true,
                    doctest: true,
                    test: true,
                }],
                lint_metadata: None,
            }],
            files: vec![
                file("src/lib.rs", Some(0)),
                file("src/bom.rs", Some(0)),
                file("scripts/loose.rs", None),
                file("src/gone.rs", Some(0)),
            ],
            errors: Vec::new(),
            warnings: Vec::new(),
            default_members: None,
        };

        let underscore = span_of(lib_rs, "_", 0);
        let g = lib_rs.find("let g").expect("`let g` in lib.rs") as u32 + 4;
        let guard = LineIndex::new(lib_rs).span(g, g + 1);
        let findings = vec![
            Finding::new("dropped-guard", Level::Deny, LIB, underscore, "guard dropped as soon as it is made")
                .with_primary_label("this guard is dropped at once")
                .with_note("`let _ = ...` drops the value at the end of the statement")
                .with_suggestion(
                    "bind the guard to a name",
                    Suggestion {
                        span: underscore,
                        replacement: "_guard".into(),
                        applicability: Applicability::MachineApplicable,
                    },
                ),
            Finding::new("sync-guard-across-await", Level::Warn, LIB, guard, "std mutex guard held across an await")
                .with_primary_label("guard acquired here")
                .with_label(span_of(lib_rs, "tick().await", 0), "awaited here while held")
                .with_note("a blocking lock held across an await stalls the executor")
                .with_help("drop the guard before the await, or use an async mutex"),
            Finding::new(
                "dropped-guard",
                Level::Warn,
                BOM,
                span_of(BOM_RS, "_", 0),
                "guard dropped: 50% of \"lock\", at once",
            )
            .with_primary_label("dropped here")
            .with_label(span_of(BOM_RS, "comment", 0), "comment after the BOM")
            .with_suggestion(
                "bind the guard to a name",
                Suggestion {
                    span: span_of(BOM_RS, "_", 0),
                    replacement: "_guard".into(),
                    applicability: Applicability::MachineApplicable,
                },
            )
            .with_suggestion(
                "or await it in a block",
                Suggestion {
                    span: span_of(BOM_RS, "m.lock().await", 0),
                    replacement: "{ m.lock().await }".into(),
                    applicability: Applicability::MaybeIncorrect,
                },
            ),
            Finding::new(
                "blocking-in-async",
                Level::Warn,
                LOOSE,
                span_of(LOOSE_RS, "50%", 0),
                "value, with: 50%\r\nnext",
            )
            .with_help("line one\nline two"),
            Finding::new(
                "io-error",
                Level::Deny,
                GONE,
                Span { lo: 0, hi: 0, line: 0, col: 0, end_line: 0, end_col: 0 },
                "could not read file: no such file",
            ),
            // A span past the end of an existing file: rendered without snippet.
            Finding::new(
                "internal-error",
                Level::Warn,
                LIB,
                Span { lo: 5000, hi: 5004, line: 300, col: 1, end_line: 300, end_col: 5 },
                "span out of range",
            )
            .with_label(Span { lo: 9000, hi: 9001, line: 400, col: 1, end_line: 400, end_col: 2 }, "also out of range"),
        ];
        Fixture { dir, ws, findings }
    }

    pub fn render_to_string(fx: &Fixture, format: super::MessageFormat, color: bool) -> String {
        render_findings(&fx.ws, &fx.findings, format, color)
    }

    pub fn render_findings(ws: &Workspace, findings: &[Finding], format: super::MessageFormat, color: bool) -> String {
        let mut out = Vec::new();
        let opts = super::RenderOptions { format, color, tool_version: "0.1.0" };
        super::render(&mut out, ws, findings, &opts).expect("render");
        String::from_utf8(out).expect("utf-8 output")
    }

    pub fn path_of(fx: &Fixture, rel: &str) -> PathBuf {
        fx.dir.path().join(rel)
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for name in MessageFormat::names() {
            let f = MessageFormat::parse(name).unwrap_or_else(|| panic!("{name} does not parse"));
            assert_eq!(f.name(), *name);
        }
        assert_eq!(MessageFormat::names().len(), FORMATS.len());
        assert_eq!(MessageFormat::parse("JSON"), None);
        assert_eq!(MessageFormat::parse("sarif"), Some(MessageFormat::Sarif));
    }

    #[test]
    fn result_line_says_what_was_linted() {
        let fx = fixture();
        assert_eq!(result_line(&fx.ws, &[]), format!("linted {} files in 1 package: no findings", fx.ws.files.len()));
        assert!(result_line(&fx.ws, &fx.findings).ends_with(": 2 errors, 4 warnings"));
        assert_eq!(
            (thousands(7), thousands(1220), thousands(1_234_567)),
            ("7".into(), "1,220".into(), "1,234,567".into())
        );
    }

    #[test]
    fn summary_counts_levels() {
        let fx = fixture();
        // 2 deny, 4 warn.
        assert_eq!(summary(&fx.findings).as_deref(), Some("error: 2 errors and 4 warnings emitted"));
        let warns: Vec<_> = fx.findings.iter().filter(|f| f.level == Level::Warn).take(1).cloned().collect();
        assert_eq!(summary(&warns).as_deref(), Some("warning: 1 warning emitted"));
        let errs: Vec<_> = fx.findings.iter().filter(|f| f.level.is_error()).take(1).cloned().collect();
        assert_eq!(summary(&errs).as_deref(), Some("error: 1 error emitted"));
        assert_eq!(summary(&[]), None);
    }

    #[test]
    fn positions_come_from_the_text_and_skip_the_bom() {
        let fx = fixture();
        let s = Sources::load(&fx.ws, &fx.findings);
        // `comment` on line 1 after BOM, `//`, space, `λ`, space: column 6.
        let comment = span_of(BOM_RS, "comment", 0);
        assert_eq!(comment.col, 6, "LineIndex does not count the BOM either");
        assert_eq!(s.pos(BOM, comment), Pos { line: 1, col: 6, end_line: 1, end_col: 13 });
        // `_` on line 3 after `"héllo"`: characters, not bytes.
        let us = span_of(BOM_RS, "_", 0);
        let col = "    let s = \"héllo\"; let ".chars().count() as u32 + 1;
        assert_eq!(s.pos(BOM, us), Pos { line: 3, col, end_line: 3, end_col: col + 1 });
        let lines = s.lines(BOM, us);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].text, "    let s = \"héllo\"; let _ = m.lock().await;");
        assert_eq!((lines[0].highlight_start, lines[0].highlight_end), (col, col + 1));
        // The first line's text excludes the BOM.
        assert_eq!(s.lines(BOM, comment)[0].text, "// λ comment");
        // Missing file and out-of-range span fall back to the span's fields.
        let gone = Span { lo: 0, hi: 0, line: 0, col: 0, end_line: 0, end_col: 0 };
        assert_eq!(s.pos(GONE, gone).line, 0);
        assert!(s.lines(GONE, gone).is_empty());
        let far = Span { lo: 5000, hi: 5004, line: 300, col: 1, end_line: 300, end_col: 5 };
        assert_eq!(s.pos(LIB, far).line, 300);
        assert!(s.lines(LIB, far).is_empty());
    }

    #[test]
    fn multi_line_spans_cover_every_line() {
        let fx = fixture();
        let s = Sources::load(&fx.ws, &fx.findings);
        let lo = LIB_RS.find("let g").unwrap() as u32;
        let hi = (LIB_RS.find("tick()").unwrap() + 4) as u32;
        let span = crate::input::source::LineIndex::new(LIB_RS).span(lo, hi);
        let lines = s.lines(LIB, span);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].text, "    let g = m.lock().unwrap();");
        assert_eq!((lines[0].highlight_start, lines[0].highlight_end), (5, 31));
        // Continuation lines are highlighted from column 1, as rustc does.
        assert_eq!(lines[1].text, "    tick().await;");
        assert_eq!((lines[1].highlight_start, lines[1].highlight_end), (1, 9));
    }

    #[test]
    fn non_utf8_files_render_without_snippets_in_every_format() {
        let mut fx = fixture();
        let path = fx.dir.path().join("src/latin1.rs");
        std::fs::write(&path, b"fn f() { let s = \"caf\xe9\"; }\n").unwrap();
        fx.ws.files.push(SourceFile {
            path,
            display: "src/latin1.rs".into(),
            edition: crate::input::workspace::Edition::E2021,
            package: Some(0),
            target: Some(0),
        });
        let span = Span { lo: 9, hi: 12, line: 1, col: 10, end_line: 1, end_col: 13 };
        let findings = vec![Finding::new("parse-error", Level::Deny, 4, span, "invalid UTF-8")];
        for name in MessageFormat::names() {
            let format = MessageFormat::parse(name).unwrap();
            let out = render_findings(&fx.ws, &findings, format, false);
            assert!(out.contains("invalid UTF-8"), "{name}: {out}");
        }
        let human = render_findings(&fx.ws, &findings, MessageFormat::Human, false);
        assert!(human.contains("= note: at src/latin1.rs:1:10"), "{human}");
    }

    #[test]
    fn file_uris_are_encoded() {
        assert_eq!(file_uri(Path::new("/a b/c#d.rs")), "file:///a%20b/c%23d.rs");
        assert_eq!(file_uri(Path::new("C:\\x\\y.rs")), "file:///C:/x/y.rs");
    }
}
