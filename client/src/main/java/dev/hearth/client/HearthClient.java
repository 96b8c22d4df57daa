package dev.hearth.client;

/**
 * A connection to a Hearth cluster: Ignite's thin client (partition-aware, connected to every node given) plus
 * deadlines, retries, a circuit breaker, request coalescing and Hearth's value format. One per application; it is
 * thread-safe, and its {@link #tenant tenant handles} are cheap. {@link #close()} releases its connections and
 * threads.
 *
 * <pre>{@code
 * try (HearthClient client = HearthClient.builder()
 *         .addresses("10.0.0.1:10800", "10.0.0.2:10800", "10.0.0.3:10800")
 *         .timeout(Duration.ofMillis(100))
 *         .build()) {
 *     TenantCache<Product> products = client.tenant("store-42", Codec.json(Product.class));
 *     Product p = products.getOrLoad("product:7", id -> db.loadProduct(id), Duration.ofMinutes(5));
 * }
 * }</pre>
 */
public interface HearthClient extends AutoCloseable {
    /** A builder of a client; see {@link HearthClientBuilder} for every setting and its default. */
    static HearthClientBuilder builder() {
        return new HearthClientBuilder();
    }

    /**
     * @return the tenant's keys as raw bytes ({@link Codec#bytes()})
     * @throws IllegalArgumentException if {@code tenant} is not 1-64 letters, digits, '.', '_' or '-' starting with
     *     a letter or digit
     */
    TenantCache<byte[]> tenant(String tenant);

    /**
     * @return the tenant's keys with values through {@code codec}; handles of one tenant with different codecs see
     *     the same keys
     * @throws IllegalArgumentException if {@code tenant} is not a valid tenant name
     */
    <V> TenantCache<V> tenant(String tenant, Codec<V> codec);

    /** @return an immutable snapshot of the counters, the circuit state and the latency histogram */
    ClientStats stats();

    /** The circuit breaker's current state. */
    CircuitState circuitState();

    /**
     * Marks {@code tenant} unavailable in this client only: from now on its {@code getOrLoad} calls bypass the cache
     * and its other operations fail at once with {@link TenantUnavailableException}. Combined with the builder's
     * {@link HearthClientBuilder#availability} predicate and the tenant registry's maintenance state (set with
     * {@code hearthctl tenant|zone maintenance on}): a tenant is available only if all three say so.
     */
    void markUnavailable(String tenant);

    /** Reverses {@link #markUnavailable}. */
    void markAvailable(String tenant);

    /**
     * True if neither {@link #markUnavailable}, the availability predicate nor the registry's maintenance state (as
     * last read) excludes {@code tenant}.
     */
    boolean isAvailable(String tenant);

    /** Closes the connections and stops the client's threads; operations started afterwards fail. Idempotent. */
    @Override
    void close();
}
