package dev.hearth.node.admin;

import java.util.Map;

/**
 * The admin port's zone and tenant actions (docs/design/tenants-and-integrity.md). Same error contract as
 * {@link AdminOperations}: IllegalArgumentException 400, NoSuchElementException 404, IllegalStateException 409.
 */
public interface TenantOperations {
    Object zones();

    Object zone(String zone);

    Object zoneMaintenance(String zone, boolean on, String by);

    Object tenants();

    Object tenant(String tenant);

    Object assign(String tenant, String zone, String by);

    /** Starts a move (answered 202); {@link #tenant} shows its progress. */
    Object move(String tenant, String zone, String by);

    Object flush(String tenant, String by);

    Object tenantMaintenance(String tenant, boolean on, String by);

    /** Figures for /metrics. */
    Figures figures();

    /**
     * @param tenants tenant -> {ops, hits, misses}: the busiest tenants and "other"
     * @param zoneMaintenance zone -> 1 if its maintenance flag is on
     * @param zoneBytes zone -> approximate bytes (one copy, cluster-wide)
     * @param inMaintenance tenants whose effective state is maintenance (registered or seen by this node)
     */
    record Figures(Map<String, long[]> tenants, Map<String, Long> zoneMaintenance, Map<String, Long> zoneBytes,
            long inMaintenance) {
    }
}
