package dev.hearth.wire.admin;

import dev.hearth.storage.registry.TenantRecord;

/**
 * One tenant in {@code GET /admin/tenants}: where it is routed now and this node's figures for it.
 *
 * @param registered whether the tenant has a registry record (else the placement routes it)
 * @param state "active" or "maintenance", after the zone's flag for a tenant without a record
 * @param movingFrom the zone a running move is leaving, else null
 * @param record its registry record, null when it has none
 * @param ops operations this node served for it since it started
 */
public record TenantSummary(String tenant, boolean registered, String zone, String state, String movingFrom,
        TenantRecord record, long ops, long hits, long misses) {
}
