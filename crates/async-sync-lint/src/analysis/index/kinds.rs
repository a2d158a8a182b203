//! The locks the rules know about: each kind, its family and methods, and
//! the canonical paths (of a lock or of its guard) that name it.

/// Declares [`LockKind`] and [`LockKind::ALL`] from one list, so the table
/// of every kind cannot miss a variant.
macro_rules! lock_kinds {
    ($($kind:ident),* $(,)?) => {
        /// A lock, cell or sync primitive the rules know about.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum LockKind {
            $($kind),*
        }

        impl LockKind {
            /// Every kind, for tables derived from them.
            pub const ALL: &'static [LockKind] = &[$(LockKind::$kind),*];
        }
    };
}

lock_kinds! {
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
}

/// Broad families the rules reason about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Blocks the thread while contended: must not be held across an await.
    Blocking,
    /// `RefCell`: a runtime-checked borrow, panics on conflict.
    Cell,
    /// A reference into a sharded map (DashMap) or a `watch` value: holds a
    /// read or write lock on a shard.
    MapRef,
    /// An async lock: fine across awaits, wasted when no guard spans one.
    Async,
    Semaphore,
}

impl LockKind {
    pub fn family(self) -> Family {
        use LockKind::*;
        match self {
            StdMutex
            | StdRwLock
            | ParkingLotMutex
            | ParkingLotRwLock
            | ParkingLotReentrantMutex
            | SpinMutex
            | SpinRwLock => Family::Blocking,
            RefCell => Family::Cell,
            DashMap | WatchReceiver => Family::MapRef,
            TokioMutex | TokioRwLock | FuturesMutex | AsyncLockMutex | AsyncLockRwLock | AsyncStdMutex
            | AsyncStdRwLock => Family::Async,
            TokioSemaphore | AsyncLockSemaphore => Family::Semaphore,
        }
    }

    /// The type's name as users write it.
    pub fn type_name(self) -> &'static str {
        use LockKind::*;
        match self {
            StdMutex => "std::sync::Mutex",
            StdRwLock => "std::sync::RwLock",
            ParkingLotMutex => "parking_lot::Mutex",
            ParkingLotRwLock => "parking_lot::RwLock",
            ParkingLotReentrantMutex => "parking_lot::ReentrantMutex",
            SpinMutex => "spin::Mutex",
            SpinRwLock => "spin::RwLock",
            RefCell => "RefCell",
            DashMap => "DashMap",
            WatchReceiver => "tokio::sync::watch::Receiver",
            TokioMutex => "tokio::sync::Mutex",
            TokioRwLock => "tokio::sync::RwLock",
            FuturesMutex => "futures::lock::Mutex",
            AsyncLockMutex => "async_lock::Mutex",
            AsyncLockRwLock => "async_lock::RwLock",
            AsyncStdMutex => "async_std::sync::Mutex",
            AsyncStdRwLock => "async_std::sync::RwLock",
            TokioSemaphore => "tokio::sync::Semaphore",
            AsyncLockSemaphore => "async_lock::Semaphore",
        }
    }

    /// Does calling `method` on this kind produce a guard?
    pub fn is_guard_method(self, method: &str) -> bool {
        self.guard_methods().contains(&method)
    }

    /// The methods that produce a guard (or permit) of this kind. The one
    /// list: extraction records a call as an acquisition when any kind has
    /// its method ([`crate::analysis::extract`]), resolution keeps it when the
    /// receiver's kind has it.
    pub fn guard_methods(self) -> &'static [&'static str] {
        use LockKind::*;
        const MUTEX: &[&str] = &["lock", "try_lock"];
        const RW: &[&str] = &["read", "write", "try_read", "try_write"];
        match self {
            StdMutex | SpinMutex => MUTEX,
            StdRwLock => RW,
            ParkingLotMutex | ParkingLotReentrantMutex => {
                &["lock", "try_lock", "try_lock_for", "try_lock_until", "lock_arc", "try_lock_arc"]
            }
            ParkingLotRwLock => &[
                "read",
                "write",
                "try_read",
                "try_write",
                "try_read_for",
                "try_write_for",
                "upgradable_read",
                "try_upgradable_read",
                "read_arc",
                "write_arc",
                "upgradable_read_arc",
            ],
            SpinRwLock => &["read", "write", "try_read", "try_write", "upgradeable_read", "try_upgradeable_read"],
            RefCell => &["borrow", "borrow_mut", "try_borrow", "try_borrow_mut"],
            DashMap => &["get", "get_mut", "entry", "iter", "iter_mut", "try_get", "try_get_mut", "try_entry"],
            WatchReceiver => &["borrow", "borrow_and_update"],
            TokioMutex | FuturesMutex | AsyncLockMutex | AsyncStdMutex => &[
                "lock",
                "try_lock",
                "lock_owned",
                "try_lock_owned",
                "lock_arc",
                "try_lock_arc",
                "blocking_lock",
                "blocking_lock_owned",
            ],
            TokioRwLock | AsyncLockRwLock | AsyncStdRwLock => &[
                "read",
                "write",
                "try_read",
                "try_write",
                "read_owned",
                "write_owned",
                "try_read_owned",
                "try_write_owned",
                "upgradable_read",
                "read_arc",
                "write_arc",
                "blocking_read",
                "blocking_write",
            ],
            TokioSemaphore | AsyncLockSemaphore => &[
                "acquire",
                "acquire_owned",
                "acquire_many",
                "acquire_many_owned",
                "try_acquire",
                "try_acquire_owned",
                "try_acquire_many",
                "try_acquire_many_owned",
                "acquire_arc",
                "try_acquire_arc",
            ],
        }
    }
}

/// Maps a canonical path (after import resolution) to a lock kind.
pub(super) fn kind_of_path(segs: &[String]) -> Option<LockKind> {
    use LockKind::*;
    let segs: Vec<&str> = segs.iter().map(String::as_str).filter(|s| !s.is_empty()).collect();
    let last = *segs.last()?;
    let krate = segs.first().copied().unwrap_or("");
    let in_mod = |m: &str| segs.len() >= 2 && segs[..segs.len() - 1].contains(&m);
    Some(match (krate, last) {
        ("std" | "core" | "alloc", "Mutex") if in_mod("sync") => StdMutex,
        ("std" | "core" | "alloc", "RwLock") if in_mod("sync") => StdRwLock,
        ("std" | "core" | "alloc", "RefCell") => RefCell,
        ("parking_lot" | "lock_api", "Mutex" | "FairMutex") => ParkingLotMutex,
        ("parking_lot" | "lock_api", "RwLock") => ParkingLotRwLock,
        ("parking_lot" | "lock_api", "ReentrantMutex") => ParkingLotReentrantMutex,
        ("spin", "Mutex" | "SpinMutex" | "TicketMutex" | "FairMutex") => SpinMutex,
        ("spin", "RwLock") => SpinRwLock,
        ("dashmap", "DashMap" | "DashSet") => DashMap,
        ("tokio", "Receiver") if in_mod("watch") => WatchReceiver,
        ("tokio", "Mutex") => TokioMutex,
        ("tokio", "RwLock") => TokioRwLock,
        ("tokio", "Semaphore") => TokioSemaphore,
        ("futures" | "futures_util", "Mutex") => FuturesMutex,
        ("async_lock", "Mutex") => AsyncLockMutex,
        ("async_lock", "RwLock") => AsyncLockRwLock,
        ("async_lock", "Semaphore") => AsyncLockSemaphore,
        ("async_std", "Mutex") => AsyncStdMutex,
        ("async_std", "RwLock") => AsyncStdRwLock,
        _ => return None,
    })
}

/// Maps a guard type's canonical path to the lock it guards
/// (`tokio::sync::MutexGuard` → `TokioMutex`).
pub(super) fn kind_of_guard_path(segs: &[String]) -> Option<LockKind> {
    let last = segs.last()?;
    if !crate::analysis::extract::is_guard_type_name(last) {
        return None;
    }
    let base = if last.contains("RwLock") {
        "RwLock"
    } else if last.contains("Reentrant") {
        "ReentrantMutex"
    } else {
        "Mutex"
    };
    let mut p = segs[..segs.len() - 1].to_vec();
    p.push(base.to_string());
    kind_of_path(&p)
}
