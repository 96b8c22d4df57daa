package dev.hearth.node.warmup;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * How fast a refill (a local-copy load or a warm-up from a dump) may hand entries to the cluster: never above its
 * ceiling, and lower while the refill makes foreground reads slow, so that it yields to the traffic it is meant to
 * help instead of starving it (issue #14: a read p99 of 1,023 ms during an unpaced warm-up).
 *
 * <p>Only latency the refill adds counts. On a busy machine reads are slow with or without a refill (the read load
 * itself, a neighbour, a GC), and a refill that yields to that would crawl at its floor while the cache stays cold
 * (a 1 GiB restart sat at 500 entries/s per node, 7% hit ratio after 45 s). So one window in every
 * {@link #QUIET_EVERY} + 1 sends nothing and measures the reads' latency without the refill: the baseline. A window
 * that sends is judged against the baseline plus the target.
 *
 * <p>Additive-increase is too slow from a low start, so both directions are multiplicative, decided once per
 * {@link #WINDOW}: when the worst read latency {@link Latency seen} in the window is above the baseline plus the
 * target the limit drops by a quarter (never below {@link #FLOOR}, so a refill always ends); when it is not and the
 * refill actually used at least {@link #BUSY} of its limit, the limit grows by a quarter. Not by half: the worst of
 * a window's probe reads is noisy on a busy machine, and a limit that halved whenever more than a quarter of the
 * windows saw one slow read sat at its floor while reads were fine (a 1 GiB restart: two of three nodes held to
 * 500-976 entries/s for minutes with reads at a p99 of 2 ms); a quarter down and a quarter up hold the limit level
 * until nearly half the windows are slow. A refill held back by something
 * else (the disk, the cluster's acknowledgements) does not grow a limit it does not use; otherwise the limit would
 * run far ahead and a latency spike would take many steps down to reach.
 *
 * <p>Not thread-safe: one refill, one thread.
 */
public final class AdaptiveRate implements AutoCloseable {
    /** How often the limit is reconsidered. */
    static final long WINDOW = TimeUnit.MILLISECONDS.toNanos(250);
    /** Entries per second a refill always gets, however slow reads are. */
    static final long FLOOR = 500;
    /** Where a refill with no ceiling starts, entries per second. */
    static final long START = 20_000;
    /** Share of the limit a window must use before the limit may grow. */
    static final double BUSY = 0.8;
    /** Sending windows between two quiet ones (which measure reads without the refill). */
    static final int QUIET_EVERY = 8;
    /** Longest a refill that fell behind its schedule may then run at full speed to catch up. */
    private static final long MAX_CATCH_UP = TimeUnit.MILLISECONDS.toNanos(20);

    /** The read latency that a refill is measured against. */
    public interface Latency extends AutoCloseable {
        /** No signal: the limit then only follows the ceiling. */
        Latency NONE = () -> -1;

        /**
         * The worst read latency seen since the previous call, counting a read still in flight as the time it has
         * waited so far, in nanoseconds; -1 when nothing was seen.
         */
        long worstNanos();

        @Override
        default void close() {
        }
    }

    /** Makes one rate per refill. */
    @FunctionalInterface
    public interface Factory {
        /**
         * @param ceiling entries per second at most, 0 for no ceiling
         */
        AdaptiveRate open(long ceiling);

        /** Only the ceiling, no adaptation: what tests and benchmarks that pace nothing use. */
        Factory FIXED = ceiling -> new AdaptiveRate(ceiling, 0, Latency.NONE, System::nanoTime,
                LockSupport::parkNanos);
    }

    /** Waits; injectable so that tests run on a clock of their own. */
    @FunctionalInterface
    public interface Parker {
        void park(long nanos);
    }

    private final long ceiling;
    private final long targetNanos;
    private final Latency latency;
    private final LongSupplier clock;
    private final Parker parker;
    private long limit;
    private long windowStart;
    private long windowEntries;
    private long next;
    /** Whether the current window sends nothing (it measures the baseline). */
    private boolean quiet;
    private int sinceQuiet;
    /** The worst read latency of the last two quiet windows, -1 before one was seen. */
    private long baseline = -1;
    private long previousBaseline = -1;

    /**
     * @param ceiling entries per second at most, 0 for none
     * @param targetNanos the read latency to keep below; 0 turns adaptation off (the limit is the ceiling)
     */
    public AdaptiveRate(long ceiling, long targetNanos, Latency latency, LongSupplier clock, Parker parker) {
        if (ceiling < 0 || targetNanos < 0) {
            throw new IllegalArgumentException("ceiling and target must be >= 0");
        }
        this.ceiling = ceiling;
        this.targetNanos = targetNanos;
        this.latency = latency;
        this.clock = clock;
        this.parker = parker;
        this.limit = targetNanos == 0 ? ceiling : ceiling == 0 ? START : Math.min(ceiling, START);
        this.windowStart = clock.getAsLong();
        this.next = windowStart;
        this.quiet = targetNanos > 0; // the first window measures the reads before the refill starts
    }

    /** Entries per second allowed right now, 0 for no limit. */
    public long limit() {
        return limit;
    }

    /** Whether the current window is one that sends nothing. */
    boolean quiet() {
        return quiet;
    }

    /** The read latency without the refill, as last measured; -1 before the first quiet window ended. */
    long baselineNanos() {
        return Math.max(baseline, previousBaseline);
    }

    /** Takes {@code entries} permits, waiting as long as the current limit requires. */
    public void acquire(int entries) {
        long now = clock.getAsLong();
        if (targetNanos > 0) {
            if (now - windowStart >= WINDOW) {
                adjust(now);
            }
            if (quiet) {
                // The first half lets the cluster finish what the refill had in flight; the second half is measured.
                parkUntil(windowStart + WINDOW / 2);
                latency.worstNanos();
                parkUntil(windowStart + WINDOW);
                now = Math.max(clock.getAsLong(), windowStart + WINDOW);
                adjust(now);
                next = now;
            }
        }
        windowEntries += entries;
        if (limit == 0) {
            return;
        }
        // A refill that fell behind (a slow batch) may catch up only briefly: a long burst is what hurts reads.
        next = Math.max(next, now - MAX_CATCH_UP) + entries * 1_000_000_000L / limit;
        long wait = next - now;
        if (wait > 0) {
            parker.park(wait);
        }
    }

    private void parkUntil(long when) {
        long wait = when - clock.getAsLong();
        if (wait > 0) {
            parker.park(wait);
        }
    }

    private void adjust(long now) {
        long worst = latency.worstNanos();
        if (quiet) {
            if (worst >= 0) {
                previousBaseline = baseline;
                baseline = worst;
            }
            quiet = false;
            sinceQuiet = 0;
        } else {
            long elapsed = now - windowStart;
            double used = (double) windowEntries * 1_000_000_000L / elapsed;
            if (worst > targetNanos + Math.max(0, baselineNanos())) {
                limit = Math.max(FLOOR, limit - limit / 4);
            } else if (used >= BUSY * limit) {
                long grown = limit + Math.max(1, limit / 4);
                limit = ceiling == 0 ? grown : Math.min(ceiling, grown);
            }
            quiet = ++sinceQuiet >= QUIET_EVERY;
        }
        windowStart = now;
        windowEntries = 0;
    }

    @Override
    public void close() {
        latency.close();
    }
}
