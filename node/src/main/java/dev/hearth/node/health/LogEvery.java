package dev.hearth.node.health;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * At most one log line per key and interval. A condition that repeats (a client looping over a refused value, a disk
 * that stays full, a scanner knocking on a TLS port) must be counted every time but must not flood the log: the line
 * that is let through carries the count. Thread-safe; the first line of each key always passes.
 */
public final class LogEvery {
    private final long intervalNanos;
    private final LongSupplier nanoTime;
    private final Map<String, AtomicLong> last = new ConcurrentHashMap<>();

    public LogEvery(Duration interval) {
        this(interval, System::nanoTime);
    }

    LogEvery(Duration interval, LongSupplier nanoTime) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive: " + interval);
        }
        this.intervalNanos = interval.toNanos();
        this.nanoTime = nanoTime;
    }

    /**
     * Whether a line about {@code key} may be logged now: true for the first call of a key and then for the first
     * call at least one interval after the last true; of concurrent callers, one gets true.
     */
    public boolean allow(String key) {
        long now = nanoTime.getAsLong();
        AtomicLong at = last.computeIfAbsent(key, k -> new AtomicLong(now - intervalNanos));
        long prev = at.get();
        return now - prev >= intervalNanos && at.compareAndSet(prev, now);
    }
}
