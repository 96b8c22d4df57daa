package dev.hearth.storage;

import java.io.Serializable;
import java.util.concurrent.TimeUnit;
import javax.cache.expiry.Duration;
import javax.cache.expiry.ExpiryPolicy;

/**
 * The TTL one write gives its entry in the cache, matching the envelope's {@code expireAt}; the node and hearth-client
 * both hand it to Ignite with the write. Ignite asks the policy at creation and update; reads never change TTL. A null
 * duration means "leave the entry's TTL as it is" (append, incr).
 *
 * <p>Ignite sends the policy to the primary by class name with each update, so every node of a cluster must have
 * the same class: renaming it is a change that needs a full restart, not a rolling one.
 */
public final class Expiry implements ExpiryPolicy, Serializable {
    private static final long serialVersionUID = 1L;
    public static final Expiry ETERNAL = new Expiry(Duration.ETERNAL, Duration.ETERNAL);
    public static final Expiry KEEP = new Expiry(Duration.ETERNAL, null);

    private final Duration creation;
    private final Duration update;

    private Expiry(Duration creation, Duration update) {
        this.creation = creation;
        this.update = update;
    }

    /** @param expireAt unix ms, 0 for never, -1 to keep the current TTL */
    public static Expiry of(long expireAt, long nowMillis) {
        if (expireAt == 0) {
            return ETERNAL;
        }
        if (expireAt < 0) {
            return KEEP;
        }
        // Ignite treats a zero duration as "do not create"; one millisecond expires at once just the same.
        Duration d = new Duration(TimeUnit.MILLISECONDS, Math.max(1, expireAt - nowMillis));
        return new Expiry(d, d);
    }

    /**
     * Different expiries for an entry the write creates and one it updates (a meta get or incr that vivifies a
     * missing key, or only touches an existing one).
     *
     * @param createAt unix ms for a created entry, 0 for never
     * @param updateAt unix ms for an updated entry, 0 for never, -1 to keep its TTL
     */
    public static Expiry of(long createAt, long updateAt, long nowMillis) {
        Expiry update = of(updateAt, nowMillis);
        Expiry create = of(createAt, nowMillis);
        if (create.creation.equals(update.creation)) {
            return update;
        }
        return new Expiry(create.creation, update.update);
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
