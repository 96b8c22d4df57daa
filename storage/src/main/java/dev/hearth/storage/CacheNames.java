package dev.hearth.storage;

/**
 * The caches a Hearth cluster holds, by the names the node creates them under and hearth-client opens them by: one
 * cache per zone, the tenant registry and the membership record. A node refuses every other cache, so these are all there is.
 */
public final class CacheNames {
    /** Zone caches are named {@code hearth-zone-<zone>}. */
    public static final String ZONE_CACHE_PREFIX = "hearth-zone-";
    /** The replicated registry of tenants and zones (String keys, JSON String values). */
    public static final String REGISTRY = "hearth-tenants";
    /** The replicated record of the cluster's expected members (the node's alone; clients never open it). */
    public static final String MEMBERSHIP = "hearth-membership";
    /**
     * Partitions of every zone cache (Rendezvous affinity, no neighbour exclusion). Part of the cluster's contract,
     * not a node setting: Ignite refuses a node whose zone cache has another count, and hearth-client computes a
     * key's partition with it for its hedged reads.
     */
    public static final int ZONE_PARTITIONS = 1024;

    private CacheNames() {
    }

    /** The cache that holds the entries of every tenant placed in {@code zone}. */
    public static String zoneCache(String zone) {
        return ZONE_CACHE_PREFIX + zone;
    }
}
