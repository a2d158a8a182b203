//! The second stage: from a parsed file to facts rules can query.
//! [`extract`] is the one pass over syntax; it lowers each body into the
//! [`ir`] and runs its liveness analysis, and keeps the result as owned
//! [`facts`]; per package, [`index`] merges the files' declarations and
//! resolves receivers.

pub mod control_tree;
pub mod extract;
pub mod facts;
pub mod index;
pub mod ir;
