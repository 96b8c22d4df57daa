package dev.hearth.wire.admin;

import java.util.List;

/**
 * The test hook's answer ({@code POST /admin/test/damage}, only with {@code testing.damageEndpoint: true}): which
 * local copies it damaged on the node that received the request.
 *
 * @param kind "flip", "drop" or "change"
 * @param requested how many copies were asked for
 * @param damaged how many were damaged (fewer when the node holds fewer)
 */
public record DamageReport(String node, String zone, String kind, long requested, int damaged,
        List<DamagedCopy> copies) {
    /** @param copy "primary" or "backup" */
    public record DamagedCopy(String key, String kind, String copy) {
    }
}
