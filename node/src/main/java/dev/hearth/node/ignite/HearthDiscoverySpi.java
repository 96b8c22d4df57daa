package dev.hearth.node.ignite;

import org.apache.ignite.lang.IgniteFuture;
import org.apache.ignite.spi.discovery.DiscoveryNotification;
import org.apache.ignite.spi.discovery.DiscoverySpiCustomMessage;
import org.apache.ignite.spi.discovery.DiscoverySpiListener;
import org.apache.ignite.spi.discovery.tcp.TcpDiscoverySpi;

/**
 * Ignite's discovery with Hearth's two rules at its edges: the {@link QuorumFence} sees every discovery event before
 * Ignite handles it, and {@link CacheChangeRule} sees every cache start or destroy this node is about to send.
 */
final class HearthDiscoverySpi extends TcpDiscoverySpi {
    private final QuorumFence fence;

    HearthDiscoverySpi(QuorumFence fence) {
        this.fence = fence;
    }

    @Override
    public void sendCustomEvent(DiscoverySpiCustomMessage msg) {
        CacheChangeRule.check(msg);
        super.sendCustomEvent(msg);
    }

    @Override
    public void setListener(DiscoverySpiListener lsnr) {
        super.setListener(lsnr == null ? null : new DiscoverySpiListener() {
            @Override
            public void onLocalNodeInitialized(org.apache.ignite.cluster.ClusterNode locNode) {
                lsnr.onLocalNodeInitialized(locNode);
            }

            @Override
            public IgniteFuture<?> onDiscovery(DiscoveryNotification notification) {
                fence.onDiscovery(notification);
                return lsnr.onDiscovery(notification);
            }
        });
    }
}
