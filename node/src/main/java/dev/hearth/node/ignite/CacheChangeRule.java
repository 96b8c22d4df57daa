package dev.hearth.node.ignite;

import dev.hearth.node.health.LogEvery;
import dev.hearth.storage.CacheNames;
import java.time.Duration;
import org.apache.ignite.internal.managers.discovery.CustomMessageWrapper;
import org.apache.ignite.internal.processors.cache.DynamicCacheChangeBatch;
import org.apache.ignite.internal.processors.cache.DynamicCacheChangeRequest;
import org.apache.ignite.spi.discovery.DiscoverySpiCustomMessage;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Which cache starts and destroys a node lets into the cluster: only Hearth's own caches, each in the data region
 * Hearth gives it, are started, and none of them is destroyed.
 *
 * <p>Why: the thin-client port can create and destroy caches (and SQL {@code CREATE TABLE} creates one). A cache
 * created without a region lands in Ignite's default region, which is {@code hearth-system}, the tenant registry's:
 * it has no eviction, and filling it halted the node (measured: 64 MiB put into a cache made with
 * {@code getOrCreateCache} ended the node with "Out of memory in data region hearth-system"). A destroyed zone cache
 * takes every tenant of the zone with it. Neither is something an application of a cache cluster needs.
 *
 * <p>Where: every cache start or destroy, whoever asks (a thin client, SQL, the node itself), is sent by the node
 * that received it as one discovery message, from the asking thread. Refusing it there, before it is sent, fails
 * only that request, with this class's reason as the error the client sees; nothing reaches the other nodes.
 * Ignite has no public hook for it (its security processor is internal and would take over authentication too).
 * Other cache changes (resetting lost partitions, closing a client's proxy) pass.
 */
final class CacheChangeRule {
    private static final Logger LOG = LogManager.getLogger(CacheChangeRule.class);
    private static final LogEvery LOG_EVERY = new LogEvery(Duration.ofMinutes(1));

    private CacheChangeRule() {
    }

    /**
     * Checks a discovery message this node is about to send.
     *
     * @throws org.apache.ignite.IgniteException naming the cache and the rule, for a refused start or destroy
     */
    static void check(DiscoverySpiCustomMessage msg) {
        if (!(msg instanceof CustomMessageWrapper wrapper)
                || !(wrapper.delegate() instanceof DynamicCacheChangeBatch batch)) {
            return;
        }
        for (DynamicCacheChangeRequest req : batch.requests()) {
            String region = req.startCacheConfiguration() == null ? null
                    : req.startCacheConfiguration().getDataRegionName();
            String reason = refusal(req.cacheName(), req.start() && !req.clientStartOnly(),
                    req.stop() || req.destroy(), region);
            if (reason != null) {
                // One key for all: names come from clients, and a key per name would grow without bound.
                if (LOG_EVERY.allow("refused")) {
                    LOG.warn("Refused a cache change (at most one line a minute): {}", reason);
                }
                throw new org.apache.ignite.IgniteException(reason);
            }
        }
    }

    /**
     * The rule itself.
     *
     * @param start whether the request creates the cache in the cluster
     * @param stop whether it stops or destroys the cache
     * @param region the region a start asks for (null: Ignite's default)
     * @return why the change is refused, or null
     */
    static String refusal(String cache, boolean start, boolean stop, String region) {
        String hearthRegion = hearthRegion(cache);
        if (stop && hearthRegion != null) {
            return "Hearth refuses to destroy its cache " + cache + ": its tenants' data lives there";
        }
        if (start && (hearthRegion == null || !hearthRegion.equals(region))) {
            return "Hearth refuses to create cache " + cache + (region == null ? "" : " in region " + region)
                    + ": a Hearth cluster holds only its own caches (store data through a zone's tenants)";
        }
        return null;
    }

    /** The region Hearth puts a cache of that name in, or null when the name is not one of Hearth's caches. */
    private static String hearthRegion(String cache) {
        if (cache == null) {
            return null;
        }
        if (cache.equals(CacheNames.REGISTRY) || cache.equals(CacheNames.MEMBERSHIP)) {
            return Zones.SYSTEM_REGION;
        }
        if (cache.startsWith(CacheNames.ZONE_CACHE_PREFIX) && cache.length() > CacheNames.ZONE_CACHE_PREFIX.length()) {
            return Zones.regionName(cache.substring(CacheNames.ZONE_CACHE_PREFIX.length()));
        }
        return null;
    }
}
