//! Owned facts extracted from one file. Rules query these; nothing here
//! borrows a syntax tree (Architecture Invariant: facts are `Send` and hold no
//! `proc_macro2::Span`).

use serde::{Deserialize, Serialize};

use crate::diagnostic::Span;

/// A type as written, reduced to what receiver resolution needs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TypeRepr {
    /// `a::b::C<Args>`; `args` are the type arguments of the last segment.
    Path {
        segments: Vec<String>,
        args: Vec<TypeRepr>,
    },
    /// `&T`, `&mut T`, `*const T`.
    Ref(Box<TypeRepr>),
    Tuple(Vec<TypeRepr>),
    /// `[T]`, `[T; N]`.
    Slice(Box<TypeRepr>),
    /// `dyn Storage + Send`, `impl Storage`, or a generic parameter
    /// bounded `S: Storage`: a type known only by the traits it
    /// implements (their paths; lifetimes and `?Sized` left out).
    Bounded(Vec<TypeRepr>),
    /// `fn(..)`, macros, `_`: nothing to see through.
    Opaque,
}

impl TypeRepr {
    pub fn path(segments: &[&str], args: Vec<TypeRepr>) -> TypeRepr {
        TypeRepr::Path { segments: segments.iter().map(|s| s.to_string()).collect(), args }
    }

    /// The type seen through references and sharing wrappers
    /// (`&Arc<Mutex<T>>` is `Mutex<T>`).
    pub fn unshared(&self) -> &TypeRepr {
        match self {
            TypeRepr::Ref(inner) => inner.unshared(),
            TypeRepr::Path { args, .. } if matches!(self.last_segment(), Some("Arc" | "Rc" | "Box" | "Pin")) => {
                args.first().map_or(self, TypeRepr::unshared)
            }
            _ => self,
        }
    }

    /// The last path segment, if this is a path type.
    pub fn last_segment(&self) -> Option<&str> {
        match self {
            TypeRepr::Path { segments, .. } => segments.last().map(String::as_str),
            _ => None,
        }
    }
}

/// How a local binding got its value, as far as syntax shows.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LocalOrigin {
    /// `let x: T`, or a parameter `x: T`.
    Declared(TypeRepr),
    /// `let x = Mutex::new(..)`: the type a constructor call builds.
    Constructed(TypeRepr),
    /// `let x = other.clone()`, `Arc::clone(&other)`, `let x = &self.m`.
    Alias(Box<Place>),
    Unknown,
}

/// Where a place expression starts.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PlaceRoot {
    /// `self`.
    SelfValue,
    /// A local binding or parameter, with what its declaration said.
    Local { name: String, origin: LocalOrigin },
    /// A path that is not a local: a static (`STATE`, `crate::STATE`), a const.
    Path(Vec<String>),
    /// A call result or anything else.
    Unknown,
}

/// One step from the root to the receiver.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Projection {
    /// `.field` or `.0`.
    Field(String),
    /// `.method()` with no arguments (`clone`, `as_ref`, `inner`, `unwrap`).
    Method(String),
    /// `[i]`.
    Index,
    /// `*x`.
    Deref,
}

/// A receiver expression such as `self.shared.state` or `STATE`, reduced to
/// its root and projections.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Place {
    pub root: PlaceRoot,
    pub projections: Vec<Projection>,
    /// The receiver as written (normalised whitespace), for messages.
    pub text: String,
}

impl Place {
    /// A stable identity for "the same lock" within one body: root name and
    /// field path, ignoring see-through methods like `clone()`/`as_ref()`.
    pub fn identity(&self) -> Option<String> {
        let mut out = match &self.root {
            PlaceRoot::SelfValue => "self".to_string(),
            PlaceRoot::Local { name, .. } => name.clone(),
            PlaceRoot::Path(p) => p.join("::"),
            PlaceRoot::Unknown => return None,
        };
        for p in &self.projections {
            match p {
                Projection::Field(f) => {
                    out.push('.');
                    out.push_str(f);
                }
                Projection::Method(m) if is_see_through_method(m) => {}
                Projection::Method(m) => {
                    out.push('.');
                    out.push_str(m);
                    out.push_str("()");
                }
                Projection::Index => out.push_str("[_]"),
                Projection::Deref => {}
            }
        }
        Some(out)
    }
}

/// Methods that return (a handle to) the same value they are called on.
pub fn is_see_through_method(name: &str) -> bool {
    matches!(
        name,
        "clone"
            | "as_ref"
            | "as_mut"
            | "deref"
            | "deref_mut"
            | "borrow"
            | "unwrap"
            | "expect"
            | "as_deref"
            | "get_ref"
            | "upgrade"
            | "force"
            | "get_or_init"
            | "lock_api"
    )
}

/// What kind of body a function or block is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BodyKind {
    AsyncFn,
    AsyncBlock,
    AsyncClosure,
    /// A plain `fn` (no awaits; kept for cross-function lock summaries).
    SyncFn,
}

impl BodyKind {
    pub fn is_async(self) -> bool {
        !matches!(self, BodyKind::SyncFn)
    }
}

/// An await point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AwaitKind {
    /// `.await`
    Await,
    /// `select!` (tokio or futures): polls several futures, suspends.
    Select,
    /// `join!` / `try_join!`.
    Join,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AwaitPoint {
    pub span: Span,
    pub kind: AwaitKind,
    pub ctx: Option<u32>,
    /// `h.await` on a local: its name (a join handle, a stored future).
    #[serde(default)]
    pub local: Option<String>,
}

/// A `?` or `return` that leaves the body early (not one inside a
/// non-async closure, which leaves only the closure).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EarlyExit {
    pub span: Span,
    /// `?` rather than `return`.
    pub is_try: bool,
    pub ctx: Option<u32>,
}

/// How the acquisition call is used right after it is made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CallShape {
    /// `.lock().await`
    pub awaited: bool,
    /// `.lock().unwrap()` / `.expect(..)` / `.unwrap_or_else(..)` / `?`
    pub unwrapped: bool,
    /// The call had arguments (`map.get(&k)`).
    pub has_args: bool,
}

/// The construct whose temporary scope owns a temporary guard; it decides
/// how long the guard lives and what fix to suggest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TempScope {
    Statement,
    /// `if` / `while` condition (dropped before the block).
    Condition,
    /// `match` scrutinee: lives through every arm.
    MatchScrutinee,
    /// `if let` scrutinee: through the then-block (and `else` before 2024).
    IfLetScrutinee,
    /// `while let` scrutinee: through each iteration's body.
    WhileLetScrutinee,
    /// `for` iterator expression: through the whole loop.
    ForIterator,
    /// A block's tail expression (edition 2024 scope, or the enclosing one).
    Tail,
    /// A match arm body or guard.
    Arm,
}

/// Who holds an acquired guard.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Holder {
    /// `let g = …` (any pattern binding a name, `_g` included).
    Binding { name: String, span: Span },
    /// `let _ = …`: dropped at once.
    Wildcard,
    /// Part of a larger expression: lives to the end of its temporary scope.
    Temporary,
    /// An expression statement whose value is the guard: `m.lock().await;`.
    Discarded,
}

/// Why a guard stopped being held.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EndKind {
    /// `drop(g)`, `mem::drop(g)`.
    Drop,
    /// Moved into a call, a struct, a closure or async block, or returned.
    Move,
    /// `g = other`.
    Reassign,
    /// The end of the block that declared it.
    ScopeEnd,
    /// The end of the temporary scope (statement, condition, scrutinee).
    TemporaryEnd,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GuardEnd {
    pub span: Span,
    pub kind: EndKind,
}

/// A call that may acquire a guard (`lock`, `read`, `borrow_mut`, `get` …).
/// Whether it really does depends on what the receiver is, which resolution
/// decides later; the live range is computed here, from syntax and scopes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Acquisition {
    /// The call, from the receiver's start to the closing parenthesis.
    pub span: Span,
    /// Just the method name.
    pub method_span: Span,
    pub method: String,
    pub receiver: Place,
    pub shape: CallShape,
    pub holder: Holder,
    /// For temporaries: the construct whose scope owns it.
    pub temp_scope: TempScope,
    /// Indices into `Body::awaits` reached while the guard is live.
    pub held_at: Vec<u32>,
    /// The first place the guard ended, if seen.
    pub end: Option<GuardEnd>,
    /// The guard leaves the body: returned, stored in a field, or moved into
    /// a call or another task.
    pub escapes: bool,
    /// Set when the guard was captured from an enclosing body: (body index,
    /// acquisition index) of where it was made.
    pub captured_from: Option<(u32, u32)>,
    /// For a temporary guard in a `let` initializer: the name bound to the
    /// value read through it (`let v = *m.lock().await;` → `v`).
    pub value_bound_to: Option<String>,
    /// Acquisitions (same body) live when this one was made: lock order.
    pub held_on_acquire: Vec<u32>,
    /// How often the guard binding is used (read, written, passed) after it
    /// is bound, not counting `drop`.
    pub uses: u32,
    pub ctx: Option<u32>,
    /// For `Holder::Wildcard`: the span of the `_` pattern (the place to
    /// write a name that keeps the guard alive).
    #[serde(default)]
    pub wildcard_span: Option<Span>,
    /// For a path call of a crate function declared to return a guard
    /// (`data::get()`, `Registry::global()`): the path as written. The
    /// receiver is then unknown, and the index resolves the function.
    #[serde(default)]
    pub callee: Option<Vec<String>>,
}

/// Any call in a body, for rules about what is called where.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Call {
    pub span: Span,
    pub callee: Callee,
    pub arg_count: u32,
    /// Acquisitions (indices into `Body::acquisitions`) live at the call.
    pub held: Vec<u32>,
    /// Inside a non-async closure within this body (and the callee the
    /// closure was passed to, e.g. `spawn_blocking`).
    pub in_closure: Option<String>,
    pub in_loop: bool,
    /// `let NAME = <this call>…;`: the binding that receives its result.
    pub bound_to: Option<String>,
    /// Single-segment identifiers mentioned in the arguments.
    pub arg_idents: Vec<String>,
    /// Per argument, in order: the local it hands on (`x`, `&x`,
    /// `x.clone()`, `Arc::clone(&x)`), when it is one.
    #[serde(default)]
    pub arg_locals: Vec<Option<String>>,
    /// The call is the operand of `.await` (`rx.recv().await`).
    #[serde(default)]
    pub awaited: bool,
    /// Made where a panic is expected or caught (see [`Unwinding`]).
    #[serde(default)]
    pub unwinding: Option<Unwinding>,
    /// The first argument written as a constant `Duration`
    /// (`Duration::ZERO`, `Duration::from_millis(5)`): its length in
    /// nanoseconds, saturated to `u64::MAX`.
    #[serde(default)]
    pub const_duration_nanos: Option<u64>,
    /// Inside a statement or expression marked `#[cfg(test)]` (or
    /// `#[cfg(all(test, …))]`): compiled only into tests.
    #[serde(default)]
    pub test_only: bool,
    /// The call's value is polled as a future where it is written: a
    /// `select!` branch's future, or an argument of `timeout(..)` /
    /// `timeout_at(..)` (`timeout(d, rx.recv())`).
    #[serde(default)]
    pub as_future: bool,
    /// Inside a closure given to a function whose result is itself an
    /// argument: that outer callee, as written
    /// (`p.set_on_finished(wrap(move || ..))` → `.set_on_finished`).
    #[serde(default)]
    pub closure_wrapped_for: Option<String>,
    /// For a method that ends a chain of calls, where the chain starts
    /// (`Command::new("git").arg("-v").output()` starts at the call
    /// `Command::new`; `cmd.arg("-v").output()` at the local `cmd`).
    /// Recorded for the few methods a rule asks it of (see
    /// `extract::vocab::records_chain_start`).
    #[serde(default)]
    pub chain_start: Option<ChainStart>,
    pub ctx: Option<u32>,
}

/// Where a chain of method calls starts (see [`Call::chain_start`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ChainStart {
    /// A path call: `Command::new(..)`.
    Call(Vec<String>),
    /// A place, reached through at least one method call with arguments
    /// (`cmd.arg(..)`, `self.cmd.args(..)`).
    Place(Place),
}

/// Code whose panic is expected or caught, so a panic there is the point
/// (tests that check a call panics) or is handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Unwinding {
    /// Inside a `#[should_panic]` function.
    ShouldPanic,
    /// Inside a closure or future given to a function whose name says it
    /// expects a panic (`test_panic`, `assert_panics`, `did_panic`).
    Asserted,
    /// Inside a closure or future given to `catch_unwind` (or a
    /// `catch_panic`-like function): the panic is caught, whether or not
    /// it is expected.
    Caught,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Callee {
    /// `recv.name(..)`; the receiver when it is a place.
    Method { receiver: Option<Place>, name: String },
    /// `a::b::f(..)`.
    Path(Vec<String>),
    /// A macro invocation `name!(..)`.
    Macro(Vec<String>),
}

/// A control construct enclosing calls, awaits and acquisitions, so rules
/// can ask "is this wait under an `if` or in a loop?".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ControlKind {
    /// The `if` expression itself; its parts are children.
    If,
    /// The condition of an `if` (or `if let` scrutinee).
    IfCond,
    IfThen,
    IfElse,
    Match,
    MatchScrutinee,
    MatchArm,
    /// `loop { … }`
    Loop,
    /// `while cond { … }` / `while let`.
    While,
    /// The condition of a `while` (evaluated every iteration).
    WhileCond,
    /// `for pat in iter { … }`
    For,
    /// A loop body (child of `Loop`, `While` or `For`).
    LoopBody,
    /// A non-async closure within the body.
    Closure,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Control {
    pub kind: ControlKind,
    pub span: Span,
    pub parent: Option<u32>,
    /// For a block (`IfThen`, a block `IfElse`, `LoopBody`): how many
    /// statements it holds, so rules can tell a loop that only waits from
    /// one that does work. 0 for other kinds.
    #[serde(default)]
    pub stmts: u32,
    /// For a branch (`IfThen`, `IfElse`, `MatchArm`): every path through
    /// it leaves the function (`return`, `panic!`, `process::exit`), so
    /// nothing after the branch runs after it.
    #[serde(default)]
    pub returns: bool,
    /// For a branch: it ends in a plain `break` of the loop it is in, so
    /// taking the branch ends that loop.
    #[serde(default)]
    pub breaks: bool,
    /// For a `For`: its pattern binds a name (`for job in jobs`), as
    /// opposed to `for _ in 0..` (a counted or endless loop, not one per item).
    #[serde(default)]
    pub binds_item: bool,
    /// For a `Closure` that is a `let` initializer (`let run = move || …;`):
    /// the name it is bound to, so a later `spawn_blocking(run)` can be
    /// tied to it.
    #[serde(default)]
    pub bound_to: Option<String>,
}

/// An assignment `place = value` or `place op= value`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Write {
    pub span: Span,
    /// The assigned place (`self.count`, `*g`, `*m.lock().unwrap()`).
    pub target: Place,
    /// `+=`, `-=` … rather than `=`.
    pub compound: bool,
    /// Single-segment identifiers the assigned value mentions.
    pub value_idents: Vec<String>,
    /// The acquisition whose guard the place is reached through, if any
    /// (`*g = …` with `g` a live guard, or `*m.lock().unwrap() = …`).
    pub through_guard: Option<u32>,
    /// Acquisitions live at the write.
    pub held: Vec<u32>,
    pub ctx: Option<u32>,
}

/// A function body, async block or async closure.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Body {
    pub kind: BodyKind,
    /// `fn name`, `Type::name`, or `async block`.
    pub name: String,
    /// The `async`/`fn` keyword and name, for reporting on the body.
    pub span: Span,
    /// Type of `self` for methods (the `impl` target's last segment).
    pub self_ty: Option<String>,
    /// The `impl` target's type arguments when the impl bounds them
    /// (`impl<S: Storage> Service<S>` → `[Bounded([Storage])]`): what the
    /// fields of `self` typed with them are. Empty otherwise.
    #[serde(default)]
    pub self_args: Vec<TypeRepr>,
    /// Takes `&mut self`: exclusive access.
    pub mut_self: bool,
    /// Inline module path inside the file (`mod a { mod b { … } }`).
    pub module: Vec<String>,
    pub parent: Option<u32>,
    /// Test code: inside a `#[test]`-like function or a `#[cfg(test)]`
    /// module (nested blocks inherit it).
    #[serde(default)]
    pub is_test: bool,
    /// Inside code where a panic is expected or caught (nested bodies
    /// inherit it): see [`Unwinding`].
    #[serde(default)]
    pub unwinding: Option<Unwinding>,
    /// For an async block or closure written as a call argument: the callee
    /// (`tokio::spawn`, `.block_on`), as written.
    pub passed_to: Option<String>,
    /// The function carries a runtime's entry attribute (`#[tokio::main]`,
    /// `#[actix_web::main]` …): calling it builds a runtime and blocks on it.
    #[serde(default)]
    pub builds_runtime: bool,
    /// The names of the parameters bound to a plain name (`f: F` → `f`):
    /// a call `f(..)` calls the argument, not a function of the crate.
    #[serde(default)]
    pub params: Vec<String>,
    pub awaits: Vec<AwaitPoint>,
    pub acquisitions: Vec<Acquisition>,
    pub calls: Vec<Call>,
    pub writes: Vec<Write>,
    /// Control constructs; `ctx` fields index into this.
    pub controls: Vec<Control>,
    /// `let NAME = …;` bindings with a single-name pattern, where declared.
    #[serde(default)]
    pub locals: Vec<LocalDecl>,
    /// Locals stored into a struct literal's field (`Self { stream }`,
    /// `Conn { inner: inner.clone() }`): the field holds that value.
    #[serde(default)]
    pub field_inits: Vec<FieldInit>,
    /// Every `?` and `return` of the body, in source order.
    #[serde(default)]
    pub early_exits: Vec<EarlyExit>,
}

/// `Ty { field: local }` (or the shorthand `Ty { local }`, or
/// `local.clone()` as the value).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FieldInit {
    /// The struct's path as written, last segment (`Self` included).
    pub ty: String,
    pub field: String,
    pub local: String,
    pub span: Span,
}

/// A `let` binding of one name: where it was declared and what it holds.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LocalDecl {
    pub name: String,
    pub span: Span,
    pub origin: LocalOrigin,
    /// The single-name identifiers the initializer mentions, sorted
    /// (`let next = seen + 1` → `seen`): a value computed from another
    /// local carries what that local held.
    #[serde(default)]
    pub from: Vec<String>,
}

/// A `use` import: `alias` names `path` in `module`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Import {
    pub module: Vec<String>,
    /// The local name; `*` for a glob.
    pub alias: String,
    pub path: Vec<String>,
    pub is_pub: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FieldDef {
    /// Field name, or its index for tuple structs.
    pub name: String,
    pub ty: TypeRepr,
    /// Plain `pub`: reachable outside the crate (`pub(crate)` is not).
    pub is_pub: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StructDef {
    pub module: Vec<String>,
    pub name: String,
    pub fields: Vec<FieldDef>,
    /// Plain `pub`: reachable outside the crate (`pub(crate)` is not).
    pub is_pub: bool,
    /// Generic type parameters (`struct Shared<M> { m: M }` → `["M"]`).
    #[serde(default)]
    pub generics: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TypeAlias {
    pub module: Vec<String>,
    pub name: String,
    pub ty: TypeRepr,
}

/// `static`, `const`, `lazy_static!`, `thread_local!` items.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StaticDef {
    pub module: Vec<String>,
    pub name: String,
    pub ty: TypeRepr,
    pub span: Span,
    /// Plain `pub`: reachable outside the crate (`pub(crate)` is not).
    pub is_pub: bool,
}

/// A function or method signature.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FnSig {
    pub module: Vec<String>,
    pub self_ty: Option<String>,
    pub name: String,
    pub ret: Option<TypeRepr>,
    /// `async fn`: its call is a future whose output is `ret`.
    #[serde(default)]
    pub is_async: bool,
    /// Takes `self` (`&self`, `self: Arc<Self>` …), so `x.name()` can call
    /// it; `MutexGuard::map(this, f)` cannot be called as `.map(`.
    #[serde(default)]
    pub has_receiver: bool,
    /// Declared in a trait (`self_ty` is the trait), with or without a
    /// default body.
    #[serde(default)]
    pub in_trait: bool,
    /// The line of the function's name.
    #[serde(default)]
    pub line: u32,
}

/// A trait the file declares: `Bounded` types and `self` in its default
/// methods resolve to it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TraitDef {
    pub module: Vec<String>,
    pub name: String,
    /// `trait Backend: Storage + Send`: the supertraits' paths, whose
    /// methods a `dyn Backend` has too.
    #[serde(default)]
    pub supertraits: Vec<TypeRepr>,
}

/// `impl Deref for X { type Target = T; }`: newtypes seen through.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DerefImpl {
    pub self_ty: String,
    pub target: TypeRepr,
}

/// A function, impl, trait or inline module, by the name a baseline key
/// gives the item enclosing a finding (`mod a::impl S::fn get`), and its
/// lines (1-based, inclusive; outer attributes and doc comments included).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NamedItem {
    pub first_line: u32,
    pub last_line: u32,
    pub name: String,
}

/// The innermost (last started) of `items` that contains `line`, if any.
pub fn innermost_item(items: &[NamedItem], line: u32) -> Option<&NamedItem> {
    items
        .iter()
        .filter(|i| i.first_line <= line && line <= i.last_line)
        .max_by_key(|i| (i.first_line, std::cmp::Reverse(i.last_line)))
}

/// Everything one file declares and does.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FileFacts {
    pub imports: Vec<Import>,
    pub structs: Vec<StructDef>,
    pub aliases: Vec<TypeAlias>,
    pub statics: Vec<StaticDef>,
    pub fns: Vec<FnSig>,
    #[serde(default)]
    pub traits: Vec<TraitDef>,
    pub derefs: Vec<DerefImpl>,
    pub bodies: Vec<Body>,
    /// Names locked inside `macro_rules!` definitions (`$self.db.lock()` →
    /// `db`): acquisitions no body shows, made wherever the macro expands.
    #[serde(default)]
    pub macro_locks: Vec<String>,
    /// The file's named items, in source order, nested ones after their
    /// parent: what a baseline names the place of a finding by.
    #[serde(default)]
    pub items: Vec<NamedItem>,
}
