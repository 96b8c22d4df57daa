package dev.hearth.node.integrity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.storage.Envelope;
import dev.hearth.storage.Item;
import dev.hearth.storage.TenantKey;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The verify logic over an in-memory "cluster" of copies: classification, healthy copy, re-reads, repair. */
@Timeout(120)
class VerifierTest {
    /** Two partitions, owners a (primary) and b; copies per node per key; an optional hook on every read. */
    static final class FakeCluster implements ClusterCopies {
        @Override
        public String notVerifiable(String zone) {
            return null;
        }

        final Map<String, Map<String, byte[]>> nodes = new LinkedHashMap<>();
        final Map<String, Long> evicted = new HashMap<>();
        final List<String> writes = new ArrayList<>();
        Runnable onRead = () -> { };

        FakeCluster() {
            nodes.put("a", new ConcurrentHashMap<>());
            nodes.put("b", new ConcurrentHashMap<>());
        }

        void putBoth(String key, byte[] v) {
            nodes.get("a").put(key, v);
            nodes.get("b").put(key, v);
        }

        @Override
        public int partitions(String zone) {
            return 2;
        }

        @Override
        public List<String> owners(String zone, int partition) {
            return List.of("a", "b");
        }

        @Override
        public Map<String, Long> tenantCounts(String zone) {
            Map<String, Long> m = new HashMap<>();
            nodes.get("a").keySet().forEach(k -> m.merge(Copy.tenantOf(k), 1L, Long::sum));
            return m;
        }

        @Override
        public long size(String zone) {
            return nodes.get("a").size();
        }

        @Override
        public Map<String, NodeCopies> scan(String zone, int[] partitions, Set<String> tenants) {
            Map<String, NodeCopies> out = new HashMap<>();
            nodes.forEach((n, copies) -> {
                NodeCopies nc = new NodeCopies();
                for (int p : partitions) {
                    copies.forEach((k, v) -> {
                        if (partition(zone, k) == p && (tenants == null || tenants.contains(Copy.tenantOf(k)))) {
                            nc.add(p, k, v);
                        }
                    });
                }
                out.put(n, nc);
            });
            return out;
        }

        @Override
        public Map<String, Map<String, byte[]>> read(String zone, java.util.Collection<String> storageKeys) {
            onRead.run();
            Map<String, Map<String, byte[]>> out = new HashMap<>();
            for (String key : storageKeys) {
                nodes.forEach((n, copies) -> {
                    byte[] v = copies.get(key);
                    if (v != null) {
                        out.computeIfAbsent(key, k -> new HashMap<>()).put(n, v);
                    }
                });
            }
            return out;
        }

        @Override
        public int partition(String zone, String storageKey) {
            return Math.floorMod(storageKey.hashCode(), 2);
        }

        @Override
        public long evictedPages(String zone, String node) {
            return evicted.getOrDefault(node, 0L);
        }

        @Override
        public boolean writeBack(String zone, String storageKey, byte[] healthy, long expectedPrimary) {
            if (Copy.digest(nodes.get("a").get(storageKey)) != expectedPrimary) {
                return false;
            }
            writes.add("write " + storageKey);
            putBoth(storageKey, healthy);
            return true;
        }

        @Override
        public boolean removeIfUnchanged(String zone, String storageKey, long expectedPrimary) {
            if (Copy.digest(nodes.get("a").get(storageKey)) != expectedPrimary) {
                return false;
            }
            writes.add("remove " + storageKey);
            nodes.values().forEach(m -> m.remove(storageKey));
            return true;
        }
    }

    static byte[] env(String tenant, String key, String value, long version, long expireAt) {
        return Envelope.encode(TenantKey.of(tenant, key), new Item(value.getBytes(StandardCharsets.UTF_8), 0, version,
                expireAt, false));
    }

    static Map<String, TenantReport> pass(FakeCluster c, boolean repair) throws InterruptedException {
        Map<String, TenantReport> reports = new HashMap<>();
        new Verifier(c).pass("z", null, repair, 0, new PassProgress(), reports, () -> false);
        return reports;
    }

    @Test
    void classifiesEachKindOfDamage() throws Exception {
        FakeCluster c = new FakeCluster();
        for (int i = 0; i < 10; i++) {
            c.putBoth("t:k" + i, env("t", "k" + i, "v" + i, 5, 0));
        }
        byte[] flipped = env("t", "k1", "v1", 5, 0);
        flipped[flipped.length - 1] ^= 1;
        c.nodes.get("b").put("t:k1", flipped);
        c.nodes.get("b").remove("t:k2");
        c.nodes.get("a").put("t:k3", env("t", "k3", "other", 5, 0));
        c.nodes.get("b").put("t:k4", env("t", "k4", "older", 4, 0));
        TenantReport r = pass(c, false).get("t");
        assertEquals(10, r.entriesChecked());
        assertEquals(4, r.damagedEntries());
        assertEquals(1, r.checksumFailures());
        assertEquals(1, r.copiesMissing());
        assertEquals(2, r.copiesDiffer());
        assertEquals(Set.of("t:k1", "t:k2", "t:k3", "t:k4"), Set.copyOf(r.damagedKeys()));
        assertTrue(c.writes.isEmpty(), "no repair without repair=true");
    }

    @Test
    void repairsFromTheHealthyCopyAndRemovesWhatNobodyCanTell() throws Exception {
        FakeCluster c = new FakeCluster();
        c.putBoth("t:flip", env("t", "flip", "good", 5, 0));
        byte[] bad = env("t", "flip", "good", 5, 0);
        bad[30 % bad.length] ^= 4;
        c.nodes.get("a").put("t:flip", bad); // the primary is the damaged one
        c.putBoth("t:tie", env("t", "tie", "one", 5, 0));
        c.nodes.get("b").put("t:tie", env("t", "tie", "two", 5, 0)); // same version, different value
        c.putBoth("t:newer", env("t", "newer", "old", 5, 0));
        c.nodes.get("b").put("t:newer", env("t", "newer", "new", 6, 0)); // newest version wins
        TenantReport r = pass(c, true).get("t");
        assertEquals(3, r.damagedEntries());
        assertEquals(2, r.repaired());
        assertEquals(1, r.removed());
        assertEquals("good", new String(Envelope.decode(TenantKey.of("t", "flip"), c.nodes.get("a").get("t:flip"))
                .value(), StandardCharsets.UTF_8));
        assertEquals("new", new String(Envelope.decode(TenantKey.of("t", "newer"), c.nodes.get("a").get("t:newer"))
                .value(), StandardCharsets.UTF_8));
        assertNull(c.nodes.get("a").get("t:tie"));
        assertNull(c.nodes.get("b").get("t:tie"));
        assertTrue(pass(c, false).get("t").clean());
    }

    @Test
    void evictedCopiesAreNotDamage() throws Exception {
        FakeCluster c = new FakeCluster();
        c.putBoth("t:k", env("t", "k", "v", 1, 0));
        c.nodes.get("b").remove("t:k");
        c.evicted.put("b", 12L);
        TenantReport r = pass(c, true).get("t");
        assertEquals(0, r.damagedEntries());
        assertEquals(1, r.copiesEvicted);
        assertTrue(c.writes.isEmpty());
    }

    @Test
    void aWriteInFlightIsNotReported() throws Exception {
        FakeCluster c = new FakeCluster();
        c.putBoth("t:k", env("t", "k", "v1", 1, 0));
        c.nodes.get("a").put("t:k", env("t", "k", "v2", 2, 0)); // the primary has the new value, the backup not yet
        c.onRead = () -> c.nodes.get("b").put("t:k", c.nodes.get("a").get("t:k")); // ...and gets it now
        TenantReport r = pass(c, true).get("t");
        assertEquals(0, r.damagedEntries());
        assertTrue(c.writes.isEmpty());
    }

    @Test
    void aWriteDelayedByAStarvedThreadIsNotReported() throws Exception {
        FakeCluster c = new FakeCluster();
        c.putBoth("t:k", env("t", "k", "v1", 1, 0));
        c.nodes.get("b").remove("t:k"); // a create whose backup update is late...
        int[] reads = {0};
        c.onRead = () -> {
            if (++reads[0] == 3) { // ...by a few hundred ms (the third re-read)
                c.nodes.get("b").put("t:k", c.nodes.get("a").get("t:k"));
            }
        };
        assertEquals(0, pass(c, false).get("t").damagedEntries());
        assertEquals(3, reads[0]);
    }

    @Test
    void aKeyRewrittenOnEveryReadIsNotReported() throws Exception {
        FakeCluster c = new FakeCluster();
        c.putBoth("t:hot", env("t", "hot", "v0", 1, 0));
        int[] n = {1};
        c.onRead = () -> c.nodes.get("a").put("t:hot", env("t", "hot", "v" + n[0], ++n[0], 0));
        assertEquals(0, pass(c, false).get("t").damagedEntries());
    }

    @Test
    void anEntryGoneFromEveryOwnerSinceTheScanIsNotReported() throws Exception {
        FakeCluster c = new FakeCluster();
        c.nodes.get("a").put("t:gone", env("t", "gone", "v", 1, 0)); // the scan sees one copy...
        c.onRead = () -> c.nodes.get("a").remove("t:gone"); // ...then it expires or is deleted everywhere
        assertEquals(0, pass(c, true).get("t").damagedEntries());
        assertTrue(c.writes.isEmpty());
    }

    @Test
    void entriesExpiringAtTheEdgeAreNotReported() throws Exception {
        FakeCluster c = new FakeCluster();
        long soon = System.currentTimeMillis() + 500;
        c.nodes.get("a").put("t:e", env("t", "e", "v", 1, soon)); // the backup already dropped it
        assertEquals(0, pass(c, false).get("t").damagedEntries());
    }

    @Test
    void rateLimitPacesThePass() throws Exception {
        FakeCluster c = new FakeCluster();
        for (int i = 0; i < 40; i++) {
            c.putBoth("t:k" + i, env("t", "k" + i, "v", 1, 0));
        }
        long t0 = System.nanoTime();
        new Verifier(c).pass("z", null, false, 40, new PassProgress(), new HashMap<>(), () -> false);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        // 40 entries at 40/s: the last batch is due at about 1 s (the first one is free).
        assertTrue(ms >= 400, "a pass at 40 entries/s over 40 entries took only " + ms + " ms");
    }
}
