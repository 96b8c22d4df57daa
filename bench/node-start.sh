#!/usr/bin/env bash
# Measures node start to ready (N runs, median) and the RSS of an idle node.
# Usage: bench/node-start.sh [runs]   (after: mvn -B -q -DskipTests package)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
dir="$(mktemp -d)"
trap 'kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$dir"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

times=()
for i in $(seq 1 "$runs"); do
  admin=$(free_port); disco=$(free_port)
  t0=$(date +%s%N)
  bin/hearth-node --set node.name=bench-$i --set ports.admin="$admin" --set ports.discovery="$disco" \
    --set cluster.addresses=127.0.0.1:"$disco" --set ports.communication=0 --set ports.thinClient=0 \
    --set ports.memcached=0 --set node.dataDir="$dir/n$i" > "$dir/n$i.log" 2>&1 &
  pid=$!
  until curl -fs "http://127.0.0.1:$admin/health/ready" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { echo "node exited; log:"; cat "$dir/n$i.log"; exit 1; }
    sleep 0.02
  done
  t1=$(date +%s%N)
  ms=$(( (t1 - t0) / 1000000 ))
  times+=("$ms")
  if [ "$i" -eq "$runs" ]; then
    sleep 10
    rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
    echo "idle RSS after 10 s (heap 512m default): $((rss_kb / 1024)) MiB"
  fi
  kill -TERM "$pid"; wait "$pid" || true
  echo "run $i: start to ready $ms ms"
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
echo "start to ready: median $((sorted[runs / 2])) ms over $runs runs (min ${sorted[0]}, max ${sorted[runs - 1]})"
