package dev.hearth.storage;

/**
 * One cached value as the cache service returns it.
 *
 * @param value the value's bytes; callers must not modify them
 * @param flags the client's opaque 32-bit flags (memcached "flags")
 * @param version the compare-and-set version; changes on every write, never 0
 * @param expireAt unix time in milliseconds when the item expires, 0 for never
 * @param stale set when the item was invalidated (meta protocol) and is served only until someone recaches it
 * @param tokenSent set once a meta get handed out the "win" token (W) to recache this item: later readers see Z
 *     instead of winning too, until the item is rewritten or invalidated again
 * @param fetched set once the item was read by a meta get (memcached's "fetched" bit, the meta {@code h} flag)
 */
public record Item(byte[] value, int flags, long version, long expireAt, boolean stale, boolean tokenSent,
        boolean fetched) {
    /** An item with no meta-protocol state beyond {@code stale}. */
    public Item(byte[] value, int flags, long version, long expireAt, boolean stale) {
        this(value, flags, version, expireAt, stale, false, false);
    }

    public boolean isExpired(long nowMillis) {
        return expireAt != 0 && expireAt <= nowMillis;
    }

    /**
     * The same item with another value and version, as an append or prepend writes it: flags, expiry and the stale
     * bit stay; a rewritten value ends any win token and fetched mark.
     */
    public Item withValue(byte[] newValue, long newVersion) {
        return new Item(newValue, flags, newVersion, expireAt, stale);
    }

    /** The same item with another expiry, as a touch writes it (its version and meta-protocol bits stay). */
    public Item withExpireAt(long newExpireAt) {
        return new Item(value, flags, version, newExpireAt, stale, tokenSent, fetched);
    }

    /** Remaining time to live in whole seconds, -1 for never (memcached's convention). */
    public long ttlSeconds(long nowMillis) {
        if (expireAt == 0) {
            return -1;
        }
        return Math.max(0, (expireAt - nowMillis + 999) / 1000);
    }
}
