package dev.hearth.node.tenant;

import dev.hearth.storage.registry.TenantRecord;
import dev.hearth.storage.registry.ZoneState;
import dev.hearth.wire.admin.FlushResult;
import dev.hearth.wire.admin.MoveJobStatus;
import dev.hearth.wire.admin.TenantDetail;
import dev.hearth.wire.admin.TenantList;
import dev.hearth.wire.admin.ZoneDetail;
import dev.hearth.wire.admin.ZoneList;
import java.util.Map;

/**
 * The zone and tenant actions (docs/design/tenants-and-integrity.md), which the admin port serves. Refusals are
 * exceptions the admin port maps to HTTP: IllegalArgumentException (bad input, 400), NoSuchElementException (no such
 * zone or tenant, 404), IllegalStateException (not now, 409). {@code by} names who asked (1-128 printable characters;
 * null for "admin"), recorded in the registry and the log.
 */
public interface TenantOperations {
    ZoneList zones();

    ZoneDetail zone(String zone);

    /** Sets the zone's maintenance flag, which tenants of the zone without a record of their own follow. */
    ZoneState zoneMaintenance(String zone, boolean on, String by);

    TenantList tenants();

    TenantDetail tenant(String tenant);

    /** Registers the tenant in the zone; refused while it moves or while it has keys in another zone. */
    TenantRecord assign(String tenant, String zone, String by);

    /** Starts a move on this node (answered 202); {@link #tenant} shows its progress. */
    MoveJobStatus move(String tenant, String zone, String by);

    /** Removes every entry of the tenant from its zone; refused while it moves. */
    FlushResult flush(String tenant, String by);

    TenantRecord tenantMaintenance(String tenant, boolean on, String by);

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
