package dev.hearth.client.internal;

import dev.hearth.client.AsyncTenantCache;
import dev.hearth.client.CacheLoader;
import dev.hearth.client.CasResult;
import dev.hearth.client.TenantCache;
import dev.hearth.client.Ticker;
import dev.hearth.client.Versioned;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * The blocking view: each call runs the async view's operation in {@link ExecutionMode#CALLER_WAITS} and waits for
 * it, never longer than the deadline plus a small margin. Results complete on the thread that received the answer
 * (Ignite's network thread), which wakes the caller directly; values are decoded here, on the caller's thread.
 */
final class SyncTenantCacheImpl<V> implements TenantCache<V> {
    /**
     * The operations in {@link ExecutionMode#CALLER_WAITS}: no deadline timers (the wait here is bounded instead), no
     * callback hop.
     */
    private final AsyncTenantCacheImpl<V> async;
    private final AsyncTenantCacheImpl<V> view;
    /** The client's time source: a wait's start and end are read from it. */
    private final Ticker ticker;

    SyncTenantCacheImpl(AsyncTenantCacheImpl<V> blocking, AsyncTenantCacheImpl<V> view, Ticker ticker) {
        this.async = blocking;
        this.view = view;
        this.ticker = ticker;
    }

    /** Call as {@code await(ticker.read(), async.op(...))}: the start is read before the operation runs. */
    private <T> T await(long startNanos, CompletableFuture<T> f) {
        return ClientCore.await(ticker, startNanos, f, async.timeout());
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

    /** Waits for the network part, then decodes on this thread (the codec is user code: not on Ignite's thread). */
    private <R, T> T finish(long startNanos, AsyncTenantCacheImpl.Read<R, T> read) {
        return read.finish().apply(await(startNanos, read.io()));
    }

    @Override
    public V get(String key) {
        return finish(ticker.read(), async.read(key));
    }

    @Override
    public Map<String, V> getAll(Collection<String> keys) {
        return finish(ticker.read(), async.readAll(keys));
    }

    @Override
    public void put(String key, V value) {
        await(ticker.read(), async.put(key, value));
    }

    @Override
    public void put(String key, V value, Duration ttl) {
        await(ticker.read(), async.put(key, value, ttl));
    }

    @Override
    public boolean putIfAbsent(String key, V value, Duration ttl) {
        return await(ticker.read(), async.putIfAbsent(key, value, ttl));
    }

    @Override
    public boolean replace(String key, V value, Duration ttl) {
        return await(ticker.read(), async.replace(key, value, ttl));
    }

    @Override
    public Versioned<V> gets(String key) {
        return finish(ticker.read(), async.readVersioned(key));
    }

    @Override
    public CasResult cas(String key, V value, long version, Duration ttl) {
        return await(ticker.read(), async.cas(key, value, version, ttl));
    }

    @Override
    public boolean delete(String key) {
        return await(ticker.read(), async.delete(key));
    }

    @Override
    public CasResult delete(String key, long version) {
        return await(ticker.read(), async.delete(key, version));
    }

    @Override
    public OptionalLong incr(String key, long delta) {
        return await(ticker.read(), async.incr(key, delta));
    }

    @Override
    public OptionalLong decr(String key, long delta) {
        return await(ticker.read(), async.decr(key, delta));
    }

    @Override
    public boolean append(String key, V suffix) {
        return await(ticker.read(), async.append(key, suffix));
    }

    @Override
    public boolean prepend(String key, V prefix) {
        return await(ticker.read(), async.prepend(key, prefix));
    }

    @Override
    public boolean touch(String key, Duration ttl) {
        return await(ticker.read(), async.touch(key, ttl));
    }

    @Override
    public V getOrLoad(String key, CacheLoader<? extends V> loader, Duration ttl) {
        return ClientCore.awaitUnbounded(async.getOrLoad(key, loader, ttl));
    }
}
