package dev.hearth.node.ignite;

import dev.hearth.node.localcopy.LocalCopyService;
import dev.hearth.storage.CacheNames;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.LongPredicate;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCheckedException;
import org.apache.ignite.IgniteException;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.internal.IgniteEx;
import org.apache.ignite.internal.processors.affinity.AffinityAssignment;
import org.apache.ignite.internal.processors.affinity.AffinityTopologyVersion;
import org.apache.ignite.internal.processors.cache.GridCacheContext;
import org.apache.ignite.internal.processors.cache.GridCacheEntryEx;
import org.apache.ignite.internal.processors.cache.GridCacheEntryRemovedException;
import org.apache.ignite.internal.processors.cache.IgniteInternalCache;
import org.apache.ignite.internal.processors.cache.KeyCacheObject;
import org.apache.ignite.internal.processors.cache.distributed.dht.GridDhtTopologyFuture;
import org.apache.ignite.internal.processors.cache.distributed.dht.topology.GridDhtLocalPartition;
import org.apache.ignite.internal.processors.cache.distributed.dht.topology.GridDhtPartitionState;
import org.apache.ignite.internal.processors.cache.version.GridCacheVersion;
import org.apache.ignite.internal.processors.dr.GridDrType;
import org.apache.ignite.internal.util.future.GridFutureAdapter;
import org.apache.ignite.lang.IgniteCallable;
import org.apache.ignite.resources.IgniteInstanceResource;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Ignite's side of the local install ({@code LocalInstall}): which partitions this node is primary for in a partition
 * map where nothing moves, the requests to backups (small compute jobs), and the install itself, which writes one
 * node's copy only through internals (confined to this class) that rebalancing uses.
 */
public final class IgniteLocalInstall implements LocalCopyService.Peers {
    private static final Logger LOG = LogManager.getLogger(IgniteLocalInstall.class);

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

    public IgniteLocalInstall(Ignite ignite) {
        this.ignite = ignite;
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

    /**
     * Installs through {@code GridCacheEntryEx.initialValue}, the internal call rebalancing uses to put a copy it
     * received into this node's partition: it writes only this node's copy, only where the key has no entry (one
     * written or deleted since stays as it is), and does not move the partition's update counter. While the
     * installer is open the partition is reserved (not evicted underneath) and the install is registered the way
     * Ignite's own data streamer registers its local updates ({@code addDataStreamerFuture}, taken under the
     * topology's read lock): a partition map exchange, and with it the rebalancing that would copy this partition to
     * a node joining now, waits until the install is over, so a new owner never gets half of it.
     */
    /** Ignite's side of {@link LocalCopyService.Source#installer}. */
    LocalCopyService.Installer installer(String zone, int partition, String view) {
        IgniteInternalCache<String, byte[]> internal = ((IgniteEx) ignite).cachex(CacheNames.zoneCache(zone));
        if (internal == null) {
            return null;
        }
        GridCacheContext<String, byte[]> cctx = internal.context();
        GridDhtLocalPartition part;
        AffinityTopologyVersion topVer;
        GridFutureAdapter<?> registered;
        cctx.topology().readLock();
        try {
            GridDhtTopologyFuture f =
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
        LongPredicate admitted = EntrySizeGuard.admission(ignite.cache(CacheNames.zoneCache(zone)),
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
     * {@link #IgniteLocalCopy.MEMBERS_WAIT}; if it never comes, no partition is offered and everything goes through the cluster.
     */
    @Override
    public LocalCopyService.Primaries primaries(String zone) {
        IgniteInternalCache<String, byte[]> internal = ((IgniteEx) ignite).cachex(CacheNames.zoneCache(zone));
        if (internal == null) {
            return new LocalCopyService.Primaries("", Map.of());
        }
        GridCacheContext<String, byte[]> cctx = internal.context();
        long deadline = System.nanoTime() + IgniteLocalCopy.MEMBERS_WAIT.toNanos();
        while (true) {
            GridDhtTopologyFuture f =
                    cctx.topologyVersionFuture();
            if (f.isDone()) {
                AffinityTopologyVersion v = f.topologyVersion();
                AffinityAssignment a = cctx.affinity().assignment(v);
                if (a.assignment().equals(a.idealAssignment())) {
                    return primariesIn(cctx, a.assignment(), viewOf(v));
                }
            }
            if (System.nanoTime() > deadline) {
                LOG.warn("Local copy: partitions of zone {} are still moving after {} s; its files load through "
                        + "the cluster", zone, IgniteLocalCopy.MEMBERS_WAIT.toSeconds());
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

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("the node is stopping");
        }
    }

    @Override
    public CompletableFuture<Set<Integer>> twinsThere(String node, String zone,
            Map<Integer, LocalCopyService.ContentId> expected) {
        return ask(node, zone, expected.size(), new ContentsJob(zone, new Contents(expected), true),
                IgniteLocalInstall::partitions, Set.of());
    }

    @Override
    public CompletableFuture<Set<Integer>> installThere(String node, String zone, String view,
            Map<Integer, LocalCopyService.ContentId> expected) {
        return ask(node, zone, expected.size(), new InstallJob(zone, view, new Contents(expected)),
                IgniteLocalInstall::partitions, Set.of());
    }

    @Override
    public CompletableFuture<Map<Integer, byte[]>> filesThere(String node, String zone, Set<Integer> partitions) {
        int[] asked = partitions.stream().mapToInt(Integer::intValue).toArray();
        return ask(node, zone, asked.length, new FilesJob(zone, asked), files -> {
            Map<Integer, byte[]> out = new TreeMap<>();
            for (int i = 0; i < asked.length; i++) {
                if (files[i] != null) {
                    out.put(asked[i], files[i]);
                }
            }
            return out;
        }, Map.of());
    }

    @Override
    public CompletableFuture<Set<Integer>> installMergedThere(String node, String zone, String view,
            Map<Integer, LocalCopyService.MergeShare> merged) {
        return ask(node, zone, merged.size(), new MergedInstallJob(zone, view, new Shipment(merged)),
                IgniteLocalInstall::partitions, Set.of());
    }

    /**
     * Runs a request about some of a zone's partitions on another node. Never fails: if the node is gone, the job
     * fails or does not answer in time, the answer is {@code none}, with a log line, and those partitions load
     * through the cluster.
     */
    private <R, T> CompletableFuture<T> ask(String node, String zone, int partitions, IgniteCallable<R> job,
            Function<R, T> answer, T none) {
        ClusterNode target = NodeAttributes.server(ignite, node);
        if (target == null) {
            return CompletableFuture.completedFuture(none);
        }
        CompletableFuture<T> out = new CompletableFuture<>();
        try {
            ignite.compute(ignite.cluster().forNode(target)).withTimeout(INSTALL_TIMEOUT.toMillis()).callAsync(job)
                    .listen(f -> {
                        try {
                            out.complete(answer.apply(f.get()));
                        } catch (IgniteException e) {
                            out.complete(refused(node, zone, partitions, e.getMessage(), none));
                        }
                    });
        } catch (IgniteException e) {
            out.complete(refused(node, zone, partitions, e.getMessage(), none));
        }
        return out;
    }

    private static Set<Integer> partitions(int[] answer) {
        Set<Integer> out = new HashSet<>();
        for (int p : answer) {
            out.add(p);
        }
        return out;
    }

    private static <T> T refused(String node, String zone, int partitions, String why, T none) {
        // What follows is the asker's to say: a partition not checked or merged loads through the cluster, a backup
        // copy not installed is sent the primary's file or reported as lacking entries.
        LOG.warn("Local copy: node {} did not do what this node asked for {} partitions of zone {} ({})", node,
                partitions, zone, why);
        return none;
    }

    @Override
    public void awaitPrimaries() {
        awaitEveryNode(true, "their primary partitions", "this node's backups install their copies now");
    }

    @Override
    public void awaitInstallSteps() {
        awaitEveryNode(false, "locally", "loading this node's other files through the cluster now");
    }

    /** Waits (bounded) until every other server says its install of its primaries, or its whole install, is over. */
    private void awaitEveryNode(boolean primaries, String what, String then) {
        long deadline = System.nanoTime() + INSTALL_STEPS_WAIT.toNanos();
        ClusterNode self = ignite.cluster().localNode();
        while (true) {
            List<String> busy = new ArrayList<>();
            for (ClusterNode n : ignite.cluster().forServers().nodes()) {
                if (n.id().equals(self.id())) {
                    continue;
                }
                try {
                    if (!ignite.compute(ignite.cluster().forNode(n)).withTimeout(5_000)
                            .call(new StepOverJob(primaries))) {
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
                LOG.warn("Local copy: nodes {} are still installing {} after {} s; {}", busy, what,
                        INSTALL_STEPS_WAIT.toSeconds(), then);
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
                        .call(new ContentsJob(zone, asked, false))) {
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
    static final class Contents implements Serializable {
        private static final long serialVersionUID = 1L;
        private final int[] partitions;
        private final String[] origins;
        private final long[] counters;

        Contents(Map<Integer, LocalCopyService.ContentId> byPartition) {
            partitions = new int[byPartition.size()];
            origins = new String[partitions.length];
            counters = new long[partitions.length];
            int i = 0;
            for (Map.Entry<Integer, LocalCopyService.ContentId> e : byPartition.entrySet()) {
                partitions[i] = e.getKey();
                origins[i] = e.getValue().origin();
                counters[i] = e.getValue().counter();
                i++;
            }
        }

        Map<Integer, LocalCopyService.ContentId> toMap() {
            Map<Integer, LocalCopyService.ContentId> out = new TreeMap<>();
            for (int i = 0; i < partitions.length; i++) {
                out.put(partitions[i], new LocalCopyService.ContentId(origins[i], counters[i]));
            }
            return out;
        }
    }

    /**
     * Backups' shares of merges ({@link LocalCopyService.MergeShare}) as plain arrays: what a merged install carries
     * to a backup (small: only what its file lacks).
     */
    static final class Shipment implements Serializable {
        private static final long serialVersionUID = 1L;
        private final int[] partitions;
        private final String[][] origins;
        private final long[][] counters;
        private final String[][] keys;
        private final byte[][][] values;
        /** The backup's own file each share builds on; null origin for none. */
        private final String[] baseOrigins;
        private final long[] baseCounters;

        Shipment(Map<Integer, LocalCopyService.MergeShare> byPartition) {
            int n = byPartition.size();
            partitions = new int[n];
            origins = new String[n][];
            counters = new long[n][];
            keys = new String[n][];
            values = new byte[n][][];
            baseOrigins = new String[n];
            baseCounters = new long[n];
            int i = 0;
            for (Map.Entry<Integer, LocalCopyService.MergeShare> e : byPartition.entrySet()) {
                partitions[i] = e.getKey();
                LocalCopyService.PartitionEntries missing = e.getValue().missing();
                List<LocalCopyService.ContentId> ids = List.copyOf(missing.contents());
                origins[i] = ids.stream().map(LocalCopyService.ContentId::origin).toArray(String[]::new);
                counters[i] = ids.stream().mapToLong(LocalCopyService.ContentId::counter).toArray();
                keys[i] = missing.keys().toArray(new String[0]);
                values[i] = missing.values().toArray(new byte[0][]);
                LocalCopyService.ContentId base = e.getValue().base();
                baseOrigins[i] = base == null ? null : base.origin();
                baseCounters[i] = base == null ? 0 : base.counter();
                i++;
            }
        }

        Map<Integer, LocalCopyService.MergeShare> toMap() {
            Map<Integer, LocalCopyService.MergeShare> out = new TreeMap<>();
            for (int i = 0; i < partitions.length; i++) {
                Set<LocalCopyService.ContentId> ids = new HashSet<>();
                for (int j = 0; j < origins[i].length; j++) {
                    ids.add(new LocalCopyService.ContentId(origins[i][j], counters[i][j]));
                }
                LocalCopyService.ContentId base = baseOrigins[i] == null ? null
                        : new LocalCopyService.ContentId(baseOrigins[i], baseCounters[i]);
                out.put(partitions[i], new LocalCopyService.MergeShare(new LocalCopyService.PartitionEntries(ids,
                        List.of(keys[i]), List.of(values[i])), base));
            }
            return out;
        }
    }

    /**
     * Runs on a backup: its own files of the partitions as they are on disk (ownFiles), null where it has none, in the
     * order asked. An array of byte arrays, not an object of Ignite's binary format, which Ignite hashes whole at
     * every level it is nested in: the files of a 1 GiB restart took a sixth of the nodes' JFR samples in
     * BinaryArrayIdentityResolver.hashCode that way.
     */
    static final class FilesJob implements IgniteCallable<byte[][]> {
        private static final long serialVersionUID = 1L;
        private final String zone;
        private final int[] partitions;

        @IgniteInstanceResource
        private transient Ignite ignite;

        FilesJob(String zone, int[] partitions) {
            this.zone = zone;
            this.partitions = partitions;
        }

        @Override
        public byte[][] call() throws Exception {
            byte[][] out = new byte[partitions.length][];
            LocalCopyService copy = service(ignite);
            if (copy == null) {
                return out;
            }
            Set<Integer> asked = new HashSet<>();
            for (int p : partitions) {
                asked.add(p);
            }
            Map<Integer, byte[]> files = copy.ownFiles(zone, asked);
            for (int i = 0; i < partitions.length; i++) {
                out[i] = files.get(partitions[i]);
            }
            return out;
        }
    }

    /** Runs on a backup: installs the merges its primary made (installMerged). */
    static final class MergedInstallJob implements IgniteCallable<int[]> {
        private static final long serialVersionUID = 1L;
        private final String zone;
        private final String view;
        private final Shipment merged;

        @IgniteInstanceResource
        private transient Ignite ignite;

        MergedInstallJob(String zone, String view, Shipment merged) {
            this.zone = zone;
            this.view = view;
            this.merged = merged;
        }

        @Override
        public int[] call() throws Exception {
            LocalCopyService copy = service(ignite);
            if (copy == null) {
                return new int[0];
            }
            return installedOf(merged.toMap(), (partition, share) -> copy.installMerged(zone, partition, share, view));
        }
    }

    /** Runs {@code install} on each partition asked, in turn: the partitions it installed. */
    private static <T> int[] installedOf(Map<Integer, T> asked, BiPredicate<Integer, T> install) {
        List<Integer> done = new ArrayList<>();
        asked.forEach((partition, what) -> {
            if (install.test(partition, what)) {
                done.add(partition);
            }
        });
        return done.stream().mapToInt(Integer::intValue).toArray();
    }

    /** This node's local copy for a request from another node, waiting (bounded) for it to be set up; may be null. */
    private static LocalCopyService service(Ignite ignite) throws Exception {
        try {
            return serviceFuture(ignite).get(SERVICE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return null;
        }
    }

    /**
     * Runs on another node: which of the partitions, each with a content id, it installed locally with exactly that
     * content (installedHere, answered at once: a node still setting up installed nothing), or, for a primary about
     * to install, which its own file is the twin of (holdsTwin, waiting for the node's local copy to be set up).
     */
    static final class ContentsJob implements IgniteCallable<int[]> {
        private static final long serialVersionUID = 1L;
        private final String zone;
        private final Contents files;
        private final boolean twins;

        @IgniteInstanceResource
        private transient Ignite ignite;

        ContentsJob(String zone, Contents files, boolean twins) {
            this.zone = zone;
            this.files = files;
            this.twins = twins;
        }

        @Override
        public int[] call() throws Exception {
            LocalCopyService copy = twins ? service(ignite) : serviceFuture(ignite).getNow(null);
            if (copy == null) {
                return new int[0];
            }
            Set<Integer> out = twins ? copy.holdsTwin(zone, files.toMap()) : copy.installedHere(zone, files.toMap());
            return out.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    /**
     * Runs on another node: whether its install of its own primaries, or its whole local install, is over (no local
     * copy: nothing to wait for).
     */
    static final class StepOverJob implements IgniteCallable<Boolean> {
        private static final long serialVersionUID = 1L;
        private final boolean primaries;

        @IgniteInstanceResource
        private transient Ignite ignite;

        StepOverJob(boolean primaries) {
            this.primaries = primaries;
        }

        @Override
        public Boolean call() {
            CompletableFuture<LocalCopyService> f = serviceFuture(ignite);
            LocalCopyService copy = f.getNow(null);
            return f.isDone() && (copy == null || (primaries ? copy.primariesOver() : copy.installStepOver()));
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
            LocalCopyService copy = service(ignite);
            if (copy == null) {
                return new int[0];
            }
            return installedOf(expected.toMap(), (partition, content) -> copy.installOwn(zone, partition, content,
                    view));
        }
    }
}
