package dev.hearth.wire.admin;

import java.util.List;

/**
 * A zone recovery: {@code POST /admin/zones/<zone>/recover}, {@code GET /admin/recover/<id>}. The zone goes into
 * maintenance, each tenant is verified twice, repaired where damaged and brought back one by one.
 *
 * @param kind always "recover"
 * @param phase what the recovery does now, in words
 * @param passes verify rounds so far
 * @param damagedTenants tenants in which a pass found damage
 * @param notRecovered tenants still in maintenance when the job completed (empty while it runs)
 * @param tenants per tenant, smallest first
 */
public record RecoverJobStatus(String id, String state, long startedAt, Long finishedAt, long elapsedMillis, String error,
        String kind, String zone, String by, long rate, String phase, int passes, JobProgress progress,
        int tenantsTotal, int tenantsActive, List<String> damagedTenants, List<String> notRecovered,
        List<RecoveryTenant> tenants) {
}
