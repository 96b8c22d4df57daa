#!/usr/bin/env python3
"""Where a node's CPU went, from JFR recordings (JDK 17 has no `jfr view`).

Usage: bench/jfr-top.py [--top N] [--include PREFIX] FILE.jfr [FILE.jfr ...]

Prints, over the execution samples of all files together:
  - samples per thread pool (thread names with their numbers removed),
  - the methods most often on top of the stack (self),
  - the methods most often anywhere on the stack (total; each method counted once per sample),
    only for methods starting with one of the --include prefixes when given.
Samples of threads not running Java code (waiting in the kernel) are not execution samples; JFR does not take them.
"""
import argparse
import collections
import json
import re
import subprocess
import sys


def samples(path):
    out = subprocess.run(["jfr", "print", "--json", "--stack-depth", "96", "--events", "jdk.ExecutionSample", path],
                         check=True, capture_output=True, text=True).stdout
    for event in json.loads(out)["recording"]["events"]:
        values = event["values"]
        thread = (values.get("sampledThread") or {}).get("javaName") or "?"
        frames = []
        for frame in (values.get("stackTrace") or {}).get("frames", []):
            method = frame["method"]
            frames.append(method["type"]["name"] + "." + method["name"])
        yield thread, frames


def pool(thread):
    return re.sub(r"[-#_ ]?\d+", "", thread) or thread


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--include", action="append", default=[])
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    pools = collections.Counter()
    self_counts = collections.Counter()
    total_counts = collections.Counter()
    n = 0
    for path in args.files:
        for thread, frames in samples(path):
            n += 1
            pools[pool(thread)] += 1
            if frames:
                self_counts[frames[0]] += 1
            for method in set(frames):
                if not args.include or any(method.startswith(p) for p in args.include):
                    total_counts[method] += 1
    if n == 0:
        print("no execution samples")
        return 1

    def show(title, counter):
        print(f"\n{title}")
        for name, count in counter.most_common(args.top):
            print(f"  {100.0 * count / n:5.1f}%  {count:7d}  {name}")

    print(f"{n} execution samples in {len(args.files)} recording(s)")
    show("by thread pool", pools)
    show("self (top of stack)", self_counts)
    show("total (anywhere on the stack)", total_counts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
