package dev.hearth.node.cache;

import dev.hearth.storage.Item;
import dev.hearth.storage.Mutation;
import dev.hearth.storage.TenantKey;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The one cache every endpoint (memcached, admin, later ones) adapts. All methods are non-blocking: they return at
 * once and complete their future on a cluster thread, so they are safe to call from a Netty event loop; callers
 * must not block inside the continuations either. A future fails only on an infrastructure error (e.g. the cluster
 * lost the key's partition) or with {@link TenantUnavailableException} when the key's tenant is in maintenance and
 * {@code tenants.maintenanceMode} is reject; "not found" and the like are answers, not failures. In miss mode a
 * tenant in maintenance gets the answers of an absent key and nothing is stored.
 *
 * <p>Times are unix milliseconds; an {@code expireAt} of 0 means never, and one in the past means "already
 * expired" (the write removes the key instead).
 */
public interface CacheService {
    /** The item, or null on a miss. A damaged entry is counted, removed and reported as a miss. */
    CompletableFuture<Item> get(TenantKey key);

    /** The items found, keyed as asked; misses are absent from the map. */
    CompletableFuture<Map<TenantKey, Item>> getMulti(List<TenantKey> keys);

    /** Unconditionally stores the value; completes with the new item (its version is the CAS value). */
    CompletableFuture<Item> set(TenantKey key, byte[] value, int flags, long expireAt);

    /**
     * Applies a conditional write (add, replace, cas, append, prepend, incr, decr, touch, delete) atomically on the
     * key's primary copy, and on its backups before completing.
     */
    CompletableFuture<Mutation.Outcome> mutate(TenantKey key, Mutation mutation);

    /** The item with its expiry reset to {@code expireAt} (memcached gat), or null on a miss. */
    CompletableFuture<Item> getAndTouch(TenantKey key, long expireAt);

    /** Removes every entry of every zone. */
    CompletableFuture<Void> flushAll();

    /** Counters of what this node's endpoints asked and what they got. */
    OperationStats stats();
}
