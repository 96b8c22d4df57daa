package dev.hearth.wire.admin;

import java.util.List;
import java.util.Map;

/**
 * One zone in {@code GET /admin/zones/<zone>}: the fields of {@link ZoneSummary}, with the tenants by name.
 *
 * @param tenants the zone's tenants, sorted
 */
public record ZoneDetail(String name, long memory, int backups, Map<String, String> nodeFilter, List<String> nodes,
        boolean maintenance, Long maintenanceChangedAt, String maintenanceChangedBy, List<String> tenants, long entries,
        long bytes) {
}
