#!/usr/bin/env bash
# hearth-client against Ignite's raw thin client, interleaved (client, thin, client, thin, ...) so that whatever
# else runs on the machine hits both alike; prints the median of each figure and the client's overhead.
# Usage: bench/client-vs-thin.sh ROUNDS HOST:PORT,... [hearthctl bench options...]
#   e.g. bench/client-vs-thin.sh 3 127.0.0.1:10800,127.0.0.1:10801,127.0.0.1:10802 --threads 4,16,64 \
#        --warmup 10 --duration 20
# VARIANTS (optional) compares other builds: space-separated LABEL:TARGET[:HEARTH_HOME], default
# "client:client thin:thin" (HEARTH_HOME: a checkout or distribution whose hearthctl runs that variant).
# Raw outputs are kept in $OUT (default: a new temporary directory).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:?rounds}"
servers="${2:?servers}"
shift 2
variants="${VARIANTS:-client:client thin:thin}"
out="${OUT:-$(mktemp -d)}"
mkdir -p "$out"

for round in $(seq 1 "$rounds"); do
  for v in $variants; do
    IFS=: read -r label target home <<< "$v"
    echo "round $round/$rounds: $label" >&2
    HEARTH_HOME="${home:-$here}" "$here/bin/hearthctl" bench --target "$target" --servers "$servers" "$@" \
      -o table > "$out/$round-$label.txt" 2> "$out/$round-$label.log" || {
        echo "bench failed (exit $?; failed operations make it exit 1): see $out/$round-$label.log" >&2; }
  done
done

# Median of a space-separated list, shared by both summaries below.
median_fn='
  function median(s,   a, n, i, j, t) {
    n = split(s, a, " ")
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }'

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
