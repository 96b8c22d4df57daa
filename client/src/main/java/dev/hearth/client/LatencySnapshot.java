package dev.hearth.client;

import org.HdrHistogram.Histogram;

/**
 * An immutable latency distribution (microseconds, 3 significant digits), backed by an HdrHistogram copy that
 * nothing else references.
 */
public final class LatencySnapshot {
    private final Histogram histogram;

    /** Takes ownership of {@code histogram}: the caller must not use it afterwards. */
    public LatencySnapshot(Histogram histogram) {
        this.histogram = histogram;
    }

    public long count() {
        return histogram.getTotalCount();
    }

    /** @param percentile 0.0 to 100.0 */
    public long valueAtPercentileMicros(double percentile) {
        return histogram.getValueAtPercentile(percentile);
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

    public long maxMicros() {
        return histogram.getMaxValue();
    }

    public double meanMicros() {
        return histogram.getMean();
    }

    /** @return a fresh copy of the underlying histogram, free to modify */
    public Histogram histogram() {
        return histogram.copy();
    }

    @Override
    public String toString() {
        return "LatencySnapshot[count=" + count() + ", p50=" + p50Micros() + "us, p99=" + p99Micros() + "us, p99.9="
                + p999Micros() + "us, max=" + maxMicros() + "us]";
    }
}
