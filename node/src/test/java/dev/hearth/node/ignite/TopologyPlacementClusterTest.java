package dev.hearth.node.ignite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.node.HearthNode;
import dev.hearth.node.TestNodes;
import dev.hearth.storage.CacheNames;
import dev.hearth.testing.FreePorts;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.ignite.ShutdownPolicy;
import org.apache.ignite.cache.CacheAtomicityMode;
import org.apache.ignite.cache.CacheWriteSynchronizationMode;
import org.apache.ignite.cache.affinity.Affinity;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.configuration.CacheConfiguration;
import org.apache.ignite.configuration.DataPageEvictionMode;
import org.apache.ignite.configuration.DataRegionConfiguration;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.spi.discovery.tcp.TcpDiscoverySpi;
import org.apache.ignite.spi.discovery.tcp.ipfinder.kubernetes.TcpDiscoveryKubernetesIpFinder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Where copies go, and the Ignite settings Hearth depends on. */
@Timeout(120)
class TopologyPlacementClusterTest {
    @TempDir
    Path dir;

    @Test
    void backupsNeverShareTheirPrimarysFailureDomain() throws Exception {
        int[] disco = FreePorts.several(4);
        List<HearthNode> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                nodes.add(HearthNode.start(TestNodes.config("fd", i, disco, dir,
                        "node.failureDomain=rack-" + (i % 2)), null));
            }
            var ignite = nodes.get(0).ignite();
            org.awaitility.Awaitility.await().until(() -> ignite.cluster().forServers().nodes().size() == 4);
            Affinity<String> aff = ignite.affinity(CacheNames.zoneCache("default"));
            for (int p = 0; p < aff.partitions(); p++) {
                Collection<ClusterNode> copies = aff.mapPartitionToPrimaryAndBackups(p);
                assertEquals(2, copies.size(), "partition " + p);
                List<Object> domains = copies.stream().map(n -> n.attribute(NodeAttributes.FAILURE_DOMAIN)).toList();
                assertNotEquals(domains.get(0), domains.get(1), "partition " + p + " has both copies in one domain");
            }
        } finally {
            for (int i = nodes.size() - 1; i >= 0; i--) {
                nodes.get(i).stopGracefully();
            }
        }
    }

    @Test
    void igniteSettingsHearthReliesOn() {
        var config = TestNodes.config("cfg", 0, FreePorts.several(1), dir);
        IgniteConfiguration ic = IgniteConfigFactory.build(config, new ResolvedPorts(1, 2, 3), 4, 5, null);
        assertNull(ic.getConnectorConfiguration(), "Ignite's own connector would take port 11211");
        assertEquals(ShutdownPolicy.GRACEFUL, ic.getShutdownPolicy());
        assertEquals(20_000L, ic.getFailureDetectionTimeout());
        assertEquals(IgniteConfigFactory.TX_TIMEOUT_ON_EXCHANGE_MS,
                ic.getTransactionConfiguration().getTxTimeoutOnPartitionMapExchange(),
                "a transaction left open must not block every cache operation of the cluster");
        assertEquals(1, ic.getPluginProviders().length, "the Hearth plugin: cluster name check, quorum validator");
        assertEquals(3, ic.getClientConnectorConfiguration().getPort());
        var comm = (org.apache.ignite.spi.communication.tcp.TcpCommunicationSpi) ic.getCommunicationSpi();
        assertTrue(comm.getSocketReceiveBuffer() >= 1 << 20 && comm.getSocketSendBuffer() >= 1 << 20,
                "Ignite's 32 KiB peer socket buffers held a link to 2 MB/s and stalled a refill");
        DataRegionConfiguration zone = ic.getDataStorageConfiguration().getDataRegionConfigurations()[0];
        assertEquals("zone-default", zone.getName());
        assertEquals(64L << 20, zone.getMaxSize());
        assertEquals(DataPageEvictionMode.RANDOM_2_LRU, zone.getPageEvictionMode());
        assertTrue(zone.getEmptyPagesPoolSize() * 4096L >= 2 * (1L << 20), "room for two 1 MiB entries at once");
        CacheConfiguration<String, byte[]> cache = IgniteConfigFactory.zoneCache(config, "default", false);
        assertEquals((1L << 20) + IgniteConfigFactory.ENTRY_OVERHEAD_BYTES,
                ((EntrySizeGuard) cache.getInterceptor()).maxBytes(), "a 64m zone stores 1m items");
        assertEquals(CacheAtomicityMode.ATOMIC, cache.getAtomicityMode());
        assertEquals(CacheWriteSynchronizationMode.FULL_SYNC, cache.getWriteSynchronizationMode());
        assertTrue(cache.isReadFromBackup());
        assertEquals(1, cache.getBackups());
        assertEquals("zone-default", cache.getDataRegionName());
    }

    @Test
    void kubernetesDiscoveryUsesTheConfiguredService() {
        var config = TestNodes.config("k8s", 0, FreePorts.several(1), dir, "cluster.discovery=kubernetes",
                "cluster.kubernetes.namespace=cache", "cluster.kubernetes.service=hearth-discovery");
        IgniteConfiguration ic = IgniteConfigFactory.build(config, new ResolvedPorts(47500, 47100, 10800), 11211,
                8080, null);
        TcpDiscoverySpi spi = (TcpDiscoverySpi) ic.getDiscoverySpi();
        assertTrue(spi.getIpFinder() instanceof TcpDiscoveryKubernetesIpFinder);
    }
}
