package dev.hearth.client.internal;

import dev.hearth.client.HearthException;
import dev.hearth.client.Ticker;
import dev.hearth.client.internal.ClientThreads.ThreadKind;
import dev.hearth.storage.CacheNames;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.ignite.cache.query.QueryCursor;
import org.apache.ignite.cache.query.ScanQuery;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.IgniteClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the client's reading of the tenant registry ({@link #view()}): reads the whole registry (a scan of a small
 * replicated cache) on its own thread every {@code registryRefreshInterval}, and replaces the view whole with each
 * reading. A failed reading keeps the last view, is counted in the stats and logged at WARNING once per streak of
 * failures; a reading that fails because the client is closing is neither. Operations only read {@link #view()}; they
 * never wait for a reading.
 */
final class RegistryPoller {
    /** ClientCore's logger, as before the poller had its own class: logging configurations name it. */
    private static final Logger LOG = LoggerFactory.getLogger(ClientCore.class);
    /** After a failed reading the next one comes this soon (at most): see {@link #poll}. */
    private static final long RETRY_AFTER_FAILURE_MILLIS = 100;

    private final Supplier<IgniteClient> ignite;
    /** Per-node connections, for scanning every node's copy at once; null when read failover is off. */
    private final NodeLinks links;
    private final StatsRecorder stats;
    /** Dates each reading, for its age (see {@link Registry.View#readAtNanos}). */
    private final Ticker ticker;
    private final Duration interval;
    private final long scanTimeoutMillis;
    /** Its own thread because a scan blocks, and operations must never wait for it. */
    private final ScheduledThreadPoolExecutor thread =
            new ScheduledThreadPoolExecutor(1, ClientThreads.daemonFactory("hearth-registry", ThreadKind.MAY_BLOCK));
    /** The poller, the constructor's first reading and the prober may all read at once. */
    private final Object lock = new Object();
    /** The latest reading; replaced whole by each refresh, read once per operation. */
    private volatile Registry.View view;
    /** The records {@link #view} was parsed from (guarded by {@code lock}): the same records are not parsed again. */
    private Map<String, Object> lastEntries;
    /** Whether the last reading failed: failures are logged at WARNING once per streak, not every second. */
    private volatile boolean failing;
    private volatile boolean closed;

    /**
     * @param ignite the client's current Ignite client, null while not connected
     * @param links per-node connections, or null
     * @param pinnedZone the zone every tenant is pinned to, or null (the initial view routes there)
     * @param requestTimeoutMillis Ignite's request timeout: a scan through {@code links} is given up after it (plus
     *     200 ms)
     */
    RegistryPoller(Supplier<IgniteClient> ignite, NodeLinks links, StatsRecorder stats, Ticker ticker,
            Duration interval,
            String pinnedZone, long requestTimeoutMillis) {
        this.ignite = ignite;
        this.links = links;
        this.stats = stats;
        this.ticker = ticker;
        this.interval = interval;
        this.scanTimeoutMillis = requestTimeoutMillis + 200L;
        this.view = Registry.View.initial(pinnedZone);
    }

    /** The latest reading of the registry. */
    Registry.View view() {
        return view;
    }

    /**
     * Reads the registry until a reading succeeds, for at most {@code waitNanos} (pausing 50 ms between failures):
     * routing needs the registry, so {@code build()} waits for the first reading rather than send the first
     * operations to a guessed zone.
     */
    void readFirst(long waitNanos) {
        long end = System.nanoTime() + waitNanos;
        while (!refresh() && System.nanoTime() < end && !closed) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Starts polling: the first scheduled reading comes one interval from now. */
    void start() {
        thread.schedule(this::poll, intervalMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops polling; a reading under way is interrupted, and no later reading replaces the view. */
    void close() {
        closed = true;
        thread.shutdownNow();
    }

    private long intervalMillis() {
        return Math.max(1, interval.toMillis());
    }

    /**
     * Reads the registry, then schedules the next reading: after the refresh interval, or after 100 ms if this one
     * failed. A failed reading (say, every node paused in a partition map exchange) took up to the request timeout;
     * waiting the full interval on top of it aged the reading past maxRegistryAge, and writes were refused for longer
     * than the cluster was unavailable.
     */
    private void poll() {
        boolean read = false;
        try {
            read = refresh();
        } finally {
            if (!closed) {
                long next = read ? intervalMillis() : Math.min(intervalMillis(), RETRY_AFTER_FAILURE_MILLIS);
                try {
                    thread.schedule(this::poll, next, TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException e) {
                    LOG.debug("registry poller stopped (client closing)", e);
                }
            }
        }
    }

    /**
     * Reads the whole registry and replaces the view. On failure the last view stays and the failure is counted.
     * Runs on the poller thread (and once in the constructor and after a probe).
     *
     * @return whether the registry was read
     */
    boolean refresh() {
        IgniteClient c = ignite.get();
        if (closed) {
            return false;
        }
        synchronized (lock) {
            long scanStart = ticker.read();
            try {
                if (c == null) {
                    throw new HearthException("not connected");
                }
                Map<String, Object> entries = viaNodeLinks();
                try {
                    if (entries == null) {
                        entries = scan(c);
                    }
                } catch (RuntimeException scanFailed) {
                    if (Failures.isConnectivity(scanFailed) || c.cacheNames().contains(CacheNames.REGISTRY)) {
                        throw scanFailed;
                    }
                    // Nodes from before the registry: there is nothing to route by.
                    if (view.exists() || !view.loaded()) {
                        LOG.info("Hearth client: the cluster has no tenant registry (cache " + CacheNames.REGISTRY
                                + "); every tenant goes to zone " + Registry.DEFAULT_ZONE + " and is active");
                    }
                    view = Registry.absent(view, System.currentTimeMillis(), scanStart);
                    stats.registryRefreshes.increment();
                    failing = false;
                    return true;
                }
                if (entries.equals(lastEntries) && view.exists() && view.badRecords() == 0) {
                    view = Registry.reread(view, System.currentTimeMillis(), scanStart);
                } else {
                    view = Registry.parse(entries, view, System.currentTimeMillis(), scanStart, (key, why) -> {
                        if (!failing) {
                            LOG.warn("Hearth client: registry record " + key + " is not valid (" + why
                                    + "); it keeps its previous reading");
                        }
                    });
                    lastEntries = entries;
                }
                stats.registryRefreshes.increment();
                if (failing) {
                    LOG.info("Hearth client: the tenant registry is readable again");
                }
                failing = view.badRecords() > 0;
                return true;
            } catch (RuntimeException e) {
                if (closed) {
                    // The client closed its connections under this reading: nothing failed that anyone relies on.
                    LOG.debug("registry reading cut short: the client is closing", e);
                    return false;
                }
                stats.registryRefreshFailures.increment();
                if (!failing) {
                    LOG.warn("Hearth client: cannot read the tenant registry (cache " + CacheNames.REGISTRY
                            + "); keeping the reading of " + (view.loaded() ? view.readAtMillis() + " (unix ms)"
                            : "never") + " and retrying every " + interval.toMillis() + " ms", e);
                    failing = true;
                } else {
                    LOG.debug("registry read failed", e);
                }
                return false;
            }
        }
    }

    private static Map<String, Object> scan(IgniteClient c) {
        Map<String, Object> entries = new HashMap<>();
        ClientCache<String, Object> cache = c.cache(CacheNames.REGISTRY);
        try (QueryCursor<javax.cache.Cache.Entry<String, Object>> cursor = cache.query(new ScanQuery<String, Object>())) {
            for (javax.cache.Cache.Entry<String, Object> e : cursor) {
                entries.put(e.getKey(), e.getValue());
            }
        }
        return entries;
    }

    /**
     * The registry as scanned on every node at once through the per-node connections, the first complete answer;
     * null if that failed or there are no such connections (then the main client scans). The registry is replicated,
     * so each node scans its own copy: a frozen node holds up only its own scan, and the poller waits at most the
     * request timeout plus a margin, never for the frozen node. Through the main client alone, a scan sent to a
     * frozen node took the whole request timeout each round, and the reading aged past maxRegistryAge, refusing
     * every write for as long as the node was frozen.
     */
    private Map<String, Object> viaNodeLinks() {
        if (links == null) {
            return null;
        }
        CompletableFuture<Map<String, Object>> any = links.anyNode(RegistryPoller::scan);
        try {
            return any.get(scanTimeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            LOG.debug("registry scan through the per-node connections failed; trying the main client", e);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
