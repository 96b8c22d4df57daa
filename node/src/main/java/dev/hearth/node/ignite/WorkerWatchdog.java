package dev.hearth.node.ignite;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.apache.ignite.Ignite;
import org.apache.ignite.internal.IgniteEx;
import org.apache.ignite.internal.util.worker.GridWorker;
import org.apache.ignite.internal.worker.WorkersRegistry;

/**
 * Notices an Ignite system worker (a striped-pool thread, a data-streamer stripe, a network or discovery worker)
 * that has been inside one task for longer than a bound, and reports it once: a node whose worker hangs (e.g. a put
 * of a many-page entry waiting for free space for ever, IGNITE-24992) serves nothing on that stripe and must restart.
 *
 * <p>Ignite detects the same thing but its failure handler ignores it by default, for a good reason on machines that
 * stall: after a pause of the whole process (a long GC, SIGSTOP, a throttled container) every worker's heartbeat is
 * as old as the pause, and Ignite would halt every node of a cluster that froze together. This watchdog counts only
 * time it saw pass itself: {@link #check} runs every second, and a gap between two checks well beyond that means the
 * process did not run, so the time before the gap proves nothing about any worker. A worker is blocked when its
 * heartbeat is older than the bound and the watchdog has watched without a gap for at least the bound.
 *
 * <p>Not thread-safe: one thread calls {@link #check}.
 */
public final class WorkerWatchdog {
    /** A registered worker: {@code heartbeatMillis} is {@link Long#MAX_VALUE} while it waits for work. */
    public record Worker(String name, long heartbeatMillis, Thread thread) {
    }

    /** Ignite's registered system workers, read at each check. */
    @FunctionalInterface
    public interface Workers {
        List<Worker> snapshot();
    }

    /** What to do about a blocked worker; called once per watchdog. */
    @FunctionalInterface
    public interface OnBlocked {
        void blocked(Worker worker, long blockedMillis);
    }

    /** The expected time between checks; a gap beyond {@link #GAP} means the process stood still. */
    public static final Duration PERIOD = Duration.ofSeconds(1);
    static final long GAP = 3 * PERIOD.toMillis();

    private final Workers workers;
    private final long boundMillis;
    private final LongSupplier clock;
    private final OnBlocked onBlocked;
    private long lastCheck = Long.MIN_VALUE;
    private long watchingSince;
    private boolean reported;

    /**
     * @param clock epoch milliseconds, the clock Ignite stamps heartbeats with
     */
    public WorkerWatchdog(Workers workers, Duration bound, LongSupplier clock, OnBlocked onBlocked) {
        if (bound.toMillis() <= GAP) {
            throw new IllegalArgumentException("bound " + bound + " must exceed the " + GAP + " ms pause allowance");
        }
        this.workers = workers;
        this.boundMillis = bound.toMillis();
        this.clock = clock;
        this.onBlocked = onBlocked;
    }

    /** Ignite's own registry of this node's system workers (internal API: the public one does not list them). */
    public static Workers of(Ignite ignite) {
        WorkersRegistry registry = ((IgniteEx) ignite).context().workersRegistry();
        return () -> {
            List<Worker> out = new ArrayList<>();
            for (String name : registry.names()) {
                GridWorker w = registry.worker(name);
                if (w != null && !w.isCancelled() && !w.isDone()) {
                    out.add(new Worker(name, w.heartbeatTs(), w.runner()));
                }
            }
            return out;
        };
    }

    /**
     * Checks every worker once.
     *
     * @return the blocked worker reported by this check, or null
     */
    public Worker check() {
        long now = clock.getAsLong();
        if (lastCheck == Long.MIN_VALUE || now - lastCheck > GAP || now < lastCheck) {
            // First check, or the process (or its clock) jumped: only time from here on counts.
            watchingSince = now;
        }
        lastCheck = now;
        if (reported) {
            return null;
        }
        long watched = now - watchingSince;
        if (watched < boundMillis) {
            return null;
        }
        for (Worker w : workers.snapshot()) {
            if (w.heartbeatMillis() == Long.MAX_VALUE) {
                continue;
            }
            long blocked = now - w.heartbeatMillis();
            if (blocked > boundMillis) {
                reported = true;
                onBlocked.blocked(w, blocked);
                return w;
            }
        }
        return null;
    }

    /** The worker's current stack, for the log line that reports it. */
    public static String stack(Worker w) {
        if (w.thread() == null) {
            return "  (no thread)";
        }
        StringBuilder sb = new StringBuilder();
        for (StackTraceElement e : w.thread().getStackTrace()) {
            sb.append("\n  at ").append(e);
        }
        return sb.toString();
    }
}
