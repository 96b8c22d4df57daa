package dev.hearth.client.internal;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Keys as the node stores them: {@code tenant + ':' + key bytes as ISO-8859-1 chars} (the node's
 * {@code TenantKey.storageKey()}), in the Ignite cache {@code hearth-zone-<zone>}.
 */
public final class StorageKeys {
    public static final String CACHE_PREFIX = "hearth-zone-";
    /** Starts with ':' so that it can never be a tenant's key (tenant names are not empty). */
    public static final String PROBE_KEY = ":hearth-client-probe";
    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private StorageKeys() {
    }

    public static boolean isValidTenant(String tenant) {
        return tenant != null && TENANT.matcher(tenant).matches();
    }

    public static String cacheName(String zone) {
        return CACHE_PREFIX + zone;
    }

    /** The key's bytes: UTF-8, as the node's {@code TenantKey.of(tenant, String)}. */
    public static byte[] keyBytes(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("empty key");
        }
        return key.getBytes(StandardCharsets.UTF_8);
    }

    public static String storageKey(String tenant, byte[] keyBytes) {
        return tenant + ':' + new String(keyBytes, StandardCharsets.ISO_8859_1);
    }
}
