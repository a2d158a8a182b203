//! Baselines, for adopting the linter on a large codebase:
//! `--write-baseline FILE` records today's findings, `--baseline FILE`
//! reports only findings that are not in it.
//!
//! A finding is keyed by its rule, its file's path (relative to the
//! workspace root, `/`-separated), the item that encloses it (`fn name`,
//! `impl Type::method`, inside `mod m`), and a hash of the trimmed text of its
//! primary span's lines. No line numbers: editing elsewhere in the file does
//! not turn old findings into new ones. Identical keys are counted, so a
//! second copy of a baselined mistake in the same function is still new.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::analysis::facts::innermost_item;
use crate::driver::Report;
use crate::hash::fnv1a;
use crate::output::render::Sources;

pub const VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Entry {
    pub rule: String,
    pub path: String,
    pub item: String,
    pub code_hash: String,
    pub count: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

type Key = (String, String, String, String);

/// The baseline key of every finding of `report`, in order. The enclosing
/// item comes from the facts the extractor recorded ([`Report::items`]); a
/// file without them (it did not parse) has findings outside any item.
pub fn keys(report: &Report) -> Vec<Key> {
    let findings = &report.findings;
    let sources = Sources::load(&report.workspace, findings);
    findings
        .iter()
        .map(|f| {
            let path = sources.display(f.file).replace('\\', "/");
            let text = sources.trimmed_lines(f.file, f.primary).unwrap_or_else(|| f.message.clone());
            let line = sources.pos(f.file, f.primary).line;
            let item = report
                .items
                .get(&f.file)
                .and_then(|items| innermost_item(items, line))
                .map_or_else(String::new, |i| i.name.clone());
            (f.rule.clone(), path, item, format!("{:016x}", fnv1a(text.as_bytes())))
        })
        .collect()
}

/// The baseline of the report's findings.
pub fn build(report: &Report) -> Baseline {
    let mut counts: BTreeMap<Key, u32> = BTreeMap::new();
    for k in keys(report) {
        *counts.entry(k).or_insert(0) += 1;
    }
    Baseline {
        version: VERSION,
        findings: counts
            .into_iter()
            .map(|((rule, path, item, code_hash), count)| Entry { rule, path, item, code_hash, count })
            .collect(),
    }
}

pub fn parse(text: &str) -> Result<Baseline, String> {
    let b: Baseline = serde_json::from_str(text).map_err(|e| format!("not a baseline file: {e}"))?;
    if b.version != VERSION {
        return Err(format!("baseline version {} is not supported (expected {VERSION})", b.version));
    }
    Ok(b)
}

pub fn to_json(b: &Baseline) -> String {
    let mut s = serde_json::to_string_pretty(b).unwrap_or_default();
    s.push('\n');
    s
}

/// Removes the findings the baseline covers; returns how many were removed.
pub fn filter(report: &mut Report, baseline: &Baseline) -> usize {
    let mut budget: BTreeMap<Key, u32> = baseline
        .findings
        .iter()
        .map(|e| ((e.rule.clone(), e.path.clone(), e.item.clone(), e.code_hash.clone()), e.count))
        .collect();
    let keys = keys(report);
    let findings = &mut report.findings;
    let before = findings.len();
    let mut keep = keys.into_iter().map(|k| match budget.get_mut(&k) {
        Some(n) if *n > 0 => {
            *n -= 1;
            false
        }
        _ => true,
    });
    findings.retain(|_| keep.next().unwrap_or(true));
    before - findings.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::workspace::Edition;

    /// Keys name the enclosing item from the extractor's facts, with the
    /// strings the former syntax walk here gave (the names themselves are
    /// checked against that walk in `analysis::extract::item_names`).
    #[test]
    fn keys_name_the_innermost_item_as_stored_baselines_do() {
        let dir = std::env::temp_dir().join(format!("asl-baseline-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("lib.rs");
        let text = "mod a {\n    struct S;\n    impl S {\n        async fn get(&self) {\n            std::thread::sleep(std::time::Duration::from_millis(1));\n        }\n    }\n}\nasync fn top() {\n    std::thread::sleep(std::time::Duration::from_millis(1));\n}\n";
        std::fs::write(&path, text).unwrap();
        let report = crate::driver::run_file(&path, Edition::E2021, &[]).expect("runs");
        std::fs::remove_dir_all(&dir).ok();
        let keys = keys(&report);
        let items: Vec<(&str, &str, &str)> =
            keys.iter().map(|(rule, path, item, _)| (rule.as_str(), path.as_str(), item.as_str())).collect();
        assert_eq!(
            items,
            [("blocking-in-async", "lib.rs", "mod a::impl S::fn get"), ("blocking-in-async", "lib.rs", "fn top"),]
        );
        let built = build(&report);
        assert_eq!(built.findings.len(), 2);
        let mut again = report;
        assert_eq!(filter(&mut again, &built), 2);
        assert!(again.findings.is_empty());
    }
}
