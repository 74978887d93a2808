#!/usr/bin/env bash
# Build fixtures/http2.pcap: real cleartext HTTP/2 between curl (nghttp2)
# and scripts/h2c-server.py (python h2), for tests/suite/http2_e2e.rs.
# Two connections: one with prior knowledge (curl --http2-prior-knowledge:
# the client preface first) and one upgraded from HTTP/1.1 (curl --http2:
# `Upgrade: h2c`, 101, then HTTP/2 with the answer on stream 1).
#
# Everything happens on the loopback interface of a network namespace the
# script creates (unshare -n); no packet leaves it. Loopback checksums are
# left to offload, so read the capture with `-k none`.
#
# Usage: sudo scripts/make-http2-pcap.sh
# Needs root (namespace, capture), curl, tcpdump and the python `h2`
# package (installed with pip when missing).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$REPO/fixtures/http2.pcap

if [[ ${1:-} != --inside ]]; then
    python3 -c 'import h2' 2>/dev/null || pip install h2
    exec unshare -n "$0" --inside
fi

ip link set lo up
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

python3 "$REPO/scripts/h2c-server.py" 127.0.0.1 8080 &
PIDS+=($!)
tcpdump -i lo -U -w "$OUT.tmp" 'tcp port 8080' 2>/dev/null &
CAP=$!
PIDS+=($CAP)
sleep 1
curl -s --http2-prior-knowledge -o /dev/null http://127.0.0.1:8080/dl/watchdog.exe
curl -s --http2 -o /dev/null -H 'X-Sigil: upgraded' http://127.0.0.1:8080/upgraded/path
sleep 1
kill -INT "$CAP"
wait "$CAP" || true
mv "$OUT.tmp" "$OUT"
echo "make-http2-pcap: wrote $OUT" >&2
