package dev.hearth.client;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * The non-blocking view of a {@link TenantCache}: the same operations with the same contracts, each returning a
 * {@link CompletableFuture} instead of blocking. Every future completes within the operation's deadline plus a
 * small margin (except {@link #getOrLoad}'s, which also waits for the loader). A failure completes the future
 * exceptionally with the exception the blocking method would throw (a {@link HearthException}, or the loader's
 * exception). Argument errors ({@link IllegalArgumentException}, {@link NullPointerException}) are thrown by the call
 * itself.
 *
 * <p>Futures complete on the client's callback threads, never on Ignite's network threads, so dependent stages may
 * block briefly; long work belongs on an executor of the caller's.
 *
 * @param <V> the value type
 */
public interface AsyncTenantCache<V> {
    String tenant();

    Duration timeout();

    /** @see TenantCache#withTimeout */
    AsyncTenantCache<V> withTimeout(Duration timeout);

    /** @return the blocking view */
    TenantCache<V> sync();

    /** @see TenantCache#get */
    CompletableFuture<V> get(String key);

    /** @see TenantCache#getAll */
    CompletableFuture<Map<String, V>> getAll(Collection<String> keys);

    /** @see TenantCache#put(String, Object) */
    CompletableFuture<Void> put(String key, V value);

    /** @see TenantCache#put(String, Object, Duration) */
    CompletableFuture<Void> put(String key, V value, Duration ttl);

    /** @see TenantCache#putAll */
    CompletableFuture<Void> putAll(Map<String, ? extends V> entries, Duration ttl);

    /** @see TenantCache#putIfAbsent */
    CompletableFuture<Boolean> putIfAbsent(String key, V value, Duration ttl);

    /** @see TenantCache#replace */
    CompletableFuture<Boolean> replace(String key, V value, Duration ttl);

    /** @see TenantCache#gets */
    CompletableFuture<Versioned<V>> gets(String key);

    /** @see TenantCache#cas */
    CompletableFuture<CasResult> cas(String key, V value, long version, Duration ttl);

    /** @see TenantCache#delete(String) */
    CompletableFuture<Boolean> delete(String key);

    /** @see TenantCache#deleteAll */
    CompletableFuture<Integer> deleteAll(Collection<String> keys);

    /** @see TenantCache#flush */
    CompletableFuture<Long> flush();

    /** @see TenantCache#keys */
    CompletableFuture<java.util.List<String>> keys(int max);

    /** @see TenantCache#delete(String, long) */
    CompletableFuture<CasResult> delete(String key, long version);

    /** @see TenantCache#incr */
    CompletableFuture<OptionalLong> incr(String key, long delta);

    /** @see TenantCache#decr */
    CompletableFuture<OptionalLong> decr(String key, long delta);

    /** @see TenantCache#append */
    CompletableFuture<Boolean> append(String key, V suffix);

    /** @see TenantCache#prepend */
    CompletableFuture<Boolean> prepend(String key, V prefix);

    /** @see TenantCache#touch */
    CompletableFuture<Boolean> touch(String key, Duration ttl);

    /**
     * @see TenantCache#getOrLoad
     * @return completes with the value, or exceptionally with the loader's exception (unchecked as is, checked
     *     wrapped in {@link LoadException})
     */
    CompletableFuture<V> getOrLoad(String key, CacheLoader<? extends V> loader, Duration ttl);
}
