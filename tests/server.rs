//! The language server, driven over stdio as an editor drives it: the
//! binary, framed JSON-RPC messages, and the diagnostics it publishes.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use serde_json::{json, Value};

/// Generous: a slow CI machine must not fail the test; speed is measured by
/// the benchmark, not here.
const WAIT: Duration = Duration::from_secs(60);

/// Arms the server's request that panics on purpose.
const HOOK_ENV: &str = "ASL_TEST_HOOK_PANIC_REQUEST";

struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
}

impl Client {
    /// Starts the server; `hooks` arms its test-only failure request.
    fn start(dir: &Path, hooks: bool) -> Client {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-async-sync-lint"));
        if hooks {
            command.env(HOOK_ENV, "1");
        }
        let mut child = command
            .args(["async-sync-lint", "server"])
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server starts");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, messages) = mpsc::channel();
        std::thread::spawn(move || loop {
            let mut length = None;
            loop {
                let mut header = String::new();
                if stdout.read_line(&mut header).unwrap_or(0) == 0 {
                    return;
                }
                let header = header.trim_end();
                if header.is_empty() {
                    break;
                }
                if let Some(n) = header.strip_prefix("Content-Length: ") {
                    length = n.parse::<usize>().ok();
                }
            }
            let mut body = vec![0; length.expect("a Content-Length header")];
            stdout.read_exact(&mut body).unwrap();
            if tx.send(serde_json::from_slice(&body).expect("a JSON message")).is_err() {
                return;
            }
        });
        Client { child, stdin, messages, next_id: 0 }
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and returns its response (the whole message).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        self.wait_for(|m| m["id"] == id && m.get("method").is_none())
    }

    /// The next message that satisfies `wanted`, skipping others.
    fn wait_for(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        loop {
            let m = self.messages.recv_timeout(WAIT).expect("the server answers in time");
            if wanted(&m) {
                return m;
            }
        }
    }

    /// The next diagnostics published for `uri` at document `version`.
    fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let m = self.wait_for(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == version
        });
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }

    fn change(&mut self, uri: &str, version: i64, text: &str) {
        let params = json!({
            "textDocument": { "uri": uri, "version": version },
            "contentChanges": [{ "text": text }],
        });
        self.notify("textDocument/didChange", params);
    }
}

const CLEAN: &str = "use std::sync::Mutex;

pub struct Cache {
    entries: Mutex<Vec<u32>>,
}

async fn fetch() -> u32 {
    1
}

impl Cache {
    pub async fn add(&self) {
        let value = fetch().await;
        self.entries.lock().unwrap().push(value);
    }
}
";

fn codes(diagnostics: &[Value]) -> Vec<&str> {
    diagnostics.iter().map(|d| d["code"].as_str().unwrap()).collect()
}

fn file_uri(path: &Path) -> String {
    format!("file://{}", path.canonicalize().unwrap().display())
}

#[test]
fn unsaved_edits_are_linted_and_fixed_over_stdio() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("Cargo.toml"), "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
        .unwrap();
    std::fs::create_dir(root.join("src")).unwrap();
    let lib = root.join("src/lib.rs");
    std::fs::write(&lib, CLEAN).unwrap();
    let uri = file_uri(&lib);

    let mut client = Client::start(root, true);
    let init =
        client.request("initialize", json!({ "processId": null, "rootUri": file_uri(root), "capabilities": {} }));
    assert_eq!(init["result"]["capabilities"]["textDocumentSync"]["change"], 1, "{init}");
    assert!(init["result"]["capabilities"]["codeActionProvider"].is_object(), "{init}");
    client.notify("initialized", json!({}));

    let item = json!({ "uri": uri, "languageId": "rust", "version": 1, "text": CLEAN });
    client.notify("textDocument/didOpen", json!({ "textDocument": item }));
    assert_eq!(client.diagnostics(&uri, 1), Vec::<Value>::new());

    // An unsaved edit that holds the guard across the await.
    let held = CLEAN.replace(
        "        let value = fetch().await;\n        self.entries.lock().unwrap().push(value);",
        "        let mut entries = self.entries.lock().unwrap();\n        let value = fetch().await;\n        entries.push(value);",
    );
    assert_ne!(held, CLEAN);
    client.change(&uri, 2, &held);
    let diagnostics = client.diagnostics(&uri, 2);
    assert_eq!(codes(&diagnostics), ["sync-guard-across-await"], "{diagnostics:#?}");
    let d = &diagnostics[0];
    assert_eq!(d["source"], "async-sync-lint");
    assert_eq!(d["severity"], 2);
    assert_eq!(d["range"]["start"], json!({ "line": 12, "character": 26 }), "{d:#}");
    assert!(d["codeDescription"]["href"].as_str().unwrap().ends_with("#sync-guard-across-await"), "{d:#}");
    let related: Vec<(&str, &Value)> = d["relatedInformation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["message"].as_str().unwrap(), &r["location"]["range"]["start"]))
        .collect();
    assert!(related.iter().any(|(m, at)| m.contains("acquired here") && at["line"] == 12), "{related:?}");
    assert!(related.iter().any(|(m, at)| m.contains("awaited here") && at["line"] == 13), "{related:?}");
    assert_eq!(std::fs::read_to_string(&lib).unwrap(), CLEAN, "the disk is never written");

    // Undone: the finding goes away.
    client.change(&uri, 3, CLEAN);
    assert_eq!(client.diagnostics(&uri, 3), Vec::<Value>::new());

    // A guard dropped at once: its fix and the suppression as code actions.
    let dropped = CLEAN.replace("use std::sync::Mutex;", "use parking_lot::Mutex;").replace(
        "        let value = fetch().await;\n        self.entries.lock().unwrap().push(value);",
        "        let _ = self.entries.lock();\n        let value = fetch().await;\n        self.entries.lock().push(value);",
    );
    client.change(&uri, 4, &dropped);
    let diagnostics = client.diagnostics(&uri, 4);
    assert_eq!(codes(&diagnostics), ["dropped-guard"], "{diagnostics:#?}");
    assert_eq!(diagnostics[0]["severity"], 1);
    let range = diagnostics[0]["range"].clone();
    let params = json!({
        "textDocument": { "uri": uri },
        "range": range,
        "context": { "diagnostics": [diagnostics[0]] },
    });
    let actions = client.request("textDocument/codeAction", params.clone());
    let actions = actions["result"].as_array().expect("a list of actions").clone();
    let titles: Vec<&str> = actions.iter().map(|a| a["title"].as_str().unwrap()).collect();
    assert!(titles.contains(&"Allow `dropped-guard` here"), "{titles:?}");
    let edits: Vec<(&Value, &str)> = actions
        .iter()
        .flat_map(|a| a["edit"]["changes"][&uri].as_array().unwrap())
        .map(|e| (&e["range"]["start"], e["newText"].as_str().unwrap()))
        .collect();
    assert!(edits.contains(&(&json!({ "line": 12, "character": 12 }), "_guard")), "{edits:?}");
    assert!(
        edits.contains(&(&json!({ "line": 12, "character": 0 }), "        // async-sync-lint: allow(dropped-guard)\n")),
        "{edits:?}"
    );

    // A panic in one request is an error response; the server goes on.
    let crashed = client.request("async-sync-lint/panic", json!(null));
    assert_eq!(crashed["error"]["code"], -32603, "{crashed}");
    let again = client.request("textDocument/codeAction", params);
    assert_eq!(again["result"].as_array().map(Vec::len), Some(actions.len()), "{again}");

    // Text that does not parse: a located diagnostic, and the server serves.
    let broken = CLEAN.replace("push(value);", "push(value;");
    client.change(&uri, 5, &broken);
    let diagnostics = client.diagnostics(&uri, 5);
    assert_eq!(codes(&diagnostics), ["parse-error"], "{diagnostics:#?}");
    // The unclosed `(` shows at the brace that closes the method.
    assert_eq!(diagnostics[0]["range"]["start"], json!({ "line": 14, "character": 4 }), "{diagnostics:#?}");
    client.change(&uri, 6, CLEAN);
    assert_eq!(client.diagnostics(&uri, 6), Vec::<Value>::new());

    let shutdown = client.request("shutdown", json!(null));
    assert_eq!(shutdown["result"], Value::Null, "{shutdown}");
    client.notify("exit", json!(null));
    let status = client.child.wait().unwrap();
    assert!(status.success(), "{status}");
    assert_eq!(std::fs::read_to_string(&lib).unwrap(), CLEAN, "the disk is never written");
}

/// The request that panics on purpose exists only when a test arms it: an
/// ordinary server answers it as an unknown method.
#[test]
fn the_panic_request_needs_its_environment_variable() {
    let dir = tempfile::tempdir().unwrap();
    let mut client = Client::start(dir.path(), false);
    let init =
        client.request("initialize", json!({ "processId": null, "rootUri": file_uri(dir.path()), "capabilities": {} }));
    assert!(init["result"].is_object(), "{init}");
    client.notify("initialized", json!({}));
    let answer = client.request("async-sync-lint/panic", json!(null));
    assert_eq!(answer["error"]["code"], -32601, "{answer}");
    client.request("shutdown", json!(null));
    client.notify("exit", json!(null));
    assert!(client.child.wait().unwrap().success());
}
