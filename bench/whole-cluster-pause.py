#!/usr/bin/env python3
"""Whole-cluster pause drill against a running `hearthctl local` cluster.

Each round freezes every node at once (SIGSTOP) for FREEZE seconds, resumes them, and times how long until every
node's memcached port answers set+get steadily again (3 s in a row). Memcached traffic runs against every node
throughout. A node the cluster dropped exits and `hearthctl local` starts it again; a wedged node exits after
cluster.stuckExchangeTimeout. Prints one line per round, with the nodes that were restarted.

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
    print("round %d: %s after %.1f s; restarted: %s; failed memcached round trips so far: %d" % (
        r, "serving again" if ok else "NOT serving", took, ", ".join(restarted) or "none", sum(failed)), flush=True)
