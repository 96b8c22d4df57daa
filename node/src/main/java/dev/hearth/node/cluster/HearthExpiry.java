package dev.hearth.node.cluster;

import java.io.Serializable;
import java.util.concurrent.TimeUnit;
import javax.cache.expiry.Duration;
import javax.cache.expiry.ExpiryPolicy;

/**
 * The expiry one write gives its entry. Ignite asks the policy at creation and update; reads never change TTL.
 * A null duration means "leave the entry's TTL as it is" (append, incr).
 */
final class HearthExpiry implements ExpiryPolicy, Serializable {
    private static final long serialVersionUID = 1L;
    static final HearthExpiry ETERNAL = new HearthExpiry(Duration.ETERNAL, Duration.ETERNAL);
    static final HearthExpiry KEEP = new HearthExpiry(Duration.ETERNAL, null);

    private final Duration creation;
    private final Duration update;

    private HearthExpiry(Duration creation, Duration update) {
        this.creation = creation;
        this.update = update;
    }

    /** @param expireAt unix ms, 0 for never, -1 to keep the current TTL */
    static HearthExpiry of(long expireAt, long nowMillis) {
        if (expireAt == 0) {
            return ETERNAL;
        }
        if (expireAt < 0) {
            return KEEP;
        }
        // Ignite treats a zero duration as "do not create"; one millisecond expires at once just the same.
        Duration d = new Duration(TimeUnit.MILLISECONDS, Math.max(1, expireAt - nowMillis));
        return new HearthExpiry(d, d);
    }

    /**
     * Different expiries for an entry the write creates and one it updates (a meta get or incr that vivifies a
     * missing key, or only touches an existing one).
     *
     * @param createAt unix ms for a created entry, 0 for never
     * @param updateAt unix ms for an updated entry, 0 for never, -1 to keep its TTL
     */
    static HearthExpiry of(long createAt, long updateAt, long nowMillis) {
        HearthExpiry update = of(updateAt, nowMillis);
        HearthExpiry create = of(createAt, nowMillis);
        if (create.creation.equals(update.creation)) {
            return update;
        }
        return new HearthExpiry(create.creation, update.update);
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
