package dev.hearth.client.jcache;

import dev.hearth.client.HearthClient;
import dev.hearth.storage.TenantKey;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.configuration.CompleteConfiguration;
import javax.cache.configuration.Configuration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.spi.CachingProvider;

/**
 * A JSR-107 cache manager over one Hearth cluster. A cache is a tenant: its entries are the tenant's keys, so
 * {@link #destroyCache} flushes the tenant, and every JVM that creates a cache of the same name shares its entries.
 * The configuration (types, expiry, loader, writer, listeners, statistics) lives in the JVM that created the cache.
 */
public final class HearthJCacheManager implements CacheManager {
    private final HearthCachingProvider provider;
    private final URI uri;
    private final ClassLoader classLoader;
    private final Properties properties;
    private final HearthClient client;
    private final Runnable onClose;
    private final Map<String, HearthJCache<?, ?>> caches = new LinkedHashMap<>();
    private volatile boolean closed;

    HearthJCacheManager(HearthCachingProvider provider, URI uri, ClassLoader classLoader, Properties properties,
            HearthClient client, Runnable onClose) {
        this.provider = provider;
        this.uri = uri;
        this.classLoader = classLoader;
        this.properties = new Properties();
        this.properties.putAll(properties);
        this.client = client;
        this.onClose = onClose;
    }

    /**
     * The tenant holding a cache's entries: the name itself where it is a valid tenant name (1-64 letters, digits,
     * '.', '_' or '-'), else {@code jcache-} and the first 32 hex digits of the name's SHA-256, the same in every JVM.
     */
    public static String tenantOf(String cacheName) {
        if (TenantKey.isValidTenant(cacheName)) {
            return cacheName;
        }
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(cacheName.getBytes(StandardCharsets.UTF_8));
            return "jcache-" + HexFormat.of().formatHex(h, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    HearthClient client() {
        return client;
    }

    @Override
    public CachingProvider getCachingProvider() {
        return provider;
    }

    @Override
    public URI getURI() {
        return uri;
    }

    @Override
    public ClassLoader getClassLoader() {
        return classLoader;
    }

    @Override
    public Properties getProperties() {
        return properties;
    }

    @Override
    public <K, V, C extends Configuration<K, V>> Cache<K, V> createCache(String cacheName, C configuration) {
        requireOpen();
        Objects.requireNonNull(cacheName, "cacheName");
        Objects.requireNonNull(configuration, "configuration");
        synchronized (caches) {
            if (caches.containsKey(cacheName)) {
                throw new CacheException("cache " + cacheName + " already exists");
            }
            MutableConfiguration<K, V> copy = configuration instanceof CompleteConfiguration<K, V> complete
                    ? new MutableConfiguration<>(complete)
                    : new MutableConfiguration<K, V>().setTypes(configuration.getKeyType(),
                            configuration.getValueType()).setStoreByValue(configuration.isStoreByValue());
            if (!copy.isStoreByValue()) {
                throw new UnsupportedOperationException("a Hearth cache stores by value: every value crosses the "
                        + "network (isSupported(STORE_BY_REFERENCE) is false)");
            }
            HearthJCache<K, V> cache = new HearthJCache<>(this, cacheName, tenantOf(cacheName), copy);
            caches.put(cacheName, cache);
            return cache;
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public <K, V> Cache<K, V> getCache(String cacheName, Class<K> keyType, Class<V> valueType) {
        requireOpen();
        Objects.requireNonNull(keyType, "keyType");
        Objects.requireNonNull(valueType, "valueType");
        HearthJCache<?, ?> cache = lookup(cacheName);
        if (cache == null) {
            return null;
        }
        Configuration<?, ?> c = cache.configuration();
        if (!c.getKeyType().equals(keyType)) {
            throw new ClassCastException("cache " + cacheName + " has keys of " + c.getKeyType().getName() + ", not "
                    + keyType.getName());
        }
        if (!c.getValueType().equals(valueType)) {
            throw new ClassCastException("cache " + cacheName + " has values of " + c.getValueType().getName()
                    + ", not " + valueType.getName());
        }
        return (Cache<K, V>) cache;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <K, V> Cache<K, V> getCache(String cacheName) {
        requireOpen();
        return (Cache<K, V>) lookup(cacheName);
    }

    private HearthJCache<?, ?> lookup(String cacheName) {
        Objects.requireNonNull(cacheName, "cacheName");
        synchronized (caches) {
            return caches.get(cacheName);
        }
    }

    @Override
    public Iterable<String> getCacheNames() {
        requireOpen();
        synchronized (caches) {
            return Collections.unmodifiableList(new ArrayList<>(caches.keySet()));
        }
    }

    @Override
    public void destroyCache(String cacheName) {
        requireOpen();
        Objects.requireNonNull(cacheName, "cacheName");
        HearthJCache<?, ?> cache;
        synchronized (caches) {
            cache = caches.remove(cacheName);
        }
        if (cache != null) {
            try {
                cache.clear();
            } finally {
                cache.closeQuietly();
            }
        }
    }

    /** Forgets a cache closed by its own {@link Cache#close()}: {@link #getCache} then answers null. */
    void closed(HearthJCache<?, ?> cache) {
        synchronized (caches) {
            caches.remove(cache.getName(), cache);
        }
    }

    @Override
    public void enableManagement(String cacheName, boolean enabled) {
        requireOpen();
        HearthJCache<?, ?> cache = lookup(cacheName);
        if (cache != null) {
            cache.setManagementEnabled(enabled);
        }
    }

    @Override
    public void enableStatistics(String cacheName, boolean enabled) {
        requireOpen();
        HearthJCache<?, ?> cache = lookup(cacheName);
        if (cache != null) {
            cache.setStatisticsEnabled(enabled);
        }
    }

    @Override
    public void close() {
        List<HearthJCache<?, ?>> all;
        synchronized (caches) {
            if (closed) {
                return;
            }
            closed = true;
            all = new ArrayList<>(caches.values());
            caches.clear();
        }
        all.forEach(HearthJCache::closeQuietly);
        provider.forget(this);
        onClose.run();
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public <T> T unwrap(Class<T> clazz) {
        if (clazz.isInstance(this)) {
            return clazz.cast(this);
        }
        if (clazz.isInstance(client)) {
            return clazz.cast(client);
        }
        throw new IllegalArgumentException("a Hearth cache manager does not unwrap to " + clazz.getName());
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("cache manager " + uri + " is closed");
        }
    }
}
