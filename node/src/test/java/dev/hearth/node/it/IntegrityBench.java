package dev.hearth.node.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hearth.storage.Envelope;
import dev.hearth.storage.Item;
import dev.hearth.storage.TenantKey;
import dev.hearth.testing.NodeProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.IgniteClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Benchmark, not a test (not in the default build): verify rate and {@code zone recover} time on a zone of 100
 * tenants and 1M entries with 100 damaged copies, and another zone's latency (p99) meanwhile, on 3 node processes.
 * Run: {@code bench/integrity.sh [entries [tenants [damaged]]]}.
 */
@Timeout(value = 60, unit = TimeUnit.MINUTES)
class IntegrityBench {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    final int entries = Integer.getInteger("bench.entries", 1_000_000);
    final int tenants = Integer.getInteger("bench.tenants", 100);
    final int damaged = Integer.getInteger("bench.damaged", 100);
    final int valueSize = Integer.getInteger("bench.valueSize", 100);

    @Test
    void verifyAndRecover() throws Exception {
        Path dir = Files.createTempDirectory("integrity-bench");
        try (ProcessCluster cluster = new ProcessCluster("integrity-bench", 3, dir, "testing.damageEndpoint=true",
                "memory.heap=512m", "zones.default.memory=" + Math.max(96, entries / 1000 * 2 / 5) + "m",
                "zones.other.memory=64m",
                // The machine is shared: a 2 s failure detection drops a node starved of CPU for 2 s.
                "cluster.failureDetectionTimeout=10s")) {
            // Started here rather than by ProcessCluster.start(): on a loaded shared machine a node can take
            // longer than its 60 s to become ready.
            for (NodeProcess n : cluster.nodes) {
                n.start();
                n.awaitReady(Duration.ofMinutes(5));
            }
            IgniteClient client = cluster.client();
            long t0 = System.nanoTime();
            load(client.cache("hearth-zone-default"));
            double loadSecs = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "loaded %d entries of %d tenants in %.1f s%n", entries, tenants, loadSecs);

            int node = 1;
            int flip = damaged * 4 / 10;
            int drop = damaged * 3 / 10;
            int change = damaged - flip - drop;
            long damagedNow = 0;
            for (String[] kd : new String[][] {{"flip", "" + flip}, {"drop", "" + drop}, {"change", "" + change}}) {
                JsonNode r = post(cluster.node(node), "/admin/test/damage?zone=default&kind=" + kd[0] + "&count="
                        + kd[1]);
                damagedNow += r.path("damaged").asLong();
            }
            System.out.printf(Locale.ROOT, "damaged %d copies on node %d (%d flip, %d drop, %d change)%n",
                    damagedNow, node, flip, drop, change);

            OtherZoneLoad other = new OtherZoneLoad(cluster.client().cache("hearth-zone-other"));
            other.start();
            Thread.sleep(15_000); // warm-up of the load and the JIT
            other.mark();
            Thread.sleep(10_000);
            Histogram idle = other.mark();

            JsonNode verify = run(cluster.node(0), "/admin/verify?zone=default", "/admin/verify/");
            Histogram duringVerify = other.mark();
            JsonNode p = verify.path("progress");
            System.out.printf(Locale.ROOT, "verify: %d entries, %d damaged, in %d ms: %d entries/s, %.1f MB/s%n",
                    verify.path("totals").path("entriesChecked").asLong(),
                    verify.path("totals").path("damagedEntries").asLong(), verify.path("elapsedMillis").asLong(),
                    p.path("entriesPerSecond").asLong(), p.path("mbPerSecond").asDouble());

            JsonNode recover = run(cluster.node(0), "/admin/zones/default/recover?by=bench", "/admin/recover/");
            Histogram duringRecover = other.mark();
            other.stop();
            long firstBack = Long.MAX_VALUE;
            long lastBack = 0;
            for (JsonNode t : recover.path("tenants")) {
                long at = t.path("activeAfterMillis").asLong();
                firstBack = Math.min(firstBack, at);
                lastBack = Math.max(lastBack, at);
            }
            System.out.printf(Locale.ROOT, "zone recover: %d ms, %d passes, %d/%d tenants active (first after %d ms, "
                    + "last after %d ms), damaged tenants %d: %s%n", recover.path("elapsedMillis").asLong(),
                    recover.path("passes").asInt(), recover.path("tenantsActive").asInt(),
                    recover.path("tenantsTotal").asInt(), firstBack, lastBack,
                    recover.path("damagedTenants").size(), recover.path("damagedTenants"));
            long repaired = 0;
            long removed = 0;
            for (JsonNode t : recover.path("tenants")) {
                repaired += t.path("repaired").asLong();
                removed += t.path("removed").asLong();
            }
            System.out.printf(Locale.ROOT, "repaired %d, removed %d%n", repaired, removed);
            JsonNode after = run(cluster.node(0), "/admin/verify?zone=default", "/admin/verify/");
            System.out.printf(Locale.ROOT, "verify after recover: damaged %d%n",
                    after.path("totals").path("damagedEntries").asLong());
            System.out.printf(Locale.ROOT, "other zone (get+put, 1 thread): idle p50 %.2f ms p99 %.2f ms max %.2f ms;"
                    + " during verify p99 %.2f ms max %.2f ms; during recover p99 %.2f ms max %.2f ms; errors %d of %d%n",
                    ms(idle.getValueAtPercentile(50)), ms(idle.getValueAtPercentile(99)), ms(idle.getMaxValue()),
                    ms(duringVerify.getValueAtPercentile(99)), ms(duringVerify.getMaxValue()),
                    ms(duringRecover.getValueAtPercentile(99)), ms(duringRecover.getMaxValue()), other.errors.get(),
                    other.ops.get());
        }
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }

    void load(ClientCache<String, byte[]> cache) {
        // Tenant i gets a share proportional to i+1: sizes from ~200 to ~20,000 entries, so "smallest first" matters.
        long weights = (long) tenants * (tenants + 1) / 2;
        byte[] value = new byte[valueSize];
        ThreadLocalRandom.current().nextBytes(value);
        Map<String, byte[]> batch = new HashMap<>();
        List<org.apache.ignite.client.IgniteClientFuture<Void>> pending = new ArrayList<>();
        int written = 0;
        for (int t = 0; t < tenants; t++) {
            int n = t == tenants - 1 ? entries - written : (int) (entries * (t + 1) / weights);
            String tenant = "tenant-" + t;
            for (int i = 0; i < n; i++) {
                TenantKey k = TenantKey.of(tenant, "key-" + i);
                batch.put(k.storageKey(), Envelope.encode(k, new Item(value, 0, written + 1, 0, false)));
                written++;
                if (batch.size() == 1000) {
                    pending.add(cache.putAllAsync(batch));
                    batch = new HashMap<>();
                    if (pending.size() == 8) {
                        pending.forEach(f -> f.toCompletableFuture().join());
                        pending.clear();
                    }
                }
            }
        }
        pending.add(cache.putAllAsync(batch));
        pending.forEach(f -> f.toCompletableFuture().join());
    }

    JsonNode post(NodeProcess n, String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n.ports().admin() + path))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300 && r.statusCode() != 202) {
            throw new IllegalStateException(path + " -> " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    JsonNode run(NodeProcess n, String start, String poll) throws Exception {
        String id = post(n, start).path("id").asText();
        while (true) {
            Thread.sleep(250);
            JsonNode j = JSON.readTree(n.get(poll + id).body());
            if (!j.path("state").asText().equals("running")) {
                if (!j.path("state").asText().equals("complete")) {
                    throw new IllegalStateException("job " + id + ": " + j);
                }
                return j;
            }
        }
    }

    /** One thread of get + put on another zone, its latencies recorded. */
    static final class OtherZoneLoad {
        final ClientCache<String, byte[]> cache;
        final Recorder recorder = new Recorder(3);
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong errors = new AtomicLong();
        final AtomicLong ops = new AtomicLong();
        Thread thread;

        OtherZoneLoad(ClientCache<String, byte[]> cache) {
            this.cache = cache;
        }

        void start() {
            thread = new Thread(() -> {
                byte[] v = new byte[100];
                int i = 0;
                while (!stop.get()) {
                    TenantKey k = TenantKey.of("calm", "k" + (i++ % 10_000));
                    long t = System.nanoTime();
                    try {
                        if (i % 10 == 0) {
                            cache.put(k.storageKey(), Envelope.encode(k, new Item(v, 0, i, 0, false)));
                        } else {
                            cache.get(k.storageKey());
                        }
                        ops.incrementAndGet();
                    } catch (RuntimeException e) {
                        errors.incrementAndGet();
                    }
                    recorder.recordValue(System.nanoTime() - t);
                }
            }, "other-zone-load");
            thread.start();
        }

        Histogram mark() {
            return recorder.getIntervalHistogram();
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join();
        }
    }
}
