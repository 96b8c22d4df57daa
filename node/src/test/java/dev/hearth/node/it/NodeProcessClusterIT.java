package dev.hearth.node.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.storage.Envelope;
import dev.hearth.storage.Item;
import dev.hearth.storage.TenantKey;
import dev.hearth.testing.NodeProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.IgniteClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failure behaviour of real node processes: kill -9, graceful stop under writes, and readiness across a restart.
 * Writes go through Ignite's thin client with Hearth's envelope, exactly as they are stored by every endpoint.
 */
@Timeout(600)
class NodeProcessClusterIT {
    @TempDir
    Path dir;

    static final String TENANT = "it";

    static TenantKey key(int i) {
        return TenantKey.of(TENANT, "key-" + i);
    }

    static byte[] value(int i, int size) {
        byte[] v = new byte[size];
        byte[] prefix = ("value-" + i + "-").getBytes(StandardCharsets.US_ASCII);
        for (int j = 0; j < size; j++) {
            v[j] = j < prefix.length ? prefix[j] : (byte) ('a' + (i + j) % 26);
        }
        return v;
    }

    static byte[] stored(int i, int size) {
        return Envelope.encode(key(i), new Item(value(i, size), i, i + 1L, 0, false));
    }

    /** Keys whose stored value is missing or wrong. */
    static List<Integer> lostOrWrong(ClientCache<String, byte[]> cache, Iterable<Integer> keys, int size) {
        List<Integer> bad = new ArrayList<>();
        List<Integer> batch = new ArrayList<>();
        for (int i : keys) {
            batch.add(i);
            if (batch.size() == 500) {
                check(cache, batch, size, bad);
                batch.clear();
            }
        }
        check(cache, batch, size, bad);
        return bad;
    }

    private static void check(ClientCache<String, byte[]> cache, List<Integer> batch, int size, List<Integer> bad) {
        Map<String, Integer> names = new HashMap<>();
        batch.forEach(i -> names.put(key(i).storageKey(), i));
        Map<String, byte[]> got = cache.getAll(names.keySet());
        names.forEach((k, i) -> {
            Item item = Envelope.decode(key(i), got.get(k));
            if (item == null || !java.util.Arrays.equals(item.value(), value(i, size))) {
                bad.add(i);
            }
        });
    }

    /**
     * Extended (-Pextended): verify already kills one of three nodes under load twice, through the thin client
     * (KillRestartDeadlineIT, FailoverIT), counting lost acknowledged writes; MemcachedFailoverIT (extended too) does
     * it under a memcached client's load.
     */
    @Test
    @org.junit.jupiter.api.Tag("extended")
    void killNineOfOneNodeLosesNoAcknowledgedWriteAndReadersBarelyStall() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster("kill9", 3, dir).start()) {
            IgniteClient client = cluster.client();
            ClientCache<String, byte[]> cache = ProcessCluster.zone(client);
            List<Integer> written = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                cache.put(key(i).storageKey(), stored(i, 100));
                written.add(i);
            }

            // A reader hammers random keys across the kill, timing every read.
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong maxNanos = new AtomicLong();
            AtomicInteger failures = new AtomicInteger();
            AtomicInteger reads = new AtomicInteger();
            AtomicInteger wrong = new AtomicInteger();
            ClientCache<String, byte[]> readerCache = ProcessCluster.zone(cluster.client());
            Thread reader = new Thread(() -> {
                java.util.Random rnd = new java.util.Random(7);
                while (!stop.get()) {
                    int i = rnd.nextInt(10_000);
                    long t0 = System.nanoTime();
                    try {
                        Item item = Envelope.decode(key(i), readerCache.get(key(i).storageKey()));
                        if (item == null || !java.util.Arrays.equals(item.value(), value(i, 100))) {
                            wrong.incrementAndGet();
                        }
                    } catch (RuntimeException e) {
                        failures.incrementAndGet();
                    }
                    maxNanos.accumulateAndGet(System.nanoTime() - t0, Math::max);
                    reads.incrementAndGet();
                }
            }, "reader");
            reader.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> reads.get() >= 200);
            long before = maxNanos.getAndSet(0);
            cluster.node(1).kill9();
            long killedAt = System.nanoTime();
            int atKill = reads.get();
            // Reads go on through the failure detection (4 s covers it) and keep flowing after it.
            await().atMost(Duration.ofSeconds(60)).pollDelay(Duration.ofSeconds(4))
                    .until(() -> reads.get() >= atKill + 500);
            stop.set(true);
            reader.join();

            List<Integer> bad = lostOrWrong(cache, written, 100);
            System.out.printf("kill -9 of 1 of 3 nodes: %d reads, %d failed, %d wrong, max read latency %.1f ms "
                    + "(%.1f ms before the kill), %d of %d acknowledged keys lost%n", reads.get(), failures.get(),
                    wrong.get(), maxNanos.get() / 1e6, before / 1e6, bad.size(), written.size());
            assertEquals(List.of(), bad, "acknowledged writes lost");
            assertEquals(0, failures.get(), "failed reads during the kill");
            assertEquals(0, wrong.get(), "reads that returned a wrong value");
            assertTrue(System.nanoTime() - killedAt > 0);
            // The survivors noticed the death and report one copy missing per partition until... never: with two
            // nodes left every partition still gets its second copy back by rebalancing.
            NodeProcess survivor = cluster.node(0);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> survivor.get("/status").body().contains("\"partitionsMissingCopies\" : 0")
                            && countMembers(survivor) == 2);

        }
    }

    /**
     * A frozen node (alive, sockets open, silent: a SIGSTOP, a long pause, a cut link). Until the failure detection
     * timeout (10 s) drops it, gets of its keys through the other nodes are answered from the backup copies
     * (memcached.readFailoverAfter), and a set of one of its keys is answered SERVER_ERROR within
     * memcached.operationTimeout instead of hanging. Once dropped and woken, it finds itself cut off and exits
     * non-zero for its supervisor to restart it.
     */
    /*
     * Extended (-Pextended, 45-50 s): verify freezes a primary under a reading and writing client
     * (FrozenNodeReadFailoverIT: every read answered from the backup within its deadline) and every node past the
     * failure detection (PausePastDetectionIT: dropped nodes fence or leave and their supervisor restarts them).
     * This adds the memcached port's read failover (memcached.readFailoverAfter) around a frozen peer.
     */
    @org.junit.jupiter.api.Tag("extended")
    @Test
    void frozenNodeIsReadAroundThenDroppedAndExitsWhenWoken() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster("frozen", 3, dir).start()) {
            NodeProcess survivor = cluster.node(0);
            NodeProcess frozen = cluster.node(2);
            int keys = 200;
            try (TextClient c = new TextClient(survivor.ports().memcached(), 5000)) {
                for (int i = 0; i < keys; i++) {
                    assertEquals("STORED", c.set("fz:" + i, "v" + i));
                }
            }
            signal("STOP", frozen.pid());
            long frozenAt = System.nanoTime();
            // A set of a frozen primary's key cannot go around it: it is answered, not left hanging. Keys are tried
            // in turn until one is refused (about a third have their primary on the frozen node).
            long setNanos = 0;
            String setReply = null;
            int setsTried = 0;
            try (TextClient a = new TextClient(survivor.ports().memcached(), 15_000)) {
                for (int i = 0; i < keys && setReply == null; i++) {
                    long t0 = System.nanoTime();
                    String r = a.set("fz:" + i, "v" + i);
                    setsTried++;
                    if (!r.equals("STORED")) {
                        setReply = r;
                        setNanos = System.nanoTime() - t0;
                    }
                }
            }
            // Gets of every key through both live nodes at once, while the frozen node is still a member.
            AtomicInteger failed = new AtomicInteger();
            AtomicInteger wrong = new AtomicInteger();
            AtomicLong worst = new AtomicLong();
            java.util.List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Thread> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                int port = cluster.node(r).ports().memcached();
                int first = r;
                Thread t = new Thread(() -> {
                    try (TextClient c = new TextClient(port, 5000)) {
                        for (int i = first; i < keys; i += 2) {
                            long t0 = System.nanoTime();
                            if (!("v" + i).equals(c.get("fz:" + i))) {
                                wrong.incrementAndGet();
                            }
                            worst.accumulateAndGet(System.nanoTime() - t0, Math::max);
                        }
                    } catch (IOException e) {
                        failed.incrementAndGet();
                        failures.add(e.toString());
                    }
                }, "reader-" + r);
                readers.add(t);
                t.start();
            }
            for (Thread t : readers) {
                t.join();
            }
            long readPhaseMs = (System.nanoTime() - frozenAt) / 1_000_000;
            long worstNanos = worst.get();
            long failovers = metric(survivor, "hearth_read_failovers_total")
                    + metric(cluster.node(1), "hearth_read_failovers_total");
            System.out.printf("frozen node: a set, then %d gets through the live nodes, done %d ms after the freeze, %d failed, %d wrong, worst %.1f ms, "
                    + "%d asked the backups; a set of a frozen key answered '%s' after %.0f ms (after %d sets)%n",
                    keys, readPhaseMs, failed.get(), wrong.get(), worstNanos / 1e6, failovers, setReply,
                    setNanos / 1e6, setsTried);
            assertTrue(readPhaseMs < 9_000, "the reads must run while the frozen node is still a member: "
                    + readPhaseMs + " ms");
            assertEquals(0, failed.get(), () -> "failed gets while a node is frozen: " + failures);
            assertEquals(0, wrong.get(), "gets that returned a wrong value");
            assertTrue(failovers > 0, "gets of the frozen node's keys asked the backups");
            assertTrue(worstNanos < TimeUnit.SECONDS.toNanos(2), "a get waited for the frozen primary: "
                    + worstNanos / 1e6 + " ms");
            assertTrue(setReply != null && setReply.startsWith("SERVER_ERROR"), "set reply: " + setReply);
            assertTrue(setNanos < TimeUnit.MILLISECONDS.toNanos(3_000), "the set waited " + setNanos / 1e6 + " ms");

            await().atMost(Duration.ofSeconds(50)).pollInterval(Duration.ofMillis(50))
                    .until(() -> countMembers(survivor) == 2);
            long droppedMs = (System.nanoTime() - frozenAt) / 1_000_000;
            signal("CONT", frozen.pid());
            await().atMost(Duration.ofSeconds(60)).until(() -> !frozen.alive());
            System.out.printf("frozen node (SIGSTOP) dropped from the topology after %d ms; woken, it exited with "
                    + "%d%n", droppedMs, frozen.exitCode());
            assertTrue(droppedMs >= 19_000, "dropped after " + droppedMs + " ms, before the 20 s failure detection");
            assertTrue(frozen.exitCode() != 0, "a node cut off from its cluster must exit non-zero");
        }
    }

    static long metric(NodeProcess n, String name) {
        for (String line : n.get("/metrics").body().split("\n")) {
            if (line.startsWith(name + "{")) {
                return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no metric " + name);
    }

    static void signal(String sig, long pid) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
        assertEquals(0, p.waitFor());
    }

    static int countMembers(NodeProcess n) {
        String body = n.get("/status").body();
        return body.split("\"adminPort\"", -1).length - 1;
    }

    /**
     * Extended (-Pextended, 43 s): verify already stops and restarts every node gracefully under memcached and
     * thin-client load, counting failed operations, lost writes and the hit ratio (RollingRestartIT), and checks that
     * readiness waits for the refill (LocalCopyClusterTest, RollingRestartIT's per-node ready times).
     */
    @org.junit.jupiter.api.Tag("extended")
    @Test
    void gracefulStopUnderWritesLosesNothingAndRestartWaitsForRebalance() throws Exception {
        // Throttled rebalance so that the restarted node's refill lasts long enough to watch readiness.
        try (ProcessCluster cluster = new ProcessCluster("graceful", 3, dir, "cluster.rebalanceThrottle=30ms",
                "cluster.rebalanceBatchSize=16k").start()) {
            ClientCache<String, byte[]> cache = ProcessCluster.zone(cluster.client());
            int size = 1024;
            Map<Integer, Boolean> acked = new ConcurrentHashMap<>();
            // 8 MB up front, so the restarted node's share takes seconds to stream at the throttled rate whatever
            // the writer manages on a busy machine.
            int preload = 8000;
            for (int from = 0; from < preload; from += 500) {
                Map<String, byte[]> batch = new HashMap<>();
                for (int i = from; i < from + 500; i++) {
                    batch.put(key(i).storageKey(), stored(i, size));
                }
                cache.putAll(batch);
                batch.keySet().forEach(k -> acked.put(Integer.parseInt(k.substring(k.lastIndexOf('-') + 1)), true));
            }
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger failedWrites = new AtomicInteger();
            Thread writer = new Thread(() -> {
                int i = preload;
                while (!stop.get()) {
                    try {
                        cache.put(key(i).storageKey(), stored(i, size));
                        acked.put(i, true);
                    } catch (RuntimeException e) {
                        failedWrites.incrementAndGet();
                    }
                    i++;
                }
            }, "writer");
            writer.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> acked.size() >= preload + 500);
            long t0 = System.nanoTime();
            int exit = cluster.node(2).stopGracefully(Duration.ofSeconds(40));
            long stopMillis = (System.nanoTime() - t0) / 1_000_000;
            int atStop = acked.size();
            await().atMost(Duration.ofSeconds(60)).pollDelay(Duration.ofMillis(1500))
                    .until(() -> acked.size() >= atStop + 200);
            stop.set(true);
            writer.join();
            List<Integer> bad = lostOrWrong(cache, acked.keySet(), size);
            System.out.printf("graceful stop of 1 of 3 nodes under writes: exit %d after %d ms, %d writes "
                    + "acknowledged, %d failed, %d lost%n", exit, stopMillis, acked.size(), failedWrites.get(),
                    bad.size());
            assertEquals(0, exit, "a graceful stop exits 0");
            assertEquals(List.of(), bad, "acknowledged writes lost");
            assertEquals(0, failedWrites.get(), "writes that failed during the graceful stop");

            // Restart: readiness must stay false until the node holds every partition assigned to it.
            NodeProcess back = cluster.node(2);
            back.start();
            List<String> observed = new ArrayList<>();
            AtomicBoolean rebalancingSeen = new AtomicBoolean();
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(20)).until(() -> {
                NodeProcess.Response ready = back.get("/health/ready");
                if (ready.statusCode() == 503 && ready.body().contains("rebalancing")) {
                    rebalancingSeen.set(true);
                }
                if (ready.statusCode() != 200) {
                    return false;
                }
                String status = back.get("/status").body();
                observed.add("ready: " + status.contains("\"localMovingPartitions\" : 0"));
                assertTrue(status.contains("\"localMovingPartitions\" : 0"),
                        "ready while partitions are still arriving: " + status);
                return true;
            });
            boolean sawRebalancing = rebalancingSeen.get();
            long restartMillis = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("restart: saw not-ready-while-rebalancing=%s, then %s (%d ms after the stop began)%n",
                    sawRebalancing, observed, restartMillis);
            assertTrue(back.ready(), "the restarted node never became ready");
            assertTrue(sawRebalancing, "readiness never reported the rebalance (was it too fast to see?)");
            assertEquals(List.of(), lostOrWrong(cache, acked.keySet(), size), "lost after the restart");
        }
    }
}
