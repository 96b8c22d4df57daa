package dev.hearth.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.testing.FreePorts;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A client whose cluster is unreachable from the start (nothing listens on its address). No cluster needed. */
@Timeout(120)
class OfflineClientTest {
    private HearthClient client;
    private TenantCache<String> cache;

    @BeforeEach
    void up() throws IOException {
        int port = FreePorts.one();
        client = HearthClient.builder().addresses("127.0.0.1:" + port).timeout(Duration.ofMillis(100))
                .maxConcurrentLoads(3).build();
        cache = client.tenant("store-1", Codec.utf8());
    }

    @AfterEach
    void down() {
        client.close();
    }

    @Test
    void startsWithTheCircuitOpenAndFailsFast() {
        assertEquals(CircuitState.OPEN == client.circuitState() || CircuitState.HALF_OPEN == client.circuitState(),
                true);
        for (int i = 0; i < 20_000; i++) { // warm up
            assertThrows(CircuitOpenException.class, () -> cache.get("k"));
        }
        long start = System.nanoTime();
        for (int i = 0; i < 10_000; i++) {
            try {
                cache.put("k", "v");
            } catch (CircuitOpenException expected) {
                // the point
            }
        }
        long avgNanos = (System.nanoTime() - start) / 10_000;
        System.out.println("[OfflineClientTest] open circuit: " + avgNanos + " ns per rejected call");
        // Microseconds when warm (about 6-8 us measured in FailoverIT); generous bound for a loaded 2-core box.
        assertTrue(avgNanos < 500_000, "fail-fast took " + avgNanos + " ns on average");
        ClientStats s = client.stats();
        assertTrue(s.rejected() >= 30_000);
        assertEquals(0, s.timeouts());
    }

    @Test
    void getOrLoadServesFromTheLoader() {
        assertEquals("db", cache.getOrLoad("k", k -> "db", Duration.ofMinutes(1)));
        assertEquals("db2", cache.async().getOrLoad("k2", k -> "db2", Duration.ofMinutes(1)).join());
        assertEquals(2, client.stats().loads());
        RuntimeException unchecked = new IllegalStateException("db down");
        assertEquals(unchecked, assertThrows(IllegalStateException.class,
                () -> cache.getOrLoad("k3", k -> {
                    throw unchecked;
                }, Duration.ofMinutes(1))));
        LoadException wrapped = assertThrows(LoadException.class, () -> cache.getOrLoad("k4", k -> {
            throw new IOException("checked");
        }, Duration.ofMinutes(1)));
        assertTrue(wrapped.getCause() instanceof IOException);
        assertEquals(2, client.stats().loadFailures());
    }

    @Test
    void thousandConcurrentMissesShareOneLoad() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        List<CompletableFuture<String>> fs = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            fs.add(cache.async().getOrLoad("hot", k -> {
                calls.incrementAndGet();
                release.await();
                return "v";
            }, Duration.ofMinutes(1)));
        }
        release.countDown();
        for (CompletableFuture<String> f : fs) {
            assertEquals("v", f.get(5, TimeUnit.SECONDS));
        }
        assertEquals(1, calls.get());
        assertEquals(999, client.stats().coalesced());
    }

    @Test
    void concurrentLoadsAreBounded() throws Exception {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        List<CompletableFuture<String>> fs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            fs.add(cache.async().getOrLoad("key-" + i, k -> {
                peak.accumulateAndGet(running.incrementAndGet(), Math::max);
                Thread.sleep(20);
                running.decrementAndGet();
                return k;
            }, Duration.ofMinutes(1)));
        }
        for (int i = 0; i < 20; i++) {
            assertEquals("key-" + i, fs.get(i).get(10, TimeUnit.SECONDS));
        }
        assertEquals(3, peak.get(), "maxConcurrentLoads(3)");
    }

    @Test
    void maintenanceHook() {
        AtomicInteger loads = new AtomicInteger();
        client.markUnavailable("store-1");
        assertTrue(!client.isAvailable("store-1") && client.isAvailable("store-2"));
        assertThrows(TenantUnavailableException.class, () -> cache.get("k"));
        assertEquals("db", cache.getOrLoad("k", k -> {
            loads.incrementAndGet();
            return "db";
        }, Duration.ofMinutes(1)));
        assertEquals(1, loads.get());
        client.markAvailable("store-1");
        assertThrows(CircuitOpenException.class, () -> cache.get("k"));

        try (HearthClient withPredicate = HearthClient.builder().addresses("127.0.0.1:1")
                .availability(t -> !t.startsWith("maint-")).build()) {
            assertThrows(TenantUnavailableException.class,
                    () -> withPredicate.tenant("maint-1", Codec.utf8()).get("k"));
            assertEquals("x", withPredicate.tenant("maint-1", Codec.utf8()).getOrLoad("k", k -> "x",
                    Duration.ZERO));
        }
    }

    @Test
    void tlsFilesAreCheckedAtBuild() {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> HearthClient.builder()
                .addresses("127.0.0.1:1").tls(java.nio.file.Path.of("no-such-ca.pem")).build());
        assertTrue(missing.getMessage().contains("no-such-ca.pem: no such file"), missing.getMessage());
        IllegalArgumentException half = assertThrows(IllegalArgumentException.class, () -> HearthClient.builder()
                .tls(null, java.nio.file.Path.of("app.crt"), null));
        assertTrue(half.getMessage().contains("go together"), half.getMessage());
    }

    @Test
    void argumentsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> HearthClient.builder().build());
        assertThrows(IllegalArgumentException.class, () -> HearthClient.builder().addresses("127.0.0.1:1")
                .registryRefreshInterval(Duration.ofSeconds(2)).maxRegistryAge(Duration.ofSeconds(3)).build());
        assertThrows(IllegalArgumentException.class, () -> client.tenant("no spaces"));
        assertThrows(IllegalArgumentException.class, () -> cache.put("k", "v", Duration.ofSeconds(-1)));
        assertThrows(NullPointerException.class, () -> cache.put("k", null));
        assertThrows(IllegalArgumentException.class, () -> cache.withTimeout(Duration.ZERO));
        assertEquals(Duration.ofSeconds(1), cache.withTimeout(Duration.ofSeconds(1)).timeout());
        assertEquals(Duration.ofMillis(100), cache.timeout());
    }

    @Test
    void tickerIsRequired() {
        assertThrows(NullPointerException.class, () -> HearthClient.builder().ticker(null));
    }

    @Test
    void sendFromCallerIsSetOnce() {
        HearthClientBuilder b = HearthClient.builder().sendFromCaller(false);
        assertThrows(IllegalStateException.class, () -> b.sendFromCaller(true));
    }

    @Test
    void readFailoverAfterIsSetOnceAndNotNegative() {
        HearthClientBuilder b = HearthClient.builder().readFailoverAfter(Duration.ofMillis(50));
        assertThrows(IllegalStateException.class, () -> b.readFailoverAfter(Duration.ofMillis(60)));
        assertThrows(IllegalArgumentException.class,
                () -> HearthClient.builder().readFailoverAfter(Duration.ofMillis(-1)));
        HearthClient.builder().readFailoverAfter(Duration.ZERO); // off is allowed
    }

    @Test
    void everyCallOfAnUnreachableClusterReturnsWithinItsDeadline() {
        // The circuit is open: calls fail in microseconds; with a closed circuit they would time out at 100 ms.
        // Either way no call may take longer than the deadline + 20 ms.
        long worst = 0;
        for (int i = 0; i < 200; i++) {
            long start = System.nanoTime();
            try {
                if (i % 2 == 0) {
                    cache.get("k" + i);
                } else {
                    cache.put("k" + i, "v");
                }
            } catch (HearthException expected) {
                // unreachable: the point is how long it took
            }
            worst = Math.max(worst, System.nanoTime() - start);
        }
        assertTrue(worst < TimeUnit.MILLISECONDS.toNanos(120), "worst call " + worst / 1_000_000 + " ms");
    }
}
