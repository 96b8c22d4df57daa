package dev.hearth.node.status;

import dev.hearth.node.membership.Membership;
import java.util.List;
import java.util.Map;

/**
 * What a node knows about itself and its cluster, for the admin endpoint. Implementations may block briefly
 * (cluster-wide counts are bounded by a timeout): call them off event-loop threads.
 */
public interface NodeStatus {
    /** Cheap: whether this node should receive traffic, and why not. */
    Readiness readiness();

    /** The full picture at this instant. */
    Snapshot snapshot();

    /** Whether stopping this node now would lose data, and why. */
    Safety safety();

    /**
     * Cheap: how long the partition exchange in progress (Ignite's reaction to a node joining or leaving) has blocked
     * this node's cache operations, in milliseconds; 0 when none does.
     */
    long exchangeBlockedMillis();

    /**
     * @param safeToStop every partition this node holds has a copy on another node, nothing is rebalancing, and
     *     every zone keeps at least one backup
     * @param reasons why not (empty when safe)
     */
    record Safety(boolean safeToStop, List<String> reasons) {
    }

    /**
     * @param ready joined, holds every partition assigned to it (no rebalance in progress for it), endpoints
     *     accepting, not stopping
     * @param reason why not, or "ready"; while this node refills the cluster (its local copy or a dump) "ready;
     *     refilling from ...": it serves meanwhile, and what has not arrived yet is a miss, never a wrong value
     */
    record Readiness(boolean ready, String reason) {
    }

    record Snapshot(
            LocalNode node,
            long topologyVersion,
            List<Member> members,
            boolean clusterRebalanced,
            List<Zone> zones,
            List<Region> regions,
            Jvm jvm,
            Safety safety,
            Membership.View membership,
            dev.hearth.node.warmup.LocalCopyService.Status localCopy,
            Refill refill,
            /* Writer (local_copy, dump) -> times it met a full disk since the node started. */
            java.util.Map<String, Long> diskFull,
            /* Kind (heap, direct) -> exits this node took for exhausted memory, kept across restarts. */
            java.util.Map<String, Long> exhaustionExits) {
    }

    record LocalNode(
            String id,
            String name,
            String failureDomain,
            String version,
            long startedAtMillis,
            long uptimeMillis,
            boolean ready,
            String readyReason,
            boolean stopping,
            Map<String, Integer> ports,
            long exchangeBlockedMillis) {
    }

    record Member(
            String id,
            String name,
            String failureDomain,
            List<String> addresses,
            int adminPort,
            int memcachedPort,
            int thinClientPort,
            long order,
            boolean local) {
    }

    /**
     * @param entries live entries in the zone cluster-wide (primary copies), -1 if the count timed out
     * @param minCopies the fewest copies any partition has right now (backups + 1 when healthy)
     * @param partitionsMissingCopies partitions with fewer than backups + 1 copies
     * @param localMovingPartitions partitions this node is still receiving
     * @param evictions data pages (4 KiB, one or more entries each) this node evicted to stay within the zone's
     *     memory
     * @param expirations entries that expired on this node (every copy it held)
     */
    record Zone(
            String name,
            int backups,
            long entries,
            long localPrimaryEntries,
            long localBackupEntries,
            int partitions,
            int minCopies,
            int partitionsMissingCopies,
            int localMovingPartitions,
            long evictions,
            long expirations,
            long memoryLimitBytes) {
    }

    record Region(String name, long usedBytes, long allocatedBytes, long limitBytes) {
    }

    record Jvm(long heapUsedBytes, long heapMaxBytes, long directUsedBytes, long directMaxBytes, long rssBytes) {
    }
}
