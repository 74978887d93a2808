#!/usr/bin/env bash
# Whole-pipeline benchmark: `sigil run` over the benchmark corpus
# (../shared/bench/corpus.pcap.zst) with every ET Open rule, at 1 and 2
# worker threads, against the Suricata figures in ../shared/bench/README.md.
#
# For each thread count it measures
#   start-up   a run over a header-only pcap: config + rule load + compile +
#              thread start + output open/close (median of 3 runs);
#   detect     one pass over the corpus; pass = wall - start-up;
#   decode     the same with --no-detect (decode, flows, streams, app layer
#              parsers; no rules) and its own start-up;
#   five       the corpus given five times (-r x5); (five - one) / 4 is the
#              cost of one more pass with start-up cancelled out.
# and prints rules loaded, wall/pass seconds, packets/s and Mbit/s of the
# pass, peak RSS, alerts and parity (shared/bench/parity.py).
#
# Usage: scripts/bench-pipeline.sh [--threads "1 2"] [--no-build] [--no-five]
#                                  [--keep DIR]
# Environment: SIGIL_SHARED (default ../shared), SIGIL_BENCH_CACHE (where
# corpus.pcap is decompressed; default target/bench-cache).
# Runs in about a minute on 2 cores with today's engine; the budget is 10.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
shared=${SIGIL_SHARED:-$root/../shared}
cache=${SIGIL_BENCH_CACHE:-$root/target/bench-cache}
threads="1 2"
build=1
five=1
keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --no-five) five=0; shift ;;
    --keep) keep=$2; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "bench-pipeline: unknown argument $1" >&2; exit 2 ;;
  esac
done

zst=$shared/bench/corpus.pcap.zst
rules=$shared/rules/et-open
vars=$rules/vars.yaml
ref=$shared/bench/suricata-alerts.tsv
if [ ! -f "$zst" ] || [ ! -d "$rules" ]; then
  echo "skipping pipeline benchmark: $zst or $rules not found"
  exit 0
fi

# Corpus facts (shared/bench/README.md).
corpus_packets=257218
corpus_bytes=137860030
# Suricata 9.0.0-dev (Hyperscan), same machine kind, single worker.
suri_load=11.6
suri_load_ac=5.2
suri_pass=2.1
suri_rss_mb=380
suri_alerts=7374

mkdir -p "$cache"
corpus=$cache/corpus.pcap
empty=$cache/empty.pcap
if [ ! -f "$corpus" ] || [ "$(stat -c %s "$corpus")" != "$corpus_bytes" ]; then
  echo "decompressing $zst -> $corpus" >&2
  zstd -q -f -d --long=27 "$zst" -o "$corpus.tmp"
  mv "$corpus.tmp" "$corpus"
fi
# A capture with only its 24-byte global header: load, compile, start, stop.
head -c 24 "$corpus" >"$empty"

if [ "$build" = 1 ]; then
  cargo build --release --quiet
fi
sigil=$root/target/release/sigil
[ -x "$sigil" ] || { echo "bench-pipeline: $sigil missing (drop --no-build)" >&2; exit 1; }

if [ -n "$keep" ]; then
  work=$keep
  mkdir -p "$work"
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/sigil-bench.XXXXXX")
  trap 'rm -rf "$work"' EXIT
fi

have_time=0
[ -x /usr/bin/time ] && have_time=1

# measure LABEL CMD... : runs CMD (stdout/stderr to $work/LABEL.log) and
# sets $wall (seconds, ns clock) and $rss (peak resident set, MB).
measure() {
  local label=$1
  shift
  local t0 t1
  t0=$(date +%s%N)
  if [ "$have_time" = 1 ]; then
    /usr/bin/time -f '%M' -o "$work/$label.rss" "$@" >"$work/$label.log" 2>&1
  else
    # Fallback without GNU time: the kernel's peak RSS of the child.
    python3 -c 'import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:])
open(sys.argv[1], "w").write("%d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc)' "$work/$label.rss" "$@" >"$work/$label.log" 2>&1
  fi
  t1=$(date +%s%N)
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
  rss=$(awk '/^[0-9]+$/ { v = $1 } END { printf "%.0f", v / 1024 }' "$work/$label.rss")
}

# median3 LABEL CMD... : start-up is short and noisy; keep the median wall
# of three runs (and the largest RSS).
median3() {
  local label=$1
  shift
  local walls=() peak=0 i
  for i in 1 2 3; do
    measure "$label-$i" "$@"
    walls+=("$wall")
    [ "$rss" -gt "$peak" ] && peak=$rss
  done
  wall=$(printf '%s\n' "${walls[@]}" | sort -n | sed -n 2p)
  rss=$peak
}

alerts_of() { grep -c '"event_type":"alert"' "$1/eve.json" || true; }
parity_of() {
  if [ -f "$ref" ]; then
    python3 "$shared/bench/parity.py" --ref "$ref" --eve "$1/eve.json" | tail -1 |
      sed -E 's/.*recall=([0-9.]+) precision=([0-9.]+).*/\1 \2/'
  else
    echo "- -"
  fi
}
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
rate() { awk -v n="$1" -v s="$2" -v k="$3" 'BEGIN { if (s > 0) printf "%.1f", n / s / k; else print "-" }'; }

"$sigil" -q rules check --json -c "$vars" "$rules" >"$work/check.json"
read -r rules_loaded rules_total < <(python3 -c 'import json, sys
d = json.load(open(sys.argv[1])); print(d["compiled"], d["rules"])' "$work/check.json")

common=(-S "$rules" -c "$vars" -k none)
rows=()
summary=()
for n in $threads; do
  median3 "start-$n" "$sigil" -q run -r "$empty" "${common[@]}" -l "$work/start-$n" --threads "$n"
  start=$wall start_rss=$rss
  median3 "nstart-$n" "$sigil" -q run -r "$empty" "${common[@]}" --no-detect -l "$work/nstart-$n" --threads "$n"
  nstart=$wall

  measure "detect-$n" "$sigil" -q run -r "$corpus" "${common[@]}" -l "$work/detect-$n" --threads "$n"
  dwall=$wall drss=$rss
  dpass=$(sub "$dwall" "$start")
  dalerts=$(alerts_of "$work/detect-$n")
  read -r recall precision < <(parity_of "$work/detect-$n")
  rows+=("detect|$n|$start|$dwall|$dpass|$(rate $corpus_packets "$dpass" 1000)|$(rate $((corpus_bytes * 8)) "$dpass" 1000000)|$drss|$dalerts|$recall|$precision")

  measure "decode-$n" "$sigil" -q run -r "$corpus" "${common[@]}" --no-detect -l "$work/decode-$n" --threads "$n"
  nwall=$wall nrss=$rss
  npass=$(sub "$nwall" "$nstart")
  rows+=("decode-only|$n|$nstart|$nwall|$npass|$(rate $corpus_packets "$npass" 1000)|$(rate $((corpus_bytes * 8)) "$npass" 1000000)|$nrss|-|-|-")

  line="threads=$n: detect/decode-only pass ratio $(div "$dpass" "$npass")"
  if [ "$five" = 1 ]; then
    measure "five-$n" "$sigil" -q run -r "$corpus" -r "$corpus" -r "$corpus" -r "$corpus" -r "$corpus" \
      "${common[@]}" -l "$work/five-$n" --threads "$n"
    fwall=$wall frss=$rss
    fpass=$(awk -v f="$fwall" -v o="$dwall" 'BEGIN { printf "%.3f", (f - o) / 4 }')
    falerts=$(alerts_of "$work/five-$n")
    rows+=("detect x5|$n|-|$fwall|$fpass|$(rate $corpus_packets "$fpass" 1000)|$(rate $((corpus_bytes * 8)) "$fpass" 1000000)|$frss|$falerts|-|-")
    line="$line; one more pass (five-one)/4 = ${fpass}s (single-run pass ${dpass}s)"
  fi
  if [ "$n" = 1 ]; then
    summary+=("vs Suricata (1 worker): start-up $(div "$start" $suri_load)x of ${suri_load}s Hyperscan load+compile ($(div "$start" $suri_load_ac)x of ${suri_load_ac}s AC); pass $(div "$dpass" $suri_pass)x of ${suri_pass}s; peak RSS $(div "$drss" $suri_rss_mb)x of ${suri_rss_mb} MB; alerts $(div "$dalerts" $suri_alerts)x of ${suri_alerts}")
  fi
  summary+=("$line")
  echo "threads=$n done (start-up rss ${start_rss} MB)" >&2
done

echo "sigil $("$sigil" --version | awk '{print $2}') @ $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo '+dirty'); rules loaded $rules_loaded of $rules_total; corpus $corpus_packets packets, $corpus_bytes bytes; $(nproc) cores"
{
  echo "mode|threads|start-up s|wall s|pass s|kpkt/s|Mbit/s|peak RSS MB|alerts|recall|precision"
  printf '%s\n' "${rows[@]}"
} | column -t -s '|'
printf '%s\n' "${summary[@]}"
