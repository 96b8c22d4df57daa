package dev.hearth.client.jcache;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import javax.cache.configuration.CacheEntryListenerConfiguration;
import javax.cache.configuration.Factory;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryEventFilter;
import javax.cache.event.CacheEntryExpiredListener;
import javax.cache.event.CacheEntryListener;
import javax.cache.event.CacheEntryListenerException;
import javax.cache.event.CacheEntryRemovedListener;
import javax.cache.event.CacheEntryUpdatedListener;
import javax.cache.event.EventType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cache's entry listeners. Events are those of this JVM's calls on the cache: Hearth's nodes do not send change
 * events, so a change made by another JVM (or over the memcached port) is not heard here. Synchronous listeners run
 * on the caller's thread before the call returns, and their exceptions reach the caller as
 * {@link CacheEntryListenerException}; asynchronous ones run in order on the cache's event thread.
 */
final class Listeners<K, V> {
    private static final Logger LOG = LoggerFactory.getLogger(Listeners.class);

    private final class Registration {
        final CacheEntryListenerConfiguration<K, V> configuration;
        final CacheEntryListener<? super K, ? super V> listener;
        final CacheEntryEventFilter<? super K, ? super V> filter;

        Registration(CacheEntryListenerConfiguration<K, V> configuration) {
            this.configuration = configuration;
            Factory<CacheEntryListener<? super K, ? super V>> lf = configuration.getCacheEntryListenerFactory();
            this.listener = lf == null ? null : lf.create();
            Factory<CacheEntryEventFilter<? super K, ? super V>> ff = configuration
                    .getCacheEntryEventFilterFactory();
            this.filter = ff == null ? null : ff.create();
        }

        boolean hears(EventType type) {
            return switch (type) {
                case CREATED -> listener instanceof CacheEntryCreatedListener;
                case UPDATED -> listener instanceof CacheEntryUpdatedListener;
                case REMOVED -> listener instanceof CacheEntryRemovedListener;
                case EXPIRED -> listener instanceof CacheEntryExpiredListener;
            };
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        void deliver(EventType type, List<CacheEntryEvent<K, V>> events) {
            Iterable it = events;
            switch (type) {
                case CREATED -> ((CacheEntryCreatedListener) listener).onCreated(it);
                case UPDATED -> ((CacheEntryUpdatedListener) listener).onUpdated(it);
                case REMOVED -> ((CacheEntryRemovedListener) listener).onRemoved(it);
                case EXPIRED -> ((CacheEntryExpiredListener) listener).onExpired(it);
            }
        }

        void close() {
            closeQuietly(listener);
            closeQuietly(filter);
        }
    }

    private final List<Registration> registrations = new CopyOnWriteArrayList<>();
    private final ExecutorService events;

    Listeners(ExecutorService events) {
        this.events = events;
    }

    boolean isEmpty() {
        return registrations.isEmpty();
    }

    /** @throws IllegalArgumentException if this configuration is registered already */
    synchronized void register(CacheEntryListenerConfiguration<K, V> configuration) {
        for (Registration r : registrations) {
            if (r.configuration.equals(configuration)) {
                throw new IllegalArgumentException("listener configuration already registered");
            }
        }
        registrations.add(new Registration(configuration));
    }

    synchronized void deregister(CacheEntryListenerConfiguration<K, V> configuration) {
        for (Registration r : registrations) {
            if (r.configuration.equals(configuration)) {
                registrations.remove(r);
                r.close();
            }
        }
    }

    /** Tells every listener that hears {@code type} of the events its filter passes. */
    void fire(EventType type, List<CacheEntryEvent<K, V>> all) {
        if (all.isEmpty()) {
            return;
        }
        CacheEntryListenerException failure = null;
        for (Registration r : registrations) {
            if (!r.hears(type)) {
                continue;
            }
            List<CacheEntryEvent<K, V>> passed = new ArrayList<>(all.size());
            for (CacheEntryEvent<K, V> e : all) {
                if (r.filter == null || r.filter.evaluate(e)) {
                    passed.add(r.configuration.isOldValueRequired() || e.getEventType() != EventType.UPDATED ? e
                            : new JCacheEvent<>((javax.cache.Cache<K, V>) e.getSource(), e.getEventType(),
                                    e.getKey(), e.getValue(), null, false));
                }
            }
            if (passed.isEmpty()) {
                continue;
            }
            if (r.configuration.isSynchronous()) {
                try {
                    r.deliver(type, passed);
                } catch (CacheEntryListenerException e) {
                    failure = e;
                } catch (RuntimeException e) {
                    failure = new CacheEntryListenerException(e);
                }
            } else {
                events.execute(() -> {
                    try {
                        r.deliver(type, passed);
                    } catch (RuntimeException | Error e) {
                        LOG.warn("asynchronous cache entry listener {} failed", r.listener, e);
                    }
                });
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    void fire(CacheEntryEvent<K, V> one) {
        if (one != null && !registrations.isEmpty()) {
            fire(one.getEventType(), List.of(one));
        }
    }

    void close() {
        for (Registration r : registrations) {
            r.close();
        }
        registrations.clear();
    }

    static void closeQuietly(Object o) {
        if (o instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("closing {} failed", o, e);
            }
        }
    }
}
