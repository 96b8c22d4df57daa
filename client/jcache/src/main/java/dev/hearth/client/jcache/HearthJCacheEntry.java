package dev.hearth.client.jcache;

import javax.cache.Cache;

/** An entry as iteration hands it out: a key and a copy of its value at the time it was read. */
public final class HearthJCacheEntry<K, V> implements Cache.Entry<K, V> {
    private final K key;
    private final V value;

    HearthJCacheEntry(K key, V value) {
        this.key = key;
        this.value = value;
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
    public <T> T unwrap(Class<T> clazz) {
        if (clazz.isInstance(this)) {
            return clazz.cast(this);
        }
        throw new IllegalArgumentException("a Hearth cache entry does not unwrap to " + clazz.getName());
    }

    @Override
    public String toString() {
        return key + "=" + value;
    }
}
