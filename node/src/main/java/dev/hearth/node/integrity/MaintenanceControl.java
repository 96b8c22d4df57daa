package dev.hearth.node.integrity;

/**
 * What {@code zone recover} needs from the tenant registry: switching a zone's flag and single tenants' states. The
 * registry implements it; {@link InMemoryMaintenance} stands in until it is wired.
 */
public interface MaintenanceControl {
    /** Sets the zone-level maintenance flag (tenants without a record of their own follow it). */
    void zoneMaintenance(String zone, boolean on, String by);

    /** Sets one tenant's own state: maintenance (on) or active (off). */
    void tenantMaintenance(String tenant, boolean on, String by);
}
