package dev.hearth.wire.admin;

import java.util.List;

/**
 * A verify (and optionally repair) job: {@code POST /admin/verify}, {@code GET /admin/verify/<id>}.
 *
 * @param kind always "verify"
 * @param rate entries per second at most, 0 for unlimited
 * @param clean whether nothing damaged was found so far
 * @param tenants per tenant and zone, sorted by zone then tenant
 */
public record VerifyJobStatus(String id, String state, long startedAt, Long finishedAt, long elapsedMillis, String error,
        String kind, List<String> zones, String tenant, boolean repair, long rate, JobProgress progress,
        IntegrityCounts totals, boolean clean, List<IntegrityCounts> tenants) {
}
