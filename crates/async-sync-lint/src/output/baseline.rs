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
use syn::spanned::Spanned;

use crate::diagnostic::{FileId, Finding};
use crate::hash::fnv1a;
use crate::input::workspace::Workspace;
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

/// The baseline key of every finding, in order.
pub fn keys(ws: &Workspace, findings: &[Finding]) -> Vec<Key> {
    let sources = Sources::load(ws, findings);
    let mut items: BTreeMap<FileId, Vec<(u32, u32, String)>> = BTreeMap::new();
    findings
        .iter()
        .map(|f| {
            let path = sources.display(f.file).replace('\\', "/");
            let text = sources.trimmed_lines(f.file, f.primary).unwrap_or_else(|| f.message.clone());
            let line = sources.pos(f.file, f.primary).line;
            let file_items =
                items.entry(f.file).or_insert_with(|| sources.text(f.file).map(item_ranges).unwrap_or_default());
            // The innermost (last started) item containing the line.
            let item = file_items
                .iter()
                .filter(|(lo, hi, _)| *lo <= line && line <= *hi)
                .max_by_key(|(lo, hi, _)| (*lo, std::cmp::Reverse(*hi)))
                .map_or_else(String::new, |(_, _, name)| name.clone());
            (f.rule.clone(), path, item, format!("{:016x}", fnv1a(text.as_bytes())))
        })
        .collect()
}

/// The baseline of `findings`.
pub fn build(ws: &Workspace, findings: &[Finding]) -> Baseline {
    let mut counts: BTreeMap<Key, u32> = BTreeMap::new();
    for k in keys(ws, findings) {
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
pub fn filter(ws: &Workspace, findings: &mut Vec<Finding>, baseline: &Baseline) -> usize {
    let mut budget: BTreeMap<Key, u32> = baseline
        .findings
        .iter()
        .map(|e| ((e.rule.clone(), e.path.clone(), e.item.clone(), e.code_hash.clone()), e.count))
        .collect();
    let keys = keys(ws, findings);
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

/// Line ranges (1-based, inclusive) and names of the file's functions, impls,
/// traits and modules, nested names joined by `::`. Empty if it does not parse.
fn item_ranges(text: &str) -> Vec<(u32, u32, String)> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Ok(file) = syn::parse_file(body) else { return Vec::new() };
    let mut out = Vec::new();
    walk_items(&file.items, "", &mut out);
    out
}

fn range(s: proc_macro2::Span) -> (u32, u32) {
    (s.start().line as u32, s.end().line as u32)
}

fn walk_items(items: &[syn::Item], prefix: &str, out: &mut Vec<(u32, u32, String)>) {
    let join = |name: String| if prefix.is_empty() { name } else { format!("{prefix}::{name}") };
    for item in items {
        match item {
            syn::Item::Fn(f) => {
                let (lo, hi) = range(f.span());
                out.push((lo, hi, join(format!("fn {}", f.sig.ident))));
            }
            syn::Item::Mod(m) => {
                let name = join(format!("mod {}", m.ident));
                if let Some((_, inner)) = &m.content {
                    let (lo, hi) = range(m.span());
                    out.push((lo, hi, name.clone()));
                    walk_items(inner, &name, out);
                }
            }
            syn::Item::Impl(i) => {
                let ty = quote::ToTokens::to_token_stream(&i.self_ty).to_string().replace(' ', "");
                let name = match &i.trait_ {
                    Some((_, path, _)) => {
                        let tr = quote::ToTokens::to_token_stream(path).to_string().replace(' ', "");
                        join(format!("impl {tr} for {ty}"))
                    }
                    None => join(format!("impl {ty}")),
                };
                let (lo, hi) = range(i.span());
                out.push((lo, hi, name.clone()));
                for ii in &i.items {
                    if let syn::ImplItem::Fn(f) = ii {
                        let (lo, hi) = range(f.span());
                        out.push((lo, hi, format!("{name}::fn {}", f.sig.ident)));
                    }
                }
            }
            syn::Item::Trait(t) => {
                let name = join(format!("trait {}", t.ident));
                let (lo, hi) = range(t.span());
                out.push((lo, hi, name.clone()));
                for ti in &t.items {
                    if let syn::TraitItem::Fn(f) = ti {
                        let (lo, hi) = range(f.span());
                        out.push((lo, hi, format!("{name}::fn {}", f.sig.ident)));
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_named_and_nested() {
        let text = "mod a {\n    struct S;\n    impl S {\n        async fn get(&self) {\n            x();\n        }\n    }\n}\nfn top() {}\n";
        let items = item_ranges(text);
        let names: Vec<&str> = items.iter().map(|(_, _, n)| n.as_str()).collect();
        assert_eq!(names, ["mod a", "mod a::impl S", "mod a::impl S::fn get", "fn top"]);
        assert_eq!(items[2].0..=items[2].1, 4..=6);
    }
}
