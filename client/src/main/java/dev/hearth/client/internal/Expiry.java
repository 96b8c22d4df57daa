package dev.hearth.client.internal;

import java.io.Serializable;
import java.util.concurrent.TimeUnit;
import javax.cache.expiry.Duration;
import javax.cache.expiry.ExpiryPolicy;

/**
 * The TTL a write gives its entry in Ignite, matching the envelope's expireAt (the node's {@code HearthExpiry}).
 * Reads never change TTL; {@link #KEEP} leaves an existing entry's TTL as it is.
 */
final class Expiry implements ExpiryPolicy, Serializable {
    private static final long serialVersionUID = 1L;
    static final Expiry ETERNAL = new Expiry(Duration.ETERNAL, Duration.ETERNAL);
    static final Expiry KEEP = new Expiry(Duration.ETERNAL, null);

    private final Duration creation;
    private final Duration update;

    private Expiry(Duration creation, Duration update) {
        this.creation = creation;
        this.update = update;
    }

    /** @param expireAt unix ms, 0 = never */
    static Expiry of(long expireAt, long nowMillis) {
        if (expireAt == 0) {
            return ETERNAL;
        }
        Duration d = new Duration(TimeUnit.MILLISECONDS, Math.max(1, expireAt - nowMillis));
        return new Expiry(d, d);
    }

    @Override
    public Duration getExpiryForCreation() {
        return creation;
    }

    @Override
    public Duration getExpiryForAccess() {
        return null;
    }

    @Override
    public Duration getExpiryForUpdate() {
        return update;
    }
}
