package dev.hearth.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class CoalescerTest {
    @Test
    void concurrentCallersShareOneFlight() throws Exception {
        Coalescer<String> c = new Coalescer<>();
        AtomicInteger leaders = new AtomicInteger();
        CompletableFuture<Void> settle = new CompletableFuture<>();
        CountDownLatch started = new CountDownLatch(1000);
        ExecutorService pool = Executors.newFixedThreadPool(32);
        List<Future<CompletableFuture<String>>> fs = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            fs.add(pool.submit(() -> {
                CompletableFuture<String> f = c.execute("k", result -> {
                    leaders.incrementAndGet();
                    return settle.thenRun(() -> result.complete("v"));
                });
                started.countDown();
                return f;
            }));
        }
        started.await(10, TimeUnit.SECONDS);
        settle.complete(null);
        for (Future<CompletableFuture<String>> f : fs) {
            assertEquals("v", f.get().get(5, TimeUnit.SECONDS));
        }
        pool.shutdown();
        assertEquals(1, leaders.get());
        assertEquals(999, c.joined());
        assertEquals(0, c.inFlight());
    }

    @Test
    void aFlightThatSettledIsForgottenAndFailuresReachEveryone() {
        Coalescer<String> c = new Coalescer<>();
        CompletableFuture<String> a = c.execute("k", r -> {
            r.completeExceptionally(new IllegalStateException("x"));
            return CompletableFuture.completedFuture(null);
        });
        assertEquals(IllegalStateException.class, a.handle((v, e) -> Failures.unwrap(e).getClass()).join());
        CompletableFuture<String> b = c.execute("k", r -> {
            r.complete("second");
            return CompletableFuture.completedFuture(null);
        });
        assertEquals("second", b.join());
        CompletableFuture<String> thrown = c.execute("k", r -> {
            throw new IllegalArgumentException("boom");
        });
        assertEquals(IllegalArgumentException.class, thrown.handle((v, e) -> Failures.unwrap(e).getClass()).join());
        assertEquals(0, c.inFlight());
    }
}
