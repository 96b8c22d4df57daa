package dev.hearth.node.ignite;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.ignite.lang.IgniteProductVersion;
import org.apache.ignite.spi.discovery.DiscoveryMetricsProvider;
import org.apache.ignite.spi.discovery.tcp.internal.TcpDiscoveryNode;

/** Discovery nodes as a topology lists them, with the attributes a test gives, for rules that read a topology. */
final class TopologyNodes {
    private TopologyNodes() {
    }

    static TcpDiscoveryNode node(long order, Map<String, Object> attributes) {
        DiscoveryMetricsProvider metrics = new DiscoveryMetricsProvider() {
            @Override
            public org.apache.ignite.cluster.ClusterMetrics metrics() {
                return null;
            }

            @Override
            public Map<Integer, org.apache.ignite.cache.CacheMetrics> cacheMetrics() {
                return Map.of();
            }
        };
        TcpDiscoveryNode n = new TcpDiscoveryNode(UUID.randomUUID(), List.of("127.0.0.1"), List.of(), 0, metrics,
                IgniteProductVersion.fromString("2.17.0"), "n" + order);
        n.order(order);
        n.setAttributes(attributes);
        return n;
    }
}
