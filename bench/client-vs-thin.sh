#!/usr/bin/env bash
# hearth-client against Ignite's raw thin client (issue #19's overhead goal: at most 5% in throughput and p99).
# Usage: bench/client-vs-thin.sh ROUNDS HOST:PORT,... [hearthctl bench options...]
#   e.g. bench/client-vs-thin.sh 5 127.0.0.1:10800,127.0.0.1:10801,127.0.0.1:10802 --threads 16 --keys 10000 \
#        --warmup 20 --duration 60 --slice 1 --server-pids 123,124,125
# MODE=same-jvm (default): each round is one `hearthctl bench --target client --compare thin` process, both clients
#   driven by the same threads in alternating slices (--slice seconds), so that JIT state, GC and whatever else runs
#   on the machine hit both alike; prints each round's differences and their medians.
# MODE=processes: each client in its own `hearthctl bench` process, in turn (client, thin, client, thin, ...):
#   what a fresh JVM costs is then measured too, and single runs on a shared 2-core machine moved by 30%.
#   VARIANTS (optional) compares other builds: space-separated LABEL:TARGET[:HEARTH_HOME], default
#   "client:client thin:thin" (HEARTH_HOME: a checkout or distribution whose hearthctl runs that variant).
# LAYERS=jcache,spring (optional, MODE=same-jvm): the Spring and JCache layers too, after the rounds: bench/layers.sh
#   with the thin client, hearth-client and those layers in one JVM, the same threads switching layer every second in
#   a random order, with the first --threads value, --keys and --server-pids given here; LAYER_SECONDS (default 20)
#   measured per layer and round, LAYER_ROUNDS (default 6) after one round of warm-up.
# Raw outputs are kept in $OUT (default: a new temporary directory).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:?rounds}"
servers="${2:?servers}"
shift 2
mode="${MODE:-same-jvm}"
variants="${VARIANTS:-client:client thin:thin}"
out="${OUT:-$(mktemp -d)}"
mkdir -p "$out"

# Median of a space-separated list, shared by the summaries below.
median_fn='
  function median(s,   a, n, i, j, t) {
    n = split(s, a, " ")
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }'

if [ "$mode" = same-jvm ]; then
  for round in $(seq 1 "$rounds"); do
    echo "round $round/$rounds: client and thin in one process" >&2
    "$here/bin/hearthctl" bench --target client --compare thin --servers "$servers" "$@" -o table \
      > "$out/$round-compare.txt" 2> "$out/$round-compare.log" || {
        echo "bench failed (exit $?; failed operations make it exit 1): see $out/$round-compare.log" >&2; }
    grep ' vs ' "$out/$round-compare.txt" | sed "s/^/round $round: /" >&2 || true
  done
  echo "raw results: $out" >&2
  # TARGET THREADS PIPELINE OPS/S P50_MS P99_MS P999_MS MAX_MS FAILED CPU_US_OP RATE SRV_CPU_US_OP, per round.
  for f in "$out"/*-compare.txt; do
    round="$(basename "$f" | cut -d- -f1)"
    awk -v r="$round" '($1 == "client" || $1 == "thin") && $2 ~ /^[0-9]+$/ { print r, $1, $2, $4, $6, $9, $10, $12 }' "$f"
  done | awk "$median_fn"'
    { k = $1 SUBSEP $3; threads[$3] = 1
      if ($2 == "client") { cops[k] = $4; cp99[k] = $5; ccpu[k] = $7; csrv[k] = $8 } else { tops[k] = $4; tp99[k] = $5; tcpu[k] = $7; tsrv[k] = $8 }
      failed[$2] += $6; rounds[$1] = 1 }
    END {
      nt = 0; for (t in threads) tl[++nt] = t + 0
      for (i = 2; i <= nt; i++) { x = tl[i]; for (j = i - 1; j >= 1 && tl[j] > x; j--) tl[j + 1] = tl[j]; tl[j + 1] = x }
      for (i = 1; i <= nt; i++) {
        dops = ""; dp99 = ""; dcpu = ""; dsrv = ""; n = 0; within = 0
        for (r in rounds) {
          k = r SUBSEP tl[i]
          if (!(k in cops) || !(k in tops) || tops[k] + 0 == 0 || tp99[k] + 0 == 0) continue
          d = 100 * (cops[k] / tops[k] - 1); dp = 100 * (cp99[k] / tp99[k] - 1)
          dops = dops " " d; dp99 = dp99 " " dp; n++; if (d >= -5 && dp <= 5) within++
          if (tcpu[k] + 0 > 0) dcpu = dcpu " " 100 * (ccpu[k] / tcpu[k] - 1)
          if (tsrv[k] + 0 > 0) dsrv = dsrv " " 100 * (csrv[k] / tsrv[k] - 1)
        }
        if (n == 0) continue
        printf "client vs thin, %d threads, median of %d rounds: throughput %+.1f%%, p99 %+.1f%%, client CPU per operation %+.1f%%, servers CPU per operation %s (within 5%% in throughput and p99: %d of %d rounds)\n",
          tl[i], n, median(dops), median(dp99), dcpu == "" ? 0 : median(dcpu), dsrv == "" ? "n/a" : sprintf("%+.1f%%", median(dsrv)), within, n
      }
      printf "failed operations: client %d, thin %d\n", failed["client"], failed["thin"]
    }'
  if [ -n "${LAYERS:-}" ]; then
    threads=16 keys=10000 pids=""
    args=("$@")
    for ((i = 0; i < ${#args[@]} - 1; i++)); do
      case "${args[i]}" in
        --threads) threads="${args[i + 1]%%,*}" ;;
        --keys) keys="${args[i + 1]}" ;;
        --server-pids) pids="${args[i + 1]}" ;;
      esac
    done
    echo "layers: thin,client,$LAYERS in one JVM, $threads threads, ${LAYER_ROUNDS:-6} rounds" >&2
    SERVER_PIDS="$pids" LAYERS="thin,client,$LAYERS" OUT="$out/layers" "$here/bench/layers.sh" "$servers" "$threads" \
      "${LAYER_SECONDS:-20}" "${LAYER_ROUNDS:-6}" "$keys"
  fi
  exit 0
fi
if [ "$mode" != processes ]; then
  echo "MODE must be same-jvm or processes, not $mode" >&2
  exit 2
fi

for round in $(seq 1 "$rounds"); do
  for v in $variants; do
    IFS=: read -r label target home <<< "$v"
    echo "round $round/$rounds: $label" >&2
    HEARTH_HOME="${home:-$here}" "$here/bin/hearthctl" bench --target "$target" --servers "$servers" "$@" \
      -o table > "$out/$round-$label.txt" 2> "$out/$round-$label.log" || {
        echo "bench failed (exit $?; failed operations make it exit 1): see $out/$round-$label.log" >&2; }
  done
done

echo "raw results: $out" >&2
# TARGET THREADS PIPELINE OPS/S P50_MS P99_MS P999_MS MAX_MS FAILED CPU_US_OP, one file per round and variant.
for v in $variants; do
  IFS=: read -r label _ <<< "$v"
  for f in "$out"/*-"$label".txt; do
    awk -v l="$label" 'NR > 1 { print l, $2, $4, $5, $6, $7, $9, $10 }' "$f"
  done
done | awk -v order="$variants" "$median_fn"'
  { k = $1 SUBSEP $2; ops[k] = ops[k] " " $3; p50[k] = p50[k] " " $4; p99[k] = p99[k] " " $5; p999[k] = p999[k] " " $6
    failed[k] += $7; cpu[k] = cpu[k] " " $8; threads[$2] = 1; runs[k]++ }
  END {
    nv = split(order, vs, " ")
    printf "%-12s %8s %5s %10s %9s %9s %9s %7s %10s\n", "VARIANT", "THREADS", "RUNS", "OPS/S", "P50_MS", "P99_MS", "P999_MS", "FAILED", "CPU_US_OP"
    nt = 0; for (t in threads) tl[++nt] = t + 0
    for (i = 2; i <= nt; i++) { x = tl[i]; for (j = i - 1; j >= 1 && tl[j] > x; j--) tl[j + 1] = tl[j]; tl[j + 1] = x }
    for (i = 1; i <= nt; i++) {
      for (v = 1; v <= nv; v++) {
        split(vs[v], p, ":"); k = p[1] SUBSEP tl[i]
        if (!(k in runs)) continue
        printf "%-12s %8d %5d %10.0f %9.3f %9.3f %9.3f %7d %10.1f\n", p[1], tl[i], runs[k], median(ops[k]), median(p50[k]),
          median(p99[k]), median(p999[k]), failed[k], median(cpu[k])
      }
    }
    # Overhead of each variant against the last one (the baseline: thin by default), from the medians.
    split(vs[nv], b, ":")
    for (i = 1; i <= nt; i++) {
      kb = b[1] SUBSEP tl[i]
      if (!(kb in runs)) continue
      for (v = 1; v < nv; v++) {
        split(vs[v], p, ":"); k = p[1] SUBSEP tl[i]
        if (!(k in runs)) continue
        printf "%s vs %s, %d threads: throughput %+.1f%%, p99 %+.1f%%, CPU per operation %+.1f%%\n", p[1], b[1], tl[i],
          100 * (median(ops[k]) / median(ops[kb]) - 1), 100 * (median(p99[k]) / median(p99[kb]) - 1),
          100 * (median(cpu[k]) / median(cpu[kb]) - 1)
      }
    }
  }'

# The same comparison from each round's pair (a variant and the baseline run one after the other): neighbouring runs
# share the machine's state, so the median of per-round differences is steadier than the difference of medians.
for v in $variants; do
  IFS=: read -r label _ <<< "$v"
  for f in "$out"/*-"$label".txt; do
    round="$(basename "$f" | cut -d- -f1)"
    awk -v l="$label" -v r="$round" 'NR > 1 { print l, r, $2, $4, $6, $10 }' "$f"
  done
done | awk -v order="$variants" "$median_fn"'
  { k = $1 SUBSEP $2 SUBSEP $3; ops[k] = $4; p99[k] = $5; cpu[k] = $6; threads[$3] = 1; rounds[$2] = 1 }
  END {
    nv = split(order, vs, " "); split(vs[nv], b, ":")
    nt = 0; for (t in threads) tl[++nt] = t + 0
    for (i = 2; i <= nt; i++) { x = tl[i]; for (j = i - 1; j >= 1 && tl[j] > x; j--) tl[j + 1] = tl[j]; tl[j + 1] = x }
    for (v = 1; v < nv; v++) {
      split(vs[v], p, ":")
      for (i = 1; i <= nt; i++) {
        dops = ""; dp99 = ""; dcpu = ""; n = 0; better = 0; lower = 0
        for (r in rounds) {
          k = p[1] SUBSEP r SUBSEP tl[i]; kb = b[1] SUBSEP r SUBSEP tl[i]
          if (!(k in ops) || !(kb in ops) || ops[kb] + 0 == 0) continue
          d = 100 * (ops[k] / ops[kb] - 1); dops = dops " " d; n++; if (d >= 0) better++
          if (p99[kb] + 0 > 0) { dp = 100 * (p99[k] / p99[kb] - 1); dp99 = dp99 " " dp; if (dp <= 0) lower++ }
          if (cpu[kb] + 0 > 0) dcpu = dcpu " " 100 * (cpu[k] / cpu[kb] - 1)
        }
        if (n == 0) continue
        printf "%s vs %s, %d threads, median of %d paired rounds: throughput %+.1f%%, p99 %+.1f%%, CPU per operation %+.1f%% (%s: throughput as high in %d of %d rounds, p99 as low in %d)\n",
          p[1], b[1], tl[i], n, median(dops), median(dp99), median(dcpu), p[1], better, n, lower
      }
    }
  }'
