package dev.hearth.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.storage.Envelope;
import dev.hearth.storage.Item;
import dev.hearth.storage.TenantKey;
import dev.hearth.testing.NodeProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.ignite.client.ClientCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A node asked to hold three times its zone's budget evicts instead of failing, and stays within its memory. */
@Timeout(120)
class MemoryLimitIT {
    @TempDir
    Path dir;

    static final long ZONE_BYTES = 64L << 20;
    static final long HEAP_BYTES = 256L << 20;
    static final long DIRECT_BYTES = 64L << 20;
    static final long SYSTEM_BYTES = 32L << 20;

    @Test
    void writingThreeTimesTheBudgetEvictsAndTheNodeKeepsAnswering() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster("memory", 1, dir, "zones.default.memory=64m",
                "memory.heap=256m", "memory.directMemory=64m").start()) {
            NodeProcess node = cluster.node(0);
            ClientCache<String, byte[]> cache = ProcessCluster.zone(cluster.client());
            int valueSize = 1024;
            long target = 3 * ZONE_BYTES;
            int entries = (int) (target / valueSize);
            int failed = 0;
            for (int from = 0; from < entries; from += 500) {
                Map<String, byte[]> batch = new HashMap<>();
                for (int i = from; i < Math.min(entries, from + 500); i++) {
                    TenantKey k = TenantKey.of("mem", "k" + i);
                    batch.put(k.storageKey(), Envelope.encode(k, new Item(new byte[valueSize], 0, 1, 0, false)));
                }
                try {
                    cache.putAll(batch);
                } catch (RuntimeException e) {
                    failed++;
                    System.err.println("putAll failed: " + e);
                }
            }
            assertTrue(node.alive(), "the node died; see " + node.log());
            assertEquals(0, failed, "batches that failed instead of evicting");

            String metrics = node.get("/metrics").body();
            double evictions = metric(metrics, "hearth_evicted_pages_total\\{node=\"memory-0\",zone=\"default\"}");
            double used = metric(metrics, "hearth_memory_used_bytes\\{node=\"memory-0\",region=\"zone-default\"}");
            double limit = metric(metrics, "hearth_memory_limit_bytes\\{node=\"memory-0\",region=\"zone-default\"}");
            double rss = metric(metrics, "hearth_process_resident_bytes\\{node=\"memory-0\"}");
            long live = cache.size();
            // Heap, off-heap regions and direct memory are bounded by config; the rest of a JVM (metaspace, code
            // cache, thread stacks, Ignite's system regions) is a fixed overhead we allow 300 MiB for.
            long budget = HEAP_BYTES + ZONE_BYTES + SYSTEM_BYTES + DIRECT_BYTES + (100L << 20) + (300L << 20);
            System.out.printf("wrote %d x %d B (%d MiB) into a %d MiB zone: %d live entries, %.0f evictions, "
                    + "region used %.1f MiB of %.0f MiB, RSS %.0f MiB (budget incl. JVM overhead %d MiB)%n",
                    entries, valueSize, target >> 20, ZONE_BYTES >> 20, live, evictions, used / (1 << 20),
                    limit / (1 << 20), rss / (1 << 20), budget >> 20);
            assertTrue(evictions > 0, "no evictions counted in /metrics");
            assertTrue(live < entries, "everything fits: the test wrote too little");
            assertTrue(live > entries / 6, "the zone keeps far less than its budget: " + live);
            assertTrue(used <= limit, "region above its limit");
            assertTrue(rss > 0 && rss < budget, "RSS " + rss + " above the node's budget " + budget);

            // Still answers: a fresh write is readable, and the node reports ready.
            TenantKey k = TenantKey.of("mem", "after");
            cache.put(k.storageKey(), Envelope.encode(k, new Item(new byte[] {1, 2, 3}, 0, 1, 0, false)));
            assertEquals(3, Envelope.decode(k, cache.get(k.storageKey())).value().length);
            assertEquals(200, node.readyStatus());
            assertTrue(!Files.readString(node.log()).contains("OutOfMemory"), "out-of-memory in the node's log");
        }
    }

    static double metric(String text, String nameAndLabels) {
        Matcher m = Pattern.compile("^" + nameAndLabels + " (\\S+)$", Pattern.MULTILINE).matcher(text);
        if (!m.find()) {
            throw new AssertionError("metric " + nameAndLabels + " not in /metrics:\n" + text);
        }
        return Double.parseDouble(m.group(1));
    }

}
