package dev.hearth.client;

/**
 * The tenant is marked unavailable (maintenance; see {@link HearthClient#markUnavailable}): the operation was not
 * attempted. {@code getOrLoad} does not throw this; it bypasses the cache instead.
 */
public class TenantUnavailableException extends HearthException {
    private static final long serialVersionUID = 1L;

    public TenantUnavailableException(String message) {
        super(message);
    }
}
