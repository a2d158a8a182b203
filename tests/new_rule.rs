//! `scripts/new-rule` on a directory shaped like the repository: the rule
//! file has every docs section, the rule is registered (module and `RULES`
//! entry), the fixture directory holds a positive and a negative skeleton,
//! and a second run refuses to overwrite.

use std::fs;
use std::path::Path;
use std::process::Command;

const RULES_MOD: &str = "crates/async-sync-lint/src/rules/mod.rs";

fn new_rule(root: &Path, name: &str) -> std::process::Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/new-rule");
    Command::new("bash").arg(script).arg(name).env("NEW_RULE_ROOT", root).output().expect("bash runs")
}

#[test]
fn new_rule_writes_registers_and_makes_fixtures() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    fs::create_dir_all(root.join("crates/async-sync-lint/src/rules")).unwrap();
    fs::create_dir_all(root.join("fixtures")).unwrap();
    fs::copy(repo.join(RULES_MOD), root.join(RULES_MOD)).unwrap();

    let out = new_rule(root, "guard-held-in-drop");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let rule = fs::read_to_string(root.join("crates/async-sync-lint/src/rules/guard_held_in_drop.rs")).unwrap();
    assert!(rule.contains("crate::declare_rule! {"));
    assert!(rule.contains("name: \"guard-held-in-drop\""));
    for section in ["## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Known problems"] {
        assert!(rule.contains(section), "missing {section}");
    }
    assert!(rule.contains("pub fn check(cx: &CrateCx<'_>, out: &mut Vec<Finding>)"));

    let registry = fs::read_to_string(root.join(RULES_MOD)).unwrap();
    let before = fs::read_to_string(repo.join(RULES_MOD)).unwrap();
    assert_eq!(registry.lines().count(), before.lines().count() + 2);
    assert!(registry.contains("\npub mod guard_held_in_drop;\n"));
    let entry = registry.find("(&guard_held_in_drop::META, guard_held_in_drop::check),").expect("registered");
    let rules = registry.find("static RULES: ").unwrap();
    let close = rules + registry[rules..].find("\n];").unwrap();
    assert!(rules < entry && entry < close, "the entry is inside RULES");

    let fixtures = root.join("fixtures/guard-held-in-drop");
    assert!(fs::read_to_string(fixtures.join("positive.rs")).unwrap().contains("//~ guard-held-in-drop"));
    assert!(!fs::read_to_string(fixtures.join("negative.rs")).unwrap().contains("//~"));

    let again = new_rule(root, "guard-held-in-drop");
    assert!(!again.status.success(), "a second run must not overwrite");
    assert_eq!(fs::read_to_string(root.join(RULES_MOD)).unwrap(), registry);
}

#[test]
fn new_rule_rejects_names_that_are_not_kebab_case() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["Guard", "guard_held", "-guard", "guard--held"] {
        let out = new_rule(tmp.path(), name);
        assert_eq!(out.status.code(), Some(2), "{name}");
    }
}
