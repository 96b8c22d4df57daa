package dev.hearth.client.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.client.testing.InJvmCluster;
import dev.hearth.wire.KeyFilter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import org.apache.ignite.Ignition;
import org.apache.ignite.cache.query.ScanQuery;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.configuration.ClientConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The read failover's local scan, as {@link NodeLinks} sends it, on real nodes: each node answers from its own copy of
 * the key's partition with the wanted entries only, not the partition.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class KeyFilterScanClusterTest {
    @Test
    void eachNodeAnswersFromItsOwnCopyWithTheWantedEntriesOnly() throws Exception {
        try (InJvmCluster cluster = InJvmCluster.start(2, "z")) {
            ClientCache<String, byte[]> zone = cluster.zone("z");
            Map<String, byte[]> batch = new HashMap<>();
            for (int i = 0; i < 20_000; i++) {
                batch.put("t:k" + i, ("v" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            zone.putAll(batch);
            String wanted = "t:k77";
            int part = NodeLinks.partition(wanted);
            long inPartition = batch.keySet().stream().filter(k -> NodeLinks.partition(k) == part).count();
            assertTrue(inPartition > 5, "the partition holds more than the wanted key: " + inPartition);
            for (String address : cluster.addresses()) {
                try (IgniteClient one = Ignition.startClient(new ClientConfiguration().setAddresses(address)
                        .setPartitionAwarenessEnabled(false))) {
                    ClientCache<String, byte[]> c = one.cache("hearth-zone-z");
                    // Two nodes, one backup: each holds a copy of every partition.
                    List<Cache.Entry<String, byte[]>> got = c.query(new ScanQuery<String, byte[]>(
                            new KeyFilter<>(Set.of(wanted, "t:absent"))).setPartition(part).setLocal(true)).getAll();
                    assertEquals(1, got.size(), address + ": only the wanted key of " + inPartition);
                    assertEquals(wanted, got.get(0).getKey());
                    assertArrayEquals(batch.get(wanted), got.get(0).getValue());
                }
            }
        }
    }
}
