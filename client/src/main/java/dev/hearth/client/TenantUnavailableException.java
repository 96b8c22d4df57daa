package dev.hearth.client;

/**
 * The tenant is unavailable: marked so in this client ({@link HearthClient#markUnavailable}, the builder's
 * {@link TenantAvailability}), or in maintenance in the tenant registry while the cluster's maintenance mode is
 * {@code reject}. The operation was not attempted. {@code getOrLoad} does not throw this; it bypasses the cache
 * instead.
 */
public class TenantUnavailableException extends HearthException {
    private static final long serialVersionUID = 1L;

    public TenantUnavailableException(String message) {
        super(message);
    }
}
