#!/usr/bin/env bash
# Downloads the lintcheck crates (the direct dependencies in Cargo.toml beside
# this script, at the versions of its Cargo.lock, with everything they pull in)
# from crates.io and prints the directory that holds their unpacked sources.
#
#   usage: lintcheck/fetch.sh [DEST]      (DEST defaults to target/lintcheck)
#
# Nothing is compiled and no build script runs: cargo only downloads and
# unpacks. Once everything is there a re-run takes a second, so callers run it
# every time and a changed lock file is picked up.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:-target/lintcheck}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
export CARGO_HOME="$dest/cargo-home"
# The manifest must not become a member of the repository's workspace, and
# cargo wants a target to read it: work on a copy with an empty main.
work="$dest/manifest"
mkdir -p "$work/src"
cp "$here/Cargo.toml" "$here/Cargo.lock" "$work/"
echo 'fn main() {}' > "$work/src/main.rs"
cargo fetch --locked --manifest-path "$work/Cargo.toml" >&2
src=$(ls -d "$CARGO_HOME"/registry/src/*/ | head -n 1)
echo "${src%/}"
