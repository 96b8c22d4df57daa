package dev.hearth.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.client.CircuitState;
import dev.hearth.client.Codec;
import dev.hearth.storage.TenantKey;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Storage keys, versions, incr arithmetic, codecs and the circuit breaker's state machine. */
@Timeout(60)
class SmallPartsTest {
    /**
     * Ignite's failover may run only on the client's threads that may block (io, probe, registry), and not inside a
     * completion there; never on a caller's thread nor on any other.
     */
    @Test
    void ignitesRetryRunsOnlyOnTheClientsBlockingThreads() throws Exception {
        BlockingThreadsOnlyRetryPolicy policy = new BlockingThreadsOnlyRetryPolicy(ctx -> true);
        assertFalse(policy.shouldRetry(null), "a caller's thread");
        assertEquals(List.of(true, false, true), onThread(ClientThreads.ThreadKind.MAY_BLOCK, () -> {
            boolean before = policy.shouldRetry(null);
            boolean[] inside = new boolean[1];
            ClientThreads.INLINE.execute(() -> inside[0] = policy.shouldRetry(null));
            return List.of(before, inside[0], policy.shouldRetry(null));
        }));
        assertEquals(List.of(false), onThread(ClientThreads.ThreadKind.CALLBACK, () -> List.of(policy.shouldRetry(null))));
        assertEquals(List.of(false), onThread(ClientThreads.ThreadKind.OTHER, () -> List.of(policy.shouldRetry(null))));
        assertEquals(List.of(false), onThread(ClientThreads.ThreadKind.MAY_BLOCK,
                () -> List.of(new BlockingThreadsOnlyRetryPolicy(null).shouldRetry(null))));
    }

    /**
     * A completion run inline marks its thread (any thread: an application's too) for as long as it runs, nested ones
     * included; Ignite's own threads always count as in a completion.
     */
    @Test
    void inlineCompletionsMarkTheirThreadAndIgnitesThreadsAlwaysCount() throws Exception {
        assertFalse(ClientThreads.inCompletion(), "a caller's thread");
        List<Boolean> seen = new java.util.ArrayList<>();
        ClientThreads.INLINE.execute(() -> {
            seen.add(ClientThreads.inCompletion());
            ClientThreads.INLINE.execute(() -> seen.add(ClientThreads.inCompletion()));
            seen.add(ClientThreads.inCompletion());
        });
        seen.add(ClientThreads.inCompletion());
        assertEquals(List.of(true, true, true, false), seen);
        // Another thread inside a completion does not mark this one.
        java.util.concurrent.CountDownLatch inside = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Thread other = new Thread(() -> ClientThreads.INLINE.execute(() -> {
            inside.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        other.start();
        assertTrue(inside.await(10, java.util.concurrent.TimeUnit.SECONDS));
        assertFalse(ClientThreads.inCompletion(), "while another thread runs a completion");
        release.countDown();
        other.join();
        boolean[] onIgnite = new boolean[1];
        Thread ignite = new org.apache.ignite.thread.IgniteThread("test", "ignite-like",
                () -> onIgnite[0] = ClientThreads.inCompletion());
        ignite.start();
        ignite.join();
        assertTrue(onIgnite[0], "on one of Ignite's threads");
    }

    private static <T> T onThread(ClientThreads.ThreadKind kind, java.util.concurrent.Callable<T> work) throws Exception {
        java.util.concurrent.FutureTask<T> task = new java.util.concurrent.FutureTask<>(work);
        ClientThreads.daemonFactory("test", kind).newThread(task).start();
        return task.get(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** The completion flag nests: an inner completion ending does not end the outer one. */
    @Test
    void completionFlagNests() {
        boolean[] seen = new boolean[2];
        ClientThreads.INLINE.execute(() -> {
            ClientThreads.INLINE.execute(() -> seen[0] = ClientThreads.inCompletion());
            seen[1] = ClientThreads.inCompletion();
        });
        assertTrue(seen[0]);
        assertTrue(seen[1]);
        assertFalse(ClientThreads.inCompletion());
    }

    @Test
    void storageKeysMatchTheNode() {
        assertEquals("store-42:user:1", TenantKey.storageKey("store-42", TenantKey.keyBytes("user:1")));
        // UTF-8 bytes mapped one-to-one onto chars (ISO-8859-1), as TenantKey.storageKey()
        assertEquals("t:\u00c3\u00a9", TenantKey.storageKey("t", TenantKey.keyBytes("é")));
        assertTrue(TenantKey.isValidTenant("store-42"));
        assertTrue(TenantKey.isValidTenant("a".repeat(64)));
        assertFalse(TenantKey.isValidTenant("a".repeat(65)));
        assertFalse(TenantKey.isValidTenant("-x"));
        assertFalse(TenantKey.isValidTenant("a:b"));
        assertFalse(TenantKey.isValidTenant(""));
        assertThrows(IllegalArgumentException.class, () -> TenantKey.keyBytes(""));
        assertEquals("hearth-zone-default", dev.hearth.storage.CacheNames.zoneCache("default"));
    }

    record Point(int x, List<String> tags) {
    }

    @Test
    void codecs() {
        assertEquals("héllo", Codec.utf8().decode(Codec.utf8().encode("héllo")));
        byte[] raw = {1, 2};
        assertEquals(raw, Codec.bytes().encode(raw));
        Codec<Point> json = Codec.json(Point.class);
        Point p = new Point(3, List.of("a"));
        assertEquals("{\"x\":3,\"tags\":[\"a\"]}", new String(json.encode(p), StandardCharsets.UTF_8));
        assertEquals(p, json.decode(json.encode(p)));
        assertThrows(IllegalArgumentException.class, () -> json.decode("nope".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void breakerOpensAfterConsecutiveFailuresAndClosesOnAProbe() {
        CircuitBreaker b = new CircuitBreaker(3);
        assertTrue(b.allowRequest());
        b.onUnreachable();
        b.onUnreachable();
        b.onSuccess(); // resets the count
        b.onUnreachable();
        b.onUnreachable();
        assertEquals(CircuitState.CLOSED, b.state());
        assertTrue(b.onUnreachable());
        assertEquals(CircuitState.OPEN, b.state());
        assertFalse(b.allowRequest());
        assertTrue(b.tryStartProbe());
        assertFalse(b.tryStartProbe(), "one probe at a time");
        assertEquals(CircuitState.HALF_OPEN, b.state());
        b.onProbe(false);
        assertEquals(CircuitState.OPEN, b.state());
        assertTrue(b.tryStartProbe());
        b.onProbe(true);
        assertEquals(CircuitState.CLOSED, b.state());
        assertTrue(b.allowRequest());
    }

    /** The snapshot reports what HdrHistogram reports for the same recordings, from its own copy of them. */
    @Test
    void latencySnapshotsGiveHdrHistogramsPercentilesWithoutExposingIt() {
        StatsRecorder stats = new StatsRecorder();
        org.HdrHistogram.Histogram reference = new org.HdrHistogram.Histogram(3);
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < 50_000; i++) {
            long micros = (long) Math.exp(random.nextDouble() * 12); // 1 us to about 160 ms, skewed low
            stats.latencyNanos(micros * 1000);
            reference.recordValue(micros);
        }
        dev.hearth.client.LatencySnapshot s = stats.snapshot(0, CircuitState.CLOSED, 0, false).latency();
        assertEquals(reference.getTotalCount(), s.count());
        for (double p : new double[] {1, 50, 90, 99, 99.9, 99.99, 100}) {
            assertEquals(reference.getValueAtPercentile(p), s.valueAtPercentileMicros(p), "p" + p);
        }
        assertEquals(reference.getMaxValue(), s.maxMicros());
        assertEquals(reference.getMean(), s.meanMicros(), reference.getMean() / 100);

        long[] values = s.valuesMicros();
        values[0] = -1;
        assertEquals(reference.getValueAtPercentile(1), s.valueAtPercentileMicros(1), "a returned array is a copy");
        dev.hearth.client.LatencySnapshot none = dev.hearth.client.LatencySnapshot.of(new long[0], new long[0]);
        assertEquals(0, none.p99Micros());
        assertEquals(0, none.maxMicros());
        assertThrows(IllegalArgumentException.class,
                () -> dev.hearth.client.LatencySnapshot.of(new long[] {5, 3}, new long[] {1, 1}));
        assertThrows(IllegalArgumentException.class,
                () -> dev.hearth.client.LatencySnapshot.of(new long[] {5}, new long[] {0}));
        assertEquals(7, dev.hearth.client.LatencySnapshot.of(new long[] {3, 7}, new long[] {98, 2}).p99Micros());
    }
}
