package dev.hearth.node.ignite;

/**
 * The data regions behind zones: each zone's cache ({@link dev.hearth.storage.CacheNames#zoneCache}) lives in a region
 * of its own named after the zone, so that one zone's memory limit and eviction never touch another's; the registry
 * and membership caches live in the small system region.
 */
public final class Zones {
    public static final String REGION_PREFIX = "zone-";
    public static final String SYSTEM_REGION = "hearth-system";

    private Zones() {
    }

    public static String regionName(String zone) {
        return REGION_PREFIX + zone;
    }
}
