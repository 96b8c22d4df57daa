package dev.hearth.node.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class LatencyHistogramTest {
    @Test
    void eachDurationLandsInTheFirstBucketWhoseBoundHoldsIt() {
        LatencyHistogram h = new LatencyHistogram();
        h.record(TimeUnit.MICROSECONDS.toNanos(100)); // <= 0.25 ms
        h.record(TimeUnit.MICROSECONDS.toNanos(250)); // exactly on a bound: that bucket (le means "less or equal")
        h.record(TimeUnit.MILLISECONDS.toNanos(20)); // the 20 ms budget itself
        h.record(TimeUnit.MILLISECONDS.toNanos(20) + 1); // just over it
        h.record(TimeUnit.SECONDS.toNanos(60)); // past every bound: +Inf
        h.record(-5); // a clock step backwards counts as 0
        LatencyHistogram.Snapshot s = h.snapshot();
        long[] expected = new long[LatencyHistogram.BOUNDS_SECONDS.length + 1];
        expected[0] = 3;
        expected[6] = 1; // 0.02
        expected[7] = 1; // 0.05
        expected[expected.length - 1] = 1;
        assertEquals(0.02, LatencyHistogram.BOUNDS_SECONDS[6]);
        assertArrayEquals(expected, s.counts());
        assertEquals(6, s.count());
        assertEquals(60.040350001, s.sumSeconds(), 1e-9);
    }

    @Test
    void statsKeepOneHistogramPerOperation() {
        OperationStats stats = new OperationStats();
        stats.timed("get", 1_000);
        stats.timed("get", 2_000);
        stats.timed("set", 3_000);
        assertEquals(java.util.List.of("get", "set"), java.util.List.copyOf(stats.latencies().keySet()));
        assertEquals(2, stats.latencies().get("get").count());
        assertEquals(1, stats.latencies().get("set").count());
    }
}
