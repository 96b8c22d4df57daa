package dev.hearth.client;

/**
 * A value with the metadata memcached's {@code gets} returns.
 *
 * @param value the decoded value, never null
 * @param version the compare-and-set version: changes on every write (by any client or node), never 0
 * @param flags memcached's opaque 32-bit client flags (0 for values this client wrote)
 * @param expireAt when the value expires, unix milliseconds; 0 = never
 * @param <V> the value type
 */
public record Versioned<V>(V value, long version, int flags, long expireAt) {
}
