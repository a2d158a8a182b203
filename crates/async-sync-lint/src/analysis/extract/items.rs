//! Items: imports, structs, aliases, statics, signatures, and the entry into
//! every function body.

use syn::parse::{ParseStream, Parser};
use syn::{FnArg, ImplItem, Item, Pat, ReturnType, Signature, TraitItem, UseTree, Visibility};

use super::known_guards::KnownGuards;
use super::lower::{may_acquire, Lowered, Lowerer, Param};
use super::spans::SpanMap;
use super::types::{bounded, bounded_params, type_repr, with_params_bounded};
use crate::analysis::facts::*;
use crate::input::workspace::Edition;

pub struct ItemWalker<'a> {
    pub spans: SpanMap<'a>,
    pub raw: &'a str,
    pub edition: Edition,
    pub facts: FileFacts,
    module: Vec<String>,
    /// Macro-expansion depth guard: items inside item macros are walked, but
    /// not without bound.
    macro_depth: u32,
    /// Depth of enclosing test items (`#[cfg(test)] mod`, `#[test] fn`).
    in_test: u32,
    /// Depth of enclosing `#[should_panic]` functions.
    in_should_panic: u32,
    /// Methods of this file declared to return a guard type
    /// (`fn state(&self) -> MutexGuard<'_, State>`): calling one acquires.
    pub guard_fns: std::collections::HashSet<String>,
    /// Functions without a receiver declared to return a guard (`fn get()
    /// -> RwLockWriteGuard<'static, Data>`, `Registry::global()`), of this
    /// file or others: a path call to one of these names may acquire.
    pub guard_path_fns: std::collections::HashSet<String>,
    /// Structs of this file with a guard-typed field (`struct ReadTx<'a> {
    /// guard: MutexGuard<'a, Db> }`): returning one returns the guard.
    guard_structs: std::collections::HashSet<String>,
    /// Bodies lowered and waiting for the analysis of their function.
    pub lowered: std::collections::HashMap<u32, Lowered>,
    /// For tests: each body's IR as text, kept when set.
    pub ir_dumps: Option<Vec<(u32, String)>>,
}

impl<'a> ItemWalker<'a> {
    pub fn new(spans: SpanMap<'a>, raw: &'a str, _offset: u32, edition: Edition) -> ItemWalker<'a> {
        ItemWalker {
            spans,
            raw,
            edition,
            facts: FileFacts::default(),
            module: Vec::new(),
            macro_depth: 0,
            in_test: 0,
            in_should_panic: 0,
            guard_fns: Default::default(),
            guard_path_fns: Default::default(),
            guard_structs: Default::default(),
            lowered: Default::default(),
            ir_dumps: None,
        }
    }

    pub fn finish(self) -> FileFacts {
        self.facts
    }

    /// Guard-returning methods and guard-holding structs that other files
    /// of the crate declare: calls to them acquire here too.
    pub fn know(&mut self, known: &KnownGuards) {
        self.guard_structs.extend(known.structs.iter().cloned());
        self.guard_fns.extend(known.methods.iter().cloned());
        self.guard_path_fns.extend(known.functions.iter().cloned());
    }

    /// Before any body is walked: which methods of this file return guards
    /// (a guard type, in an `Option` or `Result` or not, or a struct of
    /// this file that holds one).
    pub fn prescan(&mut self, items: &[Item]) {
        self.prescan_structs(items);
        self.prescan_fns(items);
    }

    fn prescan_structs(&mut self, items: &[Item]) {
        for item in items {
            match item {
                Item::Struct(s) if s.fields.iter().any(|f| is_guard_repr(&type_repr(&f.ty), &self.guard_structs)) => {
                    self.guard_structs.insert(s.ident.to_string());
                }
                Item::Mod(m) => {
                    if let Some((_, items)) = &m.content {
                        self.prescan_structs(items);
                    }
                }
                _ => {}
            }
        }
    }

    fn prescan_fns(&mut self, items: &[Item]) {
        for item in items {
            match item {
                Item::Impl(i) => {
                    for it in &i.items {
                        if let ImplItem::Fn(f) = it {
                            self.prescan_fn(&f.sig);
                        }
                    }
                }
                // Without a default body too: `store.state()` on a `dyn
                // Storage` returns what the trait says.
                Item::Trait(t) => {
                    for it in &t.items {
                        if let TraitItem::Fn(f) = it {
                            self.prescan_fn(&f.sig);
                        }
                    }
                }
                Item::Fn(f) => {
                    if let ReturnType::Type(_, t) = &f.sig.output {
                        if is_guard_repr(&type_repr(t), &self.guard_structs) {
                            self.guard_path_fns.insert(f.sig.ident.to_string());
                        }
                    }
                }
                Item::Mod(m) => {
                    if let Some((_, items)) = &m.content {
                        self.prescan_fns(items);
                    }
                }
                _ => {}
            }
        }
    }

    fn prescan_fn(&mut self, sig: &Signature) {
        if let ReturnType::Type(_, t) = &sig.output {
            if is_guard_repr(&type_repr(t), &self.guard_structs) {
                self.guard_fns.insert(sig.ident.to_string());
                if sig.receiver().is_none() {
                    self.guard_path_fns.insert(sig.ident.to_string());
                }
            }
        }
    }

    /// Walks a whole file; `#![cfg(test)]` makes all of it test code.
    pub fn walk_file(&mut self, file: &syn::File) {
        let test = is_cfg_test(&file.attrs);
        self.in_test += u32::from(test);
        self.walk_items(&file.items);
        self.in_test -= u32::from(test);
    }

    /// Walks the items of one chunk of a file (see `extract_chunked`).
    pub fn walk_items_of_file(&mut self, items: &[Item], file_is_test: bool) {
        self.in_test += u32::from(file_is_test);
        self.walk_items(items);
        self.in_test -= u32::from(file_is_test);
    }

    pub fn walk_items(&mut self, items: &[Item]) {
        for item in items {
            self.walk_item(item);
        }
    }

    fn walk_item(&mut self, item: &Item) {
        match item {
            Item::Use(u) => {
                let is_pub = !matches!(u.vis, Visibility::Inherited);
                let mut prefix = Vec::new();
                if u.leading_colon.is_some() {
                    prefix.push(String::new());
                }
                self.use_tree(&u.tree, &mut prefix, is_pub);
            }
            Item::Struct(s) => {
                let fields = s
                    .fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| FieldDef {
                        name: f.ident.as_ref().map_or_else(|| i.to_string(), |id| id.to_string()),
                        ty: type_repr(&f.ty),
                        is_pub: matches!(f.vis, Visibility::Public(_)),
                        span: self
                            .spans
                            .of(f.ident.as_ref().map_or_else(|| syn::spanned::Spanned::span(&f.ty), |id| id.span())),
                    })
                    .collect();
                self.facts.structs.push(StructDef {
                    module: self.module.clone(),
                    name: s.ident.to_string(),
                    fields,
                    is_pub: matches!(s.vis, Visibility::Public(_)),
                    generics: type_params(&s.generics),
                });
            }
            Item::Enum(e) => {
                // Variant fields, keyed `Variant.field` / `Variant.0`; the
                // enum itself is a type whose `impl` gives `self` a type.
                let mut fields = Vec::new();
                for v in &e.variants {
                    for (i, f) in v.fields.iter().enumerate() {
                        let name = f.ident.as_ref().map_or_else(|| i.to_string(), |id| id.to_string());
                        fields.push(FieldDef {
                            name: format!("{}.{name}", v.ident),
                            ty: type_repr(&f.ty),
                            is_pub: matches!(e.vis, Visibility::Public(_)),
                            span: self.spans.of(f
                                .ident
                                .as_ref()
                                .map_or_else(|| syn::spanned::Spanned::span(&f.ty), |id| id.span())),
                        });
                    }
                }
                self.facts.structs.push(StructDef {
                    module: self.module.clone(),
                    name: e.ident.to_string(),
                    fields,
                    is_pub: matches!(e.vis, Visibility::Public(_)),
                    generics: type_params(&e.generics),
                });
            }
            Item::Type(t) => self.facts.aliases.push(TypeAlias {
                module: self.module.clone(),
                name: t.ident.to_string(),
                ty: type_repr(&t.ty),
            }),
            Item::Static(s) => self.static_def(&s.ident, &s.ty, &s.vis, Some(&s.expr)),
            Item::Const(c) => self.static_def(&c.ident, &c.ty, &c.vis, Some(&c.expr)),
            Item::Fn(f) => {
                let test = is_test_fn(&f.attrs) || is_cfg_test(&f.attrs);
                let should_panic = is_should_panic(&f.attrs);
                self.in_test += u32::from(test);
                self.in_should_panic += u32::from(should_panic);
                let idx = self.facts.bodies.len();
                self.function(&f.sig, &f.block, &Owner::default());
                self.mark_runtime_entry(idx, &f.sig, &f.attrs);
                self.in_should_panic -= u32::from(should_panic);
                self.in_test -= u32::from(test);
            }
            Item::Impl(i) => {
                let owner = Owner::of_impl(i);
                let impl_is_test = is_cfg_test(&i.attrs);
                let is_deref =
                    i.trait_.as_ref().is_some_and(|(_, p, _)| p.segments.last().is_some_and(|s| s.ident == "Deref"));
                for it in &i.items {
                    match it {
                        ImplItem::Fn(f) => {
                            let test = is_test_fn(&f.attrs) || is_cfg_test(&f.attrs) || impl_is_test;
                            let should_panic = is_should_panic(&f.attrs);
                            self.in_test += u32::from(test);
                            self.in_should_panic += u32::from(should_panic);
                            let idx = self.facts.bodies.len();
                            self.function(&f.sig, &f.block, &owner);
                            self.mark_runtime_entry(idx, &f.sig, &f.attrs);
                            self.in_should_panic -= u32::from(should_panic);
                            self.in_test -= u32::from(test);
                        }
                        ImplItem::Type(t) if is_deref && t.ident == "Target" => {
                            if let Some(st) = &owner.self_ty {
                                self.facts.derefs.push(DerefImpl { self_ty: st.clone(), target: type_repr(&t.ty) });
                            }
                        }
                        ImplItem::Macro(m) => self.item_macro(&m.mac),
                        _ => {}
                    }
                }
            }
            Item::Trait(t) => {
                let supertraits = match bounded(&t.supertraits) {
                    TypeRepr::Bounded(paths) => paths,
                    _ => Vec::new(),
                };
                self.facts.traits.push(TraitDef {
                    module: self.module.clone(),
                    name: t.ident.to_string(),
                    supertraits,
                });
                let owner = Owner {
                    self_ty: Some(t.ident.to_string()),
                    bounded: bounded_params(&t.generics),
                    in_trait: true,
                    self_args: Vec::new(),
                };
                for it in &t.items {
                    if let TraitItem::Fn(f) = it {
                        match &f.default {
                            Some(block) => self.function(&f.sig, block, &owner),
                            None => {
                                let sig = self.signature(&f.sig, owner.self_ty.clone(), true);
                                self.facts.fns.push(sig);
                            }
                        }
                    }
                }
            }
            Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    let test = is_cfg_test(&m.attrs);
                    self.in_test += u32::from(test);
                    self.module.push(m.ident.to_string());
                    self.walk_items(items);
                    self.module.pop();
                    self.in_test -= u32::from(test);
                }
            }
            Item::Macro(m) => self.item_macro(&m.mac),
            _ => {}
        }
    }

    fn static_def(&mut self, ident: &syn::Ident, ty: &syn::Type, vis: &Visibility, _init: Option<&syn::Expr>) {
        self.facts.statics.push(StaticDef {
            module: self.module.clone(),
            name: ident.to_string(),
            ty: type_repr(ty),
            span: self.spans.of(ident.span()),
            is_pub: matches!(vis, Visibility::Public(_)),
        });
    }

    fn use_tree(&mut self, tree: &UseTree, prefix: &mut Vec<String>, is_pub: bool) {
        match tree {
            UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(&p.tree, prefix, is_pub);
                prefix.pop();
            }
            UseTree::Name(n) => {
                let name = n.ident.to_string();
                let (alias, path) = if name == "self" {
                    (prefix.last().cloned().unwrap_or_default(), prefix.clone())
                } else {
                    let mut p = prefix.clone();
                    p.push(name.clone());
                    (name, p)
                };
                self.push_import(alias, path, is_pub);
            }
            UseTree::Rename(r) => {
                let mut p = prefix.clone();
                if r.ident != "self" {
                    p.push(r.ident.to_string());
                }
                self.push_import(r.rename.to_string(), p, is_pub);
            }
            UseTree::Glob(_) => self.push_import("*".to_string(), prefix.clone(), is_pub),
            UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(t, prefix, is_pub);
                }
            }
        }
    }

    fn push_import(&mut self, alias: String, path: Vec<String>, is_pub: bool) {
        if alias == "_" {
            return;
        }
        self.facts.imports.push(Import { module: self.module.clone(), alias, path, is_pub });
    }

    /// Item macros: `lazy_static!`/`thread_local!` declare statics; other
    /// macros (`cfg_if!`, crate-private `cfg_rt! { … }`) often wrap plain
    /// items, which are walked when the tokens parse as items.
    fn item_macro(&mut self, mac: &syn::Macro) {
        let name = mac.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
        if name == "macro_rules" {
            let body = mac.delimiter.span();
            let span = self.spans.between(body.open(), body.close());
            let text = self.raw.get(span.lo as usize..span.hi as usize).unwrap_or("");
            for n in macro_locks(text) {
                if !self.facts.macro_locks.contains(&n) {
                    self.facts.macro_locks.push(n);
                }
            }
            return;
        }
        if name == "lazy_static" || name == "thread_local" {
            if let Ok(statics) = parse_static_decls.parse2(mac.tokens.clone()) {
                for (ident, ty) in statics {
                    self.static_def(&ident, &ty, &Visibility::Inherited, None);
                }
            }
            return;
        }
        if self.macro_depth >= 4 {
            return;
        }
        if let Ok(items) = parse_items.parse2(mac.tokens.clone()) {
            self.macro_depth += 1;
            self.walk_items(&items);
            self.macro_depth -= 1;
        }
    }

    fn signature(&self, sig: &Signature, self_ty: Option<String>, in_trait: bool) -> FnSig {
        FnSig {
            module: self.module.clone(),
            self_ty,
            name: sig.ident.to_string(),
            ret: match &sig.output {
                ReturnType::Type(_, t) => Some(type_repr(t)),
                ReturnType::Default => None,
            },
            is_async: sig.asyncness.is_some(),
            has_receiver: sig.receiver().is_some(),
            in_trait,
            line: self.spans.of(sig.ident.span()).line,
        }
    }

    /// A function with a body, of `owner` (an `impl`, a trait, or none).
    fn function(&mut self, sig: &Signature, block: &syn::Block, owner: &Owner) {
        let self_ty = owner.self_ty.clone();
        let sig_facts = self.signature(sig, self_ty.clone(), owner.in_trait);
        self.facts.fns.push(sig_facts);
        // `fn f<S: Storage>(store: &S)`: `store` is known by its bounds.
        let mut bounded = bounded_params(&sig.generics);
        bounded.extend(owner.bounded.iter().cloned());
        let mut params = Vec::new();
        let mut mut_self = false;
        for input in &sig.inputs {
            match input {
                FnArg::Receiver(r) => {
                    mut_self = r.mutability.is_some() && r.reference.is_some();
                }
                FnArg::Typed(pt) => {
                    if let Pat::Ident(id) = &*pt.pat {
                        params.push(Param {
                            name: id.ident.to_string(),
                            origin: LocalOrigin::Declared(with_params_bounded(type_repr(&pt.ty), &bounded)),
                        });
                    }
                }
            }
        }
        let kind = if sig.asyncness.is_some() { BodyKind::AsyncFn } else { BodyKind::SyncFn };
        let name = match &self_ty {
            Some(t) => format!("{t}::{}", sig.ident),
            None => sig.ident.to_string(),
        };
        let span = self.spans.between(sig.fn_token.span, sig.ident.span());
        let span = match &sig.asyncness {
            Some(a) => self.spans.between(a.span, sig.ident.span()),
            None => span,
        };
        let header = BodyHeader {
            kind,
            name,
            span,
            self_ty,
            self_args: owner.self_args.clone(),
            mut_self,
            parent: None,
            passed_to: None,
            is_test: self.in_test > 0,
            unwinding: (self.in_should_panic > 0).then_some(Unwinding::ShouldPanic),
        };
        let track_calls = may_acquire(block, &self.guard_fns, &self.guard_path_fns);
        // `use` items in the function's block name things for it alone: the
        // function is a scope of its own inside the module, where they are
        // recorded and where its paths are resolved first.
        let own_scope = block.stmts.iter().any(|s| matches!(s, syn::Stmt::Item(Item::Use(_))));
        if own_scope {
            self.module.push(format!("{{fn@{}}}", header.span.lo));
        }
        Lowerer::new(self, header, params, track_calls).lower_fn_block(block);
        if own_scope {
            self.module.pop();
        }
    }
}

impl ItemWalker<'_> {
    /// `#[tokio::main] async fn run()`: the macro turns it into a plain
    /// `fn` that builds a runtime and blocks on the body.
    fn mark_runtime_entry(&mut self, idx: usize, sig: &Signature, attrs: &[syn::Attribute]) {
        let entry = attrs.iter().any(|a| {
            let segs = &a.path().segments;
            segs.len() >= 2 && segs.last().is_some_and(|s| s.ident == "main")
        });
        if let (true, Some(_), Some(body)) = (entry, sig.asyncness, self.facts.bodies.get_mut(idx)) {
            body.builds_runtime = true;
        }
    }
}

/// What a function's body knows of the item it is declared in.
#[derive(Default)]
struct Owner {
    /// The `impl` target's or the trait's name.
    self_ty: Option<String>,
    /// The bounded generic parameters of the `impl` or trait.
    bounded: Vec<(String, TypeRepr)>,
    in_trait: bool,
    /// See `Body::self_args`.
    self_args: Vec<TypeRepr>,
}

impl Owner {
    fn of_impl(i: &syn::ItemImpl) -> Owner {
        let bounded = bounded_params(&i.generics);
        let self_args = match with_params_bounded(type_repr(&i.self_ty), &bounded) {
            TypeRepr::Path { args, .. } if args.iter().any(|a| matches!(a, TypeRepr::Bounded(_))) => args,
            _ => Vec::new(),
        };
        Owner { self_ty: type_repr(&i.self_ty).last_segment().map(str::to_string), bounded, in_trait: false, self_args }
    }
}

/// What a new body starts with.
pub struct BodyHeader {
    pub kind: BodyKind,
    pub name: String,
    pub span: crate::diagnostic::Span,
    pub self_ty: Option<String>,
    pub self_args: Vec<TypeRepr>,
    pub mut_self: bool,
    pub parent: Option<u32>,
    pub passed_to: Option<String>,
    /// Test code: a `#[test]`-like function or inside `#[cfg(test)]`.
    pub is_test: bool,
    /// A panic is expected or caught here.
    pub unwinding: Option<Unwinding>,
}

impl ItemWalker<'_> {
    /// Reserves a body slot so children can name their parent before the
    /// parent is complete.
    pub fn reserve_body(&mut self, h: &BodyHeader) -> u32 {
        self.facts.bodies.push(Body {
            kind: h.kind,
            name: h.name.clone(),
            span: h.span,
            self_ty: h.self_ty.clone(),
            self_args: h.self_args.clone(),
            mut_self: h.mut_self,
            module: self.module.clone(),
            parent: h.parent,
            passed_to: h.passed_to.clone(),
            builds_runtime: false,
            params: Vec::new(),
            is_test: h.is_test,
            unwinding: h.unwinding,
            awaits: Vec::new(),
            acquisitions: Vec::new(),
            calls: Vec::new(),
            writes: Vec::new(),
            controls: Vec::new(),
            locals: Vec::new(),
            field_inits: Vec::new(),
            early_exits: Vec::new(),
        });
        self.facts.bodies.len() as u32 - 1
    }

    /// Items nested in a body (`fn` inside `fn`) are items of their own.
    /// A `use` there names things for that block only: it is kept under a
    /// module of its own, so it does not shadow the module's imports.
    pub fn nested_item(&mut self, item: &Item) {
        // A function's own `use` items belong to its scope (see `function`).
        let in_fn_scope = self.module.last().is_some_and(|m| m.starts_with("{fn@"));
        if matches!(item, Item::Use(_)) && !in_fn_scope {
            self.module.push("{block}".to_string());
            self.walk_item(item);
            self.module.pop();
            return;
        }
        self.walk_item(item);
    }
}

/// The names of a type's generic type parameters, in order.
fn type_params(g: &syn::Generics) -> Vec<String> {
    g.type_params().map(|p| p.ident.to_string()).collect()
}

/// Is the type a guard (`MutexGuard<'_, T>`, `RwLockReadGuard<T>`,
/// `parking_lot::MappedMutexGuard<T>`, a `RefCell` or DashMap `Ref`/`RefMut`),
/// one in an `Option` or `Result`, or a struct of `guard_structs`?
pub(super) fn is_guard_repr(t: &TypeRepr, guard_structs: &std::collections::HashSet<String>) -> bool {
    let TypeRepr::Path { segments, args } = t else { return false };
    let Some(last) = segments.last() else { return false };
    match last.as_str() {
        "Option" | "Result" | "Box" => args.first().is_some_and(|a| is_guard_repr(a, guard_structs)),
        "Ref" | "RefMut" => true,
        name => is_guard_type_name(name) || guard_structs.contains(name),
    }
}

/// Guard type names of the lock crates the index knows (`LockKind`).
pub fn is_guard_type_name(name: &str) -> bool {
    name.ends_with("Guard") && (name.contains("Mutex") || name.contains("RwLock"))
}

/// `name.lock(`, `name.read(`, `name.write(` (and their `try_`/`_owned`
/// forms) anywhere in a macro definition's text, comments and strings left
/// out: the receiver's last name. Read from the source with the lexer:
/// walking the macro's token trees copied and stringified every identifier
/// (0.3 % of a lint's instructions on every 6th package of the corpus).
fn macro_locks(text: &str) -> Vec<String> {
    use crate::input::lex::{tokens, Kind};
    let mut out = Vec::new();
    // The last three significant tokens before the current one.
    let mut window: [Option<(Kind, &str)>; 3] = [None; 3];
    for t in tokens(text) {
        let kind = t.kind;
        if matches!(kind, Kind::Whitespace | Kind::LineComment(_) | Kind::BlockComment { .. }) {
            continue;
        }
        if let (
            [Some((Kind::Ident, recv)), Some((Kind::Punct(b'.'), _)), Some((Kind::Ident, method))],
            Kind::Punct(b'('),
        ) = (window, kind)
        {
            let base = method.trim_start_matches("try_").trim_end_matches("_owned").trim_end_matches("_arc");
            if matches!(base, "lock" | "read" | "write" | "upgradable_read") && !out.iter().any(|n| n == recv) {
                out.push(recv.to_string());
            }
        }
        window = [window[1], window[2], Some((kind, &text[t.lo..t.hi]))];
    }
    out
}

fn parse_items(input: ParseStream) -> syn::Result<Vec<Item>> {
    let mut items = Vec::new();
    while !input.is_empty() {
        items.push(input.parse()?);
    }
    Ok(items)
}

/// `[pub] static [ref] NAME: TYPE = EXPR;` repeated, with attributes.
fn parse_static_decls(input: ParseStream) -> syn::Result<Vec<(syn::Ident, syn::Type)>> {
    let mut out = Vec::new();
    while !input.is_empty() {
        input.call(syn::Attribute::parse_outer)?;
        let _: Visibility = input.parse()?;
        let _: syn::Token![static] = input.parse()?;
        if input.peek(syn::Token![ref]) {
            let _: syn::Token![ref] = input.parse()?;
        }
        let ident: syn::Ident = input.parse()?;
        let _: syn::Token![:] = input.parse()?;
        let ty: syn::Type = input.parse()?;
        let _: syn::Token![=] = input.parse()?;
        let _: syn::Expr = input.parse()?;
        if input.peek(syn::Token![;]) {
            let _: syn::Token![;] = input.parse()?;
        }
        out.push((ident, ty));
    }
    Ok(out)
}

/// `#[test]`, `#[tokio::test]`, `#[async_std::test]`, `#[rstest]` …
fn is_test_fn(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let last = a.path().segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
        // `test`, `tokio::test`, and wrappers such as tokio's own
        // `maybe_tokio_test` or `async_std::test`.
        last.ends_with("test") || matches!(last.as_str(), "rstest" | "bench" | "test_case")
    })
}

/// `#[should_panic]`, `#[should_panic = ".."]`, `#[should_panic(expected = "..")]`.
fn is_should_panic(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("should_panic"))
}

/// `#[cfg(test)]`, or `#[cfg(all(test, …))]`: compiled only for tests.
pub fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    fn test_only(m: &syn::Meta) -> bool {
        match m {
            syn::Meta::Path(p) => p.is_ident("test"),
            syn::Meta::List(l) if l.path.is_ident("all") => l
                .parse_args_with(syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated)
                .is_ok_and(|args| args.iter().any(test_only)),
            _ => false,
        }
    }
    attrs.iter().any(|a| a.path().is_ident("cfg") && a.parse_args::<syn::Meta>().is_ok_and(|m| test_only(&m)))
}

#[cfg(test)]
mod tests {
    use crate::input::workspace::Edition;

    fn macro_locks_of(text: &str) -> Vec<String> {
        let file = syn::parse_file(text).expect("parses");
        crate::analysis::extract::extract(&file, text, 0, Edition::E2021).macro_locks
    }

    #[test]
    fn macro_definitions_name_the_locks_they_take() {
        let text = r#"
// outside.lock() is no macro
macro_rules! with_state {
    ($s:expr) => {{
        // commented.lock() is not code
        let _ = "quoted.lock()";
        let g = state.lock();
        let h = ( inner . try_write_owned () );
        let k = { self.shard.read() };
        let _ = make().lock();
        let _ = turbo.lock::<u8>();
        let _ = state.lock();
    }};
}
"#;
        assert_eq!(macro_locks_of(text), ["state", "inner", "shard"]);
    }
}
