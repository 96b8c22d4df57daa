package dev.hearth.node.cache;

/**
 * The tenant is in maintenance and {@code tenants.maintenanceMode} is reject: the endpoints turn this into their
 * protocol's temporary failure (memcached {@code SERVER_ERROR tenant in maintenance}, binary status 0x0085).
 */
public final class TenantUnavailableException extends RuntimeException {
    public static final String MESSAGE = "tenant in maintenance";
    private static final long serialVersionUID = 1L;

    public TenantUnavailableException(String tenant) {
        // No stack trace: this is an answer, not a bug, and may be thrown for every request of a busy tenant.
        super(MESSAGE + ": " + tenant, null, false, false);
    }
}
