//! `blocking-in-async`: a call that blocks the thread, made on the executor.

use crate::analysis::facts::{Body, Call, Callee, ControlKind, Holder, Unwinding};
use crate::analysis::index::WrittenIn;
use crate::diagnostic::FileId;
use crate::diagnostic::Finding;
use crate::rules::blocking_process::waits_for_child;
use crate::rules::blocking_summary::{BlockingPath, BlockingSummary};
use crate::rules::{BodyRef, CrateCx};

crate::declare_rule! {
    name: "blocking-in-async",
    level: Warn,
    summary: "a blocking call (`thread::sleep`, `Condvar::wait`, std `recv`, `block_on`, `blocking_lock`, std `Command::output` …) inside an async body",
    docs: r#"## What it does
Finds calls that block the thread inside an async fn, block or closure:
`std::thread::sleep`, std `Condvar::wait*`, std `mpsc::Receiver::recv` /
`recv_timeout`, `std::sync::Barrier::wait`, `futures::executor::block_on`,
`Runtime::block_on` / `Handle::block_on`, tokio's `blocking_lock`,
`blocking_read`, `blocking_write`, `blocking_recv`, `blocking_send`,
`std::io::stdin().read_line`, `reqwest::blocking`, and running a child
process to completion with std's `Command` (`.output()`, `.status()`, and
`wait()` / `wait_with_output()` on a `Child` from std's `.spawn()`;
spawning alone returns at once and is not reported). Calls inside a closure
given to `spawn_blocking`, `block_in_place` or a thread (`thread::spawn`,
`Builder::spawn`, a scope's `spawn`) are where blocking belongs and are not
reported. More paths can be added with the `blocking-paths` option (below),
written as other crates write them (`my_crate::io::read_blocking`
matches `io::read_blocking()` and `read_blocking()` inside `my_crate`). An async block given to a single-future executor's free
`block_on` function (`futures::executor::block_on`,
`futures_lite::future::block_on`, `async_std::task::block_on`) runs on a
thread of its own and is not checked.

A call that panics inside a runtime (tokio's `blocking_*`, a runtime's
`.block_on(..)`) is not reported where that panic is expected: in a
`#[should_panic]` function, in a closure or future given to a function
whose name says it expects a panic (`test_panic`, `assert_panics`,
`did_panic`), or in test code that catches it with `catch_unwind`. Such
tests check the panic; calls that block without panicking
(`thread::sleep`, std `recv`) are still reported there, and so is
production code that catches the panic.

A timeout under a microsecond (`recv_timeout(Duration::ZERO)`,
`Duration::from_nanos(1)`, `thread::sleep(Duration::ZERO)`) is not
reported either: the call returns at once, like `try_recv`. Closures
given to `JoinSet::spawn_blocking(_on)`, nested in a thread's closure, or
registered as a signal handler (`ctrlc::set_handler`) run off the executor
too, and so do closures given to the crate's own `spawn_blocking` wrapper
(a function that hands its closure argument to `spawn_blocking` or a
thread, itself or through up to three such functions), a closure bound by
a `let` and then handed by name to `spawn_blocking` or a thread
(`let run = move || cmd.output(); spawn_blocking(run)`), and an async block
run by a `Handle::block_on` made inside a thread's closure. A `recv()`
polled as a future (a `select!` branch, an argument of `timeout(..)`) is
an async channel's and is not reported.

Blocking hidden in a plain function is followed: a call in async code to a
plain `fn` of the crate that blocks, itself or through up to three of the
crate's functions, is reported at the call, with the chain:

```text
warning[blocking-in-async]: `load_settings` blocks the executor thread inside an async body: it calls `wait_for_file`, which calls `std::thread::sleep`
  --> src/lib.rs:49:21
   |
49 |     let _settings = load_settings();
   |                     ^^^^^^^^^^^^^^^ calls a function that blocks
   = note: calls `load_settings` (module `config`, line 4), which calls `wait_for_file` (module `config`, line 9), which calls `std::thread::sleep` (line 10)
```

A function marked `#[tokio::main]` (or another runtime's `main`
attribute) counts as blocking: the attribute turns it into a plain `fn`
that builds a runtime and blocks on it. The summary counts only what the
function itself runs: a blocking call inside a closure it builds (handed
to a thread, returned, or given to `spawn_blocking`) or in a statement
marked `#[cfg(test)]` does not make it blocking. Through a function, a
`block_on` counts only when it is a known executor's (`futures`,
`pollster`, `futures_lite`, `async_std`, `smol`, a tokio `Handle` or
`Runtime`): a crate's own `block_on` wrapper may hand the wait to
`block_in_place`. Plain file and socket I/O is not reported, directly or
through a function.

## Why is this bad?
An executor runs many tasks on few threads. A task that blocks its thread
stalls every other task scheduled there: timers fire late, I/O is not
polled, and on a current-thread runtime everything stops. tokio's
`blocking_*` methods and `block_on` panic when called inside a runtime.
A plain function that blocks is no better for being one call away: the
thread that runs it is still the executor's, and the blocking is harder to
see in review, which is why the chain is shown.

## Example
```rust
use std::time::Duration;

async fn retry() {
    std::thread::sleep(Duration::from_millis(100));
}
```

## Use instead
```rust
use std::time::Duration;

async fn retry() {
    tokio::time::sleep(Duration::from_millis(100)).await;
}
```
For work that must block, use `tokio::task::spawn_blocking`. For a child
process, use `tokio::process::Command` and `.await` its `output()`,
`status()` or `wait()`.

## Known problems
A closure written in an async body is taken to run there only when it is
given to an adapter that calls it at once (`map`, `for_each`, `with` …);
one given to another method, boxed, or given to a function named for
keeping it (`set_*`, `register*`, `on_*`, `subscribe*`, `install_*`), or
wrapped by a function whose result such a call keeps
(`set_on_finished(always_callback(move |info| ..))`), is a callback run
later, and its blocking calls are not reported (nor the rare helper that
does run its closure at once under such a name). An async block given to
a macro the crate defines (one that runs it in a forked child, say) is
checked as if it ran on the executor.
A child process is taken to be std's only when the syntax says so: the
call chain starts at `std::process::Command::new` as written or as the
file's `use` resolves it, or at a binding or field declared (or built with
`Command::new`) as std's `Command` or `Child`, or at a binding made by such
a `spawn()`. tokio's, async-process's, async-std's and smol's `Command`
have the same method names but return futures; an awaited call is never
std's. A `Command` imported by a glob (`use std::process::*`), one with no
import in sight, or a binding made by an `if` or `match`
(`let cmd = match path { Some(p) => Command::new(p), .. }`) is not
recognised, and neither is a `Command` wrapped by another crate's builder.
`recv()` is reported only when the receiver is declared as a std or
crossbeam channel, or the file imports `std::sync::mpsc` and no async
channel; `Condvar::wait` is recognised by its guard argument or the declared
`Condvar` type. `reqwest::blocking` is seen only where the path is written
(`reqwest::blocking::get`), not on methods of a blocking `Client`. Helper
functions are followed only when the call resolves to one function of the
crate (`helper()`, `self.helper()`, `Self::helper()`, `crate::m::helper()`,
an imported name, or `m::helper()` when the crate's one `helper` is declared
in a module whose path ends with `m`); a call on another value
(`store.flush()`) is not followed, nor are functions of other crates. A
helper that blocks only on some paths (a retry after an error) is
reported like one that always blocks. A call named like a parameter or
local of the caller (`f(x)` with `f` a closure argument) or like a function
imported from another crate is not followed, and neither is a call from
shipped code into test code, or from one test file into another (each file
of `tests/` is a crate of its own, so shared test helpers are not followed
either). A timeout is seen as
short only when written as a constant `Duration` in the call. Tests that
block a worker on purpose (a runtime's own scheduler and metrics tests,
an interactive prompt on stdin) look like the mistake and are reported:
nothing in the syntax tells the experiment from the slip; suppress them
with `// async-sync-lint: allow(blocking-in-async)`.
"#,
    options: [{
        name: "blocking-paths",
        kind: CallPaths,
        example: r#"["my_crate::io::read_blocking"]"#,
        docs: "more calls that block, written as other crates write them; lists from every \
               configuration layer add up",
    }],
}

pub fn check(cx: &CrateCx<'_>, out: &mut Vec<Finding>) {
    let helpers = BlockingSummary::new(cx);
    for BodyRef { fi, file_id, facts, body, .. } in
        cx.bodies().filter(|b| b.body.kind.is_async() && !on_own_executor(b.body))
    {
        if on_plain_thread(&facts.bodies, body) {
            continue;
        }
        for call in &body.calls {
            if call.in_closure.as_deref().is_some_and(is_offloaded)
                || in_offloaded_closure(body, call)
                || in_stored_closure(call)
                || in_bound_closure_offloaded(body, call)
                || helpers.in_closure_given_to_offloading_fn(body, call)
            {
                continue;
            }
            if returns_at_once(call) || (panics_in_runtime(call) && panic_expected(body, call)) {
                continue;
            }
            let Some((what, help)) = blocking(cx, fi, body, call) else {
                if let Some(path) = helpers.through_call(fi, body, call).filter(|_| !panic_expected(body, call)) {
                    out.push(through_helper(fi, file_id, call, &path));
                }
                continue;
            };
            out.push(
                META.finding(file_id, call.span, format!("{what} blocks the executor thread inside an async body"))
                    .with_primary_label("blocking call")
                    .with_help(help)
                    .with_note("while this call blocks, no other task scheduled on this worker thread makes progress"),
            );
        }
    }
}

/// A call of a plain crate function that blocks, reported at the call with
/// the chain of functions down to the blocking call.
fn through_helper(fi: usize, file_id: FileId, call: &Call, path: &BlockingPath) -> Finding {
    let first = &path.steps[0];
    let chain: Vec<String> = path.steps.iter().map(|s| format!("`{}`", s.name)).collect();
    let mut finding = META
        .finding(
            file_id,
            call.span,
            format!(
                "`{}` blocks the executor thread inside an async body: it {}",
                first.name,
                match chain.len() {
                    1 => path.action.clone(),
                    _ => format!("calls {}", chain_phrase(&chain[1..], &path.action)),
                }
            ),
        )
        .with_primary_label("calls a function that blocks");
    for (i, step) in path.steps.iter().enumerate().filter(|(_, s)| s.file == fi) {
        let label = match path.steps.get(i + 1) {
            Some(next) => format!("`{}` calls `{}` here", step.name, next.name),
            None => format!("`{}` {} here", step.name, path.action),
        };
        finding = finding.with_label(step.next_call, label);
    }
    let places: Vec<String> = path
        .steps
        .iter()
        .map(|s| match (s.file == fi, s.module.is_empty()) {
            (true, _) => format!("`{}` (line {})", s.name, s.span.line),
            (false, true) => format!("`{}` (crate root, line {})", s.name, s.span.line),
            (false, false) => format!("`{}` (module `{}`, line {})", s.name, s.module, s.span.line),
        })
        .collect();
    let (help, at) = match path.runtime_entry {
        true => (path.help.clone(), String::new()),
        false => (
            format!("run `{}` with `tokio::task::spawn_blocking`, or make it async: {}", first.name, path.help),
            format!(" (line {})", path.blocker().next_call.line),
        ),
    };
    finding
        .with_help(help)
        .with_note(format!("calls {}{at}", chain_phrase(&places, &path.action)))
        .with_note("while this call blocks, no other task scheduled on this worker thread makes progress")
}

/// `` `b`, which calls `c`, which calls `std::thread::sleep` ``: each
/// function of a chain, then what the last one does.
fn chain_phrase(functions: &[String], action: &str) -> String {
    format!("{}, which {action}", functions.join(", which calls "))
}

/// Calls that panic when made inside a runtime: tokio's `blocking_*`
/// methods and a runtime's `.block_on(..)`.
fn panics_in_runtime(call: &Call) -> bool {
    match &call.callee {
        Callee::Method { name, .. } => name.starts_with("blocking_") || (name == "block_on" && call.arg_count == 1),
        _ => false,
    }
}

/// The panic is the point: a `#[should_panic]` test, a closure given to
/// `test_panic(..)` / `assert_panics(..)`, or test code that catches the
/// panic with `catch_unwind` to look at it. (Production code that catches
/// a panic it could have avoided is still reported.)
fn panic_expected(body: &Body, call: &Call) -> bool {
    match call.unwinding.or(body.unwinding) {
        Some(Unwinding::ShouldPanic | Unwinding::Asserted) => true,
        Some(Unwinding::Caught) => body.is_test,
        None => false,
    }
}

/// A timeout under a microsecond (`recv_timeout(Duration::ZERO)`,
/// `Duration::from_nanos(1)`) returns at once: a poll, not a block.
pub(crate) fn returns_at_once(call: &Call) -> bool {
    const POLL_NANOS: u64 = 1_000;
    let timed = match &call.callee {
        Callee::Method { name, .. } => name.contains("timeout"),
        Callee::Path(p) => p.last().is_some_and(|l| l == "sleep"),
        Callee::Macro(_) => false,
    };
    timed && call.const_duration_nanos.is_some_and(|n| n < POLL_NANOS)
}

/// A closure given to one of these runs off the executor. A plain
/// closure (not a future) handed to any `spawn*` function is a thread's or
/// a pool's work (`affinitypool::spawn_local(move || ..)`): an executor
/// spawns futures.
pub(crate) fn is_offloaded(callee: &str) -> bool {
    let last = callee.rsplit([':', '.']).next().unwrap_or(callee);
    last.starts_with("spawn")
        || matches!(
            last,
            "spawn_blocking"
                | "spawn_blocking_on"
                | "block_in_place"
                | "spawn"
                | "spawn_scoped"
                | "scope"
                | "unblock"
                | "set_handler"
        )
}

/// `callee(..)` as a closure's `in_closure` names it: `a::f`, `.method`.
pub(crate) fn written_callee(call: &Call) -> Option<String> {
    match &call.callee {
        Callee::Path(p) => Some(p.join("::")),
        Callee::Method { name, .. } => Some(format!(".{name}")),
        Callee::Macro(_) => None,
    }
}

/// A function that keeps the closure it is given (`set_before_write(path,
/// || ..)`, `register_hook(..)`, `on_close(..)`, a test hook's
/// `install_before_publication(path, || ..)`), or a box made to keep it.
fn keeps_closure(callee: &str) -> bool {
    let last = callee.rsplit("::").next().unwrap_or(callee);
    let last = last.strip_prefix('.').unwrap_or(last);
    matches!(callee, "Box::new" | "Arc::new" | "Rc::new" | "std::sync::Arc::new")
        || ["set_", "register", "on_", "subscribe", "install_"].iter().any(|p| last.starts_with(p))
}

/// A closure given to a method not known to call it before returning
/// (`pipeline.set_on_finished(move |info| …)`), or boxed: it is kept and
/// run later, often on another thread, not in this async body. Adapters
/// that run it at once (`map`, `for_each`, `with` …) are the ones followed.
fn in_stored_closure(call: &Call) -> bool {
    match call.in_closure.as_deref() {
        Some(c) => match c.strip_prefix('.') {
            Some(method) => !crate::analysis::extract::runs_closure_now(method),
            // `set_hook(Box::new(move || …))`: boxed to be kept; a
            // function named for keeping it (`set_before_write(path, ||
            // …)`, `register_hook(..)`, `on_close(..)`); a closure wrapped
            // by a function whose result such a call keeps
            // (`set_on_finished(always_callback(move |info| …))`).
            None => keeps_closure(c) || call.closure_wrapped_for.as_deref().is_some_and(keeps_closure),
        },
        None => false,
    }
}

/// `thread::spawn(move || { local.with(|l| handle.block_on(..)) })`: the
/// innermost closure is given to `with`, but an enclosing closure is given
/// to a call that runs it off the executor.
pub(crate) fn in_offloaded_closure(body: &Body, call: &Call) -> bool {
    call.in_closure.is_some()
        && body.control_chain(call.ctx).filter(|c| c.kind == ControlKind::Closure).any(|closure| {
            body.calls.iter().any(|outer| {
                outer.span.lo <= closure.span.lo
                    && closure.span.hi <= outer.span.hi
                    && match &outer.callee {
                        Callee::Path(p) => p.last().is_some_and(|l| is_offloaded(l)),
                        Callee::Method { name, .. } => is_offloaded(name),
                        Callee::Macro(_) => false,
                    }
            })
        })
}

/// `let run = move || Command::new("jeprof").output();
/// spawn_blocking(run).await`: a closure bound by a `let` (given to no
/// call where it is written) and then handed by name to a call that runs
/// it off the executor.
fn in_bound_closure_offloaded(body: &Body, call: &Call) -> bool {
    if call.in_closure.as_deref() != Some("") {
        return false;
    }
    let Some(closure) = body.control_chain(call.ctx).find(|c| c.kind == ControlKind::Closure) else {
        return false;
    };
    let Some(bound) = &closure.bound_to else {
        return false;
    };
    body.calls.iter().any(|c| {
        (c.span.hi <= closure.span.lo || closure.span.hi <= c.span.lo)
            && c.arg_locals.iter().flatten().any(|a| a == bound)
            && match &c.callee {
                Callee::Path(p) => p.last().is_some_and(|l| is_offloaded(l)),
                Callee::Method { name, .. } => is_offloaded(name),
                Callee::Macro(_) => false,
            }
    })
}

/// `thread::spawn(move || handle.block_on(async { … }))`: an async block
/// run by a `block_on` made on a thread of its own (or the blocking pool)
/// runs on that thread, not on a worker of the runtime.
fn on_plain_thread(bodies: &[Body], body: &Body) -> bool {
    if body.passed_to.as_deref() != Some(".block_on") {
        return false;
    }
    let Some(parent) = body.parent.and_then(|p| bodies.get(p as usize)) else { return false };
    parent.calls.iter().any(|c| {
        matches!(&c.callee, Callee::Method { name, .. } if name == "block_on")
            && c.span.lo <= body.span.lo
            && body.span.hi <= c.span.hi
            && (c.in_closure.as_deref().is_some_and(is_offloaded) || in_offloaded_closure(parent, c))
    })
}

/// An async block handed to a single-future executor's `block_on`
/// (`futures::executor::block_on`, `futures_lite::future::block_on`,
/// `async_std::task::block_on`, `pollster::block_on`) on a thread of its
/// own: blocking inside it stalls only that future. A runtime's
/// `.block_on(..)` method drives the runtime's other tasks too, so it stays.
fn on_own_executor(body: &Body) -> bool {
    body.passed_to.as_deref().is_some_and(|c| !c.starts_with('.') && c.rsplit("::").next() == Some("block_on"))
}

/// What a call blocks on (as a message names it) and the advice, if it
/// blocks the thread.
pub(crate) fn blocking(cx: &CrateCx<'_>, fi: usize, body: &Body, call: &Call) -> Option<(String, String)> {
    match &call.callee {
        Callee::Path(path) => {
            let canon = cx.index.canonical_path(WrittenIn::body(fi, body), path, 0);
            let segs: Vec<&str> = canon.iter().map(String::as_str).collect();
            let joined = canon.join("::");
            let last = *segs.last()?;
            let written = path.join("::");
            if call.awaited || call.as_future {
                // `sleep(d).await`: whatever the path resolved to, an
                // awaited call returns a future, it does not block.
                return None;
            }
            if matches!(segs.first(), Some(&"std")) && segs.contains(&"thread") && matches!(last, "sleep" | "sleep_ms")
            {
                return Some((
                    format!("`{written}`"),
                    "use `tokio::time::sleep(duration).await`, which suspends only this task".into(),
                ));
            }
            if last == "block_on" {
                return Some((
                    format!("`{written}`"),
                    "`.await` the future instead; `block_on` inside a runtime blocks its worker (tokio panics)".into(),
                ));
            }
            if segs.contains(&"reqwest") && segs.contains(&"blocking") {
                return Some((
                    format!("`{written}`"),
                    "use the async `reqwest::Client` and `.await` the request".into(),
                ));
            }
            // A configured path is written as other crates write it
            // (`my_crate::io::read_blocking`); inside the crate the call may
            // read `io::read_blocking()` or `read_blocking()`.
            let absolute = cx.index.crate_absolute(WrittenIn::body(fi, body), &canon).map(|p| p.join("::"));
            if cx
                .option(&META, "blocking-paths")
                .iter()
                .any(|p| joined == *p || joined.ends_with(&format!("::{p}")) || absolute.as_deref() == Some(p.as_str()))
            {
                return Some((
                    format!("`{written}` (configured as blocking)"),
                    "run it with `tokio::task::spawn_blocking`, or use an async equivalent".into(),
                ));
            }
            None
        }
        Callee::Method { receiver, name } => {
            // `_ = rx.recv() => ..` in `select!`, `timeout(d, rx.recv())`:
            // a `recv()` polled as a future is an async channel's.
            if call.awaited || call.as_future {
                return None;
            }
            let recv_text = receiver.as_ref().map(|r| r.text.as_str()).unwrap_or("…");
            let std_type = |want: &str| -> bool {
                let Some(r) = receiver else { return false };
                let Some(t) = cx.index.declared_type(body, r) else { return false };
                let crate::analysis::facts::TypeRepr::Path { segments, .. } = t.unshared() else { return false };
                let canon = cx.index.canonical_path(WrittenIn::body(fi, body), segments, 0);
                canon.last().is_some_and(|l| l == want)
                    && matches!(
                        canon.first().map(String::as_str),
                        Some("std" | "crossbeam" | "crossbeam_channel" | "parking_lot")
                    )
            };
            match name.as_str() {
                // tokio's `blocking_send` takes the value: a `blocking_send()`
                // with none is another library's (kameo's request builder).
                "blocking_send" if call.arg_count != 1 => None,
                "blocking_lock" | "blocking_read" | "blocking_write" | "blocking_recv" | "blocking_send" => {
                    let async_name = name.trim_start_matches("blocking_");
                    Some((
                        format!("`{recv_text}.{name}()`"),
                        format!("use `.{async_name}().await`; `{name}` panics when called inside a runtime"),
                    ))
                }
                "block_on" if call.arg_count == 1 => Some((
                    format!("`{recv_text}.block_on(..)`"),
                    "`.await` the future instead; `block_on` inside a runtime panics (tokio) or blocks its worker".into(),
                )),
                "recv_timeout" => Some((
                    format!("`{recv_text}.recv_timeout(..)`"),
                    "use an async channel (`tokio::sync::mpsc`) with `tokio::time::timeout(d, rx.recv()).await`".into(),
                )),
                "recv" if call.arg_count == 0 && (std_type("Receiver") || file_uses_std_mpsc(cx, fi)) => Some((
                    format!("`{recv_text}.recv()`"),
                    "use an async channel (`tokio::sync::mpsc`) and `rx.recv().await`, or receive inside `spawn_blocking`".into(),
                )),
                "wait" | "wait_while" | "wait_timeout" | "wait_timeout_while" | "wait_for" | "wait_until"
                    if call.arg_count >= 1 && (std_type("Condvar") || passes_guard(body, call)) =>
                {
                    Some((
                        format!("`{recv_text}.{name}(..)` (`Condvar`)"),
                        "use `tokio::sync::Notify` (`notified().await`) or a `watch` channel".into(),
                    ))
                }
                "wait" if call.arg_count == 0 && std_type("Barrier") => Some((
                    format!("`{recv_text}.wait()` (`std::sync::Barrier`)"),
                    "use `tokio::sync::Barrier` and `.wait().await`".into(),
                )),
                "read_line" if recv_text.contains("stdin") => Some((
                    format!("`{recv_text}.read_line(..)`"),
                    "read stdin with `tokio::io::stdin()` and `AsyncBufReadExt::read_line(..).await`, or in `spawn_blocking`".into(),
                )),
                // `.output()`, `.status()`, `child.wait()` on std's types.
                _ => waits_for_child(cx, fi, body, call),
            }
        }
        Callee::Macro(_) => None,
    }
}

/// `cv.wait(guard)`: a guard binding of this body is an argument.
fn passes_guard(body: &Body, call: &Call) -> bool {
    body.acquisitions.iter().any(|a| match &a.holder {
        Holder::Binding { name, .. } => call.arg_idents.contains(name),
        _ => false,
    })
}

/// The file imports std's (or crossbeam's) channel and no async one.
fn file_uses_std_mpsc(cx: &CrateCx<'_>, fi: usize) -> bool {
    let imports = &cx.index.files[fi].1.imports;
    let has = |pred: &dyn Fn(&[String]) -> bool| imports.iter().any(|i| pred(&i.path));
    let std_chan = has(&|p| {
        (p.len() >= 3 && p[0] == "std" && p[1] == "sync" && p[2] == "mpsc")
            || p.first().is_some_and(|f| f == "crossbeam_channel" || f == "crossbeam")
    });
    let async_chan = has(&|p| {
        p.first().is_some_and(|f| {
            matches!(
                f.as_str(),
                "tokio"
                    | "futures"
                    | "futures_channel"
                    | "futures_util"
                    | "async_channel"
                    | "flume"
                    | "kanal"
                    | "async_std"
                    | "smol"
            )
        }) && p.iter().any(|s| {
            s == "mpsc" || s == "channel" || s == "broadcast" || s == "Receiver" || s == "unbounded" || s == "bounded"
        })
    });
    std_chan && !async_chan
}

#[cfg(test)]
mod tests {
    use super::META;
    use crate::analysis::extract::extract;
    use crate::analysis::index::CrateIndex;
    use crate::diagnostic::Finding;
    use crate::input::workspace::Edition;
    use crate::rules::options::RuleOptions;
    use crate::rules::CrateCx;

    fn check(src: &str, extra: &[String]) -> Vec<(u32, String)> {
        let file = syn::parse_file(src).expect("fixture parses");
        let facts = extract(&file, src, 0, Edition::E2021);
        let index = CrateIndex::new(vec![(0, &facts)]);
        let mut out: Vec<Finding> = Vec::new();
        let mut options = RuleOptions::default();
        for path in extra {
            options.push(META.name, "blocking-paths", path);
        }
        super::check(&CrateCx::new(&index, &options), &mut out);
        out.into_iter().map(|f| (f.primary.line, f.message)).collect()
    }

    const SRC: &str = r#"
use legacy::db;

async fn save() {
    db::flush_sync();
    legacy::db::flush_sync();
    db::flush();
}
"#;

    #[test]
    fn extra_blocking_paths_are_reported() {
        let extra = vec!["legacy::db::flush_sync".to_string()];
        let found = check(SRC, &extra);
        assert_eq!(
            found,
            vec![
                (
                    5,
                    "`db::flush_sync` (configured as blocking) blocks the executor thread inside an async body"
                        .to_string()
                ),
                (
                    6,
                    "`legacy::db::flush_sync` (configured as blocking) blocks the executor thread inside an async body"
                        .to_string()
                ),
            ]
        );
    }

    #[test]
    fn no_extra_paths_no_findings() {
        assert_eq!(check(SRC, &[]), Vec::new());
    }
}
