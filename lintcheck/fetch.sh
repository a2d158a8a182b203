#!/usr/bin/env bash
# Downloads the lintcheck crates (the direct dependencies in Cargo.toml beside
# this script, at the versions of its Cargo.lock, with everything they pull in)
# from crates.io and prints the directory that holds their unpacked sources.
#
#   usage: lintcheck/fetch.sh [DEST]      (DEST defaults to target/lintcheck)
#
# Nothing is compiled and no build script runs (scripts/fetch-pinned).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/../scripts/fetch-pinned" "$here" "${1:-target/lintcheck}"
