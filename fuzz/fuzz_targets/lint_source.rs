//! Any bytes as a source file: the nesting check, the parser, the
//! extraction and every rule must neither panic nor overflow the stack.
//! (The linter turns a panic into an `internal-error` finding; here it is
//! left to crash, so the fuzzer keeps the input.)
#![no_main]

#[path = "one_input.rs"]
mod one_input;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    one_input::lint_one(data);
});
