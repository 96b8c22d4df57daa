package dev.hearth.cli.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.cli.CliRun;
import dev.hearth.cli.http.AdminClient;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import net.spy.memcached.ConnectionFactoryBuilder;
import net.spy.memcached.FailureMode;
import net.spy.memcached.MemcachedClient;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.IgniteClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hearthctl local up --nodes 3}, then {@code hearthctl rolling-restart} while two loads run, one through
 * Ignite's thin client and one through the memcached endpoint (spymemcached with every node's port): for each, 0
 * failed operations, 0 lost acknowledged writes, hit ratio at least 99.9% during the whole restart. {@code -Dhearth.rolling.runs=N}
 * repeats the restart N times on the same cluster (flakiness hunting).
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class RollingRestartIT {
    private static final String TENANT = "default";
    private static final int THREADS = 4;
    private static final int KEYS_PER_THREAD = 2500;
    private static final int MC_THREADS = 4;
    /**
     * The same deadline as the thin-client load's (10 s). spymemcached's default, 2.5 s, is shorter than what a
     * surviving node's operations can take while the cluster's partition map changes (a node leaving or joining) on
     * this shared 2-core machine: the thin-client load's slowest operation is several seconds too. With 2.5 s those
     * show up as timeouts on nodes that never went away, which says nothing about the restart's safety.
     */
    private static final long MC_OP_TIMEOUT_MS = 10_000;

    /** Kept when a test fails: the nodes' logs say what happened. */
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    static Path dir;
    static LocalClusterProcess cluster;

    @BeforeAll
    static void up() throws Exception {
        // The node's own bound on a memcached operation matches the clients' deadline, for the reason given at
        // MC_OP_TIMEOUT_MS: at its default of 2 s a CI run answered one set SERVER_ERROR during a join whose stall
        // held the thin-client load's slowest operation for 2.25 s too.
        cluster = new LocalClusterProcess(3, dir, "memcached.operationTimeout=10s").start();
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

    private static String mcKey(int t, int i) {
        return "m" + t + "-" + i;
    }

    private static String mcValue(int t, int i, long version) {
        return "m" + t + "-" + i + "-v" + version + "-" + "y".repeat(64);
    }

    private static long mcVersion(Object value) {
        String s = (String) value;
        int v = s.indexOf("-v");
        return v < 0 ? Long.MIN_VALUE : Long.parseLong(s.substring(v + 2, s.indexOf('-', v + 2)));
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
            // Small batches: on a CPU-starved machine a fresh cluster can take longer than the client's 10 s timeout
            // for one 2,500-entry putAll.
            for (int from = 0; from < KEYS_PER_THREAD; from += 250) {
                java.util.Map<String, byte[]> batch = new java.util.HashMap<>();
                for (int i = from; i < Math.min(KEYS_PER_THREAD, from + 250); i++) {
                    batch.put(TestEnvelope.storageKey(TENANT, key(t, i)), TestEnvelope.encode(TENANT, key(t, i),
                            value(t, i, 1), 1, 0));
                    acked[t][i] = 1;
                }
                cache.putAll(batch);
            }
        }
        long[][] mcAcked = new long[MC_THREADS][KEYS_PER_THREAD];
        MemcachedClient mc = memcachedClient();
        try {
            List<Future<Boolean>> sets = new ArrayList<>();
            for (int t = 0; t < MC_THREADS; t++) {
                for (int i = 0; i < KEYS_PER_THREAD; i++) {
                    sets.add(mc.set(mcKey(t, i), 0, mcValue(t, i, 1)));
                    mcAcked[t][i] = 1;
                }
            }
            for (Future<Boolean> f : sets) {
                assertTrue(f.get(30, TimeUnit.SECONDS), "initial memcached set");
            }
            int runs = Integer.getInteger("hearth.rolling.runs", 1);
            for (int run = 1; run <= runs; run++) {
                oneRun(cache, mc, acked, mcAcked, run);
            }
        } finally {
            mc.shutdown(5, TimeUnit.SECONDS);
        }
    }

    /**
     * Whether spymemcached failed a request for a reason of its own when a server closed a connection under it, which
     * no server can avoid. A node that stops answers every request it received, then closes. spymemcached 2.12
     * watches a connection for reads only while it waits for an answer, so it notices the close only when it has
     * written its next request there, and cancels that request (CancellationException "Cancelled", not retried). And
     * requests already in that server's write queue at that moment stay queued for it (only its input queue is
     * redistributed) until it is back or they time out. An application retries such a request once; so does this
     * load, and counts it. A request that fails again counts as failed.
     */
    private static boolean retryOnce(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.util.concurrent.CancellationException
                    || t instanceof java.util.concurrent.TimeoutException
                    || t instanceof net.spy.memcached.OperationTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /**
     * A memcached client as an existing memcached user would point it at Hearth: every node's memcached port, and
     * failure mode Redistribute (while a server is down its keys go to the next server; every Hearth node serves
     * every key, so they are found there). A short reconnect backoff cap (2 s instead of spymemcached's 30 s) so the
     * client uses a restarted node again before the next one stops.
     */
    private static MemcachedClient memcachedClient() throws java.io.IOException {
        List<InetSocketAddress> servers = new ArrayList<>();
        for (int i = 0; i < cluster.nodes; i++) {
            servers.add(new InetSocketAddress("127.0.0.1", cluster.memcachedPort(i)));
        }
        return new MemcachedClient(new ConnectionFactoryBuilder()
                .setProtocol(ConnectionFactoryBuilder.Protocol.TEXT)
                .setFailureMode(FailureMode.Redistribute)
                .setOpTimeout(MC_OP_TIMEOUT_MS)
                .setMaxReconnectDelay(2)
                .build(), servers);
    }

    private void oneRun(ClientCache<String, byte[]> cache, MemcachedClient mc, long[][] acked, long[][] mcAcked,
            int run) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        Load thin = new Load("thin client");
        Load memcached = new Load("memcached");
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
                            thin.puts.incrementAndGet();
                        } else {
                            byte[] got = cache.get(TestEnvelope.storageKey(TENANT, k));
                            TestEnvelope.Item item = got == null ? null : TestEnvelope.decode(TENANT, k, got);
                            thin.read(k, got != null, got == null ? -1 : item == null ? Long.MIN_VALUE
                                    : item.version(), acked[tt][i]);
                        }
                    } catch (RuntimeException e) {
                        thin.failed(k, e);
                    }
                    thin.latency(t0);
                }
            }, "load-" + t);
            th.start();
            threads.add(th);
        }
        for (int t = 0; t < MC_THREADS; t++) {
            int tt = t;
            Thread th = new Thread(() -> {
                java.util.Random rnd = new java.util.Random(tt * 37L + run);
                while (!stop.get()) {
                    int i = rnd.nextInt(KEYS_PER_THREAD);
                    String k = mcKey(tt, i);
                    long t0 = System.nanoTime();
                    boolean set = rnd.nextInt(10) == 0;
                    for (int attempt = 1; ; attempt++) {
                        try {
                            if (set) {
                                long v = mcAcked[tt][i] + 1;
                                if (mc.set(k, 0, mcValue(tt, i, v)).get(MC_OP_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                                    mcAcked[tt][i] = v;
                                    memcached.puts.incrementAndGet();
                                } else {
                                    memcached.failed(k, new IllegalStateException("set not stored"));
                                }
                            } else {
                                Object got = mc.get(k);
                                memcached.read(k, got != null, got == null ? -1 : mcVersion(got), mcAcked[tt][i]);
                            }
                            break;
                        } catch (Exception e) {
                            if (attempt == 1 && retryOnce(e)) {
                                // See retryOnce: the application's usual answer is one retry, which spymemcached
                                // sends to the next server.
                                memcached.retried(k, e);
                                continue;
                            }
                            memcached.failed(k, e);
                            break;
                        }
                    }
                    memcached.latency(t0);
                }
            }, "mc-load-" + t);
            th.start();
            threads.add(th);
        }
        // Both loads run before the restart starts, and go on after it ends.
        await().atMost(Duration.ofSeconds(60)).until(() -> thin.gets.get() >= 200 && memcached.gets.get() >= 200);
        long t0 = System.nanoTime();
        CliRun r = CliRun.of("rolling-restart", "--admin", cluster.admin(), "--timeout", "4m", "-o", "json");
        long millis = (System.nanoTime() - t0) / 1_000_000;
        long thinAfter = thin.gets.get();
        long memcachedAfter = memcached.gets.get();
        await().atMost(Duration.ofSeconds(60)).until(() -> thin.gets.get() >= thinAfter + 100
                && memcached.gets.get() >= memcachedAfter + 100);
        stop.set(true);
        for (Thread th : threads) {
            th.join(30_000);
        }
        System.out.println(r.err());
        System.out.println(r.out());
        assertEquals(0, r.code(), r.toString());
        // The per-node breakdown: a node's admin port answers "still starting" from before it joins, so every
        // restart shows a start (process up) and a join of their own, and they add up to the node's time.
        JsonNode result = AdminClient.JSON.readTree(r.out());
        assertEquals(cluster.nodes, result.path("nodes").size(), r.out());
        for (JsonNode n : result.path("nodes")) {
            assertTrue(n.path("startMillis").asLong() > 0 && n.path("joinMillis").asLong() > 0, n.toString());
            long parts = n.path("settleMillis").asLong() + n.path("stopMillis").asLong()
                    + n.path("startMillis").asLong() + n.path("joinMillis").asLong()
                    + n.path("rebalanceMillis").asLong();
            assertTrue(Math.abs(n.path("totalMillis").asLong() - parts) <= 5, n.toString());
        }
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
        long mcMissing = 0;
        List<String> mcKeys = new ArrayList<>();
        for (int t = 0; t < MC_THREADS; t++) {
            for (int i = 0; i < KEYS_PER_THREAD; i++) {
                mcKeys.add(mcKey(t, i));
            }
        }
        Map<String, Object> back = mc.getBulk(mcKeys);
        for (int t = 0; t < MC_THREADS; t++) {
            for (int i = 0; i < KEYS_PER_THREAD; i++) {
                Object got = back.get(mcKey(t, i));
                // Greater is fine: a set whose answer was lost may still have been applied.
                if (got == null || mcVersion(got) < mcAcked[t][i]) {
                    mcMissing++;
                }
            }
        }
        System.out.printf("ROLLING RESTART run %d: 3 nodes in %d ms (started at %d)%n", run, millis,
                System.currentTimeMillis() - millis - 1000);
        printEvictions();
        System.out.println("  " + thin.summary(missing));
        System.out.println("  " + memcached.summary(mcMissing));
        thin.errors.stream().limit(10).forEach(e -> System.out.println("  thin client error: " + e));
        memcached.errors.stream().limit(10).forEach(e -> System.out.println("  memcached error: " + e));
        memcached.retriedErrors.forEach(e -> System.out.println("  memcached retried: " + e));
        for (Load l : List.of(thin, memcached)) {
            assertEquals(0, l.failed.get(), l.name + " failed operations: " + l.errors.stream().limit(5).toList());
            assertEquals(0, l.lost.get(), l.name + " lost acknowledged writes during the restart: "
                    + l.errors.stream().limit(5).toList());
            assertTrue(l.hitRatio() >= 0.999, l.name + " hit ratio " + l.hitRatio());
            assertTrue(l.gets.get() > 1000, l.name + " load barely ran: " + l.gets.get() + " gets");
        }
        // At most the requests the load's threads had outstanding on each node's connection as it closed (one
        // connection per server, each thread one request at a time), cancelled or left in its write queue.
        assertTrue(thin.retried.get() == 0 && memcached.retried.get() <= (long) MC_THREADS * cluster.nodes,
                "retried after a closed connection: " + memcached.retriedErrors);
        assertEquals(0, missing, "thin client: acknowledged writes missing after the restart");
        assertEquals(0, mcMissing, "memcached: acknowledged writes missing after the restart");
        CliRun status = CliRun.of("status", "--admin", cluster.admin(), "--output", "json");
        assertEquals(0, status.code(), status.toString());
        assertTrue(!status.out().contains("\"safeToStop\" : false"), status.out());
    }

    /** Each node's eviction counters and zone memory: misses with no lost copy come from eviction. */
    private static void printEvictions() {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        for (int node = 0; node < cluster.nodes; node++) {
            int i = node;
            try {
                String m = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
                        + cluster.adminPort(i) + "/metrics")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                m.lines().filter(l -> !l.startsWith("#") && (l.contains("evictions") || l.contains("region")))
                        .forEach(l -> System.out.println("  n" + i + " " + l));
            } catch (java.io.IOException e) {
                System.out.println("  n" + i + " metrics unavailable: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One load's counters: reads, hits, writes, failures, stale reads, latency. */
    private static final class Load {
        final String name;
        final AtomicLong gets = new AtomicLong();
        final AtomicLong hits = new AtomicLong();
        final AtomicLong puts = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong lost = new AtomicLong();
        final AtomicLong retried = new AtomicLong();
        final AtomicLong misses = new AtomicLong();
        final ConcurrentLinkedQueue<String> retriedErrors = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        final org.HdrHistogram.ConcurrentHistogram latency = new org.HdrHistogram.ConcurrentHistogram(3);

        Load(String name) {
            this.name = name;
        }

        /** @param version the version read (-1: miss, Long.MIN_VALUE: damaged) */
        void read(String k, boolean hit, long version, long ackedVersion) {
            gets.incrementAndGet();
            if (!hit) {
                if (misses.incrementAndGet() <= 5) {
                    errors.add(System.currentTimeMillis() + " miss " + k + " (acked v" + ackedVersion + ")");
                }
                return;
            }
            hits.incrementAndGet();
            if (version < ackedVersion) {
                lost.incrementAndGet();
                errors.add("stale or damaged " + k + ": " + (version == Long.MIN_VALUE ? "damaged"
                        : "v" + version + " < acked v" + ackedVersion));
            }
        }

        /** A request that failed because its connection was closed, and was retried once. */
        void retried(String k, Exception e) {
            retried.incrementAndGet();
            retriedErrors.add(System.currentTimeMillis() + " " + k + ": " + e);
        }

        void failed(String k, Exception e) {
            failed.incrementAndGet();
            errors.add(System.currentTimeMillis() + " " + k + ": " + e);
        }

        void latency(long t0) {
            latency.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
        }

        double hitRatio() {
            return gets.get() == 0 ? 0 : (double) hits.get() / gets.get();
        }

        String summary(long missingAfter) {
            return String.format("%s load: %d gets, %d puts, %d failed, %d retried once, hit ratio"
                    + " %.5f, %d lost during, %d lost after, p99 %.1f ms, p99.9 %.1f ms, slowest op %.1f ms", name,
                    gets.get(), puts.get(), failed.get(), retried.get(),
                    hitRatio(), lost.get(), missingAfter, latency.getValueAtPercentile(99) / 1000.0,
                    latency.getValueAtPercentile(99.9) / 1000.0, latency.getMaxValue() / 1000.0);
        }
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
