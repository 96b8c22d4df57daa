package dev.hearth.wire.admin;

import java.util.List;
import java.util.Map;

/**
 * One zone in {@code GET /admin/zones}: its configuration, where it lives, its maintenance flag and how much it holds.
 *
 * @param memory the zone's data region size in bytes
 * @param nodeFilter the node attributes a node needs to hold the zone (sorted by name)
 * @param nodes the nodes that hold the zone now
 * @param maintenanceChangedAt epoch millis of the flag's last change, null when it never changed
 * @param tenants how many tenants live in the zone (registered, or served by this node and placed there)
 * @param entries entries in the zone's cache, cluster-wide
 * @param bytes approximate bytes the zone's entries take
 */
public record ZoneSummary(String name, long memory, int backups, Map<String, String> nodeFilter, List<String> nodes,
        boolean maintenance, Long maintenanceChangedAt, String maintenanceChangedBy, int tenants, long entries,
        long bytes) {
}
