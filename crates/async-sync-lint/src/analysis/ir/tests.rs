//! Data-driven tests of the lowering and the liveness analysis: each file in
//! `testdata/` is Rust source, then a line `// ==== expected`, then what
//! [`render`] prints for it (each line behind `// `). `BLESS=1` rewrites the
//! expected part. A first line `// edition: 2024` lowers as that edition.

use std::fmt::Write as _;
use std::path::Path;

use crate::analysis::extract::extract_with_ir;
use crate::analysis::facts::FileFacts;
use crate::input::workspace::Edition;

const MARKER: &str = "// ==== expected";

/// Every body's IR, then for each await the guards live there, and for
/// each acquisition its holder and end.
fn render(src: &str, edition: Edition) -> String {
    let file = syn::parse_file(src).expect("test source parses");
    let (facts, dumps) = extract_with_ir(&file, src, edition);
    let mut out = String::new();
    for (idx, ir) in dumps {
        let body = &facts.bodies[idx as usize];
        let _ = writeln!(out, "body{idx} {}", body.name);
        for line in ir.lines() {
            let _ = writeln!(out, "  {line}");
        }
        for (i, a) in body.awaits.iter().enumerate() {
            let held: Vec<String> = body
                .acquisitions
                .iter()
                .enumerate()
                .filter(|(_, acq)| acq.held_at.contains(&(i as u32)))
                .map(|(ai, _)| format!("a{ai}"))
                .collect();
            let _ = writeln!(out, "  await #{i} at {}:{} holds [{}]", a.span.line, a.span.col, held.join(", "));
        }
        for (ai, a) in body.acquisitions.iter().enumerate() {
            let _ = writeln!(
                out,
                "  a{ai} {} at {}:{}: {}",
                a.receiver.text,
                a.span.line,
                a.span.col,
                describe(&facts, idx, ai)
            );
        }
    }
    out
}

fn describe(facts: &FileFacts, body: u32, ai: usize) -> String {
    let a = &facts.bodies[body as usize].acquisitions[ai];
    let holder = match &a.holder {
        crate::analysis::facts::Holder::Binding { name, .. } => format!("`{name}`"),
        other => format!("{other:?}").to_lowercase(),
    };
    let end = match &a.end {
        Some(e) => format!("{:?} at {}:{}", e.kind, e.span.line, e.span.col),
        None => "no end".to_string(),
    };
    let mut s = format!("{holder}, {end}");
    if !a.held_on_acquire.is_empty() {
        let _ = write!(s, ", taken holding {:?}", a.held_on_acquire);
    }
    if a.escapes {
        s.push_str(", escapes");
    }
    if let Some((b, i)) = a.captured_from {
        let _ = write!(s, ", captured from body{b} a{i}");
    }
    s
}

#[test]
fn lowering_and_liveness_match_their_expected_text() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/analysis/ir/testdata");
    let mut paths: Vec<_> = std::fs::read_dir(&dir).expect("testdata exists").map(|e| e.unwrap().path()).collect();
    paths.sort();
    assert!(!paths.is_empty(), "expected the IR test files in {}", dir.display());
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        let (src, expected) = match text.split_once(MARKER) {
            Some((s, e)) => (
                s.to_string(),
                e.lines()
                    .skip(1)
                    .map(|l| l.strip_prefix("// ").unwrap_or(l.trim_start_matches("//")))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            None => (text.clone(), String::new()),
        };
        let edition = if src.starts_with("// edition: 2024") { Edition::E2024 } else { Edition::E2021 };
        let actual = render(&src, edition);
        if actual.trim_end() == expected.trim_end() {
            continue;
        }
        if bless {
            let mut new = src.trim_end().to_string();
            new.push_str("\n\n");
            new.push_str(MARKER);
            new.push('\n');
            for line in actual.lines() {
                new.push_str(if line.is_empty() { "//" } else { "// " });
                new.push_str(line);
                new.push('\n');
            }
            std::fs::write(&path, new).unwrap();
        } else {
            failures.push(format!("{}:\n--- expected\n{expected}\n--- actual\n{actual}", path.display()));
        }
    }
    assert!(failures.is_empty(), "{} IR test(s) differ (BLESS=1 to update):\n{}", failures.len(), failures.join("\n"));
}
