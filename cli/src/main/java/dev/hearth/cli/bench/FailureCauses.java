package dev.hearth.cli.bench;

import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * Failed operations by the class of what failed them, counted while {@link #counting} is on: a FAILED count alone
 * does not say whether the cluster timed out, refused, or the client gave up before asking (an open circuit). Keyed
 * by class only, so the table stays as small as the set of exception types, whatever the messages say.
 */
final class FailureCauses {
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    private volatile boolean counting;

    /** Turns counting on (the measured window began) or off; warm-up failures are not the run's. */
    void counting(boolean on) {
        counting = on;
    }

    void record(Throwable e) {
        if (counting) {
            counts.computeIfAbsent(e.getClass().getSimpleName(), k -> new LongAdder()).increment();
        }
    }

    /** Forgets every count: each run reports its own. */
    void clear() {
        counts.clear();
    }

    /** "CircuitOpenException=600, HearthTimeoutException=12", most frequent first; empty if nothing failed. */
    String summary() {
        return counts.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue().sum()))
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
                        .thenComparing(Map.Entry.comparingByKey()))
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(", "));
    }
}
