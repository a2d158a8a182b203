//! The last stage: what happens to the findings after the rules ran.
//! [`suppress`] applies `allow` comments, [`baseline`] filters against a
//! recorded baseline, [`render`] prints each output format, [`fix`] applies
//! machine-applicable suggestions.

pub mod baseline;
pub mod fix;
pub mod render;
pub mod suppress;
