package dev.hearth.wire.status;

import dev.hearth.wire.StopSafety;
import dev.hearth.wire.ZoneStatus;
import java.util.List;
import java.util.Map;

/**
 * What a node knows about itself and its cluster at one instant: {@code GET /status}, as the node writes it and
 * hearthctl reads it.
 *
 * @param diskFull writer ({@code local_copy}, {@code dump}) to the times it met a full disk since the node started
 * @param exhaustionExits kind ({@code heap}, {@code direct}) to the exits this node took for exhausted memory, kept
 *     across restarts
 */
public record NodeSnapshot(
        LocalNode node,
        long topologyVersion,
        List<Member> members,
        boolean clusterRebalanced,
        List<ZoneStatus> zones,
        List<Region> regions,
        Jvm jvm,
        StopSafety safety,
        MembershipView membership,
        LocalCopyStatus localCopy,
        Refill refill,
        Map<String, Long> diskFull,
        Map<String, Long> exhaustionExits) {
    public record LocalNode(
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

    public record Member(
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

    public record Region(String name, long usedBytes, long allocatedBytes, long limitBytes) {
    }

    public record Jvm(long heapUsedBytes, long heapMaxBytes, long directUsedBytes, long directMaxBytes, long rssBytes) {
    }
}
