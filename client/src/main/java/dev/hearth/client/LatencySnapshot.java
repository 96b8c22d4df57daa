package dev.hearth.client;

import java.util.Arrays;

/**
 * An immutable latency distribution in microseconds: each distinct recorded value (to 3 significant digits, the
 * client's recording precision) with how many times it was recorded.
 */
public final class LatencySnapshot {
    private static final LatencySnapshot EMPTY = new LatencySnapshot(new long[0], new long[0]);

    private final long[] values;
    private final long[] counts;
    private final long count;
    private final double mean;

    private LatencySnapshot(long[] values, long[] counts) {
        this.values = values;
        this.counts = counts;
        long n = 0;
        double sum = 0;
        for (int i = 0; i < values.length; i++) {
            n += counts[i];
            sum += (double) values[i] * counts[i];
        }
        this.count = n;
        this.mean = n == 0 ? 0 : sum / n;
    }

    /**
     * A distribution from its recorded values, copied.
     *
     * @param valuesMicros distinct values in ascending order, none negative
     * @param counts how many times each was recorded (positive), at the same index
     * @throws IllegalArgumentException if the arrays differ in length, or a value or count breaks those rules
     */
    public static LatencySnapshot of(long[] valuesMicros, long[] counts) {
        if (valuesMicros.length != counts.length) {
            throw new IllegalArgumentException(valuesMicros.length + " values but " + counts.length + " counts");
        }
        for (int i = 0; i < valuesMicros.length; i++) {
            if (valuesMicros[i] < 0 || counts[i] < 1 || (i > 0 && valuesMicros[i] <= valuesMicros[i - 1])) {
                throw new IllegalArgumentException("values must be distinct, ascending and not negative, counts "
                        + "positive: value " + valuesMicros[i] + " count " + counts[i] + " at index " + i);
            }
        }
        return valuesMicros.length == 0 ? EMPTY
                : new LatencySnapshot(valuesMicros.clone(), counts.clone());
    }

    public long count() {
        return count;
    }

    /**
     * @param percentile 0.0 to 100.0
     * @return the smallest recorded value that at least {@code percentile}% of the recordings do not exceed; 0 when
     *     nothing was recorded
     */
    public long valueAtPercentileMicros(double percentile) {
        if (count == 0) {
            return 0;
        }
        double p = Math.min(100.0, Math.max(0.0, percentile));
        long rank = Math.max(1, (long) Math.ceil(p / 100.0 * count));
        long seen = 0;
        for (int i = 0; i < values.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return values[i];
            }
        }
        return values[values.length - 1];
    }

    public long p50Micros() {
        return valueAtPercentileMicros(50);
    }

    public long p99Micros() {
        return valueAtPercentileMicros(99);
    }

    public long p999Micros() {
        return valueAtPercentileMicros(99.9);
    }

    /** The largest recorded value; 0 when nothing was recorded. */
    public long maxMicros() {
        return values.length == 0 ? 0 : values[values.length - 1];
    }

    public double meanMicros() {
        return mean;
    }

    /** @return the distinct recorded values, ascending (a copy) */
    public long[] valuesMicros() {
        return values.clone();
    }

    /** @return how many times each of {@link #valuesMicros()} was recorded (a copy) */
    public long[] counts() {
        return counts.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LatencySnapshot other && Arrays.equals(values, other.values)
                && Arrays.equals(counts, other.counts);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(values) + Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        return "LatencySnapshot[count=" + count() + ", p50=" + p50Micros() + "us, p99=" + p99Micros() + "us, p99.9="
                + p999Micros() + "us, max=" + maxMicros() + "us]";
    }
}
