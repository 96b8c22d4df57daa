#!/usr/bin/env bash
# Figures for docs/benchmarks.md with 1 GiB of data on a local 3-node cluster (hearthctl local):
#   1. load 1 GiB (ENTRIES x VALUE_SIZE bytes) through hearth-client;
#   2. rolling restart of the 3 nodes while a read/write load runs: duration, hit ratio, p99, failures;
#   3. dump create: time, MB/s, entries/s;
#   4. full-cluster restart from the nodes' local copies under the read load (which starts 20 s before the graceful
#      stop, as an API server's would, and is measured from "all nodes up"): time to 99% hit ratio, read p99, each
#      node's local-copy load rate and the nodes' CPU per refilled entry (/proc);
#   4b. (STEPS=kill9) kill -9 of every node under a write load, restarted by the supervisor: time from the kill to 99%
#      hit ratio, and how many acknowledged writes are back (all of those older than the local copy's interval must be);
#   5. full-cluster restart with the local copies removed (nodes come back empty), then warmup from the dump while the
#      read load runs from the moment all nodes are up: warm-up MB/s and entries/s, and the time from "all nodes up"
#      to "hit ratio back to 99%" (first one-second window at >= 99% that stays there).
#   4c. (STEPS=kill1) kill -9 of one node (n1) under the read load; the supervisor starts it again: the reader's
#      p99 and max latency second by second, before, during and after the failover.
#   6. (STEPS=rates) refill rates side by side in one run: Ignite's own rebalance into a node killed and restarted
#      (its partitions come from the others), idle and under the read load; then the local-copy load of a full-cluster
#      restart, idle (unpaced) and under the read load (paced, the default, and unpaced). bench/refill-rates.py prints
#      each.
# Not part of the Maven build. Needs a build (mvn -B -q -DskipTests package) and ~12 GB of free RAM.
# Usage: bench/one-gib.sh [OUT_DIR]        Env: ENTRIES (default 1048576), VALUE_SIZE (1024), ZONE_MEMORY (2560m: while one node is down the other two hold both copies of everything),
#        HEAP (1g), PORT_OFFSET (16500), THREADS (4), READ_FAILOVER_MS (hearth-client readFailoverAfter, 100; 0 = off),
#        READ_VIA (client: the read loads through hearth-client; memcached: through the nodes' memcached ports), STEPS ("rolling dump localcopy warmup": which of steps 2-5 run
#        after the load; warmup needs dump), REUSE (1: keep OUT_DIR's stopped cluster and its local copies from an
#        earlier run, skip the load; for STEPS=localcopy, which starts it, lets it load its copies, then restarts it). Summary in OUT_DIR/summary.txt (default /tmp/hearth-one-gib).
#        Each read load's per-second figures also go to OUT_DIR/read-<step>.tsv (bench/plot.sh draws them).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-/tmp/hearth-one-gib}"
entries="${ENTRIES:-1048576}"
value_size="${VALUE_SIZE:-1024}"
zone_memory="${ZONE_MEMORY:-2560m}"
heap="${HEAP:-1g}"
offset="${PORT_OFFSET:-16500}"
threads="${THREADS:-4}"
steps=" ${STEPS:-rolling dump localcopy warmup} "
step() { [[ "$steps" == *" $1 "* ]]; }
name="ops-onegib-$offset"
hearthctl="$here/bin/hearthctl"
cp="$here/cli/target/hearth-cli.jar:$here/cli/target/lib/*"
java_load=(java @"$here/bin/jvm.options" -Xmx1g -cp "$out/classes:$cp" OneGib)

[ -f "$here/cli/target/hearth-cli.jar" ] && [ -f "$here/node/target/hearth-node.jar" ] \
  || { echo "build first: mvn -B -q -DskipTests package" >&2; exit 2; }
reuse=0
if [ "${REUSE:-0}" = 1 ] && [ -d "$out/cluster" ]; then
  reuse=1
  rm -rf "$out/classes" "$out"/*.log "$out"/*.json "$out/summary.txt"
else
  rm -rf "$out"
fi
mkdir -p "$out/classes"
javac -d "$out/classes" -cp "$cp" "$here/bench/OneGib.java"
dir="$out/cluster"
admin="127.0.0.1:$((8080 + offset))"
servers="127.0.0.1:$((10800 + offset)),127.0.0.1:$((10801 + offset)),127.0.0.1:$((10802 + offset))"
# READ_VIA=memcached: the read loads go through the nodes' memcached ports (OneGib's MEMCACHED).
memcached_reads=""
[ "${READ_VIA:-client}" = memcached ] \
  && memcached_reads="127.0.0.1:$((11211 + offset)),127.0.0.1:$((11212 + offset)),127.0.0.1:$((11213 + offset))"
summary="$out/summary.txt"
say() { echo "$*" | tee -a "$summary"; }
now_ms() { date +%s%3N; }

up() { # returns once this start's "nodes is up" line is in the log
  local before
  before=$(grep -c "nodes is up;" "$out/local-up.log" 2>/dev/null || true)
  "$hearthctl" local up --nodes 3 --dir "$dir" --port-offset "$offset" --cluster-name "$name" \
    --start-timeout 600s --set "zones.default.memory=$zone_memory" --set "memory.heap=$heap" \
    --set shutdown.timeout=300s >> "$out/local-up.log" 2>&1 &
  local sup=$!
  until [ "$(grep -c "nodes is up;" "$out/local-up.log" 2>/dev/null || true)" -gt "${before:-0}" ]; do
    sleep 1
    kill -0 "$sup" 2>/dev/null || { tail "$out/local-up.log" >&2; echo "hearthctl local up failed" >&2; exit 1; }
  done
}
down() { "$hearthctl" local down --dir "$dir" --timeout 10m > /dev/null; }
trap 'down 2>/dev/null || true' EXIT

say "# hearth one-GiB benchmark, $(date -u +%FT%TZ), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB RAM"
say "entries=$entries valueSize=$value_size zoneMemory=$zone_memory heap=$heap backups=1 threads=$threads"
if [ "$reuse" = 1 ]; then
say "reusing the stopped cluster and local copies in $dir (no load)"
else
t=$(now_ms); up; say "cluster up in $(( $(now_ms) - t )) ms"

"${java_load[@]}" load "$servers" "$entries" "$value_size" 2>> "$out/load.err" | tee -a "$summary"
"$hearthctl" status --admin "$admin" > "$out/status-loaded.txt"
say "$(grep -A5 '^ZONE' "$out/status-loaded.txt" || true)"
say "evictions after the load: $(curl -s "http://$admin/metrics" | grep -i '^hearth.*evict' | tr '\n' ' ')"
fi

# Rolling restart under load.
if step rolling; then
rm -f "$out/stop"
"${java_load[@]}" read "$servers" "$entries" "$value_size" "$out/stop" "$threads" > "$out/read-rolling.log" 2>&1 &
reader=$!
sleep 10
t=$(now_ms)
"$hearthctl" rolling-restart --admin "$admin" --timeout 20m > "$out/rolling.txt" 2> "$out/rolling.err"
rolling_ms=$(( $(now_ms) - t ))
sleep 5; touch "$out/stop"; wait "$reader"
say "rolling restart of 3 nodes: $rolling_ms ms"
say "$(cat "$out/rolling.txt")"
say "during the rolling restart (and 10 s before, 5 s after): $(grep '^READ' "$out/read-rolling.log")"
series "$out/read-rolling.log" "hearthctl rolling-restart from about reader second 10, for $rolling_ms ms"
fi

# Dump.
if step dump; then
"$hearthctl" dump create --admin "$admin" --name onegib --output json > "$out/dump.json" 2> "$out/dump.err"
python3 - "$out/dump.json" "$entries" "$value_size" <<'EOF' | tee -a "$summary"
import json, sys
d = json.load(open(sys.argv[1])); s = d["elapsedMillis"] / 1000
raw = int(sys.argv[2]) * int(sys.argv[3])
print(f"dump create: {d['entries']} entries, {d['bytes']/1e6:.1f} MB of files in {s:.1f} s: "
      f"{d['entries']/s:.0f} entries/s, {raw/1e6/s:.1f} MB/s of values, {d['bytes']/1e6/s:.1f} MB/s of files, ok={d['ok']}")
EOF

fi

# The read load; $1 = log, $2 = (optional) a file whose creation starts the measured window (OneGib read).
start_reader() {
  rm -f "$out/stop"
  ${memcached_reads:+env MEMCACHED="$memcached_reads"} "${java_load[@]}" read "$servers" "$entries" "$value_size" "$out/stop" "$threads" ${2:+"$2"} > "$1" 2>&1 &
  reader=$!
}
# The reader's per-second lines of $1 as a table, ${1%.log}.tsv, headed by where they come from and $2 (what happened
# when, in reader seconds), so that a plot of them can name its source.
series() {
  {
    echo "# $2"
    echo "# from $1: STEPS=\"${STEPS:-}\" ENTRIES=$entries VALUE_SIZE=$value_size ZONE_MEMORY=$zone_memory HEAP=$heap THREADS=$threads bench/one-gib.sh $out; git $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u +%FT%TZ), $(nproc) cores"
    printf 'second\tgets\thit_ratio\tp99_ms\tmax_ms\n'
    sed -n 's/^second \([0-9]*\): \([0-9]*\) gets, hit ratio \([0-9.]*\), p99 \([0-9.]*\) ms, max \([0-9.]*\) ms$/\1\t\2\t\3\t\4\t\5/p' "$1"
  } > "${1%.log}.tsv"
}
# Seconds from the reader's start (its START line in $1) to epoch ms $2, one decimal.
reader_second() { awk -v t="$2" -v s="$(sed -n 's/^START epochMs=//p' "$1")" 'BEGIN{printf "%.1f", (t - s) / 1000}'; }
# Reads from the moment all nodes are up until the hit ratio has been >= 99% for 10 s (10 min at most); $1 = log.
read_until_hot() { start_reader "$1"; until_hot "$1"; }
until_hot() {
  for _ in $(seq 600); do
    sleep 1
    tail -n 10 "$1" | awk '/^second/{n++; if ($7+0 >= 0.99) ok++} END{exit !(n==10 && ok==10)}' && break
  done
  touch "$out/stop"; wait "$reader"
}
# CPU seconds (user + system, /proc) the three node processes have used so far.
node_cpu_s() {
  python3 - $(pgrep -f "node.dataDir=$dir/n") <<'EOF'
import os, sys
ticks = 0
for pid in sys.argv[1:]:
    try:
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        ticks += int(f[11]) + int(f[12])
    except (OSError, IndexError):
        pass
print(f"{ticks / os.sysconf('SC_CLK_TCK'):.1f}")
EOF
}
# Entries the nodes' last local-copy loads installed locally or sent through the cluster.
refilled_entries() {
  python3 - $(status_urls) <<'EOF'
import json, sys, urllib.request
n = 0
for u in sys.argv[1:]:
    l = json.load(urllib.request.urlopen(u, timeout=5))["localCopy"]["lastLoad"]
    n += l.get("installedLocally", 0) + l["entriesSent"]
print(n)
EOF
}
# The nodes' CPU per refilled entry, from $1 (node_cpu_s when all were up) to now (every load over).
refill_cpu() {
  local cpu n
  cpu=$(python3 -c "print(round($(node_cpu_s) - $1, 1))"); n=$(refilled_entries)
  echo "nodes' CPU from all up to every load over: $cpu s for $n entries installed or sent, $(python3 -c "print(round($cpu * 1e6 / max($n, 1), 1))") us per entry"
}
hot_after() { # $1 = log, $2 = epoch ms when all nodes were up
  local start reached
  start=$(sed -n 's/^START epochMs=//p' "$1")
  reached=$(grep '^READ' "$1" | sed 's/.*hitRatio99ReachedAtSecond=//')
  echo "$(python3 -c "print(round(($start - $2) / 1000 + $reached, 1))") s (read load started $(( start - $2 )) ms after all nodes were up; window $reached)"
}

# Refill rates side by side (step 6).
status_urls() { for i in 0 1 2; do echo "http://127.0.0.1:$((8080 + offset + i))/status"; done; }
all_rebalanced() {
  curl -s "http://$admin/status" | python3 -c 'import json, sys
s = json.load(sys.stdin)
sys.exit(0 if s.get("clusterRebalanced") and len(s.get("members", [])) == 3 else 1)' 2>/dev/null
}
kill_and_rebalance() { # $1 = node index, $2 = label; hearthctl local's supervisor starts the node again
  local at
  at=$(date -u +%FT%T.%3N)
  pkill -9 -f "node.dataDir=$dir/n$1" || true
  sleep 3
  for _ in $(seq 600); do sleep 1; all_rebalanced && break; done
  say "$2: $(python3 "$here/bench/refill-rates.py" rebalance "$dir/logs/n$1.log" "$at" "$1")"
}
await_loads() { # until every node's local-copy load has ended
  for _ in $(seq 900); do
    sleep 1
    python3 - $(status_urls) <<'EOF' && break
import json, sys, urllib.request
try:
    states = [json.load(urllib.request.urlopen(u, timeout=2))["localCopy"]["lastLoad"]["state"] for u in sys.argv[1:]]
except Exception:
    sys.exit(1)
sys.exit(0 if all(s in ("complete", "failed", "stopped") for s in states) else 1)
EOF
  done
}
# kill -9 of one node under the read load (n1; hearthctl local's supervisor starts it again, Ignite rebalances its
# partitions back): what a caller sees second by second, in read-kill1.tsv.
if step kill1; then
start_reader "$out/read-kill1.log"
sleep 15
kill_ms=$(now_ms)
pkill -9 -f "node.dataDir=$dir/n1" || true
sleep 3
for _ in $(seq 300); do sleep 1; all_rebalanced && break; done
back_ms=$(now_ms)
sleep 15
touch "$out/stop"; wait "$reader"
series "$out/read-kill1.log" "kill -9 of n1 at reader second $(reader_second "$out/read-kill1.log" "$kill_ms"); n1 restarted and the cluster rebalanced by second $(reader_second "$out/read-kill1.log" "$back_ms")"
say "kill -9 of n1 under the read load at reader second $(reader_second "$out/read-kill1.log" "$kill_ms"), 3 members and rebalanced again by second $(reader_second "$out/read-kill1.log" "$back_ms")"
say "read load (15 s before the kill to 15 s after the rebalance): $(grep '^READ' "$out/read-kill1.log")"
fi

if step rates; then
kill_and_rebalance 2 "rebalance into a restarted node, idle"
rm -f "$out/stop"
"${java_load[@]}" read "$servers" "$entries" "$value_size" "$out/stop" "$threads" > "$out/read-rates-rebalance.log" 2>&1 &
reader=$!
sleep 10
kill_and_rebalance 1 "rebalance into a restarted node, under the read load"
touch "$out/stop"; wait "$reader"
say "read load during it (from 10 s before the kill): $(grep '^READ' "$out/read-rates-rebalance.log")"
t=$(now_ms); down; say "local down (graceful, local copies written): $(( $(now_ms) - t )) ms"
HEARTH_WARMUP_READ_LATENCY_TARGET=0s up
cpu0=$(node_cpu_s)
await_loads
say "local-copy load of a full restart, idle (unpaced): $(python3 "$here/bench/refill-rates.py" localcopy $(status_urls))"
say "  $(refill_cpu "$cpu0")"
down
up
read_until_hot "$out/read-rates-localcopy.log"
await_loads
say "local-copy load of a full restart, under the read load (paced): $(python3 "$here/bench/refill-rates.py" localcopy $(status_urls))"
say "read load during it (from all nodes up): $(grep '^READ' "$out/read-rates-localcopy.log")"
down
HEARTH_WARMUP_READ_LATENCY_TARGET=0s up
read_until_hot "$out/read-rates-localcopy-unpaced.log"
await_loads
say "local-copy load of a full restart, under the read load (unpaced): $(python3 "$here/bench/refill-rates.py" localcopy $(status_urls))"
say "read load during it (from all nodes up): $(grep '^READ' "$out/read-rates-localcopy-unpaced.log")"
fi

# kill -9 of every node under a write load; hearthctl local's supervisor starts them again at once, as systemd or
# Kubernetes would, and they reload their local copies. Reads of the loaded keys from the kill on (time to 99% hit
# ratio counted from the kill), then every acknowledged write is read back: those older than the local copy's
# interval must all be there.
if step kill9; then
interval_ms=10000
# The writes of the load are in every node's local copy once a whole interval (plus a slow write) has passed.
sleep $(( interval_ms / 1000 * 2 ))
rm -f "$out/stop-write" "$out/acked.txt"
"${java_load[@]}" write "$servers" "$entries" "$value_size" "$out/stop-write" "$threads" "$out/acked.txt" \
  > "$out/write-kill9.log" 2>&1 &
writer=$!
sleep 25
restarts_before=$(grep -c "started again\|restarting" "$out/local-up.log" || true)
kill_ms=$(now_ms)
pkill -9 -f "node.dataDir=$dir/" || true
touch "$out/stop-write"
say "kill -9 of every node at $(date -u +%T) under a write load ($threads threads); the supervisor restarts them"
read_until_hot "$out/read-kill9.log"
wait "$writer" || true
say "writes: $(grep '^WRITE' "$out/write-kill9.log")"
say "from the kill to hit ratio >= 99%: $(hot_after "$out/read-kill9.log" "$kill_ms")"
say "read load after the kill: $(grep '^READ' "$out/read-kill9.log")"
"${java_load[@]}" verify "$servers" "$entries" "$value_size" "$out/acked.txt" "$kill_ms" "$interval_ms" \
  2>> "$out/load.err" | tee -a "$summary"
say "node restarts logged by the supervisor since the kill: $(( $(grep -c "started again\|restarting" "$out/local-up.log" || true) - restarts_before ))"
fi

if step localcopy; then
# Full-cluster restart with the local copies: every node writes its copy at the graceful stop and reloads it when
# the cluster forms empty again. The read load runs as an API server's would: from 20 s before the stop (its JVM is
# warm, and it keeps calling while the cache is down), measured from the moment all nodes are up.
if [ "$reuse" = 1 ]; then
  up; await_loads; say "reused cluster up, its local copies loaded"
fi
rm -f "$out/start"
start_reader "$out/read-localcopy.log" "$out/start"
sleep 20
t=$(now_ms); down; say "local down (3 nodes, graceful, local copies written): $(( $(now_ms) - t )) ms"
t=$(now_ms); up; all_up=$(now_ms); cpu0=$(node_cpu_s); touch "$out/start"
say "local up again (from local copies): $(( all_up - t )) ms"
until_hot "$out/read-localcopy.log"
await_loads
say "$(refill_cpu "$cpu0") (reads served meanwhile)"
say "from all nodes up to hit ratio >= 99% (local copies): $(hot_after "$out/read-localcopy.log" "$all_up")"
say "read load after the full restart (local copies): $(grep '^READ' "$out/read-localcopy.log")"
say "hearth-client's read failovers during it: $(grep '^CLIENT' "$out/read-localcopy.log" || echo none: memcached reads)"
series "$out/read-localcopy.log" "full-cluster restart from the local copies: all nodes up at reader second 0 (the measured window starts there)"
for i in 0 1 2; do
  curl -s "http://127.0.0.1:$((8080 + offset + i))/status" > "$out/status-localcopy-n$i.json"
  python3 - "$out/status-localcopy-n$i.json" "n$i" <<'EOF' | tee -a "$summary"
import json, sys
l = json.load(open(sys.argv[1]))["localCopy"]["lastLoad"]
s = max(l["elapsedMillis"], 1) / 1000
done = l.get('installedLocally', 0) + l['entriesSent']
print(f"{sys.argv[2]} local copy load: {l['state']} ({l['reason']}), {l.get('installedLocally', 0)} installed locally and "
      f"{l['entriesSent']} sent of {l['entriesRead']} entries read, {l['bytesRead']/1e6:.1f} MB in {s:.1f} s: "
      f"{done/s:.0f} entries/s, {l['bytesRead']/1e6/s:.1f} MB/s")
EOF
done

fi

# Full-cluster restart with the local copies removed: the cluster comes back empty, then warms up from the dump.
if step warmup; then
t=$(now_ms); down; say "local down (3 nodes, graceful): $(( $(now_ms) - t )) ms"
rm -rf "$dir"/n*/local-copy
t=$(now_ms); up; all_up=$(now_ms); say "local up again (empty): $(( all_up - t )) ms"
rm -f "$out/stop"
"${java_load[@]}" read "$servers" "$entries" "$value_size" "$out/stop" "$threads" > "$out/read-warmup.log" 2>&1 &
reader=$!
"$hearthctl" warmup --admin "$admin" --from onegib --output json > "$out/warmup.json" 2> "$out/warmup.err"
# Keep reading until the hit ratio has been >= 99% for 10 s (or 10 min at most).
for _ in $(seq 600); do
  sleep 1
  tail -n 10 "$out/read-warmup.log" | awk '/^second/{n++; if ($7+0 >= 0.99) ok++} END{exit !(n==10 && ok==10)}' && break
done
touch "$out/stop"; wait "$reader"
python3 - "$out/warmup.json" "$entries" "$value_size" <<'EOF' | tee -a "$summary"
import json, sys
d = json.load(open(sys.argv[1])); s = d["elapsedMillis"] / 1000
raw = int(sys.argv[2]) * int(sys.argv[3])
print(f"warmup: {d['entriesSent']} of {d['entriesRead']} entries in {s:.1f} s: {d['entriesPerSecond']:.0f} entries/s, "
      f"{d['mbPerSecond']:.1f} MB/s of files, {raw/1e6/s:.1f} MB/s of values, ok={d['ok']}")
EOF
reader_start=$(sed -n 's/^START epochMs=//p' "$out/read-warmup.log")
reached=$(grep '^READ' "$out/read-warmup.log" | sed 's/.*hitRatio99ReachedAtSecond=//')
say "from all nodes up to hit ratio >= 99% (first 1-second window from which it stayed >= 99%): $(python3 -c "print(round(($reader_start - $all_up) / 1000 + $reached, 1))") s (read load started $(( reader_start - all_up )) ms after all nodes were up; window $reached)"
say "read load after the full restart: $(grep '^READ' "$out/read-warmup.log")"
series "$out/read-warmup.log" "full-cluster restart, nodes empty, hearthctl warmup from the dump: all nodes up $(( reader_start - all_up )) ms before reader second 0"
"$hearthctl" status --admin "$admin" > "$out/status-warm.txt"
say "$(grep -A5 '^ZONE' "$out/status-warm.txt" || true)"
fi
echo "summary: $summary"
