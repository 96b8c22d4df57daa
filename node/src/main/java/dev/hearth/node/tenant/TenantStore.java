package dev.hearth.node.tenant;

import java.util.List;

/** What tenant administration needs from the zones' storage (implemented over Ignite in the ignite package). */
public interface TenantStore {
    /** Up to {@code limit} storage keys of {@code tenant} in {@code zone} (a cluster-wide scan). */
    List<String> keys(String zone, String tenant, int limit);

    /**
     * One pass of a move: every key of {@code tenant} in {@code from} goes to {@code to} (see the cache service's
     * migrate). {@code progress} is called with the number of keys handled so far.
     *
     * @return keys that held a live value (tombstones and expired entries not counted)
     */
    long migrateAll(String tenant, String from, String to, java.util.function.LongConsumer progress);

    /** Removes every entry of {@code tenant} in {@code zone}; returns how many live (non-tombstone) entries it removed. */
    long removeAll(String zone, String tenant);

    /** Live entries of the zone, cluster-wide (primary copies), or -1 if unknown. */
    long entries(String zone);

    /** Approximate bytes of the zone's data cluster-wide (one copy), or -1 if unknown. */
    long approximateBytes(String zone);

    /** Names of the nodes holding the zone. */
    List<String> nodes(String zone);
}
