package dev.hearth.node.tenant;

/** Where a tenant's keys live. */
public interface TenantDirectory {
    /** The zone holding {@code tenant}'s keys; never null, always a configured zone. */
    String zoneOf(String tenant);

    /** Every tenant in the default zone (tests and tools without a cluster; nodes use {@link TenantRegistry}). */
    static TenantDirectory allInDefaultZone() {
        return tenant -> "default";
    }
}
