package dev.hearth.client;

/**
 * Observes each operation of a client, for metrics (hearth-micrometer's {@code HearthMetrics}) or tracing (a span
 * around each call). Given to {@link HearthClientBuilder#addListener}.
 *
 * <p>Every operation called on a {@link TenantCache} or {@link AsyncTenantCache} gets exactly one {@link #started}
 * and, once it has an outcome, exactly one {@link #ended} with the object {@code started} returned: when the blocking
 * call returns or throws, or when the async view's future completes. An operation that throws at once for a bad
 * argument ends with that exception. Each {@code getOrLoad} loader call is also an operation ({@link Operation#LOAD}).
 *
 * <p>Both methods run on the client's own threads or the caller's, inside the call's deadline: they must be fast,
 * thread-safe and must not block. An exception they throw is logged once per listener (WARN) and otherwise ignored:
 * observing must not change what the caller gets.
 */
public interface OperationListener {
    /**
     * The operation begins, on the caller's thread (a {@link Operation#LOAD} on the load thread), before anything is
     * sent.
     *
     * @return anything the listener wants back in {@link #ended} (a span, a scope), or null
     */
    default Object started(Operation op, String tenant) {
        return null;
    }

    /**
     * The operation has its outcome. A read has it when its answer arrives; the value is checked and decoded after
     * that, so a value the codec cannot decode fails the caller's call although the read ended without failure.
     *
     * @param context what {@link #started} returned
     * @param durationNanos from the start to the outcome, by the client's {@link Ticker}
     * @param failure null on success, else what the caller gets ({@link HearthTimeoutException},
     *     {@link CircuitOpenException}, the loader's exception, ...)
     */
    void ended(Operation op, String tenant, Object context, long durationNanos, Throwable failure);

    /**
     * One key of a read found a live value ({@code hit}) or not: once per key, counted as {@link ClientStats#hits}
     * and {@link ClientStats#misses} count them (a get, each key of a getAll, a gets, a getOrLoad's lookup, near
     * cache hits included), when the read's answer is checked (for most reads just after their {@link #ended}). For
     * per-tenant hit ratios.
     */
    default void lookedUp(String tenant, boolean hit) {
    }
}
