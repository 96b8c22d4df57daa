package dev.hearth.wire.admin;

import dev.hearth.storage.registry.TenantRecord;

/**
 * {@code GET /admin/tenants/<tenant>}: the fields of {@link TenantSummary}, and the move this node runs or ran last
 * for the tenant (null when none).
 */
public record TenantDetail(String tenant, boolean registered, String zone, String state, String movingFrom,
        TenantRecord record, long ops, long hits, long misses, MoveJobStatus move) {
}
