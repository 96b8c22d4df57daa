package dev.hearth.node.warmup;

import dev.hearth.node.dump.DumpFile;
import dev.hearth.node.dump.DumpService;
import dev.hearth.node.dump.EntryChecks;
import dev.hearth.storage.Item;
import dev.hearth.wire.status.Refill;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Loads one of this node's dumps back into the running cluster. Entries that expired since the dump are skipped,
 * damaged ones too, and an entry is only stored where its key is absent or holds an older version: anything written
 * since the cluster came back is newer than the dump and is never overwritten.
 */
public final class WarmupService {
    private static final Logger LOG = LogManager.getLogger(WarmupService.class);

    /** Streams entries into a zone of the cluster, storing each only where its key is absent or older. */
    public interface ClusterLoader {
        Session open(String zone);

        /**
         * One zone's stream. {@link #close} flushes and waits until everything sent is stored. Every wait is
         * bounded: a batch the cluster does not store in time makes {@code add} or {@code close} throw. On a loading
         * thread that was interrupted (the node is stopping) they throw {@link CancellationException} at once,
         * without sending anything again.
         */
        interface Session extends AutoCloseable {
            void add(String storageKey, byte[] value, long expireAt);

            @Override
            void close();

            /** After a failure: stop without waiting for what is still buffered or in flight. */
            default void abandon() {
            }
        }
    }

    /**
     * Progress of the current or last warm-up on this node.
     *
     * @param state idle, running, complete, failed, cancelled (by an operator) or stopped (the node began to stop
     *     while it ran)
     * @param entriesTotal entries in the dump files being loaded
     * @param entriesRead entries read so far
     * @param entriesSent entries handed to the cluster (inserted unless the key already had a newer value)
     */
    public record Status(String state, String dump, String zone, long entriesTotal, long entriesRead,
            long entriesSent, long skippedExpired, long skippedDamaged, long bytesRead, long startedAt,
            long elapsedMillis, String error) {
    }

    private final DumpService dumps;
    private final ClusterLoader loader;
    private final ExecutorService executor;
    private final AdaptiveRate.Factory paces;
    private volatile Job job;

    /** Paced by the requested rate only, without adapting to reads. */
    public WarmupService(DumpService dumps, ClusterLoader loader, ExecutorService executor) {
        this(dumps, loader, executor, AdaptiveRate.Factory.FIXED);
    }

    /**
     * @param paces makes each warm-up's rate from the rate it was asked for (its ceiling)
     */
    public WarmupService(DumpService dumps, ClusterLoader loader, ExecutorService executor,
            AdaptiveRate.Factory paces) {
        this.dumps = dumps;
        this.loader = loader;
        this.executor = executor;
        this.paces = paces;
    }

    private static final class Job {
        final String dump;
        final String zone;
        final long total;
        final long startedAt = System.currentTimeMillis();
        final AtomicLong read = new AtomicLong();
        final AtomicLong sent = new AtomicLong();
        final AtomicLong expired = new AtomicLong();
        final AtomicLong damaged = new AtomicLong();
        final AtomicLong bytes = new AtomicLong();
        volatile String state = "running";
        volatile String error;
        volatile long finishedAt;
        volatile long rateLimit;
        /** Set by an operator's cancel; the loading thread stops at its next entry. */
        volatile boolean cancelRequested;

        Job(String dump, String zone, long total) {
            this.dump = dump;
            this.zone = zone;
            this.total = total;
        }
    }

    /**
     * Starts loading a dump in the background.
     *
     * @param dumpName the dump, or null for the newest complete one
     * @param zone one zone, or null for every zone in the dump
     * @param ratePerSecond entries per second at most, 0 for no limit
     * @throws IllegalArgumentException if there is no such complete dump or zone in it
     * @throws IllegalStateException if a warm-up is already running
     */
    public synchronized Status start(String dumpName, String zone, long ratePerSecond) {
        if (job != null && job.state.equals("running")) {
            throw new IllegalStateException("a warm-up from " + job.dump + " is already running");
        }
        Optional<DumpService.DumpInfo> found = dumpName == null ? dumps.newest() : dumps.info(dumpName);
        DumpService.DumpInfo dump = found.orElseThrow(() -> new IllegalArgumentException(
                dumpName == null ? "this node has no complete dump" : "no dump named '" + dumpName + "' on this node"));
        if (!dump.state().equals("complete")) {
            throw new IllegalArgumentException("dump " + dump.name() + " is " + dump.state() + ", not complete");
        }
        if (zone != null && !dump.zones().containsKey(zone)) {
            throw new IllegalArgumentException("dump " + dump.name() + " has no zone '" + zone + "'; it has "
                    + dump.zones().keySet());
        }
        List<String> zones = zone == null ? List.copyOf(dump.zones().keySet()) : List.of(zone);
        long total = zones.stream().mapToLong(z -> dump.zones().get(z).entries()).sum();
        Job j = new Job(dump.name(), zone, total);
        job = j;
        executor.execute(() -> run(dump, zones, ratePerSecond, j));
        return status();
    }

    private void run(DumpService.DumpInfo dump, List<String> zones, long rate, Job j) {
        try (AdaptiveRate pace = paces.open(rate)) {
            for (String zone : zones) {
                ClusterLoader.Session session = loader.open(zone);
                try {
                    DumpFile.read(dumps.file(dump, zone), (k, v) -> {
                        if (j.cancelRequested) {
                            throw new CancellationException("cancelled by an operator");
                        }
                        j.read.incrementAndGet();
                        j.bytes.addAndGet(k.length() + v.length);
                        Item item = EntryChecks.decode(k, v);
                        if (item == null) {
                            j.damaged.incrementAndGet();
                            return;
                        }
                        if (item.isExpired(System.currentTimeMillis())) {
                            j.expired.incrementAndGet();
                            return;
                        }
                        pace.acquire(1);
                        j.rateLimit = pace.limit();
                        session.add(k, v, item.expireAt());
                        j.sent.incrementAndGet();
                    });
                } catch (IOException | RuntimeException e) {
                    // close() would flush first and wait (bounded) once more for a cluster that just failed us.
                    try {
                        session.abandon();
                    } catch (RuntimeException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                    throw e;
                }
                session.close();
            }
            j.state = "complete";
            LOG.info("Warm-up from dump {} complete: {} entries loaded, {} expired, {} damaged, in {} ms", j.dump,
                    j.sent.get(), j.expired.get(), j.damaged.get(), System.currentTimeMillis() - j.startedAt);
        } catch (IOException | RuntimeException e) {
            if (j.cancelRequested && e instanceof CancellationException) {
                // What was sent stays: every entry was inserted only where absent, so a part-loaded dump is as
                // safe as a whole one.
                j.state = "cancelled";
                LOG.info("Warm-up from dump {} cancelled by an operator after {} entries", j.dump, j.sent.get());
            } else if (stopped(e)) {
                j.state = "stopped";
                LOG.info("Warm-up from dump {} stopped after {} entries: the node is stopping", j.dump, j.sent.get());
            } else {
                j.error = describe(e);
                j.state = "failed";
                LOG.error("Warm-up from dump {} failed", j.dump, e);
            }
        } catch (Error e) {
            // Anything else still ends the job: a warm-up must never stay "running" for ever.
            j.error = "internal error: " + describe(e);
            j.state = "failed";
            LOG.error("Warm-up from dump {} failed", j.dump, e);
            throw e;
        } finally {
            j.finishedAt = System.currentTimeMillis();
        }
    }

    /**
     * Whether a refill ended because its thread was interrupted (the node's stop interrupts it) rather than because
     * the cluster failed it: that is a stop, not an error to log or to report as a failure.
     */
    public static boolean stopped(Throwable e) {
        return e instanceof CancellationException || Thread.currentThread().isInterrupted();
    }

    /**
     * The failure in one line for the operator: Ignite wraps the cause several times ("DataStreamer request
     * failed", "too many remaps"), so the innermost distinct messages are what says what happened.
     */
    public static String describe(Throwable e) {
        StringBuilder out = new StringBuilder();
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
            String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (out.indexOf(m) < 0) {
                if (out.length() > 0) {
                    out.append(": ");
                }
                out.append(m);
            }
        }
        String text = out.toString();
        return text.length() > 1000 ? text.substring(0, 1000) + "..." : text;
    }

    /** The current or last warm-up as a refill, null when there was none. */
    public Refill refill() {
        Job j = job;
        if (j == null) {
            return null;
        }
        long end = j.finishedAt != 0 ? j.finishedAt : System.currentTimeMillis();
        return Refill.of("dump " + j.dump, j.zone == null ? "warm-up" : "warm-up of zone " + j.zone, j.state,
                j.read.get(), j.total, j.bytes.get(), -1, j.startedAt, end - j.startedAt,
                j.state.equals("running") ? j.rateLimit : 0);
    }

    /**
     * Asks the running warm-up to stop at its next entry; what it loaded stays. No effect on one that has ended.
     *
     * @return the warm-up as it is now (usually still running: it stops within one entry and one batch flush)
     * @throws java.util.NoSuchElementException when no warm-up ran on this node since it started
     */
    public synchronized Status cancel() {
        Job j = job;
        if (j == null) {
            throw new java.util.NoSuchElementException("no warm-up has run on this node since it started");
        }
        j.cancelRequested = true;
        return status();
    }

    public Status status() {
        Job j = job;
        if (j == null) {
            return new Status("idle", null, null, 0, 0, 0, 0, 0, 0, 0, 0, null);
        }
        long end = j.finishedAt != 0 ? j.finishedAt : System.currentTimeMillis();
        return new Status(j.state, j.dump, j.zone, j.total, j.read.get(), j.sent.get(), j.expired.get(),
                j.damaged.get(), j.bytes.get(), j.startedAt, end - j.startedAt, j.error);
    }
}
