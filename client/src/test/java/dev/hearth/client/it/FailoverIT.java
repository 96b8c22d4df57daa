package dev.hearth.client.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.client.CircuitOpenException;
import dev.hearth.client.CircuitState;
import dev.hearth.client.ClientStats;
import dev.hearth.client.Codec;
import dev.hearth.client.HearthClient;
import dev.hearth.client.HearthException;
import dev.hearth.client.HearthTimeoutException;
import dev.hearth.client.TenantCache;
import dev.hearth.client.Versioned;
import dev.hearth.client.testing.ProcessCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Outages against a real 3-node cluster, with one client that lives through all of them: kill -9 of one node under
 * load, every node gone, every node frozen, and the recoveries.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(600)
class FailoverIT {
    /** The client's default deadline. */
    private static final Duration DEADLINE = Duration.ofMillis(100);
    /** "every call returns within deadline + 20 ms". */
    private static final long BOUND_NANOS = DEADLINE.toNanos() + TimeUnit.MILLISECONDS.toNanos(20);
    /** Deadline of the kill -9 run (see killOneNodeUnderMixedLoadFailsNoOperation). */
    private static final Duration FAILOVER_DEADLINE =
            Duration.ofMillis(Long.getLong("hearth.it.failoverDeadlineMs", 3000));

    private static ProcessCluster cluster;
    private static HearthClient client;
    private static TenantCache<String> cache;

    @BeforeAll
    static void up() throws Exception {
        // Ignite's own 10 s failure detection instead of Hearth's 2 s: test 5 freezes every node at once for 3 s, and
        // that must stay a pause. With 2 s, each node wakes to find its neighbour silent too long: nodes get dropped
        // (and exit for their supervisor to restart), and in 1 of 3 runs the survivors stayed wedged in a partition
        // exchange for over 90 s (since then a node exits after 30 s of that: cluster.stuckExchangeTimeout), leaving
        // the next test without a cluster (docs/architecture.md, "Frozen and cut-off nodes"). The client sees the
        // same frozen sockets either way; a killed node is still noticed at once, by its refused connections.
        cluster = ProcessCluster.start(3, Path.of("target/it-failover"), List.of("cluster.failureDetectionTimeout=10s"));
        client = HearthClient.builder().addresses(cluster.thinClientAddresses()).timeout(DEADLINE)
                .circuitProbeInterval(Duration.ofMillis(200)).build();
        cache = client.tenant("store-1", Codec.utf8());
        // A client built while the nodes are still busy starting (2 cores shared by three fresh JVMs) can miss its
        // first 100 ms handshake and start with the circuit open, failing calls fast until its probe gets through
        // (one CI run failed here with CircuitOpenException). The load below is the test's setup, not its subject.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> "up".equals(putGet("setup", "up")));
        TenantCache<String> slow = cache.withTimeout(Duration.ofSeconds(2));
        for (int i = 0; i < 1000; i++) {
            String k = "k" + i;
            String v = "v" + i;
            // pollDelay zero: Awaitility otherwise waits one interval before the first try, 50 s over 1,000 keys.
            await().atMost(Duration.ofSeconds(30)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(50))
                    .ignoreExceptions()
                    .until(() -> {
                        slow.put(k, v);
                        return true;
                    });
        }
    }

    @AfterAll
    static void down() {
        if (client != null) {
            client.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /**
     * Mixed load (get, getAll, put, gets+cas, delete, getOrLoad) from 8 threads while one node is killed with -9.
     * Ignite fails requests on the dead connection over to other nodes; the cluster then pauses cache operations
     * for the partition map exchange (measured 0.5-1.2 s on loopback, see IGNITE-NOTES), so this run uses a deadline
     * above that stall ({@code hearth.it.failoverDeadlineMs}, 3 s). The worst latency seen is printed.
     */
    @Test
    @Order(1)
    void killOneNodeUnderMixedLoadFailsNoOperation() throws Exception {
        TenantCache<String> c = cache.withTimeout(FAILOVER_DEADLINE);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong ops = new AtomicLong();
        AtomicLong worstNanos = new AtomicLong();
        Map<String, Throwable> failures = new ConcurrentHashMap<>();
        AtomicLong failed = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            fs.add(pool.submit(() -> {
                ThreadLocalRandom r = ThreadLocalRandom.current();
                while (!stop.get()) {
                    String k = "k" + r.nextInt(1000);
                    long start = System.nanoTime();
                    try {
                        int op = r.nextInt(100);
                        if (op < 60) {
                            c.get(k);
                        } else if (op < 70) {
                            c.getAll(List.of(k, "k" + r.nextInt(1000), "k" + r.nextInt(1000)));
                        } else if (op < 85) {
                            c.put(k, "w" + r.nextInt());
                        } else if (op < 92) {
                            Versioned<String> v = c.gets(k);
                            if (v != null) {
                                c.cas(k, v.value() + "!", v.version(), Duration.ZERO);
                            }
                        } else if (op < 95) {
                            c.delete(k);
                        } else {
                            c.getOrLoad(k, key -> "loaded", Duration.ofMinutes(5));
                        }
                        ops.incrementAndGet();
                    } catch (RuntimeException e) {
                        failed.incrementAndGet();
                        failures.putIfAbsent(e.getClass().getSimpleName() + ": " + e.getMessage(), e);
                    }
                    worstNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
                }
                return null;
            }));
        }
        await("the callers' steady state").atMost(Duration.ofSeconds(60)).until(() -> ops.get() >= 500);
        long beforeKill = ops.get();
        cluster.kill(2);
        Thread.sleep(5000);
        stop.set(true);
        for (Future<?> f : fs) {
            f.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();
        System.out.printf("[FailoverIT] kill -9 under load: %d ops (%d after the kill), %d failed, worst %d ms%n",
                ops.get(), ops.get() - beforeKill, failed.get(), worstNanos.get() / 1_000_000);
        failures.values().stream().limit(3).forEach(Throwable::printStackTrace);
        assertEquals(0, failed.get(), () -> "failed operations: " + failures.keySet());
        assertTrue(ops.get() - beforeKill > 100, "load went on after the kill");
        assertEquals(CircuitState.CLOSED, client.circuitState());
    }

    @Test
    @Order(2)
    void killedNodeRejoins() throws Exception {
        cluster.restart(2);
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> "x".equals(putGet("rejoin", "x")));
    }

    /** True if puts and gets with the default deadline all answered correctly for {@code period}; throws if not. */
    private static boolean steadyFor(Duration period) {
        long end = System.nanoTime() + period.toNanos();
        while (System.nanoTime() < end) {
            if (!"ok".equals(putGet("deadline", "ok"))) {
                return false;
            }
        }
        return true;
    }

    private static String putGet(String k, String v) {
        cache.put(k, v);
        return cache.get(k);
    }

    /**
     * Every node gone: each call returns within deadline + 20 ms; once the circuit opens, calls fail in
     * microseconds; getOrLoad answers from the loader throughout.
     */
    @Test
    @Order(3)
    void allNodesGoneEveryCallIsBoundedAndGetOrLoadServesFromTheLoader() throws Exception {
        for (int i = 0; i < 3; i++) {
            cluster.kill(i);
        }
        assertBoundedWhileDown("killed");
    }

    @Test
    @Order(4)
    void clientRecoversWhenTheClusterComesBackWithoutRebuild() throws Exception {
        for (int i = 0; i < 3; i++) {
            cluster.startNode(i);
        }
        for (int i = 0; i < 3; i++) {
            cluster.awaitReady(i);
        }
        long start = System.nanoTime();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> "back".equals(putGet("recovered", "back")));
        System.out.printf("[FailoverIT] recovered %d ms after the cluster was ready%n",
                (System.nanoTime() - start) / 1_000_000);
        assertEquals(CircuitState.CLOSED, client.circuitState());
    }

    /** Every node frozen (SIGSTOP): sockets stay open but nothing answers. */
    @Test
    @Order(5)
    void allNodesFrozenEveryCallIsBounded() throws Exception {
        for (int i = 0; i < 3; i++) {
            cluster.freeze(i);
        }
        try {
            assertBoundedWhileDown("frozen");
        } finally {
            for (int i = 0; i < 3; i++) {
                cluster.resume(i);
            }
        }
        // The premise of the freeze (see up()): no node was dropped. A dropped node exits, and awaitReady says so.
        for (int i = 0; i < 3; i++) {
            cluster.awaitReady(i);
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> "thawed".equals(putGet("thawed", "thawed")));
        assertEquals(CircuitState.CLOSED, client.circuitState());
    }

    /**
     * The first call into a freshly frozen cluster, made while the client still believes it healthy (it sends from
     * the caller's thread and is woken by Ignite's network thread, no callback pool): its own deadline holds, whether
     * shorter than Ignite's request timeout (100 ms here) or longer (it waits and retries until then).
     */
    @Test
    @Order(6)
    void firstCallIntoAFrozenClusterKeepsItsOwnDeadline() throws Exception {
        for (Duration deadline : List.of(Duration.ofMillis(30), Duration.ofMillis(250))) {
            // Healthy again, and staying so: nodes thawed by the previous test can still stall the cluster for
            // seconds (one answer then a timeout was seen), so wait for 3 s in which every call answers in time.
            // The blocking path is then taken only after 2 s without a failure to reach the cluster.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                    .until(() -> steadyFor(Duration.ofSeconds(3)));
            Thread.sleep(2500);
            assertEquals("ok", cache.get("deadline"));
            for (int i = 0; i < 3; i++) {
                cluster.freeze(i);
            }
            long took;
            long paused;
            Throwable error = null;
            try {
                long gcBefore = gcMillis();
                long stallBefore = STALL_NANOS.get();
                long start = System.nanoTime();
                try {
                    cache.withTimeout(deadline).get("deadline");
                } catch (HearthException e) {
                    error = e;
                }
                took = System.nanoTime() - start;
                paused = Math.max((gcMillis() - gcBefore) * 1_000_000, STALL_NANOS.get() - stallBefore);
            } finally {
                for (int i = 0; i < 3; i++) {
                    cluster.resume(i);
                }
            }
            System.out.printf("[FailoverIT] first call into a frozen cluster, deadline %d ms: took %.1f ms (JVM "
                    + "stood still %.1f ms), %s%n", deadline.toMillis(), took / 1e6, paused / 1e6, error);
            assertTrue(error instanceof HearthTimeoutException, "expected a timeout, got " + error);
            assertTrue(took - paused <= deadline.toNanos() + TimeUnit.MILLISECONDS.toNanos(20),
                    "deadline " + deadline.toMillis() + " ms, the call took " + took / 1e6 + " ms");
        }
    }

    private static long gcMillis() {
        return java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(java.lang.management.GarbageCollectorMXBean::getCollectionTime).sum();
    }

    /**
     * Time this JVM stood still for reasons no client code controls: GC pauses, or the OS not scheduling it (2 cores
     * shared with the cluster's processes). A thread sleeping 5 ms at a time adds up how late it wakes.
     */
    private static final java.util.concurrent.atomic.AtomicLong STALL_NANOS = new java.util.concurrent.atomic.AtomicLong();

    static {
        Thread detector = new Thread(() -> {
            while (true) {
                long t = System.nanoTime();
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
                long late = System.nanoTime() - t - 5_000_000;
                if (late > 2_000_000) {
                    STALL_NANOS.addAndGet(late);
                }
            }
        }, "stall-detector");
        detector.setDaemon(true);
        detector.start();
    }

    private static void assertBoundedWhileDown(String what) {
        ClientStats before = client.stats();
        long worst = 0;
        long worstFast = Long.MAX_VALUE;
        int loaded = 0;
        int n = 0;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        long fastSum = 0;
        int fastCount = 0;
        long t0 = System.nanoTime();
        String worstWhat = "";
        long worstRaw = 0;
        while (System.nanoTime() < end) {
            String k = "k" + (n % 50);
            long start = System.nanoTime();
            long gcBefore = gcMillis();
            long stallBefore = STALL_NANOS.get();
            try {
                switch (n % 5) {
                    case 0 -> cache.get(k);
                    case 1 -> cache.put(k, "v");
                    case 2 -> cache.getAll(List.of(k, "a", "b"));
                    case 3 -> cache.incr(k, 1);
                    default -> {
                        String v = cache.getOrLoad(k, key -> "from-loader", Duration.ofMinutes(1));
                        assertEquals("from-loader", v);
                        loaded++;
                    }
                }
            } catch (HearthException e) {
                if (e instanceof CircuitOpenException) {
                    fastSum += System.nanoTime() - start;
                    fastCount++;
                }
            }
            long raw = System.nanoTime() - start;
            // The bound is on the client's own waiting: a pause of the whole JVM during the call is not the client's.
            long paused = Math.max((gcMillis() - gcBefore) * 1_000_000, STALL_NANOS.get() - stallBefore);
            long took = Math.max(0, raw - paused);
            if (n % 5 != 4) {
                worstRaw = Math.max(worstRaw, raw);
            }
            if (n % 5 != 4 && took > worst) {
                worst = took;
                worstWhat = "op " + (n % 5) + " at +" + (start - t0) / 1_000_000 + " ms, took " + raw / 1_000_000
                        + " ms of which the JVM stood still " + paused / 1_000_000 + " ms";
            }
            n++;
        }
        ClientStats after = client.stats();
        System.out.printf("[FailoverIT] all nodes %s: %d calls, worst %.1f ms (bound %d ms), circuit %s, "
                        + "%d fast rejections averaging %.1f us, %d getOrLoad answered by the loader, "
                        + "timeouts %d, errors %d%n", what, n, worst / 1e6, BOUND_NANOS / 1_000_000,
                after.circuitState(), fastCount, fastCount == 0 ? 0 : fastSum / 1e3 / fastCount, loaded,
                after.timeouts() - before.timeouts(), after.errors() - before.errors());
        System.out.println("[FailoverIT] worst call: " + worstWhat + "; worst raw call " + worstRaw / 1_000_000
                + " ms");
        assertTrue(worst <= BOUND_NANOS, "a call took " + worst / 1e6 + " ms: " + worstWhat);
        assertTrue(loaded > 10);
        assertTrue(fastCount > 100, "the circuit opened and failed calls fast");
        assertTrue(after.circuitState() != CircuitState.CLOSED);
    }
}
