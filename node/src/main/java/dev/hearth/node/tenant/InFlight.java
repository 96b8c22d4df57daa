package dev.hearth.node.tenant;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts requests in flight in two alternating generations, so a registry change can wait for every request that
 * might have routed by the old record (see {@link TenantRegistry#awaitEverywhere}) without a lock on the request
 * path: {@link #begin} is one read and one increment.
 */
public final class InFlight {
    private final AtomicLong generation = new AtomicLong();
    private final AtomicLong[] open = {new AtomicLong(), new AtomicLong()};

    /** Call before reading the route; pass the result to {@link #end} when the request completes. */
    public int begin() {
        int g = (int) (generation.get() & 1);
        open[g].incrementAndGet();
        return g;
    }

    public void end(int g) {
        open[g].decrementAndGet();
    }

    /**
     * Starts a new generation and waits until the previous one has no request left. Requests that begin after this
     * call read the route after the caller's registry change reached the mirror.
     *
     * @return false on timeout
     */
    public boolean drain(long timeout, TimeUnit unit) throws InterruptedException {
        long g = generation.getAndIncrement() & 1;
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (open[(int) g].get() > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(1);
        }
        return true;
    }
}
