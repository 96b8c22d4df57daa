package dev.hearth.node.ignite;

import dev.hearth.node.dump.DumpFile;
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
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import javax.cache.Cache;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.CachePeekMode;
import org.apache.ignite.cache.query.QueryCursor;
import org.apache.ignite.cache.query.ScanQuery;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.events.EventType;
import org.apache.ignite.IgniteCheckedException;
import org.apache.ignite.IgniteException;
import org.apache.ignite.internal.IgniteEx;
import org.apache.ignite.internal.processors.affinity.AffinityTopologyVersion;
import org.apache.ignite.internal.processors.cache.GridCacheContext;
import org.apache.ignite.internal.processors.cache.GridCacheEntryEx;
import org.apache.ignite.internal.processors.cache.GridCacheEntryRemovedException;
import org.apache.ignite.internal.processors.cache.IgniteInternalCache;
import org.apache.ignite.internal.processors.cache.KeyCacheObject;
import org.apache.ignite.internal.processors.cache.version.GridCacheVersion;
import org.apache.ignite.internal.processors.dr.GridDrType;
import org.apache.ignite.internal.processors.cache.distributed.dht.topology.GridDhtLocalPartition;
import org.apache.ignite.internal.processors.cache.distributed.dht.topology.GridDhtPartitionState;
import org.apache.ignite.lang.IgniteCallable;
import org.apache.ignite.lang.IgnitePredicate;
import org.apache.ignite.resources.IgniteInstanceResource;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Ignite's side of the local copy: which partitions this node holds and their update counters (internal API: the
 * public one has no per-partition counter), a local scan of one partition, and the segmentation hook.
 *
 * <p>An update counter grows with every change of its partition and travels with the partition when it moves
 * (rebalancing hands the counter over). A partition whose every owner left is recreated empty under
 * {@code PartitionLossPolicy.IGNORE} with its counter back at 0, and Ignite records no loss event in that mode. So a
 * node that rejoins and finds a partition it holds again at a lower counter than its file of the same cluster (same
 * cluster id) knows the partition's history restarted: it was lost, and the file's entries go back in (only where
 * absent). A partition whose counter is at or above the file's has lived on: loading it would bring back deleted keys.
 */
public final class IgniteLocalCopy implements LocalCopyService.Source, AutoWarmup.Cluster, LocalCopyService.Peers {
    private static final Logger LOG = LogManager.getLogger(IgniteLocalCopy.class);

    /** Longest wait at start for this node's partitions to finish arriving before the lost-partition check. */
    static final Duration REBALANCE_WAIT = Duration.ofMinutes(2);

    /**
     * Longest wait, in a cluster that formed empty, for every member this node expects before it installs files
     * locally: a member still missing then owns no partition, and the files it holds go through the cluster later.
     */
    static final Duration MEMBERS_WAIT = Duration.ofSeconds(30);

    /** Longest a backup may take to install one chunk of files at a primary's request. */
    static final Duration INSTALL_TIMEOUT = Duration.ofSeconds(60);

    /** Longest an install request waits on a backup whose node has not set up its local copy yet. */
    static final Duration SERVICE_WAIT = Duration.ofSeconds(20);

    /** Longest a node waits for the other nodes' local installs before its own passes through the cluster. */
    static final Duration INSTALL_STEPS_WAIT = Duration.ofMinutes(2);

    /** Where a node keeps its local copy for requests from other nodes ({@link #publish}). */
    static final String SERVICE_KEY = "hearth.localCopy";

    /**
     * The Ignite version of every entry installed from a file: the same on every owner of a partition, so that its
     * copies are identical to Ignite too, and older than any version a write will ever carry (their first field is
     * seconds since 2014 plus the topology version), so that a write always replaces it on every copy. An atomic
     * backup ignores an update older than what it holds: a version taken from this node's own clock could have been
     * newer than its primary's next write.
     */
    static final GridCacheVersion INSTALLED_VERSION = new GridCacheVersion(1, 1L, 0, 0);

    private final Ignite ignite;
    private final java.util.function.Supplier<List<String>> missingMembers;

    public IgniteLocalCopy(Ignite ignite) {
        this(ignite, List::of);
    }

    /** @param missingMembers the members this node expects that are not in its topology now */
    public IgniteLocalCopy(Ignite ignite, java.util.function.Supplier<List<String>> missingMembers) {
        this.ignite = ignite;
        this.missingMembers = missingMembers;
    }

    /**
     * Makes this node's local copy (null when {@code localCopy.enabled} is false) reachable by install requests from
     * other nodes; a request that comes before this waits for it (bounded, {@link #SERVICE_WAIT}).
     */
    public static void publish(Ignite ignite, LocalCopyService localCopy) {
        serviceFuture(ignite).complete(localCopy);
    }

    @SuppressWarnings("unchecked")
    private static CompletableFuture<LocalCopyService> serviceFuture(Ignite ignite) {
        return (CompletableFuture<LocalCopyService>) ignite.cluster().nodeLocalMap()
                .computeIfAbsent(SERVICE_KEY, k -> new CompletableFuture<LocalCopyService>());
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
    public boolean holdsAtLeast(String zone, int partition, String storageKey, long version) {
        // A local lookup in this node's own primary or backup copy: no network.
        IgniteCache<String, byte[]> cache = ignite.cache(CacheNames.zoneCache(zone));
        byte[] held = cache.localPeek(storageKey, CachePeekMode.PRIMARY, CachePeekMode.BACKUP);
        return held != null && Envelope.version(held) >= version;
    }

    /**
     * Installs through {@code GridCacheEntryEx.initialValue}, the internal call rebalancing uses to put a copy it
     * received into this node's partition: it writes only this node's copy, only where the key has no entry (one
     * written or deleted since stays as it is), and does not move the partition's update counter. While the
     * installer is open the partition is reserved (not evicted underneath) and the install is registered the way
     * Ignite's own data streamer registers its local updates ({@code addDataStreamerFuture}, taken under the
     * topology's read lock): a partition map exchange, and with it the rebalancing that would copy this partition to
     * a node joining now, waits until the install is over, so a new owner never gets half of it.
     */
    @Override
    public LocalCopyService.Installer installer(String zone, int partition, String view) {
        IgniteInternalCache<String, byte[]> internal = ((IgniteEx) ignite).cachex(CacheNames.zoneCache(zone));
        if (internal == null) {
            return null;
        }
        GridCacheContext<String, byte[]> cctx = internal.context();
        GridDhtLocalPartition part;
        AffinityTopologyVersion topVer;
        org.apache.ignite.internal.util.future.GridFutureAdapter<?> registered;
        cctx.topology().readLock();
        try {
            org.apache.ignite.internal.processors.cache.distributed.dht.GridDhtTopologyFuture f =
                    cctx.topologyVersionFuture();
            if (!f.isDone() || !viewOf(f.topologyVersion()).equals(view)) {
                return null;
            }
            topVer = f.topologyVersion();
            part = cctx.topology().localPartition(partition);
            if (part == null || part.state() != GridDhtPartitionState.OWNING || !part.reserve()) {
                return null;
            }
            if (part.state() != GridDhtPartitionState.OWNING) {
                part.release();
                return null;
            }
            registered = cctx.mvcc().addDataStreamerFuture(topVer);
        } finally {
            cctx.topology().readUnlock();
        }
        long counter = part.updateCounter();
        java.util.function.LongPredicate admitted = EntrySizeGuard.admission(ignite.cache(CacheNames.zoneCache(zone)),
                "local copy");
        return new LocalCopyService.Installer() {
            @Override
            public boolean install(String storageKey, byte[] value, long expireAt) {
                long ttl = expireAt == 0 ? 0 : expireAt - System.currentTimeMillis();
                if (expireAt != 0 && ttl <= 0 || !admitted.test(value.length)) {
                    return false;
                }
                KeyCacheObject key = cctx.toCacheKeyObject(storageKey);
                if (key.partition() != partition) {
                    return false;
                }
                while (true) {
                    GridCacheEntryEx entry = cctx.dht().entryEx(key);
                    cctx.shared().database().checkpointReadLock();
                    try {
                        // preload=true as rebalancing does; Ignite asserts that a preloaded copy is not flagged primary.
                        return entry.initialValue(cctx.toCacheObject(value), INSTALLED_VERSION, ttl, expireAt, true,
                                topVer, GridDrType.DR_NONE, false, false);
                    } catch (GridCacheEntryRemovedException retry) {
                        // The entry object was evicted from the map between lookup and use: take a fresh one.
                    } catch (IgniteCheckedException e) {
                        throw new IgniteException("cannot install " + storageKey + " locally: " + e.getMessage(), e);
                    } finally {
                        cctx.shared().database().checkpointReadUnlock();
                        entry.touch();
                    }
                }
            }

            @Override
            public long counter() {
                return counter;
            }

            @Override
            public void close() {
                registered.onDone();
                part.release();
            }
        };
    }

    private static String viewOf(AffinityTopologyVersion v) {
        return v.topologyVersion() + "." + v.minorTopologyVersion();
    }

    /**
     * Reads the owners from a partition map in which nothing is moving: the exchange is over and the current
     * assignment is the ideal one (while partitions move, Ignite keeps old owners as primaries, and a node that will
     * not own a partition once the move is over must not install it). Waits for that, bounded by
     * {@link #MEMBERS_WAIT}; if it never comes, no partition is offered and everything goes through the cluster.
     */
    @Override
    public LocalCopyService.Primaries primaries(String zone) {
        IgniteInternalCache<String, byte[]> internal = ((IgniteEx) ignite).cachex(CacheNames.zoneCache(zone));
        if (internal == null) {
            return new LocalCopyService.Primaries("", Map.of());
        }
        GridCacheContext<String, byte[]> cctx = internal.context();
        long deadline = System.nanoTime() + MEMBERS_WAIT.toNanos();
        while (true) {
            org.apache.ignite.internal.processors.cache.distributed.dht.GridDhtTopologyFuture f =
                    cctx.topologyVersionFuture();
            if (f.isDone()) {
                AffinityTopologyVersion v = f.topologyVersion();
                org.apache.ignite.internal.processors.affinity.AffinityAssignment a = cctx.affinity().assignment(v);
                if (a.assignment().equals(a.idealAssignment())) {
                    return primariesIn(cctx, a.assignment(), viewOf(v));
                }
            }
            if (System.nanoTime() > deadline) {
                LOG.warn("Local copy: partitions of zone {} are still moving after {} s; its files load through "
                        + "the cluster", zone, MEMBERS_WAIT.toSeconds());
                return new LocalCopyService.Primaries("", Map.of());
            }
            sleep(100);
        }
    }

    private static LocalCopyService.Primaries primariesIn(GridCacheContext<String, byte[]> cctx,
            List<List<ClusterNode>> assignment, String view) {
        UUID self = cctx.localNodeId();
        Map<Integer, List<String>> out = new HashMap<>();
        for (int p = 0; p < assignment.size(); p++) {
            List<ClusterNode> owners = assignment.get(p);
            if (owners.isEmpty() || !owners.get(0).id().equals(self)) {
                continue;
            }
            GridDhtLocalPartition local = cctx.topology().localPartition(p);
            if (local == null || local.state() != GridDhtPartitionState.OWNING) {
                continue;
            }
            List<String> backups = new ArrayList<>();
            for (ClusterNode n : owners.subList(1, owners.size())) {
                backups.add(n.consistentId().toString());
            }
            out.put(p, backups);
        }
        return new LocalCopyService.Primaries(view, out);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.util.concurrent.CancellationException("the node is stopping");
        }
    }

    @Override
    public CompletableFuture<Set<Integer>> installThere(String node, String zone, String view,
            Map<Integer, LocalCopyService.ContentId> expected) {
        ClusterNode target = null;
        for (ClusterNode n : ignite.cluster().forServers().nodes()) {
            if (n.consistentId().toString().equals(node)) {
                target = n;
            }
        }
        if (target == null) {
            return CompletableFuture.completedFuture(Set.of());
        }
        Contents asked = new Contents(expected);
        CompletableFuture<Set<Integer>> out = new CompletableFuture<>();
        try {
            ignite.compute(ignite.cluster().forNode(target)).withTimeout(INSTALL_TIMEOUT.toMillis())
                    .callAsync(new InstallJob(zone, view, asked)).listen(f -> {
                        try {
                            Set<Integer> done = new HashSet<>();
                            for (int p : f.get()) {
                                done.add(p);
                            }
                            out.complete(done);
                        } catch (IgniteException e) {
                            out.complete(refused(node, zone, expected.size(), e));
                        }
                    });
        } catch (IgniteException e) {
            out.complete(refused(node, zone, expected.size(), e));
        }
        return out;
    }

    private static Set<Integer> refused(String node, String zone, int partitions, IgniteException e) {
        LOG.warn("Local copy: node {} did not install {} partitions of zone {} at this node's request ({}); they "
                + "load through the cluster", node, partitions, zone, e.getMessage());
        return Set.of();
    }

    @Override
    public void awaitInstallSteps() {
        long deadline = System.nanoTime() + INSTALL_STEPS_WAIT.toNanos();
        ClusterNode self = ignite.cluster().localNode();
        while (true) {
            List<String> busy = new ArrayList<>();
            for (ClusterNode n : ignite.cluster().forServers().nodes()) {
                if (n.id().equals(self.id())) {
                    continue;
                }
                try {
                    if (!ignite.compute(ignite.cluster().forNode(n)).withTimeout(5_000).call(new StepOverJob())) {
                        busy.add(n.consistentId().toString());
                    }
                } catch (IgniteException e) {
                    // It left, or does not answer: nothing to wait for from it.
                    LOG.debug("Local copy: node {} did not say whether its local install is over: {}",
                            n.consistentId(), e.getMessage());
                }
            }
            if (busy.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                LOG.warn("Local copy: nodes {} are still installing after {} s; loading this node's other files "
                        + "through the cluster now", busy, INSTALL_STEPS_WAIT.toSeconds());
                return;
            }
            sleep(200);
        }
    }

    @Override
    public Set<Integer> installedElsewhere(String zone, Map<Integer, LocalCopyService.ContentId> files) {
        Contents asked = new Contents(files);
        Set<Integer> out = new HashSet<>();
        ClusterNode self = ignite.cluster().localNode();
        for (ClusterNode n : ignite.cluster().forServers().nodes()) {
            if (n.id().equals(self.id())) {
                continue;
            }
            try {
                for (int p : ignite.compute(ignite.cluster().forNode(n)).withTimeout(10_000)
                        .call(new InstalledJob(zone, asked))) {
                    out.add(p);
                }
            } catch (IgniteException e) {
                // Its files go through the cluster: slower, never wrong.
                LOG.debug("Local copy: node {} did not say what it installed: {}", n.consistentId(), e.getMessage());
            }
        }
        return out;
    }

    /**
     * Partitions with a content id each, as plain arrays: what the jobs below carry between nodes (Ignite's
     * marshaller cannot build records).
     */
    static final class Contents implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        private final int[] partitions;
        private final String[] clusters;
        private final long[] counters;

        Contents(Map<Integer, LocalCopyService.ContentId> byPartition) {
            partitions = new int[byPartition.size()];
            clusters = new String[partitions.length];
            counters = new long[partitions.length];
            int i = 0;
            for (Map.Entry<Integer, LocalCopyService.ContentId> e : byPartition.entrySet()) {
                partitions[i] = e.getKey();
                clusters[i] = e.getValue().cluster();
                counters[i] = e.getValue().counter();
                i++;
            }
        }

        Map<Integer, LocalCopyService.ContentId> toMap() {
            Map<Integer, LocalCopyService.ContentId> out = new java.util.TreeMap<>();
            for (int i = 0; i < partitions.length; i++) {
                out.put(partitions[i], new LocalCopyService.ContentId(clusters[i], counters[i]));
            }
            return out;
        }
    }

    /** Runs on another node: which of the partitions it installed locally with exactly the given content. */
    static final class InstalledJob implements IgniteCallable<int[]> {
        private static final long serialVersionUID = 1L;
        private final String zone;
        private final Contents files;

        @IgniteInstanceResource
        private transient Ignite ignite;

        InstalledJob(String zone, Contents files) {
            this.zone = zone;
            this.files = files;
        }

        @Override
        public int[] call() {
            LocalCopyService copy = serviceFuture(ignite).getNow(null);
            if (copy == null) {
                return new int[0];
            }
            return copy.installedHere(zone, files.toMap()).stream().mapToInt(Integer::intValue).toArray();
        }
    }

    /** Runs on another node: whether its local install is over (no local copy: nothing to wait for). */
    static final class StepOverJob implements IgniteCallable<Boolean> {
        private static final long serialVersionUID = 1L;

        @IgniteInstanceResource
        private transient Ignite ignite;

        @Override
        public Boolean call() {
            CompletableFuture<LocalCopyService> f = serviceFuture(ignite);
            LocalCopyService copy = f.getNow(null);
            return f.isDone() && (copy == null || copy.installStepOver());
        }
    }

    /** Runs on a backup: installs the node's own files of the partitions whose content matches (installOwn). */
    static final class InstallJob implements IgniteCallable<int[]> {
        private static final long serialVersionUID = 1L;
        private final String zone;
        private final String view;
        private final Contents expected;

        @IgniteInstanceResource
        private transient Ignite ignite;

        InstallJob(String zone, String view, Contents expected) {
            this.zone = zone;
            this.view = view;
            this.expected = expected;
        }

        @Override
        public int[] call() throws Exception {
            LocalCopyService copy;
            try {
                copy = serviceFuture(ignite).get(SERVICE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                return new int[0];
            }
            if (copy == null) {
                return new int[0];
            }
            List<Integer> done = new ArrayList<>();
            expected.toMap().forEach((partition, content) -> {
                if (copy.installOwn(zone, partition, content, view)) {
                    done.add(partition);
                }
            });
            return done.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    @Override
    public LocalCopyService.Peers settledPeers(Collection<String> zones) {
        long deadline = System.nanoTime() + MEMBERS_WAIT.toNanos();
        List<String> missing = missingMembers.get();
        while (!missing.isEmpty() && System.nanoTime() < deadline) {
            sleep(100);
            missing = missingMembers.get();
        }
        if (!missing.isEmpty()) {
            LOG.warn("Local copy: members {} are still missing after {} s; installing locally with the members "
                    + "present", missing, MEMBERS_WAIT.toSeconds());
        }
        waitForRebalance(zones);
        return this;
    }

    /**
     * Makes Ignite call {@code beforeSegmentedStop} when this node learns it was segmented, before Ignite stops it:
     * the discovery thread records EVT_NODE_SEGMENTED, runs the local listeners, and only then applies the
     * segmentation policy, so the node's partitions are still in memory while the listener writes them.
     */
    public static void onSegmented(IgniteConfiguration ic, AtomicReference<Runnable> beforeSegmentedStop) {
        int[] types = ic.getIncludeEventTypes() == null ? new int[0] : ic.getIncludeEventTypes();
        int[] more = java.util.Arrays.copyOf(types, types.length + 1);
        more[types.length] = EventType.EVT_NODE_SEGMENTED;
        ic.setIncludeEventTypes(more);
        Map<IgnitePredicate<? extends org.apache.ignite.events.Event>, int[]> listeners = new HashMap<>();
        if (ic.getLocalEventListeners() != null) {
            listeners.putAll(ic.getLocalEventListeners());
        }
        listeners.put(evt -> {
            Runnable r = beforeSegmentedStop.get();
            if (r != null) {
                r.run();
            }
            return true;
        }, new int[] {EventType.EVT_NODE_SEGMENTED});
        ic.setLocalEventListeners(listeners);
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
            long then = Long.parseLong(header.getOrDefault("counter", "0"));
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
