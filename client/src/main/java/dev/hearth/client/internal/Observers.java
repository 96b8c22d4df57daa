package dev.hearth.client.internal;

import dev.hearth.client.Operation;
import dev.hearth.client.OperationListener;
import dev.hearth.client.Ticker;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The builder's {@link OperationListener}s around each operation; nothing at all when there are none. */
final class Observers {
    private static final Logger LOG = LoggerFactory.getLogger(Observers.class);

    private final List<OperationListener> listeners;
    private final Ticker ticker;
    /** Listeners whose exception was logged already: once each, not once per call. */
    private final Set<OperationListener> complained = ConcurrentHashMap.newKeySet();

    Observers(List<OperationListener> listeners, Ticker ticker) {
        this.listeners = List.copyOf(listeners);
        this.ticker = ticker;
    }

    /**
     * Runs {@code call} as operation {@code op}: listeners hear its start now and its end when the returned future
     * completes (the very future {@code call} made, so a caller that gives up at its deadline by completing it ends
     * it too), or at once if {@code call} throws.
     */
    <T> CompletableFuture<T> observe(Operation op, String tenant, Supplier<CompletableFuture<T>> call) {
        if (listeners.isEmpty()) {
            return call.get();
        }
        long start = ticker.read();
        Object[] contexts = new Object[listeners.size()];
        for (int i = 0; i < contexts.length; i++) {
            OperationListener l = listeners.get(i);
            try {
                contexts[i] = l.started(op, tenant);
            } catch (RuntimeException e) {
                complain(l, e);
            }
        }
        CompletableFuture<T> f;
        try {
            f = call.get();
        } catch (RuntimeException | Error e) {
            end(op, tenant, contexts, start, e);
            throw e;
        }
        f.whenComplete((r, e) -> end(op, tenant, contexts, start, e == null ? null : Failures.unwrap(e)));
        return f;
    }

    /** A read's key was found live or not. */
    void lookedUp(String tenant, boolean hit) {
        for (int i = 0; i < listeners.size(); i++) {
            OperationListener l = listeners.get(i);
            try {
                l.lookedUp(tenant, hit);
            } catch (RuntimeException e) {
                complain(l, e);
            }
        }
    }

    private void end(Operation op, String tenant, Object[] contexts, long start, Throwable failure) {
        long took = ticker.read() - start;
        for (int i = 0; i < contexts.length; i++) {
            OperationListener l = listeners.get(i);
            try {
                l.ended(op, tenant, contexts[i], took, failure);
            } catch (RuntimeException e) {
                complain(l, e);
            }
        }
    }

    private void complain(OperationListener l, RuntimeException e) {
        if (complained.add(l)) {
            LOG.warn("Hearth client: operation listener {} threw; its further exceptions are not logged", l, e);
        }
    }
}
