package dev.hearth.client;

/**
 * Computes a value on a cache miss ({@link TenantCache#getOrLoad}). Typically a database query.
 *
 * @param <V> the value type
 */
@FunctionalInterface
public interface CacheLoader<V> {
    /**
     * @param key the key that missed
     * @return the value to cache and return, or null for "no value" (returned as null and not cached)
     * @throws Exception reported to every caller waiting for this load (unless stale-if-error serves a stale
     *     value instead)
     */
    V load(String key) throws Exception;
}
