#!/usr/bin/env bash
# Builds the image and runs 3 containers on one podman network as one cluster: writes through the memcached port,
# stops one container (SIGTERM, graceful), reads everything back. Prints what it measured; exits non-zero on loss.
# Usage (root): bash ../shared/tools/podman-setup.sh && deploy/container-test.sh   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
export CONTAINERS_CONF=${HEARTH_PODMAN_CONF:-/etc/containers/containers.conf}
net=hearth-ct-$$
keys=${KEYS:-2000}
cleanup() {
  for i in 0 1 2; do podman rm -f -t 0 "hearth-ct-$i" >/dev/null 2>&1 || true; done
  podman network rm -f "$net" >/dev/null 2>&1 || true
}
trap cleanup EXIT

ls dist/target/hearth-*.tar.gz >/dev/null 2>&1 || mvn -B -q -DskipTests package
podman build -q --format docker -t hearth:dev . >/dev/null
podman network create "$net" >/dev/null
addrs="hearth-ct-0:47500,hearth-ct-1:47500,hearth-ct-2:47500"
# The admin ports need a token, as in production (docs/security.md): the nodes share it.
token=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
for i in 0 1 2; do
  # Hardened as compose.yaml and the Kubernetes pods run it: read-only root (podman adds a /tmp tmpfs; the data dir is
  # the image's volume), no capabilities, no privilege escalation.
  podman run -d --name "hearth-ct-$i" --hostname "hearth-ct-$i" --network "$net" --memory 1g \
    --read-only --cap-drop ALL --security-opt no-new-privileges \
    -e HEARTH_NODE_NAME="hearth-ct-$i" -e HEARTH_CLUSTER_ADDRESSES="$addrs" -e HEARTH_ADMIN_TOKEN="$token" \
    hearth:dev >/dev/null
done
ip() { podman inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "hearth-ct-$1"; }
for i in 0 1 2; do
  for _ in $(seq 1 120); do
    curl -fs "http://$(ip "$i"):8080/health/ready" >/dev/null 2>&1 && break
    sleep 1
  done
  curl -fs "http://$(ip "$i"):8080/health/ready" >/dev/null || { podman logs "hearth-ct-$i" | tail -30; exit 1; }
done
members=$(curl -fs -H "Authorization: Bearer $token" "http://$(ip 0):8080/status" | grep -c '"adminPort"')
echo "3 containers ready; cluster members seen by node 0: $members"
[ "$members" = 3 ]
anonymous=$(curl -s -o /dev/null -w '%{http_code}' "http://$(ip 0):8080/status")
echo "/status without the admin token: HTTP $anonymous"
[ "$anonymous" = 401 ]
# No systemd here to schedule health checks; run the image's HEALTHCHECK command once by hand.
if podman healthcheck run hearth-ct-0 >/dev/null 2>&1; then echo "HEALTHCHECK of node 0: healthy"; else
  echo "HEALTHCHECK of node 0 failed"; exit 1; fi

# memcached text protocol through bash's /dev/tcp: one connection, all sets, then count STORED.
write_keys() {
  exec 3<>"/dev/tcp/$1/11211"
  for k in $(seq 1 "$keys"); do printf 'set ct:key-%d 0 0 %d\r\nvalue-%d\r\n' "$k" "$(( ${#k} + 6 ))" "$k" >&3; done
  printf 'quit\r\n' >&3
  grep -c STORED <&3 || true
  exec 3<&-
}
stored=$(write_keys "$(ip 0)" | tail -1)
echo "stored through memcached on node 0: $stored of $keys"

t0=$(date +%s%N)
podman stop -t 120 hearth-ct-1 >/dev/null
t1=$(date +%s%N)
code=$(podman inspect -f '{{.State.ExitCode}}' hearth-ct-1)
echo "podman stop of node 1 (SIGTERM): $(( (t1 - t0) / 1000000 )) ms, exit code $code"

read_keys() {
  exec 3<>"/dev/tcp/$1/11211"
  for k in $(seq 1 "$keys"); do printf 'get ct:key-%d\r\n' "$k" >&3; done
  printf 'quit\r\n' >&3
  local n=0 line
  while IFS= read -r line <&3; do
    case "$line" in VALUE*) n=$((n + 1));; esac
  done
  exec 3<&-
  echo "$n"
}
found=$(read_keys "$(ip 2)")
echo "read back through memcached on node 2 after the stop: $found of $stored"
[ "$code" = 0 ] && [ "$found" = "$stored" ] && [ "$stored" = "$keys" ]
echo "container test passed"
