package dev.hearth.client.internal;

import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.IgniteClientFuture;

/**
 * One network step against a zone cache, described once: how Ignite's cache API makes it ({@link #on}). A get and a
 * put are records, which {@link DirectSender} can also send straight from the caller's thread; every other step is a
 * lambda, always sent from an io thread.
 */
@FunctionalInterface
interface IgniteCall<T> {
    /** Makes the call through Ignite's cache API on {@code cache} (may block: only from a thread that may). */
    IgniteClientFuture<T> on(ClientCache<String, byte[]> cache);

    /** The stored bytes of {@code key}, or null. */
    record Get(String key) implements IgniteCall<byte[]> {
        @Override
        public IgniteClientFuture<byte[]> on(ClientCache<String, byte[]> cache) {
            return cache.getAsync(key);
        }
    }

    /** Stores {@code value} under {@code key}. */
    record Put(String key, byte[] value) implements IgniteCall<Void> {
        public Put {
            // Null is what tells a get from a put in a direct request; Ignite refuses a null value anyway.
            java.util.Objects.requireNonNull(value, "value");
        }

        @Override
        public IgniteClientFuture<Void> on(ClientCache<String, byte[]> cache) {
            return cache.putAsync(key, value);
        }
    }
}
