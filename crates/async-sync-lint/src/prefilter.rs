//! The prefilter: which files need parsing at all, decided from bytes.
//!
//! Most files of a real dependency tree hold no async code and no sync
//! primitive; parsing them is most of the cost of a run and yields nothing.
//! This module decides, with a byte-level identifier scan, which files can be
//! left unparsed without changing any finding.
//!
//! # The invariant
//!
//! A file is skipped only if it mentions (as an identifier anywhere, comments
//! and strings included) no name of `V ∪ R(crate)`, where
//!
//! - `V` is [`TOKENS`] (plus identifiers starting with a [`PREFIXES`] entry):
//!   every primitive type a rule or the index knows, every keyword and macro
//!   that makes async context, every method or function that a rule or the
//!   call-shape resolution (DESIGN §3 step 3) recognises without a type;
//! - `R(crate)` is the fixpoint, over the parsed files of the crate, of the
//!   names of declarations whose types mention `V ∪ R`: structs with such a
//!   field, aliases, statics, `Deref` impls (by self type), methods (by self
//!   type) whose return type does, and `pub use` aliases whose path does.
//!
//! Why that is enough:
//! - Bodies: a skipped file has no `async`/`await`/`select`/`join`, so every
//!   body in it is a plain `fn` with no await point. Its acquisitions could
//!   only resolve through a type named in `V ∪ R` (a local type, a
//!   constructor, a static, a `self` type: all written in the file) or by
//!   call shape (`lock`, `borrow_mut`, `read`/`write` … are in `V`).
//! - The index: every step of a successful resolution goes through a
//!   declaration whose type mentions a name in `V ∪ R` (induction on the
//!   chain: the last step names a primitive of `V`, every step before it
//!   names a declaration added to `R`). A skipped file mentions none, so it
//!   declares nothing on such a chain. It also declares nothing with the same
//!   name as a declaration on a chain (that would be a mention), so it cannot
//!   make a lookup ambiguous either.
//! - Call chains (`reentrant-lock`, `lock-order-inversion` follow calls
//!   made while a guard is held): a method that continues a chain on a
//!   value holding a lock sits in an `impl` (or trait impl) naming that
//!   value's type, which is in `R`; a free function given the lock names the
//!   parameter's type. Either way the file mentions a name of `V ∪ R`. (Adding
//!   the names of every function that takes a lock to `R` was measured: on
//!   the corpus it parsed 65 % more files and changed no finding.)
//! - Suppression comments (`async-sync-lint: allow`) contain `async`.
//!
//! What skipping does change: a skipped file that would not parse reports no
//! parse error (it is never parsed), and `--stats` counts only parsed files.
//!
//! RULE AUTHORS: if your rule draws on a name that is not in [`TOKENS`] — a
//! new primitive type, a method recognised without a resolved receiver, a
//! function like `block_on` — add it to [`TOKENS`]. The equivalence test
//! (`tests/prefilter_corpus.rs`) compares every finding with and without the
//! prefilter on the whole corpus, and `tests::rule_names_are_tokens` checks
//! the names the index and the extractor know.

use std::collections::HashSet;
use std::hash::BuildHasherDefault;

use crate::facts::{FileFacts, TypeRepr};

/// Identifiers whose presence makes a file worth parsing. Extend this list
/// when a rule needs a new name (see the module docs). Order is irrelevant.
pub const TOKENS: &[&str] = &[
    // Async context. Every async body is spelled with `async`; the await
    // points `select!`/`join!` count only inside one, so they need no token.
    "async",
    "await",
    "block_on",
    "block_in_place",
    "spawn",
    "spawn_blocking",
    "spawn_local",
    "yield_now",
    "sleep",
    "sleep_ms",
    // Primitives (std, parking_lot, lock_api, spin, tokio, futures,
    // async-lock, async-std, dashmap).
    "Mutex",
    "RwLock",
    "ReentrantMutex",
    "FairMutex",
    "SpinMutex",
    "TicketMutex",
    "RefCell",
    "Cell",
    "OnceCell",
    "Notify",
    "Semaphore",
    "Condvar",
    "Barrier",
    "DashMap",
    "DashSet",
    "watch",
    "mpsc",
    "oneshot",
    "CancellationToken",
    "lazy_static",
    "thread_local",
    // Methods recognised without a resolved receiver (call shape) or by a
    // rule on their own.
    "lock",
    "try_lock",
    "lock_owned",
    "blocking_lock",
    "borrow_mut",
    "try_borrow_mut",
    "upgradable_read",
    "acquire",
    "acquire_owned",
    "add_permits",
    "forget",
    "notify_one",
    "notify_waiters",
    "notify_all",
    "notified",
    "wait_while",
    "exit",
    "stdin",
];

/// Methods that resolve by call shape alone when called with no argument
/// (`x.read().unwrap()` is a std `RwLock`): a mention is `name` followed by
/// `()`. With an argument (`file.read(&mut buf)`) they are I/O.
pub const EMPTY_CALL_TOKENS: &[&str] = &["read", "write"];

/// Identifier prefixes that make a file worth parsing (`AtomicUsize` …).
pub const PREFIXES: &[&str] = &["Atomic"];

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident_continue(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Calls `f` on every identifier-like run of bytes, comments and strings
/// included (over-approximating mentions is safe), with the bytes after it.
/// Stops when `f` says so.
pub fn for_each_ident(bytes: &[u8], mut f: impl FnMut(&[u8], &[u8]) -> bool) -> bool {
    // A BOM is not part of the first identifier (`\u{feff}async fn …`).
    let mut i = if bytes.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    let n = bytes.len();
    while i < n {
        let b = bytes[i];
        if is_ident_start(b) {
            let start = i;
            i += 1;
            while i < n && is_ident_continue(bytes[i]) {
                i += 1;
            }
            if f(&bytes[start..i], &bytes[i..]) {
                return true;
            }
        } else if b.is_ascii_digit() {
            // `0x1f_u8`: a literal, not an identifier.
            while i < n && is_ident_continue(bytes[i]) {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    false
}

/// FNV-1a: identifiers are short, and SipHash's setup dominated the scan.
type Fnv = crate::hash::Fnv1a;

/// A set of names, hashed with [`Fnv`].
pub type NameSet = HashSet<String, BuildHasherDefault<Fnv>>;

/// The token set, built once, with a quick first-byte filter.
struct Tokens {
    set: HashSet<&'static [u8], BuildHasherDefault<Fnv>>,
    /// Bit `b` set when some token (or prefix, or empty-call token) starts
    /// with byte `b`.
    first: [bool; 256],
}

fn tokens() -> &'static Tokens {
    static SET: std::sync::OnceLock<Tokens> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        let mut first = [false; 256];
        for t in TOKENS.iter().chain(PREFIXES).chain(EMPTY_CALL_TOKENS) {
            first[t.as_bytes()[0] as usize] = true;
        }
        Tokens { set: TOKENS.iter().map(|t| t.as_bytes()).collect(), first }
    })
}

fn token_set() -> &'static HashSet<&'static [u8], BuildHasherDefault<Fnv>> {
    &tokens().set
}

/// Does the file mention a name of `V`?
pub fn mentions_tokens(bytes: &[u8]) -> bool {
    let t = tokens();
    for_each_ident(bytes, |id, rest| {
        if !t.first[id[0] as usize] {
            return false;
        }
        t.set.contains(id)
            || PREFIXES.iter().any(|p| id.starts_with(p.as_bytes()))
            || (EMPTY_CALL_TOKENS.iter().any(|t| t.as_bytes() == id) && is_empty_call(rest))
    })
}

/// `rest` starts with `()`, whitespace allowed.
fn is_empty_call(rest: &[u8]) -> bool {
    let mut it = rest.iter().copied().filter(|b| !b.is_ascii_whitespace());
    it.next() == Some(b'(') && it.next() == Some(b')')
}

/// Does the file mention any of `names`?
pub fn mentions_any(bytes: &[u8], names: &NameSet) -> bool {
    if names.is_empty() {
        return false;
    }
    let mut first = [false; 256];
    for n in names {
        if let Some(&b) = n.as_bytes().first() {
            first[b as usize] = true;
        }
    }
    // `HashSet<String>` can be queried by `&str`; identifiers are ASCII or
    // UTF-8 runs, and a non-UTF-8 run cannot equal a name.
    for_each_ident(bytes, |id, _| first[id[0] as usize] && std::str::from_utf8(id).is_ok_and(|s| names.contains(s)))
}

/// Is `name` in `V ∪ r`?
fn is_relevant(name: &str, r: &NameSet) -> bool {
    token_set().contains(name.as_bytes())
        || EMPTY_CALL_TOKENS.contains(&name)
        || PREFIXES.iter().any(|p| name.starts_with(p))
        || r.contains(name)
}

fn type_mentions(ty: &TypeRepr, r: &NameSet) -> bool {
    match ty {
        TypeRepr::Path { segments, args } => {
            segments.iter().any(|s| is_relevant(s, r)) || args.iter().any(|a| type_mentions(a, r))
        }
        TypeRepr::Ref(t) | TypeRepr::Slice(t) => type_mentions(t, r),
        TypeRepr::Tuple(ts) => ts.iter().any(|t| type_mentions(t, r)),
        TypeRepr::Opaque => false,
    }
}

/// Extends `r` to the fixpoint over `files` (see the module docs). Returns
/// whether it grew.
pub fn grow_relevant<'a>(files: impl Iterator<Item = &'a FileFacts> + Clone, r: &mut NameSet) -> bool {
    let before = r.len();
    loop {
        let mut added = Vec::new();
        for f in files.clone() {
            for s in &f.structs {
                if !r.contains(&s.name) && s.fields.iter().any(|fd| type_mentions(&fd.ty, r)) {
                    added.push(s.name.clone());
                }
            }
            for a in &f.aliases {
                if !r.contains(&a.name) && type_mentions(&a.ty, r) {
                    added.push(a.name.clone());
                }
            }
            for s in &f.statics {
                if !r.contains(&s.name) && type_mentions(&s.ty, r) {
                    added.push(s.name.clone());
                }
            }
            for s in &f.fns {
                if let (Some(t), Some(ret)) = (&s.self_ty, &s.ret) {
                    if !r.contains(t) && type_mentions(ret, r) {
                        added.push(t.clone());
                    }
                }
            }
            for d in &f.derefs {
                if !r.contains(&d.self_ty) && type_mentions(&d.target, r) {
                    added.push(d.self_ty.clone());
                }
            }
            for i in &f.imports {
                if i.is_pub && i.alias != "*" && !r.contains(&i.alias) && i.path.iter().any(|s| is_relevant(s, r)) {
                    added.push(i.alias.clone());
                }
            }
        }
        if added.is_empty() {
            return r.len() > before;
        }
        r.extend(added);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bom_does_not_hide_the_first_identifier() {
        assert!(mentions_tokens("\u{feff}async fn a() {}\r\n".as_bytes()));
        assert!(!mentions_tokens("\u{feff}fn a() {}\r\n".as_bytes()));
    }

    #[test]
    fn scan_finds_identifiers_only() {
        assert!(mentions_tokens(b"fn f() { m.lock().unwrap(); }"));
        assert!(mentions_tokens(b"static X: AtomicUsize = AtomicUsize::new(0);"));
        assert!(mentions_tokens(b"// async-sync-lint: allow(x)"));
        assert!(mentions_tokens(b"let r#async = 1;"));
        // Substrings of longer identifiers are not mentions.
        assert!(!mentions_tokens(b"fn block() { clock(); CreateMutexW(); let unlock = 0x1_async; }"));
        assert!(!mentions_tokens(b"struct Point { x: f64 }"));
        // `read`/`write` only as empty calls (call-shape resolution).
        assert!(mentions_tokens(b"fn f() { let g = self.m.read ( ).unwrap(); }"));
        assert!(!mentions_tokens(b"fn f() { file.read(&mut buf)?; w.write(b\"x\")?; }"));
    }

    #[test]
    fn relevant_names_follow_declarations() {
        let src = r#"
struct Inner { m: std::sync::Mutex<u32> }
struct Outer { inner: Arc<Inner> }
struct Plain { x: u32 }
type Shared = Arc<Outer>;
pub use parking_lot::RwLock as Lock;
"#;
        let file = syn::parse_file(src).unwrap();
        let facts = crate::extract::extract(&file, src, 0, crate::workspace::Edition::E2021);
        let mut r = NameSet::default();
        assert!(grow_relevant(std::iter::once(&facts), &mut r));
        let mut got: Vec<_> = r.into_iter().collect();
        got.sort();
        assert_eq!(got, ["Inner", "Lock", "Outer", "Shared"]);
    }

    /// Every lock kind the index knows must be named by a token, or a file
    /// declaring only it could be skipped. The `match` has no wildcard: a new
    /// `LockKind` does not compile here until it is listed (and its name
    /// checked against `TOKENS`).
    #[test]
    fn lock_kinds_are_tokens() {
        use crate::index::LockKind::{self, *};
        let all: [LockKind; 19] = [
            StdMutex,
            StdRwLock,
            ParkingLotMutex,
            ParkingLotRwLock,
            ParkingLotReentrantMutex,
            SpinMutex,
            SpinRwLock,
            RefCell,
            DashMap,
            WatchReceiver,
            TokioMutex,
            TokioRwLock,
            FuturesMutex,
            AsyncLockMutex,
            AsyncLockRwLock,
            AsyncStdMutex,
            AsyncStdRwLock,
            TokioSemaphore,
            AsyncLockSemaphore,
        ];
        for kind in all {
            match kind {
                StdMutex
                | StdRwLock
                | ParkingLotMutex
                | ParkingLotRwLock
                | ParkingLotReentrantMutex
                | SpinMutex
                | SpinRwLock
                | RefCell
                | DashMap
                | WatchReceiver
                | TokioMutex
                | TokioRwLock
                | FuturesMutex
                | AsyncLockMutex
                | AsyncLockRwLock
                | AsyncStdMutex
                | AsyncStdRwLock
                | TokioSemaphore
                | AsyncLockSemaphore => {}
            }
            // `tokio::sync::watch::Receiver` is named through `watch`.
            let name = kind.type_name();
            let named = name.split("::").any(|seg| token_set().contains(seg.as_bytes()));
            assert!(named, "prefilter::TOKENS names no segment of `{name}`");
        }
    }
}
