#!/usr/bin/env bash
# Measures node start to ready (N runs, median) and the RSS of an idle node.
# Usage: bench/node-start.sh [runs]   (after: mvn -B -q -DskipTests package)
#   BASELINE=<git revision> bench/node-start.sh 5   interleaves starts by this checkout's bin/hearth-node with
#   starts by that revision's (same jars, same JVM) and prints a median for each: a side-by-side comparison.
#   NO_ARCHIVE=1 adds a third kind: this script without the class-data archive (HEARTH_CLASS_ARCHIVE=off).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
dir="$(mktemp -d)"
trap 'kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$dir"' EXIT
modes=(current)
if [ -n "${BASELINE:-}" ]; then
  git show "$BASELINE:bin/hearth-node" > "$dir/hearth-node-baseline"
  chmod +x "$dir/hearth-node-baseline"
  modes+=(baseline)
fi
[ -z "${NO_ARCHIVE:-}" ] || modes+=(no-archive)
start_node() {
  case "$1" in
    current) shift; exec bin/hearth-node "$@" ;;
    baseline) shift; HEARTH_HOME="$PWD" exec "$dir/hearth-node-baseline" "$@" ;;
    no-archive) shift; HEARTH_CLASS_ARCHIVE=off exec bin/hearth-node "$@" ;;
  esac
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# The same arguments on every start of a kind, as a supervisor's restarts have (bin/hearth-node remembers the memory
# flags per arguments); each start begins with an empty data directory.
declare -A times admins discos
for mode in "${modes[@]}"; do
  admins[$mode]=$(free_port); discos[$mode]=$(free_port)
done
for i in $(seq 1 "$runs"); do
  for mode in "${modes[@]}"; do
    admin=${admins[$mode]}; disco=${discos[$mode]}
    rm -rf "$dir/data-$mode"
    t0=$(date +%s%N)
    start_node "$mode" --set node.name=bench --set ports.admin="$admin" \
      --set ports.discovery="$disco" --set cluster.addresses=127.0.0.1:"$disco" --set ports.communication=0 \
      --set ports.thinClient=0 --set ports.memcached=0 --set node.dataDir="$dir/data-$mode" > "$dir/n$i.log" 2>&1 &
    pid=$!
    until curl -fs "http://127.0.0.1:$admin/health/ready" >/dev/null 2>&1; do
      kill -0 "$pid" 2>/dev/null || { echo "node exited; log:"; cat "$dir/n$i.log"; exit 1; }
      sleep 0.02
    done
    t1=$(date +%s%N)
    ms=$(( (t1 - t0) / 1000000 ))
    times[$mode]="${times[$mode]:-} $ms"
    if [ "$i" -eq "$runs" ] && [ "$mode" = "${modes[0]}" ]; then
      sleep 10
      rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
      echo "idle RSS after 10 s (heap 512m default, $mode): $((rss_kb / 1024)) MiB"
    fi
    kill -TERM "$pid"; wait "$pid" || true
    echo "run $i, $mode: start to ready $ms ms"
  done
done
for mode in "${modes[@]}"; do
  read -r -a sorted <<< "$(printf '%s\n' ${times[$mode]} | sort -n | tr '\n' ' ')"
  echo "$mode: start to ready median ${sorted[runs / 2]} ms over $runs runs" \
    "(min ${sorted[0]}, max ${sorted[runs - 1]})"
done
