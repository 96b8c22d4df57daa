package dev.hearth.node.memcached;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A number of bytes shared by the answers of the memcached endpoint: a read reserves the largest answer it can get
 * before it asks the cluster, keeps what its answer really takes until the answer is written to the socket, and
 * gives back the rest at once. A budget may have a parent (a connection's budget inside the node's): bytes are
 * taken from both, the child first.
 *
 * <p>Waiters are served first come, first served: a large reservation is not starved by a stream of small ones.
 * One reservation larger than the capacity is clamped to it, so it waits for everything to be given back rather
 * than for ever. Thread-safe; futures complete outside the lock, on the thread that released the bytes (or the
 * caller's, when the bytes are free at once).
 */
final class ByteBudget {
    private final long capacity;
    private final ByteBudget parent;
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private long used;

    private record Waiter(long bytes, CompletableFuture<Void> granted) {
    }

    /**
     * @param capacity bytes that may be reserved at once, at least 1
     * @param parent the budget these bytes are also taken from, or null
     */
    ByteBudget(long capacity, ByteBudget parent) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
        }
        this.capacity = capacity;
        this.parent = parent;
    }

    long capacity() {
        return capacity;
    }

    /** Bytes reserved now (this budget only). */
    synchronized long used() {
        return used;
    }

    /** Whether someone waits for bytes of this budget. */
    synchronized boolean hasWaiters() {
        return !waiters.isEmpty();
    }

    /**
     * Reserves {@code bytes} (clamped to the capacity of this budget and its parent's), here and in the parent.
     *
     * @return completes once they are reserved; the caller then owes a {@link #release} of {@link #clamp} of them
     */
    CompletableFuture<Void> acquire(long bytes) {
        long n = clamp(bytes);
        CompletableFuture<Void> mine;
        synchronized (this) {
            if (waiters.isEmpty() && used + n <= capacity) {
                used += n;
                mine = null;
            } else {
                mine = new CompletableFuture<>();
                waiters.addLast(new Waiter(n, mine));
            }
        }
        CompletableFuture<Void> here = mine == null ? CompletableFuture.completedFuture(null) : mine;
        if (parent == null) {
            return here;
        }
        return here.isDone() ? parent.acquire(n) : here.thenCompose(v -> parent.acquire(n));
    }

    /** The bytes a reservation of {@code bytes} really takes. */
    long clamp(long bytes) {
        long n = Math.max(0, Math.min(bytes, capacity));
        return parent == null ? n : parent.clamp(n);
    }

    /** Takes {@code bytes} at once, past the capacity if need be (an answer larger than its reservation). */
    void force(long bytes) {
        if (bytes <= 0) {
            return;
        }
        synchronized (this) {
            used += bytes;
        }
        if (parent != null) {
            parent.force(bytes);
        }
    }

    /** Gives back {@code bytes} reserved here (and in the parent), then serves the waiters they make room for. */
    void release(long bytes) {
        if (bytes <= 0) {
            return;
        }
        List<CompletableFuture<Void>> ready = new ArrayList<>(2);
        synchronized (this) {
            used -= bytes;
            if (used < 0) {
                throw new IllegalStateException("released " + bytes + " bytes more than were reserved");
            }
            while (!waiters.isEmpty() && used + waiters.peekFirst().bytes() <= capacity) {
                Waiter w = waiters.pollFirst();
                used += w.bytes();
                ready.add(w.granted());
            }
        }
        if (parent != null) {
            parent.release(bytes);
        }
        for (CompletableFuture<Void> f : ready) {
            f.complete(null);
        }
    }

    /**
     * Fails every waiter of this budget (the connection closed): their reservations were never made, so nothing is
     * owed for them.
     */
    void cancelWaiters(Throwable why) {
        List<Waiter> gone;
        synchronized (this) {
            gone = new ArrayList<>(waiters);
            waiters.clear();
        }
        for (Waiter w : gone) {
            w.granted().completeExceptionally(why);
        }
    }
}
