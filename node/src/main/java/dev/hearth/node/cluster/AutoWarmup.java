package dev.hearth.node.cluster;

import dev.hearth.node.warmup.WarmupService;
import java.time.Duration;
import java.util.Collection;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteAtomicLong;
import org.apache.ignite.cache.CachePeekMode;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Decides whether this node should load its newest dump at start: only when the cluster itself just formed with
 * every zone empty (a full power loss, a fresh cluster), never when a node rejoins a live cluster (its dump would
 * bring back entries deleted since). The node that forms the cluster opens a warm-up window, a cluster-wide atomic
 * that dies with the cluster; nodes joining while it is open load their dumps too.
 */
public final class AutoWarmup {
    private static final Logger LOG = LogManager.getLogger(AutoWarmup.class);
    static final String WINDOW = "hearth.warmup.windowEnd";
    static final Duration WINDOW_LENGTH = Duration.ofMinutes(10);

    private AutoWarmup() {
    }

    public static void maybeStart(Ignite ignite, Collection<String> zones, WarmupService warmup, long rate) {
        long now = System.currentTimeMillis();
        IgniteAtomicLong window = ignite.atomicLong(WINDOW, 0, true);
        boolean formedCluster = ignite.cluster().forServers().nodes().size() == 1;
        if (formedCluster) {
            boolean empty = zones.stream().allMatch(z -> ignite.cache(Zones.cacheName(z)).sizeLong(CachePeekMode.PRIMARY) == 0);
            if (!empty) {
                LOG.info("Auto warm-up: the cluster is not empty; nothing to load");
                return;
            }
            window.compareAndSet(0, now + WINDOW_LENGTH.toMillis());
        }
        long end = window.get();
        if (end == 0 || now > end) {
            LOG.info("Auto warm-up: joined a running cluster; not loading this node's dump");
            return;
        }
        try {
            WarmupService.Status s = warmup.start(null, null, rate);
            LOG.info("Auto warm-up: loading dump {} ({} entries)", s.dump(), s.entriesTotal());
        } catch (IllegalArgumentException | IllegalStateException e) {
            LOG.info("Auto warm-up: {}", e.getMessage());
        }
    }
}
