#!/usr/bin/env python3
"""Whole-cluster pause drill against a running `hearthctl local` cluster.

Each round writes KEYS keys, freezes every node at once (SIGSTOP) for FREEZE seconds, resumes them, and times how
long until every node's memcached port answers set+get steadily again (3 s in a row); it then reads the keys back
and reports how many survived. Memcached traffic runs against every node throughout. A node the cluster dropped
exits and `hearthctl local` starts it again; a wedged node exits after cluster.stuckExchangeTimeout. Prints one
line per round, with the nodes that were restarted.

Usage: bench/whole-cluster-pause.py CLUSTER_DIR ROUNDS FREEZE_SECONDS [GIVE_UP_SECONDS]
  e.g. bin/hearthctl local up --nodes 3 --dir /tmp/pause --port-offset 800 &
       bench/whole-cluster-pause.py /tmp/pause 10 3 180
"""
import json
import os
import signal
import socket
import sys
import threading
import time

cluster_dir, rounds, freeze = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
give_up = float(sys.argv[4]) if len(sys.argv) > 4 else 180.0
KEYS = 2000


def nodes():
    with open(os.path.join(cluster_dir, "hearth-local.json")) as f:
        return json.load(f)["nodes"]


ports = [n["ports"]["memcached"] for n in nodes()]
last_ok = [0.0] * len(ports)
failed = [0] * len(ports)


def load(i):
    sock, reader, n = None, None, 0
    while True:
        try:
            if sock is None:
                sock = socket.create_connection(("127.0.0.1", ports[i]), timeout=1)
                reader = sock.makefile("rb")
            key = b"pause-%d-%d" % (i, n % 100)
            n += 1
            sock.sendall(b"set " + key + b" 0 0 2\r\nok\r\nget " + key + b"\r\n")
            if reader.readline() != b"STORED\r\n":
                raise IOError("set not stored")
            reader.readline()
            reader.readline()
            if reader.readline() != b"END\r\n":
                raise IOError("get did not end")
            last_ok[i] = time.time()
        except (OSError, IOError):
            failed[i] += 1
            if sock is not None:
                sock.close()
            sock = None
            time.sleep(0.05)


def command(port, payload, lines):
    """Sends `payload` to one node and returns the first `lines` lines of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(payload)
        reader = sock.makefile("rb")
        return [reader.readline() for _ in range(lines)]


def write_keys(r):
    payload = b"".join(b"set kept-%d-%d 0 0 1\r\nx\r\n" % (r, k) for k in range(KEYS))
    answers = command(ports[0], payload, KEYS)
    return sum(1 for a in answers if a == b"STORED\r\n")


def count_keys(r):
    """Keys of round r still there, read through every node in turn (any node serves any key)."""
    found = 0
    for i, port in enumerate(ports):
        keys = range(i, KEYS, len(ports))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(b"".join(b"get kept-%d-%d\r\n" % (r, k) for k in keys))
                reader = sock.makefile("rb")
                ends = 0
                while ends < len(keys):
                    line = reader.readline()
                    if not line:
                        break
                    if line.startswith(b"VALUE"):
                        found += 1
                    elif line == b"END\r\n":
                        ends += 1
        except OSError:
            pass
    return found


def steady(seconds, limit):
    """True once every node answered within the last 0.5 s for `seconds` in a row, before `limit` seconds."""
    end, since = time.time() + limit, None
    while time.time() < end:
        now = time.time()
        if all(now - t < 0.5 for t in last_ok):
            since = since or now
            if now - since >= seconds:
                return True
        else:
            since = None
        time.sleep(0.05)
    return False


for i in range(len(ports)):
    threading.Thread(target=load, args=(i,), daemon=True).start()

for r in range(1, rounds + 1):
    if not steady(5, 300):
        print("round %d: the cluster was not serving before the freeze; stopping" % r, flush=True)
        sys.exit(1)
    stored = write_keys(r)
    before = [n["pid"] for n in nodes()]
    if min(before) <= 0:  # a node between restarts: pid 0 would signal this whole process group
        time.sleep(1)
        continue
    for pid in before:
        os.kill(pid, signal.SIGSTOP)
    time.sleep(freeze)
    for pid in before:
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass
    t0 = time.time()
    ok = steady(3, give_up)
    took = time.time() - t0 - 3 if ok else give_up
    after = [n["pid"] for n in nodes()]
    restarted = ["n%d" % i for i in range(len(before)) if before[i] != after[i]]
    kept = count_keys(r) if ok else 0
    print("round %d: %s after %.1f s; restarted: %s; %d of %d keys written before the pause still there; "
          "failed memcached round trips so far: %d" % (r, "serving again" if ok else "NOT serving", took,
                                                      ", ".join(restarted) or "none", kept, stored, sum(failed)),
          flush=True)
