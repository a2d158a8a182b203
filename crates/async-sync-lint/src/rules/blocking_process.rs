//! Running a child process to completion with std's `Command`: `.output()`,
//! `.status()`, and `wait()` / `wait_with_output()` on a `Child` from std's
//! `.spawn()`. Each blocks the calling thread until the child exits.
//!
//! tokio's, async-process's, async-std's and smol's `Command` have the same
//! method names but return futures. Without compiling, a call is taken to
//! be std's only when the syntax says so: the chain starts at a call of
//! `std::process::Command::new` as the file's imports resolve it, or at a
//! binding or field declared (or constructed) as std's `Command` / `Child`,
//! or at a binding made by such a `spawn()`. An awaited call, a path no
//! import resolves (`Command::new` with no `use`, a glob import) and
//! another library's `Command` are not std's.

use crate::analysis::facts::{Body, Call, Callee, ChainStart, Place, PlaceRoot, TypeRepr};
use crate::analysis::index::WrittenIn;
use crate::rules::CrateCx;

/// A std process type a value is known to have.
#[derive(Clone, Copy, PartialEq, Eq)]
enum StdProcess {
    Command,
    Child,
}

/// If `call` runs a std child to completion: what it blocks on (for
/// messages) and the advice.
pub(crate) fn waits_for_child(cx: &CrateCx<'_>, fi: usize, body: &Body, call: &Call) -> Option<(String, String)> {
    let Callee::Method { receiver, name } = &call.callee else { return None };
    if call.awaited || call.as_future || call.arg_count != 0 {
        return None;
    }
    let on = match name.as_str() {
        "output" | "status" => StdProcess::Command,
        "wait" | "wait_with_output" => StdProcess::Child,
        _ => return None,
    };
    if !receiver_is(cx, fi, body, call, receiver.as_ref(), on, 0) {
        return None;
    }
    let ty = match on {
        StdProcess::Command => "Command",
        StdProcess::Child => "Child",
    };
    Some((
        format!("`.{name}()` on a `std::process::{ty}`"),
        "use `tokio::process::Command` and `.await` the child, or run it in `tokio::task::spawn_blocking`".into(),
    ))
}

/// Is the receiver of `call` (a std `Command` method or a std `Child`
/// method, by `want`) std's?
fn receiver_is(
    cx: &CrateCx<'_>,
    fi: usize,
    body: &Body,
    call: &Call,
    receiver: Option<&Place>,
    want: StdProcess,
    depth: u32,
) -> bool {
    match &call.chain_start {
        // A chain from std's `Command` ends on a `Child` only through
        // `spawn()`: a `Command` has no `wait`, an `Output` no method that
        // blocks.
        Some(ChainStart::Call(path)) => is_std_command_new(cx, fi, body, path),
        Some(ChainStart::Place(place)) => place_is(cx, fi, body, place, StdProcess::Command, depth),
        None => receiver.is_some_and(|r| place_is(cx, fi, body, r, want, depth)),
    }
}

/// `Command::new` resolved through the file's imports to
/// `std::process::Command::new`.
fn is_std_command_new(cx: &CrateCx<'_>, fi: usize, body: &Body, path: &[String]) -> bool {
    let canon = cx.index.canonical_path(WrittenIn::body(fi, body), path, 0);
    canon == ["std", "process", "Command", "new"]
}

/// The place is declared (or constructed) with the std type `want`, or,
/// for a `Child`, is a binding of this body made by a std `spawn()`.
fn place_is(cx: &CrateCx<'_>, fi: usize, body: &Body, place: &Place, want: StdProcess, depth: u32) -> bool {
    if let Some(TypeRepr::Path { segments, .. }) = cx.index.declared_type(body, place).as_ref().map(TypeRepr::unshared)
    {
        let canon = cx.index.canonical_path(WrittenIn::body(fi, body), segments, 0);
        let last = match want {
            StdProcess::Command => "Command",
            StdProcess::Child => "Child",
        };
        return canon == ["std", "process", last];
    }
    // `let mut child = Command::new("x").spawn()?; child.wait()`.
    let PlaceRoot::Local { name, .. } = &place.root else { return false };
    want == StdProcess::Child
        && place.projections.is_empty()
        && depth < 2
        && body.calls.iter().any(|c| {
            c.bound_to.as_deref() == Some(name.as_str())
                && matches!(&c.callee, Callee::Method { name, receiver } if name == "spawn"
                    && !c.awaited
                    && receiver_is(cx, fi, body, c, receiver.as_ref(), StdProcess::Command, depth + 1))
        })
}
