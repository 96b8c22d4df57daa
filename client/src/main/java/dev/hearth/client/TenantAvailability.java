package dev.hearth.client;

/**
 * The maintenance hook: tells the client whether a tenant's data may be used. While a tenant is unavailable,
 * {@link TenantCache#getOrLoad getOrLoad} calls the loader without reading or writing the cache, and every other
 * operation fails at once with {@link TenantUnavailableException}. Consulted on every operation, so it must be
 * cheap and thread-safe. It combines with the tenant registry's maintenance state (which the client reads itself):
 * a tenant is available only if both say so.
 */
@FunctionalInterface
public interface TenantAvailability {
    /** Everything is available. */
    TenantAvailability ALWAYS = tenant -> true;

    boolean isAvailable(String tenant);
}
