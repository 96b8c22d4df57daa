package dev.hearth.node.integrity;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cluster as verify and repair see it: zones split into partitions, each held by an ordered list of owner
 * nodes (primary first), and the copies each owner holds. Implemented over Ignite in {@code dev.hearth.node.ignite};
 * this package holds only the logic.
 */
public interface ClusterCopies {
    /**
     * Why a verify of the zone now would report false damage, or null if it would not: while partitions move, an
     * owner that does not hold its copy yet looks exactly like a missing copy.
     */
    String notVerifiable(String zone);

    /** Partitions of a zone's cache. */
    int partitions(String zone);

    /** Nodes (by name) that should hold a copy of {@code partition}, primary first. */
    List<String> owners(String zone, int partition);

    /** Entries per tenant in the zone, counted on the primary copies. */
    Map<String, Long> tenantCounts(String zone);

    /** Entries in the zone (primary copies), for progress. */
    long size(String zone);

    /**
     * Each owner's copies of the given partitions (a node is asked only for partitions it owns).
     *
     * @param tenants only keys of these tenants; null for all
     */
    Map<String, NodeCopies> scan(String zone, int[] partitions, Set<String> tenants);

    /**
     * Each owner's current copy of some keys, as stored bytes: key -> node -> bytes (a node absent from a key's map
     * holds no copy of it). One round trip per owner node, whatever the number of keys.
     */
    Map<String, Map<String, byte[]>> read(String zone, java.util.Collection<String> storageKeys);

    /** The partition a key belongs to. */
    int partition(String zone, String storageKey);

    /** Data pages the zone's region evicted on {@code node} since it started (0: nothing evicted there). */
    long evictedPages(String zone, String node);

    /**
     * Writes {@code healthy} through the cache (primary and backups) with what is left of its TTL, but only if the
     * primary's copy is still the one verify saw (digest {@code expectedPrimary}, {@link Copy#ABSENT} if none).
     *
     * @return false if the key was rewritten (or expired) meanwhile and nothing was written
     */
    boolean writeBack(String zone, String storageKey, byte[] healthy, long expectedPrimary);

    /** Removes the key everywhere if the primary's copy is still {@code expectedPrimary}; false if it changed. */
    boolean removeIfUnchanged(String zone, String storageKey, long expectedPrimary);
}
