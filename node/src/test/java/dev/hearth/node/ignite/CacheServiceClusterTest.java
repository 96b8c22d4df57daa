package dev.hearth.node.ignite;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.node.HearthNode;
import dev.hearth.node.TestNodes;
import dev.hearth.node.cache.CacheService;
import dev.hearth.storage.CacheNames;
import dev.hearth.storage.Envelope;
import dev.hearth.storage.Item;
import dev.hearth.storage.Mutation;
import dev.hearth.storage.TenantKey;
import dev.hearth.testing.FreePorts;
import dev.hearth.wire.ZoneStatus;
import dev.hearth.wire.status.NodeSnapshot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.ignite.IgniteCache;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The cache service's semantics on a real 3-node Ignite cluster in this JVM. */
@Timeout(120)
class CacheServiceClusterTest {
    @TempDir
    static Path dir;
    static final List<HearthNode> nodes = new ArrayList<>();

    @BeforeAll
    static void startCluster() throws Exception {
        int[] disco = FreePorts.several(3);
        for (int i = 0; i < 3; i++) {
            nodes.add(HearthNode.start(TestNodes.config("svc", i, disco, dir), null));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> nodes.get(0).status().snapshot().members().size() == 3
                && nodes.stream().allMatch(n -> n.status().readiness().ready()));
    }

    @AfterAll
    static void stopCluster() {
        for (int i = nodes.size() - 1; i >= 0; i--) {
            nodes.get(i).stopGracefully();
        }
        // A static list outlives the class's tests: the stopped nodes and their Ignites would stay on the fork's heap.
        nodes.clear();
    }

    static CacheService svc(int i) {
        return nodes.get(i).cache();
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String s(Item item) {
        return new String(item.value(), StandardCharsets.UTF_8);
    }

    static Mutation.Status status(int node, TenantKey k, Mutation m) {
        return svc(node).mutate(k, m).join().status();
    }

    @Test
    void aValueWrittenOnOneNodeIsReadOnEveryNode() {
        TenantKey k = TenantKey.of("t1", "greeting");
        Item written = svc(0).set(k, b("hello"), 42, 0).join();
        for (int i = 0; i < 3; i++) {
            Item read = svc(i).get(k).join();
            assertEquals("hello", s(read));
            assertEquals(42, read.flags());
            assertEquals(written.version(), read.version());
        }
        Item again = svc(1).set(k, b("bye"), 0, 0).join();
        assertTrue(again.version() != written.version(), "every write gets a new CAS version");
    }

    @Test
    void tenantsAreIsolated() {
        TenantKey a = TenantKey.of("tenant-a", "shared-name");
        TenantKey bk = TenantKey.of("tenant-b", "shared-name");
        svc(0).set(a, b("A"), 0, 0).join();
        assertNull(svc(1).get(bk).join(), "tenant b must not see tenant a's key");
        svc(2).set(bk, b("B"), 0, 0).join();
        assertEquals("A", s(svc(1).get(a).join()));
        assertEquals("B", s(svc(1).get(bk).join()));
        assertEquals(Mutation.Status.DELETED, status(0, bk, Mutation.delete(0)));
        assertEquals("A", s(svc(2).get(a).join()), "deleting b's key leaves a's");
    }

    @Test
    void conditionalWritesFollowMemcachedSemantics() {
        TenantKey k = TenantKey.of("t2", "counter");
        assertEquals(Mutation.Status.NOT_STORED, status(0, k, Mutation.replace(b("1"), 0, 0)));
        assertEquals(Mutation.Status.STORED, status(1, k, Mutation.add(b("10"), 7, 0)));
        assertEquals(Mutation.Status.NOT_STORED, status(2, k, Mutation.add(b("11"), 0, 0)));
        Mutation.Outcome incr = svc(0).mutate(k, Mutation.delta(5, false)).join();
        assertEquals("15", s(incr.item()));
        assertEquals(7, incr.item().flags(), "incr keeps flags");
        assertEquals("12", s(svc(1).mutate(k, Mutation.delta(3, true)).join().item()));
        Item cur = svc(2).get(k).join();
        assertEquals(Mutation.Status.EXISTS, status(0, k, Mutation.cas(b("x"), 0, 0, cur.version() - 1)));
        assertEquals(Mutation.Status.STORED, status(0, k, Mutation.cas(b("x"), 0, 0, cur.version())));
        assertEquals(Mutation.Status.NON_NUMERIC, status(1, k, Mutation.delta(1, false)));
        assertEquals(Mutation.Status.STORED, status(1, k, Mutation.concat(b("-tail"), true, 0, 1 << 20)));
        assertEquals(Mutation.Status.STORED, status(2, k, Mutation.concat(b("head-"), false, 0, 1 << 20)));
        assertEquals("head-x-tail", s(svc(0).get(k).join()));
        assertEquals(Mutation.Status.DELETED, status(0, k, Mutation.delete(0)));
        assertEquals(Mutation.Status.NOT_FOUND, status(1, k, Mutation.delete(0)));
        assertNull(svc(2).get(k).join());
    }

    @Test
    void entriesExpireAndTouchMovesTheDeadline() {
        long now = System.currentTimeMillis();
        TenantKey shortLived = TenantKey.of("t3", "short");
        TenantKey touched = TenantKey.of("t3", "touched");
        svc(0).set(shortLived, b("v"), 0, now + 1200).join();
        svc(0).set(touched, b("v"), 0, now + 1200).join();
        assertNotNull(svc(1).get(shortLived).join());
        Item gat = svc(2).getAndTouch(touched, now + 60_000).join();
        assertEquals("v", s(gat));
        assertEquals(now + 60_000, gat.expireAt());
        await().atMost(Duration.ofSeconds(10)).until(() -> svc(1).get(shortLived).join() == null);
        assertNotNull(svc(1).get(touched).join(), "touched entry outlives its old deadline");
        assertEquals(now + 60_000, svc(0).get(touched).join().expireAt());
        // Ignite's eager TTL removes the expired entry from memory too, and each node counts what it expired.
        await().atMost(Duration.ofSeconds(10)).until(() -> nodes.stream().mapToLong(n -> n.status().snapshot()
                .zones().get(0).expirations()).sum() >= 2);
        // An already-past expiry stores nothing.
        svc(0).set(TenantKey.of("t3", "past"), b("v"), 0, now - 1000).join();
        assertNull(svc(1).get(TenantKey.of("t3", "past")).join());
    }

    @Test
    void damagedEntriesAreCountedRemovedAndServedAsMisses() {
        TenantKey k = TenantKey.of("t4", "victim");
        svc(0).set(k, b("good"), 0, 0).join();
        byte[] stored = rawCache().get(k.storageKey());
        assertTrue(Envelope.isIntact(k, stored));
        byte[] damaged = stored.clone();
        damaged[damaged.length - 1] ^= 0x40;
        rawCache().put(k.storageKey(), damaged);
        long before = totalChecksumFailures();
        assertNull(svc(1).get(k).join(), "a damaged entry is never returned");
        assertEquals(before + 1, totalChecksumFailures());
        await().atMost(Duration.ofSeconds(5)).until(() -> rawCache().get(k.storageKey()) == null);

        // A read-modify-write sees the damaged entry as absent and replaces it.
        rawCache().put(k.storageKey(), damaged);
        assertEquals(Mutation.Status.STORED, status(2, k, Mutation.add(b("fresh"), 0, 0)));
        assertEquals(before + 2, totalChecksumFailures());
        assertEquals("fresh", s(svc(0).get(k).join()));
    }

    @Test
    void getMultiReturnsHitsOnlyAcrossTenants() {
        TenantKey a = TenantKey.of("t5", "a");
        TenantKey bk = TenantKey.of("t6", "a");
        TenantKey missing = TenantKey.of("t5", "missing");
        svc(0).set(a, b("1"), 0, 0).join();
        svc(0).set(bk, b("2"), 0, 0).join();
        Map<TenantKey, Item> got = svc(2).getMulti(List.of(a, bk, missing)).join();
        assertEquals(2, got.size());
        assertEquals("1", s(got.get(a)));
        assertEquals("2", s(got.get(bk)));
    }

    @Test
    void binaryKeysAndValuesAreStoredExactly() {
        byte[] key = {0, 1, 2, (byte) 0xff, ':', ' ', '\n'};
        byte[] value = new byte[70_000];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) (i * 31);
        }
        TenantKey k = TenantKey.of("bin", key);
        svc(1).set(k, value, -1, 0).join();
        Item read = svc(2).get(k).join();
        assertArrayEquals(value, read.value());
        assertEquals(-1, read.flags());
    }

    @Test
    void statusReportsTheClusterAndEveryPartitionHasTwoCopies() {
        svc(0).set(TenantKey.of("t7", "x"), b("y"), 0, 0).join();
        NodeSnapshot s = nodes.get(1).status().snapshot();
        assertEquals(3, s.members().size());
        assertEquals(1, s.members().stream().filter(NodeSnapshot.Member::local).count());
        assertTrue(s.members().stream().allMatch(m -> m.adminPort() > 0), "peers publish their admin port");
        ZoneStatus zone = s.zones().get(0);
        assertEquals("default", zone.name());
        assertEquals(2, zone.minCopies());
        assertEquals(0, zone.partitionsMissingCopies());
        assertTrue(zone.entries() >= 1);
        assertTrue(s.node().ready());
        assertTrue(s.regions().stream().anyMatch(r -> r.name().equals("zone-default") && r.limitBytes() == 64L << 20));
        assertNotEquals(0, s.topologyVersion());
    }

    static IgniteCache<String, byte[]> rawCache() {
        return nodes.get(0).ignite().cache(CacheNames.zoneCache("default"));
    }

    @Test
    void whileBackupCopiesMayLagReadsGoToThePrimaryCopy() {
        TenantKey k = TenantKey.of("t-lag", "k");
        TenantKey other = TenantKey.of("t-lag", "other");
        svc(0).set(k, b("held"), 0, 0).join();
        svc(0).set(other, b("held too"), 0, 0).join();
        String cacheName = CacheNames.zoneCache("default");
        List<org.apache.ignite.cluster.ClusterNode> owners = new ArrayList<>(nodes.get(0).ignite()
                .affinity(cacheName).mapKeyToPrimaryAndBackups(k.storageKey()));
        assertEquals(2, owners.size());
        int backup = indexOf(owners.get(1));
        int none = 3 - indexOf(owners.get(0)) - backup;
        // The backup's copy lacks the key, as one does between a full restart's primaries and backups.
        nodes.get(backup).ignite().cache(cacheName).localClear(k.storageKey());
        assertNull(nodes.get(backup).ignite().cache(cacheName).localPeek(k.storageKey()),
                "the backup's own copy lacks the key");
        assertNull(svc(backup).get(k).join(), "a backup reads its own copy: the lag the test makes is real");

        for (int i : new int[] {backup, none}) {
            HearthNode n = nodes.get(i);
            CacheService primaryReads = new IgniteCacheService(n.ignite(), List.of("default"), n.registry(),
                    new dev.hearth.node.tenant.InFlight(), dev.hearth.node.tenant.MaintenanceMode.MISS,
                    new dev.hearth.node.cache.OperationStats(), new dev.hearth.node.tenant.TenantStats(),
                    new IgniteCacheService.Resilience(Duration.ZERO, Duration.ofSeconds(30), () -> null, null, null,
                            () -> true));
            for (int round = 0; round < 10; round++) {
                // The backup reads its own copy every time, unless the primary is asked. For a node that holds
                // none, Ignite picks one of the two copies at random: 20 reads that all missed the lagging backup
                // would pass once in a million runs if the primary were not asked.
                assertEquals("held", s(primaryReads.get(k).join()), "node " + i + " read the primary copy");
                Map<TenantKey, Item> both = primaryReads.getMulti(List.of(k, other)).join();
                assertEquals("held", s(both.get(k)), "node " + i + " read the primary copy in a multi-get");
                assertEquals("held too", s(both.get(other)));
            }
        }
        svc(0).set(k, b("again"), 0, 0).join();
        assertEquals("again", s(svc(backup).get(k).join()), "a write puts the key back on the backup");
    }

    static int indexOf(org.apache.ignite.cluster.ClusterNode n) {
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).ignite().cluster().localNode().id().equals(n.id())) {
                return i;
            }
        }
        throw new AssertionError("no node " + n.id());
    }

    static long totalChecksumFailures() {
        return nodes.stream().mapToLong(n -> n.cache().stats().checksumFailures()).sum();
    }
}
