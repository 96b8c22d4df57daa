package dev.hearth.cli.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.client.ClientStats;
import dev.hearth.client.Codec;
import dev.hearth.client.HearthClient;
import dev.hearth.client.TenantCache;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seed incident 1 replayed: an API server reads its catalogue cache-aside through hearth-client {@code getOrLoad},
 * with a loader standing for the database and counting its calls, when one cache node is killed for want of memory
 * (the kernel's OOM killer sends SIGKILL, as kill -9 does) and comes back under its supervisor.
 *
 * <p>The API's traffic is steady and its database load is known exactly: every 100th call of each API thread asks
 * for a product never seen before (1% of calls must reach the database), the others for a product of a catalogue
 * that is all cached before the measurement. So any loader call above 1% is the incident's cost. In the 2016
 * incident that cost was the whole read load for 11 minutes (5 to restart, 6 to get hot); here the goals are 0
 * failed API calls and a loader rate at most 5% above steady state while the node is gone and while it comes back.
 * Run by the {@code chaos} profile only ({@code bench/chaos.sh incident-1}).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class IncidentOneChaos {
    private static final String TENANT = "shop";
    private static final int CATALOGUE = Integer.getInteger("chaos.incident.products", 20_000);
    private static final int API_THREADS = 8;
    private static final int CALLS_PER_SECOND_PER_THREAD = Integer.getInteger("chaos.incident.callsPerThread", 200);
    private static final int NEW_PRODUCT_EVERY = 100;
    /** What a database query costs the API thread that waits for it. */
    private static final long DB_QUERY_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    private static final Duration TTL = Duration.ofHours(1);
    private static final Duration DEADLINE = Duration.ofSeconds(1);
    private static final Duration STEADY = Duration.ofSeconds(Long.getLong("chaos.incident.steadySeconds", 30));
    private static final Duration AFTER_WARM = Duration.ofSeconds(10);
    private static final int SECONDS = 600;

    private final LongAdder wrongValues = new LongAdder();
    private final AtomicLongArray callsPerSecond = new AtomicLongArray(SECONDS);
    private final AtomicLongArray loadsPerSecond = new AtomicLongArray(SECONDS);
    /** Loads of catalogue products, which are all cached: in steady state none, so each one is the incident's cost. */
    private final AtomicLongArray catalogueLoadsPerSecond = new AtomicLongArray(SECONDS);
    private final AtomicLongArray failedPerSecond = new AtomicLongArray(SECONDS);
    private final AtomicLongArray worstMicrosPerSecond = new AtomicLongArray(SECONDS);
    private final AtomicLong worstCallNanos = new AtomicLong();
    private final List<String> failureExamples = java.util.Collections.synchronizedList(new ArrayList<>());
    private volatile long t0;
    private volatile boolean running = true;

    @Test
    void oneNodeKilledForWantOfMemory() throws Exception {
        ChaosReport report = new ChaosReport("incident-1-oom-kill-one-node");
        try (ChaosCluster cluster = ChaosCluster.start("incident-1", 3, null);
                HearthClient client = HearthClient.builder().addresses(cluster.thinClientAddresses())
                        .timeout(DEADLINE).build()) {
            TenantCache<String> shop = client.tenant(TENANT, Codec.utf8());
            long preloadStart = System.nanoTime();
            preload(shop);
            long preloadMs = (System.nanoTime() - preloadStart) / 1_000_000;
            cluster.event("catalogue of " + CATALOGUE + " products cached in " + preloadMs + " ms");

            t0 = System.nanoTime();
            List<Thread> api = new ArrayList<>();
            for (int i = 0; i < API_THREADS; i++) {
                int thread = i;
                Thread t = new Thread(() -> apiThread(shop, thread), "api-" + i);
                t.setDaemon(true);
                t.start();
                api.add(t);
            }
            Chaos.pause(STEADY);
            int killSecond = second(System.nanoTime());
            ClientStats before = client.stats();
            long killedAt = System.nanoTime();
            cluster.kill9(1);
            cluster.awaitAllServing(Duration.ofMinutes(3));
            long servingMs = (System.nanoTime() - killedAt) / 1_000_000;
            cluster.event("n1 back and every node serving " + servingMs + " ms after the kill");
            cluster.awaitRebalanced(Duration.ofMinutes(3));
            long warmMs = (System.nanoTime() - killedAt) / 1_000_000;
            int warmSecond = second(System.nanoTime());
            cluster.event("cluster rebalanced (n1 holds its partitions again) " + warmMs + " ms after the kill");
            JsonNode n1 = cluster.status(1);
            Chaos.pause(AFTER_WARM);
            running = false;
            for (Thread t : api) {
                t.join(TimeUnit.SECONDS.toMillis(30));
            }
            ClientStats after = client.stats();
            int endSecond = second(System.nanoTime()) - 1;

            // Steady state: the seconds before the kill, less the first 5 (JIT, connections).
            Window steady = window(5, killSecond);
            Window incident = window(killSecond, warmSecond + 1);
            Window afterWarm = window(warmSecond + 1, endSecond);
            long failed = sum(failedPerSecond, 0, endSecond + 1);
            // The steady database load is the new products' loads; the incident adds catalogue loads to it. Counting
            // them apart is exact, where comparing per-second shares would measure how the 1-in-100 calls fall.
            long ratioPermille = incident.newLoads() == 0 ? -1
                    : Math.round(1000.0 * incident.loads() / incident.newLoads());
            report.target("failed API calls", failed, "= 0", x -> x == 0);
            report.target("wrong values returned", wrongValues.sum(), "= 0", x -> x == 0);
            report.target("steady catalogue loads", steady.catalogueLoads(), "= 0", x -> x == 0);
            report.target("loader calls during incident vs steady, permille", ratioPermille, "<= 1050",
                    x -> x >= 0 && x <= 1050);
            report.target("worst API call ms", worstCallNanos.get() / 1_000_000,
                    "<= " + (DEADLINE.toMillis() + 20), x -> x <= DEADLINE.toMillis() + 20);
            report.metric("catalogue products", CATALOGUE);
            report.metric("API threads x calls/s", API_THREADS + " x " + CALLS_PER_SECOND_PER_THREAD);
            report.metric("steady: API calls/s", String.format("%.0f", steady.callsPerSecond()));
            report.metric("steady: loader calls per 100 API calls", String.format("%.3f", 100 * steady.loadShare()));
            report.metric("incident (kill to warm): API calls/s", String.format("%.0f", incident.callsPerSecond()));
            report.metric("incident: loader calls per 100 API calls",
                    String.format("%.3f", 100 * incident.loadShare()));
            report.metric("incident: catalogue loads (the incident's extra)", incident.catalogueLoads());
            report.metric("after warm: loader calls per 100 API calls",
                    String.format("%.3f", 100 * afterWarm.loadShare()));
            report.metric("loader calls in the whole measured run", sum(loadsPerSecond, 0, SECONDS));
            report.metric("kill to every node serving ms", servingMs);
            report.metric("kill to restarted node warm (rebalanced) ms", warmMs);
            report.metric("restarted node: serving to warm ms", warmMs - servingMs);
            report.metric("nodes restarted", cluster.restarts());
            report.metric("client read failovers (answered by another node)",
                    (after.readFailovers() - before.readFailovers()) + " ("
                            + (after.readFailoverAnswers() - before.readFailoverAnswers()) + ")");
            report.metric("client timeouts / errors / rejected in the incident",
                    (after.timeouts() - before.timeouts()) + " / " + (after.errors() - before.errors()) + " / "
                            + (after.rejected() - before.rejected()));
            if (n1 != null) {
                report.metric("n1 local copy load", n1.path("localCopy").path("lastLoad").toString());
            }
            report.note("per second from the kill (calls/loads/failed/worst ms): " + timeline(killSecond - 2,
                    Math.min(endSecond, warmSecond + 3)));
            failureExamples.stream().limit(5).forEach(x -> report.note("failure: " + x));
            cluster.events().forEach(x -> report.note("event: " + x));
            report.publish();
            if (!report.allMet()) {
                throw new AssertionError("targets missed: " + report.missed());
            }
        } finally {
            running = false;
        }
    }

    /** Every catalogue product cached through the loader, as a warm API server would have it. */
    private void preload(TenantCache<String> shop) throws InterruptedException {
        List<Thread> loaders = new ArrayList<>();
        for (int i = 0; i < API_THREADS; i++) {
            int from = i;
            Thread t = new Thread(() -> {
                for (int p = from; p < CATALOGUE; p += API_THREADS) {
                    shop.getOrLoad(product(p), this::database, TTL);
                }
            }, "preload-" + i);
            t.start();
            loaders.add(t);
        }
        for (Thread t : loaders) {
            t.join();
        }
    }

    private void apiThread(TenantCache<String> shop, int thread) {
        long interval = TimeUnit.SECONDS.toNanos(1) / CALLS_PER_SECOND_PER_THREAD;
        long next = System.nanoTime();
        long n = 0;
        while (running) {
            long now = System.nanoTime();
            if (now < next) {
                LockSupport.parkNanos(next - now);
                continue;
            }
            // A thread that fell behind (a stall) does not burst to catch up: the API's callers gave up meanwhile.
            next = Math.max(next + interval, now - interval);
            n++;
            String key = n % NEW_PRODUCT_EVERY == 0 ? "new-" + thread + "-" + n
                    : product(ThreadLocalRandom.current().nextInt(CATALOGUE));
            long start = System.nanoTime();
            int s = second(start);
            try {
                String v = shop.getOrLoad(key, this::database, TTL);
                if (!expected(key).equals(v)) {
                    wrongValues.increment();
                }
            } catch (RuntimeException e) {
                failedPerSecond.incrementAndGet(s);
                if (failureExamples.size() < 20) {
                    failureExamples.add(key + ": " + e);
                }
            }
            long took = System.nanoTime() - start;
            callsPerSecond.incrementAndGet(s);
            worstCallNanos.accumulateAndGet(took, Math::max);
            worstMicrosPerSecond.accumulateAndGet(s, took / 1000, Math::max);
        }
    }

    /** The database: a query's latency, and a count. */
    private String database(String key) {
        if (t0 != 0) {
            int s = second(System.nanoTime());
            loadsPerSecond.incrementAndGet(s);
            if (key.startsWith("product:")) {
                catalogueLoadsPerSecond.incrementAndGet(s);
            }
        }
        LockSupport.parkNanos(DB_QUERY_NANOS);
        return expected(key);
    }

    private static String product(int p) {
        return "product:" + p;
    }

    private static String expected(String key) {
        return "{\"id\":\"" + key + "\",\"name\":\"" + key.hashCode() + "\",\"pad\":\"" + "p".repeat(400) + "\"}";
    }

    private int second(long nanoTime) {
        return (int) Math.min(SECONDS - 1, Math.max(0, (nanoTime - t0) / 1_000_000_000L));
    }

    private record Window(long calls, long loads, long catalogueLoads, int seconds) {
        long newLoads() {
            return loads - catalogueLoads;
        }

        double loadShare() {
            return calls == 0 ? 0 : (double) loads / calls;
        }

        double callsPerSecond() {
            return seconds == 0 ? 0 : (double) calls / seconds;
        }
    }

    private Window window(int from, int to) {
        return new Window(sum(callsPerSecond, from, to), sum(loadsPerSecond, from, to),
                sum(catalogueLoadsPerSecond, from, to), Math.max(0, to - from));
    }

    private static long sum(AtomicLongArray a, int from, int to) {
        long s = 0;
        for (int i = Math.max(0, from); i < Math.min(a.length(), to); i++) {
            s += a.get(i);
        }
        return s;
    }

    private String timeline(int from, int to) {
        StringBuilder b = new StringBuilder();
        for (int i = Math.max(0, from); i <= to && i < SECONDS; i++) {
            b.append(String.format("%n    t=%ds %d/%d/%d/%d", i, callsPerSecond.get(i), loadsPerSecond.get(i),
                    failedPerSecond.get(i), worstMicrosPerSecond.get(i) / 1000));
        }
        return b.toString();
    }
}
