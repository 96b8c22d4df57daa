package dev.hearth.client.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Runs at most one flight per key at a time: callers arriving while a flight is in the air share its result. A
 * flight has a result (what callers get) and may stay registered after the result is known until it is
 * {@code settled} (e.g. the loaded value written to the cache), so that nobody starts a second load in between.
 *
 * @param <K> the key type
 */
public final class Coalescer<K> {
    private final ConcurrentHashMap<K, CompletableFuture<?>> flights = new ConcurrentHashMap<>();
    private final LongAdder joined = new LongAdder();

    /**
     * @param leader runs only if no flight for {@code key} is registered; it must complete the given future (the
     *     result) and return a stage that completes when the flight may be forgotten
     * @return the flight's result (a copy: completing it does not affect other callers)
     */
    @SuppressWarnings("unchecked")
    public <T> CompletableFuture<T> execute(K key, Function<CompletableFuture<T>, CompletionStage<?>> leader) {
        CompletableFuture<T> mine = new CompletableFuture<>();
        while (true) {
            CompletableFuture<?> existing = flights.putIfAbsent(key, mine);
            if (existing == null) {
                break;
            }
            // A failed flight that is still registered is not shared: the next caller tries again.
            if (existing.isCompletedExceptionally()) {
                if (flights.replace(key, existing, mine)) {
                    break;
                }
                continue;
            }
            joined.increment();
            return ((CompletableFuture<T>) existing).copy();
        }
        CompletionStage<?> settled;
        try {
            settled = leader.apply(mine);
        } catch (Throwable t) {
            mine.completeExceptionally(t);
            settled = CompletableFuture.completedFuture(null);
        }
        settled.whenComplete((r, e) -> {
            flights.remove(key, mine);
            if (!mine.isDone()) {
                mine.completeExceptionally(e != null ? e : new IllegalStateException("flight settled without result"));
            }
        });
        return mine.copy();
    }

    /** Callers that joined a flight instead of starting one. */
    public long joined() {
        return joined.sum();
    }

    /** Flights now registered. */
    public int inFlight() {
        return flights.size();
    }
}
