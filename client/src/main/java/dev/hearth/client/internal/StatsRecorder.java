package dev.hearth.client.internal;

import dev.hearth.client.CircuitState;
import dev.hearth.client.ClientStats;
import dev.hearth.client.LatencySnapshot;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.HdrHistogram.Recorder;

/** The client's counters and latency histogram; writers never block each other. */
public final class StatsRecorder {
    private static final long MAX_MICROS = TimeUnit.MINUTES.toMicros(10);

    final LongAdder hits = new LongAdder();
    final LongAdder misses = new LongAdder();
    final LongAdder loads = new LongAdder();
    final LongAdder loadFailures = new LongAdder();
    final LongAdder timeouts = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder retries = new LongAdder();
    final LongAdder bypassed = new LongAdder();
    final LongAdder registryRefreshes = new LongAdder();
    final LongAdder registryRefreshFailures = new LongAdder();
    final LongAdder readFailovers = new LongAdder();
    final LongAdder readFailoverAnswers = new LongAdder();
    final LongAdder sentFromCaller = new LongAdder();
    /**
     * Striped by thread id, enough stripes that callers rarely share one: a recorder updates shared atomic counters
     * on every value (its writer phaser, the total count, min and max), and with 8 stripes two callers per stripe on
     * different cores kept stealing that cache line from each other: 9% of the callers' CPU samples at 16 threads
     * went to recording latency. A stripe's histograms grow only to the largest value recorded in it (tens of KB).
     */
    private final Recorder[] recorders = new Recorder[STRIPES];
    private final Histogram cumulative = new Histogram(3);

    private static final int STRIPES = 64;

    public StatsRecorder() {
        for (int i = 0; i < STRIPES; i++) {
            recorders[i] = new Recorder(3);
        }
    }

    public void latencyNanos(long nanos) {
        recorders[(int) Thread.currentThread().getId() & (STRIPES - 1)]
                .recordValue(Math.min(MAX_MICROS, Math.max(0, nanos / 1000)));
    }

    public ClientStats snapshot(long coalesced, CircuitState state, long registryAgeMillis, boolean writesRefused) {
        LatencySnapshot latency;
        synchronized (cumulative) {
            for (Recorder r : recorders) {
                cumulative.add(r.getIntervalHistogram());
            }
            latency = snapshotOf(cumulative);
        }
        return new ClientStats(hits.sum(), misses.sum(), loads.sum(), loadFailures.sum(), timeouts.sum(),
                errors.sum(), rejected.sum(), retries.sum(), coalesced, bypassed.sum(), registryRefreshes.sum(),
                registryRefreshFailures.sum(), registryAgeMillis, state, latency, readFailovers.sum(),
                readFailoverAnswers.sum(), writesRefused, sentFromCaller.sum());
    }

    /** The histogram's recorded values (each bucket's highest equivalent value, as HdrHistogram reports them). */
    private static LatencySnapshot snapshotOf(Histogram h) {
        int n = 0;
        for (HistogramIterationValue v : h.recordedValues()) {
            n++;
        }
        long[] values = new long[n];
        long[] counts = new long[n];
        int i = 0;
        for (HistogramIterationValue v : h.recordedValues()) {
            values[i] = v.getValueIteratedTo();
            counts[i++] = v.getCountAtValueIteratedTo();
        }
        return LatencySnapshot.of(values, counts);
    }
}
