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
    /**
     * What a delete during a tenant move leaves in the old zone (the node's {@code MoveEntries.TOMBSTONE}): a copy
     * in flight sees it and is taken back, so a deleted key stays deleted. Not an envelope: it reads as absent and
     * must never be removed as damaged.
     */
    static final byte[] MOVE_TOMBSTONE = "hearth:deleted-during-move".getBytes(StandardCharsets.US_ASCII);
    /** Tombstones outlive any move; the move removes them when it ends (the node uses the same bound). */
    static final long MOVE_TOMBSTONE_TTL_MS = java.util.concurrent.TimeUnit.HOURS.toMillis(24);
    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private StorageKeys() {
    }

    static boolean isTombstone(byte[] stored) {
        return stored != null && java.util.Arrays.equals(stored, MOVE_TOMBSTONE);
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
