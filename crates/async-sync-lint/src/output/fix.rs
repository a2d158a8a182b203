//! `--fix`: applies machine-applicable suggestions in place.
//!
//! Per file: the text is read, every machine-applicable suggestion of the
//! file's findings is applied (overlapping edits after the first are left
//! out), the result must still parse as Rust, and it is written atomically:
//! a temporary file in the same directory, then a rename. A file modified
//! after the lint started, or between our read and our write, is skipped
//! with a message. `--fix --dry-run` returns a unified diff instead.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::diagnostic::{Applicability, FileId, Finding};
use crate::input::workspace::Workspace;

/// What happened to one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FixStatus {
    /// Written with this many edits.
    Written(usize),
    /// Dry run: the unified diff of this many edits.
    Diff(usize, String),
    /// Left alone, and why.
    Skipped(String),
}

#[derive(Clone, Debug)]
pub struct FileFix {
    pub file: FileId,
    pub display: String,
    pub status: FixStatus,
    /// Indices (into the findings given) of the findings whose edits were
    /// applied (or would be, in a dry run).
    pub fixed: Vec<usize>,
}

/// One edit: replace bytes `lo..hi` with `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Edit {
    lo: usize,
    hi: usize,
    text: String,
    finding: usize,
}

/// Applies (or, with `dry_run`, diffs) the machine-applicable suggestions of
/// `findings`. `lint_started`: files modified after it are skipped, since the
/// findings' byte offsets may no longer match.
pub fn fix(ws: &Workspace, findings: &[Finding], dry_run: bool, lint_started: SystemTime) -> Vec<FileFix> {
    let mut by_file: BTreeMap<FileId, Vec<Edit>> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        for h in &f.helps {
            if let Some(s) = &h.suggestion {
                if s.applicability == Applicability::MachineApplicable {
                    by_file.entry(f.file).or_default().push(Edit {
                        lo: s.span.lo as usize,
                        hi: s.span.hi as usize,
                        text: s.replacement.clone(),
                        finding: i,
                    });
                }
            }
        }
    }
    apply_per_file(ws, by_file, dry_run, lint_started)
}

/// `--add-suppressions`: an allow comment, with a reason to fill in, on its
/// own line above every finding of a rule (engine codes are not suppressed
/// this way), indented as that line; findings on one line share a comment.
/// Written like fixes: atomically, re-parsed, skipped if the file changed.
pub fn add_suppressions(ws: &Workspace, findings: &[Finding], lint_started: SystemTime) -> Vec<FileFix> {
    let engine_codes: Vec<&str> = crate::rules::engine_codes().iter().map(|c| c.name).collect();
    // file → line start → (rules, first finding)
    let mut lines: BTreeMap<FileId, BTreeMap<usize, (Vec<&str>, usize)>> = BTreeMap::new();
    let mut texts: BTreeMap<FileId, String> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        if engine_codes.contains(&f.rule.as_str()) || f.primary.line == 0 {
            continue;
        }
        let Some(sf) = ws.files.get(f.file as usize) else { continue };
        let text = texts.entry(f.file).or_insert_with(|| std::fs::read_to_string(&sf.path).unwrap_or_default());
        let lo = (f.primary.lo as usize).min(text.len());
        let Some(before) = text.get(..lo) else { continue };
        let start = before.rfind('\n').map_or(0, |n| n + 1);
        let entry = lines.entry(f.file).or_default().entry(start).or_insert((Vec::new(), i));
        if !entry.0.contains(&f.rule.as_str()) {
            entry.0.push(&f.rule);
        }
    }
    let mut by_file: BTreeMap<FileId, Vec<Edit>> = BTreeMap::new();
    for (file, starts) in lines {
        let text = &texts[&file];
        for (start, (rules, finding)) in starts {
            let indent: String = text[start..].chars().take_while(|c| *c == ' ' || *c == '\t').collect();
            let comment = format!("{indent}// async-sync-lint: allow({}) -- TODO: say why\n", rules.join(", "));
            by_file.entry(file).or_default().push(Edit { lo: start, hi: start, text: comment, finding });
        }
    }
    apply_per_file(ws, by_file, false, lint_started)
}

fn apply_per_file(
    ws: &Workspace,
    by_file: BTreeMap<FileId, Vec<Edit>>,
    dry_run: bool,
    lint_started: SystemTime,
) -> Vec<FileFix> {
    let mut out = Vec::new();
    for (file, edits) in by_file {
        let Some(sf) = ws.files.get(file as usize) else { continue };
        let (status, fixed) = match fix_file(&sf.path, &sf.display, edits, dry_run, lint_started) {
            Ok((status, fixed)) => (status, fixed),
            Err(why) => (FixStatus::Skipped(why), Vec::new()),
        };
        out.push(FileFix { file, display: sf.display.clone(), status, fixed });
    }
    out
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn fix_file(
    path: &Path,
    display: &str,
    mut edits: Vec<Edit>,
    dry_run: bool,
    lint_started: SystemTime,
) -> Result<(FixStatus, Vec<usize>), String> {
    if modified(path).is_some_and(|m| m > lint_started) {
        return Err("the file changed since it was linted; run again".into());
    }
    let original = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    edits.sort_by_key(|e| (e.lo, e.hi));
    edits.dedup_by(|a, b| a.lo == b.lo && a.hi == b.hi && a.text == b.text);
    let mut kept: Vec<Edit> = Vec::new();
    for e in edits {
        let fits = e.lo <= e.hi
            && e.hi <= original.len()
            && original.is_char_boundary(e.lo)
            && original.is_char_boundary(e.hi);
        let overlaps = kept.last().is_some_and(|k| e.lo < k.hi);
        if fits && !overlaps {
            kept.push(e);
        }
    }
    if kept.is_empty() {
        return Err("no suggestion fits the file as it is now".into());
    }
    let fixed_text = apply(&original, &kept);
    let body = fixed_text.strip_prefix('\u{feff}').unwrap_or(&fixed_text);
    if let Err(e) = syn::parse_file(body) {
        return Err(format!("the fixed file would not parse ({e}); left unchanged"));
    }
    let fixed: Vec<usize> = kept.iter().map(|e| e.finding).collect();
    if dry_run {
        return Ok((FixStatus::Diff(kept.len(), diff(display, &original, &kept)), fixed));
    }
    // Atomically: temp file beside the original, re-check, rename.
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp: PathBuf = dir.join(format!(".{name}.async-sync-lint-fix.{}", std::process::id()));
    std::fs::write(&tmp, &fixed_text).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    let now = std::fs::read_to_string(path).unwrap_or_default();
    if now != original {
        let _ = std::fs::remove_file(&tmp);
        return Err("the file changed while it was being fixed; run again".into());
    }
    if let Err(e) = std::fs::rename(&tmp, path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!("cannot replace the file: {e}"));
    }
    Ok((FixStatus::Written(kept.len()), fixed))
}

/// `text` with the sorted, non-overlapping `edits` applied.
fn apply(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for e in edits {
        out.push_str(&text[at..e.lo]);
        out.push_str(&e.text);
        at = e.hi;
    }
    out.push_str(&text[at..]);
    out
}

/// A unified diff with one hunk per group of edited lines (no context).
fn diff(display: &str, text: &str, edits: &[Edit]) -> String {
    let starts: Vec<usize> =
        std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).filter(|&s| s <= text.len()).collect();
    let line_of = |off: usize| match starts.binary_search(&off) {
        Ok(i) => i,
        Err(i) => i - 1,
    };
    let line_end = |l: usize| starts.get(l + 1).copied().unwrap_or(text.len());
    // Group edits whose line ranges touch.
    let mut groups: Vec<(usize, usize, Vec<&Edit>)> = Vec::new();
    for e in edits {
        let (l0, l1) = (line_of(e.lo), line_of(e.hi));
        match groups.last_mut() {
            Some(g) if l0 <= g.1 => {
                g.1 = g.1.max(l1);
                g.2.push(e);
            }
            _ => groups.push((l0, l1, vec![e])),
        }
    }
    let mut out = format!("--- a/{display}\n+++ b/{display}\n");
    let mut delta: isize = 0;
    for (l0, l1, group) in groups {
        let (lo, hi) = (starts[l0], line_end(l1));
        let old = &text[lo..hi];
        let shifted: Vec<Edit> = group
            .iter()
            .map(|e| Edit { lo: e.lo - lo, hi: e.hi - lo, text: e.text.clone(), finding: e.finding })
            .collect();
        let new = apply(old, &shifted);
        let old_lines: Vec<&str> = old.lines().collect();
        let new_lines: Vec<&str> = new.lines().collect();
        let new_start = (l0 as isize + 1 + delta) as usize;
        out.push_str(&format!("@@ -{},{} +{},{} @@\n", l0 + 1, old_lines.len(), new_start, new_lines.len()));
        for l in &old_lines {
            out.push_str(&format!("-{}\n", l.trim_end_matches('\r')));
        }
        for l in &new_lines {
            out.push_str(&format!("+{}\n", l.trim_end_matches('\r')));
        }
        delta += new_lines.len() as isize - old_lines.len() as isize;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(text: &str, needle: &str, with: &str) -> Edit {
        let lo = text.find(needle).unwrap();
        Edit { lo, hi: lo + needle.len(), text: with.into(), finding: 0 }
    }

    #[test]
    fn apply_and_diff() {
        let text = "fn f() {\n    let _ = m.lock();\n}\nfn g() {\n    let _ = n.lock();\n}\n";
        let mut e1 = edit(text, "_ = m", "_guard = m");
        let mut e2 = edit(text, "_ = n", "_guard = n");
        e1.finding = 0;
        e2.finding = 1;
        let edits = vec![e1, e2];
        let fixed = apply(text, &edits);
        assert_eq!(fixed, text.replace("let _ =", "let _guard ="));
        let d = diff("src/a.rs", text, &edits);
        assert_eq!(
            d,
            "--- a/src/a.rs\n+++ b/src/a.rs\n@@ -2,1 +2,1 @@\n-    let _ = m.lock();\n+    let _guard = m.lock();\n\
             @@ -5,1 +5,1 @@\n-    let _ = n.lock();\n+    let _guard = n.lock();\n"
        );
    }
}
