package dev.hearth.client;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.OptionalLong;

/**
 * One tenant's keys, with blocking operations. Obtained from {@link HearthClient#tenant}; thread-safe; cheap to
 * create and to keep.
 *
 * <h2>Contracts common to every operation</h2>
 * <ul>
 *   <li><b>Keys</b> are non-empty strings, stored as their UTF-8 bytes inside the tenant's namespace (the same key a
 *       memcached client of the tenant uses). Null or empty keys throw {@link IllegalArgumentException}.</li>
 *   <li><b>Values</b> are never null (a null value throws {@link NullPointerException}); they go through the
 *       handle's {@link Codec}.</li>
 *   <li><b>TTL</b>: a positive duration (millisecond precision), or {@link Duration#ZERO} for "never expires".
 *       Negative throws {@link IllegalArgumentException}.</li>
 *   <li><b>Deadline</b>: every call returns or throws within its deadline ({@link #timeout()}, the client's default
 *       unless overridden with {@link #withTimeout}) plus a small scheduling margin, whatever the cluster does.
 *       Within the deadline, failed attempts are retried (also on another node when the first one died).</li>
 *   <li><b>Failures</b> throw {@link HearthException}: {@link HearthTimeoutException} when the deadline passed
 *       (for a write, the outcome is then unknown), {@link CircuitOpenException} while the cluster is considered
 *       unreachable (in microseconds, without a network call), {@link TenantUnavailableException} while the tenant
 *       is in maintenance. A value that the codec cannot decode also throws {@link HearthException}.</li>
 *   <li><b>Damaged or expired</b> stored values (bad checksum, past their expiry) are treated as absent.</li>
 * </ul>
 *
 * @param <V> the value type
 */
public interface TenantCache<V> {
    /** The tenant this handle reads and writes. */
    String tenant();

    /** The deadline of each operation through this handle. */
    Duration timeout();

    /**
     * @return a view of the same tenant and codec whose operations each have {@code timeout} as their deadline
     *     (the per-call override; this handle is unchanged)
     * @throws IllegalArgumentException if {@code timeout} is not positive
     */
    TenantCache<V> withTimeout(Duration timeout);

    /** @return the asynchronous view of this handle (same tenant, codec and deadline) */
    AsyncTenantCache<V> async();

    /** @return the value, or null if the key is absent, expired or damaged */
    V get(String key);

    /**
     * Reads several keys in one round trip per node.
     *
     * @return the live values of the keys that have one; absent keys are not in the map (never null values).
     *     Iteration order is unspecified
     */
    Map<String, V> getAll(Collection<String> keys);

    /** Stores {@code value} with no expiry, replacing whatever the key held. */
    void put(String key, V value);

    /** Stores {@code value}, replacing whatever the key held; it expires after {@code ttl}. */
    void put(String key, V value, Duration ttl);

    /**
     * Stores every entry, replacing whatever the keys held; they expire after {@code ttl} ({@link Duration#ZERO}:
     * never). One operation with one deadline, one request to the cluster (sent again whole, within the deadline, if
     * its answer is lost), which the nodes apply key by key.
     * Every key and value is checked and encoded before anything is sent, so a bad one fails the call with nothing
     * written. Not atomic: when the call fails (deadline, unreachable cluster), some entries may have been stored
     * and others not; calling it again is safe.
     *
     * @throws IllegalArgumentException for a null or empty key, or a value larger than
     *     {@link HearthClientBuilder#maxValueSize}, before anything is sent
     */
    void putAll(Map<String, ? extends V> entries, Duration ttl);

    /**
     * Stores {@code value} only if the key is absent (or expired): memcached's {@code add}.
     *
     * @return true if stored, false if the key held a live value (left unchanged)
     */
    boolean putIfAbsent(String key, V value, Duration ttl);

    /**
     * Stores {@code value} only if the key holds a live value: memcached's {@code replace}.
     *
     * @return true if stored, false if the key was absent (nothing written)
     */
    boolean replace(String key, V value, Duration ttl);

    /** @return the value with its version, or null if absent, expired or damaged: memcached's {@code gets} */
    Versioned<V> gets(String key);

    /**
     * Stores {@code value} only if the key still holds {@code version} (from {@link #gets}): memcached's {@code cas}.
     * Atomic: of two concurrent cas calls with the same version at most one returns {@link CasResult#STORED}.
     *
     * @return STORED, EXISTS (another version is stored, unchanged) or NOT_FOUND (absent or expired)
     */
    CasResult cas(String key, V value, long version, Duration ttl);

    /**
     * Removes the key.
     *
     * @return true if a live value was removed. After a retried attempt (an earlier attempt's answer was lost) a
     *     removal done by that earlier attempt is reported as false
     */
    boolean delete(String key);

    /**
     * Removes the keys (duplicates count once). One operation with one deadline, each key sent to its own node at
     * once. Not atomic: when the call fails, some keys may have been removed; calling it again is safe.
     *
     * @return how many of the keys held a live value (absent, expired and damaged ones count 0; after a retried
     *     attempt, as {@link #delete(String)})
     */
    int deleteAll(Collection<String> keys);

    /**
     * Removes every key of this tenant, as {@code hearthctl tenant flush} does, and answers how many live values were
     * removed. The nodes scan the tenant's zone with a filter that keeps only this tenant's keys, which are then
     * removed in batches of 500, all within this call's deadline: give a large tenant a longer one
     * ({@link #withTimeout}). When the deadline passes first the call throws {@link HearthTimeoutException} with part
     * of the keys removed, and calling it again finishes. Writes made while it runs may survive it. A tenant in
     * maintenance (mode miss) answers 0 without the cache.
     *
     * @throws HearthException while the tenant moves between zones (flush it after the move), as the node refuses
     */
    long flush();

    /**
     * Up to {@code max} of this tenant's live keys, in no particular order: a scan of the tenant's zone that keeps
     * only this tenant's keys on the nodes, within this call's deadline. Keys written or removed while it runs may
     * or may not be in the answer. A tenant in maintenance (mode miss) answers an empty list without the cache.
     *
     * @throws IllegalArgumentException if {@code max} is negative
     */
    java.util.List<String> keys(int max);

    /**
     * Removes the key only if it holds {@code version}.
     *
     * @return STORED (removed), EXISTS (another version, unchanged) or NOT_FOUND
     */
    CasResult delete(String key, long version);

    /**
     * Adds {@code delta} to a decimal value (memcached's {@code incr}: unsigned 64-bit, wrapping at 2^64), keeping
     * its flags and expiry. Atomic with respect to every other writer.
     *
     * <p>Not idempotent: a write attempt whose answer is lost is not retried, the call throws
     * {@link HearthTimeoutException} and the increment may or may not have happened.
     *
     * @param delta treated as unsigned
     * @return the new value (unsigned; use {@link Long#toUnsignedString}), or empty if the key is absent
     * @throws HearthException if the stored value is not a decimal number of at most 20 digits
     */
    OptionalLong incr(String key, long delta);

    /** As {@link #incr} but subtracts, stopping at 0 (memcached's {@code decr}). */
    OptionalLong decr(String key, long delta);

    /**
     * Appends {@code suffix}'s encoded bytes to the stored bytes, keeping flags and expiry (memcached's
     * {@code append}; meaningful for {@link Codec#bytes()} and {@link Codec#utf8()}). Not idempotent, as
     * {@link #incr}.
     *
     * @return true if appended, false if the key was absent
     */
    boolean append(String key, V suffix);

    /** As {@link #append} but in front. */
    boolean prepend(String key, V prefix);

    /**
     * Gives a live value a new expiry without changing it or its version.
     *
     * @return true if the key held a live value
     */
    boolean touch(String key, Duration ttl);

    /**
     * Returns the cached value, or loads, caches and returns it: the cache-aside read. Never lets a cache outage
     * become the caller's outage:
     * <ul>
     *   <li>If the cache read fails (deadline, unreachable cluster, open circuit, damaged value), it counts as a miss
     *       and the loader is called; if writing the loaded value fails, the value is still returned.</li>
     *   <li>If the tenant is unavailable ({@link TenantAvailability}), the loader is called and the cache is neither
     *       read nor written.</li>
     *   <li>Concurrent calls for the same key in this JVM share one lookup and at most one loader call; loads run
     *       on the client's load pool, at most {@link HearthClientBuilder#maxConcurrentLoads} at a time.</li>
     *   <li>With {@link HearthClientBuilder#staleWhileRevalidate} the value is kept for that much longer than
     *       {@code ttl}; a value older than {@code ttl} is returned at once while one background load refreshes it.
     *   </li>
     *   <li>With {@link HearthClientBuilder#staleIfError} a value older than {@code ttl} (within that window) is
     *       returned when the loader fails.</li>
     * </ul>
     * The deadline applies to the cache operations only, not to the loader.
     *
     * @param loader called with {@code key} on a miss; a null result is returned and not cached
     * @return the cached or loaded value, or null if the loader returned null
     * @throws LoadException wrapping a checked exception of the loader, or when the load queue is full; an unchecked
     *     exception of the loader is rethrown as is
     */
    V getOrLoad(String key, CacheLoader<? extends V> loader, Duration ttl);
}
