package dev.hearth.wire.admin;

/**
 * Where one tenant of a recovering zone stands.
 *
 * @param entries the tenant's entries when the recovery started
 * @param state "maintenance" or "active"
 * @param damaged whether a pass found damage in it
 * @param activeAfterMillis how long after the job's start the tenant came back, null while in maintenance
 */
public record RecoveryTenant(String tenant, long entries, String state, boolean damaged, int passes,
        long damagedEntries, long copiesMissing, long copiesDiffer, long checksumFailures, long repaired, long removed,
        Long activeAfterMillis) {
}
