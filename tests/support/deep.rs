//! Generators of deeply nested sources: one per way Rust syntax nests, with
//! or without brackets.

/// Every construct [`deep`] can generate.
pub const KINDS: &[&str] = &[
    "parens",
    "blocks",
    "method-chain",
    "field-chain",
    "try-chain",
    "await-chain",
    "call-chain",
    "index-chain",
    "add-chain",
    "assign-chain",
    "not",
    "neg",
    "deref",
    "ref",
    "closure",
    "closure-args",
    "move-closure",
    "return",
    "break",
    "cast-chain",
    "else-if",
    "if-else-expr",
    "range",
    "ref-type",
    "ptr-type",
    "fn-type",
    "generic-type",
    "generic-args",
    "ref-pattern",
    "at-pattern",
];

/// A file whose syntax nests `n` levels deep by `kind`. It names a lock
/// type, so the prefilter cannot skip it: the depth check itself is tested.
pub fn deep(kind: &str, n: usize) -> String {
    format!("use std::sync::Mutex;\n{}", deep_body(kind, n))
}

fn deep_body(kind: &str, n: usize) -> String {
    let body = |e: String| format!("async fn f() {{\n    let _ = {e};\n}}\n");
    match kind {
        "parens" => body(format!("{}x{}", "(".repeat(n), ")".repeat(n))),
        "blocks" => body(format!("{}x{}", "{ ".repeat(n), " }".repeat(n))),
        "method-chain" => body(format!("a{}", ".b()".repeat(n))),
        "field-chain" => body(format!("a{}", ".b".repeat(n))),
        "try-chain" => body(format!("a{}", "?".repeat(n))),
        "await-chain" => body(format!("a{}", ".await".repeat(n))),
        "call-chain" => body(format!("f{}", "()".repeat(n))),
        "index-chain" => body(format!("a{}", "[0]".repeat(n))),
        "add-chain" => body(vec!["x"; n].join(" + ")),
        "assign-chain" => body(vec!["x"; n].join(" = ")),
        "not" => body(format!("{}x", "!".repeat(n))),
        "neg" => body(format!("{}x", "- ".repeat(n))),
        "deref" => body(format!("{}x", "*".repeat(n))),
        "ref" => body(format!("{}x", "& ".repeat(n))),
        "closure" => body(format!("{}x", "|| ".repeat(n))),
        "closure-args" => body(format!("{}x", "|a, b| ".repeat(n))),
        "move-closure" => body(format!("{}x", "move || ".repeat(n))),
        "return" => body(format!("{}x", "return ".repeat(n))),
        "break" => body(format!("{}x", "break ".repeat(n))),
        "cast-chain" => body(format!("x{}", " as u8".repeat(n))),
        "else-if" => format!("fn f() {{\n    if a {{}}{}\n}}\n", " else if a {}".repeat(n)),
        "if-else-expr" => body(format!("{}{{ 2 }}", "if a { 1 } else ".repeat(n))),
        "range" => body(format!("{}x", "..".repeat(n))),
        "ref-type" => format!("type T = {}u8;\n", "& ".repeat(n)),
        "ptr-type" => format!("type T = {}u8;\n", "*const ".repeat(n)),
        "fn-type" => format!("type T = {}u8;\n", "fn() -> ".repeat(n)),
        "generic-type" => format!("type T = {}u8{};\n", "V<".repeat(n), ">".repeat(n)),
        "generic-args" => format!("type T = {}u8{};\n", "V<u8, ".repeat(n), ">".repeat(n)),
        "ref-pattern" => format!("fn f() {{\n    let {}x = y;\n}}\n", "& ".repeat(n)),
        "at-pattern" => format!("fn f() {{\n    let {}x = y;\n}}\n", "a @ ".repeat(n)),
        _ => panic!("unknown kind {kind}"),
    }
}
