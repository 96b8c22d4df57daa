package dev.hearth.storage;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * A key inside one tenant's namespace. Two tenants never share a key: the stored key is {@code tenant:key}, and a
 * tenant name cannot contain {@code ':'}, so the first colon always splits the two unambiguously.
 */
public final class TenantKey {
    /** The tenant keys belong to when nothing else names one. */
    public static final String DEFAULT_TENANT = "default";
    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final String tenant;
    private final byte[] key;

    private TenantKey(String tenant, byte[] key) {
        this.tenant = tenant;
        this.key = key;
    }

    /**
     * @throws IllegalArgumentException if the tenant name is not 1-64 letters, digits, '.', '_' or '-' (starting
     *     with a letter or digit), or the key is empty
     */
    public static TenantKey of(String tenant, byte[] key) {
        if (!isValidTenant(tenant)) {
            throw new IllegalArgumentException("invalid tenant name '" + tenant + "'");
        }
        if (key == null || key.length == 0) {
            throw new IllegalArgumentException("empty key");
        }
        return new TenantKey(tenant, key);
    }

    public static TenantKey of(String tenant, String key) {
        return of(tenant, keyBytes(key));
    }

    /**
     * A text key's bytes: UTF-8.
     *
     * @throws IllegalArgumentException if the key is null or empty
     */
    public static byte[] keyBytes(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("empty key");
        }
        return key.getBytes(StandardCharsets.UTF_8);
    }

    public static boolean isValidTenant(String tenant) {
        return tenant != null && TENANT.matcher(tenant).matches();
    }

    /** Reverses {@link #storageKey()}. */
    public static TenantKey fromStorageKey(String storageKey) {
        int colon = storageKey.indexOf(':');
        if (colon <= 0 || colon == storageKey.length() - 1) {
            throw new IllegalArgumentException("not a Hearth storage key: " + storageKey);
        }
        return of(storageKey.substring(0, colon),
                storageKey.substring(colon + 1).getBytes(StandardCharsets.ISO_8859_1));
    }

    public String tenant() {
        return tenant;
    }

    /** The key's bytes within the tenant. Do not modify. */
    public byte[] key() {
        return key;
    }

    /**
     * The key as stored in Ignite: {@code tenant + ':' + key}, the key's bytes mapped one-to-one onto chars
     * (ISO-8859-1) so that any binary key survives the round trip.
     */
    public String storageKey() {
        return storageKey(tenant, key);
    }

    /** What every storage key of {@code tenant} (a name already checked) starts with, and no other tenant's does. */
    public static String prefix(String tenant) {
        return tenant + ':';
    }

    /** {@link #storageKey()} of a tenant and key already checked. */
    public static String storageKey(String tenant, byte[] key) {
        return prefix(tenant) + new String(key, StandardCharsets.ISO_8859_1);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TenantKey other && tenant.equals(other.tenant) && Arrays.equals(key, other.key);
    }

    @Override
    public int hashCode() {
        return 31 * tenant.hashCode() + Arrays.hashCode(key);
    }

    @Override
    public String toString() {
        return tenant + ':' + new String(key, StandardCharsets.UTF_8);
    }
}
