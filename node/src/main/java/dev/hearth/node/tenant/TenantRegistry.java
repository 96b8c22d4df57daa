package dev.hearth.node.tenant;

import dev.hearth.storage.registry.Placement;
import dev.hearth.storage.registry.TenantRecord;
import dev.hearth.storage.registry.ZoneState;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The cluster-wide tenant registry: which zone holds each tenant, maintenance flags, moves in progress. Reads come
 * from this node's mirror; writes go to the replicated registry and reach every node's mirror shortly after.
 * Methods throw {@link IllegalArgumentException} for bad input, {@link java.util.NoSuchElementException} for an
 * unknown zone and {@link IllegalStateException} for a conflicting request.
 */
public interface TenantRegistry extends TenantDirectory {
    /** Where a request for {@code tenant} goes now (a map read). */
    Route route(String tenant);

    @Override
    default String zoneOf(String tenant) {
        return route(tenant).zone();
    }

    Optional<TenantRecord> get(String tenant);

    List<TenantRecord> list();

    Map<String, ZoneState> zoneStates();

    Placement placement();

    /** The configured zones, sorted. */
    List<String> zones();

    /** Records {@code tenant} in {@code zone} (creating the record). The caller checks the tenant has no keys elsewhere. */
    TenantRecord assign(String tenant, String zone, String by);

    /** Sets a tenant's own state (creating its record in its current zone if it has none). */
    TenantRecord setMaintenance(String tenant, boolean on, String by);

    ZoneState setZoneMaintenance(String zone, boolean on, String by);

    /** Starts a move: zone = {@code to}, movingFrom = the current zone. Refused while another move runs. */
    TenantRecord startMove(String tenant, String to, String by);

    /** Ends a move: clears movingFrom. */
    TenantRecord finishMove(String tenant, String by);

    /**
     * Returns once every server node's mirror shows {@code tenant}'s record as {@code expected} and every request
     * those nodes started before seeing it has finished, so nobody still routes by the old record.
     */
    void awaitEverywhere(TenantRecord expected);
}
