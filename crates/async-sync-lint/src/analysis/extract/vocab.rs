//! The names extraction recognises: methods that may acquire a guard,
//! adapters that keep or consume one, calls other rules ask about, and the
//! small syntactic judgements made on them (constant durations, functions
//! whose panics are expected).

use syn::Expr;

use super::syntax::strip;
use super::types::path_segments;
use crate::analysis::facts::Unwinding;
use crate::analysis::index::LockKind;

/// Methods whose result may be a guard (lock guard, cell borrow, map ref,
/// semaphore permit): a guard method of any lock kind the index knows.
/// Resolution decides later whether it really is one.
pub fn is_acquire_method(name: &str) -> bool {
    static METHODS: std::sync::OnceLock<std::collections::HashSet<&'static str>> = std::sync::OnceLock::new();
    METHODS
        .get_or_init(|| LockKind::ALL.iter().flat_map(|k| k.guard_methods().iter().copied()).collect())
        .contains(name)
}

/// Adapters that keep a guard the value of the expression: the `Result` or
/// `Option` around it is unwrapped or mapped over its error.
pub(super) fn is_guard_adapter(name: &str) -> bool {
    matches!(
        name,
        "unwrap"
            | "expect"
            | "unwrap_or_else"
            | "map_err"
            | "ok"
            | "ok_or"
            | "ok_or_else"
            | "unwrap_unchecked"
            | "context"
            | "with_context"
            // A DashMap `Entry` becomes the `RefMut` these return: the
            // shard stays locked.
            | "or_insert"
            | "or_insert_with"
            | "or_insert_with_key"
            | "or_default"
            | "and_modify"
    )
}

/// Adapters that consume a guard-holding `Option`/`Result` and drop the guard
/// inside (`map.get(&k).map(|r| r.clone())`).
pub(super) fn is_guard_consumer(name: &str) -> bool {
    matches!(name, "map" | "and_then" | "map_or" | "map_or_else" | "cloned" | "copied" | "into_iter" | "filter")
}

/// Calls recorded even when no guard is live: the other rules ask for them.
pub(super) fn is_interesting_method(name: &str) -> bool {
    matches!(
        name,
        "notify_one"
            | "notify_waiters"
            | "notify_last"
            | "notified"
            | "enable"
            | "send"
            | "send_replace"
            | "send_modify"
            | "send_if_modified"
            | "changed"
            | "recv"
            | "recv_timeout"
            | "try_recv"
            | "blocking_recv"
            | "blocking_send"
            | "forget"
            | "add_permits"
            | "wait"
            | "wait_while"
            | "wait_timeout"
            | "wait_timeout_while"
            | "wait_for"
            | "wait_until"
            | "notify_all"
            | "load"
            | "fetch_add"
            | "fetch_sub"
            | "fetch_and"
            | "fetch_or"
            | "fetch_xor"
            | "fetch_max"
            | "fetch_min"
            | "store"
            | "swap"
            | "compare_exchange"
            | "compare_exchange_weak"
            | "fetch_update"
            | "set"
            | "take"
            | "replace"
            | "push"
            | "push_back"
            | "push_front"
            | "pop"
            | "pop_front"
            | "pop_back"
            | "insert"
            | "remove"
            | "contains_key"
            | "contains"
            | "len"
            | "is_empty"
            | "block_on"
            | "read_line"
            // Fan-outs (`lock-as-semaphore`) and spawned work
            // (`leaked-permit`).
            | "spawn"
            | "spawn_local"
            | "spawn_blocking"
            | "buffer_unordered"
            | "buffered"
            | "try_buffer_unordered"
            | "try_buffered"
            | "for_each_concurrent"
            | "try_for_each_concurrent"
            | "collect"
            // `blocking-in-async` (threads' closures) and `busy-wait`.
            | "spawn_blocking_on"
            | "is_err"
            | "is_none"
            // `blocking-in-async`: running a std child to completion.
            | "output"
            | "status"
            | "wait_with_output"
    )
}

/// Methods whose call records where its receiver's chain starts
/// (`Call::chain_start`): those that run or wait for a child process, so
/// `blocking-in-async` can tell std's `Command::new(..).output()` from
/// another library's.
pub(super) fn records_chain_start(name: &str) -> bool {
    matches!(name, "output" | "status" | "wait" | "wait_with_output" | "spawn")
}

/// `Worker::new(db.clone())`, `Worker::new(cfg, Arc::clone(&db))`: a
/// constructor of a crate type handed a local, which it may store in a
/// field (the call is recorded so `shared_fields` can see one value stored
/// in two structs).
pub(super) fn is_constructor_handing_on_locals(
    path: &[String],
    args: &syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>,
) -> bool {
    let [.., ty, f] = path else { return false };
    let is_type = ty.starts_with(|c: char| c.is_uppercase()) && ty != "Self";
    let std_wrapper = matches!(
        ty.as_str(),
        "Arc" | "Rc" | "Box" | "Pin" | "Mutex" | "RwLock" | "RefCell" | "Cell" | "Vec" | "String" | "Some" | "Ok"
    );
    is_type
        && !std_wrapper
        && f.starts_with(|c: char| c.is_lowercase())
        && args.iter().any(|a| super::syntax::handed_local(a).is_some())
}

pub(super) fn is_interesting_fn(last: &str) -> bool {
    matches!(
        last,
        "sleep"
            | "block_on"
            | "spawn"
            | "spawn_blocking"
            | "spawn_local"
            | "block_in_place"
            | "forget"
            | "yield_now"
            | "exit"
            | "stdin"
            | "sleep_ms"
    )
}

/// `self.helper(..)`: recorded always, so lock summaries can follow calls
/// to methods of the same type.
pub(super) fn is_self_receiver(e: &Expr) -> bool {
    matches!(strip(e), Expr::Path(p) if p.qself.is_none() && p.path.is_ident("self"))
}

/// `self.a.b`: a field (path) of `self`.
pub(super) fn is_self_field(e: &Expr) -> bool {
    match strip(e) {
        Expr::Field(f) => is_self_receiver(&f.base) || is_self_field(&f.base),
        _ => false,
    }
}

/// Paths recorded always: calls of crate functions that lock summaries may
/// follow (`helper(..)`, `Self::helper(..)`, `crate::m::helper(..)`), and
/// anything under a `blocking` module (`reqwest::blocking::get`).
pub(super) fn is_followable_path(path: &[String]) -> bool {
    let lowercase_fn = path.last().is_some_and(|l| l.starts_with(|c: char| c.is_lowercase() || c == '_'));
    let first = path.first().map(String::as_str).unwrap_or("");
    (lowercase_fn && (path.len() == 1 || matches!(first, "Self" | "self" | "crate" | "super")))
        || path.iter().any(|s| s == "blocking")
}

/// A function given a closure or future whose panic it expects or catches:
/// `catch_unwind`, `catch_panic`; `test_panic`, `assert_panics`,
/// `did_panic`, `expect_panic`, `panics_silently`. The name must say so
/// in words: `abort_on_panic` or `set_panic_hook` neither expect nor catch.
pub(super) fn unwinding_of(name: &str) -> Option<Unwinding> {
    let words: Vec<&str> = name.split('_').filter(|w| !w.is_empty()).collect();
    let panic_word = |w: &&str| matches!(*w, "panic" | "panics" | "panicked" | "panicking" | "unwind");
    if !words.iter().any(panic_word) {
        return None;
    }
    if words.contains(&"catch") {
        return Some(Unwinding::Caught);
    }
    let expects = words.iter().any(|w| {
        matches!(
            *w,
            "test" | "assert" | "expect" | "expects" | "expected" | "should" | "must" | "did" | "check" | "verify"
        )
    });
    (expects || words.first().is_some_and(|w| matches!(*w, "panics" | "panicked"))).then_some(Unwinding::Asserted)
}

/// Code nested in `outer` that `inner` applies to: an expected panic
/// (`ShouldPanic`, `Asserted`) says more than a caught one.
pub(super) fn within(outer: Option<Unwinding>, inner: Option<Unwinding>) -> Option<Unwinding> {
    match (outer, inner) {
        (Some(Unwinding::ShouldPanic | Unwinding::Asserted), _) | (_, None) => outer,
        (_, Some(_)) => inner,
    }
}

/// A constant `Duration` expression: `Duration::ZERO`, `Duration::MAX`,
/// `Duration::from_secs(2)`, `std::time::Duration::from_nanos(1)`,
/// `Duration::new(1, 0)`; its length in nanoseconds (saturating).
pub(super) fn const_duration(e: &Expr) -> Option<u64> {
    let int = |e: &Expr| match strip(e) {
        Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(i), .. }) => i.base10_parse::<u64>().ok(),
        _ => None,
    };
    match strip(e) {
        Expr::Path(p) if p.qself.is_none() => {
            let segs = path_segments(&p.path);
            let n = segs.len();
            if n < 2 || segs[n - 2] != "Duration" {
                return None;
            }
            match segs[n - 1].as_str() {
                "ZERO" => Some(0),
                "MAX" => Some(u64::MAX),
                "NANOSECOND" => Some(1),
                "MICROSECOND" => Some(1_000),
                "MILLISECOND" => Some(1_000_000),
                "SECOND" => Some(1_000_000_000),
                _ => None,
            }
        }
        Expr::Call(c) => {
            let Expr::Path(p) = strip(&c.func) else { return None };
            let segs = path_segments(&p.path);
            let n = segs.len();
            if n < 2 || segs[n - 2] != "Duration" {
                return None;
            }
            let unit: u64 = match segs[n - 1].as_str() {
                "from_nanos" => 1,
                "from_micros" => 1_000,
                "from_millis" => 1_000_000,
                "from_secs" => 1_000_000_000,
                "from_mins" => 60_000_000_000,
                "new" if c.args.len() == 2 => {
                    let secs = int(&c.args[0])?;
                    let nanos = int(&c.args[1])?;
                    return Some(secs.saturating_mul(1_000_000_000).saturating_add(nanos));
                }
                _ => return None,
            };
            if c.args.len() != 1 {
                return None;
            }
            Some(int(&c.args[0])?.saturating_mul(unit))
        }
        _ => None,
    }
}

pub(super) fn is_diverging_macro(name: &str) -> bool {
    matches!(name, "panic" | "unreachable" | "todo" | "unimplemented")
}

/// Methods that call the closure they are given before they return (or
/// while the value they return is consumed in the same expression): the
/// closure runs while the caller's guards are live. Iterator adapters are
/// lazy, but the chain is nearly always consumed where it is written.
pub fn runs_closure_now(method: &str) -> bool {
    matches!(
        method,
        "map"
            | "filter"
            | "filter_map"
            | "flat_map"
            | "for_each"
            | "try_for_each"
            | "any"
            | "all"
            | "find"
            | "find_map"
            | "position"
            | "fold"
            | "try_fold"
            | "reduce"
            | "take_while"
            | "skip_while"
            | "map_while"
            | "inspect"
            | "partition"
            | "max_by_key"
            | "min_by_key"
            | "max_by"
            | "min_by"
            | "and_then"
            | "or_else"
            | "unwrap_or_else"
            | "map_or"
            | "map_or_else"
            | "ok_or_else"
            | "is_some_and"
            | "is_ok_and"
            | "is_none_or"
            | "get_or_insert_with"
            | "then"
            | "retain"
            | "retain_mut"
            | "sort_by"
            | "sort_by_key"
            | "sort_unstable_by"
            | "sort_unstable_by_key"
            | "or_insert_with"
            | "or_insert_with_key"
            | "and_modify"
            | "alter"
            | "with"
    )
}
