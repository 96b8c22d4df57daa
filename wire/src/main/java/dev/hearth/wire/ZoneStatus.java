package dev.hearth.wire;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One zone as a node's {@code /status} reports it (the {@code zones} list), read by hearthctl with this same type:
 * a renamed component breaks the build of both instead of reading as 0 on one side. The components whose absence
 * would read as "nothing wrong" are required: a status without them cannot be read at all.
 *
 * @param entries live entries in the zone cluster-wide (primary copies), -1 if the count timed out
 * @param minCopies the fewest copies any partition has right now (backups + 1 when healthy)
 * @param partitionsMissingCopies partitions with fewer than backups + 1 copies
 * @param localMovingPartitions partitions this node is still receiving
 * @param evictions data pages (4 KiB, one or more entries each) this node evicted to stay within the zone's memory
 * @param expirations entries that expired on this node (every copy it held)
 */
public record ZoneStatus(
        @JsonProperty(required = true) String name,
        @JsonProperty(required = true) int backups,
        long entries,
        long localPrimaryEntries,
        long localBackupEntries,
        int partitions,
        int minCopies,
        @JsonProperty(required = true) int partitionsMissingCopies,
        int localMovingPartitions,
        long evictions,
        long expirations,
        long memoryLimitBytes) {
}
