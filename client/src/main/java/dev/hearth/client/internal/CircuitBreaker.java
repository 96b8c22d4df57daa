package dev.hearth.client.internal;

import dev.hearth.client.CircuitState;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Opens after {@code threshold} consecutive unreachable-cluster failures; while open, {@link #allowRequest()} is
 * false and one probe at a time may run ({@link #tryStartProbe()}); a successful probe closes it. Lock-free: the
 * check on the request path is one volatile read.
 */
public final class CircuitBreaker {
    private final int threshold;
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private final AtomicReference<CircuitState> state = new AtomicReference<>(CircuitState.CLOSED);

    public CircuitBreaker(int threshold) {
        if (threshold < 1) {
            throw new IllegalArgumentException("threshold must be at least 1");
        }
        this.threshold = threshold;
    }

    public CircuitState state() {
        return state.get();
    }

    public boolean allowRequest() {
        return state.get() == CircuitState.CLOSED;
    }

    public void onSuccess() {
        if (consecutiveFailures.get() != 0) {
            consecutiveFailures.set(0);
        }
    }

    /** @return true if this failure opened the circuit */
    public boolean onUnreachable() {
        if (consecutiveFailures.incrementAndGet() >= threshold) {
            return state.compareAndSet(CircuitState.CLOSED, CircuitState.OPEN);
        }
        return false;
    }

    /** Opens the circuit at once (e.g. no connection could be made at all). */
    public void forceOpen() {
        state.set(CircuitState.OPEN);
    }

    /** @return true if the caller now owns the (only) probe and must report it with {@link #onProbe} */
    public boolean tryStartProbe() {
        return state.compareAndSet(CircuitState.OPEN, CircuitState.HALF_OPEN);
    }

    public void onProbe(boolean succeeded) {
        if (succeeded) {
            consecutiveFailures.set(0);
            state.compareAndSet(CircuitState.HALF_OPEN, CircuitState.CLOSED);
        } else {
            state.compareAndSet(CircuitState.HALF_OPEN, CircuitState.OPEN);
        }
    }
}
