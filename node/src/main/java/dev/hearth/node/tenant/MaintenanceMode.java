package dev.hearth.node.tenant;

/** What a tenant in maintenance gets (config {@code tenants.maintenanceMode}). */
public enum MaintenanceMode {
    /** Reads miss, writes answer as if stored and store nothing. */
    MISS,
    /** Every operation fails with "tenant in maintenance". */
    REJECT;

    public static MaintenanceMode of(String config) {
        return valueOf(config.toUpperCase(java.util.Locale.ROOT));
    }
}
