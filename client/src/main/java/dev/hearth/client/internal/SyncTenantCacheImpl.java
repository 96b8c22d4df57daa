package dev.hearth.client.internal;

import dev.hearth.client.AsyncTenantCache;
import dev.hearth.client.CacheLoader;
import dev.hearth.client.CasResult;
import dev.hearth.client.HearthException;
import dev.hearth.client.HearthTimeoutException;
import dev.hearth.client.TenantCache;
import dev.hearth.client.Ticker;
import dev.hearth.client.Versioned;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The blocking view: each call runs the async view's operation in {@link ExecutionMode#CALLER_WAITS} and waits for
 * it, never longer than the deadline plus a small margin. Results complete on the thread that received the answer
 * (Ignite's network thread), which wakes the caller directly; values are decoded here, on the caller's thread.
 */
final class SyncTenantCacheImpl<V> implements TenantCache<V> {
    /**
     * Callers give up this long after the deadline: a little slack for an answer that is being delivered, small
     * against the contract's 20 ms (the wake-up itself can be late on a busy machine).
     */
    private static final long SYNC_MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
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

    /**
     * Blocks for an operation's result: never past {@code startNanos} plus the deadline plus a margin. Call as
     * {@code await(ticker.read(), async.op(...))}: the start is read before the operation runs, since sending may
     * already use part of the time.
     */
    private <T> T await(long startNanos, CompletableFuture<T> f) {
        if (f.isDone() && !f.isCompletedExceptionally()) {
            return f.getNow(null); // answered before the caller started waiting
        }
        if (f.isDone()) {
            // Already failed (open circuit, unavailable tenant): no ExecutionException, whose stack trace costs more
            // than the whole rejection.
            Throwable[] error = new Throwable[1];
            T value = f.handle((r, e) -> {
                error[0] = e;
                return r;
            }).getNow(null);
            if (error[0] != null) {
                throw Failures.rethrow(error[0]);
            }
            return value;
        }
        Duration timeout = async.timeout();
        if (f instanceof ClientCore.Waited<T> w) {
            awaitReadFailover(startNanos + timeout.toNanos() + SYNC_MARGIN_NANOS, w);
        }
        try {
            long wait = startNanos + timeout.toNanos() + SYNC_MARGIN_NANOS - ticker.read();
            return f.get(Math.max(0, wait), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            HearthTimeoutException late = new HearthTimeoutException("no answer within the deadline of "
                    + timeout.toMillis() + " ms");
            if (f.completeExceptionally(late)) {
                throw late;
            }
            return awaitUnbounded(f); // answered just now
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HearthException("interrupted", e);
        } catch (ExecutionException e) {
            throw Failures.rethrow(e.getCause());
        }
    }

    /**
     * Where the operation left its read failover to this thread ({@link ReadFailover}): waits until it is due (never
     * past {@code endNanos}) and fires it if there is still no answer. The outcome is left to the wait that follows.
     */
    private void awaitReadFailover(long endNanos, ClientCore.Waited<?> w) {
        long due = w.ctx.untilReadFailover();
        if (due < 0) {
            return;
        }
        long wait = endNanos - ticker.read();
        if (due >= wait) {
            return; // the deadline comes first
        }
        try {
            w.get(due, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            w.ctx.fireReadFailover();
        } catch (ExecutionException e) {
            // failed: the wait that follows reports it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the wait that follows reports it
        }
    }

    /** Blocks without a deadline: getOrLoad waits for its loader, and {@link #await} for an answer just arriving. */
    private static <T> T awaitUnbounded(CompletableFuture<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HearthException("interrupted", e);
        } catch (ExecutionException e) {
            throw Failures.rethrow(e.getCause());
        }
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
    public void putAll(Map<String, ? extends V> entries, Duration ttl) {
        await(ticker.read(), async.putAll(entries, ttl));
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
    public int deleteAll(Collection<String> keys) {
        return await(ticker.read(), async.deleteAll(keys));
    }

    @Override
    public long flush() {
        return await(ticker.read(), async.flush());
    }

    @Override
    public java.util.List<String> keys(int max) {
        return await(ticker.read(), async.keys(max));
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
        return awaitUnbounded(async.getOrLoad(key, loader, ttl));
    }
}
