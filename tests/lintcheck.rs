//! The lintcheck: every finding on a pinned list of large async crates from
//! crates.io (`lintcheck/`), each judged by a person who read the code.
//!
//! - `findings_equal_the_reviewed_findings` lints the crates and compares
//!   the result with `lintcheck/findings.tsv`: a new finding or a vanished
//!   one fails with a diff. `BLESS=1` (`scripts/lintcheck`) rewrites
//!   `findings.tsv` and brings `verdicts.tsv` to the same findings without
//!   inventing a verdict: new findings get `TODO` rows, which fail until a
//!   person replaces them. `scripts/test` fetches the crates and sets
//!   `ASL_LINTCHECK`; without them the test skips loudly, except under CI,
//!   where that is a failure.
//! - `every_finding_has_a_verdict` needs no crates: `verdicts.tsv` judges
//!   exactly the findings of `findings.tsv`. It prints precision per rule
//!   (`-- --nocapture` shows it).
//! - `precision_doc_is_fresh`: the generated part of `docs/PRECISION.md`
//!   matches the verdicts (`BLESS=1` rewrites it).
//! - `readme_explains_every_pinned_crate`: the list is large enough, apart
//!   from the shared corpus, and `lintcheck/README.md` says why each crate is
//!   there (the findings test also checks the sizes it gives).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use async_sync_lint::diagnostic::{engine_codes, Level};
use async_sync_lint::rules;

#[path = "support/files.rs"]
mod files;
#[path = "support/pinned.rs"]
mod pinned;

use pinned::{blessing, percent, read_tsv, repo, Key, Pinned};

const LINTCHECK: Pinned = Pinned { dir: "lintcheck", root: "lintcheck-crates", env: "ASL_LINTCHECK" };

const FINDINGS_HEADER: &str = "crate\tversion\tfile\tline\trule\tmessage";
const VERDICTS_HEADER: &str = "crate\tversion\tfile\tline\trule\tmessage\tverdict\treason";
const VERDICTS: [&str; 3] = ["true", "debatable", "false"];
/// What `BLESS=1` writes for a new finding: a row to judge, not a verdict.
const TODO: &str = "TODO";
/// What the issue asked of the list, and what `lintcheck/README.md` claims.
const MIN_CRATES: usize = 40;
const MIN_LINES: usize = 1_500_000;
const DOC_START: &str = "<!-- lintcheck:start -->\n";
const DOC_END: &str = "<!-- lintcheck:end -->";

struct Verdict {
    verdict: String,
    reason: String,
}

fn recorded_findings() -> Vec<Key> {
    let path = repo().join("lintcheck/findings.tsv");
    read_tsv(&path, FINDINGS_HEADER)
        .into_iter()
        .map(|(n, f)| Key::parse(&f.iter().map(String::as_str).collect::<Vec<_>>(), &format!("findings.tsv:{n}")))
        .collect()
}

fn recorded_verdicts() -> BTreeMap<Key, Verdict> {
    let path = repo().join("lintcheck/verdicts.tsv");
    let mut out = BTreeMap::new();
    let mut previous: Option<Key> = None;
    for (n, f) in read_tsv(&path, VERDICTS_HEADER) {
        let where_ = format!("verdicts.tsv:{n}");
        let key = Key::parse(&f.iter().map(String::as_str).collect::<Vec<_>>(), &where_);
        let (verdict, reason) = (f[6].clone(), f[7].trim().to_string());
        assert!(
            VERDICTS.contains(&verdict.as_str()) || verdict == TODO,
            "{where_}: verdict `{verdict}` is not one of {VERDICTS:?}"
        );
        assert!(!reason.is_empty(), "{where_}: a verdict needs a reason");
        // Sorted like findings.tsv, so that a re-bless diffs cleanly.
        assert!(previous.as_ref().map_or(true, |p| p < &key), "{where_}: out of order or duplicated");
        previous = Some(key.clone());
        out.insert(key, Verdict { verdict, reason });
    }
    out
}

/// `crate-name version` pairs: the crates the lintcheck lints.
fn pinned_crates() -> Vec<(String, String)> {
    LINTCHECK.crates()
}

#[test]
fn findings_equal_the_reviewed_findings() {
    let Some(src) = LINTCHECK.sources_or_skip("lintcheck") else { return };
    let start = Instant::now();
    let now = LINTCHECK.lint(&src);
    eprintln!("lintcheck: {} crates linted in {:.1?}, {} findings", pinned_crates().len(), start.elapsed(), now.len());
    let internal: Vec<String> = now
        .iter()
        .filter(|k| k.rule == engine_codes::INTERNAL_ERROR || k.rule == engine_codes::IO_ERROR)
        .map(Key::tsv)
        .collect();
    assert!(internal.is_empty(), "internal or I/O errors:\n{}", internal.join("\n"));
    assert_sizes_match_the_readme(&src);

    let recorded = recorded_findings();
    let mut verdicts = recorded_verdicts();
    let now_set: BTreeSet<&Key> = now.iter().collect();
    let recorded_set: BTreeSet<&Key> = recorded.iter().collect();
    let mut diff = String::new();
    for k in now_set.difference(&recorded_set) {
        writeln!(diff, "+ {}", k.tsv()).unwrap();
    }
    for k in recorded_set.difference(&now_set) {
        let judged = verdicts.get(*k).map_or("no verdict".to_string(), |v| format!("was {}: {}", v.verdict, v.reason));
        writeln!(diff, "- {}  ({judged})", k.tsv()).unwrap();
    }
    if !diff.is_empty() {
        assert!(
            blessing(),
            "the lintcheck findings changed (+ new, - vanished):\n{diff}\n\
             Read each new finding in its function, then run scripts/lintcheck (it blesses) and \
             judge the TODO rows of lintcheck/verdicts.tsv; see lintcheck/README.md"
        );
        bless(&now, &mut verdicts);
        eprintln!("lintcheck/findings.tsv and verdicts.tsv rewritten (new findings get TODO rows):\n{diff}");
    }
    assert_verdicts_cover(&now, &verdicts);
}

/// Rewrites `findings.tsv` with `now`, and `verdicts.tsv` to the same keys:
/// a kept finding keeps its verdict, a new one gets a `TODO` row to judge,
/// a vanished one loses its row (listed by the caller's diff, and in git's).
fn bless(now: &[Key], verdicts: &mut BTreeMap<Key, Verdict>) {
    let mut findings = format!("{FINDINGS_HEADER}\n");
    let mut judged = format!("{VERDICTS_HEADER}\n");
    let mut kept = BTreeMap::new();
    for k in now {
        let v = verdicts.remove(k).unwrap_or(Verdict { verdict: TODO.to_string(), reason: TODO.to_string() });
        writeln!(findings, "{}", k.tsv()).unwrap();
        writeln!(judged, "{}\t{}\t{}", k.tsv(), v.verdict, v.reason).unwrap();
        kept.insert(k.clone(), v);
    }
    *verdicts = kept;
    std::fs::write(repo().join("lintcheck/findings.tsv"), findings).expect("write findings.tsv");
    std::fs::write(repo().join("lintcheck/verdicts.tsv"), judged).expect("write verdicts.tsv");
}

/// Every finding has a verdict and every verdict a finding. On failure,
/// prints the rows still to judge and the verdicts left without a finding.
fn assert_verdicts_cover(findings: &[Key], verdicts: &BTreeMap<Key, Verdict>) {
    let findings: BTreeSet<&Key> = findings.iter().collect();
    let unjudged: Vec<String> = findings
        .iter()
        .filter(|k| verdicts.get(**k).map_or(true, |v| v.verdict == TODO))
        .map(|k| format!("{}\t{TODO}\t{TODO}", k.tsv()))
        .collect();
    let stale: Vec<String> = verdicts
        .iter()
        .filter(|(k, _)| !findings.contains(k))
        .map(|(k, v)| format!("{}\t{}\t{}", k.tsv(), v.verdict, v.reason))
        .collect();
    let mut problems = String::new();
    if !unjudged.is_empty() {
        writeln!(
            problems,
            "Findings to judge (read the code, then replace TODO with true/debatable/false and a one-line reason):\n{}",
            unjudged.join("\n")
        )
        .unwrap();
    }
    if !stale.is_empty() {
        writeln!(
            problems,
            "Verdicts whose finding is gone (delete them; a lost true finding is a regression):\n{}",
            stale.join("\n")
        )
        .unwrap();
    }
    assert!(problems.is_empty(), "lintcheck/verdicts.tsv does not match lintcheck/findings.tsv.\n{problems}");
}

/// The crate table of `lintcheck/README.md`: name → (version, `.rs` files,
/// lines, why). Its rows are the ones whose third and fourth cells are numbers.
fn readme_crates() -> BTreeMap<String, (String, usize, usize, String)> {
    let readme = std::fs::read_to_string(repo().join("lintcheck/README.md")).expect("lintcheck/README.md");
    let number = |cell: &str| cell.replace(',', "").parse::<usize>().ok();
    let mut out = BTreeMap::new();
    for line in readme.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        if let [name, version, files, lines, why] = cells[..] {
            if let (Some(files), Some(lines)) = (number(files), number(lines)) {
                let entry = (version.to_string(), files, lines, why.to_string());
                out.insert(name.trim_matches('`').to_string(), entry);
            }
        }
    }
    out
}

/// `.rs` files and lines (as `wc -l` counts, plus an unterminated last line)
/// under each pinned crate, checked against the README's table and the
/// required size of the list.
fn assert_sizes_match_the_readme(src: &Path) {
    let readme = readme_crates();
    let mut wrong = Vec::new();
    let mut total = 0;
    for (name, version) in pinned_crates() {
        let rs = files::rs_files(&src.join(format!("{name}-{version}")));
        let lines: usize = rs
            .iter()
            .map(|f| {
                let bytes = std::fs::read(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
                bytes.iter().filter(|b| **b == b'\n').count() + usize::from(bytes.last().is_some_and(|b| *b != b'\n'))
            })
            .sum();
        total += lines;
        let claimed = readme.get(&name).map(|r| (r.1, r.2));
        if claimed != Some((rs.len(), lines)) {
            wrong.push(format!("{name}: README says {claimed:?}, the sources have {} files, {lines} lines", rs.len()));
        }
    }
    assert!(wrong.is_empty(), "update the table of lintcheck/README.md:\n{}", wrong.join("\n"));
    assert!(total >= MIN_LINES, "the lintcheck crates hold {total} lines; the list needs at least {MIN_LINES}");
}

/// The list is as large as required, the README gives a reason for every
/// crate at its pinned version, and no crate is also in the shared corpus.
#[test]
fn readme_explains_every_pinned_crate() {
    let pinned = pinned_crates();
    assert!(pinned.len() >= MIN_CRATES, "{} crates pinned; the list needs at least {MIN_CRATES}", pinned.len());
    let readme = readme_crates();
    let pinned_names: BTreeSet<&str> = pinned.iter().map(|(n, _)| n.as_str()).collect();
    let stray: Vec<&String> = readme.keys().filter(|n| !pinned_names.contains(n.as_str())).collect();
    assert!(stray.is_empty(), "lintcheck/README.md lists crates that are not pinned: {stray:?}");
    for (name, version) in &pinned {
        let row = readme.get(name).unwrap_or_else(|| panic!("lintcheck/README.md has no row for `{name}`"));
        assert_eq!(&row.0, version, "lintcheck/README.md: `{name}` is pinned at {version}");
        assert!(!row.3.is_empty(), "lintcheck/README.md: say why `{name}` is there");
    }
    let corpus_lock = repo().join("../shared/corpus/Cargo.lock");
    let Ok(corpus) = std::fs::read_to_string(&corpus_lock) else {
        // Like tests/corpus.rs: CI has the spec's shared/ folder unless told otherwise.
        assert!(
            std::env::var_os("CI").is_none() || std::env::var_os("ASL_CORPUS_OPTIONAL").is_some(),
            "CI must provide {}",
            corpus_lock.display()
        );
        eprintln!("NOTE: no {}: not checked that the lintcheck crates are apart from it", corpus_lock.display());
        return;
    };
    let in_corpus: BTreeSet<&str> =
        corpus.lines().filter_map(|l| l.strip_prefix("name = ")).map(|n| n.trim_matches('"')).collect();
    let both: Vec<&str> = pinned_names.intersection(&in_corpus).copied().collect();
    assert!(both.is_empty(), "already in the shared corpus, so not new code: {both:?}");
}

#[test]
fn every_finding_has_a_verdict() {
    let verdicts = recorded_verdicts();
    assert_verdicts_cover(&recorded_findings(), &verdicts);
    eprintln!("{}", precision_table(&verdicts));
}

/// Counts per rule, in catalog order, then the engine's own codes.
struct Tally {
    rule: String,
    level: Option<Level>,
    counts: [usize; 3],
}

fn tallies(verdicts: &BTreeMap<Key, Verdict>) -> Vec<Tally> {
    let mut out: Vec<Tally> = rules::all()
        .into_iter()
        .map(|r| Tally { rule: r.name.to_string(), level: Some(r.default_level), counts: [0; 3] })
        .collect();
    for (k, v) in verdicts.iter().filter(|(_, v)| v.verdict != TODO) {
        let i = match out.iter().position(|t| t.rule == k.rule) {
            Some(i) => i,
            None => {
                out.push(Tally { rule: k.rule.clone(), level: None, counts: [0; 3] });
                out.len() - 1
            }
        };
        let slot = VERDICTS.iter().position(|x| *x == v.verdict).expect("checked verdict");
        out[i].counts[slot] += 1;
    }
    out
}

fn precision_table(verdicts: &BTreeMap<Key, Verdict>) -> String {
    let mut t = String::from(
        "| rule | default | findings | true | debatable | false | true share | false share |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for tally in tallies(verdicts) {
        let [tr, de, fa] = tally.counts;
        let n = tr + de + fa;
        let level = tally.level.map_or("(engine)", Level::as_str);
        writeln!(
            t,
            "| `{}` | {level} | {n} | {tr} | {de} | {fa} | {} | {} |",
            tally.rule,
            percent(tr, n, 0),
            percent(fa, n, 0)
        )
        .unwrap();
    }
    t
}

/// The generated part of `docs/PRECISION.md`: the table, the totals against
/// the targets, and every false finding.
fn precision_section(verdicts: &BTreeMap<Key, Verdict>) -> String {
    let crates = pinned_crates();
    let mut s = String::new();
    writeln!(
        s,
        "<!-- Generated from lintcheck/verdicts.tsv by tests/lintcheck.rs; \
         `BLESS=1 cargo test --test lintcheck` refreshes it. -->\n"
    )
    .unwrap();
    writeln!(
        s,
        "{} crates from crates.io (`lintcheck/`, listed with the reason for each in `lintcheck/README.md`), \
         every target, default levels; {} findings, each judged after reading its function.\n",
        crates.len(),
        verdicts.len()
    )
    .unwrap();
    s.push_str(&precision_table(verdicts));
    let all = tallies(verdicts);
    let on: Vec<&Tally> = all.iter().filter(|t| t.level.is_some_and(|l| l > Level::Allow)).collect();
    let [tr, _, fa] = on.iter().fold([0; 3], |a, t| [a[0] + t.counts[0], a[1] + t.counts[1], a[2] + t.counts[2]]);
    let n: usize = on.iter().map(|t| t.counts.iter().sum::<usize>()).sum();
    let deny_false: usize = on.iter().filter(|t| t.level.is_some_and(Level::is_error)).map(|t| t.counts[2]).sum();
    let mark = |ok: bool| if ok { "met" } else { "**not met**" };
    writeln!(
        s,
        "\nOver the default-on rules: {n} findings, {} true (target ≥ 70 %: {}), {} false (target ≤ 3 %: {}); \
         deny rules: {deny_false} false (target 0: {}).\n",
        percent(tr, n, 1),
        mark(n == 0 || tr * 10 >= n * 7),
        percent(fa, n, 1),
        mark(fa * 100 <= n * 3),
        mark(deny_false == 0)
    )
    .unwrap();
    s.push_str("False findings:\n\n| finding | why it is false |\n|---|---|\n");
    for (k, v) in verdicts.iter().filter(|(_, v)| v.verdict == "false") {
        writeln!(
            s,
            "| {}-{}/{}:{} `{}` | {} |",
            k.krate,
            k.version,
            k.file,
            k.line,
            k.rule,
            v.reason.replace('|', "\\|")
        )
        .unwrap();
    }
    s
}

#[test]
fn precision_doc_is_fresh() {
    let path = repo().join("docs/PRECISION.md");
    let doc = std::fs::read_to_string(&path).expect("docs/PRECISION.md");
    let a = doc.find(DOC_START).expect("PRECISION.md has the lintcheck:start marker") + DOC_START.len();
    let b = doc.find(DOC_END).expect("PRECISION.md has the lintcheck:end marker");
    let fresh = format!("{}{}{}", &doc[..a], precision_section(&recorded_verdicts()), &doc[b..]);
    if fresh == doc {
        return;
    }
    if blessing() {
        std::fs::write(&path, fresh).expect("write docs/PRECISION.md");
        return;
    }
    panic!("the lintcheck section of docs/PRECISION.md is stale; run `BLESS=1 cargo test --test lintcheck`");
}
