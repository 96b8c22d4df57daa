package dev.hearth.client.internal;

import dev.hearth.client.AsyncTenantCache;
import dev.hearth.client.CacheLoader;
import dev.hearth.client.CasResult;
import dev.hearth.client.TenantCache;
import dev.hearth.client.Versioned;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/** The blocking view: each call waits for the async one, never longer than the deadline plus a small margin. */
final class SyncTenantCacheImpl<V> implements TenantCache<V> {
    /** The blocking twin: same operations, no deadline timers (the wait here is bounded instead). */
    private final AsyncTenantCacheImpl<V> async;
    private final AsyncTenantCacheImpl<V> view;

    SyncTenantCacheImpl(AsyncTenantCacheImpl<V> blocking, AsyncTenantCacheImpl<V> view) {
        this.async = blocking;
        this.view = view;
    }

    private <T> T await(CompletableFuture<T> f) {
        return ClientCore.await(f, async.timeout());
    }

    @Override
    public String tenant() {
        return async.tenant();
    }

    @Override
    public Duration timeout() {
        return async.timeout();
    }

    @Override
    public TenantCache<V> withTimeout(Duration timeout) {
        return view.withTimeout(timeout).sync();
    }

    @Override
    public AsyncTenantCache<V> async() {
        return view;
    }

    @Override
    public V get(String key) {
        return await(async.get(key));
    }

    @Override
    public Map<String, V> getAll(Collection<String> keys) {
        return await(async.getAll(keys));
    }

    @Override
    public void put(String key, V value) {
        await(async.put(key, value));
    }

    @Override
    public void put(String key, V value, Duration ttl) {
        await(async.put(key, value, ttl));
    }

    @Override
    public boolean putIfAbsent(String key, V value, Duration ttl) {
        return await(async.putIfAbsent(key, value, ttl));
    }

    @Override
    public boolean replace(String key, V value, Duration ttl) {
        return await(async.replace(key, value, ttl));
    }

    @Override
    public Versioned<V> gets(String key) {
        return await(async.gets(key));
    }

    @Override
    public CasResult cas(String key, V value, long version, Duration ttl) {
        return await(async.cas(key, value, version, ttl));
    }

    @Override
    public boolean delete(String key) {
        return await(async.delete(key));
    }

    @Override
    public CasResult delete(String key, long version) {
        return await(async.delete(key, version));
    }

    @Override
    public OptionalLong incr(String key, long delta) {
        return await(async.incr(key, delta));
    }

    @Override
    public OptionalLong decr(String key, long delta) {
        return await(async.decr(key, delta));
    }

    @Override
    public boolean append(String key, V suffix) {
        return await(async.append(key, suffix));
    }

    @Override
    public boolean prepend(String key, V prefix) {
        return await(async.prepend(key, prefix));
    }

    @Override
    public boolean touch(String key, Duration ttl) {
        return await(async.touch(key, ttl));
    }

    @Override
    public V getOrLoad(String key, CacheLoader<? extends V> loader, Duration ttl) {
        return ClientCore.awaitLoad(async.getOrLoad(key, loader, ttl));
    }
}
