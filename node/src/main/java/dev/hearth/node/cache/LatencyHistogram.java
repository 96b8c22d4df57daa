package dev.hearth.node.cache;

import java.util.concurrent.atomic.LongAdder;

/**
 * Durations of one operation in fixed buckets, for a Prometheus classic histogram: fixed bounds let every node's
 * buckets be summed and {@code histogram_quantile} taken over the cluster, which per-node percentiles do not allow.
 * Recording is a bounds scan and two adds, without locks or allocation, so it can sit on every request's path.
 */
public final class LatencyHistogram {
    /**
     * Upper bounds in seconds. Dense around the client's 20 ms deadline budget (a p99 alert needs a bound at the
     * budget itself), sparse above a second, where the question is only "stuck or not".
     */
    public static final double[] BOUNDS_SECONDS = {0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1,
        0.25, 0.5, 1, 2.5, 5};

    /** {@link #BOUNDS_SECONDS} and +Inf: the upper bounds of {@link Snapshot#counts()}, in order. */
    private static final double[] UPPER_BOUNDS = java.util.Arrays.copyOf(BOUNDS_SECONDS, BOUNDS_SECONDS.length + 1);
    private static final long[] BOUNDS_NANOS = new long[BOUNDS_SECONDS.length];

    static {
        UPPER_BOUNDS[BOUNDS_SECONDS.length] = Double.POSITIVE_INFINITY;
        for (int i = 0; i < BOUNDS_SECONDS.length; i++) {
            BOUNDS_NANOS[i] = Math.round(BOUNDS_SECONDS[i] * 1e9);
        }
    }

    /** One more than the bounds: the last counts what passed every bound (+Inf). Not cumulative. */
    private final LongAdder[] counts = new LongAdder[BOUNDS_SECONDS.length + 1];
    private final LongAdder sumNanos = new LongAdder();

    public LatencyHistogram() {
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    /** Counts one operation that took {@code nanos} (a negative value, from a clock step, counts as 0). */
    public void record(long nanos) {
        long n = Math.max(0, nanos);
        int i = 0;
        while (i < BOUNDS_NANOS.length && n > BOUNDS_NANOS[i]) {
            i++;
        }
        counts[i].increment();
        sumNanos.add(n);
    }

    /** The counts so far; taken without a lock, so a concurrent record may show in one field before another. */
    public Snapshot snapshot() {
        long[] c = new long[counts.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = counts[i].sum();
        }
        return new Snapshot(c, sumNanos.sum() / 1e9);
    }

    /**
     * @param counts per bucket, not cumulative, in the order of {@link #BOUNDS_SECONDS} and then +Inf
     * @param sumSeconds total time of every operation counted
     */
    public record Snapshot(long[] counts, double sumSeconds) {
        /** The upper bound of each of {@link #counts}, in seconds, the last +Inf (a copy). */
        public double[] upperBounds() {
            return UPPER_BOUNDS.clone();
        }

        public long count() {
            long n = 0;
            for (long c : counts) {
                n += c;
            }
            return n;
        }
    }
}
