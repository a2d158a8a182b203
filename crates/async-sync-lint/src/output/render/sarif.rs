//! `--message-format sarif`: SARIF 2.1.0, shaped for GitHub code scanning.
//!
//! One run; `tool.driver.rules` lists the whole catalog (plus descriptors for
//! the engine's own codes when they occur). Artifact URIs are relative to
//! `%SRCROOT%`, the workspace root. Columns count Unicode code points.
//!
//! Each result carries `partialFingerprints.primaryLocationLineHash`: an
//! FNV-1a 64 hash of the rule, the path and the trimmed text of the primary
//! span's lines, followed by `:n`, the occurrence of that same triple in this
//! run. Line numbers do not enter it, so inserting unrelated lines above a
//! finding does not change it.

use std::collections::HashMap;
use std::hash::Hasher;
use std::io::{self, Write};
use std::path::Path;

use serde_json::{json, Value};

use super::{absolute, file_uri, percent_encode_path, Pos, Sources};
use crate::diagnostic::{FileId, Finding, Level, Span};
use crate::hash::Fnv1a;
use crate::rules::{self, RuleMeta};

const INFORMATION_URI: &str = "https://github.com/async-sync-lint/async-sync-lint";
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub(crate) fn render(
    out: &mut dyn Write,
    sources: &Sources<'_>,
    findings: &[Finding],
    version: &str,
) -> io::Result<()> {
    let log = log(sources, findings, version);
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

fn log(sources: &Sources<'_>, findings: &[Finding], version: &str) -> Value {
    let mut descriptors: Vec<Value> = rules::all().iter().map(|m| descriptor(m, Some(help_uri(m.name)))).collect();
    let mut index: HashMap<String, usize> =
        rules::all().iter().enumerate().map(|(i, m)| (m.name.to_string(), i)).collect();
    for f in findings {
        if index.contains_key(&f.rule) {
            continue;
        }
        // The engine's codes are described only when a result carries one.
        if let Some(code) = rules::engine_codes().iter().find(|c| c.name == f.rule) {
            index.insert(code.name.to_string(), descriptors.len());
            descriptors.push(descriptor(code, None));
        }
    }

    let mut occurrences: HashMap<(String, String, String), u32> = HashMap::new();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let (key, hash) = line_hash(sources, f);
            let n = occurrences.entry(key).or_insert(0);
            *n += 1;
            result(sources, f, index.get(&f.rule).copied(), format!("{hash:016x}:{n}"))
        })
        .collect();

    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "async-sync-lint",
                    "version": version,
                    "semanticVersion": version,
                    "informationUri": INFORMATION_URI,
                    "rules": descriptors,
                }
            },
            "originalUriBaseIds": {
                "%SRCROOT%": { "uri": dir_uri(&absolute(&sources.ws.root)) }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

/// Where a rule's documentation is published.
pub fn help_uri(rule: &str) -> String {
    format!("{INFORMATION_URI}/blob/main/docs/rules.md#{rule}")
}

fn sarif_level(level: Level) -> &'static str {
    match level {
        Level::Allow => "note",
        Level::Warn => "warning",
        Level::Deny | Level::Forbid => "error",
    }
}

fn default_level(level: Level) -> &'static str {
    match level {
        Level::Allow => "none",
        other => sarif_level(other),
    }
}

/// A rule's or engine code's descriptor. Only rules have a page of their
/// own in `docs/rules.md` to link to.
fn descriptor(m: &RuleMeta, help_uri: Option<String>) -> Value {
    let help = m.full_docs();
    let mut d = json!({
        "id": m.name,
        "name": m.name,
        "shortDescription": { "text": m.summary },
        "fullDescription": { "text": m.summary },
        "help": { "text": help, "markdown": help },
        "defaultConfiguration": { "level": default_level(m.default_level) },
    });
    if let Some(uri) = help_uri {
        d["helpUri"] = Value::String(uri);
    }
    d
}

/// The occurrence key and FNV-1a 64 hash of (rule, path, trimmed primary
/// lines). Without the text, the message stands in for it.
fn line_hash(sources: &Sources<'_>, f: &Finding) -> ((String, String, String), u64) {
    let path = sources.display(f.file).to_string();
    let text = sources.trimmed_lines(f.file, f.primary).unwrap_or_else(|| f.message.clone());
    let mut h = Fnv1a::default();
    for part in [f.rule.as_str(), path.as_str(), text.as_str()] {
        h.write(part.as_bytes());
        h.write(&[0]);
    }
    ((f.rule.clone(), path, text), h.finish())
}

fn result(sources: &Sources<'_>, f: &Finding, rule_index: Option<usize>, fingerprint: String) -> Value {
    let mut text = f.message.clone();
    for n in &f.notes {
        text.push_str(&format!("\nnote: {n}"));
    }
    for h in &f.helps {
        text.push_str(&format!("\nhelp: {}", h.message));
        if let Some(s) = &h.suggestion {
            text.push_str(&format!(": `{}`", s.replacement));
        }
    }
    let mut result = json!({
        "ruleId": f.rule,
        "level": sarif_level(f.level),
        "message": { "text": text },
        "locations": [{ "physicalLocation": physical_location(sources, f.file, f.primary) }],
        "partialFingerprints": { "primaryLocationLineHash": fingerprint },
    });
    if let Some(i) = rule_index {
        result["ruleIndex"] = json!(i);
    }
    if !f.labels.is_empty() {
        let related: Vec<Value> = f
            .labels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                json!({
                    "id": i,
                    "physicalLocation": physical_location(sources, f.file, l.span),
                    "message": { "text": l.message },
                })
            })
            .collect();
        result["relatedLocations"] = json!(related);
    }
    let fixes: Vec<Value> = f
        .helps
        .iter()
        .filter_map(|h| {
            let s = h.suggestion.as_ref()?;
            Some(json!({
                "description": { "text": h.message },
                "artifactChanges": [{
                    "artifactLocation": artifact_location(sources, f.file),
                    "replacements": [{
                        "deletedRegion": region(sources.pos(f.file, s.span))?,
                        "insertedContent": { "text": s.replacement },
                    }],
                }],
            }))
        })
        .collect();
    if !fixes.is_empty() {
        result["fixes"] = json!(fixes);
    }
    result
}

fn physical_location(sources: &Sources<'_>, file: FileId, span: Span) -> Value {
    let mut loc = json!({ "artifactLocation": artifact_location(sources, file) });
    if let Some(region) = region(sources.pos(file, span)) {
        loc["region"] = region;
    }
    loc
}

/// The file relative to `%SRCROOT%`, or an absolute `file://` URI for a file
/// outside the workspace root.
fn artifact_location(sources: &Sources<'_>, file: FileId) -> Value {
    let display = sources.display(file);
    let outside = Path::new(display).is_absolute() || display.starts_with("../") || display.contains('\\');
    if outside {
        json!({ "uri": file_uri(&sources.abs_path(file)) })
    } else {
        json!({ "uri": percent_encode_path(display), "uriBaseId": "%SRCROOT%" })
    }
}

/// A SARIF region (1-based, `endColumn` exclusive); none when the line is
/// unknown.
fn region(pos: Pos) -> Option<Value> {
    if pos.line == 0 {
        return None;
    }
    let col = pos.col.max(1);
    let end_line = pos.end_line.max(pos.line);
    let end_col = if end_line == pos.line { pos.end_col.max(col) } else { pos.end_col.max(1) };
    Some(json!({ "startLine": pos.line, "startColumn": col, "endLine": end_line, "endColumn": end_col }))
}

/// A directory as a `file://` URI ending in `/`, as `originalUriBaseIds` wants.
fn dir_uri(dir: &Path) -> String {
    let uri = file_uri(dir);
    if uri.ends_with('/') {
        uri
    } else {
        uri + "/"
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::super::testing::*;
    use super::super::MessageFormat;
    use super::*;

    fn sarif(fx: &Fixture) -> Value {
        serde_json::from_str(&render_to_string(fx, MessageFormat::Sarif, false)).expect("valid JSON")
    }

    fn fingerprints(v: &Value) -> Vec<String> {
        v["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["partialFingerprints"]["primaryLocationLineHash"].as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn fnv1a_matches_reference_values() {
        let hash = |s: &str| {
            let mut h = Fnv1a::default();
            h.write(s.as_bytes());
            h.finish()
        };
        assert_eq!(hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(hash("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(hash("foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn has_the_keys_code_scanning_needs() {
        let fx = fixture();
        let v = sarif(&fx);
        assert_eq!(v["version"], "2.1.0");
        assert!(v["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
        let run = &v["runs"][0];
        assert_eq!(run["columnKind"], "unicodeCodePoints");
        let root = run["originalUriBaseIds"]["%SRCROOT%"]["uri"].as_str().unwrap();
        assert!(root.starts_with("file:///") && root.ends_with('/'), "{root}");
        let driver = &run["tool"]["driver"];
        assert_eq!(driver["name"], "async-sync-lint");
        assert_eq!(driver["version"], "0.1.0");
        assert!(driver["informationUri"].as_str().unwrap().starts_with("https://"));
        // The catalog is empty for now; engine codes that occur get descriptors.
        let rules = driver["rules"].as_array().unwrap();
        assert_eq!(rules.len(), rules::all().len() + 2);
        let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert!(ids.contains(&"io-error") && ids.contains(&"internal-error"), "{ids:?}");
        for descriptor in &rules[rules::all().len()..] {
            let code = rules::find_code(descriptor["id"].as_str().unwrap()).unwrap();
            assert_eq!(descriptor["defaultConfiguration"]["level"], default_level(code.default_level));
        }

        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), fx.findings.len());
        let r = &results[1];
        assert_eq!(r["ruleId"], "sync-guard-across-await");
        assert_eq!(r["level"], "warning");
        assert!(r["message"]["text"].as_str().unwrap().starts_with("std mutex guard held across an await\nnote: "));
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "src/lib.rs");
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert_eq!(loc["region"], json!({"startLine": 5, "startColumn": 9, "endLine": 5, "endColumn": 10}));
        assert_eq!(r["relatedLocations"][0]["message"]["text"], "awaited here while held");
        assert_eq!(r["relatedLocations"][0]["physicalLocation"]["region"]["startLine"], 6);
        assert_eq!(results[0]["level"], "error");
        assert_eq!(
            results[0]["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"],
            "_guard"
        );
        let io = &results[4];
        assert_eq!(io["ruleIndex"], json!(rules::all().len()));
        assert!(io["locations"][0]["physicalLocation"].get("region").is_none());
        // The BOM file: columns in code points, BOM not counted.
        let bom = &results[2]["relatedLocations"][0]["physicalLocation"]["region"];
        assert_eq!((bom["startLine"].as_u64(), bom["startColumn"].as_u64()), (Some(1), Some(6)));
    }

    #[test]
    fn fingerprints_survive_lines_inserted_above() {
        let before = fixture();
        let shifted_src = format!("\n{LIB_RS}");
        let after = fixture_with(&shifted_src);

        let (v0, v1) = (sarif(&before), sarif(&after));
        let line =
            |v: &Value| v["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"].clone();
        assert_eq!((line(&v0), line(&v1)), (json!(5), json!(6)), "the finding did move");
        let (f0, f1) = (fingerprints(&v0), fingerprints(&v1));
        assert_eq!(f0, f1);
        let unique: std::collections::HashSet<_> = f0.iter().collect();
        assert_eq!(unique.len(), f0.len(), "{f0:?}");
        assert!(f0.iter().all(|f| f.ends_with(":1")), "{f0:?}");
    }

    #[test]
    fn identical_findings_count_occurrences() {
        let fx = fixture();
        let mut findings = fx.findings.clone();
        findings.push(findings[1].clone());
        let out = render_findings(&fx.ws, &findings, MessageFormat::Sarif, false);
        let fp = fingerprints(&serde_json::from_str(&out).unwrap());
        let (first, last) = (&fp[1], &fp[6]);
        assert!(first.ends_with(":1") && last.ends_with(":2"), "{first} {last}");
        assert_eq!(first.split(':').next(), last.split(':').next());
    }
}
