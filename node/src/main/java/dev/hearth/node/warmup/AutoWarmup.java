package dev.hearth.node.warmup;

import dev.hearth.node.localcopy.LocalCopyService;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Decides what this node loads at start. When the cluster itself just formed (a full power loss, a kill of every
 * node, a fresh cluster): its local copy, then its newest dump for what is still missing.
 * When it rejoins a live cluster: never its dump (it would bring back entries deleted since), and from its local
 * copy only the partitions whose every copy was lost while it was away (see {@link Cluster#lostPartitions}). The cluster
 * just formed when the node that formed it started less than {@link #WINDOW_LENGTH} ago ({@link Cluster#formedAt}): every
 * node reads the same answer from the topology at once, whatever the clients do meanwhile. Nodes joining in that window load as well, unless they served in this same cluster before
 * ({@link LastCluster}): a node that crashed and came back within the window would otherwise load its whole copy and
 * the dump again, and bring back every key deleted since the cluster formed.
 *
 * <p>Not "every zone is empty": API servers write as soon as any node answers, and after a kill -9 of every node
 * their first writes (the benchmark's readers rewrite 10% of what they read) landed before the nodes looked. Every
 * node then took the cluster for a live one, loaded nothing, and the whole cluster came back empty for good
 * (bench/one-gib.sh STEPS=kill9: 0 of 38,409 acknowledged writes back).
 */
public final class AutoWarmup {
    private static final Logger LOG = LogManager.getLogger(AutoWarmup.class);
    /** How long after the cluster formed a node with no record of serving in it loads its whole copy. */
    public static final Duration WINDOW_LENGTH = Duration.ofMinutes(10);

    /** What the decision reads from the cluster this node just joined (Ignite's side: {@code IgniteLocalCopy}). */
    public interface Cluster {
        /** The id of the cluster this node is in now; a cluster that forms again gets a new one. */
        String clusterId();

        /**
         * When the cluster formed (epoch millis): the start of the node that formed it, as that node published it;
         * 0 when that node has left (the cluster has been running without it) or published no start.
         */
        long formedAt();

        /** The partitions whose every copy was lost while this node was away; may wait for rebalancing. */
        LocalCopyService.Selector lostPartitions(Collection<String> zones);

        /** The partitions this node is primary for now. */
        LocalCopyService.Selector primaryHere(Collection<String> zones);

        /**
         * The other owners of this node's partitions, for the local install, once the cluster has settled: every
         * member this node expects has joined (bounded wait) and this node's partitions have arrived, so that each
         * partition's owners are the nodes that wrote its files before the restart.
         */
        LocalCopyService.Peers settledPeers(Collection<String> zones);
    }

    private AutoWarmup() {
    }

    /**
     * @param localCopy this node's local copy, or null when {@code localCopy.enabled} is false
     * @param loadDump whether to load the newest dump after the local copy ({@code warmup.auto})
     * @param paces the local copy's load rate, {@code rate} its ceiling; the dump's warm-up has its own
     * @param last the cluster this node served in before; records the current one once the load is over
     */
    public static void maybeStart(Cluster cluster, Clock clock, Collection<String> zones, WarmupService warmup, long rate,
            LocalCopyService localCopy, WarmupService.ClusterLoader loader, boolean loadDump,
            AdaptiveRate.Factory paces, LastCluster last) {
        String id = cluster.clusterId();
        String before;
        try {
            before = last.read();
        } catch (java.io.UncheckedIOException e) {
            LOG.warn("Auto warm-up: {}; taking this node as new to the cluster", e.getMessage());
            before = null;
        }
        boolean servedHere = id.equals(before);
        try {
            decide(cluster, clock, zones, warmup, rate, localCopy, loader, loadDump, paces, servedHere);
        } finally {
            // After the load, not before: a node that dies during its formed-empty load comes back as new and
            // loads again (its first load may have stopped half way). One whose stop interrupted the load is the
            // same case (and its interrupted thread could not write the file anyway).
            if (Thread.currentThread().isInterrupted()) {
                LOG.info("Auto warm-up: the node stopped during its start-up load; it will load again if it "
                        + "restarts while the cluster's warm-up window is open");
            } else {
                last.write(id);
            }
        }
    }

    /** End of the window in which a node new to the cluster loads its whole copy (epoch millis), 0 for none. */
    static long windowEnd(long formedAt) {
        return formedAt == 0 ? 0 : formedAt + WINDOW_LENGTH.toMillis();
    }

    private static void decide(Cluster cluster, Clock clock, Collection<String> zones, WarmupService warmup, long rate,
            LocalCopyService localCopy, WarmupService.ClusterLoader loader, boolean loadDump,
            AdaptiveRate.Factory paces, boolean servedHere) {
        long now = clock.millis();
        long end = windowEnd(cluster.formedAt());
        if (end == 0 || now > end || servedHere) {
            if (localCopy != null) {
                // Rejoining a live cluster: only partitions that lost every copy while this node was away.
                try (AdaptiveRate pace = paces.open(rate)) {
                    localCopy.load("rejoined a live cluster: partitions that lost every copy", loader,
                            cluster.lostPartitions(zones), pace);
                }
            }
            LOG.info("Auto warm-up: joined a running cluster{}; not loading this node's dump",
                    servedHere && end != 0 && now <= end ? " it served in before (its warm-up window is still open)"
                            : "");
            return;
        }
        if (localCopy != null) {
            try (AdaptiveRate pace = paces.open(rate)) {
                localCopy.load("the cluster formed empty: files every owner holds alike, installed locally; then "
                        + "partitions this node is primary for, then the others", loader, cluster.settledPeers(zones),
                        List.of(cluster.primaryHere(zones), (zone, partition, header) -> true), pace);
            }
        }
        if (!loadDump) {
            return;
        }
        try {
            WarmupService.Status s = warmup.start(null, null, rate);
            LOG.info("Auto warm-up: loading dump {} ({} entries) for what the local copy did not have", s.dump(),
                    s.entriesTotal());
        } catch (IllegalArgumentException | IllegalStateException e) {
            LOG.info("Auto warm-up: {}", e.getMessage());
        }
    }
}
