package dev.hearth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.cli.CliRun;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.IgniteClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hearthctl local up --nodes 3}, then {@code hearthctl rolling-restart} while a thin-client load runs:
 * 0 failed operations, 0 lost acknowledged writes, hit ratio at least 99.9%. {@code -Dhearth.rolling.runs=N}
 * repeats the restart N times on the same cluster (flakiness hunting).
 */
class RollingRestartIT {
    private static final String TENANT = "default";
    private static final int THREADS = 4;
    private static final int KEYS_PER_THREAD = 2500;

    @TempDir
    static Path dir;
    static LocalClusterProcess cluster;

    @BeforeAll
    static void up() throws Exception {
        cluster = new LocalClusterProcess(3, dir).start();
    }

    @AfterAll
    static void down() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String key(int t, int i) {
        return "k" + t + "-" + i;
    }

    private static byte[] value(int t, int i, long version) {
        return ("value-" + t + "-" + i + "-v" + version + "-" + "x".repeat(64)).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void rollingRestartUnderLoadLosesNothing() throws Exception {
        IgniteClient client = cluster.client();
        ClientCache<String, byte[]> cache = client.cache("hearth-zone-default");
        long[][] acked = new long[THREADS][KEYS_PER_THREAD];
        for (int t = 0; t < THREADS; t++) {
            java.util.Map<String, byte[]> batch = new java.util.HashMap<>();
            for (int i = 0; i < KEYS_PER_THREAD; i++) {
                batch.put(TestEnvelope.storageKey(TENANT, key(t, i)), TestEnvelope.encode(TENANT, key(t, i),
                        value(t, i, 1), 1, 0));
                acked[t][i] = 1;
            }
            cache.putAll(batch);
        }
        int runs = Integer.getInteger("hearth.rolling.runs", 1);
        for (int run = 1; run <= runs; run++) {
            oneRun(cache, acked, run);
        }
    }

    private void oneRun(ClientCache<String, byte[]> cache, long[][] acked, int run) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong gets = new AtomicLong();
        AtomicLong hits = new AtomicLong();
        AtomicLong puts = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong lost = new AtomicLong();
        AtomicLong maxLatency = new AtomicLong();
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int tt = t;
            Thread th = new Thread(() -> {
                java.util.Random rnd = new java.util.Random(tt * 31L + run);
                while (!stop.get()) {
                    int i = rnd.nextInt(KEYS_PER_THREAD);
                    String k = key(tt, i);
                    long t0 = System.nanoTime();
                    try {
                        if (rnd.nextInt(10) == 0) {
                            long v = acked[tt][i] + 1;
                            cache.put(TestEnvelope.storageKey(TENANT, k), TestEnvelope.encode(TENANT, k,
                                    value(tt, i, v), v, 0));
                            acked[tt][i] = v;
                            puts.incrementAndGet();
                        } else {
                            gets.incrementAndGet();
                            byte[] got = cache.get(TestEnvelope.storageKey(TENANT, k));
                            if (got != null) {
                                hits.incrementAndGet();
                                TestEnvelope.Item item = TestEnvelope.decode(TENANT, k, got);
                                if (item == null || item.version() < acked[tt][i]) {
                                    lost.incrementAndGet();
                                    errors.add("stale or damaged " + k + ": " + (item == null ? "damaged"
                                            : "v" + item.version() + " < acked v" + acked[tt][i]));
                                }
                            }
                        }
                    } catch (RuntimeException e) {
                        failed.incrementAndGet();
                        errors.add(k + ": " + e);
                    }
                    maxLatency.accumulateAndGet((System.nanoTime() - t0) / 1_000_000, Math::max);
                }
            }, "load-" + t);
            th.start();
            threads.add(th);
        }
        Thread.sleep(2000);
        long t0 = System.nanoTime();
        CliRun r = CliRun.of("rolling-restart", "--admin", cluster.admin(), "--timeout", "4m");
        long millis = (System.nanoTime() - t0) / 1_000_000;
        Thread.sleep(1000);
        stop.set(true);
        for (Thread th : threads) {
            th.join(30_000);
        }
        System.out.println(r.err());
        System.out.println(r.out());
        assertEquals(0, r.code(), r.toString());
        // Every acknowledged write is still there, with its last acknowledged version.
        long missing = 0;
        for (int t = 0; t < THREADS; t++) {
            for (int i = 0; i < KEYS_PER_THREAD; i++) {
                TestEnvelope.Item item = TestEnvelope.decode(TENANT, key(t, i),
                        cache.get(TestEnvelope.storageKey(TENANT, key(t, i))));
                if (item == null || item.version() != acked[t][i]) {
                    missing++;
                }
            }
        }
        double hitRatio = gets.get() == 0 ? 0 : (double) hits.get() / gets.get();
        System.out.printf("ROLLING RESTART run %d: 3 nodes in %d ms; load: %d gets, %d puts, %d failed, hit ratio "
                + "%.5f, %d lost during, %d lost after, slowest op %d ms%n", run, millis, gets.get(), puts.get(),
                failed.get(), hitRatio, lost.get(), missing, maxLatency.get());
        errors.stream().limit(10).forEach(e -> System.out.println("  error: " + e));
        assertEquals(0, failed.get(), "failed operations: " + errors.stream().limit(5).toList());
        assertEquals(0, lost.get(), "lost acknowledged writes during the restart: " + errors.stream().limit(5).toList());
        assertEquals(0, missing, "acknowledged writes missing after the restart");
        assertTrue(hitRatio >= 0.999, "hit ratio " + hitRatio);
        assertTrue(gets.get() > 1000, "the load barely ran: " + gets.get() + " gets");
        CliRun status = CliRun.of("status", "--admin", cluster.admin(), "--output", "json");
        assertEquals(0, status.code(), status.toString());
        assertTrue(!status.out().contains("\"safeToStop\" : false"), status.out());
    }

    @Test
    void badArgumentsAndUnknownNodesAreUsageErrors() {
        CliRun r = CliRun.of("node", "restart", "no-such-node", "--admin", cluster.admin());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("unknown node 'no-such-node'") && r.err().contains("n0"), r.toString());
        r = CliRun.of("rolling-restart", "--nodes", "n1,bogus", "--admin", cluster.admin());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("unknown node 'bogus'"), r.toString());
        r = CliRun.of("rolling-restart", "--dry-run", "--nodes", "n2,n1", "--admin", cluster.admin());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("n2, n1"), r.toString());
        r = CliRun.of("dump", "verify", "no-such-dump", "--admin", cluster.admin());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.out().contains("no dump named 'no-such-dump'"), r.toString());
        r = CliRun.of("warmup", "--from", "no-such-dump", "--admin", cluster.admin());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("no dump named 'no-such-dump'"), r.toString());
        r = CliRun.of("dump", "create", "--zone", "no-such-zone", "--admin", cluster.admin());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("unknown zone"), r.toString());
        r = CliRun.of("status", "--admin", cluster.admin());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("n0") && r.out().contains("n2") && r.out().contains("default"), r.out());
    }
}
