package dev.hearth.client.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.client.CasResult;
import dev.hearth.client.ClientStats;
import dev.hearth.client.Codec;
import dev.hearth.client.HearthClient;
import dev.hearth.client.TenantCache;
import dev.hearth.client.TenantUnavailableException;
import dev.hearth.client.testing.InJvmCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Routing by the tenant registry against real Ignite nodes in this JVM: hash placement, tenant records, changes seen
 * within the poll interval, maintenance in both modes, and a move in progress. Each test uses its own tenants; the
 * registry records it writes are its own.
 */
@Timeout(120)
class TenantRoutingIT {
    private static final Duration T = Duration.ofSeconds(3);
    /** The node's MoveEntries.TOMBSTONE. */
    private static final byte[] TOMBSTONE = "hearth:deleted-during-move".getBytes(StandardCharsets.US_ASCII);
    private static final Duration POLL = Duration.ofMillis(100);
    private static InJvmCluster cluster;
    private static HearthClient client;

    @BeforeAll
    static void up() throws Exception {
        cluster = InJvmCluster.start(2, "za", "zb", "zc", "zr");
        cluster.createRegistry();
        cluster.placement("{\"mode\":\"hash\",\"zones\":[\"zc\",\"za\",\"zb\"]}");
        client = HearthClient.builder().addresses(cluster.addresses()).timeout(T).registryRefreshInterval(POLL)
                .build();
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

    private static TenantCache<String> t(String tenant) {
        return client.tenant(tenant, Codec.utf8());
    }

    private static boolean in(String zone, String tenant, String key) {
        return cluster.zone(zone).containsKey(tenant + ":" + key);
    }

    /** Waits until the client has read the registry after the changes just made (two full polls). */
    private static void awaitRefresh() {
        long seen = client.stats().registryRefreshes();
        await().atMost(Duration.ofSeconds(10)).until(() -> client.stats().registryRefreshes() >= seen + 2);
    }

    @Test
    void tenantsWithoutARecordArePlacedByHashAcrossTheSortedZones() {
        // The design note's vectors: zones sorted [za, zb, zc]; store-42 -> index 0, store-7 -> 2, tenant-0001 -> 2.
        t("store-42").put("k", "v42");
        t("store-7").put("k", "v7");
        t("tenant-0001").put("k", "v1");
        assertTrue(in("za", "store-42", "k"));
        assertTrue(in("zc", "store-7", "k"));
        assertTrue(in("zc", "tenant-0001", "k"));
        assertFalse(in("zb", "store-7", "k"));
        assertEquals("v42", t("store-42").get("k"));
        assertEquals("v7", t("store-7").get("k"));
        assertTrue(client.stats().registryRefreshes() >= 1);
        assertTrue(client.stats().registryAgeMillis() >= 0);
    }

    @Test
    void aTenantRecordWinsOverPlacementAndChangesAreSeenWithinThePollInterval() {
        cluster.tenant("assigned", "zb", "active", null);
        awaitRefresh();
        t("assigned").put("k1", "one");
        assertTrue(in("zb", "assigned", "k1"));
        assertFalse(in("za", "assigned", "k1") || in("zc", "assigned", "k1"));

        cluster.tenant("assigned", "zc", "active", null);
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> {
            t("assigned").put("k2", "two");
            return in("zc", "assigned", "k2");
        });
        assertEquals("two", t("assigned").get("k2"));
    }

    @Test
    void zoneMaintenanceInModeMissAnswersAsAnEmptyCacheThatDropsWrites() {
        // A tenant of zone zr without a record, one with a record (active) in zr, and a tenant of another zone.
        cluster.tenant("m-rec", "zr", "active", null);
        cluster.tenant("m-free", "zr", "active", null);
        cluster.tenant("m-other", "za", "active", null);
        awaitRefresh();
        for (String tn : List.of("m-rec", "m-free", "m-other")) {
            t(tn).put("k", "before");
            t(tn).put("n", "5");
        }
        // m-free loses its record: it now follows the zone flag.
        cluster.registry().remove("tenant/m-free");
        cluster.placement("{\"mode\":\"zone\",\"zone\":\"zr\",\"maintenanceMode\":\"miss\"}");
        cluster.zoneFlag("zr", true);
        awaitRefresh();
        ClientStats before = client.stats();

        TenantCache<String> m = t("m-free");
        assertFalse(client.isAvailable("m-free"));
        assertNull(m.get("k"), "reads miss");
        assertNull(m.gets("k"));
        assertTrue(m.getAll(List.of("k", "n")).isEmpty());
        m.put("k", "during");
        assertTrue(m.putIfAbsent("new", "x", Duration.ZERO), "add answers stored");
        assertFalse(m.replace("k", "r", Duration.ZERO));
        assertEquals(CasResult.NOT_FOUND, m.cas("k", "c", 1, Duration.ZERO));
        assertFalse(m.delete("k"), "delete answers not found");
        assertEquals(OptionalLong.empty(), m.incr("n", 1));
        assertFalse(m.append("k", "+"));
        assertFalse(m.touch("k", Duration.ofMinutes(1)));
        AtomicInteger loads = new AtomicInteger();
        assertEquals("loaded", m.getOrLoad("k", key -> {
            loads.incrementAndGet();
            return "loaded";
        }, Duration.ZERO));
        assertEquals(1, loads.get(), "getOrLoad bypasses the cache");
        ClientStats after = client.stats();
        assertEquals(12, after.bypassed() - before.bypassed());
        assertEquals(before.rejected(), after.rejected(), "mode miss throws nothing");
        assertFalse(in("zr", "m-free", "new"), "nothing was stored");

        // The tenant with its own record is active although its zone's flag is on; another zone is untouched.
        assertEquals("before", t("m-rec").get("k"));
        assertEquals("before", t("m-other").get("k"));

        cluster.zoneFlag("zr", false);
        awaitRefresh();
        assertTrue(client.isAvailable("m-free"));
        assertEquals("before", m.get("k"), "the data was neither changed nor deleted during maintenance");
        assertEquals("5", m.get("n"));
        assertNull(m.get("new"));
        cluster.placement("{\"mode\":\"hash\",\"zones\":[\"zc\",\"za\",\"zb\"]}");
        awaitRefresh();
    }

    @Test
    void tenantMaintenanceInModeRejectThrowsTenantUnavailable() {
        cluster.tenant("rj", "zb", "active", null);
        awaitRefresh();
        t("rj").put("k", "v");
        cluster.placement("{\"mode\":\"hash\",\"zones\":[\"zc\",\"za\",\"zb\"],\"maintenanceMode\":\"reject\"}");
        cluster.tenant("rj", "zb", "maintenance", null);
        awaitRefresh();
        try {
            long rejected = client.stats().rejected();
            TenantCache<String> c = t("rj");
            TenantUnavailableException e = assertThrows(TenantUnavailableException.class, () -> c.get("k"));
            assertTrue(e.getMessage().contains("rj") && e.getMessage().contains("maintenance"), e.getMessage());
            assertThrows(TenantUnavailableException.class, () -> c.put("k", "w"));
            assertThrows(TenantUnavailableException.class, () -> c.delete("k"));
            assertThrows(TenantUnavailableException.class, () -> c.incr("k", 1));
            assertEquals(4, client.stats().rejected() - rejected);
            assertEquals("db", c.getOrLoad("k", key -> "db", Duration.ZERO), "getOrLoad bypasses, never throws");
            assertEquals("v", t("other-tenant-rj").getOrLoad("x", key -> "v", Duration.ZERO), "others untouched");
            assertFalse(client.isAvailable("rj"));
        } finally {
            cluster.tenant("rj", "zb", "active", null);
            cluster.placement("{\"mode\":\"hash\",\"zones\":[\"zc\",\"za\",\"zb\"]}");
            awaitRefresh();
        }
        assertEquals("v", t("rj").get("k"), "reject stored nothing and removed nothing");
    }

    @Test
    void userAvailabilityStillComposesWithTheRegistry() {
        client.markUnavailable("marked");
        try {
            assertThrows(TenantUnavailableException.class, () -> t("marked").get("k"));
            assertEquals("L", t("marked").getOrLoad("k", key -> "L", Duration.ZERO));
        } finally {
            client.markAvailable("marked");
        }
        assertNull(t("marked").get("k"));
    }

    @Test
    void aMoveInProgressReadsNewThenOldWritesNewAndRemovesOld() {
        // Before the move: everything in zc.
        cluster.tenant("mv", "zc", "active", null);
        awaitRefresh();
        TenantCache<String> c = t("mv");
        for (String k : List.of("read", "over", "del", "cnt", "add", "app", "cas", "multi1")) {
            c.put(k, k.equals("cnt") ? "10" : "old-" + k, Duration.ofMinutes(10));
        }
        long casVersion = c.gets("cas").version();

        cluster.tenant("mv", "za", "active", "zc");
        awaitRefresh();
        // Reads fall back to the old zone.
        assertEquals("old-read", c.get("read"));
        assertTrue(in("zc", "mv", "read") && !in("za", "mv", "read"), "a read moves nothing");
        Map<String, String> all = c.getAll(List.of("read", "multi1", "absent"));
        assertEquals(Map.of("read", "old-read", "multi1", "old-multi1"), all);
        // A plain write goes to the new zone and removes the old copy.
        c.put("over", "new-over");
        assertTrue(in("za", "mv", "over"));
        assertFalse(in("zc", "mv", "over"));
        assertEquals("new-over", c.get("over"));
        // A delete removes the key from the new zone and leaves the node's tombstone in the old one.
        c.put("both", "x");
        cluster.zone("zc").put("mv:both", cluster.zone("za").get("mv:both")); // a stale copy left in the old zone
        assertTrue(c.delete("both"));
        assertFalse(in("za", "mv", "both"));
        assertArrayEquals(TOMBSTONE, cluster.zone("zc").get("mv:both"));
        assertTrue(c.delete("del"));
        assertArrayEquals(TOMBSTONE, cluster.zone("zc").get("mv:del"));
        assertFalse(in("za", "mv", "del"));
        assertNull(c.get("del"), "a tombstone reads as absent");
        assertArrayEquals(TOMBSTONE, cluster.zone("zc").get("mv:del"), "and is not removed as damaged");
        assertFalse(c.delete("del"));
        assertTrue(c.putIfAbsent("del", "again", Duration.ZERO), "add after a delete during the move");
        assertEquals("again", c.get("del"));
        // Read-modify-writes pull the key over first.
        assertEquals(OptionalLong.of(13), c.incr("cnt", 3));
        assertTrue(in("za", "mv", "cnt") && !in("zc", "mv", "cnt"));
        assertFalse(c.putIfAbsent("add", "dup", Duration.ZERO), "add sees the key still in the old zone");
        assertEquals("old-add", c.get("add"));
        assertTrue(c.append("app", "+"));
        assertEquals("old-app+", c.get("app"));
        assertEquals(CasResult.STORED, c.cas("cas", "new-cas", casVersion, Duration.ZERO));
        assertEquals("new-cas", c.get("cas"));
        assertFalse(in("zc", "mv", "cas"));
        // A pulled key keeps its remaining TTL.
        long exp = c.gets("cnt").expireAt();
        assertTrue(exp > System.currentTimeMillis() + 500_000 && exp <= System.currentTimeMillis() + 600_000);

        // Move done: movingFrom cleared; what is left in zc is no longer read.
        cluster.tenant("mv", "za", "active", null);
        awaitRefresh();
        assertNull(c.get("read"), "after the move only the new zone is read (the node's copy moves the rest)");
    }
}
