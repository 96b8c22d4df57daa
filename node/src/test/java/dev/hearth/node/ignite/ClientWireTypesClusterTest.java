package dev.hearth.node.ignite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hearth.node.HearthNode;
import dev.hearth.node.TestNodes;
import dev.hearth.storage.CacheNames;
import dev.hearth.testing.FreePorts;
import dev.hearth.wire.KeyFilter;
import dev.hearth.wire.TenantKeysFilter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import javax.cache.Cache;
import org.apache.ignite.Ignition;
import org.apache.ignite.cache.query.ScanQuery;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.configuration.ClientConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A thin client that outlives a restart of the whole cluster still scans with hearth-client's filters. It registered
 * their binary types once, with the cluster that is gone; the new cluster knows them because its nodes register them
 * as they start. Without that, Ignite held each such scan for its 30 s wait for the schema and then failed it.
 */
@Timeout(180)
class ClientWireTypesClusterTest {
    @TempDir
    Path dir;

    @Test
    void aClientsFiltersWorkAfterEveryNodeRestartedWithNothingOnDisk() throws Exception {
        int[] discovery = FreePorts.several(1);
        int thin = FreePorts.one();
        byte[] value = "v".getBytes(StandardCharsets.UTF_8);
        HearthNode first = HearthNode.start(TestNodes.config("wire", 0, discovery, dir.resolve("before"),
                "ports.thinClient=" + thin), null);
        // Ignite's request timeout: without the node's registration the scan below waits for the schema past it.
        // No reconnect throttling: attempts made while no node is up must not refuse the first request after.
        try (IgniteClient client = Ignition.startClient(new ClientConfiguration()
                .setAddresses("127.0.0.1:" + thin).setTimeout(10_000).setReconnectThrottlingRetries(0))) {
            try {
                ClientCache<String, byte[]> zone = client.cache(CacheNames.zoneCache("default"));
                zone.put("t:k", value);
                assertEquals(List.of("t:k"), keys(zone, new KeyFilter<>(Set.of("t:k"))));
                assertEquals(List.of("t:k"), keys(zone, new TenantKeysFilter<>("t")));
            } finally {
                first.close();
            }
            // Every node gone: a new cluster, in a new data directory (Ignite keeps class names on disk there).
            HearthNode second = HearthNode.start(TestNodes.config("wire", 0, discovery, dir.resolve("after"),
                    "ports.thinClient=" + thin), null);
            try {
                ClientCache<String, byte[]> zone = client.cache(CacheNames.zoneCache("default"));
                zone.put("t:k", value);
                assertEquals(List.of("t:k"), keys(zone, new KeyFilter<>(Set.of("t:k", "t:absent"))));
                assertEquals(List.of("t:k"), keys(zone, new TenantKeysFilter<>("t")));
                assertArrayEquals(value, zone.get("t:k"));
            } finally {
                second.close();
            }
        }
    }

    private static List<String> keys(ClientCache<String, byte[]> zone,
            org.apache.ignite.lang.IgniteBiPredicate<String, byte[]> filter) {
        return zone.query(new ScanQuery<>(filter)).getAll().stream().map(Cache.Entry::getKey).toList();
    }
}
