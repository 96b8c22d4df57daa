package dev.hearth.client.micrometer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.client.Codec;
import dev.hearth.client.HearthClient;
import dev.hearth.client.HearthException;
import dev.hearth.client.Operation;
import dev.hearth.client.OperationListener;
import dev.hearth.client.TenantCache;
import dev.hearth.testing.NodeProcess;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The listener contract and the Micrometer meters against a real node: every call is heard once at its start and once
 * at its end (blocking, async, bulk, getOrLoad and its load, a bad argument), the timers carry operation, tenant and
 * outcome with the tenant tag bounded, the counters are the client's, and a killed node shows as timeouts, rejections
 * and an open circuit.
 */
@Timeout(300)
class HearthMetricsIT {
    /** A tracing-like listener: a "span" object per call, which must come back exactly once. */
    static final class Spans implements OperationListener {
        final Map<Object, Operation> open = new ConcurrentHashMap<>();
        final AtomicInteger started = new AtomicInteger();
        final AtomicInteger ended = new AtomicInteger();
        final AtomicInteger mismatched = new AtomicInteger();
        final Map<Operation, AtomicInteger> failures = new ConcurrentHashMap<>();

        @Override
        public Object started(Operation op, String tenant) {
            started.incrementAndGet();
            Object span = new Object();
            open.put(span, op);
            return span;
        }

        @Override
        public void ended(Operation op, String tenant, Object context, long durationNanos, Throwable failure) {
            ended.incrementAndGet();
            if (open.remove(context) != op || durationNanos < 0) {
                mismatched.incrementAndGet();
            }
            if (failure != null) {
                failures.computeIfAbsent(op, o -> new AtomicInteger()).incrementAndGet();
            }
        }
    }

    private static long count(SimpleMeterRegistry r, String op, String tenant, String outcome) {
        Timer t = r.find("hearth.client.operations").tag("operation", op).tag("tenant", tenant).tag("outcome", outcome)
                .timer();
        return t == null ? 0 : t.count();
    }

    private static double lookups(SimpleMeterRegistry r, String tenant, String result) {
        return r.find("hearth.client.lookups").tag("tenant", tenant).tag("result", result).counters().stream()
                .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    private int failedGetsSeen;

    @Test
    void everyCallIsTimedOnceByOperationTenantAndOutcome() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        HearthMetrics metrics = new HearthMetrics(10);
        Spans spans = new Spans();
        try (NodeProcess node = new NodeProcess("metrics0", Path.of("target/it-metrics"))) {
            node.member(node.discoveryAddress()).also("memory.heap=256m", "zones.default.memory=64m")
                    .startAndAwaitReady(Duration.ofSeconds(120));
            try (HearthClient client = HearthClient.builder().addresses(node.thinClientAddress())
                    .timeout(Duration.ofSeconds(2)).addListener(metrics).addListener(spans).build()) {
                metrics.monitor(client).bindTo(registry);
                TenantCache<String> c = client.tenant("shop", Codec.utf8());
                c.put("a", "1");
                assertEquals("1", c.get("a"));
                assertEquals(null, c.get("absent"));
                c.putAll(Map.of("b", "2", "c", "3"), Duration.ZERO);
                assertEquals(3, c.getAll(List.of("a", "b", "c")).size());
                assertEquals("loaded", c.getOrLoad("x", k -> "loaded", Duration.ofMinutes(1)));
                assertEquals("1", c.async().get("a").get(5, TimeUnit.SECONDS));
                assertThrows(IllegalArgumentException.class, () -> c.get(""));
                for (int i = 0; i < 30; i++) {
                    client.tenant("t" + i, Codec.utf8()).get("k");
                }

                assertEquals(1, count(registry, "put", "shop", "success"));
                assertEquals(3, count(registry, "get", "shop", "success"), "hit, miss and the async get");
                assertEquals(1, count(registry, "get", "shop", "error"), "the empty key");
                assertEquals(1, count(registry, "put_all", "shop", "success"));
                assertEquals(1, count(registry, "get_all", "shop", "success"));
                assertEquals(1, count(registry, "get_or_load", "shop", "success"));
                assertEquals(1, count(registry, "load", "shop", "success"));
                Set<String> tenantTags = registry.find("hearth.client.operations").timers().stream()
                        .map(t -> t.getId().getTag("tenant")).collect(Collectors.toSet());
                assertEquals(11, tenantTags.size(), "10 tenants and 'other': " + tenantTags);
                assertTrue(tenantTags.contains(HearthMetrics.OTHER));
                assertEquals(21, count(registry, "get", HearthMetrics.OTHER, "success"),
                        "the tenants past the first 10 share one tag");

                // The meters read the client's own counters (a snapshot serves a scrape for up to 500 ms).
                await().atMost(Duration.ofSeconds(5)).until(() -> registry.get("hearth.client.hits").functionCounter()
                        .count() == client.stats().hits());
                assertEquals(client.stats().misses(), registry.get("hearth.client.misses").functionCounter().count());
                assertEquals(1.0, registry.get("hearth.client.loads").functionCounter().count());
                assertEquals(0.0, registry.get("hearth.client.circuit.open").gauge().value());
                assertEquals(0.0, registry.get("hearth.client.writes.refused").gauge().value());

                // Hits and misses per tenant, key by key, adding up to the client's own counters.
                assertEquals(5.0, lookups(registry, "shop", "hit"), "get a, getAll's 3 keys, the async get");
                assertEquals(2.0, lookups(registry, "shop", "miss"), "get absent, and getOrLoad's lookup of x");
                assertEquals(21.0, lookups(registry, HearthMetrics.OTHER, "miss"));
                double allHits = registry.find("hearth.client.lookups").tag("result", "hit").counters().stream()
                        .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
                double allMisses = registry.find("hearth.client.lookups").tag("result", "miss").counters().stream()
                        .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
                assertEquals(client.stats().hits(), (long) allHits);
                assertEquals(client.stats().misses(), (long) allMisses);

                node.kill9();
                // Reads fail (deadline, refused connection) until the circuit opens; then it refuses them at once.
                // (Writes are refused sooner, without a network call, once the tenant registry could not be read for
                // maxRegistryAge: those are errors and do not open the circuit.)
                AtomicInteger failedGets = new AtomicInteger();
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    assertThrows(HearthException.class, () -> c.get("down"));
                    failedGets.incrementAndGet();
                    return registry.get("hearth.client.circuit.open").gauge().value() == 1.0;
                });
                assertThrows(HearthException.class, () -> c.get("down"));
                failedGets.incrementAndGet();
                String gets = registry.find("hearth.client.operations").tag("operation", "get").timers().stream()
                        .map(t -> t.getId().getTag("outcome") + "=" + t.count()).sorted().collect(Collectors.joining(", "));
                assertTrue(count(registry, "get", "shop", "timeout") + count(registry, "get", "shop", "error") >= 1,
                        "the first reads from a dead node fail: " + gets);
                assertTrue(count(registry, "get", "shop", "rejected") >= 1, "then the open circuit refuses them: " + gets);
                assertEquals(failedGets.get() + 1, count(registry, "get", "shop", "timeout")
                        + count(registry, "get", "shop", "error") + count(registry, "get", "shop", "rejected"), gets);
                failedGetsSeen = failedGets.get();
            }
        }
        assertEquals(spans.started.get(), spans.ended.get(), "every start has its end");
        assertEquals(0, spans.mismatched.get(), "with its own context and operation");
        assertEquals(0, spans.open.size());
        // put, 2 gets, putAll, getAll, getOrLoad and its load, the async get, the bad get; 30 tenants' gets; the
        // failed gets of the dead node: nothing internal (getOrLoad's lookup, the registry, the probe) is heard.
        assertEquals(9 + 30 + failedGetsSeen, spans.started.get(), "calls heard");
        assertEquals(failedGetsSeen + 1, spans.failures.get(Operation.GET).get(), "the failed gets and the bad one");
    }
}
