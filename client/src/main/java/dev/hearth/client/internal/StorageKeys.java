package dev.hearth.client.internal;

import java.nio.charset.StandardCharsets;

/**
 * Where the client finds keys: the Ignite cache {@code hearth-zone-<zone>}, the probe key, and the tombstone a tenant
 * move leaves. The keys themselves are {@link dev.hearth.storage.TenantKey}'s.
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

    private StorageKeys() {
    }

    static boolean isTombstone(byte[] stored) {
        return stored != null && java.util.Arrays.equals(stored, MOVE_TOMBSTONE);
    }

    public static String cacheName(String zone) {
        return CACHE_PREFIX + zone;
    }

}
