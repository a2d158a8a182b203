use super::*;

const RULES: &[&str] = &["sync-guard-across-await", "blocking-in-async"];
const GUARD: &str = "sync-guard-across-await";
const BLOCKING: &str = "blocking-in-async";

fn finding(rule: &str, line: u32) -> Finding {
    let span = Span { lo: 0, hi: 0, line, col: 1, end_line: line, end_col: 1 };
    Finding::new(rule, Level::Warn, 0, span, "m")
}

/// Scans `src`, applies the suppressions to `findings` (rule, line) and
/// returns what survives plus the lines of unused suppressions.
fn check(src: &str, findings: &[(&str, u32)]) -> (Vec<(String, u32)>, Vec<u32>) {
    let (suppressions, malformed) = scan(src, RULES);
    assert!(malformed.is_empty(), "unexpected malformed: {malformed:?}");
    let mut findings: Vec<Finding> = findings.iter().map(|&(r, l)| finding(r, l)).collect();
    let unused = apply(&mut findings, &suppressions, src).unused;
    let left = findings.into_iter().map(|f| (f.rule, f.primary.line)).collect();
    (left, unused.into_iter().map(|i| suppressions[i].span.line).collect())
}

fn left(items: &[(&str, u32)]) -> Vec<(String, u32)> {
    items.iter().map(|&(r, l)| (r.to_string(), l)).collect()
}

#[test]
fn trailing_comment_covers_its_line() {
    let src = r#"
async fn f(m: &std::sync::Mutex<u8>) {
    let g = m.lock().unwrap(); // async-sync-lint: allow(sync-guard-across-await)
    let h = m.lock().unwrap();
}
"#;
    let (suppressions, _) = scan(src, RULES);
    assert_eq!(suppressions.len(), 1);
    assert_eq!(suppressions[0].kind, SuppressionKind::Line(3));
    assert_eq!(suppressions[0].rules, [GUARD]);
    assert_eq!(suppressions[0].span.line, 3);
    assert_eq!(suppressions[0].span.col, 32);
    let (rest, unused) = check(src, &[(GUARD, 3), (GUARD, 4), (BLOCKING, 3)]);
    assert_eq!(rest, left(&[(GUARD, 4), (BLOCKING, 3)]));
    assert!(unused.is_empty());
}

#[test]
fn comment_alone_covers_next_code_line() {
    let src = r#"
async fn f() {
    // async-sync-lint: allow(blocking-in-async, sync-guard-across-await) -- startup only

    // an ordinary comment in between
    /* and a block one */
    std::thread::sleep(d);
    std::thread::sleep(d);
}
"#;
    let (suppressions, _) = scan(src, RULES);
    assert_eq!(suppressions[0].kind, SuppressionKind::Line(7));
    assert_eq!(suppressions[0].rules, [BLOCKING, GUARD]);
    let (rest, unused) = check(src, &[(BLOCKING, 7), (BLOCKING, 8), (BLOCKING, 3)]);
    assert_eq!(rest, left(&[(BLOCKING, 8), (BLOCKING, 3)]));
    assert!(unused.is_empty());
}

#[test]
fn block_comment_before_code_covers_that_line() {
    let src = "fn f() {\n    /* async-sync-lint: allow(blocking-in-async) */ block();\n}\n";
    let (suppressions, _) = scan(src, RULES);
    assert_eq!(suppressions[0].kind, SuppressionKind::Line(2));
}

#[test]
fn inner_doc_comment_covers_file() {
    let src = r#"//! Module docs.
//! async-sync-lint: allow(blocking-in-async)
/*! async-sync-lint: allow(sync-guard-across-await) */

fn a() {}
fn b() {}
"#;
    let (suppressions, _) = scan(src, RULES);
    assert_eq!(suppressions.iter().map(|s| s.kind).collect::<Vec<_>>(), [SuppressionKind::File; 2]);
    let (rest, unused) = check(src, &[(BLOCKING, 5), (BLOCKING, 6), (GUARD, 6), ("parse-error", 1)]);
    assert_eq!(rest, left(&[("parse-error", 1)]));
    assert!(unused.is_empty());
}

#[test]
fn multi_line_inner_block_comment() {
    let src = "/*!\n * Docs.\n * async-sync-lint: allow(blocking-in-async)\n */\nfn a() {}\n";
    let (suppressions, malformed) = scan(src, RULES);
    assert!(malformed.is_empty());
    assert_eq!(suppressions.len(), 1);
    assert_eq!(suppressions[0].kind, SuppressionKind::File);
}

#[test]
fn attribute_covers_item_by_brace_matching() {
    let src = r#"
#[cfg_attr(async_sync_lint, allow(async_sync_lint::blocking_in_async))]
#[inline]
async fn f() {
    let s = "}";
    std::thread::sleep(d); // '}'
}

async fn g() {
    std::thread::sleep(d);
}
"#;
    let (suppressions, _) = scan(src, RULES);
    assert_eq!(suppressions.len(), 1);
    assert_eq!(suppressions[0].kind, SuppressionKind::Item { attr_line: 2 });
    assert_eq!(suppressions[0].rules, [BLOCKING]);
    assert_eq!(item_lines_by_braces(src, 2), Some((2, 7)));
    let (rest, unused) = check(src, &[(BLOCKING, 6), (BLOCKING, 10)]);
    assert_eq!(rest, left(&[(BLOCKING, 10)]));
    assert!(unused.is_empty());
}

#[test]
fn attribute_item_extents() {
    let src = r#"
fn f(x: u8) {
    #[cfg_attr(async_sync_lint, allow(all))]
    let y = if x > 0 {
        1
    } else {
        2
    };
    match x {
        #[cfg_attr(async_sync_lint, allow(all))]
        0 => a(),
        _ => b(),
    }
}
#[cfg_attr(async_sync_lint, allow(all))]
struct S;
"#;
    assert_eq!(item_lines_by_braces(src, 3), Some((3, 8)));
    assert_eq!(item_lines_by_braces(src, 10), Some((10, 11)));
    assert_eq!(item_lines_by_braces(src, 15), Some((15, 16)));
    assert_eq!(item_lines_by_braces(src, 2), None);
}

#[test]
fn apply_with_uses_given_item_extents() {
    let src = "#[cfg_attr(async_sync_lint, allow(sync_guard_across_await))]\nfn f() {}\n";
    let (suppressions, _) = scan(src, RULES);
    let mut findings = vec![finding(GUARD, 9), finding(GUARD, 12)];
    let unused = apply_with(&mut findings, &suppressions, |line| (line == 1).then_some((1, 10))).unused;
    assert_eq!(findings, [finding(GUARD, 12)]);
    assert!(unused.is_empty());
}

#[test]
fn allow_all_covers_every_rule_but_internal_errors() {
    let src = "fn f() {\n    block(); // async-sync-lint: allow(all)\n}\n";
    let (rest, unused) = check(src, &[(BLOCKING, 2), (GUARD, 2), ("internal-error", 2)]);
    assert_eq!(rest, left(&[("internal-error", 2)]));
    assert!(unused.is_empty());
}

#[test]
fn markers_in_literals_and_comments_are_ignored() {
    let src = r###"
fn f() {
    let a = "// async-sync-lint: allow(blocking-in-async)";
    let b = r#"x " // async-sync-lint: allow(blocking-in-async)"#;
    let c = b"// async-sync-lint: allow(all)";
    let d = '"'; let e: &'static str = "/* async-sync-lint: allow(all) */";
    /* outer /* nested // async-sync-lint: allow(all) */ still comment */
    let f = "\" // async-sync-lint: allow(all)";
    /// async-sync-lint: allow(all)
    let g = 1;
}
"###;
    let (suppressions, malformed) = scan(src, RULES);
    assert!(suppressions.is_empty(), "{suppressions:?}");
    assert!(malformed.is_empty(), "{malformed:?}");
}

#[test]
fn lifetimes_do_not_open_char_literals() {
    let src = "fn f<'a>(x: &'a str) -> &'a str { x } // async-sync-lint: allow(all)\n";
    let (suppressions, _) = scan(src, RULES);
    assert_eq!(suppressions.len(), 1);
    assert_eq!(suppressions[0].kind, SuppressionKind::Line(1));
}

#[test]
fn unused_suppressions_are_reported() {
    let src = r#"fn f() {
    a(); // async-sync-lint: allow(blocking-in-async)
    // async-sync-lint: allow(sync-guard-across-await)
    b();
}
"#;
    let (rest, unused) = check(src, &[(BLOCKING, 2)]);
    assert!(rest.is_empty());
    assert_eq!(unused, [3]);
}

#[test]
fn unused_suppression_can_be_allowed() {
    let src = "//! async-sync-lint: allow(unused-suppression)\nfn f() {\n    a(); // async-sync-lint: allow(all)\n}\n";
    let (_, unused) = check(src, &[]);
    assert!(unused.is_empty());
}

#[test]
fn forbid_level_is_not_suppressed() {
    let src = "fn f() {\n    a(); // async-sync-lint: allow(blocking-in-async)\n}\n";
    let (suppressions, _) = scan(src, RULES);
    let mut findings = vec![Finding { level: Level::Forbid, ..finding(BLOCKING, 2) }];
    let applied = apply(&mut findings, &suppressions, src);
    assert_eq!(findings.len(), 1);
    assert_eq!(applied, Applied { unused: vec![], overridden: vec![0] });
}

#[test]
fn malformed_directives_are_reported() {
    let src = r#"fn f() {
    a(); // async-sync-lint: alow(blocking-in-async)
    b(); // async-sync-lint: allow(blocking-in-asnyc, sync-guard-across-await)
    c(); // async-sync-lint: deny(all)
    d(); // async-sync-lint: allow()
    e(); // async-sync-lint allow(all)
    f(); // async-sync-lint: allow(all) because
    g(); // async_sync_lint: allow(all)
    h(); // async_sync_lint::config is not a directive
    i(); // async-sync-lint: allow(all
    j(); // async-sync-lint: disable(all)
    k(); // async-sync-lint: is a linter, not a directive
}
"#;
    let (suppressions, malformed) = scan(src, RULES);
    let got: Vec<(u32, &str)> = malformed.iter().map(|(s, m)| (s.line, m.as_str())).collect();
    assert_eq!(
        got,
        [
            (2, "expected `allow(...)`, found `alow`; did you mean `allow`?"),
            (3, "unknown rule `blocking-in-asnyc` in `allow(...)`; did you mean `blocking-in-async`?"),
            (4, "only `allow(...)` can be written in a comment, found `deny`; set other levels in the configuration"),
            (5, "`allow()` names no rule"),
            (6, "expected `:` after `async-sync-lint`"),
            (7, "unexpected `because` after `allow(...)`; write a reason after `--`"),
            (8, "write `async-sync-lint:` with dashes"),
            (10, "unclosed `(` in `allow(`"),
            (11, "expected `allow(...)`, found `disable`"),
        ]
    );
    // The unknown name is pointed at precisely; the known one still works.
    let unknown = &malformed[1].0;
    assert_eq!(&src[unknown.lo as usize..unknown.hi as usize], "blocking-in-asnyc");
    assert_eq!(suppressions.len(), 1);
    assert_eq!(suppressions[0].kind, SuppressionKind::Line(3));
    assert_eq!(suppressions[0].rules, [GUARD]);
}

#[test]
fn malformed_attributes_are_reported() {
    let src = "#[cfg_attr(async_sync_lint, deny(async_sync_lint::x))]\nfn f() {}\n#[cfg_attr(async_sync_lint, allow(async_sync_lint::nope))]\nfn g() {}\n";
    let (suppressions, malformed) = scan(src, RULES);
    assert!(suppressions.is_empty());
    let got: Vec<(u32, &str)> = malformed.iter().map(|(s, m)| (s.line, m.as_str())).collect();
    assert_eq!(
        got,
        [
            (1, "only `allow(...)` is read from `cfg_attr(async_sync_lint, ...)`, found `deny`"),
            (3, "unknown rule `nope` in `allow(...)`"),
        ]
    );
}

#[test]
fn prose_after_the_marker_is_not_a_directive() {
    let src = "//! async-sync-lint: a static linter for async Rust.\n// async-sync-lint: see the docs\n// async-sync-lint allows this\nfn f() {}\n";
    let (suppressions, malformed) = scan(src, RULES);
    assert!(suppressions.is_empty());
    assert!(malformed.is_empty(), "{malformed:?}");
}

#[test]
fn crlf_text() {
    let src = "fn f() {\r\n    // async-sync-lint: allow(blocking-in-async)\r\n\r\n    a();\r\n    b(); // async-sync-lint: allow(sync-guard-across-await)\r\n}\r\n";
    let (suppressions, malformed) = scan(src, RULES);
    assert!(malformed.is_empty(), "{malformed:?}");
    let kinds: Vec<_> = suppressions.iter().map(|s| s.kind).collect();
    assert_eq!(kinds, [SuppressionKind::Line(4), SuppressionKind::Line(5)]);
    assert!(!src[suppressions[1].span.lo as usize..suppressions[1].span.hi as usize].ends_with('\r'));
    let (rest, unused) = check(src, &[(BLOCKING, 4), (GUARD, 5)]);
    assert!(rest.is_empty());
    assert!(unused.is_empty());
}

#[test]
fn comment_at_end_of_file_covers_nothing() {
    let src = "fn f() {}\n// async-sync-lint: allow(all)\n";
    let (rest, unused) = check(src, &[("blocking-in-async", 1)]);
    assert_eq!(rest.len(), 1);
    assert_eq!(unused, [2]);
}

#[test]
fn a_shebang_is_not_code_and_its_quotes_open_nothing() {
    // The scanner once read the shebang's quote as opening a string that hid
    // the directive below it.
    let src = "#!/usr/bin/env -S cargo \"+nightly\n// async-sync-lint: allow(blocking-in-async)\nfn f() {}\n";
    let (suppressions, _) = scan(src, RULES);
    assert_eq!(suppressions.len(), 1);
    assert_eq!(suppressions[0].kind, SuppressionKind::Line(3));
}

#[test]
fn quotes_in_char_literals_do_not_hide_directives() {
    let src =
        "fn f() {\n    let q = ('\"', '\\'', ''', 'é');\n    g(); // async-sync-lint: allow(blocking-in-async)\n}\n";
    let (suppressions, _) = scan(src, RULES);
    assert_eq!(suppressions.len(), 1);
    assert_eq!(suppressions[0].kind, SuppressionKind::Line(3));
}

fn guard_with_lint(line: u32, lint: &str) -> Finding {
    finding(GUARD, line).with_clippy_lint(lint)
}

#[test]
fn clippy_allows_are_read_where_our_attribute_is() {
    let src = r#"#![allow(clippy::await_holding_refcell_ref)]
#[allow(
    clippy::await_holding_lock, // a comment in between
    reason = "clippy::await_holding_refcell_ref, in a string"
)]
async fn f() {}
mod m {
    #![allow(clippy::await_holding_lock)]
}
#[cfg_attr(test, expect(clippy::await_holding_lock))]
fn g() {}
#[warn(clippy::await_holding_lock)]
fn h() {}
"#;
    let (suppressions, malformed) = scan(src, RULES);
    assert!(malformed.is_empty(), "{malformed:?}");
    let read: Vec<_> = suppressions.iter().map(|s| (s.kind, s.rules.clone(), s.clippy)).collect();
    assert_eq!(
        read,
        [
            (SuppressionKind::File, vec!["await_holding_refcell_ref".to_string()], true),
            (SuppressionKind::Item { attr_line: 2 }, vec!["await_holding_lock".to_string()], true),
            (SuppressionKind::Item { attr_line: 10 }, vec!["await_holding_lock".to_string()], true),
        ]
    );
}

#[test]
fn clippy_allows_cover_their_lint_only_and_are_never_unused() {
    let src = "#[allow(clippy::await_holding_lock)]\nasync fn f() {\n    body();\n}\n#[allow(clippy::await_holding_lock)]\nasync fn unused() {}\n";
    let (suppressions, _) = scan(src, RULES);
    let mut findings = vec![
        guard_with_lint(3, "await_holding_lock"),
        guard_with_lint(3, "await_holding_refcell_ref"),
        finding(GUARD, 3),
        finding(BLOCKING, 3),
    ];
    let applied = apply(&mut findings, &suppressions, src);
    let left: Vec<_> = findings.iter().map(|f| f.clippy_lint.clone()).collect();
    assert_eq!(left, [Some("await_holding_refcell_ref".to_string()), None, None]);
    assert_eq!(applied, Applied::default(), "a clippy allow is never reported unused");

    let mut forbidden = vec![Finding { level: Level::Forbid, ..guard_with_lint(3, "await_holding_lock") }];
    let applied = apply(&mut forbidden, &suppressions, src);
    assert_eq!(forbidden.len(), 1, "forbid is never lowered");
    assert_eq!(applied, Applied::default(), "nor is a clippy allow reported overridden");
}

#[test]
fn files_without_the_lint_names_skip_the_clippy_scan() {
    assert!(clippy::mentioned("#[allow(clippy::await_holding_lock)]"));
    assert!(!clippy::mentioned("#[allow(clippy::needless_return)]"));
}
