#!/usr/bin/env python3
"""Refill rates for bench/one-gib.sh (STEPS=rates), printed as one line each.

  refill-rates.py rebalance LOG SINCE NODE   Ignite's rebalance into a node restarted at SINCE (ISO UTC), from its log:
                                             the largest "Completed rebalance chain" after SINCE, timed from the node's
                                             "started in" line (Ignite's own duration is rounded to seconds).
  refill-rates.py localcopy URL...           the local-copy loads of every node (/status URLs): MB/s of files read and
                                             entries/s sent cluster-wide, over the slowest node's load.
"""
import json
import re
import sys
import urllib.request
from datetime import datetime

CHAIN = re.compile(r"Completed rebalance chain: \[rebalanceId=\d+, partitions=(\d+), entries=(\d+), "
                   r"duration=([^,]+), bytesRcvd=([\d.]+) (\w?B)")
UNITS = {"B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9}


def when(line):
    return datetime.fromisoformat(line[:23])


def rebalance(log, since, node):
    started, best = None, None
    with open(log, errors="replace") as f:
        for line in f:
            if line[:23] < since[:23]:
                continue
            if started is None and "HearthNode" in line and " started in " in line:
                started = line
            m = CHAIN.search(line)
            if m and int(m.group(2)) > 0 and (best is None or int(m.group(2)) > int(best[1].group(2))):
                best = (line, m)
    if best is None or started is None:
        return f"n{node} rebalance: not found in {log} after {since}"
    line, m = best
    entries = int(m.group(2))
    mb = float(m.group(4)) * UNITS[m.group(5)] / 1e6
    secs = max((when(line) - when(started)).total_seconds(), 0.001)
    return (f"n{node} Ignite rebalance: {entries} entries, {m.group(1)} partitions, {mb:.1f} MB received in "
            f"{secs:.1f} s from the node's start to the chain's end (Ignite's duration {m.group(3)}): "
            f"{mb / secs:.1f} MB/s, {entries / secs:.0f} entries/s")


def localcopy(urls):
    loads = [json.load(urllib.request.urlopen(u, timeout=5))["localCopy"]["lastLoad"] for u in urls]
    mb = sum(load["bytesRead"] for load in loads) / 1e6
    sent = sum(load["entriesSent"] for load in loads)
    installed = sum(load.get("installedLocally", 0) for load in loads)
    secs = max(max(load["elapsedMillis"] for load in loads) / 1000, 0.001)
    per = ", ".join(f"{load['state']}: {load.get('installedLocally', 0)} installed locally, {load['entriesSent']} "
                    f"sent, {load['skippedPresent']} held, {load['elapsedMillis'] / 1000:.1f} s" for load in loads)
    return (f"{mb:.1f} MB of files read, {installed} copies installed locally and {sent} entries sent in {secs:.1f} s "
            f"(slowest node): {mb / secs:.1f} MB/s, {(installed + sent) / secs:.0f} installed or sent per s cluster-wide ({per})")


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "rebalance":
        print(rebalance(sys.argv[2], sys.argv[3], sys.argv[4]))
    elif len(sys.argv) >= 3 and sys.argv[1] == "localcopy":
        print(localcopy(sys.argv[2:]))
    else:
        sys.exit(__doc__)
