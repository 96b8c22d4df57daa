package dev.hearth.node.localcopy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hearth.node.HearthNode;
import dev.hearth.node.TestNodes;
import dev.hearth.storage.TenantKey;
import dev.hearth.testing.FreePorts;
import dev.hearth.wire.status.LocalCopyLoad;
import dev.hearth.wire.status.LocalCopyStatus;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.ignite.ShutdownPolicy;
import org.apache.ignite.internal.IgnitionEx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local copy write and load rates on one node. Not part of the build: run with
 * {@code flock /tmp/hearth-cluster.lock mvn -B -o -pl node test -Dtest=LocalCopyBench -Dbench=true
 * -Dbench.entries=200000 -Dbench.valueBytes=1024}.
 */
@EnabledIfSystemProperty(named = "bench", matches = "true")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class LocalCopyBench {
    @TempDir
    Path dir;

    @Test
    void writeAndLoadRates() throws Exception {
        int n = Integer.getInteger("bench.entries", 200_000);
        int size = Integer.getInteger("bench.valueBytes", 1024);
        int[] disco = FreePorts.several(1);
        // Unpaced: this measures the load itself, not how the pace ramps up with nothing to yield to. Rounds unpaced
        // too: a paced round (the first starts with the node) spread its writes over half the interval and wrote most
        // partitions before the measured round, which then found 3 of 1,024 changed.
        String[] sets = {"localCopy.interval=1h", "localCopy.paced=false", "zones.default.memory=768m",
            "shutdown.timeout=20s", "warmup.readLatencyTarget=0s",
            "localCopy.appendChanges=" + System.getProperty("bench.append", "true")};
        // -Dbench.changed=F: each later round follows writes of that fraction of the keys (a different fraction each
        // round), as a node under a write load sees; 1 (the default) writes every key again.
        double changed = Double.parseDouble(System.getProperty("bench.changed", "1"));
        HearthNode node = HearthNode.start(TestNodes.config("lcbench", 0, disco, dir, sets), null);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> node.status().readiness().ready());
            byte[] value = new byte[size];
            new java.util.Random(1).nextBytes(value);
            writeAll(node, n, value);
            long t0 = System.nanoTime();
            int files = round(node);
            double s = (System.nanoTime() - t0) / 1e9;
            LocalCopyStatus st = node.localCopy().status(true);
            assertEquals(n, st.entries());
            System.out.printf("BENCH local copy write: %d entries, %d files, %.1f MB in %.2f s = %.1f MB/s, %.0f entries/s%n",
                    st.lastWriteEntries(), files, st.lastWriteBytes() / 1e6, s, st.lastWriteBytes() / 1e6 / s,
                    st.lastWriteEntries() / s);
            // -Dbench.rounds=N: N more rounds after every entry was written again, the writer's JIT warm by then.
            // -Dbench.writeJfr=FILE records where the rewrite rounds' CPU goes into FILE.
            jdk.jfr.Recording rounds = profile(System.getProperty("bench.writeJfr"));
            for (int r = 0; r < Integer.getInteger("bench.rounds", 0); r++) {
                writeSome(node, n, value, changed, r);
                long tr = System.nanoTime();
                round(node);
                double sr = (System.nanoTime() - tr) / 1e9;
                LocalCopyStatus str = node.localCopy().status(true);
                System.out.printf("BENCH local copy rewrite %d: %d entries in %.2f s = %.0f entries/s%n", r + 1,
                        str.lastWriteEntries(), sr, str.lastWriteEntries() / sr);
            }
            if (rounds != null) {
                rounds.dump(Path.of(System.getProperty("bench.writeJfr")));
                rounds.close();
            }
            long t1 = System.nanoTime();
            int again = round(node);
            System.out.printf("BENCH idle rewrite: %d files in %.1f ms%n", again, (System.nanoTime() - t1) / 1e6);
        } finally {
            IgnitionEx.stop(node.ignite().name(), true, ShutdownPolicy.IMMEDIATE, false);
            node.stopGracefully();
        }
        // -Dbench.jfr=FILE records where the load's CPU goes (JFR's profile settings) into FILE.
        String jfr = System.getProperty("bench.jfr");
        jdk.jfr.Recording recording = profile(jfr);
        HearthNode back = HearthNode.start(TestNodes.config("lcbench", 0, disco, dir, sets), null);
        try {
            await().atMost(Duration.ofMinutes(10)).until(() -> back.localCopy().status(true).lastLoad().state()
                    .equals("complete"));
            LocalCopyLoad r = back.localCopy().status(true).lastLoad();
            // One node holds every partition alone: each file goes straight into its own copy.
            long loaded = r.installedLocally() + r.entriesSent();
            assertEquals(n, loaded, String.valueOf(r.error()));
            System.out.printf("BENCH local copy load: %d entries (%d installed locally, %d sent), %.1f MB in %.2f s "
                    + "= %.1f MB/s, %.0f entries/s%n", loaded, r.installedLocally(), r.entriesSent(),
                    r.bytesRead() / 1e6, r.elapsedMillis() / 1e3, r.bytesRead() / 1e6 / (r.elapsedMillis() / 1e3),
                    loaded / (r.elapsedMillis() / 1e3));
        } finally {
            back.stopGracefully();
            if (recording != null) {
                recording.dump(Path.of(jfr));
                recording.close();
            }
        }
    }

    /**
     * One unpaced round on a thread of its own, as the node runs its rounds: the test's thread carries many thread
     * locals, and Ignite looks one up for every page it reads.
     */
    private static int round(HearthNode node) {
        return CompletableFuture.supplyAsync(() -> {
            long cpu = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
            int files = node.localCopy().writeChanged();
            cpu = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpu;
            LocalCopyStatus st = node.localCopy().status(true);
            long entries = st.lastWriteEntries();
            System.out.printf("BENCH round: %d files (%d segments appended so far), %d entries, %.0f ms of CPU, %.2f us "
                    + "of CPU per entry%n", files, st.segmentsAppended(), entries, cpu / 1e6,
                    entries == 0 ? 0 : cpu / 1e3 / entries);
            return files;
        }, r -> new Thread(r, "bench-round").start()).join();
    }

    /** A started recording with JFR's profile settings and 1 ms samples, or null when {@code file} is. */
    private static jdk.jfr.Recording profile(String file) throws java.io.IOException, java.text.ParseException {
        if (file == null) {
            return null;
        }
        jdk.jfr.Recording recording = new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"));
        recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(1));
        recording.enable("jdk.NativeMethodSample").withPeriod(Duration.ofMillis(1));
        recording.start();
        return recording;
    }

    /** Sets keys key-0 .. key-(n-1) to {@code value}, 256 writes in flight. */
    private static void writeAll(HearthNode node, int n, byte[] value) {
        writeSome(node, n, value, 1, 0);
    }

    /** Sets about {@code fraction} of the keys, another share for each {@code round}, 256 writes in flight. */
    private static void writeSome(HearthNode node, int n, byte[] value, double fraction, int round) {
        ArrayDeque<CompletableFuture<?>> inFlight = new ArrayDeque<>();
        long share = Math.round(fraction * 1000);
        for (int i = 0; i < n; i++) {
            if (share < 1000 && Math.floorMod(i * 7919L + round * 131L, 1000) >= share) {
                continue;
            }
            if (inFlight.size() >= 256) {
                inFlight.poll().join();
            }
            inFlight.add(node.cache().set(TenantKey.of("b", "key-" + i), value, 0, 0));
        }
        inFlight.forEach(CompletableFuture::join);
    }
}
