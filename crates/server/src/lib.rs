//! `cargo async-sync-lint server`: a language server over stdio.
//!
//! It lints the text of each open buffer, saved or not, within its package
//! (the other files from disk and the incremental cache): on open and save at
//! once, on change after a short pause in typing. Each lint publishes the
//! diagnostics of every open buffer of the package, since an edit in one file
//! can change the findings of another. Code actions apply the
//! machine-applicable suggestions or write the suppression comment.
//!
//! One thread reads messages and lints; the engine's own pool does the work.
//! A panic while handling a message becomes an error response (or a logged
//! message) and the server goes on.

mod convert;
pub mod lint;

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_sync_lint::engine::Overlay;
use crossbeam_channel::RecvTimeoutError;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{notification, request};
use lsp_types::{
    CodeActionOptions, CodeActionOrCommand, CodeActionParams, CodeActionProviderCapability,
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams, DidSaveTextDocumentParams,
    LogMessageParams, MessageType, PublishDiagnosticsParams, ServerCapabilities, ServerInfo,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Url,
};

pub use convert::{code_actions, diagnostic, LineMap, SOURCE};
pub use lint::{Linter, PackageLint};

/// How long typing must pause before a changed buffer is linted.
pub const DEBOUNCE: Duration = Duration::from_millis(50);

/// A request method that panics on purpose, so tests can see that a panic
/// becomes an error response and the server keeps serving. Only a server
/// started with `ASL_TEST_HOOK_PANIC_REQUEST=1` knows it.
pub const PANIC_REQUEST: &str = "async-sync-lint/panic";

/// Whether the test-only [`PANIC_REQUEST`] is armed.
fn panic_request_armed() -> bool {
    std::env::var_os("ASL_TEST_HOOK_PANIC_REQUEST").is_some_and(|v| v == "1")
}

/// Files whose change on disk changes what discovery finds or how it is
/// configured.
const CONFIG_FILES: [&str; 2] = ["Cargo.toml", async_sync_lint::driver::CONFIG_FILE];

/// Serves over stdin/stdout until the client says `exit`.
pub fn run_stdio() -> Result<(), String> {
    let (connection, io_threads) = Connection::stdio();
    serve(&connection)?;
    drop(connection);
    io_threads.join().map_err(|e| e.to_string())
}

/// Serves one connection: the handshake, then messages until shutdown.
pub fn serve(connection: &Connection) -> Result<(), String> {
    let capabilities = ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::FULL),
            save: Some(TextDocumentSyncSaveOptions::Supported(true)),
            ..TextDocumentSyncOptions::default()
        })),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![lsp_types::CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        ..ServerCapabilities::default()
    };
    let init = serde_json::json!({
        "capabilities": capabilities,
        "serverInfo": ServerInfo { name: SOURCE.to_string(), version: Some(env!("CARGO_PKG_VERSION").to_string()) },
    });
    let (id, params) = connection.initialize_start().map_err(|e| e.to_string())?;
    let watch = params
        .pointer("/capabilities/workspace/didChangeWatchedFiles/dynamicRegistration")
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    connection.initialize_finish(id, init).map_err(|e| e.to_string())?;
    let mut server = Server { connection, documents: BTreeMap::new(), linter: Linter::default() };
    if watch {
        server.watch_files();
    }
    server.main_loop()
}

/// An open buffer.
struct Document {
    uri: Url,
    version: i32,
    text: Arc<str>,
    /// When a changed text is due to be linted.
    due: Option<Instant>,
    /// The findings of the last lint and the text they point into.
    linted: Option<(Arc<str>, Vec<async_sync_lint::diagnostic::Finding>)>,
}

struct Server<'c> {
    connection: &'c Connection,
    /// By canonical path, as discovery names files.
    documents: BTreeMap<PathBuf, Document>,
    linter: Linter,
}

impl Server<'_> {
    fn main_loop(&mut self) -> Result<(), String> {
        loop {
            let due = self.documents.values().filter_map(|d| d.due).min();
            let wait = due.map_or(Duration::from_secs(3600), |t| t.saturating_duration_since(Instant::now()));
            let message = match self.connection.receiver.recv_timeout(wait) {
                Ok(m) => m,
                Err(RecvTimeoutError::Timeout) => {
                    self.lint_due();
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => return Ok(()),
            };
            match message {
                Message::Request(req) => {
                    if self.connection.handle_shutdown(&req).map_err(|e| e.to_string())? {
                        return Ok(());
                    }
                    let id = req.id.clone();
                    let response = match catch_unwind(AssertUnwindSafe(|| self.handle_request(req))) {
                        Ok(r) => r,
                        Err(panic) => Response::new_err(
                            id,
                            ErrorCode::InternalError as i32,
                            format!("internal error (a bug in {SOURCE}): {}", panic_message(&panic)),
                        ),
                    };
                    self.send(Message::Response(response));
                }
                Message::Notification(n) => {
                    let method = n.method.clone();
                    if let Err(panic) = catch_unwind(AssertUnwindSafe(|| self.handle_notification(n))) {
                        self.log(MessageType::ERROR, format!("internal error on {method}: {}", panic_message(&panic)));
                    }
                }
                Message::Response(_) => {}
            }
        }
    }

    fn handle_request(&mut self, req: Request) -> Response {
        match req.method.as_str() {
            request::CodeActionRequest::METHOD => match serde_json::from_value::<CodeActionParams>(req.params) {
                Ok(params) => Response::new_ok(req.id, self.code_actions(&params)),
                Err(e) => Response::new_err(req.id, ErrorCode::InvalidParams as i32, e.to_string()),
            },
            PANIC_REQUEST if panic_request_armed() => panic!("{PANIC_REQUEST} was requested"),
            _ => Response::new_err(req.id, ErrorCode::MethodNotFound as i32, format!("unknown method {}", req.method)),
        }
    }

    fn handle_notification(&mut self, n: Notification) {
        match n.method.as_str() {
            notification::DidOpenTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidOpenTextDocumentParams>(n.params) else { return };
                let Some(path) = canonical_path(&p.text_document.uri) else { return };
                let doc = Document {
                    uri: p.text_document.uri,
                    version: p.text_document.version,
                    text: p.text_document.text.into(),
                    due: None,
                    linted: None,
                };
                self.documents.insert(path.clone(), doc);
                self.lint(&path);
            }
            notification::DidChangeTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidChangeTextDocumentParams>(n.params) else { return };
                let Some(path) = canonical_path(&p.text_document.uri) else { return };
                // Full sync: the last change holds the whole text.
                let (Some(doc), Some(change)) = (self.documents.get_mut(&path), p.content_changes.into_iter().last())
                else {
                    return;
                };
                doc.text = change.text.into();
                doc.version = p.text_document.version;
                doc.due = Some(Instant::now() + DEBOUNCE);
            }
            notification::DidSaveTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidSaveTextDocumentParams>(n.params) else { return };
                let Some(path) = canonical_path(&p.text_document.uri) else { return };
                if is_config_file(&path) {
                    self.workspace_changed();
                } else if self.documents.contains_key(&path) {
                    self.lint(&path);
                }
            }
            notification::DidCloseTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidCloseTextDocumentParams>(n.params) else { return };
                let Some(path) = canonical_path(&p.text_document.uri) else { return };
                if self.documents.remove(&path).is_some() {
                    self.publish(p.text_document.uri, Vec::new(), None);
                }
            }
            notification::DidChangeWatchedFiles::METHOD => self.workspace_changed(),
            _ => {}
        }
    }

    /// Files were created, deleted or renamed, or a manifest or the
    /// configuration changed: discover again and lint every open buffer.
    fn workspace_changed(&mut self) {
        self.linter.forget_workspaces();
        let now = Instant::now();
        for doc in self.documents.values_mut() {
            doc.due = Some(now);
        }
        self.lint_due();
    }

    /// Lints every buffer whose pause in typing is over.
    fn lint_due(&mut self) {
        let now = Instant::now();
        let due: Vec<PathBuf> =
            self.documents.iter().filter(|(_, d)| d.due.is_some_and(|t| t <= now)).map(|(p, _)| p.clone()).collect();
        for path in due {
            // An earlier lint of the same package may have covered it.
            if self.documents.get(&path).is_some_and(|d| d.due.is_some()) {
                self.lint(&path);
            }
        }
    }

    /// Lints the package of `path` with every open buffer in place and
    /// publishes the diagnostics of the package's open buffers.
    fn lint(&mut self, path: &Path) {
        let overlay: Overlay = self.documents.iter().map(|(p, d)| (p.clone(), d.text.clone())).collect();
        let result = catch_unwind(AssertUnwindSafe(|| self.linter.lint_package_of(path, &overlay)));
        let lint = match result {
            Ok(Ok(lint)) => lint,
            Ok(Err(message)) => {
                if let Some(d) = self.documents.get_mut(path) {
                    d.due = None;
                }
                return self.log(MessageType::WARNING, format!("{}: {message}", path.display()));
            }
            Err(panic) => {
                if let Some(d) = self.documents.get_mut(path) {
                    d.due = None;
                }
                return self.log(MessageType::ERROR, format!("internal error: {}", panic_message(&panic)));
            }
        };
        let mut published = Vec::new();
        for file in &lint.workspace.files {
            let Some(doc) = self.documents.get_mut(&file.path) else { continue };
            let findings: Vec<_> = lint.findings_of(&file.path).cloned().collect();
            let lines = LineMap::new(&doc.text);
            let diagnostics = findings.iter().map(|f| diagnostic(f, &doc.uri, &lines)).collect();
            doc.due = None;
            doc.linted = Some((doc.text.clone(), findings));
            published.push((doc.uri.clone(), diagnostics, doc.version));
        }
        for (uri, diagnostics, version) in published {
            self.publish(uri, diagnostics, Some(version));
        }
    }

    fn code_actions(&mut self, params: &CodeActionParams) -> Vec<CodeActionOrCommand> {
        let Some(path) = canonical_path(&params.text_document.uri) else { return Vec::new() };
        // Actions are computed on the text as it is now.
        if self.documents.get(&path).is_some_and(|d| d.due.is_some() || d.linted.is_none()) {
            self.lint(&path);
        }
        let Some(Document { uri, linted: Some((text, findings)), .. }) = self.documents.get(&path) else {
            return Vec::new();
        };
        let lines = LineMap::new(text);
        let wanted = params.range;
        findings
            .iter()
            .filter(|f| {
                let r = lines.range(f.primary);
                r.start <= wanted.end && wanted.start <= r.end
            })
            .flat_map(|f| code_actions(f, uri, &lines))
            .map(CodeActionOrCommand::CodeAction)
            .collect()
    }

    /// Asks the client to tell us about Rust files and configuration files
    /// changing on disk.
    fn watch_files(&mut self) {
        let globs = ["**/*.rs", "**/Cargo.toml", "**/async-sync-lint.toml"];
        let watchers: Vec<_> = globs
            .iter()
            .map(|g| lsp_types::FileSystemWatcher {
                glob_pattern: lsp_types::GlobPattern::String(g.to_string()),
                kind: None,
            })
            .collect();
        let registration = lsp_types::Registration {
            id: "async-sync-lint-watch".to_string(),
            method: notification::DidChangeWatchedFiles::METHOD.to_string(),
            register_options: serde_json::to_value(lsp_types::DidChangeWatchedFilesRegistrationOptions { watchers })
                .ok(),
        };
        let params = lsp_types::RegistrationParams { registrations: vec![registration] };
        self.send(Message::Request(Request::new(
            "async-sync-lint/watch".to_string().into(),
            request::RegisterCapability::METHOD.to_string(),
            params,
        )));
    }

    fn publish(&self, uri: Url, diagnostics: Vec<lsp_types::Diagnostic>, version: Option<i32>) {
        let params = PublishDiagnosticsParams { uri, diagnostics, version };
        self.send(Message::Notification(Notification::new(
            notification::PublishDiagnostics::METHOD.to_string(),
            params,
        )));
    }

    fn log(&self, typ: MessageType, message: String) {
        let params = LogMessageParams { typ, message };
        self.send(Message::Notification(Notification::new(notification::LogMessage::METHOD.to_string(), params)));
    }

    fn send(&self, message: Message) {
        // The client hung up: the loop ends on the next receive.
        let _ = self.connection.sender.send(message);
    }
}

/// The file a `file:` URI names, canonical when it exists (discovery
/// names files by canonical path).
fn canonical_path(uri: &Url) -> Option<PathBuf> {
    let path = uri.to_file_path().ok()?;
    Some(std::fs::canonicalize(&path).unwrap_or(path))
}

fn is_config_file(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| CONFIG_FILES.contains(&n))
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}
