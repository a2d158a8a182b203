//! The recall set: real bugs that projects fixed, linted at the release
//! before the fix (`recall/`). Where the lintcheck measures precision (is
//! each finding right?), this measures recall (is each known bug found?).
//!
//! - `found_and_missed_bugs_stay_so` lints the pinned crates and checks
//!   every row of `recall/bugs.tsv`: a bug marked `found` must still have a
//!   finding of its rule in the function of one of its lines, and a bug
//!   marked `missed` must still have none. Finding one more bug fails too,
//!   until the table says so: the measurement changes only by a reviewed
//!   edit. `scripts/test` fetches the crates (`recall/fetch.sh`) and sets
//!   `ASL_RECALL`; without them the test skips loudly, except under CI,
//!   where that is a failure.
//! - `every_bug_is_well_formed` needs no crates: each row names a pinned
//!   crate, a rule of the catalog, a link to the fix, and a reason for each
//!   miss; every pinned crate has a bug.
//! - `recall_tables_are_fresh`: the generated recall tables of
//!   `recall/README.md` and `docs/PRECISION.md` match the rows (`BLESS=1`
//!   rewrites them).

use std::fmt::Write as _;
use std::path::Path;

use async_sync_lint::rules;

#[path = "support/pinned.rs"]
mod pinned;

use pinned::{blessing, percent, read_tsv, repo, Key, Pinned};

const RECALL: Pinned = Pinned { dir: "recall", root: "recall-crates", env: "ASL_RECALL" };

const BUGS_HEADER: &str = "crate\tversion\tfile\tlines\trule\tfix\tbug\tresult\twhy_missed";
const FOUND: &str = "found";
const MISSED: &str = "missed";
/// The `why_missed` of a found bug.
const NO_REASON: &str = "-";
const DOC_START: &str = "<!-- recall:start -->\n";
const DOC_END: &str = "<!-- recall:end -->";
const DOCS: [&str; 2] = ["recall/README.md", "docs/PRECISION.md"];

/// A row of `recall/bugs.tsv`: a fixed bug, where it was before the fix,
/// and whether the linter reports it there.
struct Bug {
    row: usize,
    krate: String,
    version: String,
    /// Relative to the crate's root.
    file: String,
    /// The lines where the rule should report; a finding anywhere in the
    /// function of one of them counts (a lock-order inversion has two).
    lines: Vec<u32>,
    rule: String,
    fix: String,
    found: bool,
    why_missed: String,
}

impl Bug {
    fn at(&self) -> String {
        format!("{}-{}/{}:{}", self.krate, self.version, self.file, self.lines_text())
    }

    fn lines_text(&self) -> String {
        self.lines.iter().map(u32::to_string).collect::<Vec<_>>().join(",")
    }
}

/// The rows of `recall/bugs.tsv`, in the order they were collected (the
/// order the bugs were found, not sorted: the set was not picked by result).
fn bugs() -> Vec<Bug> {
    let names: Vec<&str> = rules::all().into_iter().map(|r| r.name).collect();
    read_tsv(&repo().join("recall/bugs.tsv"), BUGS_HEADER)
        .into_iter()
        .map(|(row, f)| {
            let where_ = format!("recall/bugs.tsv:{row}");
            let lines: Vec<u32> = f[3]
                .split(',')
                .map(|l| l.trim().parse().unwrap_or_else(|_| panic!("{where_}: line `{l}` is not a number")))
                .collect();
            assert!(names.contains(&f[4].as_str()), "{where_}: `{}` is not a rule of the catalog", f[4]);
            assert!(f[5].starts_with("https://"), "{where_}: link the fix (a commit or pull request)");
            assert!(!f[6].trim().is_empty(), "{where_}: say in a line what the bug is");
            let found = match f[7].as_str() {
                FOUND => true,
                MISSED => false,
                other => panic!("{where_}: result `{other}` is neither `{FOUND}` nor `{MISSED}`"),
            };
            let why = f[8].trim().to_string();
            assert_eq!(
                why == NO_REASON,
                found,
                "{where_}: a missed bug says why (the shape not followed); a found one has `{NO_REASON}`"
            );
            Bug {
                row,
                krate: f[0].clone(),
                version: f[1].clone(),
                file: f[2].clone(),
                lines,
                rule: f[4].clone(),
                fix: f[5].clone(),
                found,
                why_missed: why,
            }
        })
        .collect()
}

#[test]
fn every_bug_is_well_formed() {
    let bugs = bugs();
    let pinned = RECALL.crates();
    for bug in &bugs {
        assert!(
            pinned.contains(&(bug.krate.clone(), bug.version.clone())),
            "recall/bugs.tsv:{}: {} {} is not pinned in recall/Cargo.lock",
            bug.row,
            bug.krate,
            bug.version
        );
    }
    for (name, version) in &pinned {
        assert!(
            bugs.iter().any(|b| &b.krate == name && &b.version == version),
            "{name} {version} is pinned in recall/ but no bug of recall/bugs.tsv is in it"
        );
    }
    eprintln!("{}", recall_table(&bugs));
}

/// The first and last line of every function with a body in a file (free
/// functions, methods, default trait methods, in inline modules too). A
/// closure or nested function counts as part of the function around it.
fn function_spans(path: &Path) -> Vec<(u32, u32)> {
    fn span(sig: &syn::Signature, block: &syn::Block) -> (u32, u32) {
        (sig.fn_token.span.start().line as u32, block.brace_token.span.close().end().line as u32)
    }
    fn walk(items: &[syn::Item], out: &mut Vec<(u32, u32)>) {
        for item in items {
            match item {
                syn::Item::Fn(f) => out.push(span(&f.sig, &f.block)),
                syn::Item::Impl(i) => out.extend(i.items.iter().filter_map(|m| match m {
                    syn::ImplItem::Fn(f) => Some(span(&f.sig, &f.block)),
                    _ => None,
                })),
                syn::Item::Trait(t) => out.extend(t.items.iter().filter_map(|m| match m {
                    syn::TraitItem::Fn(syn::TraitItemFn { sig, default: Some(block), .. }) => Some(span(sig, block)),
                    _ => None,
                })),
                syn::Item::Mod(syn::ItemMod { content: Some((_, items)), .. }) => walk(items, out),
                _ => {}
            }
        }
    }
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    walk(&file.items, &mut out);
    out
}

/// The innermost function around `line`.
fn function_of(spans: &[(u32, u32)], line: u32, at: &str) -> (u32, u32) {
    spans
        .iter()
        .filter(|(a, b)| *a <= line && line <= *b)
        .min_by_key(|(a, b)| b - a)
        .copied()
        .unwrap_or_else(|| panic!("{at}: line {line} is in no function"))
}

#[test]
fn found_and_missed_bugs_stay_so() {
    let Some(src) = RECALL.sources_or_skip("recall") else { return };
    let findings = RECALL.lint(&src);
    let mut lost = Vec::new();
    let mut gained = Vec::new();
    for bug in bugs() {
        let path = src.join(format!("{}-{}", bug.krate, bug.version)).join(&bug.file);
        let spans = function_spans(&path);
        let functions: Vec<(u32, u32)> = bug.lines.iter().map(|l| function_of(&spans, *l, &bug.at())).collect();
        let hits: Vec<&Key> = findings
            .iter()
            .filter(|k| k.krate == bug.krate && k.version == bug.version && k.file == bug.file && k.rule == bug.rule)
            .filter(|k| functions.iter().any(|(a, b)| *a <= k.line && k.line <= *b))
            .collect();
        match (bug.found, hits.is_empty()) {
            (true, true) => lost.push(format!("- {} `{}` ({})", bug.at(), bug.rule, bug.fix)),
            (false, false) => {
                let now: Vec<String> = hits.iter().map(|k| format!("line {}: {}", k.line, k.message)).collect();
                gained.push(format!(
                    "+ {} `{}` now reported ({}); it was missed: {}",
                    bug.at(),
                    bug.rule,
                    now.join("; "),
                    bug.why_missed
                ));
            }
            _ => {}
        }
    }
    let mut problems = String::new();
    if !lost.is_empty() {
        writeln!(problems, "Lost detections: these fixed bugs were found and are not any more:\n{}", lost.join("\n"))
            .unwrap();
    }
    if !gained.is_empty() {
        writeln!(
            problems,
            "New detections: these bugs were missed and are found now. Check each finding is the bug, then mark \
             the row `found` with `-` as reason in recall/bugs.tsv and run `BLESS=1 cargo test --test recall` \
             to refresh the recall tables:\n{}",
            gained.join("\n")
        )
        .unwrap();
    }
    assert!(problems.is_empty(), "the recall set changed (see recall/README.md):\n{problems}");
}

/// Per rule, in catalog order: bugs in the set, found, recall.
fn recall_table(bugs: &[Bug]) -> String {
    let mut t = String::from("| rule | bugs | found | missed | recall |\n|---|---|---|---|---|\n");
    for rule in rules::all() {
        let of: Vec<&Bug> = bugs.iter().filter(|b| b.rule == rule.name).collect();
        let found = of.iter().filter(|b| b.found).count();
        writeln!(
            t,
            "| `{}` | {} | {found} | {} | {} |",
            rule.name,
            of.len(),
            of.len() - found,
            percent(found, of.len(), 0)
        )
        .unwrap();
    }
    let found = bugs.iter().filter(|b| b.found).count();
    writeln!(t, "| all | {} | {found} | {} | {} |", bugs.len(), bugs.len() - found, percent(found, bugs.len(), 0))
        .unwrap();
    t
}

/// The generated part of the recall docs: the table and every miss with its
/// shape, the list the next work on the rules starts from.
fn recall_section(bugs: &[Bug]) -> String {
    let mut crates: Vec<(&str, &str)> = bugs.iter().map(|b| (b.krate.as_str(), b.version.as_str())).collect();
    crates.sort_unstable();
    crates.dedup();
    let mut s = String::new();
    writeln!(
        s,
        "<!-- Generated from recall/bugs.tsv by tests/recall.rs; `BLESS=1 cargo test --test recall` refreshes it. -->\n"
    )
    .unwrap();
    writeln!(
        s,
        "{} fixed bugs in {} releases from crates.io (`recall/bugs.tsv`), each linted at the release before its fix, \
         every target, default levels. A bug is found when its rule reports in the function of the buggy line.\n",
        bugs.len(),
        crates.len()
    )
    .unwrap();
    s.push_str(&recall_table(bugs));
    s.push_str("\nMissed bugs, with the shape the linter does not follow:\n\n| bug | rule | why it is missed |\n|---|---|---|\n");
    for bug in bugs.iter().filter(|b| !b.found) {
        writeln!(s, "| {} | `{}` | {} |", bug.at(), bug.rule, bug.why_missed.replace('|', "\\|")).unwrap();
    }
    s
}

#[test]
fn recall_tables_are_fresh() {
    let section = recall_section(&bugs());
    let mut stale = Vec::new();
    for doc in DOCS {
        let path = repo().join(doc);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{doc}: {e}"));
        let a = text.find(DOC_START).unwrap_or_else(|| panic!("{doc} has the recall:start marker")) + DOC_START.len();
        let b = text.find(DOC_END).unwrap_or_else(|| panic!("{doc} has the recall:end marker"));
        let fresh = format!("{}{}{}", &text[..a], section, &text[b..]);
        if fresh == text {
            continue;
        }
        if blessing() {
            std::fs::write(&path, fresh).unwrap_or_else(|e| panic!("write {doc}: {e}"));
        } else {
            stale.push(doc);
        }
    }
    assert!(stale.is_empty(), "the recall tables of {stale:?} are stale; run `BLESS=1 cargo test --test recall`");
}
