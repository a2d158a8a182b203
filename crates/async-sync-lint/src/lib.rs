//! async-sync-lint: a static linter for the synchronization mistakes of async
//! Rust. See ARCHITECTURE.md at the repository root for the data flow.

pub mod baseline;
pub mod cache;
pub mod chunks;
pub mod config;
pub mod delimiters;
pub mod diagnostic;
pub mod discover;
pub mod driver;
pub mod engine;
pub mod extract;
pub mod facts;
pub mod fix;
pub mod hash;
pub mod index;
pub mod ir;
pub mod nesting;
pub mod prefilter;
pub mod render;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod syntax_error;
pub mod workspace;
