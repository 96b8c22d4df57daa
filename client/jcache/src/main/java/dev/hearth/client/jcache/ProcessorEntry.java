package dev.hearth.client.jcache;

import java.util.Objects;
import java.util.function.Function;
import javax.cache.processor.MutableEntry;

/**
 * The entry an {@link javax.cache.processor.EntryProcessor} works on: it records what the processor did, which the
 * cache then applies in one conditional write (or, if the key changed meanwhile, runs the processor again).
 */
final class ProcessorEntry<K, V> implements MutableEntry<K, V> {
    /** The net effect on the cache, JSR-107's rules for a sequence of calls on one entry. */
    enum Effect {
        NONE, ACCESS, LOAD, CREATE, UPDATE, REMOVE
    }

    private final K key;
    private final V original;
    private final Function<K, V> loader;
    private V value;
    private Effect effect = Effect.NONE;

    /** @param loader read-through's loader, or null when the cache does not read through */
    ProcessorEntry(K key, V original, Function<K, V> loader) {
        this.key = key;
        this.original = original;
        this.value = original;
        this.loader = loader;
    }

    Effect effect() {
        return effect;
    }

    V original() {
        return original;
    }

    V value() {
        return value;
    }

    @Override
    public K getKey() {
        return key;
    }

    @Override
    public V getValue() {
        if (effect == Effect.NONE) {
            if (value == null && loader != null) {
                value = loader.apply(key);
                if (value != null) {
                    effect = Effect.LOAD;
                }
            } else if (value != null) {
                effect = Effect.ACCESS;
            }
        }
        return value;
    }

    @Override
    public boolean exists() {
        return value != null;
    }

    /** Removing what this processor created or loaded is no change; any other removal is written through. */
    @Override
    public void remove() {
        value = null;
        effect = effect == Effect.CREATE || effect == Effect.LOAD ? Effect.NONE : Effect.REMOVE;
    }

    @Override
    public void setValue(V v) {
        Objects.requireNonNull(v, "value");
        value = v;
        effect = original == null ? Effect.CREATE : Effect.UPDATE;
    }

    @Override
    public <T> T unwrap(Class<T> clazz) {
        if (clazz.isInstance(this)) {
            return clazz.cast(this);
        }
        throw new IllegalArgumentException("a Hearth processor entry does not unwrap to " + clazz.getName());
    }
}
