package dev.hearth.node.integrity;

import dev.hearth.node.tenant.TenantRegistry;
import dev.hearth.storage.registry.TenantRecord;

/**
 * {@link MaintenanceControl} over the replicated tenant registry. A tenant's change is awaited on every node before
 * recover goes on: its passes must not start while some node still serves the tenant, and "back to active" means
 * every node serves it again.
 */
public final class RegistryMaintenance implements MaintenanceControl {
    private final TenantRegistry registry;

    public RegistryMaintenance(TenantRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void zoneMaintenance(String zone, boolean on, String by) {
        registry.setZoneMaintenance(zone, on, by);
    }

    @Override
    public void tenantMaintenance(String tenant, boolean on, String by) {
        TenantRecord r = registry.setMaintenance(tenant, on, by);
        registry.awaitEverywhere(r);
    }
}
