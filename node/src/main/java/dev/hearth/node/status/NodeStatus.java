package dev.hearth.node.status;

import dev.hearth.node.membership.Membership;
import dev.hearth.wire.StopSafety;
import dev.hearth.wire.ZoneStatus;
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
    StopSafety safety();

    /**
     * Cheap: how long the partition exchange in progress (Ignite's reaction to a node joining or leaving) has blocked
     * this node's cache operations, in milliseconds; 0 when none does.
     */
    long exchangeBlockedMillis();

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
            List<ZoneStatus> zones,
            List<Region> regions,
            Jvm jvm,
            StopSafety safety,
            Membership.View membership,
            dev.hearth.node.localcopy.LocalCopyService.Status localCopy,
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

    record Region(String name, long usedBytes, long allocatedBytes, long limitBytes) {
    }

    record Jvm(long heapUsedBytes, long heapMaxBytes, long directUsedBytes, long directMaxBytes, long rssBytes) {
    }
}
