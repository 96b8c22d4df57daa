package dev.hearth.node.cluster;

import dev.hearth.node.warmup.AdaptiveRate;
import dev.hearth.node.warmup.LastCluster;
import dev.hearth.node.warmup.LocalCopyService;
import dev.hearth.node.warmup.WarmupService;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.CachePeekMode;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Decides what this node loads at start. When the cluster itself just formed with every zone empty (a full power
 * loss, a kill of every node, a fresh cluster): its local copy, then its newest dump for what is still missing.
 * When it rejoins a live cluster: never its dump (it would bring back entries deleted since), and from its local
 * copy only the partitions whose every copy was lost while it was away (see {@link IgniteLocalCopy}). The node that
 * forms the cluster opens a warm-up window, an entry of the replicated membership cache that dies with the cluster;
 * nodes joining while it is open load as well, unless they served in this same cluster before ({@link LastCluster}):
 * a node that crashed and came back within the window would otherwise load its whole copy and the dump again, and
 * bring back every key deleted since the cluster formed.
 *
 * <p>Not an Ignite atomic: its cache is started on first use, a partition exchange at every node start, right while
 * nodes that started together join (seen as a node dropped at start and a stale membership view in CI). The
 * membership cache exists from the node's start.
 */
public final class AutoWarmup {
    private static final Logger LOG = LogManager.getLogger(AutoWarmup.class);
    /** The window's key in the membership cache: the end of the window, epoch millis. */
    public static final String WINDOW = "warmup.windowEnd";
    static final Duration WINDOW_LENGTH = Duration.ofMinutes(10);

    private AutoWarmup() {
    }

    /**
     * @param localCopy this node's local copy, or null when {@code localCopy.enabled} is false
     * @param loadDump whether to load the newest dump after the local copy ({@code warmup.auto})
     * @param paces the local copy's load rate, {@code rate} its ceiling; the dump's warm-up has its own
     * @param last the cluster this node served in before; records the current one once the load is over
     */
    public static void maybeStart(Ignite ignite, Collection<String> zones, WarmupService warmup, long rate,
            LocalCopyService localCopy, WarmupService.ClusterLoader loader, boolean loadDump,
            AdaptiveRate.Factory paces, LastCluster last) {
        String cluster = ignite.cluster().id().toString();
        String before;
        try {
            before = last.read();
        } catch (java.io.UncheckedIOException e) {
            LOG.warn("Auto warm-up: {}; taking this node as new to the cluster", e.getMessage());
            before = null;
        }
        boolean servedHere = cluster.equals(before);
        try {
            decide(ignite, zones, warmup, rate, localCopy, loader, loadDump, paces, servedHere);
        } finally {
            // After the load, not before: a node that dies during its formed-empty load comes back as new and
            // loads again (its first load may have stopped half way).
            last.write(cluster);
        }
    }

    private static void decide(Ignite ignite, Collection<String> zones, WarmupService warmup, long rate,
            LocalCopyService localCopy, WarmupService.ClusterLoader loader, boolean loadDump,
            AdaptiveRate.Factory paces, boolean servedHere) {
        long now = System.currentTimeMillis();
        IgniteCache<String, String> window = ignite.cache(IgniteMembership.CACHE);
        // Not "this node is alone": nodes started together (every node killed, then started at once) often all
        // see each other before any of them gets here. A window never opened, with every zone empty, means the
        // cluster just formed (or lost everything): the first node to see that opens it.
        if (window.get(WINDOW) == null && zones.stream().allMatch(
                z -> ignite.cache(Zones.cacheName(z)).sizeLong(CachePeekMode.PRIMARY) == 0)) {
            window.putIfAbsent(WINDOW, Long.toString(now + WINDOW_LENGTH.toMillis()));
        }
        String opened = window.get(WINDOW);
        long end = opened == null ? 0 : Long.parseLong(opened);
        if (end == 0 || now > end || servedHere) {
            if (localCopy != null) {
                // Rejoining a live cluster: only partitions that lost every copy while this node was away.
                try (AdaptiveRate pace = paces.open(rate)) {
                    localCopy.load("rejoined a live cluster: partitions that lost every copy", loader,
                            new IgniteLocalCopy(ignite).lostPartitions(zones), pace);
                }
            }
            LOG.info("Auto warm-up: joined a running cluster{}; not loading this node's dump",
                    servedHere && end != 0 && now <= end ? " it served in before (its warm-up window is still open)"
                            : "");
            return;
        }
        if (localCopy != null) {
            IgniteLocalCopy partitions = new IgniteLocalCopy(ignite);
            try (AdaptiveRate pace = paces.open(rate)) {
                localCopy.load("the cluster formed empty: partitions this node is primary for, then the others",
                        loader, List.of(partitions.primaryHere(zones), (zone, partition, header) -> true),
                        pace);
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
