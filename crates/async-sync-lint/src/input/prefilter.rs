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
//!   call-shape resolution of `index/` recognises without a type; and
//!   [`PROCESS_TOKENS`] in a file that also mentions `process`;
//! - `R(crate)` is the fixpoint, over the parsed files of the crate, of the
//!   names of declarations whose types mention `V ∪ R`: structs with such a
//!   field, aliases, statics, `Deref` impls (by self type), methods (by self
//!   type, or trait for a trait's method) whose return type does, traits
//!   whose supertraits do (`trait Backend: Storage`), `impl`s
//!   (by self type) whose bounded type arguments do (`impl<S: Storage>
//!   Engine<S>`), and `pub use` aliases whose path does.
//!
//! An identifier followed by a single `:` is no mention: it names
//! a field, a parameter, a label or a macro fragment (`pub Semaphore:
//! HANDLE`), and none of those is a type, a call, a macro or a keyword a
//! rule reads (a type written after the `:` is a mention of its own, a path
//! goes on with `::`). windows-sys alone had 12 MB of bindings parsed for
//! fields named `Semaphore`, `Command` or `Notify`.
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
//! - Blocking through plain functions (`blocking-in-async` follows calls
//!   from async code into the crate's plain `fn`s): a function that may
//!   block, by the names of the calls it makes or of the crate functions
//!   it calls that may, is in `R` by name, so a file calling it is parsed
//!   and the chain from async code to it is whole. Only those names (and
//!   `pub use` aliases, which may rename one) make a call blocking: a type
//!   of `R` called as a tuple struct's constructor (`Visitor(m.lock()
//!   .unwrap())`, a struct holding a guard) is no call into a function.
//! - std's child processes (`blocking-in-async`): a call is std's only
//!   through a written `std::process` path, an import of one (a glob
//!   included) or a binding or field typed so, and each names `process` in
//!   its file; `R` counts `Command` and `Child` in a declaration only where
//!   its path or its file's imports name `process` (a struct holding clap's
//!   `Command` or a tree's `Child` leads to nothing). A call to `exit` ends
//!   a body only as `process::exit` (`lower::calls`).
//! - Suppression comments (`async-sync-lint: allow`) contain `async`.
//!
//! What skipping does change: a skipped file that would not parse reports no
//! parse error (it is never parsed), and `--stats` counts only parsed files.
//!
//! RULE AUTHORS: if your rule draws on a name that is not in [`TOKENS`] — a
//! new primitive type, a method recognised without a resolved receiver, a
//! function like `block_on` — add it to [`TOKENS`]. The equivalence test
//! (`tests/prefilter_corpus.rs`) compares every finding with and without the
//! prefilter on the whole corpus, and `tests::lock_kinds_are_tokens` checks
//! the names the index and the extractor know.

use std::collections::HashSet;
use std::hash::BuildHasherDefault;

use crate::analysis::facts::{FileFacts, TypeRepr};

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
    // Guard types: a file that only declares a struct holding one (`struct
    // ReadTx<'a> { guard: RwLockReadGuard<'a, Db> }`) decides what the
    // methods returning that struct hold.
    "MutexGuard",
    "RwLockReadGuard",
    "RwLockWriteGuard",
    "RwLockUpgradableReadGuard",
    "OwnedMutexGuard",
    "OwnedRwLockReadGuard",
    "OwnedRwLockWriteGuard",
    "MappedMutexGuard",
    "MappedRwLockReadGuard",
    "MappedRwLockWriteGuard",
    "ArcMutexGuard",
    "ArcRwLockReadGuard",
    "ArcRwLockWriteGuard",
    "ReentrantMutexGuard",
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
    "stdin",
    "blocking_recv",
    "blocking_send",
    "blocking_read",
    "blocking_write",
];

/// Names from std's `process` module, which count only in a file that
/// also names `process`. `Command::new(..).output()` and `child.wait()`
/// block until the child exits, and a rule takes `Command` and `Child` for
/// std's only through a written `std::process` path or an import of one;
/// `exit` ends a body only as `process::exit`. Every such path names
/// `process`. Elsewhere these are the names of clap's builder, a
/// compressor's commands, a tree's nodes or a state machine's exits.
pub const PROCESS_TOKENS: &[&str] = &["Command", "Child", "exit"];

/// The identifier a file must mention for [`PROCESS_TOKENS`] to count.
const PROCESS: &[u8] = b"process";

/// Methods that resolve by call shape alone when called with no argument
/// (`x.read().unwrap()` is a std `RwLock`): a mention is `name` followed by
/// `()`. With an argument (`file.read(&mut buf)`) they are I/O.
pub const EMPTY_CALL_TOKENS: &[&str] = &["read", "write"];

/// Identifier prefixes that make a file worth parsing (`AtomicUsize` …).
pub const PREFIXES: &[&str] = &["Atomic"];

/// Byte classes for the identifier scan: one table lookup per byte instead
/// of a chain of comparisons.
const OTHER: u8 = 0;
const IDENT_START: u8 = 1;
const DIGIT: u8 = 2;

const CLASS: [u8; 256] = {
    let mut t = [OTHER; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            IDENT_START
        } else if c.is_ascii_digit() {
            DIGIT
        } else {
            OTHER
        };
        b += 1;
    }
    t
};

fn is_ident_continue(b: u8) -> bool {
    CLASS[b as usize] != OTHER
}

/// Calls `f` on every identifier-like run of bytes, comments and strings
/// included (over-approximating mentions is safe), with the bytes after it.
/// Stops when `f` says so.
pub fn for_each_ident(bytes: &[u8], mut f: impl FnMut(&[u8], &[u8]) -> bool) -> bool {
    // A BOM is not part of the first identifier (`\u{feff}async fn …`).
    let mut i = if bytes.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    let n = bytes.len();
    while i < n {
        match CLASS[bytes[i] as usize] {
            IDENT_START => {
                let start = i;
                i += 1;
                while i < n && is_ident_continue(bytes[i]) {
                    i += 1;
                }
                if f(&bytes[start..i], &bytes[i..]) {
                    return true;
                }
            }
            DIGIT => {
                // `0x1f_u8`: a literal, not an identifier.
                while i < n && is_ident_continue(bytes[i]) {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    false
}

/// FNV-1a: identifiers are short, and SipHash's setup dominated the scan.
type Fnv = crate::hash::Fnv1a;

/// A set of names, hashed with [`Fnv`].
pub type NameSet = HashSet<String, BuildHasherDefault<Fnv>>;

/// Longest identifier length the bucket filter distinguishes; longer ones
/// share the last bit.
const MAX_LEN_BIT: usize = 63;

fn len_bit(len: usize) -> u64 {
    1 << len.min(MAX_LEN_BIT)
}

/// The token set, built once: a hash set for names found by other means,
/// and multi-pattern searchers that find every occurrence of a token,
/// prefix or empty-call name in SIMD-accelerated passes over the bytes.
struct Tokens {
    set: HashSet<&'static [u8], BuildHasherDefault<Fnv>>,
    /// Each searcher with the index (in [`TOKENS`], [`PREFIXES`],
    /// [`EMPTY_CALL_TOKENS`] chained) of its first pattern.
    finders: Vec<(aho_corasick::AhoCorasick, usize)>,
    /// Pattern ids: below `process_from` are [`TOKENS`], then
    /// [`PROCESS_TOKENS`], then [`PREFIXES`] from `prefix_from`, then
    /// [`EMPTY_CALL_TOKENS`] from `empty_call_from`.
    process_from: usize,
    prefix_from: usize,
    empty_call_from: usize,
}

/// Most patterns one searcher gets. The SIMD (Teddy) prefilter applies to
/// at most 64 patterns; past that the searcher walks its automaton byte by
/// byte, and two searchers over the text were measured 3.6× faster than
/// one over 70 patterns.
const PATTERNS_PER_SEARCHER: usize = 64;

fn tokens() -> &'static Tokens {
    static SET: std::sync::OnceLock<Tokens> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        let patterns: Vec<&str> =
            TOKENS.iter().chain(PROCESS_TOKENS).chain(PREFIXES).chain(EMPTY_CALL_TOKENS).copied().collect();
        // Balanced searchers: a full one is the prefilter's slowest case.
        let searchers = patterns.len().div_ceil(PATTERNS_PER_SEARCHER);
        let per = patterns.len().div_ceil(searchers);
        let finders = patterns
            .chunks(per)
            .enumerate()
            .map(|(i, chunk)| {
                // Leftmost-longest: of the patterns starting at one place,
                // the one that can be a whole identifier (see
                // `mentions_tokens`).
                let finder = aho_corasick::AhoCorasick::builder()
                    .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                    .build(chunk)
                    .expect("the token patterns build");
                (finder, i * per)
            })
            .collect();
        Tokens {
            set: TOKENS.iter().map(|t| t.as_bytes()).collect(),
            finders,
            process_from: TOKENS.len(),
            prefix_from: TOKENS.len() + PROCESS_TOKENS.len(),
            empty_call_from: TOKENS.len() + PROCESS_TOKENS.len() + PREFIXES.len(),
        }
    })
}

fn token_set() -> &'static HashSet<&'static [u8], BuildHasherDefault<Fnv>> {
    &tokens().set
}

/// Does the file mention a name of `V`?
///
/// Same answer as [`mentions_tokens_by_ident`], but the searchers skip the
/// text between occurrences. An occurrence counts when it is a whole
/// identifier: the bytes around it are not identifier bytes (a prefix needs
/// that only before it). Skipping past a rejected occurrence loses nothing:
/// tokens are made of identifier bytes, so no whole-identifier occurrence
/// can start inside one. That holds for each searcher's share of the
/// patterns, so each searches on its own.
pub fn mentions_tokens(bytes: &[u8]) -> bool {
    let t = tokens();
    // A BOM is not part of the first identifier (`\u{feff}async fn …`).
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut process_name = false;
    for (finder, first) in &t.finders {
        for m in finder.find_iter(bytes) {
            match mention(t, bytes, m, first + m.pattern().as_usize()) {
                Mention::No => {}
                Mention::Token => return true,
                Mention::ProcessName => process_name = true,
            }
        }
    }
    process_name && for_each_ident(bytes, |id, _| id == PROCESS)
}

/// What an occurrence of a pattern is.
enum Mention {
    /// Not a mention: part of a longer identifier, a field's or a
    /// parameter's name, `read` with arguments.
    No,
    Token,
    /// One of [`PROCESS_TOKENS`]: it counts if the file names `process`.
    ProcessName,
}

/// Is the occurrence `m` of pattern `id` a mention (see [`mentions_tokens`])?
fn mention(t: &Tokens, bytes: &[u8], m: aho_corasick::Match, id: usize) -> Mention {
    let before_ok = m.start() == 0 || !is_ident_continue(bytes[m.start() - 1]);
    if !before_ok {
        return Mention::No;
    }
    let after_ok = !matches!(bytes.get(m.end()), Some(&b) if is_ident_continue(b));
    if id >= t.empty_call_from {
        return if after_ok && is_empty_call(&bytes[m.end()..]) { Mention::Token } else { Mention::No };
    }
    // A prefix's identifier goes on past the match (`AtomicUsize`).
    let end = if id >= t.prefix_from {
        m.end() + bytes[m.end()..].iter().take_while(|&&b| is_ident_continue(b)).count()
    } else if after_ok {
        m.end()
    } else {
        return Mention::No;
    };
    if names_a_field(&bytes[end..]) {
        Mention::No
    } else if (t.process_from..t.prefix_from).contains(&id) {
        Mention::ProcessName
    } else {
        Mention::Token
    }
}

/// The reference answer of [`mentions_tokens`], identifier by identifier:
/// slower, plainly right; the tests check that both agree (on the whole
/// corpus in `tests/prefilter_corpus.rs`).
pub fn mentions_tokens_by_ident(bytes: &[u8]) -> bool {
    let (mut process_name, mut process) = (false, false);
    let token = for_each_ident(bytes, |id, rest| {
        process |= id == PROCESS;
        if EMPTY_CALL_TOKENS.iter().any(|t| t.as_bytes() == id) {
            return is_empty_call(rest);
        }
        if names_a_field(rest) {
            return false;
        }
        process_name |= PROCESS_TOKENS.iter().any(|t| t.as_bytes() == id);
        token_set().contains(id) || PREFIXES.iter().any(|p| id.starts_with(p.as_bytes()))
    });
    token || (process_name && process)
}

/// `rest`, the bytes after an identifier, starts with a single `:`
/// (whitespace allowed): the identifier names a field, a parameter, a
/// label or a macro fragment (`pub Semaphore: HANDLE`, `$lock:expr`),
/// which is no use of a primitive; a type's path goes on with `::`, and a
/// type after a `:` is a mention of its own.
fn names_a_field(rest: &[u8]) -> bool {
    let mut it = rest.iter().copied().skip_while(u8::is_ascii_whitespace);
    it.next() == Some(b':') && it.next() != Some(b':')
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
    let mut lengths = [0u64; 256];
    for n in names {
        if let Some(&b) = n.as_bytes().first() {
            lengths[b as usize] |= len_bit(n.len());
        }
    }
    // `HashSet<String>` can be queried by `&str`; identifiers are ASCII or
    // UTF-8 runs, and a non-UTF-8 run cannot equal a name.
    for_each_ident(bytes, |id, _| {
        lengths[id[0] as usize] & len_bit(id.len()) != 0 && std::str::from_utf8(id).is_ok_and(|s| names.contains(s))
    })
}

/// Is `name` in `V ∪ r`? `process` says whether the declaration names
/// std's `process` module (a segment of its path, or an import of its
/// file), where [`PROCESS_TOKENS`] count.
fn is_relevant(name: &str, r: &NameSet, process: bool) -> bool {
    token_set().contains(name.as_bytes())
        || EMPTY_CALL_TOKENS.contains(&name)
        || PREFIXES.iter().any(|p| name.starts_with(p))
        || (process && PROCESS_TOKENS.contains(&name))
        || r.contains(name)
}

fn type_mentions(ty: &TypeRepr, r: &NameSet, process: bool) -> bool {
    match ty {
        TypeRepr::Path { segments, args } => {
            let process = process || segments.iter().any(|s| s.as_bytes() == PROCESS);
            segments.iter().any(|s| is_relevant(s, r, process)) || args.iter().any(|a| type_mentions(a, r, process))
        }
        TypeRepr::Ref(t) | TypeRepr::Slice(t) => type_mentions(t, r, process),
        TypeRepr::Tuple(ts) | TypeRepr::Bounded(ts) => ts.iter().any(|t| type_mentions(t, r, process)),
        TypeRepr::Opaque => false,
    }
}

/// `R(crate)` as it grows: every name, and apart the names a call to
/// which may block.
#[derive(Clone, Debug, Default)]
pub struct Relevant {
    /// Every name of `R`: a file mentioning one is parsed.
    pub names: NameSet,
    /// Functions that may block, and `pub use` aliases (which may rename
    /// one): a call to one of these may block. Types, statics and aliases
    /// of types are not among them.
    may_block: NameSet,
}

/// Extends `r` to the fixpoint over `files` (see the module docs). Returns
/// whether it grew.
pub fn grow_relevant<'a>(files: impl Iterator<Item = &'a FileFacts> + Clone, rel: &mut Relevant) -> bool {
    let before = rel.names.len();
    loop {
        let r = &rel.names;
        let blocking = &rel.may_block;
        let mut added = Vec::new();
        let mut added_blocking = Vec::new();
        for f in files.clone() {
            let process = f.imports.iter().any(|i| i.path.iter().any(|s| s.as_bytes() == PROCESS));
            let type_mentions = |ty: &TypeRepr| type_mentions(ty, r, process);
            for s in &f.structs {
                if !r.contains(&s.name) && s.fields.iter().any(|fd| type_mentions(&fd.ty)) {
                    added.push(s.name.clone());
                }
            }
            for a in &f.aliases {
                if !r.contains(&a.name) && type_mentions(&a.ty) {
                    added.push(a.name.clone());
                }
            }
            for s in &f.statics {
                if !r.contains(&s.name) && type_mentions(&s.ty) {
                    added.push(s.name.clone());
                }
            }
            for s in &f.fns {
                if let (Some(t), Some(ret)) = (&s.self_ty, &s.ret) {
                    if !r.contains(t) && type_mentions(ret) {
                        added.push(t.clone());
                    }
                }
            }
            for t in &f.traits {
                if !r.contains(&t.name) && t.supertraits.iter().any(&type_mentions) {
                    added.push(t.name.clone());
                }
            }
            for d in &f.derefs {
                if !r.contains(&d.self_ty) && type_mentions(&d.target) {
                    added.push(d.self_ty.clone());
                }
            }
            for i in &f.imports {
                if i.is_pub
                    && i.alias != "*"
                    && !blocking.contains(&i.alias)
                    && i.path.iter().any(|s| is_relevant(s, r, process))
                {
                    added_blocking.push(i.alias.clone());
                }
            }
            for b in &f.bodies {
                // `impl<S: Storage> Engine<S>`: the fields of `Engine` typed
                // `S` are a `Storage` in these methods.
                if let Some(t) = &b.self_ty {
                    if !r.contains(t) && b.self_args.iter().any(&type_mentions) {
                        added.push(t.clone());
                    }
                }
                let name = b.name.rsplit("::").next().unwrap_or(&b.name);
                if !blocking.contains(name) && crate::rules::blocking_summary::may_block(b, &|n| blocking.contains(n)) {
                    added_blocking.push(name.to_string());
                }
            }
        }
        if added.is_empty() && added_blocking.is_empty() {
            return rel.names.len() > before;
        }
        rel.names.extend(added.iter().chain(&added_blocking).cloned());
        rel.may_block.extend(added_blocking);
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
    fn the_searcher_agrees_with_the_identifier_scan() {
        let cases: &[&[u8]] = &[
            b"",
            b"async",
            b"xasync",
            b"asyncx",
            b"0x1_async",
            b"1async",
            b"r#async",
            b"'async",
            b"\xEF\xBB\xBFasync",
            b"\xC3\xA9async",
            b"async\xC3\xA9",
            b"spawn_blocking2 spawn_local",
            b"spawn_locals block_on_x blocking_lock",
            b"x.read(buf) y.read ( )",
            b"x.reader() y.write()",
            b"NotAtomic AtomicBool",
            b"MyAtomicX",
            b"_Atomic",
            b"Atomic",
            b"lock_owned_x lock",
            b"clock() unlock()",
            b"pub Semaphore: HANDLE,",
            b"pub Semaphore :\n HANDLE, Semaphore",
            b"($lock:expr) => { $lock.lock() }",
            b"Command::new(\"git\")",
            b"std::process::Command::new(\"git\")",
            b"struct S { Command: u8, process: u8 }",
            b"fn process() {} fn f(c: &Child) {}",
            b"Child processes",
        ];
        for c in cases {
            assert_eq!(mentions_tokens(c), mentions_tokens_by_ident(c), "{:?}", String::from_utf8_lossy(c));
        }
        for t in TOKENS.iter().chain(PROCESS_TOKENS).chain(PREFIXES).chain(EMPTY_CALL_TOKENS) {
            for text in [
                t.to_string(),
                format!("{t}()"),
                format!("a{t}"),
                format!("{t}_"),
                format!(" {t}::x "),
                format!("{t}: u8"),
                format!("{t}X : u8"),
                format!("x: {t}"),
                format!("{t} :: new"),
                format!("use std::process; {t}"),
                format!("{t}: X, process"),
            ] {
                let b = text.as_bytes();
                assert_eq!(mentions_tokens(b), mentions_tokens_by_ident(b), "{text:?}");
            }
        }
    }

    #[test]
    fn every_token_and_name_is_found_only_whole() {
        for t in TOKENS {
            assert!(mentions_tokens(format!("x {t} y").as_bytes()), "{t}");
            // A longer or shorter identifier with the same first byte is not one.
            assert!(!mentions_tokens(format!("x {t}zz y").as_bytes()), "{t}zz");
        }
        assert!(mentions_tokens(b"static N: AtomicU64Padded;"));
        let long = "a".repeat(200);
        assert!(!mentions_tokens(long.as_bytes()));
        let names: NameSet = ["Shared".to_string(), long.clone()].into_iter().collect();
        assert!(mentions_any(b"fn f(s: &Shared) {}", &names));
        assert!(mentions_any(format!("x {long} y").as_bytes(), &names));
        assert!(!mentions_any(b"fn f(s: &Share, t: Shared2) {}", &names));
    }

    /// A field, a parameter, a label or a macro fragment named like a
    /// primitive is no mention (windows-sys has thousands of fields named
    /// `Semaphore`, `Command`, `Notify`); a type written after it is.
    #[test]
    fn names_of_fields_and_parameters_are_no_mentions() {
        assert!(!mentions_tokens(b"pub struct KSEVENT { pub Semaphore: HANDLE, pub Notify : u32 }"));
        assert!(!mentions_tokens(b"fn f(spawn: bool) { 'sleep: loop { break; } }"));
        assert!(!mentions_tokens(b"macro_rules! m { ($lock:expr, $spawn:ident) => {}; }"));
        assert!(mentions_tokens(b"struct S { m: Mutex<u8> }"));
        assert!(mentions_tokens(b"let s = Semaphore::new(1);"));
        assert!(mentions_tokens(b"let s = Semaphore :: new(1);"));
        assert!(mentions_tokens(b"struct S { c: AtomicU8 }"));
        assert!(!mentions_tokens(b"struct S { AtomicU8: u8 }"));
    }

    /// `Command`, `Child` and `exit` are std's only where the file names
    /// `process`.
    #[test]
    fn process_names_count_where_the_file_names_process() {
        assert!(mentions_tokens(b"use std::process::Command; fn f() { Command::new(\"git\"); }"));
        assert!(mentions_tokens(b"fn f() { std::process::Command::new(\"git\").output(); }"));
        assert!(mentions_tokens(b"use std::process; fn f(c: &mut process::Child) {}"));
        // clap's builder, brotli's commands, a tree's nodes.
        assert!(!mentions_tokens(b"use clap::Command; fn cli() -> Command { Command::new(\"x\") }"));
        assert!(!mentions_tokens(b"struct Node { children: Vec<Child> }"));
        assert!(mentions_tokens(b"fn f() { std::process::exit(1) }"));
        assert!(!mentions_tokens(b"fn f(s: &State) -> bool { s.exit(1) }"));
        // Named only as a field: not a mention even beside `process`.
        assert!(!mentions_tokens(b"struct S { Command: u8, process: u8 }"));
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

    /// The names one file makes relevant, sorted.
    fn relevant_names(src: &str) -> Vec<String> {
        let file = syn::parse_file(src).unwrap();
        let facts = crate::analysis::extract::extract(&file, src, 0, crate::input::workspace::Edition::E2021);
        let mut r = Relevant::default();
        assert!(grow_relevant(std::iter::once(&facts), &mut r));
        let mut got: Vec<_> = r.names.into_iter().collect();
        got.sort();
        got
    }

    /// A struct holding std's `Child` leads to a lock-free blocking call
    /// only where its file imports `process`; a tree's `Child` does not.
    #[test]
    fn process_names_are_relevant_where_process_is_named() {
        let std_child = relevant_names("use std::process::Child;\nstruct Job { child: Child }\n");
        assert_eq!(std_child, ["Job"]);
        let written = relevant_names("struct Job { child: std::process::Child }\n");
        assert_eq!(written, ["Job"]);
        let src = "struct Node { child: Child }\nstruct Tree { root: Node }\n";
        let file = syn::parse_file(src).unwrap();
        let facts = crate::analysis::extract::extract(&file, src, 0, crate::input::workspace::Edition::E2021);
        assert!(!grow_relevant(std::iter::once(&facts), &mut Relevant::default()));
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
        let got = relevant_names(src);
        assert_eq!(got, ["Inner", "Lock", "Outer", "Shared"]);
    }

    /// A call makes a function relevant only if it may block: building a
    /// struct that holds a guard is no blocking call (it made every file
    /// of a crate that mentions `event` relevant).
    #[test]
    fn constructing_a_guard_holding_struct_is_no_blocking_call() {
        let src = r#"
struct Visitor<'a>(MutexGuard<'a, String>);
fn event(m: &M) { let v = Visitor(m.take()); v.visit(); }
fn pause() { std::thread::sleep(D); }
fn waits() { pause(); }
"#;
        let got = relevant_names(src);
        assert_eq!(got, ["Visitor", "pause", "waits"]);
    }

    /// Every lock kind the index knows must be named by a token, or a file
    /// declaring only it could be skipped. The `match` has no wildcard: a new
    /// `LockKind` does not compile here until it is listed (and its name
    /// checked against `TOKENS`).
    #[test]
    fn lock_kinds_are_tokens() {
        use crate::analysis::index::LockKind::{self, *};
        let all = LockKind::ALL;
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
