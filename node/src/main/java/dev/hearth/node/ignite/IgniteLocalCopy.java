package dev.hearth.node.ignite;

import dev.hearth.node.dump.DumpFile;
import dev.hearth.node.localcopy.ChangedKeys;
import dev.hearth.node.localcopy.LocalCopyService;
import dev.hearth.node.warmup.AutoWarmup;
import dev.hearth.storage.CacheNames;
import dev.hearth.storage.Envelope;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.cache.Cache;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.CachePeekMode;
import org.apache.ignite.cache.query.QueryCursor;
import org.apache.ignite.cache.query.ScanQuery;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.events.CacheEvent;
import org.apache.ignite.events.EventType;
import org.apache.ignite.internal.IgniteEx;
import org.apache.ignite.internal.processors.cache.IgniteInternalCache;
import org.apache.ignite.internal.processors.cache.distributed.dht.topology.GridDhtLocalPartition;
import org.apache.ignite.internal.processors.cache.distributed.dht.topology.GridDhtPartitionState;
import org.apache.ignite.lang.IgnitePredicate;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Ignite's side of the local copy: which partitions this node holds and their update counters (internal API: the
 * public one has no per-partition counter), a local scan of one partition, and the segmentation hook.
 *
 * <p>An update counter grows with every change of its partition and travels with the partition when it moves
 * (rebalancing hands the counter over). A partition whose every owner left is recreated empty under
 * {@code PartitionLossPolicy.IGNORE} with its counter back at 0, and Ignite records no loss event in that mode. So a
 * node that rejoins and finds a partition it holds again at a lower counter than the newest its file of the same
 * cluster (same cluster id) may hold ({@link LocalCopyService.ContentId#newest}) knows the partition's history
 * restarted: it was lost, and the file's entries go back in (only where
 * absent). A partition whose counter is at or above the file's has lived on: loading it would bring back deleted keys.
 */
public final class IgniteLocalCopy implements LocalCopyService.Source, AutoWarmup.Cluster {
    private static final Logger LOG = LogManager.getLogger(IgniteLocalCopy.class);

    /** Longest wait at start for this node's partitions to finish arriving before the lost-partition check. */
    static final Duration REBALANCE_WAIT = Duration.ofMinutes(2);

    /**
     * Longest wait, in a cluster that formed empty, for every member this node expects before it installs files
     * locally: a member still missing then owns no partition, and the files it holds go through the cluster later.
     */
    static final Duration MEMBERS_WAIT = Duration.ofSeconds(30);

    private final Ignite ignite;
    private final IgniteLocalInstall install;
    private final Supplier<List<String>> missingMembers;

    public IgniteLocalCopy(Ignite ignite) {
        this(ignite, List::of);
    }

    /** @param missingMembers the members this node expects that are not in its topology now */
    public IgniteLocalCopy(Ignite ignite, Supplier<List<String>> missingMembers) {
        this.ignite = ignite;
        this.install = new IgniteLocalInstall(ignite);
        this.missingMembers = missingMembers;
    }

    @Override
    public String clusterId() {
        return ignite.cluster().id().toString();
    }

    @Override
    public List<LocalCopyService.Held> held(String zone) {
        List<LocalCopyService.Held> out = new ArrayList<>();
        for (GridDhtLocalPartition p : partitions(zone)) {
            if (p.state() == GridDhtPartitionState.OWNING) {
                out.add(new LocalCopyService.Held(p.id(), p.updateCounter()));
            }
        }
        return out;
    }

    @Override
    public long counter(String zone, int partition) {
        IgniteInternalCache<Object, Object> c = ((IgniteEx) ignite).cachex(CacheNames.zoneCache(zone));
        GridDhtLocalPartition p = c == null ? null : c.context().topology().localPartition(partition);
        return p == null ? -1 : p.updateCounter();
    }

    private List<GridDhtLocalPartition> partitions(String zone) {
        IgniteInternalCache<Object, Object> c = ((IgniteEx) ignite).cachex(CacheNames.zoneCache(zone));
        return c == null ? List.of() : c.context().topology().localPartitions();
    }

    @Override
    public void forEach(String zone, int partition, DumpFile.RecordConsumer consumer) throws IOException {
        IgniteCache<String, byte[]> cache = ignite.cache(CacheNames.zoneCache(zone));
        try (QueryCursor<Cache.Entry<String, byte[]>> cursor = cache.query(
                new ScanQuery<String, byte[]>().setPartition(partition).setLocal(true).setPageSize(4096))) {
            for (Cache.Entry<String, byte[]> e : cursor) {
                consumer.accept(e.getKey(), e.getValue());
            }
        }
    }

    @Override
    public byte[] peek(String zone, String storageKey) {
        IgniteCache<String, byte[]> cache = ignite.cache(CacheNames.zoneCache(zone));
        return cache.localPeek(storageKey, CachePeekMode.PRIMARY, CachePeekMode.BACKUP);
    }

    @Override
    public boolean holdsAtLeast(String zone, int partition, String storageKey, long version) {
        // A local lookup in this node's own primary or backup copy: no network.
        IgniteCache<String, byte[]> cache = ignite.cache(CacheNames.zoneCache(zone));
        byte[] held = cache.localPeek(storageKey, CachePeekMode.PRIMARY, CachePeekMode.BACKUP);
        return held != null && Envelope.version(held) >= version;
    }

    /** Ignite's side of the local install ({@link IgniteLocalInstall}). */
    @Override
    public LocalCopyService.Installer installer(String zone, int partition, String view) {
        return install.installer(zone, partition, view);
    }

    @Override
    public LocalCopyService.Peers settledPeers(Collection<String> zones) {
        long deadline = System.nanoTime() + MEMBERS_WAIT.toNanos();
        List<String> missing = missingMembers.get();
        while (!missing.isEmpty() && System.nanoTime() < deadline) {
            IgniteLocalInstall.sleep(100);
            missing = missingMembers.get();
        }
        if (!missing.isEmpty()) {
            LOG.warn("Local copy: members {} are still missing after {} s; installing locally with the members "
                    + "present", missing, MEMBERS_WAIT.toSeconds());
        }
        waitForRebalance(zones);
        return install;
    }

    /**
     * Makes Ignite call {@code beforeSegmentedStop} when this node learns it was segmented, before Ignite stops it:
     * the discovery thread records EVT_NODE_SEGMENTED, runs the local listeners, and only then applies the
     * segmentation policy, so the node's partitions are still in memory while the listener writes them.
     */
    public static void onSegmented(IgniteConfiguration ic, AtomicReference<Runnable> beforeSegmentedStop) {
        listen(ic, evt -> {
            Runnable r = beforeSegmentedStop.get();
            if (r != null) {
                r.run();
            }
            return true;
        }, EventType.EVT_NODE_SEGMENTED);
    }

    /**
     * Records these event types (besides those already recorded) and gives them to {@code listener} on the thread
     * that records them, from the node's start on.
     */
    private static void listen(IgniteConfiguration ic, IgnitePredicate<? extends org.apache.ignite.events.Event> listener,
            int... eventTypes) {
        int[] types = ic.getIncludeEventTypes() == null ? new int[0] : ic.getIncludeEventTypes();
        int[] more = java.util.Arrays.copyOf(types, types.length + eventTypes.length);
        System.arraycopy(eventTypes, 0, more, types.length, eventTypes.length);
        ic.setIncludeEventTypes(more);
        Map<IgnitePredicate<? extends org.apache.ignite.events.Event>, int[]> listeners = new HashMap<>();
        if (ic.getLocalEventListeners() != null) {
            listeners.putAll(ic.getLocalEventListeners());
        }
        listeners.put(listener, eventTypes);
        ic.setLocalEventListeners(listeners);
    }

    /**
     * Feeds {@code changed} with every write and removal of a zone's entries in this node's copies, primary and
     * backup: Ignite records a local cache event for each on every owner, on the thread that applied it, before the
     * write is acknowledged, and each such update moves the partition's update counter once. (Hearth's own write path
     * runs on primaries only, and Ignite's cache interceptor is not called on backups.) Expiry is not recorded: it
     * does not move the counter, and a copy's reader skips expired entries anyway.
     */
    public static void trackChanges(IgniteConfiguration ic, Collection<String> zones, ChangedKeys changed) {
        Map<String, String> zoneOfCache = new HashMap<>();
        for (String zone : zones) {
            zoneOfCache.put(CacheNames.zoneCache(zone), zone);
        }
        listen(ic, (IgnitePredicate<CacheEvent>) evt -> {
            String zone = zoneOfCache.get(evt.cacheName());
            if (zone != null) {
                if (evt.key() instanceof String key) {
                    changed.updated(zone, evt.partition(), key);
                } else {
                    changed.unknown(zone, evt.partition());
                }
            }
            return true;
        }, EventType.EVT_CACHE_OBJECT_PUT, EventType.EVT_CACHE_OBJECT_REMOVED);
    }

    /**
     * Runs a write of the local copy, waiting at most {@code limit}: a node leaving after segmentation or a wedged
     * exchange must not hang on a scan that waits for the cluster.
     */
    public static void writeBounded(LocalCopyService copy, Duration limit, String why) {
        long t0 = System.nanoTime();
        CompletableFuture<Integer> f = CompletableFuture.supplyAsync(copy::writeChanged, r -> {
            Thread t = new Thread(r, "hearth-local-copy-final");
            t.setDaemon(true);
            t.start();
        });
        try {
            int files = f.get(limit.toMillis(), TimeUnit.MILLISECONDS);
            LOG.info("Local copy written {}: {} partition files in {} ms", why, files,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        } catch (TimeoutException e) {
            LOG.error("Local copy: the write {} did not finish in {} s; files not yet rewritten keep their previous "
                    + "content", why, limit.toSeconds());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.error("Local copy: interrupted while writing {}", why);
        } catch (java.util.concurrent.ExecutionException e) {
            LOG.error("Local copy: the write {} failed: {}", why, e.getCause().toString());
        }
    }

    /**
     * The node with topology order 1 formed the cluster, so its start ({@link NodeAttributes#STARTED_AT}) is when the
     * cluster formed, and every node reads the same value from the topology at once.
     */
    @Override
    public long formedAt() {
        return formedAt(ignite.cluster().forServers().nodes());
    }

    static long formedAt(Collection<ClusterNode> servers) {
        for (ClusterNode n : servers) {
            if (n.order() == 1) {
                Object started = n.attribute(NodeAttributes.STARTED_AT);
                return started == null ? 0 : Long.parseLong(started.toString());
            }
        }
        return 0;
    }

    /**
     * Which partition files to load on rejoining a live cluster: those of the same cluster whose partition this node
     * holds again with a lower update counter than the file's (see the class comment). Waits until every partition
     * assigned to this node has arrived (bounded by {@link #REBALANCE_WAIT}); partitions still moving then are
     * skipped.
     */
    @Override
    public LocalCopyService.Selector lostPartitions(Collection<String> zones) {
        waitForRebalance(zones);
        String cluster = clusterId();
        Map<String, Map<Integer, Long>> counters = new HashMap<>();
        for (String zone : zones) {
            Map<Integer, Long> m = new HashMap<>();
            held(zone).forEach(h -> m.put(h.partition(), h.counter()));
            counters.put(zone, m);
        }
        return (zone, partition, header) -> {
            if (!cluster.equals(header.get("cluster"))) {
                return false;
            }
            Long now = counters.getOrDefault(zone, Map.of()).get(partition);
            long then = LocalCopyService.ContentId.newest(header);
            boolean lost = now != null && now < then;
            if (lost) {
                LOG.warn("Local copy: partition {} of zone {} restarted its history (update counter {} now, {} in "
                        + "this node's file): every copy of it was lost; loading this node's copy where absent",
                        partition, zone, now, then);
            }
            return lost;
        };
    }

    /**
     * The first pass of a formed-empty load: the partitions this node is primary for now. Every node holds a file of
     * each partition it was primary or backup for, so the files of primaries alone hold every entry once: loading
     * them first warms the cluster in half the time of loading every file, and the other files come after, for the
     * partitions whose primary had no usable copy (a damaged file, a node that did not come back).
     */
    @Override
    public LocalCopyService.Selector primaryHere(Collection<String> zones) {
        Map<String, Set<Integer>> primary = new HashMap<>();
        for (String zone : zones) {
            Set<Integer> mine = new HashSet<>();
            for (int p : ignite.affinity(CacheNames.zoneCache(zone)).primaryPartitions(ignite.cluster().localNode())) {
                mine.add(p);
            }
            primary.put(zone, mine);
        }
        return (zone, partition, header) -> primary.getOrDefault(zone, Set.of()).contains(partition);
    }

    private void waitForRebalance(Collection<String> zones) {
        long deadline = System.nanoTime() + REBALANCE_WAIT.toNanos();
        for (String zone : zones) {
            IgniteCache<String, byte[]> c = ignite.cache(CacheNames.zoneCache(zone));
            long left = deadline - System.nanoTime();
            try {
                c.rebalance().get(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            } catch (org.apache.ignite.lang.IgniteFutureTimeoutException e) {
                LOG.warn("Local copy: zone {} is still rebalancing after {} s; its partitions still arriving are not "
                        + "checked for loss", zone, REBALANCE_WAIT.toSeconds());
            }
        }
    }
}
