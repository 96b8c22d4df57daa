package dev.hearth.node.ignite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.node.HearthNode;
import dev.hearth.node.TestNodes;
import dev.hearth.storage.CacheNames;
import dev.hearth.testing.FreePorts;
import java.nio.file.Path;
import java.util.Set;
import org.apache.ignite.Ignition;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.ClientCacheConfiguration;
import org.apache.ignite.client.ClientException;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.configuration.ClientConfiguration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A thin client can neither create a cache in a Hearth cluster nor destroy one of Hearth's. Before the rule, a cache
 * made with {@code getOrCreateCache} landed in the tenant registry's region (no eviction) and 64 MiB put into it
 * halted the node; a destroyed zone cache takes every tenant of the zone with it.
 */
@Timeout(120)
class CacheChangeRuleClusterTest {
    @TempDir
    static Path dir;
    static HearthNode node;
    static IgniteClient client;

    @BeforeAll
    static void start() throws Exception {
        node = HearthNode.start(TestNodes.config("rule", 0, FreePorts.several(1), dir), null);
        client = Ignition.startClient(new ClientConfiguration()
                .setAddresses("127.0.0.1:" + node.ports().get("thinClient")).setTimeout(10_000));
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (node != null) {
            node.close();
        }
        // Static fields outlive the class's tests: the stopped node and its Ignite would stay on the fork's heap.
        client = null;
        node = null;
    }

    @Test
    void aCacheOfItsOwnIsRefusedEveryTimeWithTheReason() {
        for (int i = 0; i < 2; i++) {
            ClientException refused = assertThrows(ClientException.class, () -> client.getOrCreateCache("orders"));
            assertTrue(refused.getMessage().contains("Hearth refuses to create cache orders: a Hearth cluster holds "
                    + "only its own caches"), refused.getMessage());
        }
        assertFalse(client.cacheNames().contains("orders"), "" + client.cacheNames());
        assertFalse(node.ignite().cacheNames().contains("orders"), "" + node.ignite().cacheNames());
    }

    @Test
    void hearthsCacheNamesInAnotherRegionAreRefused() {
        ClientException region = assertThrows(ClientException.class, () -> client.createCache(
                new ClientCacheConfiguration().setName("hearth-zone-extra").setDataRegionName("hearth-system")));
        assertTrue(region.getMessage().contains("Hearth refuses to create cache hearth-zone-extra in region "
                + "hearth-system"), region.getMessage());
        ClientException system = assertThrows(ClientException.class, () -> client.createCache(
                new ClientCacheConfiguration().setName("spill").setDataRegionName("hearth-system")));
        assertTrue(system.getMessage().contains("Hearth refuses to create cache spill in region hearth-system"),
                system.getMessage());
        assertEquals(Set.of(), Set.copyOf(client.cacheNames()).stream()
                .filter(n -> n.equals("spill") || n.equals("hearth-zone-extra")).collect(java.util.stream.Collectors.toSet()));
    }

    @Test
    void aZoneCacheIsNotDestroyedAndKeepsItsData() {
        ClientCache<String, byte[]> zone = client.cache(CacheNames.zoneCache("default"));
        zone.put("rule-kept", new byte[] {1, 2, 3});
        ClientException refused = assertThrows(ClientException.class,
                () -> client.destroyCache(CacheNames.zoneCache("default")));
        assertTrue(refused.getMessage().contains("Hearth refuses to destroy its cache hearth-zone-default"),
                refused.getMessage());
        assertThrows(ClientException.class, () -> client.destroyCache(CacheNames.REGISTRY));
        assertArrayEquals(new byte[] {1, 2, 3}, zone.get("rule-kept"));
        assertTrue(node.ignite().cacheNames().contains(CacheNames.REGISTRY));
        assertTrue(node.status().readiness().ready(), "the node serves on");
    }

    @Test
    void theRule() {
        assertNull(CacheChangeRule.refusal("hearth-zone-a", true, false, "zone-a"));
        assertNull(CacheChangeRule.refusal(CacheNames.REGISTRY, true, false, Zones.SYSTEM_REGION));
        assertNull(CacheChangeRule.refusal(CacheNames.MEMBERSHIP, true, false, Zones.SYSTEM_REGION));
        assertNull(CacheChangeRule.refusal("orders", false, true, null), "a stray cache may be destroyed");
        assertNull(CacheChangeRule.refusal("hearth-zone-a", false, false, null), "other changes pass");
        assertTrue(CacheChangeRule.refusal("hearth-zone-a", true, false, null).contains("refuses to create"));
        assertTrue(CacheChangeRule.refusal("hearth-zone-", true, false, "zone-").contains("refuses to create"));
        assertTrue(CacheChangeRule.refusal(CacheNames.MEMBERSHIP, false, true, null).contains("refuses to destroy"));
        assertTrue(CacheChangeRule.refusal(null, true, false, null).contains("refuses to create"));
    }
}
