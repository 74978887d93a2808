#!/usr/bin/env bash
# Set-up and demo: installs what is missing, builds Sigil, and runs it with
# the embedded default rules on the bundled demo capture.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
cargo build --release --quiet
rm -rf out/demo
./target/release/sigil run -r fixtures/demo.pcap -l out/demo
echo
echo "== out/demo/fast.log =="
cat out/demo/fast.log
