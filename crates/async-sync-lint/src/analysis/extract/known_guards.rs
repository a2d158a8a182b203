//! Guards a file's extraction cannot see alone. Extraction is per file: a
//! call `store.db()` is an acquisition only if the walker knows that `db`
//! returns a guard, and the method may be declared in another file of the
//! crate (or return a guard-holding struct declared in a third). The
//! engine gathers what every file declares, then extracts again the files
//! that call such a method without declaring it.

use std::collections::HashSet;

use crate::analysis::facts::{FileFacts, TypeRepr};
use crate::input::prefilter::NameSet;

use super::items::is_guard_repr;
use super::vocab::is_acquire_method;

/// Structs holding a guard and methods returning one, by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KnownGuards {
    /// `struct ReadTx<'a> { guard: RwLockReadGuard<'a, Db> }`.
    pub structs: HashSet<String>,
    /// `fn db(&self) -> RwLockReadGuard<'_, Db>`, `fn tx(&self) -> ReadTx<'_>`.
    pub methods: HashSet<String>,
    /// Functions without a receiver: `fn get() -> RwLockWriteGuard<'static,
    /// Data>`, `fn global() -> MutexGuard<'static, Registry>`.
    pub functions: HashSet<String>,
}

impl KnownGuards {
    /// What `files` declare. Structs to a fixpoint (a struct holding a
    /// `ReadTx` holds a guard too), then the methods returning any of them.
    pub fn declared_in<'f>(files: impl Iterator<Item = &'f FileFacts> + Clone) -> KnownGuards {
        let mut known = KnownGuards::default();
        loop {
            let before = known.structs.len();
            for s in files.clone().flat_map(|f| &f.structs) {
                if !known.structs.contains(&s.name) && s.fields.iter().any(|f| is_guard_repr(&f.ty, &known.structs)) {
                    known.structs.insert(s.name.clone());
                }
            }
            if known.structs.len() == before {
                break;
            }
        }
        let own_types: HashSet<&str> = files
            .clone()
            .flat_map(|f| &f.structs)
            .map(|s| s.name.as_str())
            .filter(|n| !known.structs.contains(*n))
            .collect();
        for sig in files.flat_map(|f| &f.fns) {
            let returns_guard = sig.ret.as_ref().is_some_and(|t| is_guard_repr(t, &known.structs));
            // Only what method syntax can call: `MutexGuard::map(this, f)`
            // is no `.map(` (and re-reading every file that maps an
            // iterator cost a sixth of the lint).
            if sig.has_receiver && returns_guard {
                known.methods.insert(sig.name.clone());
            }
            // Path calls: `data::get()`, `Registry::global()`. A crate type
            // of a guard's name (`struct Ref`) is not one, and every file
            // calling a `fn decode(k) -> Ref` would be extracted again.
            if !sig.has_receiver && returns_guard && !sig.ret.as_ref().is_some_and(|t| names_own_type(t, &own_types)) {
                known.functions.insert(sig.name.clone());
            }
        }
        known
    }

    /// The guard-returning methods `file` does not know by itself (acquire
    /// methods such as `lock` are known everywhere), and the guard-returning
    /// functions it does not declare itself.
    pub fn unknown_to(&self, file: &FileFacts) -> (NameSet, NameSet) {
        let own = KnownGuards::declared_in(std::iter::once(file));
        let methods =
            self.methods.iter().filter(|m| !own.methods.contains(*m) && !is_acquire_method(m)).cloned().collect();
        let functions = self.functions.iter().filter(|f| !own.functions.contains(*f)).cloned().collect();
        (methods, functions)
    }
}

/// Is the type (seen through `Option`, `Result`, `Box`) a struct the crate
/// declares without a guard in it, though named like one?
fn names_own_type(t: &TypeRepr, own_types: &HashSet<&str>) -> bool {
    let TypeRepr::Path { segments, args } = t else { return false };
    match segments.last().map(String::as_str) {
        Some("Option" | "Result" | "Box") => args.first().is_some_and(|a| names_own_type(a, own_types)),
        Some(name) => own_types.contains(name),
        None => false,
    }
}

/// Does `text` call one of `names` by path (`name(`, `a::name(`,
/// `name::<T>(`), not as a method (`.name(`) nor declare it (`fn name(`)?
/// Comments and strings count too: a false yes only costs a second look.
pub fn calls_any_function(text: &str, names: &NameSet) -> bool {
    let bytes = text.as_bytes();
    let is_ident = |b: u8| b == b'_' || b.is_ascii_alphanumeric();
    let mut i = 0;
    while i < bytes.len() {
        if !is_ident(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_ident(bytes[i]) {
            i += 1;
        }
        if !names.contains(&text[start..i]) {
            continue;
        }
        let before = text[..start].trim_end();
        if before.ends_with('.') || before.ends_with("fn") && !before.ends_with("::fn") {
            continue;
        }
        let rest = text[i..].trim_start();
        if rest.starts_with('(') || rest.starts_with("::<") {
            return true;
        }
    }
    false
}

/// Does `text` call one of `names` as a method (`.name(`, `.name::<T>(`)?
/// Comments and strings count too: a false yes only costs a second look.
pub fn calls_any_method(text: &str, names: &NameSet) -> bool {
    let bytes = text.as_bytes();
    let is_ident = |b: u8| b == b'_' || b.is_ascii_alphanumeric();
    let skip_space = |mut i: usize| {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    let mut at = 0;
    while let Some(dot) = bytes[at..].iter().position(|&b| b == b'.').map(|d| at + d) {
        at = dot + 1;
        let start = skip_space(at);
        let mut end = start;
        while end < bytes.len() && is_ident(bytes[end]) {
            end += 1;
        }
        if end == start || !names.contains(&text[start..end]) {
            continue;
        }
        let next = skip_space(end);
        if bytes.get(next) == Some(&b'(') || bytes[next..].starts_with(b"::<") {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_method_call_is_a_call_and_a_mention_is_not() {
        let names: NameSet = ["db".to_string()].into_iter().collect();
        assert!(calls_any_method("let g = store.db();", &names));
        assert!(calls_any_method("let g = store\n    .db ();", &names));
        assert!(calls_any_method("store.db::<u8>()", &names));
        assert!(!calls_any_method("let db = open(); db.close();", &names));
        assert!(!calls_any_method("use crate::db; self.dbx();", &names));
        assert!(!calls_any_method("x.db", &names));
    }

    #[test]
    fn a_path_call_is_a_call_and_a_method_or_declaration_is_not() {
        let names: NameSet = ["get".to_string()].into_iter().collect();
        assert!(calls_any_function("let g = data::get();", &names));
        assert!(calls_any_function("let g = get ();", &names));
        assert!(calls_any_function("Registry::get::<u8>()", &names));
        assert!(!calls_any_function("let g = map.get(&k);", &names));
        assert!(!calls_any_function("pub fn get() -> u8 { 0 }", &names));
        assert!(!calls_any_function("use crate::data::get; let forget = 1; forget();", &names));
    }
}
