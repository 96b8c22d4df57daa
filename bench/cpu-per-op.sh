#!/usr/bin/env bash
# Server CPU per operation, side by side in one run (issue #15): real memcached, Hearth's memcached port and Ignite's
# thin client on the same 3-node `hearthctl local` cluster and cache, driven by `hearthctl bench` (90% get, 100-byte
# values, 100k keys). Prints each target's ops/s, p50/p99 and the servers' CPU per operation, taken from
# /proc/PID/stat over the measured window (memcached's process; the three node processes for Hearth and thin).
# Not part of the Maven build. Needs a build (mvn -B -q -DskipTests package) and memcached (Debian package).
# Usage: bench/cpu-per-op.sh [OUT_DIR]     Env: THREADS (16), PIPELINE (1,16: memcached targets only), WARMUP (20: less
#        and the JIT compilers of the three fresh nodes took 40% of the machine in the measured window),
#        JIT_WARMUP (30: seconds each Hearth target runs unmeasured first), DURATION (8), KEYS (100000), VALUE_SIZE (100),
#        GET_RATIO (0.9; 0 = sets only), MEMCACHED_THREADS (4), PORT_OFFSET (17500),
#        TARGETS (memcached,hearth-memcached,thin), PROFILE (0; 1 records JFR on every node during each Hearth run:
#        OUT_DIR/LABEL-nodeN.jfr, summarised with bench/jfr-top.py into OUT_DIR/LABEL-profile.txt, and, where perf
#        is installed, every thread of the machine with perf: OUT_DIR/LABEL-perf.txt, CPU by thread and by symbol;
#        perf: perf only), TLS (0; 1 runs the cluster with tls.enabled and mutual TLS, certificates made here with
#        openssl, and drives the Hearth targets over TLS: the cost of TLS is this run's Hearth rows against a TLS=0 run's;
#        real memcached stays plaintext, the reference of both), SETS (node settings for the cluster, space-separated
#        key=value, e.g. SETS="cluster.stripedPoolSize=8 cluster.communicationSelectors=4 memcached.ioThreads=4", the
#        thread counts before they followed the cores: the summary prints them), RATE (0 = as fast as each thread goes;
#        else a fixed total rate in operations/s for every target, latency measured from when each request was due:
#        "p99 at half of peak load" is a run with RATE at half the ops/s of a RATE=0 run), NODES (3; 1 compares one node
#        with memcached on the same machine), COUNT (0; 1 counts the servers' system calls and context switches per
#        operation with `perf stat` over each target's measured window, the first PIPELINE value's: counts swing less
#        than CPU time with the machine's speed, though they do with how much each wake-up finds waiting), TIMELINE (0;
#        1 writes each target's requests in 100 ms windows, by when they were due, to OUT_DIR/LABEL-timeline.csv, with
#        wall-clock times: whether the slow requests of a p99 were bunched in a few windows or spread over the run).
# Results: OUT_DIR/summary.txt (default /tmp/hearth-cpu-per-op).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-/tmp/hearth-cpu-per-op}"
threads="${THREADS:-16}"
pipeline="${PIPELINE:-1,16}"
warmup="${WARMUP:-20}"
jit_warmup="${JIT_WARMUP:-30}"
duration="${DURATION:-8}"
keys="${KEYS:-100000}"
value_size="${VALUE_SIZE:-100}"
get_ratio="${GET_RATIO:-0.9}"
mc_threads="${MEMCACHED_THREADS:-4}"
offset="${PORT_OFFSET:-17500}"
targets="${TARGETS:-memcached,hearth-memcached,thin}"
profile="${PROFILE:-0}"
tls="${TLS:-0}"
hearthctl="$here/bin/hearthctl"
dir="$out/cluster"

[ -f "$here/cli/target/hearth-cli.jar" ] && [ -f "$here/node/target/hearth-node.jar" ] \
  || { echo "build first: mvn -B -q -DskipTests package" >&2; exit 2; }
command -v memcached > /dev/null || { echo "memcached is not installed (apt-get install memcached)" >&2; exit 2; }
[ "${COUNT:-0}" = 1 ] && ! command -v perf > /dev/null && { echo "COUNT=1 needs perf (apt-get install linux-perf)" >&2; exit 2; }
rm -rf "$out"
mkdir -p "$out"
summary="$out/summary.txt"
say() { echo "$*" | tee -a "$summary"; }

# TLS=1: a CA, one node certificate for the three local nodes (serverAuth and clientAuth, for 127.0.0.1) and a client
# certificate (clientAuth), EC P-256 with unencrypted PKCS#8 keys, as docs/security.md makes them.
tls_sets=()
tls_bench=()
if [ "$tls" = 1 ]; then
  t="$out/tls"
  mkdir -p "$t"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$t/ca.key" -out "$t/ca.pem" \
    -days 2 -subj "/CN=hearth-bench-ca" 2> /dev/null
  for who in node client; do
    usage=clientAuth; [ "$who" = node ] && usage=serverAuth,clientAuth
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$t/$who.key" 2> /dev/null
    openssl req -new -key "$t/$who.key" -subj "/CN=hearth-bench-$who" -out "$t/$who.csr" 2> /dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=%s\nbasicConstraints=CA:FALSE\n' "$usage" \
      > "$t/$who.ext"
    openssl x509 -req -in "$t/$who.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -CAcreateserial -days 2 \
      -extfile "$t/$who.ext" -out "$t/$who.crt" 2> /dev/null
  done
  tls_sets=(--set tls.enabled=true --set "tls.certFile=$t/node.crt" --set "tls.keyFile=$t/node.key"
    --set "tls.caFile=$t/ca.pem")
  tls_bench=(--tls-ca "$t/ca.pem" --tls-cert "$t/client.crt" --tls-key "$t/client.key")
fi

node_sets=()
for kv in ${SETS:-}; do node_sets+=(--set "$kv"); done

mc_port=$((11211 + offset + 90))
# Its own log is memcached-server.log: memcached.log is the bench run's (labelled "memcached").
memcached -l 127.0.0.1 -p "$mc_port" -U 0 -t "$mc_threads" -m 1024 -u "$(id -un)" > "$out/memcached-server.log" 2>&1 &
mc_pid=$!
"$hearthctl" local up --nodes "${NODES:-3}" --dir "$dir" --port-offset "$offset" --cluster-name "cpu-per-op-$offset" \
  --start-timeout 300s "${tls_sets[@]}" "${node_sets[@]}" > "$out/local-up.log" 2>&1 &
supervisor=$!
cleanup() {
  "$hearthctl" local down --dir "$dir" --timeout 2m > /dev/null 2>&1 || true
  kill "$mc_pid" 2> /dev/null || true
  # A run started right after this one binds the same port: memcached must be gone first (it was not, and the next
  # run's memcached could not bind, so its row was missing).
  wait "$mc_pid" 2> /dev/null || true
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
say "threads=$threads pipeline=$pipeline warmup=${warmup}s duration=${duration}s keys=$keys valueSize=$value_size getRatio=$get_ratio tls=$tls nodes=${NODES:-3} rate=${RATE:-0} sets=${SETS:-none}"
common=(--threads "$threads" --warmup "$warmup" --duration "$duration" --keys "$keys" --value-size "$value_size"
  --get-ratio "$get_ratio" --rate "${RATE:-0}" -o table)
wanted() { [[ ",$targets," == *",$1,"* ]]; }
profile_start() { # $1 label: JFR on every node over the whole run, perf over the measured window
  [ "$profile" = 0 ] && return 0
  local i=0
  for pid in ${node_pids//,/ }; do
    [ "$profile" = perf ] && break
    # Started with the warm-up, not after it: attaching costs CPU that must not land in the measured window.
    jcmd "$pid" JFR.start name=cpu settings=profile duration="$((warmup + duration))s" \
      filename="$out/$1-node$i.jfr" > /dev/null &
    i=$((i + 1))
  done
  if command -v perf > /dev/null; then # every thread's CPU, kernel time included (JFR samples Java code only)
    (sleep "$warmup"; perf record -F 499 -a -g -o "$out/$1.perf.data" -- sleep "$duration" > /dev/null 2>&1) &
  fi
}
profile_report() { # $1 label
  [ "$profile" = 0 ] && return 0
  wait
  local n=${node_pids//[^,]/}; n=$(( ${#n} + 1 )); [ "$profile" = perf ] && n=0
  for _ in $(seq 30); do # JFR writes a recording when its duration ends
    [ "$(ls "$out/$1"-node*.jfr 2> /dev/null | wc -l)" -ge "$n" ] && break
    sleep 1
  done
  [ "$profile" = perf ] || python3 "$here/bench/jfr-top.py" --top 40 "$out/$1"-node*.jfr > "$out/$1-profile.txt" 2>&1 \
    || true
  if [ -f "$out/$1.perf.data" ]; then
    { perf report -i "$out/$1.perf.data" --no-children --sort pid,comm,dso --stdio -g none 2> /dev/null | grep -v '^$' | head -60
      perf report -i "$out/$1.perf.data" --no-children --sort sym --stdio -g none 2> /dev/null | grep -v '^$' \
        | head -60; } > "$out/$1-perf.txt" || true # head closing the pipe early is not a failure
  fi
}
count_start() { # $1 label, $2 server pids: system calls and context switches over the measured window
  [ "${COUNT:-0}" = 1 ] || return 0
  (sleep "$warmup"; perf stat -x, -e raw_syscalls:sys_enter,context-switches -p "$2" -- sleep "$duration" \
    > /dev/null 2> "$out/$1.counts") &
  count_pid=$!
}
count_report() { # $1 label: the counts per operation of the first measured row
  [ "${COUNT:-0}" = 1 ] || return 0
  wait "$count_pid" || true
  awk -F, -v l="$1" -v d="$duration" -v ops="$(awk 'NR == 2 { print $4 }' "$out/$1.txt")" '
    $3 ~ /sys_enter/ { sc = $1 } $3 ~ /context-switches/ { cs = $1 }
    END { if (ops > 0) printf "%s: %.2f system calls and %.2f context switches per operation (servers, %s s)\n", l, sc / (ops * d), cs / (ops * d), d }' \
    "$out/$1.counts" >> "$out/counts.txt"
}
run() { # $1 label, $2 server pids, rest: hearthctl bench arguments
  local label="$1" pids="$2"; shift 2
  wanted "$label" || return 0
  [ "$label" = memcached ] || profile_start "$label"
  count_start "$label" "$pids"
  local timeline=()
  [ "${TIMELINE:-0}" = 1 ] && timeline=(--timeline "$out/$label-timeline.csv")
  "$hearthctl" bench "$@" --server-pids "$pids" "${common[@]}" "${timeline[@]}" > "$out/$label.txt" 2> "$out/$label.log" \
    || echo "$label: bench exited $? (failed operations exit 1): see $out/$label.log" >&2
  count_report "$label"
  [ "$label" = memcached ] || profile_report "$label"
  awk -v l="$label" 'NR == 1 { print "LABEL", $0; next } { print l, $0 }' "$out/$label.txt"
  grep -h '^timeline ' "$out/$label.log" >> "$out/timelines.txt" || true
}
# The nodes' JIT compilers took 40% of the machine in a measured window that followed 5 s of warm-up, and still a
# third after 20 s: each Hearth path runs once, unmeasured, before any is measured, so that neither target pays the
# other's compilation.
if [ "$jit_warmup" -gt 0 ]; then
  for t in hearth-memcached thin; do
    wanted "$t" || continue
    if [ "$t" = thin ]; then args=(--target thin --servers "$thin_servers"); else
      args=(--target memcached --servers "$mc_servers"); fi
    "$hearthctl" bench "${args[@]}" "${tls_bench[@]}" --threads "$threads" --warmup 0 --duration "$jit_warmup" \
      --keys "$keys" --value-size "$value_size" > "$out/jit-warmup-$t.txt" 2>&1 || true
  done
fi
{
  run memcached "$mc_pid" --target memcached --servers "127.0.0.1:$mc_port" --pipeline "$pipeline"
  run hearth-memcached "$node_pids" --target memcached --servers "$mc_servers" --pipeline "$pipeline" \
    "${tls_bench[@]}"
  run thin "$node_pids" --target thin --servers "$thin_servers" "${tls_bench[@]}"
} | awk 'NR == 1 || $1 != "LABEL"' | column -t | tee -a "$summary"
[ -f "$out/counts.txt" ] && tee -a "$summary" < "$out/counts.txt"
[ -f "$out/timelines.txt" ] && tee -a "$summary" < "$out/timelines.txt"
echo "summary: $summary"
