package dev.hearth.node.memcached;

/**
 * Removes every entry of one tenant, cluster-wide: the tenant flush the admin API runs (TenantService#flush), which
 * a binary FLUSH of an authenticated tenant reuses.
 */
@FunctionalInterface
public interface TenantFlush {
    /**
     * Blocks until every entry of {@code tenant} is removed (a scan of its zone across the cluster), and logs it.
     *
     * @param by who asked, for the log line (1-128 printable characters)
     * @throws IllegalStateException when the tenant cannot be flushed now (it is moving between zones)
     */
    void flush(String tenant, String by);
}
