package dev.hearth.client.spring;

import dev.hearth.client.HearthException;
import dev.hearth.client.TenantCache;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cache.support.AbstractValueAdaptingCache;

/**
 * A Spring {@link org.springframework.cache.Cache} over one Hearth tenant, named as the tenant. Keys are the Spring
 * keys' {@code toString()}. Made by {@link HearthCacheManager}.
 *
 * <p>Reads and writes fail open: a cluster that does not answer in time (or an open circuit) makes a lookup a miss and
 * a put a no-op, so the annotated method runs as if there were no cache, as {@code getOrLoad} does. Such failures are
 * counted in the client's stats and logged at DEBUG, and the client logs a WARN when its circuit opens. Evictions and
 * clears throw instead: a removal that did not happen leaves a stale value, which the application must hear about.
 */
public final class HearthCache extends AbstractValueAdaptingCache {
    private static final Logger LOG = LoggerFactory.getLogger(HearthCache.class);

    private final TenantCache<Object> tenant;
    private final Duration ttl;
    private final Duration flushTimeout;

    HearthCache(TenantCache<Object> tenant, Duration ttl, Duration flushTimeout, boolean allowNullValues) {
        super(allowNullValues);
        this.tenant = tenant;
        this.ttl = ttl;
        this.flushTimeout = flushTimeout;
    }

    @Override
    public String getName() {
        return tenant.tenant();
    }

    /** The tenant handle ({@link TenantCache}{@code <Object>}) this cache reads and writes. */
    @Override
    public TenantCache<Object> getNativeCache() {
        return tenant;
    }

    /** How long entries written through this cache live ({@link Duration#ZERO}: until evicted). */
    public Duration timeToLive() {
        return ttl;
    }

    static String key(Object key) {
        return String.valueOf(key);
    }

    @Override
    protected Object lookup(Object key) {
        try {
            return tenant.get(key(key));
        } catch (HearthException e) {
            LOG.debug("cache {}: lookup of {} failed, answered as a miss", getName(), key, e);
            return null;
        }
    }

    /**
     * {@link TenantCache#getOrLoad}: concurrent calls for one key in this JVM share one lookup and one loader call. A
     * loader's exception comes back as a {@link ValueRetrievalException}, as Spring requires.
     */
    @Override
    @SuppressWarnings("unchecked")
    public <T> T get(Object key, Callable<T> valueLoader) {
        Object stored = tenant.getOrLoad(key(key), k -> {
            Object loaded;
            try {
                loaded = valueLoader.call();
            } catch (Exception e) {
                throw new ValueRetrievalException(key, valueLoader, e);
            }
            // A null result is cached as NullValue where nulls are allowed; otherwise getOrLoad caches nothing.
            return isAllowNullValues() ? toStoreValue(loaded) : loaded;
        }, ttl);
        return (T) fromStoreValue(stored);
    }

    @Override
    public void put(Object key, Object value) {
        Object stored = toStoreValue(value);
        try {
            tenant.put(key(key), stored, ttl);
        } catch (HearthException e) {
            LOG.debug("cache {}: put of {} failed, not cached", getName(), key, e);
        }
    }

    @Override
    public ValueWrapper putIfAbsent(Object key, Object value) {
        Object stored = toStoreValue(value);
        try {
            if (tenant.putIfAbsent(key(key), stored, ttl)) {
                return null;
            }
        } catch (HearthException e) {
            LOG.debug("cache {}: putIfAbsent of {} failed, not cached", getName(), key, e);
            return null;
        }
        return toValueWrapper(lookup(key));
    }

    @Override
    public void evict(Object key) {
        tenant.delete(key(key));
    }

    @Override
    public boolean evictIfPresent(Object key) {
        return tenant.delete(key(key));
    }

    /** {@link TenantCache#flush()} of the tenant, with the manager's flush timeout as its deadline. */
    @Override
    public void clear() {
        tenant.withTimeout(flushTimeout).flush();
    }

    @Override
    public boolean invalidate() {
        return tenant.withTimeout(flushTimeout).flush() > 0;
    }

    @Override
    public String toString() {
        return "HearthCache[" + getName() + ", ttl=" + ttl + "]";
    }
}
