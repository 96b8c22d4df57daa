#!/usr/bin/env bash
# What each client layer costs against Ignite's raw thin client: the raw thin client, hearth-client, hearth-jcache and
# hearth-spring (Spring Cache), side by side in one JVM: in each round the same threads switch layer every second;
# prints median ops/s and p99 per layer, the median of its per-round differences to the thin client and in how many
# rounds it was within 5% of it (bench/Layers.java). Needs `mvn -B package -DskipTests` and a running cluster.
# Usage: bench/layers.sh HOST:PORT,... [THREADS=16] [SECONDS=10] [ROUNDS=5] [KEYS=10000]
#   SECONDS: each layer's measured time per round. SLICE=N (default 1): seconds per slice; SLICE=0: each layer alone
#   for SECONDS per round, in turn, each round starting one layer later (the method of the runs before 2026-12-07).
#   LAYERS=thin,client (optional) runs only those layers, in that order.
#   JAVA_OPTS (optional) adds flags to the load JVM, e.g. -XX:StartFlightRecording=filename=/tmp/l.jfr.
#   SEND_FROM_CALLER=false builds the client, jcache and spring layers without sendFromCaller (on by default; layers
#   "io" and "io1" never have it: every call through an io thread, 4 and 1 of them).
#   IO_THREADS=N sets the io threads of the client, jcache and spring layers (layer "io1" always has 1).
#   SERVER_PIDS=pid,pid,... (optional): the nodes, whose CPU per operation (from /proc) is printed next to the load
#   JVM's own; e.g. SERVER_PIDS=$(python3 -c "import json;print(','.join(str(n['pid']) for n in json.load(open('/tmp/hl/hearth-local.json'))['nodes']))")
#   e.g. bin/hearthctl local up --nodes 3 --dir /tmp/hl && bench/layers.sh 127.0.0.1:10800,127.0.0.1:10801,127.0.0.1:10802
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${OUT:-$(mktemp -d)}"
mkdir -p "$out/classes"
# The modules' runtime class paths; packaged in the same run, so that the reactor resolves hearth-client and the
# other modules to their jars (nothing is installed).
(cd "$here" && mvn -B -q -o -DskipTests -Dhearth.classArchive.skip=true package dependency:build-classpath \
  -pl client/spring,client/jcache -am -Dmdep.includeScope=runtime -Dmdep.outputFile=target/layers-classpath.txt)
cp="$here/client/spring/target/hearth-spring.jar:$here/client/jcache/target/hearth-jcache.jar"
# hearth-jcache's first: Spring Boot's BOM pins older Jackson and JSR-107 API versions in hearth-spring's tree.
cp="$cp:$(cat "$here/client/jcache/target/layers-classpath.txt"):$(cat "$here/client/spring/target/layers-classpath.txt")"
javac -d "$out/classes" -cp "$cp" "$here/bench/Layers.java"
# The one flag hearth-client needs (docs/client.md).
java --add-opens=java.base/java.nio=ALL-UNNAMED -Xmx1g ${JAVA_OPTS:-} -cp "$out/classes:$cp" Layers "$@"
