package dev.hearth.node.memcached;

/** memcached's expiry times as the cache service's absolute {@code expireAt} milliseconds. */
final class Expiry {
    /** Larger values are absolute unix times, as in memcached. */
    static final long MAX_RELATIVE_SECONDS = 60L * 60 * 24 * 30;
    /** An {@code expireAt} in the past: "already expired". */
    static final long EXPIRED = 1;

    private Expiry() {
    }

    /**
     * @param exptime seconds: 0 never, up to 30 days relative, larger an absolute unix time, negative already
     *     expired
     */
    static long toExpireAt(long exptime, long nowMillis) {
        if (exptime == 0) {
            return 0;
        }
        if (exptime < 0) {
            return EXPIRED;
        }
        if (exptime > MAX_RELATIVE_SECONDS) {
            long at = exptime * 1000;
            return at <= nowMillis ? EXPIRED : at;
        }
        return nowMillis + exptime * 1000;
    }

    /** Binary protocol expiries are unsigned 32-bit. */
    static long fromUnsigned(int exptime, long nowMillis) {
        return toExpireAt(Integer.toUnsignedLong(exptime), nowMillis);
    }
}
