//! Shared queries for the signalling rules (`signal-as-queue`, `lost-wakeup`,
//! `wait-without-loop`, `busy-wait`): what a receiver is, which receivers in
//! different bodies name the same primitive, and where a call sits among the
//! `if`s and loops of its body.

use crate::analysis::facts::{Body, Call, Callee, LocalOrigin, Place, PlaceRoot, Projection};
use crate::diagnostic::Span;
use crate::rules::CrateCx;

/// The signalling primitives these rules care about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SigKind {
    Notify,
    WatchSender,
    Condvar,
    Atomic,
}

/// What a receiver's declared or constructed type is, by its canonical path.
pub fn classify(cx: &CrateCx<'_>, file: usize, body: &Body, place: &Place) -> Option<SigKind> {
    let (path, _) = cx.index.place_type_path(file, body, place)?;
    let last = path.last()?.as_str();
    let in_watch = path.iter().any(|s| s == "watch");
    Some(match last {
        "Notify" => SigKind::Notify,
        "Condvar" => SigKind::Condvar,
        "Sender" if in_watch => SigKind::WatchSender,
        l if l.starts_with("Atomic") => SigKind::Atomic,
        _ => return None,
    })
}

/// Can the receiver be a `tokio::sync::Notify`? Yes when it resolves to
/// one, or when its type is unknown; no when it resolves to another
/// primitive or is declared with another type (a crate's own
/// `WatchNotify` with `notified()`/`notify_waiters()` methods of its own).
pub fn maybe_notify(cx: &CrateCx<'_>, file: usize, body: &Body, place: &Place) -> bool {
    match classify(cx, file, body, place) {
        Some(SigKind::Notify) => true,
        Some(_) => false,
        None => match cx.index.declared_type(body, place) {
            Some(declared) => may_name_notify(cx, &declared),
            // `wrapper.finished.notify_waiters()` with `wrapper` of unknown
            // type: no field of that name in the crate is a `Notify`.
            None => match place.projections.last() {
                Some(Projection::Field(f)) => {
                    let mut fields = cx
                        .index
                        .files
                        .iter()
                        .flat_map(|(_, fs)| fs.structs.iter().flat_map(|s| s.fields.iter()))
                        .filter(|fd| &fd.name == f)
                        .peekable();
                    fields.peek().is_none() || fields.any(|fd| may_name_notify(cx, &fd.ty))
                }
                _ => true,
            },
        },
    }
}

/// Can a declared type be a `Notify` (it names one, an alias, or nothing
/// we can see)?
fn may_name_notify(cx: &CrateCx<'_>, ty: &crate::analysis::facts::TypeRepr) -> bool {
    match ty.unshared().last_segment() {
        Some(last) => last == "Notify" || is_alias(cx, last),
        None => true,
    }
}

/// A type alias of the crate: its name says nothing about what it is.
fn is_alias(cx: &CrateCx<'_>, name: &str) -> bool {
    !cx.index.aliases_named(name).is_empty()
}

/// A name for "the same primitive" across bodies: the field it lives in
/// (with the owning `impl` type when reached as `self.field`), or the local
/// or static it is bound to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrimitiveKey {
    pub owner: Option<String>,
    pub name: String,
}

impl PrimitiveKey {
    pub fn matches(&self, other: &PrimitiveKey) -> bool {
        self.name == other.name
            && match (&self.owner, &other.owner) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    }
}

pub fn key(body: &Body, place: &Place) -> Option<PrimitiveKey> {
    key_at(body, place, 0)
}

fn key_at(body: &Body, place: &Place, depth: u32) -> Option<PrimitiveKey> {
    if depth > 4 {
        return None;
    }
    let fields: Vec<&str> = place
        .projections
        .iter()
        .filter_map(|p| match p {
            Projection::Field(f) => Some(f.as_str()),
            _ => None,
        })
        .collect();
    if let Some(last) = fields.last() {
        let owner = match place.root {
            PlaceRoot::SelfValue if fields.len() == 1 => body.self_ty.clone(),
            _ => None,
        };
        return Some(PrimitiveKey { owner, name: last.to_string() });
    }
    match &place.root {
        PlaceRoot::Local { name, origin } => {
            // A guard binding names the lock it came from.
            let from_guard =
                body.acquisitions.iter().rev().find(
                    |a| matches!(&a.holder, crate::analysis::facts::Holder::Binding { name: n, .. } if n == name),
                );
            if let Some(acq) = from_guard {
                return key_at(body, &acq.receiver, depth + 1);
            }
            if let LocalOrigin::Alias(p) = origin {
                if let Some(k) = key_at(body, p, depth + 1) {
                    return Some(k);
                }
            }
            Some(PrimitiveKey { owner: None, name: name.clone() })
        }
        PlaceRoot::Path(segs) => Some(PrimitiveKey { owner: None, name: segs.last()?.clone() }),
        _ => None,
    }
}

/// A method call's name and receiver.
pub fn method(call: &Call) -> Option<(&str, Option<&Place>)> {
    match &call.callee {
        Callee::Method { receiver, name } => Some((name.as_str(), receiver.as_ref())),
        _ => None,
    }
}

/// Does the body notify a `Notify` other than the waited one (for which
/// `waited` says yes) between `lo` and `hi`? `if paused { started.notify_one();
/// release.notified().await }` is a handshake: the peer sends the release
/// only after hearing the first notification, and the `if` is a switch, not
/// a predicate the wait is for.
pub fn notifies_between(body: &Body, lo: u32, hi: u32, waited: impl Fn(&PrimitiveKey) -> bool) -> bool {
    body.calls.iter().any(|c| {
        c.span.lo >= lo
            && c.span.hi <= hi
            && method(c).is_some_and(|(m, r)| {
                matches!(m, "notify_one" | "notify_waiters" | "notify_all")
                    && r.and_then(|r| key(body, r)).is_some_and(|k| !waited(&k))
            })
    })
}

/// Can a read through this receiver see another task's writes? Not when it
/// is a value the body owns (`let regions = resolve().await;
/// regions.is_empty()`); yes for `self`, statics, parameters, aliases of
/// shared places and guard bindings.
pub fn is_shared_place(body: &Body, place: &Place) -> bool {
    match &place.root {
        PlaceRoot::Local { name, origin: LocalOrigin::Unknown | LocalOrigin::Constructed(_) } => body
            .acquisitions
            .iter()
            .any(|a| matches!(&a.holder, crate::analysis::facts::Holder::Binding { name: n, .. } if n == name)),
        _ => true,
    }
}

/// Methods that read shared state a wait is conditioned on.
pub fn is_state_read_method(name: &str) -> bool {
    matches!(name, "load" | "is_empty" | "len" | "contains" | "contains_key")
}

/// Is `call` a call `self.name()` of a method of the same type that only
/// reads shared state
/// (`fn is_ready(&self) -> bool { self.ready.load(Ordering::Acquire) }`)?
/// A check of that getter is a check of the state.
pub fn is_flag_getter_call(cx: &CrateCx<'_>, body: &Body, call: &Call) -> bool {
    let Some(self_ty) = body.self_ty.as_deref() else { return false };
    match method(call) {
        Some((name, Some(recv)))
            if call.arg_count == 0 && recv.root == PlaceRoot::SelfValue && recv.projections.is_empty() =>
        {
            is_flag_getter(cx, &format!("{self_ty}::{name}"))
        }
        _ => false,
    }
}

/// The crate has exactly one body named `qualified` (`Type::method`), a
/// plain `fn` that makes a state read and nothing else: no await, no
/// write, no call but state reads, its locks and `unwrap`/`expect`.
fn is_flag_getter(cx: &CrateCx<'_>, qualified: &str) -> bool {
    let mut candidates = cx.functions_named(qualified).map(|b| b.body);
    let (Some(b), None) = (candidates.next(), candidates.next()) else { return false };
    let reads = b.calls.iter().filter(|c| method(c).is_some_and(|(m, _)| is_state_read_method(m))).count()
        + b.acquisitions.len();
    let only_reads = b.calls.iter().all(|c| {
        method(c).is_some_and(|(m, _)| {
            is_state_read_method(m) || matches!(m, "unwrap" | "expect") || b.acquisitions.iter().any(|a| a.method == m)
        })
    });
    !b.kind.is_async() && b.awaits.is_empty() && b.writes.is_empty() && reads > 0 && only_reads
}

/// Reads of shared state (an atomic `load`, a lock or borrow, a collection
/// query) made inside control `within_ctl`, by span.
pub fn state_reads(body: &Body, within_ctl: u32) -> Vec<Span> {
    let mut out: Vec<Span> = body
        .calls
        .iter()
        .filter(|c| body.within_same_closure(c.ctx, within_ctl))
        .filter(|c| method(c).is_some_and(|(m, _)| is_state_read_method(m)))
        .map(|c| c.span)
        .collect();
    out.extend(body.acquisitions.iter().filter(|a| body.within_same_closure(a.ctx, within_ctl)).map(|a| a.span));
    out.sort();
    out
}

/// Where a body is, for notes that point into another file.
pub fn describe(body: &Body) -> String {
    format!("`{}`", body.name)
}

/// A receiver as the user thinks of it: `self.queue` rather than
/// `self.queue.lock().unwrap()`, the lock a guard binding came from.
pub fn shown(body: &Body, place: &Place) -> String {
    if let PlaceRoot::Local { name, .. } = &place.root {
        if place.projections.is_empty() {
            let from_guard =
                body.acquisitions.iter().rev().find(
                    |a| matches!(&a.holder, crate::analysis::facts::Holder::Binding { name: n, .. } if n == name),
                );
            if let Some(acq) = from_guard {
                return acq.receiver.text.clone();
            }
        }
    }
    let t = place.text.trim_start_matches('*');
    for cut in [".lock(", ".read(", ".write(", ".borrow(", ".borrow_mut(", ".try_lock("] {
        if let Some(i) = t.find(cut) {
            return t[..i].to_string();
        }
    }
    t.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::facts::FileFacts;
    use crate::analysis::index::CrateIndex;
    use crate::input::workspace::Edition;

    fn facts(src: &str) -> FileFacts {
        let file = syn::parse_file(src).expect("parses");
        crate::analysis::extract::extract(&file, src, 0, Edition::E2021)
    }

    fn receivers<'a>(body: &'a Body, name: &str) -> Vec<&'a Place> {
        body.calls.iter().filter_map(|c| method(c).filter(|(m, _)| *m == name).and_then(|(_, r)| r)).collect()
    }

    #[test]
    fn keys_name_the_same_primitive_across_bodies() {
        let f = facts(
            r#"
struct Q { items: std::sync::Mutex<Vec<u32>>, wake: tokio::sync::Notify }
impl Q {
    fn push(&self, x: u32) {
        let mut g = self.items.lock().unwrap();
        g.push(x);
        self.wake.notify_one();
    }
    async fn pop(&self) {
        self.wake.notified().await;
        self.items.lock().unwrap().pop();
    }
}
"#,
        );
        let push = f.bodies.iter().find(|b| b.name.ends_with("push")).expect("push");
        let pop = f.bodies.iter().find(|b| b.name.ends_with("pop")).expect("pop");
        let pushed = key(push, receivers(push, "push")[0]).expect("key");
        let popped = key(pop, receivers(pop, "pop")[0]).expect("key");
        assert_eq!(pushed, PrimitiveKey { owner: Some("Q".into()), name: "items".into() });
        assert!(pushed.matches(&popped));
        let notified = key(pop, receivers(pop, "notified")[0]).expect("key");
        assert!(notified.matches(&key(push, receivers(push, "notify_one")[0]).expect("key")));
        assert!(!notified.matches(&pushed));
    }

    #[test]
    fn classifies_signal_types_through_imports_and_wrappers() {
        let f = facts(
            r#"
use std::sync::{Arc, Condvar};
use std::sync::atomic::AtomicBool;
use tokio::sync::{watch, Notify};
struct S { n: Arc<Notify>, tx: watch::Sender<u32>, cv: Condvar, flag: AtomicBool, other: Vec<u32> }
impl S {
    fn f(&self) {
        self.n.notify_one();
        self.tx.send(1);
        self.cv.wait(1);
        self.flag.load(1);
        self.other.push(1);
    }
}
"#,
        );
        let files = vec![(0, &f)];
        let index = CrateIndex::new(files);
        let options = Default::default();
        let cx = CrateCx::new(&index, &options);
        let body = &f.bodies[0];
        let kind = |m: &str| classify(&cx, 0, body, receivers(body, m)[0]);
        assert_eq!(kind("notify_one"), Some(SigKind::Notify));
        assert_eq!(kind("send"), Some(SigKind::WatchSender));
        assert_eq!(kind("wait"), Some(SigKind::Condvar));
        assert_eq!(kind("load"), Some(SigKind::Atomic));
        assert_eq!(kind("push"), None);
    }

    #[test]
    fn loop_bodies_count_their_statements() {
        let f = facts(
            r#"
async fn f(flag: &std::sync::atomic::AtomicBool) {
    while !flag.load(1) {
        tokio::time::sleep(1).await;
    }
    loop {
        work();
        tokio::time::sleep(1).await;
    }
}
"#,
        );
        let stmts: Vec<u32> = f.bodies[0]
            .controls
            .iter()
            .filter(|c| c.kind == crate::analysis::facts::ControlKind::LoopBody)
            .map(|c| c.stmts)
            .collect();
        assert_eq!(stmts, vec![1, 2]);
    }
}
