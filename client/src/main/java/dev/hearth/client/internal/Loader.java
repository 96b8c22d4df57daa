package dev.hearth.client.internal;

import dev.hearth.client.CacheLoader;
import dev.hearth.client.LoadException;
import dev.hearth.client.Operation;
import dev.hearth.client.internal.Registry.Route;
import dev.hearth.storage.Expiry;
import dev.hearth.storage.Item;
import dev.hearth.storage.TenantKey;
import dev.hearth.storage.VersionClock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;

/**
 * {@code getOrLoad} for one tenant handle: the read-through with the application's loader. Concurrent calls for a key
 * share one load ({@link Coalescer}); loads run on the client's bounded load pool; a value older than the call's TTL
 * is served at once while one background load refreshes it (stale-while-revalidate), or served when the loader fails
 * (stale-if-error); a failed read of the cache is a miss, never an error, so the loader still answers. In
 * maintenance the cache is neither read nor written, and loads are still coalesced and bounded.
 */
final class Loader<V> {
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final AsyncTenantCacheImpl<V> cache;
    private final ClientCore core;
    private final String tenant;
    private final Duration timeout;

    Loader(AsyncTenantCacheImpl<V> cache, ClientCore core, String tenant, Duration timeout) {
        this.cache = cache;
        this.core = core;
        this.tenant = tenant;
        this.timeout = timeout;
    }

    /** See {@link dev.hearth.client.AsyncTenantCache#getOrLoad}. */
    CompletableFuture<V> getOrLoad(String key, CacheLoader<? extends V> loader, Duration ttl) {
        byte[] kb = TenantKey.keyBytes(key);
        String sk = cache.sk(kb);
        Objects.requireNonNull(loader, "loader");
        AsyncTenantCacheImpl.checkTtl(ttl);
        Route r = cache.route();
        if (r.maintenance() || !core.isUserAvailable(tenant)) {
            // Maintenance: the cache is neither read nor written; loads are still coalesced and bounded.
            core.stats.bypassed.increment();
            return core.coalescer.execute("\u0000bypass\u0000" + sk, result -> {
                return load(key, loader).handle((v, e) -> {
                    completeFrom(result, v, e);
                    return null;
                });
            });
        }
        Item cached = cache.nearGet(sk);
        if (cached != null && isFresh(cached, ttl, cache.now())) {
            core.lookedUp(tenant, true);
            return CompletableFuture.supplyAsync(() -> cache.decode(kb, cached), Runnable::run);
        }
        return core.coalescer.execute(sk, result -> lead(r, key, kb, sk, loader, ttl, result));
    }

    private CompletionStage<?> lead(Route r, String key, byte[] kb, String sk, CacheLoader<? extends V> loader,
            Duration ttl, CompletableFuture<V> result) {
        // A failed read (deadline, open circuit, unreachable cluster) is a miss: the loader answers.
        CompletableFuture<Item> lookup = core.run(r, timeout, ExecutionMode.ASYNC, ctx -> cache.readItem(ctx, r, sk, kb))
                .exceptionally(e -> null);
        return lookup.thenCompose(item -> {
            long now = cache.now();
            long ttlMs = ttl.toMillis();
            if (item != null) {
                if (isFresh(item, ttl, now)) {
                    return completeWithDecoded(result, kb, item);
                }
                long age = now - VersionClock.millisOf(item.version());
                if (core.settings.staleWhileRevalidate().toMillis() > 0
                        && age < ttlMs + core.settings.staleWhileRevalidate().toMillis()) {
                    completeWithDecoded(result, kb, item);
                    core.refreshes.execute(sk, refreshed -> {
                        return load(key, loader).thenCompose(v -> v == null ? DONE : write(r, sk, kb, v, ttl))
                                .handle((x, e) -> refreshed.complete(null));
                    });
                    return DONE;
                }
            }
            Item stale = item != null && core.settings.staleIfError().toMillis() > 0
                    && now - VersionClock.millisOf(item.version()) < ttlMs + core.settings.staleIfError().toMillis()
                    ? item : null;
            return load(key, loader).handle((v, e) -> {
                if (e == null) {
                    result.complete(v);
                    return v == null ? DONE : write(r, sk, kb, v, ttl);
                }
                if (stale != null) {
                    return completeWithDecoded(result, kb, stale);
                }
                result.completeExceptionally(Failures.unwrap(e));
                return DONE;
            }).thenCompose(x -> x);
        });
    }

    private CompletableFuture<Void> completeWithDecoded(CompletableFuture<V> result, byte[] kb, Item item) {
        try {
            result.complete(cache.decode(kb, item));
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
        }
        return DONE;
    }

    private static <T> void completeFrom(CompletableFuture<T> f, T v, Throwable e) {
        if (e == null) {
            f.complete(v);
        } else {
            f.completeExceptionally(Failures.unwrap(e));
        }
    }

    /** Fresh = younger than the call's TTL; without stale windows every live value is fresh. */
    private boolean isFresh(Item item, Duration ttl, long now) {
        if (core.staleWindowMillis == 0 || ttl.isZero()) {
            return true;
        }
        return now - VersionClock.millisOf(item.version()) < ttl.toMillis();
    }

    /** Caches a loaded value (for ttl plus the stale window); failures are counted, not reported. */
    private CompletableFuture<Void> write(Route r, String sk, byte[] kb, V value, Duration ttl) {
        byte[] bytes;
        try {
            bytes = cache.encodeValue(value);
        } catch (RuntimeException e) {
            core.stats.errors.increment();
            return DONE;
        }
        long now = cache.now();
        long exp = ttl.isZero() ? 0 : now + ttl.toMillis() + core.staleWindowMillis;
        Item item = cache.fresh(bytes, exp);
        byte[] env = cache.envelope(kb, item);
        Expiry expiry = Expiry.of(exp, now);
        cache.nearInvalidate(sk);
        return core.runWrite(r, timeout, ExecutionMode.ASYNC, ctx -> core.putRaw(ctx, r.zone(), sk, env, expiry))
                .handle((x, e) -> {
                    if (e == null && core.near != null) {
                        core.near.put(sk, item);
                    }
                    return null;
                });
    }

    private CompletableFuture<V> load(String key, CacheLoader<? extends V> loader) {
        return core.observers.observe(Operation.LOAD, tenant, () -> submit(key, loader));
    }

    private CompletableFuture<V> submit(String key, CacheLoader<? extends V> loader) {
        try {
            return core.submitLoad(() -> {
                try {
                    V v = loader.load(key);
                    core.stats.loads.increment();
                    return v;
                } catch (RuntimeException | Error e) {
                    core.stats.loadFailures.increment();
                    throw e;
                } catch (Exception e) {
                    core.stats.loadFailures.increment();
                    throw new LoadException("loader failed for key '" + key + "' of tenant " + tenant, e);
                }
            });
        } catch (RejectedExecutionException e) {
            core.stats.loadFailures.increment();
            return CompletableFuture.failedFuture(new LoadException("too many loads queued (max "
                    + core.settings.maxQueuedLoads() + ")", e));
        }
    }
}
