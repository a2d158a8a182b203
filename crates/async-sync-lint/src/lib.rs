//! async-sync-lint: a static linter for the synchronization mistakes of async
//! Rust. See ARCHITECTURE.md at the repository root for the data flow.
//!
//! The modules follow the pipeline: [`input`] (discovery, source text, the
//! prefilter and the checks before parsing) → [`analysis`] (extraction, the
//! body IR, facts, the crate index) → [`rules`] → [`output`] (suppressions,
//! baselines, rendering, fixes). [`driver`] runs the whole pipeline and
//! [`engine`] its middle; [`cache`], [`config`], [`diagnostic`] and [`hash`]
//! serve every stage.

pub mod analysis;
pub mod cache;
pub mod config;
pub mod diagnostic;
pub mod driver;
pub mod engine;
pub mod hash;
pub mod input;
pub mod output;
pub mod rules;
