#!/usr/bin/env bash
# The whole test suite: formatting, lints, unit and end-to-end tests.
# Tests that need ../shared (ET Open, conformance corpus) print one line and
# skip when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace --release
./scripts/conformance.sh
