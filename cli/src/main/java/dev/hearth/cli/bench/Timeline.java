package dev.hearth.cli.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * A run's requests in windows of {@link #WINDOW_MILLIS} of the measured window, by when each request was due (or sent):
 * how many, how many took longer than {@link #SLOW_MILLIS}, and the slowest. A p99 says how many requests were slow;
 * this says when: spread over the run (scheduling, contention) or bunched in a few windows (a pause, a periodic task
 * of the servers), which is what to look for next. One instance per bench thread, so that recording takes no lock;
 * {@link #add} merges them.
 */
final class Timeline {
    static final long WINDOW_MILLIS = 100;
    static final long SLOW_MILLIS = 2;
    private static final long WINDOW_NANOS = WINDOW_MILLIS * 1_000_000;
    private static final long SLOW_NANOS = SLOW_MILLIS * 1_000_000;

    private final long startNanos;
    private final long[] requests;
    private final long[] slow;
    private final long[] maxNanos;

    /** @param startNanos the measured window's start ({@link System#nanoTime()}); @param seconds its length */
    Timeline(long startNanos, int seconds) {
        this.startNanos = startNanos;
        int windows = (int) (seconds * 1000L / WINDOW_MILLIS);
        requests = new long[windows];
        slow = new long[windows];
        maxNanos = new long[windows];
    }

    /** Counts {@code count} requests sent at {@code sentNanos} that took {@code tookNanos}; outside the window: none. */
    void record(long sentNanos, long tookNanos, int count) {
        long since = sentNanos - startNanos;
        // The sign is tested, not the quotient: division truncates toward zero, and would put the last nanoseconds
        // before the window into its first 100 ms.
        long w = since / WINDOW_NANOS;
        if (since < 0 || w >= requests.length) {
            return;
        }
        int i = (int) w;
        requests[i] += count;
        if (tookNanos > SLOW_NANOS) {
            slow[i] += count;
        }
        if (tookNanos > maxNanos[i]) {
            maxNanos[i] = tookNanos;
        }
    }

    /** Adds another thread's timeline of the same window into this one. */
    void add(Timeline other) {
        for (int i = 0; i < requests.length; i++) {
            requests[i] += other.requests[i];
            slow[i] += other.slow[i];
            maxNanos[i] = Math.max(maxNanos[i], other.maxNanos[i]);
        }
    }

    /**
     * Appends one CSV row per window to {@code file} (a header first when the file is new): the run's label, the
     * window's start as wall-clock milliseconds (to line up with the servers' logs), its requests, the slow ones and
     * the slowest in milliseconds.
     *
     * @param startEpochMillis the wall-clock time of the measured window's start
     */
    void append(Path file, String label, long startEpochMillis) {
        boolean fresh = !Files.exists(file);
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            if (fresh) {
                out.write("run,window_start_epoch_ms,requests,over_" + SLOW_MILLIS + "ms,max_ms\n");
            }
            for (int i = 0; i < requests.length; i++) {
                out.write(String.format(Locale.ROOT, "%s,%d,%d,%d,%.3f%n", label,
                        startEpochMillis + i * WINDOW_MILLIS, requests[i], slow[i], maxNanos[i] / 1e6));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the timeline to " + file, e);
        }
    }

    /** The windows' slow requests as a share of all, for the windows that held the most slow ones first. */
    String concentration() {
        long total = 0;
        long slowTotal = 0;
        Long[] bySlow = new Long[slow.length];
        for (int i = 0; i < slow.length; i++) {
            total += requests[i];
            slowTotal += slow[i];
            bySlow[i] = slow[i];
        }
        java.util.Arrays.sort(bySlow, java.util.Comparator.reverseOrder());
        long top = 0;
        int tenth = Math.max(1, slow.length / 10);
        for (int i = 0; i < tenth; i++) {
            top += bySlow[i];
        }
        return String.format(Locale.ROOT, "%d of %d requests over %d ms; the worst tenth of the %d ms windows "
                + "held %.0f%% of them", slowTotal, total, SLOW_MILLIS, WINDOW_MILLIS,
                slowTotal == 0 ? 0.0 : 100.0 * top / slowTotal);
    }
}
