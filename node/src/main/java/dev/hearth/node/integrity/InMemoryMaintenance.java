package dev.hearth.node.integrity;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Maintenance state kept in this JVM only, with a log of every change: what {@code zone recover} drives until the
 * replicated tenant registry is wired in, and what tests inspect.
 */
public final class InMemoryMaintenance implements MaintenanceControl {
    private final Map<String, Boolean> zones = new ConcurrentHashMap<>();
    private final Map<String, Boolean> tenants = new ConcurrentHashMap<>();
    private final List<String> log = new ArrayList<>();

    @Override
    public synchronized void zoneMaintenance(String zone, boolean on, String by) {
        zones.put(zone, on);
        log.add("zone " + zone + (on ? " maintenance" : " active") + " by " + by);
    }

    @Override
    public synchronized void tenantMaintenance(String tenant, boolean on, String by) {
        tenants.put(tenant, on);
        log.add("tenant " + tenant + (on ? " maintenance" : " active") + " by " + by);
    }

    public boolean zoneInMaintenance(String zone) {
        return zones.getOrDefault(zone, false);
    }

    /** Null when the tenant never had a state of its own. */
    public Boolean tenantInMaintenance(String tenant) {
        return tenants.get(tenant);
    }

    public synchronized List<String> log() {
        return List.copyOf(log);
    }
}
