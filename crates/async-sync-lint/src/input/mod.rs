//! The first stage: what to lint and its text, up to the parser's door.
//! Discovery finds the packages, targets and files ([`workspace`] holds what
//! it hands over); [`source`] prepares a file's text; the prefilter decides
//! from bytes which files need parsing at all; [`nesting`] and [`chunks`]
//! keep input too deep or too large away from the parser; [`delimiters`] and
//! [`syntax_error`] word a file the parser rejects as rustc does.

pub mod chunks;
pub mod delimiters;
pub mod discover;
pub mod lex;
pub mod nesting;
pub mod prefilter;
pub mod source;
pub mod syntax_error;
pub mod workspace;
