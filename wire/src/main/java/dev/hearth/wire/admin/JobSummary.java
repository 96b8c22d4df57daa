package dev.hearth.wire.admin;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One job in {@code GET /admin/verify}: a verify or a recover that this node runs or ran (the node keeps the last
 * ones; another node's jobs are on its own admin port).
 *
 * @param state "running", "complete", "cancelled" or "failed"
 * @param finishedAt epoch millis, null while running
 * @param kind "verify" or "recover"
 * @param zones the zones the job reads (a recover's one zone)
 * @param tenant a verify's one tenant, or null for every tenant (and for a recover)
 * @param repair whether a verify repairs; null for a recover (then not written)
 */
public record JobSummary(String id, String state, long startedAt, Long finishedAt, long elapsedMillis, String error,
        String kind, List<String> zones, String tenant, @JsonInclude(JsonInclude.Include.NON_NULL) Boolean repair) {
}
