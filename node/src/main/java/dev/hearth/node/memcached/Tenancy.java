package dev.hearth.node.memcached;

import dev.hearth.storage.TenantKey;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * How this listener maps the keys clients send to tenants (memcached.tenantMode):
 * <ul>
 * <li>{@code prefix}: the part before the first ':' names the tenant ("store-42:user:1" is key "user:1" of tenant
 * store-42). A key without ':', or whose prefix is not a valid tenant name, belongs to memcached.tenant whole.
 * <li>{@code fixed}: every key belongs to memcached.tenant.
 * <li>{@code authenticated}: the SASL user is the tenant; the key is used whole (users and passwords:
 * {@link Credentials}).
 * </ul>
 * Clients always get back the key they sent: only the lookup goes through the tenant.
 */
final class Tenancy {
    enum Mode {
        PREFIX, FIXED, AUTHENTICATED
    }

    private final Mode mode;
    private final String defaultTenant;

    Tenancy(String mode, String defaultTenant) {
        this.mode = Mode.valueOf(mode.toUpperCase(Locale.ROOT));
        this.defaultTenant = defaultTenant;
    }

    Mode mode() {
        return mode;
    }

    boolean requiresAuth() {
        return mode == Mode.AUTHENTICATED;
    }

    /**
     * @param user the authenticated user (authenticated mode), else ignored
     * @return the key in its tenant's namespace
     */
    TenantKey resolve(byte[] key, String user) {
        switch (mode) {
            case FIXED:
                return TenantKey.of(defaultTenant, key);
            case AUTHENTICATED:
                if (user == null) {
                    throw new IllegalStateException("not authenticated");
                }
                return TenantKey.of(user, key);
            default:
                for (int i = 0; i < key.length && i <= 64; i++) {
                    if (key[i] == ':') {
                        if (i > 0 && i < key.length - 1) {
                            String tenant = new String(key, 0, i, StandardCharsets.ISO_8859_1);
                            if (TenantKey.isValidTenant(tenant)) {
                                byte[] rest = new byte[key.length - i - 1];
                                System.arraycopy(key, i + 1, rest, 0, rest.length);
                                return TenantKey.of(tenant, rest);
                            }
                        }
                        break;
                    }
                }
                return TenantKey.of(defaultTenant, key);
        }
    }
}
