#!/usr/bin/env bash
# Server CPU per operation, side by side in one run (issue #15): real memcached, Hearth's memcached port and Ignite's
# thin client on the same 3-node `hearthctl local` cluster and cache, driven by `hearthctl bench` (90% get, 100-byte
# values, 100k keys). Prints each target's ops/s, p50/p99 and the servers' CPU per operation, taken from
# /proc/PID/stat over the measured window (memcached's process; the three node processes for Hearth and thin).
# Not part of the Maven build. Needs a build (mvn -B -q -DskipTests package) and memcached (Debian package).
# Usage: bench/cpu-per-op.sh [OUT_DIR]     Env: THREADS (16), PIPELINE (1,16: memcached targets only), WARMUP (5),
#        DURATION (8), KEYS (100000), VALUE_SIZE (100), MEMCACHED_THREADS (4), PORT_OFFSET (17500).
# Results: OUT_DIR/summary.txt (default /tmp/hearth-cpu-per-op).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-/tmp/hearth-cpu-per-op}"
threads="${THREADS:-16}"
pipeline="${PIPELINE:-1,16}"
warmup="${WARMUP:-5}"
duration="${DURATION:-8}"
keys="${KEYS:-100000}"
value_size="${VALUE_SIZE:-100}"
mc_threads="${MEMCACHED_THREADS:-4}"
offset="${PORT_OFFSET:-17500}"
hearthctl="$here/bin/hearthctl"
dir="$out/cluster"

[ -f "$here/cli/target/hearth-cli.jar" ] && [ -f "$here/node/target/hearth-node.jar" ] \
  || { echo "build first: mvn -B -q -DskipTests package" >&2; exit 2; }
command -v memcached > /dev/null || { echo "memcached is not installed (apt-get install memcached)" >&2; exit 2; }
rm -rf "$out"
mkdir -p "$out"
summary="$out/summary.txt"
say() { echo "$*" | tee -a "$summary"; }

mc_port=$((11211 + offset + 90))
memcached -l 127.0.0.1 -p "$mc_port" -U 0 -t "$mc_threads" -m 1024 -u "$(id -un)" > "$out/memcached.log" 2>&1 &
mc_pid=$!
"$hearthctl" local up --nodes 3 --dir "$dir" --port-offset "$offset" --cluster-name "cpu-per-op-$offset" \
  --start-timeout 300s > "$out/local-up.log" 2>&1 &
supervisor=$!
cleanup() {
  "$hearthctl" local down --dir "$dir" --timeout 2m > /dev/null 2>&1 || true
  kill "$mc_pid" 2> /dev/null || true
}
trap cleanup EXIT
until grep -q "nodes is up;" "$out/local-up.log" 2> /dev/null; do
  sleep 1
  kill -0 "$supervisor" 2> /dev/null || { tail "$out/local-up.log" >&2; echo "hearthctl local up failed" >&2; exit 1; }
done

# Node pids and ports from the supervisor's state file.
read -r node_pids mc_servers thin_servers < <(python3 - "$dir/hearth-local.json" <<'EOF'
import json, sys
nodes = json.load(open(sys.argv[1]))["nodes"]
print(",".join(str(n["pid"]) for n in nodes),
      ",".join(f"127.0.0.1:{n['ports']['memcached']}" for n in nodes),
      ",".join(f"127.0.0.1:{n['ports']['thinClient']}" for n in nodes))
EOF
)

say "# hearth CPU per operation, $(date -u +%FT%TZ), $(nproc) cores; memcached $(memcached -V | cut -d' ' -f2) with $mc_threads threads"
say "threads=$threads pipeline=$pipeline warmup=${warmup}s duration=${duration}s keys=$keys valueSize=$value_size"
common=(--threads "$threads" --warmup "$warmup" --duration "$duration" --keys "$keys" --value-size "$value_size" -o table)
run() { # $1 label, rest: hearthctl bench arguments
  local label="$1"; shift
  "$hearthctl" bench "$@" "${common[@]}" > "$out/$label.txt" 2> "$out/$label.log" \
    || echo "$label: bench exited $? (failed operations exit 1): see $out/$label.log" >&2
  awk -v l="$label" 'NR == 1 { print "LABEL", $0; next } { print l, $0 }' "$out/$label.txt"
}
{
  run memcached --target memcached --servers "127.0.0.1:$mc_port" --pipeline "$pipeline" --server-pids "$mc_pid"
  run hearth-memcached --target memcached --servers "$mc_servers" --pipeline "$pipeline" --server-pids "$node_pids"
  run thin --target thin --servers "$thin_servers" --server-pids "$node_pids"
} | awk 'NR == 1 || $1 != "LABEL"' | column -t | tee -a "$summary"
echo "summary: $summary"
