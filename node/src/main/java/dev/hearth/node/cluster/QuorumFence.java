package dev.hearth.node.cluster;

import dev.hearth.node.membership.Membership;
import java.util.List;
import org.apache.ignite.events.EventType;
import org.apache.ignite.lang.IgniteFuture;
import org.apache.ignite.spi.discovery.DiscoveryNotification;
import org.apache.ignite.spi.discovery.DiscoverySpiListener;
import org.apache.ignite.spi.discovery.tcp.TcpDiscoverySpi;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Fences a node whose topology loses its quorum because members failed (a network cut, a pause past the failure
 * detection timeout): the node is stopped before Ignite itself learns of the failure.
 *
 * <p>Why before: the topology validator refuses writes mapped on a topology without a quorum, but a write already in
 * flight when the members failed was mapped on the old topology. Its primary waits for the backup that is now gone,
 * and when Ignite drops that backup it completes the write with the copies left and acknowledges it. On the minority
 * side of a cut that write lives only there and dies at the heal: the chaos suite's split case lost 1 to 4
 * acknowledged writes this way in 4 of 7 runs. Ignite gives no hook between "members failed" and "in-flight writes
 * complete" other than the discovery listener, so the fence wraps it and acts first.
 *
 * <p>Only failures fence: a member leaving gracefully hands over its copies (and a whole cluster being stopped must
 * not count as a split), and a node that had no quorum before had no write acknowledged.
 */
public final class QuorumFence {
    private static final Logger LOG = LogManager.getLogger(QuorumFence.class);

    /** What fencing does. In the node process: halt, for the supervisor to restart it into the majority. */
    @FunctionalInterface
    public interface Action {
        /** Runs on Ignite's discovery thread, before Ignite handles the failure; must not return to fence. */
        void fence(String reason);
    }

    /** For embedded nodes (tests): fencing would end the JVM, so it is only logged. */
    public static final Action LOG_ONLY = reason -> LOG.error("Quorum lost ({}); this embedded node is not fenced",
            reason);

    private final Membership membership;
    private final Action action;
    /** Whether the last topology this node saw held a quorum; only the discovery thread writes it. */
    private volatile boolean hadQuorum;

    QuorumFence(Membership membership, Action action) {
        this.membership = membership;
        this.action = action;
    }

    /** Ignite's discovery with the fence in front of its listener. */
    TcpDiscoverySpi discoverySpi() {
        return new FencedDiscoverySpi(this);
    }

    /**
     * Decides for one discovery event, given the servers it leaves in the topology.
     *
     * @return the reason to fence, or null
     */
    String decide(int eventType, List<String> servers) {
        boolean has = membership.hasQuorum(servers);
        boolean had = hadQuorum;
        hadQuorum = has;
        if (eventType == EventType.EVT_NODE_FAILED && had && !has) {
            return "members failed and this node's topology " + servers + " holds fewer than a majority of the "
                    + membership.members().admins().keySet().size() + " expected members";
        }
        return null;
    }

    private void onDiscovery(DiscoveryNotification n) {
        if (n.getTopSnapshot() == null) {
            return;
        }
        String reason = decide(n.type(), HearthPlugin.serverNames(n.getTopSnapshot()));
        if (reason != null) {
            // Logged both ways: the action halts the JVM, and an asynchronous appender may not get to write.
            LOG.error("Fencing this node: {}. Writes in flight are not acknowledged; the supervisor restarts the "
                    + "node and it rejoins the majority when it can reach it", reason);
            System.err.println("hearth: fencing this node: " + reason);
            action.fence(reason);
        }
    }

    /** The SPI; only its listener differs from Ignite's. */
    static final class FencedDiscoverySpi extends TcpDiscoverySpi {
        private final QuorumFence fence;

        FencedDiscoverySpi(QuorumFence fence) {
            this.fence = fence;
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
}
