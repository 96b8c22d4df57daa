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
 * What the nodes do for hearth-client's scan filters. A thin client that outlives a restart of the whole cluster still
 * scans with them: it registered their binary types once, with the cluster that is gone, and the new cluster knows
 * them because its nodes register them as they start (without that, Ignite held each such scan for its 30 s wait for
 * the schema and then failed it). And a node whose copies may lag refuses a failover read's scan, even of a partition
 * its copy holds nothing of, with the reason.
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

    @Test
    void whileTheNodesCopiesMayLagItRefusesFailoverScansEvenOfPartitionsItHoldsNothingOf() throws Exception {
        int[] discovery = FreePorts.several(1);
        HearthNode node = HearthNode.start(TestNodes.config("lag", 0, discovery, dir), null);
        try (IgniteClient client = Ignition.startClient(new ClientConfiguration()
                .setAddresses("127.0.0.1:" + node.ports().get("thinClient")).setTimeout(10_000))) {
            ClientCache<String, byte[]> zone = client.cache(CacheNames.zoneCache("default"));
            byte[] value = "v".getBytes(StandardCharsets.UTF_8);
            zone.put("t:k", value);
            int held = node.ignite().affinity(CacheNames.zoneCache("default")).partition("t:k");
            int empty = (held + 1) % node.ignite().affinity(CacheNames.zoneCache("default")).partitions();
            // A node as it starts from its own files: this one's start-up load is long over, so the test says when.
            java.util.concurrent.atomic.AtomicBoolean lag = new java.util.concurrent.atomic.AtomicBoolean(true);
            node.ignite().cluster().nodeLocalMap().put(KeyFilter.COPIES_MAY_LAG,
                    (java.util.function.BooleanSupplier) lag::get);
            for (int part : new int[] {held, empty}) {
                org.apache.ignite.client.ClientException refused = org.junit.jupiter.api.Assertions.assertThrows(
                        org.apache.ignite.client.ClientException.class,
                        () -> localScan(zone, part, "t:k"), "partition " + part);
                org.junit.jupiter.api.Assertions.assertTrue(String.valueOf(refused.getMessage()).contains(
                        "may lack keys their primaries hold") || causes(refused).contains(
                        "may lack keys their primaries hold"), "why, for partition " + part + ": " + causes(refused));
            }
            lag.set(false);
            assertEquals(List.of("t:k"), localScan(zone, held, "t:k"));
            assertEquals(List.of(), localScan(zone, empty, "t:k"));
            // The node's own reading of its copies is what is there once the test stops speaking for it.
            ClientWireTypes.register(node.ignite(), () -> false);
            assertEquals(List.of("t:k"), localScan(zone, held, "t:k"));
        } finally {
            node.close();
        }
    }

    /** A failover read's scan, as hearth-client sends it: one partition, this node's own copy, filtered here. */
    private static List<String> localScan(ClientCache<String, byte[]> zone, int part, String key) {
        return zone.query(new ScanQuery<String, byte[]>(new KeyFilter<>(Set.of(key))).setPartition(part)
                .setLocal(true)).getAll().stream().map(Cache.Entry::getKey).toList();
    }

    private static String causes(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            b.append(c.getMessage()).append(" / ");
        }
        return b.toString();
    }

    private static List<String> keys(ClientCache<String, byte[]> zone,
            org.apache.ignite.lang.IgniteBiPredicate<String, byte[]> filter) {
        return zone.query(new ScanQuery<>(filter)).getAll().stream().map(Cache.Entry::getKey).toList();
    }
}
