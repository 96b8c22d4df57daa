package dev.hearth.node.cluster;

/** Naming of the Ignite objects behind a zone: one cache in one data region, both named after the zone. */
public final class Zones {
    public static final String CACHE_PREFIX = "hearth-zone-";
    public static final String REGION_PREFIX = "zone-";
    public static final String SYSTEM_REGION = "hearth-system";

    private Zones() {
    }

    public static String cacheName(String zone) {
        return CACHE_PREFIX + zone;
    }

    public static String regionName(String zone) {
        return REGION_PREFIX + zone;
    }
}
