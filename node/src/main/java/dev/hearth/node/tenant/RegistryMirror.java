package dev.hearth.node.tenant;

import dev.hearth.storage.registry.Placement;
import dev.hearth.storage.registry.RegistryJson;
import dev.hearth.storage.registry.TenantRecord;
import dev.hearth.storage.registry.ZoneState;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * This node's in-memory copy of the tenant registry, fed by the registry cache's change stream. Every request
 * asks it for its tenant's {@link Route}: two map reads, no cluster round trip.
 */
public final class RegistryMirror {
    private static final Logger LOG = LogManager.getLogger(RegistryMirror.class);

    private final ConcurrentHashMap<String, TenantRecord> tenants = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ZoneState> zones = new ConcurrentHashMap<>();
    private volatile Placement placement;

    public RegistryMirror(Placement initial) {
        this.placement = initial;
    }

    /** Applies one registry entry; {@code json} null means the key was removed. Bad values are logged and skipped. */
    public void apply(String key, String json) {
        try {
            if (key.startsWith(RegistryJson.TENANT_PREFIX)) {
                String name = key.substring(RegistryJson.TENANT_PREFIX.length());
                if (json == null) {
                    tenants.remove(name);
                } else {
                    tenants.put(name, RegistryJson.read(json, TenantRecord.class));
                }
            } else if (key.startsWith(RegistryJson.ZONE_PREFIX)) {
                String name = key.substring(RegistryJson.ZONE_PREFIX.length());
                if (json == null) {
                    zones.remove(name);
                } else {
                    zones.put(name, RegistryJson.read(json, ZoneState.class));
                }
            } else if (key.equals(RegistryJson.PLACEMENT) && json != null) {
                placement = RegistryJson.read(json, Placement.class);
            }
        } catch (IllegalArgumentException e) {
            LOG.warn("Ignoring registry entry {}: {}", key, e.getMessage());
        }
    }

    /** Like {@link #apply} but never replaces what the change stream already delivered (it is newer). */
    public void applyInitial(String key, String json) {
        boolean known = key.startsWith(RegistryJson.TENANT_PREFIX)
                ? tenants.containsKey(key.substring(RegistryJson.TENANT_PREFIX.length()))
                : key.startsWith(RegistryJson.ZONE_PREFIX)
                        && zones.containsKey(key.substring(RegistryJson.ZONE_PREFIX.length()));
        if (!known) {
            apply(key, json);
        }
    }

    public Route route(String tenant) {
        TenantRecord r = tenants.get(tenant);
        if (r != null) {
            return new Route(r.zone(), r.movingFrom(), r.inMaintenance());
        }
        String zone = placement.zoneOf(tenant);
        ZoneState z = zones.get(zone);
        return new Route(zone, null, z != null && z.maintenance());
    }

    public TenantRecord tenant(String tenant) {
        return tenants.get(tenant);
    }

    public List<TenantRecord> tenants() {
        return new TreeMap<>(tenants).values().stream().toList();
    }

    public ZoneState zone(String zone) {
        return zones.get(zone);
    }

    public Map<String, ZoneState> zones() {
        return new TreeMap<>(zones);
    }

    public Placement placement() {
        return placement;
    }

    /** Tenants whose effective state is maintenance, among those with a record (others depend on the zone flag). */
    public long recordsInMaintenance() {
        return tenants.values().stream().filter(TenantRecord::inMaintenance).count();
    }
}
