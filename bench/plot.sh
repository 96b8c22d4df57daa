#!/usr/bin/env bash
# Draws the plots of docs/benchmarks.md from the data files in bench/results/ into docs/img/*.svg.
# Each data file's header says where its figures come from (a bench command and its date, or a table of
# docs/benchmarks.md); each plot names its data file. Needs gnuplot (Debian: apt-get install -y gnuplot-nox).
# Usage: bench/plot.sh [PNG_DIR]   (PNG_DIR: also write PNGs there, to look at the plots; not checked in)
#
# New series come from bench/one-gib.sh, which writes OUT_DIR/read-<step>.tsv; copy one to bench/results/ under a
# dated name and point the plot below at it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
results="$here/results"
img="$root/docs/img"
png_dir="${1:-}"
command -v gnuplot > /dev/null || { echo "plot.sh: gnuplot not found (apt-get install gnuplot-nox)" >&2; exit 2; }
mkdir -p "$img"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

throughput="$results/throughput-by-target-2026-11-21.tsv"
client_thin="$results/client-vs-thin-2026-11-22.tsv"
layers="$results/client-layers-2026-12-06.tsv"
failover="$results/failover-kill1-2026-12-06.tsv"
warm_local="$results/restart-localcopy-2026-12-06.tsv"
warm_dump="$results/warmup-dump-1gib-2026-11-22.tsv"

# Shared look: SVG at a size that reads on a laptop screen, a note at the bottom naming the data.
common='set datafile columnheaders
set grid ytics lc rgb "#dddddd"
set border 3
set tics nomirror out
set key top left box opaque'

# $1 = svg, $2 = its size (W,H), then the gnuplot script on stdin; with PNG_DIR also a PNG of the same script.
draw() {
  local svg="$1" size="$2" script
  script="$(cat)"
  printf 'set terminal svg size %s dynamic font "Helvetica,13" background "#ffffff"\nset output "%s"\n%s\n%s\n' \
    "$size" "$svg" "$common" "$script" | gnuplot
  echo "wrote $svg"
  if [ -n "$png_dir" ]; then
    mkdir -p "$png_dir"
    local png="$png_dir/$(basename "${svg%.svg}").png"
    printf 'set terminal pngcairo size %s font "Helvetica,11" background "#ffffff"\nset output "%s"\n%s\n%s\n' \
      "$size" "$png" "$common" "$script" | gnuplot
  fi
}

# The command and the run (git, date) a bench/one-gib.sh series names on its second header line, as two lines of a
# plot's footer; quotes escaped for gnuplot.
series_source() {
  sed -n '2s/^# from [^:]*: //p' "$1" | sed 's/ bench\/one-gib.sh [^;]*;/ bench\/one-gib.sh OUT_DIR;\\n/; s/"/\\"/g'
}

# --- Throughput by target: grouped bars, one group per thread count. Rows of the table by target, pipeline.
for p in 1 16; do
  for t in memcached hearth-1-node hearth-3-nodes; do
    awk -v t="$t" -v p="$p" -F'\t' 'BEGIN {print "threads\tops_s\tp99_ms"} !/^#/ && $1 == t && $3 == p {print $2 "\t" $4 "\t" $6}' "$throughput" \
      > "$tmp/$t-p$p.tsv"
  done
done
for t in hearth-client thin-client; do
  awk -v t="$t" -F'\t' 'BEGIN {print "threads\tops_s\tp99_ms"} !/^#/ && $1 == t {print $2 "\t" $3 "\t" $5}' "$client_thin" > "$tmp/$t.tsv"
done
draw "$img/throughput-by-target.svg" 1250,580 <<EOF
set multiplot layout 1,3 title "Throughput by target, 90% get / 10% set, 100-byte values, load and servers on the same 2 cores" margins 0.06,0.98,0.22,0.86 spacing 0.05,0
set style fill solid 0.85 border -1
set boxwidth 0.26
set xrange [-0.6:2.6]
set xtics ("4" 0, "16" 1, "64" 2)
set xlabel "client threads"
set ylabel "operations/s"
set format y "%.0s%c"
set yrange [0:160000]
set key top left
set title "memcached protocol, no pipelining\n(2026-11-21, shared machine)"
plot "$tmp/memcached-p1.tsv" using (\$0-0.28):2 with boxes lc rgb "#999999" title "memcached 1.6.18", \
     "$tmp/hearth-1-node-p1.tsv" using (\$0):2 with boxes lc rgb "#6fa8dc" title "Hearth 1 node, memcached port", \
     "$tmp/hearth-3-nodes-p1.tsv" using (\$0+0.28):2 with boxes lc rgb "#1c4587" title "Hearth 3 nodes, memcached port"
set title "memcached protocol, pipeline 16\n(2026-11-21, shared machine)"
unset ylabel
unset key
plot "$tmp/memcached-p16.tsv" using (\$0-0.28):2 with boxes lc rgb "#999999" notitle, \
     "$tmp/hearth-1-node-p16.tsv" using (\$0):2 with boxes lc rgb "#6fa8dc" notitle, \
     "$tmp/hearth-3-nodes-p16.tsv" using (\$0+0.28):2 with boxes lc rgb "#1c4587" notitle
set title "Java clients on 3 Hearth nodes, medians of 3\n(2026-11-22 run 3, quiet machine)"
set boxwidth 0.36
set key top left
set label 1 "data: bench/results/throughput-by-target-2026-11-21.tsv (bin/hearthctl bench --target memcached --threads 4,16,64 --pipeline 1,16) and\nbench/results/client-vs-thin-2026-11-22.tsv (bench/client-vs-thin.sh 3 ... --threads 4,16,64): figures from the tables of docs/benchmarks.md" at screen 0.01,0.06 left font ",11"
plot "$tmp/thin-client.tsv" using (\$0-0.19):2 with boxes lc rgb "#b6d7a8" title "Ignite raw thin client", \
     "$tmp/hearth-client.tsv" using (\$0+0.19):2 with boxes lc rgb "#38761d" title "hearth-client"
unset multiplot
EOF

# --- Client layers, 16 threads: ops/s bars and p99 points on the right axis.
draw "$img/client-layers.svg" 1100,520 <<EOF
set title "Client layers on 3 Hearth nodes, 16 threads, 90% get / 10% put, 10,000 keys, 100-byte values, medians of 5 rounds (2026-12-06)"
set style fill solid 0.85 border -1
set boxwidth 0.5
set yrange [0:10000]
set y2range [0:20]
set ylabel "operations/s (bars)"
set y2label "p99 ms (points)"
set y2tics
set xrange [-0.6:3.6]
set bmargin 6
set key top right width 1
set label 1 "data: bench/results/client-layers-2026-12-06.tsv (bench/layers.sh 127.0.0.1:11500,127.0.0.1:11501,127.0.0.1:11502 16 10 5 10000):\nthe table of docs/benchmarks.md, \"Every client layer against the raw thin client\"" at screen 0.01,0.07 left font ",11"
plot "$layers" using 0:2:xtic(1) with boxes lc rgb "#6fa8dc" title "ops/s", \
     "" using 0:2:(sprintf("%'d", \$2)) with labels offset 0,0.8 notitle, \
     "" using 0:3 axes x1y2 with points pt 7 ps 1.6 lc rgb "#cc0000" title "p99 ms"
EOF

# --- Failover: a reader's latency second by second around a kill -9 of one of three nodes.
if [ -f "$failover" ]; then
  kill_s=$(sed -n '1s/.*at reader second \([0-9.]*\);.*/\1/p' "$failover")
  back_s=$(sed -n '1s/.*rebalanced by second \([0-9.]*\).*/\1/p' "$failover")
  draw "$img/failover-kill1.svg" 1100,580 <<EOF
set title "kill -9 of one of three nodes under a 4-thread hearth-client read load (10% writes), second by second"
set xlabel "seconds since the reader started"
set ylabel "latency in that second, ms (log scale)"
set logscale y
set yrange [0.5:20000]
set y2label "gets completed in that second"
set y2tics
set y2range [0:12000]
set bmargin 8
set key top left box opaque
set arrow 1 from $kill_s, graph 0 to $kill_s, graph 1 nohead lc rgb "#cc0000" dt 2
set label 2 "kill -9 of n1\n(second $kill_s)" at $kill_s, graph 0.7 right offset -0.5,0 textcolor rgb "#cc0000" noenhanced
set arrow 3 from $back_s, graph 0 to $back_s, graph 1 nohead lc rgb "#38761d" dt 2
set label 4 "n1 restarted by the supervisor,\ncluster rebalanced (second $back_s)" at $back_s, graph 0.96 left offset 0.5,0 textcolor rgb "#38761d" noenhanced
set label 5 "data: bench/results/$(basename "$failover"), from\n$(series_source "$failover")" at screen 0.01,0.085 left font ",10" noenhanced
plot "$failover" using 1:(\$4 > 0 ? \$4 : 1/0) with linespoints pt 7 ps 0.6 lc rgb "#1c4587" title "p99 of the second", \
     "" using 1:(\$5 > 0 ? \$5 : 1/0) with linespoints pt 5 ps 0.6 lc rgb "#e69138" title "slowest call of the second", \
     "" using 1:2 axes x1y2 with steps lc rgb "#999999" title "gets/s (right axis)"
EOF
else
  echo "plot.sh: $failover missing, failover plot skipped" >&2
fi

# --- Warm-up: hit ratio from "all nodes up" after a full-cluster restart. Two panels: the two refills differ in
# time scale by a factor of 20, and one axis would flatten the faster one into a line at zero.
if [ -f "$warm_local" ]; then
  draw "$img/warmup-hit-ratio.svg" 1200,600 <<EOF
set multiplot layout 1,2 title "Hit ratio of a 4-thread read load (10% writes) after a full-cluster restart, from the moment all nodes are up" margins 0.06,0.97,0.25,0.86 spacing 0.14,0
set ytics 0.1 nomirror
set yrange [0:1.05]
set xlabel "seconds since all nodes were up"
set ylabel "hit ratio in that second"
set arrow 1 from graph 0, first 0.99 to graph 1, first 0.99 nohead lc rgb "#999999" dt 3
set title "from the nodes' local copies, 128 MiB (2026-12-06)"
set xrange [0:*]
set y2label "p99 of that second, ms"
set y2tics
set y2range [0:400]
set key center right box opaque
plot "$warm_local" using 1:3 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#1c4587" title "hit ratio", \
     "" using 1:4 axes x1y2 with steps lc rgb "#999999" title "p99 ms (right axis)"
unset y2label
unset y2tics
unset ylabel
set title "empty nodes, hearthctl warmup from a dump, 1 GiB (2026-11-22)"
set xrange [0:600]
set key bottom right box opaque
set label 5 "data: bench/results/$(basename "$warm_local"), from\n$(series_source "$warm_local");\nbench/results/$(basename "$warm_dump"): points recorded in docs/benchmarks.md, \"1 GiB: bench/one-gib.sh (second run)\" (bench/one-gib.sh, main at 807e0fd)" at screen 0.01,0.12 left font ",10" noenhanced
plot "$warm_dump" using 1:2 with linespoints pt 7 lw 2 lc rgb "#e69138" title "hit ratio (points in the table)"
unset multiplot
EOF
else
  echo "plot.sh: $warm_local missing, warm-up plot skipped" >&2
fi
