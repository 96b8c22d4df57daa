package dev.hearth.node.ignite;

import dev.hearth.node.membership.Membership;
import dev.hearth.node.membership.PeerWatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.ignite.events.EventType;
import org.apache.ignite.spi.discovery.DiscoveryNotification;
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
 * <p>A node cut off from all its peers does not always learn of their failures at once: Ignite declares them failed
 * one by one, and after the first the topology still holds a quorum (2 of 3), so a write acknowledged in that
 * instant would die with the minority all the same. So a failure that leaves a quorum is believed only once enough
 * of the remaining peers answer a probe of their admin port to make a quorum with this node; until then the failure
 * is held back (Ignite completes no write waiting on it; a write whose send to a backup failed outright, though, is
 * acknowledged with the copies it reached: Ignite counts a failed send as an answer). If none answers within the
 * confirm window, the node is cut off and fences. The last probe must start after the window has passed, so that a
 * stall of the whole machine, which also stops the peers' answers, ends before the node gives up on them. Fencing
 * early costs nothing here: a node that cannot reach a quorum of peers would fence when Ignite drops them anyway, a
 * failure detection timeout later.
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
    private final PeerWatch.Reach probe;
    private final long confirmNanos;
    private final ExecutorService probes = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "hearth-fence-probe");
        t.setDaemon(true);
        return t;
    });
    /** Whether the last topology this node saw held a quorum; only the discovery thread writes it. */
    private volatile boolean hadQuorum;

    /**
     * @param probe asks a peer's admin port whether it answers; it must bound its own wait
     * @param confirm how long a failure that leaves a quorum waits for a quorum of the remaining peers to answer
     */
    QuorumFence(Membership membership, Action action, PeerWatch.Reach probe, Duration confirm) {
        this.membership = membership;
        this.action = action;
        this.probe = probe;
        this.confirmNanos = confirm.toNanos();
    }

    /** Ignite's discovery with the fence in front of its listener (and {@link CacheChangeRule} in its sends). */
    TcpDiscoverySpi discoverySpi() {
        return new HearthDiscoverySpi(this);
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

    /**
     * For a failure that leaves this node's topology a quorum: waits until enough of the remaining peers answer to
     * make a quorum with this node, or the confirm window passes.
     *
     * @return the reason to fence, or null once a quorum answered
     */
    String confirmPeers(List<String> servers) {
        List<String> peers = new ArrayList<>(servers);
        peers.remove(membership.self());
        if (peers.isEmpty()) {
            return null;
        }
        long start = System.nanoTime();
        List<String> reached;
        while (true) {
            long probeStart = System.nanoTime();
            reached = reachable(peers);
            if (membership.hasQuorum(reached)) {
                return null;
            }
            if (probeStart - start >= confirmNanos) {
                break;
            }
            try {
                Thread.sleep(100); // a refused connection answers at once: do not spin
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return "members failed, and of the peers left in this node's topology " + peers + " only " + reached.subList(1,
                reached.size()) + " answered within " + TimeUnit.NANOSECONDS.toMillis(confirmNanos)
                + " ms: this node is cut off from a majority of the " + membership.members().admins().size()
                + " expected members";
    }

    /** This node and the peers whose admin port answered, probed in parallel. */
    private List<String> reachable(List<String> peers) {
        List<CompletableFuture<String>> asks = new ArrayList<>();
        for (String peer : peers) {
            String admin = membership.members().admins().getOrDefault(peer, "");
            asks.add(admin.isEmpty() ? CompletableFuture.completedFuture(null) : CompletableFuture.supplyAsync(
                    () -> probe.answers(admin) ? peer : null, probes));
        }
        List<String> reached = new ArrayList<>(List.of(membership.self()));
        for (CompletableFuture<String> a : asks) {
            String name = a.join();
            if (name != null) {
                reached.add(name);
            }
        }
        return reached;
    }

    void onDiscovery(DiscoveryNotification n) {
        if (n.getTopSnapshot() == null) {
            return;
        }
        List<String> servers = HearthPlugin.serverNames(n.getTopSnapshot());
        String reason = decide(n.type(), servers);
        if (reason == null && n.type() == EventType.EVT_NODE_FAILED && hadQuorum) {
            long t0 = System.nanoTime();
            reason = confirmPeers(servers);
            LOG.info("A member failed; a quorum of the peers left {} in {} ms", reason == null ? "answered"
                    : "did not answer", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        }
        if (reason != null) {
            // Logged both ways: the action halts the JVM, and an asynchronous appender may not get to write.
            LOG.error("Fencing this node: {}. Writes in flight are not acknowledged; the supervisor restarts the "
                    + "node and it rejoins the majority when it can reach it", reason);
            System.err.println("hearth: fencing this node: " + reason);
            action.fence(reason);
        }
    }
}
