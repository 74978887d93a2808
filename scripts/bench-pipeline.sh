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
# pass, peak RSS, cores kept busy ((user + sys) / wall), alerts and parity
# (shared/bench/parity.py).
#
# When `suricata` is installed (or --suricata PATH names one), Suricata is
# measured in the same sitting on the same files: start-up over the
# corpus' first packet (median of 3; it refuses a capture without packets) and one pass with one worker (--runmode single,
# -k none, every ET Open file, the variables of vars.yaml), so the ratios
# against it are taken under the same machine load.
#
# With perf installed it also samples the CPU time of the packet threads
# alone (Sigil's workers, Suricata's W#01) in one-worker runs: a measure of
# the pass that Suricata's start-up variance does not blur.
#
# Usage: scripts/bench-pipeline.sh [--threads "1 2"] [--no-build] [--no-five]
#                                  [--no-thread-cpu]
#                                  [--keep DIR] [--extra-args "--no-evidence"]
#                                  [--suricata PATH | --no-suricata]
# Environment: SIGIL_SHARED (default ../shared), SIGIL_BENCH_CACHE (where
# corpus.pcap is decompressed; default target/bench-cache),
# SIGIL_BENCH_BUDGET (seconds, default 540): a corpus run whose estimate
# (from the runs before it) would pass the budget is skipped and said so,
# the five-pass runs first, so the script ends within 10 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
shared=${SIGIL_SHARED:-$root/../shared}
cache=${SIGIL_BENCH_CACHE:-$root/target/bench-cache}
threads="1 2"
build=1
five=1
thread_cpu=1
keep=""
suricata=$(command -v suricata || true)
extra=""
budget=${SIGIL_BENCH_BUDGET:-540}
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --no-five) five=0; shift ;;
    --no-thread-cpu) thread_cpu=0; shift ;;
    --keep) keep=$2; shift 2 ;;
    --extra-args) extra=$2; shift 2 ;;
    --suricata) suricata=$2; shift 2 ;;
    --no-suricata) suricata=; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
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
# Suricata will not start on a capture without packets: the header and the
# first packet record (16-byte record header + captured length) instead.
first=$(od -An -t u4 -j 32 -N 4 "$corpus" | tr -d ' ')
one=$cache/one.pcap
head -c $((24 + 16 + first)) "$corpus" >"$one"

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

# measure LABEL CMD... : runs CMD (output to $work/LABEL.log) and sets
# $wall (seconds, ns clock), $rss (peak resident set, MB) and $cpu (user +
# system seconds over wall: how many cores were kept busy). CMD writes
# its outputs to $work/out (sigil refuses an output folder that already
# holds a case), which is then kept as $work/LABEL.
measure() {
  local label=$1
  shift
  local t0 t1 rc=0
  rm -rf "${work:?}/out" "${work:?}/$label"
  t0=$(date +%s%N)
  if [ "$have_time" = 1 ]; then
    /usr/bin/time -f '%M %U %S' -o "$work/$label.rss" "$@" >"$work/$label.log" 2>&1 || rc=$?
  else
    # Fallback without GNU time: the kernel's accounting of the child.
    python3 -c 'import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:])
u = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write("%d %.2f %.2f\n" % (u.ru_maxrss, u.ru_utime, u.ru_stime))
sys.exit(rc)' "$work/$label.rss" "$@" >"$work/$label.log" 2>&1 || rc=$?
  fi
  t1=$(date +%s%N)
  if [ "$rc" != 0 ]; then
    echo "bench-pipeline: $label failed (exit $rc): $*" >&2
    tail -5 "$work/$label.log" >&2
    exit 1
  fi
  [ -d "$work/out" ] && mv "$work/out" "$work/$label"
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
  read -r rss cpu < <(awk -v w="$wall" '/^[0-9]+ [0-9.]+ [0-9.]+$/ { m = $1; c = $2 + $3 }
    END { printf "%.0f %.2f\n", m / 1024, (w > 0 ? c / w : 0) }' "$work/$label.rss")
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

read -ra extra_args <<<"$extra"
common=(-S "$rules" -c "$vars" -k none ${extra_args[@]+"${extra_args[@]}"})
declare -A start gspan gspan_cpu sspan dwall dpass drss dcpu dalerts recall precision nstart nwall npass nrss ncpu fwall fpass frss fcpu falerts
# fits LABEL ESTIMATE: true when a run estimated at ESTIMATE seconds still
# fits the time budget; otherwise says why it is skipped.
fits() {
  if awk -v now="$SECONDS" -v est="$2" -v b="$budget" 'BEGIN { exit !(now + est <= b) }'; then
    return 0
  fi
  echo "skipping $1: about ${2}s would pass the ${budget}s budget (${SECONDS}s used)" >&2
  notes+=("$1 skipped: estimated ${2}s would pass the ${budget}s budget")
  return 1
}
notes=()
prev_detect=0
for n in $threads; do
  median3 "start-$n" "$sigil" -q run -r "$empty" "${common[@]}" -l "$work/out" --threads "$n"
  start[$n]=$wall
  median3 "nstart-$n" "$sigil" -q run -r "$empty" "${common[@]}" --no-detect -l "$work/out" --threads "$n"
  nstart[$n]=$wall

  fits "detect --threads $n" "$prev_detect" || continue
  measure "detect-$n" "$sigil" -q run -r "$corpus" "${common[@]}" -l "$work/out" --threads "$n"
  dwall[$n]=$wall drss[$n]=$rss dcpu[$n]=$cpu prev_detect=$wall
  dpass[$n]=$(sub "$wall" "${start[$n]}")
  dalerts[$n]=$(alerts_of "$work/detect-$n")
  read -r r p < <(parity_of "$work/detect-$n")
  recall[$n]=$r precision[$n]=$p

  measure "decode-$n" "$sigil" -q run -r "$corpus" "${common[@]}" --no-detect -l "$work/out" --threads "$n"
  nwall[$n]=$wall nrss[$n]=$rss ncpu[$n]=$cpu
  npass[$n]=$(sub "$wall" "${nstart[$n]}")
  echo "threads=$n: detect ${dwall[$n]}s, decode-only ${nwall[$n]}s" >&2
done
# Suricata on the same files in the same sitting (one worker).
if [ -n "$suricata" ]; then
  cat "$rules"/*.rules >"$work/et-open.rules"
  # vars.yaml's address and port groups as --set overrides.
  mapfile -t suri_sets < <(awk '
    /^  address-groups:/ { g = "address-groups"; next }
    /^  port-groups:/ { g = "port-groups"; next }
    /^  [^ ]/ { g = "" }
    g != "" && /^    [A-Z0-9_]+: *"/ {
      name = $1; sub(/:$/, "", name)
      val = $0; sub(/^[^"]*"/, "", val); sub(/".*$/, "", val)
      print "--set"; print "vars." g "." name "=" val
    }' "$vars")
  suri_common=(-S "$work/et-open.rules" -k none --runmode single ${suri_sets[@]+"${suri_sets[@]}"})
  suri_autofp=(-S "$work/et-open.rules" -k none --runmode autofp ${suri_sets[@]+"${suri_sets[@]}"})
  # Suricata wants its log folder to exist (measure empties it first).
  in_out=(sh -c 'mkdir -p "$1" && shift && exec "$@"' sh "$work/out")
  median3 "suri-start" "${in_out[@]}" "$suricata" -r "$one" "${suri_common[@]}" -l "$work/out"
  sstart=$wall
  measure "suri-detect" "${in_out[@]}" "$suricata" -r "$corpus" "${suri_common[@]}" -l "$work/out"
  swall=$wall srss=$rss scpu=$cpu
  spass=$(sub "$wall" "$sstart")
  salerts=$(alerts_of "$work/suri-detect")
  echo "suricata: start-up ${sstart}s, detect ${swall}s" >&2
  # No five-pass run for Suricata: given the corpus five times (a folder
  # of five copies) it raised 25,245 alerts, not 5 x 7,374, and spent
  # 0.58 s per extra copy: flows carried over while time jumps back are
  # cheap to it, so the difference does not measure its pass. Its pass is
  # wall - start-up of single runs (start-up varies by about a second).
fi
# The five-pass runs come last: they are the first to go when the budget
# is short (a slow pass makes start-up negligible anyway).
if [ "$five" = 1 ]; then
  for n in $threads; do
    [ -n "${dwall[$n]:-}" ] || continue
    fits "detect x5 --threads $n" "$(awk -v w="${dwall[$n]}" 'BEGIN { printf "%.0f", 5 * w }')" || continue
    measure "five-$n" "$sigil" -q run -r "$corpus" -r "$corpus" -r "$corpus" -r "$corpus" -r "$corpus" \
      "${common[@]}" -l "$work/out" --threads "$n"
    fwall[$n]=$wall frss[$n]=$rss fcpu[$n]=$cpu
    fpass[$n]=$(awk -v f="$wall" -v o="${dwall[$n]}" 'BEGIN { printf "%.3f", (f - o) / 4 }')
    falerts[$n]=$(alerts_of "$work/five-$n")
  done
fi

# Worker-thread CPU: wall - start-up swings by a second with Suricata's
# 10 s start-up on a shared machine, so the pass is also measured from
# outside as the CPU time of the packet threads alone, sampled by perf at
# 999 Hz (Sigil's `sigil-worker-N`, Suricata's `W#NN`, which in single
# runmode reads, decodes, detects and logs). Best of two runs each.
thread_cpu() { # PATTERN CMD... : sets $tcpu (seconds)
  local pat=$1 best= i s
  shift
  for i in 1 2; do
    rm -rf "${work:?}/out"
    perf record -q -F 999 -o "$work/threads.data" -- "$@" >"$work/threads.log" 2>&1 || return 1
    s=$(perf report -i "$work/threads.data" --sort comm -n --stdio 2>/dev/null |
      awk -v p="$pat" '$0 !~ /^#/ && $3 ~ p { n += $2 } END { printf "%.3f", n / 999 }')
    best=$(awk -v a="$s" -v b="${best:-$s}" 'BEGIN { print (a < b ? a : b) }')
  done
  tcpu=$best
}
if [ "$thread_cpu" = 1 ] && command -v perf >/dev/null && [ -n "${dwall[1]:-}" ]; then
  if thread_cpu '^sigil-worker-' "$sigil" -q run -r "$corpus" "${common[@]}" -l "$work/out" --threads 1; then
    gcpu=$tcpu
  fi
  if [ -n "${swall:-}" ] && thread_cpu '^W#' "${in_out[@]}" "$suricata" -r "$corpus" "${suri_common[@]}" -l "$work/out"; then
    scpu_w=$tcpu
  fi
fi

# Scaling with the start-up taken out: the pass is the span from the first
# to the last perf sample of the packet threads (best of 2), for one and
# two workers, for Sigil and for Suricata's autofp runmode (one reader
# thread, flow-pinned workers, like Sigil's pipeline;
# detect-thread-ratio 0.5 and 1.0 give one and two workers on 2 cores).
# With it, the ceiling any design of this shape has on this machine: in
# the one-worker pass, all threads together spend P1 CPU-seconds within
# the span T1 (the reader and the writer run beside the worker on the
# other core), so two workers on C cores need at least P1 / C seconds and
# T1 / (P1 / C) bounds the ratio, unless splitting the traffic made work
# disappear.
worker_span() { # PATTERN CMD... : sets $span and $span_cpu (seconds)
  local pat=$1 best= i r
  shift
  for i in 1 2; do
    rm -rf "${work:?}/out"
    perf record -q -F 999 -o "$work/span.data" -- "$@" >"$work/span.log" 2>&1 || return 1
    r=$(perf script -i "$work/span.data" -F comm,time 2>/dev/null |
      awk -v p="$pat" '{ c[NR] = $1; t[NR] = $2 + 0 }
        $1 ~ p { x = $2 + 0; if (lo == "" || x < lo) lo = x; if (x > hi) hi = x }
        END {
          if (lo == "") exit 1
          for (i = 1; i <= NR; i++) if (t[i] >= lo && t[i] <= hi) n++
          printf "%.3f %.3f", hi - lo, n / 999
        }') || return 1
    if [ -z "$best" ] || awk -v a="${r% *}" -v b="${best% *}" 'BEGIN { exit !(a < b) }'; then
      best=$r
    fi
  done
  span=${best% *} span_cpu=${best#* }
}
if [ "$thread_cpu" = 1 ] && command -v perf >/dev/null &&
  [ -n "${dwall[1]:-}" ] && [ -n "${dwall[2]:-}" ]; then
  for n in 1 2; do
    if worker_span '^sigil-worker-' "$sigil" -q run -r "$corpus" "${common[@]}" -l "$work/out" --threads "$n"; then
      gspan[$n]=$span gspan_cpu[$n]=$span_cpu
    fi
  done
  if [ -n "${swall:-}" ]; then
    for n in 1 2; do
      worker_span '^W#' "${in_out[@]}" "$suricata" -r "$corpus" "${suri_autofp[@]}" \
        --set "threading.detect-thread-ratio=$(awk -v n="$n" 'BEGIN { printf "%.1f", n / 2 }')" \
        -l "$work/out" && sspan[$n]=$span
    done
  fi
fi

mbit() { rate $((corpus_bytes * 8)) "$1" 1000000; }
kpkt() { rate $corpus_packets "$1" 1000; }
rows=()
summary=()
for n in $threads; do
  [ -n "${dwall[$n]:-}" ] || continue
  rows+=("detect|$n|${start[$n]}|${dwall[$n]}|${dpass[$n]}|$(kpkt "${dpass[$n]}")|$(mbit "${dpass[$n]}")|${drss[$n]}|${dcpu[$n]}|${dalerts[$n]}|${recall[$n]}|${precision[$n]}")
  rows+=("decode-only|$n|${nstart[$n]}|${nwall[$n]}|${npass[$n]}|$(kpkt "${npass[$n]}")|$(mbit "${npass[$n]}")|${nrss[$n]}|${ncpu[$n]}|-|-|-")
  line="threads=$n: detect/decode-only pass ratio $(div "${dpass[$n]}" "${npass[$n]}")"
  if [ -n "${fwall[$n]:-}" ]; then
    rows+=("detect x5|$n|-|${fwall[$n]}|${fpass[$n]}|$(kpkt "${fpass[$n]}")|$(mbit "${fpass[$n]}")|${frss[$n]}|${fcpu[$n]}|${falerts[$n]}|-|-")
    line="$line; one more pass (five - one) / 4 = ${fpass[$n]}s (single run: wall - start-up = ${dpass[$n]}s)"
  fi
  summary+=("$line")
done
if [ -n "${swall:-}" ]; then
  sver=$("$suricata" -V 2>/dev/null | awk '{print $5}')
  rows+=("suricata $sver|1|$sstart|$swall|$spass|$(kpkt "$spass")|$(mbit "$spass")|$srss|$scpu|$salerts|-|-")
fi
if [ -n "${dwall[1]:-}" ] && [ -n "${swall:-}" ]; then
  summary+=("vs Suricata here, same sitting (1 worker): start-up $(div "${start[1]}" "$sstart")x of ${sstart}s; pass $(div "${dpass[1]}" "$spass")x of ${spass}s (Sigil $(div "$spass" "${dpass[1]}")x Suricata's speed); peak RSS $(div "${drss[1]}" "$srss")x of ${srss} MB; alerts ${dalerts[1]} vs ${salerts}")
fi
if [ -n "${gcpu:-}" ] && [ -n "${scpu_w:-}" ]; then
  summary+=("worker-thread CPU over the corpus (perf, 1 worker, best of 2): Sigil ${gcpu}s, Suricata ${scpu_w}s (Sigil $(div "$scpu_w" "$gcpu")x Suricata's speed)")
elif [ -n "${gcpu:-}" ]; then
  summary+=("worker-thread CPU over the corpus (perf, 1 worker, best of 2): Sigil ${gcpu}s")
fi
if [ -n "${gspan[1]:-}" ] && [ -n "${gspan[2]:-}" ]; then
  summary+=("two workers vs one, packet threads' span (perf, best of 2): Sigil ${gspan[1]}s -> ${gspan[2]}s = $(div "${gspan[1]}" "${gspan[2]}")x; within the one-worker span all threads used ${gspan_cpu[1]} CPU-s (two workers: ${gspan_cpu[2]}), so $(nproc) cores bound two workers to $(awk -v t="${gspan[1]}" -v p="${gspan_cpu[1]}" -v c="$(nproc)" 'BEGIN { if (p > 0) printf "%.2f", t * c / p; else print "-" }')x")
fi
if [ -n "${sspan[1]:-}" ] && [ -n "${sspan[2]:-}" ]; then
  summary+=("Suricata autofp (one reader, flow-pinned workers) on the same corpus: ${sspan[1]}s -> ${sspan[2]}s = $(div "${sspan[1]}" "${sspan[2]}")x")
fi
if [ -n "${dwall[1]:-}" ]; then
  summary+=("vs Suricata README figures (1 worker): start-up $(div "${start[1]}" $suri_load)x of ${suri_load}s Hyperscan load+compile ($(div "${start[1]}" $suri_load_ac)x of ${suri_load_ac}s with AC); pass $(div "${dpass[1]}" $suri_pass)x of ${suri_pass}s; peak RSS $(div "${drss[1]}" $suri_rss_mb)x of ${suri_rss_mb} MB; alerts $(div "${dalerts[1]}" $suri_alerts)x of ${suri_alerts}")
fi

echo "sigil $("$sigil" --version | awk '{print $2}') @ $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo '+dirty'); rules loaded $rules_loaded of $rules_total; corpus $corpus_packets packets, $corpus_bytes bytes; $(nproc) cores; ${SECONDS}s"
{
  echo "mode|threads|start-up s|wall s|pass s|kpkt/s|Mbit/s|peak RSS MB|cores busy|alerts|recall|precision"
  printf '%s\n' "${rows[@]}"
} | column -t -s '|'
printf '%s\n' "${summary[@]}" ${notes[@]+"${notes[@]}"}
