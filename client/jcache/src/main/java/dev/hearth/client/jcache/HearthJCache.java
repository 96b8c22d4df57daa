package dev.hearth.client.jcache;

import dev.hearth.client.CasResult;
import dev.hearth.client.HearthException;
import dev.hearth.client.TenantCache;
import dev.hearth.client.Versioned;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.configuration.CacheEntryListenerConfiguration;
import javax.cache.configuration.CompleteConfiguration;
import javax.cache.configuration.Configuration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.EventType;
import javax.cache.expiry.Duration;
import javax.cache.expiry.EternalExpiryPolicy;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheLoaderException;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CacheWriterException;
import javax.cache.integration.CompletionListener;
import javax.cache.processor.EntryProcessor;
import javax.cache.processor.EntryProcessorException;
import javax.cache.processor.EntryProcessorResult;
import javax.management.InstanceAlreadyExistsException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * A JSR-107 cache over one Hearth tenant.
 *
 * <p>Every write reads the key's version first ({@code gets}) and then writes only if it is unchanged ({@code cas},
 * or {@code add} for an absent key): the created-or-updated distinction that expiry, listeners and statistics need,
 * and atomic conditional operations and entry processors without locks. A write that lost a race to another writer
 * is decided again on what that writer left (an entry processor may run more than once). A plain {@code put} on a
 * cache with no listeners and eternal entries skips the read.
 *
 * <p>Expiry is Hearth's own TTL, in milliseconds: a created, updated or accessed entry gets the policy's duration
 * for that event; an access duration is applied with {@code touch}.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class HearthJCache<K, V> implements Cache<K, V> {
    /** Attempts at one conditional write before the call fails: only under heavy contention on a single key. */
    private static final int MAX_ATTEMPTS = 64;
    /** The most keys {@link #iterator()} and {@link #removeAll()} go through (a tenant scan lists them first). */
    static final int MAX_SCANNED_KEYS = 1_000_000;

    private final HearthJCacheManager manager;
    private final String name;
    private final TenantCache<byte[]> store;
    private final MutableConfiguration<K, V> configuration;
    private final Serialization serialization;
    private final ExpiryPolicy expiry;
    private final boolean eternal;
    private final CacheLoader<K, V> loader;
    private final CacheWriter<K, V> writer;
    private final Listeners<K, V> listeners;
    private final JCacheStatistics statistics = new JCacheStatistics();
    private final ExecutorService background;
    private volatile boolean statisticsEnabled;
    private volatile boolean closed;

    HearthJCache(HearthJCacheManager manager, String name, String tenant, MutableConfiguration<K, V> configuration) {
        this.manager = manager;
        this.name = name;
        this.store = manager.client().tenant(tenant);
        this.configuration = configuration;
        this.serialization = new Serialization(manager.getClassLoader());
        this.expiry = configuration.getExpiryPolicyFactory() == null ? new EternalExpiryPolicy()
                : configuration.getExpiryPolicyFactory().create();
        this.eternal = expiry instanceof EternalExpiryPolicy;
        this.loader = configuration.getCacheLoaderFactory() == null ? null
                : configuration.getCacheLoaderFactory().create();
        this.writer = configuration.isWriteThrough() && configuration.getCacheWriterFactory() != null
                ? writerOf(configuration) : null;
        this.background = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "hearth-jcache-" + tenant);
            t.setDaemon(true);
            return t;
        });
        this.listeners = new Listeners<>(background);
        for (CacheEntryListenerConfiguration<K, V> l : configuration.getCacheEntryListenerConfigurations()) {
            listeners.register(l);
        }
        this.statisticsEnabled = configuration.isStatisticsEnabled();
        if (configuration.isStatisticsEnabled()) {
            register(statistics, "CacheStatistics");
        }
        if (configuration.isManagementEnabled()) {
            register(new JCacheConfigurationBean(this), "CacheConfiguration");
        }
    }

    /** A writer of supertypes of K and V takes K and V: the cast only narrows what the writer is told it accepts. */
    @SuppressWarnings("unchecked")
    private static <K, V> CacheWriter<K, V> writerOf(MutableConfiguration<K, V> configuration) {
        return (CacheWriter<K, V>) configuration.getCacheWriterFactory().create();
    }

    CompleteConfiguration<K, V> configuration() {
        return configuration;
    }

    // ------------------------------------------------------------------------------------------------- reads

    @Override
    public V get(K key) {
        requireOpen();
        checkKey(key);
        long t0 = System.nanoTime();
        return guard(() -> {
            String sk = serialization.key(key);
            Versioned<byte[]> current = store.gets(sk);
            V value;
            if (current != null) {
                value = value(current);
                hit(1);
                accessed(sk, key, current, value);
            } else {
                miss(1);
                value = readThrough(key, sk);
            }
            if (statisticsEnabled) {
                statistics.gotten(t0);
            }
            return value;
        });
    }

    @Override
    public Map<K, V> getAll(Set<? extends K> keys) {
        requireOpen();
        Objects.requireNonNull(keys, "keys");
        keys.forEach(this::checkKey);
        long t0 = System.nanoTime();
        return guard(() -> {
            Map<String, K> byStored = new LinkedHashMap<>();
            keys.forEach(k -> byStored.put(serialization.key(k), k));
            Map<String, byte[]> found = store.getAll(byStored.keySet());
            Map<K, V> out = new HashMap<>();
            List<K> missing = new ArrayList<>();
            byStored.forEach((sk, k) -> {
                byte[] b = found.get(sk);
                if (b == null) {
                    missing.add(k);
                } else {
                    V v = value(b);
                    out.put(k, v);
                    accessed(sk, k, null, v);
                }
            });
            hit(out.size());
            miss(missing.size());
            if (!missing.isEmpty() && configuration.isReadThrough() && loader != null) {
                Map<K, V> loaded = loadAllFromLoader(missing);
                loaded.forEach((k, v) -> {
                    if (v != null) {
                        storeLoaded(k, serialization.key(k), v, false);
                        out.put(k, v);
                    }
                });
            }
            if (statisticsEnabled) {
                statistics.gotten(t0); // the call's time, shared by its gets in the average
            }
            return out;
        });
    }

    @Override
    public boolean containsKey(K key) {
        requireOpen();
        checkKey(key);
        return guard(() -> store.gets(serialization.key(key)) != null);
    }

    // ------------------------------------------------------------------------------------------------- loading

    @Override
    public void loadAll(Set<? extends K> keys, boolean replaceExistingValues, CompletionListener completionListener) {
        requireOpen();
        Objects.requireNonNull(keys, "keys");
        keys.forEach(this::checkKey);
        CompletionListener done = completionListener != null ? completionListener : new CompletionListener() {
            @Override
            public void onCompletion() {
            }

            @Override
            public void onException(Exception e) {
            }
        };
        if (loader == null) {
            done.onCompletion();
            return;
        }
        List<K> wanted = new ArrayList<>(keys);
        background.execute(() -> {
            try {
                List<K> toLoad = new ArrayList<>();
                for (K k : wanted) {
                    if (replaceExistingValues || store.gets(serialization.key(k)) == null) {
                        toLoad.add(k);
                    }
                }
                if (!toLoad.isEmpty()) {
                    loadAllFromLoader(toLoad).forEach((k, v) -> {
                        if (k != null && v != null) {
                            storeLoaded(k, serialization.key(k), v, replaceExistingValues);
                        }
                    });
                }
                done.onCompletion();
            } catch (Exception e) {
                done.onException(e instanceof CacheLoaderException ? e : new CacheLoaderException(e));
            }
        });
    }

    private V readThrough(K key, String sk) {
        if (!configuration.isReadThrough() || loader == null) {
            return null;
        }
        V loaded = loadOne(key);
        if (loaded != null) {
            storeLoaded(key, sk, loaded, false);
        }
        return loaded;
    }

    private V loadOne(K key) {
        try {
            return loader.load(key);
        } catch (CacheLoaderException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CacheLoaderException(e);
        }
    }

    private Map<K, V> loadAllFromLoader(Collection<K> keys) {
        try {
            Map<K, V> m = loader.loadAll(keys);
            return m == null ? Map.of() : m;
        } catch (CacheLoaderException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CacheLoaderException(e);
        }
    }

    /** A loaded value is stored as a creation (or an update if asked to replace), never written through. */
    private void storeLoaded(K key, String sk, V value, boolean replace) {
        checkValue(value);
        byte[] bytes = serialization.bytes(value);
        mutate(sk, current -> {
            if (current != null && !replace) {
                return Write.none();
            }
            return current == null ? create(key, value, bytes) : update(key, value, bytes, current);
        });
    }

    // ------------------------------------------------------------------------------------------------- writes

    @Override
    public void put(K key, V value) {
        requireOpen();
        checkKey(key);
        checkValue(value);
        long t0 = System.nanoTime();
        guard(() -> {
            writeThrough(key, value);
            byte[] bytes = serialization.bytes(value);
            String sk = serialization.key(key);
            if (eternal && listeners.isEmpty()) {
                store.put(sk, bytes, java.time.Duration.ZERO);
                put(1);
            } else {
                mutate(sk, current -> current == null ? create(key, value, bytes)
                        : update(key, value, bytes, current));
            }
            if (statisticsEnabled) {
                statistics.put(t0);
            }
            return null;
        });
    }

    @Override
    public V getAndPut(K key, V value) {
        requireOpen();
        checkKey(key);
        checkValue(value);
        long t0 = System.nanoTime();
        return guard(() -> {
            writeThrough(key, value);
            byte[] bytes = serialization.bytes(value);
            Versioned<byte[]> before = mutate(serialization.key(key), current -> current == null
                    ? create(key, value, bytes) : update(key, value, bytes, current));
            if (before == null) {
                miss(1);
            } else {
                hit(1);
            }
            if (statisticsEnabled) {
                statistics.gotten(t0);
                statistics.put(t0);
            }
            return before == null ? null : value(before);
        });
    }

    @Override
    public void putAll(Map<? extends K, ? extends V> map) {
        requireOpen();
        Objects.requireNonNull(map, "map");
        map.forEach((k, v) -> {
            checkKey(k);
            checkValue(v);
        });
        long t0 = System.nanoTime();
        guard(() -> {
            Map<K, V> toStore = new LinkedHashMap<>(map);
            CacheWriterException failure = null;
            if (writer != null) {
                List<Cache.Entry<? extends K, ? extends V>> entries = new ArrayList<>();
                map.forEach((k, v) -> entries.add(new HearthJCacheEntry<>(k, v)));
                try {
                    writer.writeAll(entries);
                } catch (RuntimeException e) {
                    failure = writerFailure(e);
                    // The entries left in the collection were not written: the cache keeps only what was.
                    entries.forEach(e2 -> toStore.remove(e2.getKey()));
                }
            }
            toStore.forEach((k, v) -> {
                byte[] bytes = serialization.bytes(v);
                mutate(serialization.key(k), current -> current == null ? create(k, v, bytes)
                        : update(k, v, bytes, current));
                if (statisticsEnabled) {
                    statistics.put(t0);
                }
            });
            if (failure != null) {
                throw failure;
            }
            return null;
        });
    }

    @Override
    public boolean putIfAbsent(K key, V value) {
        requireOpen();
        checkKey(key);
        checkValue(value);
        long t0 = System.nanoTime();
        return guard(() -> {
            byte[] bytes = serialization.bytes(value);
            boolean[] wrote = new boolean[1];
            mutate(serialization.key(key), current -> {
                if (current != null) {
                    wrote[0] = false;
                    return Write.none();
                }
                writeThrough(key, value);
                wrote[0] = true;
                return create(key, value, bytes);
            });
            if (wrote[0]) {
                miss(1);
                if (statisticsEnabled) {
                    statistics.put(t0);
                }
            } else {
                hit(1);
            }
            return wrote[0];
        });
    }

    @Override
    public boolean remove(K key) {
        requireOpen();
        checkKey(key);
        long t0 = System.nanoTime();
        return guard(() -> {
            deleteThrough(key);
            Versioned<byte[]> before = mutate(serialization.key(key), current -> current == null ? Write.none()
                    : remove(key, current));
            if (before != null && statisticsEnabled) {
                statistics.removed(t0);
            }
            return before != null;
        });
    }

    @Override
    public boolean remove(K key, V oldValue) {
        requireOpen();
        checkKey(key);
        checkValue(oldValue);
        long t0 = System.nanoTime();
        return guard(() -> {
            boolean removed = ifHolds(key, oldValue, current -> {
                deleteThrough(key);
                return remove(key, current);
            });
            if (removed && statisticsEnabled) {
                statistics.removed(t0);
            }
            return removed;
        });
    }

    /**
     * The compare-then-act of {@code remove(k, v)} and {@code replace(k, old, new)}: {@code act} decides the write only
     * where the key holds a value equal to {@code expected}; another value is an access. Counts the hit or miss.
     *
     * @return whether {@code act}'s write took effect
     */
    private boolean ifHolds(K key, V expected, Function<Versioned<byte[]>, Write> act) {
        int[] outcome = new int[1]; // 0 absent, 1 another value, 2 acted
        mutate(serialization.key(key), current -> {
            if (current == null) {
                outcome[0] = 0;
                return Write.none();
            }
            if (!value(current).equals(expected)) {
                outcome[0] = 1;
                return Write.access();
            }
            outcome[0] = 2;
            return act.apply(current);
        });
        if (outcome[0] == 0) {
            miss(1);
        } else {
            hit(1);
        }
        return outcome[0] == 2;
    }

    @Override
    public V getAndRemove(K key) {
        requireOpen();
        checkKey(key);
        long t0 = System.nanoTime();
        return guard(() -> {
            deleteThrough(key);
            Versioned<byte[]> before = mutate(serialization.key(key), current -> current == null ? Write.none()
                    : remove(key, current));
            if (before == null) {
                miss(1);
                return null;
            }
            hit(1);
            if (statisticsEnabled) {
                statistics.gotten(t0);
                statistics.removed(t0);
            }
            return value(before);
        });
    }

    @Override
    public boolean replace(K key, V oldValue, V newValue) {
        requireOpen();
        checkKey(key);
        checkValue(oldValue);
        checkValue(newValue);
        long t0 = System.nanoTime();
        return guard(() -> {
            byte[] bytes = serialization.bytes(newValue);
            boolean replaced = ifHolds(key, oldValue, current -> {
                writeThrough(key, newValue);
                return update(key, newValue, bytes, current);
            });
            if (replaced && statisticsEnabled) {
                statistics.put(t0);
            }
            return replaced;
        });
    }

    @Override
    public boolean replace(K key, V value) {
        return getAndReplace(key, value, false) != null;
    }

    @Override
    public V getAndReplace(K key, V value) {
        Versioned<byte[]> before = getAndReplace(key, value, true);
        return before == null ? null : value(before);
    }

    private Versioned<byte[]> getAndReplace(K key, V value, boolean countGet) {
        requireOpen();
        checkKey(key);
        checkValue(value);
        long t0 = System.nanoTime();
        return guard(() -> {
            byte[] bytes = serialization.bytes(value);
            Versioned<byte[]> before = mutate(serialization.key(key), current -> {
                if (current == null) {
                    return Write.none();
                }
                writeThrough(key, value);
                return update(key, value, bytes, current);
            });
            if (before == null) {
                miss(1);
            } else {
                hit(1);
                if (statisticsEnabled) {
                    statistics.put(t0);
                }
            }
            if (countGet && statisticsEnabled) {
                statistics.gotten(t0);
            }
            return before;
        });
    }

    @Override
    public void removeAll(Set<? extends K> keys) {
        requireOpen();
        Objects.requireNonNull(keys, "keys");
        keys.forEach(this::checkKey);
        guard(() -> {
            removeKeys(new ArrayList<>(keys));
            return null;
        });
    }

    @Override
    public void removeAll() {
        requireOpen();
        guard(() -> {
            removeKeys(scanKeys());
            return null;
        });
    }

    /** Deletes through the writer first: a key the writer could not delete stays in the cache too. */
    private void removeKeys(List<K> keys) {
        long t0 = System.nanoTime();
        Set<K> toRemove = new HashSet<>(keys);
        CacheWriterException failure = null;
        if (writer != null && !keys.isEmpty()) {
            List<K> pending = new ArrayList<>(keys);
            try {
                writer.deleteAll(pending);
            } catch (RuntimeException e) {
                failure = writerFailure(e);
                toRemove.removeAll(pending);
            }
        }
        for (K key : toRemove) {
            Versioned<byte[]> before = mutate(serialization.key(key), current -> current == null ? Write.none()
                    : remove(key, current));
            if (before != null && statisticsEnabled) {
                statistics.removed(t0);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** A flush scans the tenant's zone: it gets this long, whatever the calls' deadline. */
    static final java.time.Duration FLUSH_TIMEOUT = java.time.Duration.ofSeconds(30);

    /**
     * Flushes the tenant: no writer, no listeners, no statistics, as JSR-107's clear; within
     * {@link #FLUSH_TIMEOUT} (a 1 s deadline ran out on a cache of 10,000 entries).
     */
    @Override
    public void clear() {
        requireOpen();
        TenantCache<byte[]> flushing = store.timeout().compareTo(FLUSH_TIMEOUT) >= 0 ? store
                : store.withTimeout(FLUSH_TIMEOUT);
        guard(flushing::flush);
    }

    // ------------------------------------------------------------------------------------------------- processors

    @Override
    public <T> T invoke(K key, EntryProcessor<K, V, T> entryProcessor, Object... arguments) {
        requireOpen();
        checkKey(key);
        Objects.requireNonNull(entryProcessor, "entryProcessor");
        long t0 = System.nanoTime();
        try {
            return guard(() -> {
                String sk = serialization.key(key);
                Function<K, V> read = configuration.isReadThrough() && loader != null ? this::loadOne : null;
                Object[] result = new Object[1];
                ProcessorEntry<?, ?>[] last = new ProcessorEntry<?, ?>[1];
                Versioned<byte[]> before = mutate(sk, current -> {
                    V original = current == null ? null : value(current);
                    ProcessorEntry<K, V> entry = new ProcessorEntry<>(key, original, read);
                    try {
                        result[0] = entryProcessor.process(entry, arguments);
                    } catch (EntryProcessorException e) {
                        throw e;
                    } catch (Exception e) {
                        throw new EntryProcessorException(e);
                    }
                    last[0] = entry;
                    return switch (entry.effect()) {
                        case NONE -> Write.none();
                        case ACCESS -> Write.access();
                        case LOAD -> create(key, entry.value(), serialization.bytes(entry.value()));
                        case CREATE -> {
                            checkValue(entry.value());
                            writeThrough(key, entry.value());
                            yield create(key, entry.value(), serialization.bytes(entry.value()));
                        }
                        case UPDATE -> {
                            checkValue(entry.value());
                            writeThrough(key, entry.value());
                            yield update(key, entry.value(), serialization.bytes(entry.value()), current);
                        }
                        case REMOVE -> {
                            // The writer hears a removal even of an absent key, as a remove(key) call's.
                            deleteThrough(key);
                            yield current == null ? Write.none() : remove(key, current);
                        }
                    };
                });
                if (before == null) {
                    miss(1);
                } else {
                    hit(1);
                }
                if (statisticsEnabled) {
                    statistics.gotten(t0);
                    ProcessorEntry.Effect effect = last[0].effect();
                    if (effect == ProcessorEntry.Effect.CREATE || effect == ProcessorEntry.Effect.UPDATE) {
                        statistics.put(t0);
                    } else if (effect == ProcessorEntry.Effect.REMOVE && before != null) {
                        statistics.removed(t0);
                    }
                }
                @SuppressWarnings("unchecked")
                T t = (T) result[0];
                return t;
            });
        } catch (EntryProcessorException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new EntryProcessorException(e);
        }
    }

    @Override
    public <T> Map<K, EntryProcessorResult<T>> invokeAll(Set<? extends K> keys,
            EntryProcessor<K, V, T> entryProcessor, Object... arguments) {
        requireOpen();
        Objects.requireNonNull(keys, "keys");
        keys.forEach(this::checkKey);
        Objects.requireNonNull(entryProcessor, "entryProcessor");
        Map<K, EntryProcessorResult<T>> out = new HashMap<>();
        for (K key : keys) {
            try {
                T r = invoke(key, entryProcessor, arguments);
                if (r != null) {
                    out.put(key, () -> r);
                }
            } catch (EntryProcessorException e) {
                out.put(key, () -> {
                    throw e;
                });
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------- iteration

    /**
     * The entries present when each is reached: the tenant's keys are listed first (a scan of the nodes, at most
     * {@value #MAX_SCANNED_KEYS}), then each value is read as the iterator comes to it, so an entry removed
     * meanwhile is skipped. {@link Iterator#remove()} removes as {@link #remove(Object)} does.
     */
    @Override
    public Iterator<Cache.Entry<K, V>> iterator() {
        requireOpen();
        List<K> keys = guard(this::scanKeys);
        return new Iterator<>() {
            private int next;
            private Cache.Entry<K, V> ahead;
            private K last;

            @Override
            public boolean hasNext() {
                requireOpen();
                while (ahead == null && next < keys.size()) {
                    K k = keys.get(next++);
                    String sk = serialization.key(k);
                    Versioned<byte[]> current = guard(() -> store.gets(sk));
                    if (current != null) {
                        V v = value(current);
                        hit(1);
                        accessed(sk, k, current, v);
                        ahead = new HearthJCacheEntry<>(k, v);
                    }
                }
                return ahead != null;
            }

            @Override
            public Cache.Entry<K, V> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Cache.Entry<K, V> e = ahead;
                ahead = null;
                last = e.getKey();
                return e;
            }

            @Override
            public void remove() {
                if (last == null) {
                    throw new IllegalStateException("next() has not been called, or remove() was called already");
                }
                K k = last;
                last = null;
                HearthJCache.this.remove(k);
            }
        };
    }

    @SuppressWarnings("unchecked")
    private List<K> scanKeys() {
        List<K> keys = new ArrayList<>();
        for (String stored : store.keys(MAX_SCANNED_KEYS)) {
            if (stored.startsWith("s:") || stored.startsWith("j:")) {
                keys.add((K) serialization.keyOf(stored));
            }
        }
        return keys;
    }

    // ------------------------------------------------------------------------------------------------- the write

    /** What one attempt writes, decided on what the key held; and the events it causes if it succeeds. */
    private record Write(Kind kind, byte[] bytes, java.time.Duration ttl, Runnable onSuccess) {
        enum Kind {
            NONE, PUT, REMOVE, TOUCH
        }

        static Write none() {
            return new Write(Kind.NONE, null, null, null);
        }

        /** No change but an access: the policy's access duration applies. */
        static Write access() {
            return new Write(Kind.TOUCH, null, null, null);
        }
    }

    private interface Decision {
        Write decide(Versioned<byte[]> current);
    }

    /**
     * Reads the key's version, decides, and writes only if the version is unchanged; again on what a concurrent
     * writer left. Returns what the key held before the write that took effect (null if absent).
     */
    private Versioned<byte[]> mutate(String sk, Decision decision) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Versioned<byte[]> current = store.gets(sk);
            Write w = decision.decide(current);
            if (apply(sk, current, w)) {
                if (w.onSuccess() != null) {
                    w.onSuccess().run();
                }
                return current;
            }
        }
        throw new CacheException("key " + sk + " of cache " + name + " changed under " + MAX_ATTEMPTS
                + " attempts in a row to write it; giving up");
    }

    private boolean apply(String sk, Versioned<byte[]> current, Write w) {
        switch (w.kind()) {
            case NONE:
                return true;
            case TOUCH:
                if (current != null) {
                    touch(sk, current);
                }
                return true;
            case REMOVE:
                return current == null || store.delete(sk, current.version()) == CasResult.STORED;
            case PUT:
                if (w.ttl() == null) {
                    // Expires at once (a zero duration): what the key held is gone, and nothing is stored.
                    return current == null || store.delete(sk, current.version()) == CasResult.STORED;
                }
                if (current == null) {
                    return store.putIfAbsent(sk, w.bytes(), w.ttl());
                }
                return store.cas(sk, w.bytes(), current.version(), w.ttl()) == CasResult.STORED;
            default:
                throw new IllegalStateException(w.kind().name());
        }
    }

    private Write create(K key, V value, byte[] bytes) {
        Duration d = duration(expiry::getExpiryForCreation, Duration.ETERNAL);
        java.time.Duration ttl = ttl(d == null ? Duration.ETERNAL : d);
        return new Write(Write.Kind.PUT, bytes, ttl, () -> {
            if (ttl != null) {
                put(1);
                listeners.fire(JCacheEvent.created(this, key, value));
            }
        });
    }

    private Write update(K key, V value, byte[] bytes, Versioned<byte[]> current) {
        Duration d = duration(expiry::getExpiryForUpdate, null);
        java.time.Duration ttl = d == null ? remaining(current) : ttl(d);
        return new Write(Write.Kind.PUT, bytes, ttl, () -> {
            put(1);
            if (ttl != null && !listeners.isEmpty()) {
                listeners.fire(JCacheEvent.updated(this, key, value, value(current)));
            } else if (ttl == null && !listeners.isEmpty()) {
                listeners.fire(new JCacheEvent<>(this, EventType.EXPIRED, key, value(current), value(current),
                        true));
            }
        });
    }

    private Write remove(K key, Versioned<byte[]> current) {
        return new Write(Write.Kind.REMOVE, null, null, () -> {
            if (statisticsEnabled) {
                statistics.removals.increment();
            }
            if (!listeners.isEmpty()) {
                listeners.fire(JCacheEvent.removed(this, key, value(current)));
            }
        });
    }

    /** An access: the policy's access duration, if it has one, replaces the entry's TTL. */
    private void accessed(String sk, K key, Versioned<byte[]> current, V value) {
        if (eternal) {
            return;
        }
        Duration d = duration(expiry::getExpiryForAccess, null);
        if (d == null) {
            return;
        }
        java.time.Duration ttl = ttl(d);
        if (ttl == null) {
            // Expired by this access: removed only if unchanged since it was read.
            boolean gone = current != null ? store.delete(sk, current.version()) == CasResult.STORED
                    : store.delete(sk);
            if (gone && !listeners.isEmpty()) {
                listeners.fire(new JCacheEvent<>(this, EventType.EXPIRED, key, value, value, true));
            }
        } else {
            store.touch(sk, ttl);
        }
    }

    private void touch(String sk, Versioned<byte[]> current) {
        if (eternal) {
            return;
        }
        Duration d = duration(expiry::getExpiryForAccess, null);
        if (d != null) {
            java.time.Duration ttl = ttl(d);
            if (ttl == null) {
                store.delete(sk, current.version());
            } else {
                store.touch(sk, ttl);
            }
        }
    }

    /** A policy's answer; its exceptions and nulls mean {@code otherwise}, as JSR-107 says. */
    private static Duration duration(Supplier<Duration> policy, Duration otherwise) {
        try {
            Duration d = policy.get();
            return d == null ? otherwise : d;
        } catch (RuntimeException e) {
            return otherwise;
        }
    }

    /** Hearth's TTL for a JSR-107 duration: ZERO is "never expires"; null for a zero duration (expire at once). */
    private static java.time.Duration ttl(Duration d) {
        if (d.isEternal()) {
            return java.time.Duration.ZERO;
        }
        if (d.isZero()) {
            return null;
        }
        return java.time.Duration.ofMillis(Math.max(1, d.getTimeUnit().toMillis(d.getDurationAmount())));
    }

    /** The TTL an entry has left, for an update that keeps it; null if it has none left. */
    private static java.time.Duration remaining(Versioned<byte[]> current) {
        if (current.expireAt() == 0) {
            return java.time.Duration.ZERO;
        }
        long left = current.expireAt() - System.currentTimeMillis();
        return left <= 0 ? null : java.time.Duration.ofMillis(left);
    }

    private void writeThrough(K key, V value) {
        if (writer == null) {
            return;
        }
        try {
            writer.write(new HearthJCacheEntry<>(key, value));
        } catch (RuntimeException e) {
            throw writerFailure(e);
        }
    }

    private void deleteThrough(K key) {
        if (writer == null) {
            return;
        }
        try {
            writer.delete(key);
        } catch (RuntimeException e) {
            throw writerFailure(e);
        }
    }

    private static CacheWriterException writerFailure(RuntimeException e) {
        return e instanceof CacheWriterException w ? w : new CacheWriterException(e);
    }

    // ------------------------------------------------------------------------------------------------- the rest

    @SuppressWarnings("unchecked")
    private V value(Versioned<byte[]> v) {
        return (V) serialization.object(v.value());
    }

    @SuppressWarnings("unchecked")
    private V value(byte[] b) {
        return (V) serialization.object(b);
    }

    private void hit(int n) {
        if (statisticsEnabled && n > 0) {
            statistics.hits.add(n);
        }
    }

    private void miss(int n) {
        if (statisticsEnabled && n > 0) {
            statistics.misses.add(n);
        }
    }

    private void put(int n) {
        if (statisticsEnabled) {
            statistics.puts.add(n);
        }
    }

    private void checkKey(K key) {
        Objects.requireNonNull(key, "key");
        Class<K> type = configuration.getKeyType();
        if (type != Object.class && !type.isInstance(key)) {
            throw new ClassCastException("cache " + name + " takes keys of " + type.getName() + ", not "
                    + key.getClass().getName());
        }
    }

    private void checkValue(V value) {
        Objects.requireNonNull(value, "value");
        Class<V> type = configuration.getValueType();
        if (type != Object.class && !type.isInstance(value)) {
            throw new ClassCastException("cache " + name + " takes values of " + type.getName() + ", not "
                    + value.getClass().getName());
        }
    }

    /** Hearth's failures (deadline, open circuit, closed client) as JSR-107's {@link CacheException}. */
    private static <T> T guard(Supplier<T> body) {
        try {
            return body.get();
        } catch (HearthException e) {
            throw new CacheException(e.getMessage(), e);
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("cache " + name + " is closed");
        }
    }

    @Override
    public void registerCacheEntryListener(CacheEntryListenerConfiguration<K, V> listenerConfiguration) {
        requireOpen();
        Objects.requireNonNull(listenerConfiguration, "listenerConfiguration");
        listeners.register(listenerConfiguration);
        configuration.addCacheEntryListenerConfiguration(listenerConfiguration);
    }

    @Override
    public void deregisterCacheEntryListener(CacheEntryListenerConfiguration<K, V> listenerConfiguration) {
        requireOpen();
        Objects.requireNonNull(listenerConfiguration, "listenerConfiguration");
        listeners.deregister(listenerConfiguration);
        configuration.removeCacheEntryListenerConfiguration(listenerConfiguration);
    }

    @Override
    public <C extends Configuration<K, V>> C getConfiguration(Class<C> clazz) {
        if (clazz.isInstance(configuration)) {
            return clazz.cast(new MutableConfiguration<>(configuration));
        }
        throw new IllegalArgumentException("a Hearth cache's configuration is not a " + clazz.getName());
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public CacheManager getCacheManager() {
        return manager;
    }

    @Override
    public <T> T unwrap(Class<T> clazz) {
        if (clazz.isInstance(this)) {
            return clazz.cast(this);
        }
        if (clazz.isInstance(store)) {
            return clazz.cast(store);
        }
        throw new IllegalArgumentException("a Hearth cache does not unwrap to " + clazz.getName());
    }

    @Override
    public void close() {
        closeQuietly();
        manager.closed(this);
    }

    void closeQuietly() {
        if (closed) {
            return;
        }
        closed = true;
        unregister("CacheStatistics");
        unregister("CacheConfiguration");
        listeners.close();
        Listeners.closeQuietly(loader);
        Listeners.closeQuietly(writer);
        Listeners.closeQuietly(expiry);
        background.shutdown();
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    void setStatisticsEnabled(boolean enabled) {
        configuration.setStatisticsEnabled(enabled);
        statisticsEnabled = enabled;
        if (enabled) {
            register(statistics, "CacheStatistics");
        } else {
            unregister("CacheStatistics");
        }
    }

    void setManagementEnabled(boolean enabled) {
        configuration.setManagementEnabled(enabled);
        if (enabled) {
            register(new JCacheConfigurationBean(this), "CacheConfiguration");
        } else {
            unregister("CacheConfiguration");
        }
    }

    private ObjectName objectName(String type) {
        try {
            return new ObjectName("javax.cache:type=" + type + ",CacheManager=" + mbeanSafe(manager.getURI()
                    .toString()) + ",Cache=" + mbeanSafe(name));
        } catch (javax.management.MalformedObjectNameException e) {
            throw new CacheException(e);
        }
    }

    private static String mbeanSafe(String s) {
        return s.replaceAll(":|=|\n|,", ".");
    }

    private void register(Object bean, String type) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName on = objectName(type);
        try {
            try {
                server.registerMBean(bean, on);
            } catch (InstanceAlreadyExistsException e) {
                // Another manager of the same URI (another class loader) had a cache of this name: the newest wins.
                server.unregisterMBean(on);
                server.registerMBean(bean, on);
            }
        } catch (javax.management.JMException e) {
            throw new CacheException("could not register " + on, e);
        }
    }

    private void unregister(String type) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName on = objectName(type);
        try {
            if (server.isRegistered(on)) {
                server.unregisterMBean(on);
            }
        } catch (javax.management.JMException e) {
            throw new CacheException("could not unregister " + on, e);
        }
    }
}
