package dev.hearth.client.internal;

/**
 * One decoded envelope: the client's twin of the node's {@code Item}.
 *
 * @param value the value bytes (not copied; do not modify)
 * @param flags memcached's opaque client flags
 * @param version the CAS version, never 0 for a written item
 * @param expireAt unix ms, 0 = never
 * @param stale the envelope's stale bit (set by the meta protocol's invalidation)
 */
public record StoredItem(byte[] value, int flags, long version, long expireAt, boolean stale) {
    public boolean isExpired(long nowMillis) {
        return expireAt != 0 && expireAt <= nowMillis;
    }

    public StoredItem withValue(byte[] newValue, long newVersion) {
        return new StoredItem(newValue, flags, newVersion, expireAt, stale);
    }

    public StoredItem withExpireAt(long newExpireAt) {
        return new StoredItem(value, flags, version, newExpireAt, stale);
    }
}
