package dev.hearth.storage.registry;

/**
 * One tenant's registry record ({@code tenant/<name>} in {@code hearth-tenants}, JSON as in
 * docs/design/tenants-and-integrity.md). {@code movingFrom} is the zone the tenant is leaving while a move runs.
 */
public record TenantRecord(String tenant, String zone, String state, long createdAt, long changedAt,
        String changedBy, String movingFrom) {
    public static final String ACTIVE = "active";
    public static final String MAINTENANCE = "maintenance";

    public boolean inMaintenance() {
        return MAINTENANCE.equals(state);
    }

    public TenantRecord withZone(String newZone, String from, long now, String by) {
        return new TenantRecord(tenant, newZone, state, createdAt, now, by, from);
    }

    public TenantRecord withState(String newState, long now, String by) {
        return new TenantRecord(tenant, zone, newState, createdAt, now, by, movingFrom);
    }
}
