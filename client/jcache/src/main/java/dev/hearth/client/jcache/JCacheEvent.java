package dev.hearth.client.jcache;

import javax.cache.Cache;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.EventType;

/**
 * One change as listeners see it. For REMOVED and EXPIRED events the value is the value that was removed, as
 * JSR-107 1.1 defines; an UPDATED event carries the value it replaced.
 */
final class JCacheEvent<K, V> extends CacheEntryEvent<K, V> {
    private static final long serialVersionUID = 1L;
    private final K key;
    private final transient V value;
    private final transient V oldValue;
    private final boolean oldValueAvailable;

    JCacheEvent(Cache<K, V> source, EventType type, K key, V value, V oldValue, boolean oldValueAvailable) {
        super(source, type);
        this.key = key;
        this.value = value;
        this.oldValue = oldValue;
        this.oldValueAvailable = oldValueAvailable;
    }

    static <K, V> JCacheEvent<K, V> created(Cache<K, V> source, K key, V value) {
        return new JCacheEvent<>(source, EventType.CREATED, key, value, null, false);
    }

    static <K, V> JCacheEvent<K, V> updated(Cache<K, V> source, K key, V value, V oldValue) {
        return new JCacheEvent<>(source, EventType.UPDATED, key, value, oldValue, true);
    }

    static <K, V> JCacheEvent<K, V> removed(Cache<K, V> source, K key, V oldValue) {
        return new JCacheEvent<>(source, EventType.REMOVED, key, oldValue, oldValue, true);
    }

    @Override
    public K getKey() {
        return key;
    }

    @Override
    public V getValue() {
        return value;
    }

    @Override
    public V getOldValue() {
        return oldValue;
    }

    @Override
    public boolean isOldValueAvailable() {
        return oldValueAvailable;
    }

    @Override
    public <T> T unwrap(Class<T> clazz) {
        if (clazz.isInstance(this)) {
            return clazz.cast(this);
        }
        throw new IllegalArgumentException("a Hearth cache event does not unwrap to " + clazz.getName());
    }
}
