package dev.hearth.client.internal;

import dev.hearth.client.CircuitState;
import dev.hearth.client.ClientStats;
import dev.hearth.client.LatencySnapshot;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
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
    private final Recorder recorder = new Recorder(3);
    private final Histogram cumulative = new Histogram(3);

    public void latencyNanos(long nanos) {
        recorder.recordValue(Math.min(MAX_MICROS, Math.max(0, nanos / 1000)));
    }

    public ClientStats snapshot(long coalesced, CircuitState state, long registryAgeMillis) {
        Histogram copy;
        synchronized (cumulative) {
            cumulative.add(recorder.getIntervalHistogram());
            copy = cumulative.copy();
        }
        return new ClientStats(hits.sum(), misses.sum(), loads.sum(), loadFailures.sum(), timeouts.sum(),
                errors.sum(), rejected.sum(), retries.sum(), coalesced, bypassed.sum(), registryRefreshes.sum(),
                registryRefreshFailures.sum(), registryAgeMillis, state, new LatencySnapshot(copy));
    }
}
