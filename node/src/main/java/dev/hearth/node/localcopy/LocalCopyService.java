package dev.hearth.node.localcopy;

import dev.hearth.node.dump.DiskSpace;
import dev.hearth.node.dump.DumpFile;
import dev.hearth.node.dump.EntryChecks;
import dev.hearth.node.warmup.AdaptiveRate;
import dev.hearth.node.warmup.WarmupService;
import dev.hearth.storage.Envelope;
import dev.hearth.wire.status.LocalCopyLoad;
import dev.hearth.wire.status.LocalCopyStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * This node's local copy of every partition it holds (primary and backup), one raw {@link DumpFile} per zone and
 * partition under {@code <dataDir>/local-copy/<zone>/p-<n>.hcopy}, so that a restart (planned, crashed or
 * segmented) does not come back empty. Each write only rewrites the partitions whose update counter moved since
 * their last write: an idle node writes nothing. A file is written to a temporary name and renamed over the old one,
 * so a crash mid-write leaves the previous file.
 */
public final class LocalCopyService {
    private static final Logger LOG = LogManager.getLogger(LocalCopyService.class);
    static final String SUFFIX = ".hcopy";
    private static final Pattern FILE = Pattern.compile("p-(\\d+)" + Pattern.quote(SUFFIX));

    /** A partition this node holds, with the update counter its content corresponds to. */
    public record Held(int partition, long counter) {
    }

    /** Where the copy comes from: this node's partitions in Ignite. */
    public interface Source {
        /** The running cluster's id: a file written under another id predates a restart of the whole cluster. */
        String clusterId();

        /** Partitions this node holds fully (primary or backup; not those still arriving). */
        List<Held> held(String zone);

        /**
         * The partition's update counter now; -1 if this node does not hold it. A file whose partition's counter
         * moved while it was being written holds some of those writes and not others.
         */
        long counter(String zone, int partition);

        void forEach(String zone, int partition, DumpFile.RecordConsumer consumer) throws IOException;

        /**
         * This node's stored value of the key now (its primary or backup copy), or null where it holds none (also
         * where the entry expired). Needed only with a {@link ChangedKeys} log.
         */
        default byte[] peek(String zone, String storageKey) {
            throw new UnsupportedOperationException("this source cannot look up single keys");
        }

        /**
         * Whether this node's own copy of the partition (primary or backup) has the key now at {@code version} or a
         * newer one. A load does not send what is already here: in a full-cluster restart every entry is in two
         * nodes' files, and once the primary loaded its file, the backup's copy of the same partition is full too, so
         * its file would only be sent again for nothing (half of all the refill's work). An older version held here
         * does not count: the two files of a partition can differ (one node acknowledged a write its peer's copy
         * never saw), and whichever loads first must not keep the other's newer value out.
         */
        default boolean holdsAtLeast(String zone, int partition, String storageKey, long version) {
            return false;
        }

        /**
         * Writes into this node's own copy of the partition only, no network, or null when this node does not hold
         * that partition fully now, or the cluster's partition map is no longer {@code view}
         * ({@link Primaries#view}): the owners the install was agreed with may have changed.
         */
        default Installer installer(String zone, int partition, String view) {
            return null;
        }
    }

    /**
     * This node's primary partitions of a zone, each with its backups' names, as one partition map of the cluster
     * ({@code view}, opaque here) shows them: every install is checked against that same map.
     */
    public record Primaries(String view, Map<Integer, List<String>> backups) {
    }

    /** Stores entries into this node's own copy of one partition, and nowhere else. */
    public interface Installer extends AutoCloseable {
        /**
         * Stores the entry where this node's copy has no entry for the key (a key written or deleted since is left
         * alone), with what is left of its TTL.
         *
         * @return false if the copy had the key, or refused the entry (too large, expired, not of this partition)
         */
        boolean install(String storageKey, byte[] value, long expireAt);

        /**
         * The partition's update counter when this installer opened. An install does not move it, so unless a write
         * moved it since, the partition's file on disk still describes the copy and need not be written again.
         */
        long counter();

        /** Gives the partition back; it may move away again. */
        @Override
        void close();
    }

    /** Header field of a file written while its partition changed: the update counter when the scan ended. */
    static final String COUNTER_AT_END = "counterAtEnd";

    /**
     * What a partition file holds, as its header says: where it was written ({@code origin}: the cluster's id) and the
     * partition's update counter then. The owners of a partition apply the same updates in the same order and share
     * the counter, so two files of one partition with the same content id hold the same entries.
     *
     * <p>Not so for a file whose partition took writes while it was being written: it holds some of them, and another
     * owner's file of the same counter may hold others (a kill -9 of every node under a write load left copies that
     * differed, each installed as the other's twin). Such a file's header carries a token of its own ({@link
     * #UNSETTLED}), part of its origin, so that it is never taken for another's twin: its owners merge their files.
     */
    public record ContentId(String origin, long counter) {
        /**
         * The highest update counter whose update a file may hold: its counter, or, for one written while its
         * partition took writes ({@link #UNSETTLED}), the counter when its scan ended. A partition that lived on is
         * at least there now; one found below it restarted its history (every copy was lost). Comparing with the
         * counter alone missed such losses: every copy of a partition, written as the last writes arrived, carried
         * the counter from before them (0), and a rejoining node skipped the partition with its entries.
         */
        public static long newest(Map<String, String> header) {
            long counter = Long.parseLong(header.getOrDefault("counter", "0"));
            return Math.max(counter, Long.parseLong(header.getOrDefault(COUNTER_AT_END, "0")));
        }

        /** Header field of a file written while its partition changed: a token no other file has. */
        static final String UNSETTLED = "unsettled";

        /**
         * Header field of a file written whole while its partition stood still: a digest of its records ({@link
         * Digest}), part of its origin. Owners that share a counter need not share the entries: Ignite acknowledges a
         * write whose backup it failed to reach (a send that fails counts as an answer), and a backup's counter jumps
         * to the next update it does get, so a backup that missed a write carries its primary's counter without that
         * write. Taken for twins, the two files loaded as one at a full restart, and the missed write went with the
         * file not chosen (the chaos suite's pause past the failure detection lost 1 acknowledged write this way).
         */
        static final String DIGEST = "digest";

        /**
         * The digest field's value in a file's first header, which the digest's own segment replaces: a file that
         * still says so lost its end (a reader would otherwise take the base, complete in itself, for the whole).
         */
        static final String DIGEST_FOLLOWS = "follows";

        static ContentId of(Map<String, String> header) {
            String cluster = header.get("cluster");
            String counter = header.get("counter");
            if (cluster == null || counter == null) {
                return null;
            }
            String unsettled = header.get(UNSETTLED);
            String digest = header.get(DIGEST);
            if (DIGEST_FOLLOWS.equals(digest)) {
                return null;
            }
            String origin = unsettled != null ? cluster + "/" + unsettled
                    : digest != null ? cluster + "#" + digest : cluster;
            return new ContentId(origin, Long.parseLong(counter));
        }
    }

    /**
     * A digest of a partition's records that does not depend on their order (each owner scans its own copy): the sum
     * of a mixed 64-bit hash of each record. A stored value's fingerprint (its version and its checksum, which covers
     * its key) stands for the record, so two copies that differ in any write differ here; anything else stored (a
     * move's tombstone) is hashed with its key.
     */
    static final class Digest {
        private final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        private long sum;

        void add(String key, byte[] value) {
            long h = Envelope.fingerprint(value);
            if (h == 0) {
                // Hashing every key cost 11% of a whole write's samples: only what is no envelope pays it.
                crc.reset();
                crc.update(value);
                h = (crc.getValue() << 32) ^ (key.hashCode() & 0xFFFFFFFFL) ^ ((long) value.length << 40);
            }
            // The finalizer of MurmurHash3: a sum of unmixed hashes would let differences cancel out.
            h ^= h >>> 33;
            h *= 0xFF51AFD7ED558CCDL;
            h ^= h >>> 33;
            h *= 0xC4CEB9FE1A85EC53L;
            h ^= h >>> 33;
            sum += h;
        }

        String hex() {
            return Long.toHexString(sum);
        }
    }

    /**
     * One partition's entries as its owners exchange them when their files differ: one owner's file, or the merge of
     * every owner's (the newest version of each key), with the content ids of the files it was made from.
     */
    public record PartitionEntries(Set<ContentId> contents, List<String> keys, List<byte[]> values) {
        public PartitionEntries {
            contents = Set.copyOf(contents);
            if (keys.size() != values.size()) {
                throw new IllegalArgumentException(keys.size() + " keys, " + values.size() + " values");
            }
        }
    }

    /**
     * What one backup installs to hold the merge its primary made ({@link Peers#installMergedThere}): {@code missing},
     * the merge's entries that its own file does not hold byte for byte, then its own file (of content {@code base};
     * none if null) where absent. Only what differs crosses the network. {@code missing.contents()} are the merge's.
     */
    public record MergeShare(PartitionEntries missing, ContentId base) {
    }

    /**
     * The other owners of this node's primary partitions, as the local install sees them ({@link #load(String,
     * WarmupService.ClusterLoader, Peers, List, AdaptiveRate)}). Ignite's side: {@code IgniteLocalInstall}.
     */
    public interface Peers {
        /** The partitions of the zone this node is primary for and holds fully now, with their backups. */
        Primaries primaries(String zone);

        /**
         * Asks {@code node} which of these partitions its own file holds the given content of, or it installed with
         * exactly that content ({@link #holdsTwin}): a header read, no install.
         *
         * @return those partitions, when it answers; none if it fails or does not answer in time (the future never
         *     fails)
         */
        CompletableFuture<Set<Integer>> twinsThere(String node, String zone, Map<Integer, ContentId> expected);

        /**
         * Asks {@code node} to install its own files of these partitions into its own copies ({@link #installOwn}),
         * each only if the file holds the given content and the partition map is still {@code view}.
         *
         * @return the partitions it installed, when it answers; none if it fails or does not answer in time (the
         *     future never fails)
         */
        CompletableFuture<Set<Integer>> installThere(String node, String zone,
                String view, Map<Integer, ContentId> expected);

        /**
         * Asks {@code node} for its own files of these partitions, as they are on its disk ({@link #ownFiles}); the
         * asking node checks them.
         *
         * @return by partition, when it answers, without those it holds no file of; empty if it fails or does not
         *     answer in time (the future never fails)
         */
        CompletableFuture<Map<Integer, byte[]>> filesThere(String node, String zone, Set<Integer> partitions);

        /**
         * Asks {@code node} to install its share of merges of every owner's file into its own copies ({@link
         * #installMerged}), each only where it installed nothing of the partition yet, its file is still the one it
         * gave, and the partition map is still {@code view}.
         *
         * @return the partitions it installed, when it answers; none if it fails or does not answer in time (the
         *     future never fails)
         */
        CompletableFuture<Set<Integer>> installMergedThere(String node, String zone, String view,
                Map<Integer, MergeShare> shares);

        /**
         * Waits (bounded) until every other node installed its own primary partitions ({@link #primariesOver}): a
         * backup asked to install meanwhile would take the machine from the primaries that reads need first.
         */
        void awaitPrimaries();

        /**
         * Waits (bounded) until every other node's local install is over ({@link #installStepOver}): until then a
         * primary may still ask this node to install a file, and sending that file through the cluster meanwhile
         * would do the same work twice.
         */
        void awaitInstallSteps();

        /**
         * Which of these partitions some other node installed locally with exactly this content: its owners then
         * hold the file's twin, and this node's file of it adds nothing (a node that held a partition for a while
         * before the restart, as the last nodes of a graceful stop of every node do, keeps such files).
         */
        Set<Integer> installedElsewhere(String zone, Map<Integer, ContentId> files);
    }

    /** One partition file found on disk, with what its header says. */
    public record PartitionFile(String zone, int partition, Path path) {
    }

    private final Path root;
    private final Collection<String> zones;
    private final Source source;
    /** zone/partition -> counter of the file on disk as this process wrote it. */
    private final Map<String, Long> written = new ConcurrentHashMap<>();
    /**
     * zone/partition -> the file on disk: {entries, bytes, bytes of its base (the whole write), segments appended
     * since}. Entries count a key once per record that wrote it (a key appended again counts again).
     */
    private final Map<String, long[]> sizes = new ConcurrentHashMap<>();
    /** Which keys changed since each partition's last write; null: every write rewrites its partition whole. */
    private final ChangedKeys changed;
    private final AtomicLong segmentsAppended = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong filesWritten = new AtomicLong();
    private final AtomicLong bytesWritten = new AtomicLong();
    private final AtomicLong writeFailures = new AtomicLong();
    private volatile boolean installStepOver;
    /** See {@link #backupsMayLag()}: only ever goes from true to false. */
    private volatile boolean backupsMayLag = true;
    /** Whether this node has no install of its own primary partitions ahead of it (see {@link #primariesOver()}). */
    private volatile boolean primariesOver;
    /** A write that may not wait wants the lock: a paced round stops waiting. */
    private volatile boolean hurry;
    private final Object pacer = new Object();
    private volatile long lastWriteAt;
    private volatile long lastWriteMillis;
    private volatile long lastRoundWorkMillis;
    private volatile long lastWriteFiles;
    private volatile long lastWriteEntries;
    private volatile long lastWriteBytes;
    private volatile String lastError;
    private volatile LocalCopyLoad lastLoad = new LocalCopyLoad("none", null, 0, 0, 0, 0, 0, 0, 0, 0, 0, List.of(), null, 0,
            0, 0, 0, 0);

    private final DiskSpace disk;
    private final LocalInstall install;

    public LocalCopyService(Path dataDir, Collection<String> zones, Source source) {
        this(dataDir, zones, source, new DiskSpace());
    }

    /** @param disk where a full disk is counted and logged (the node's, shared with its dumps) */
    public LocalCopyService(Path dataDir, Collection<String> zones, Source source, DiskSpace disk) {
        this(dataDir, zones, source, disk, null);
    }

    /**
     * @param changed the keys that changed since each partition's last write, which a round then appends to the
     *     partition's file instead of rewriting it whole ({@link #writeChanged(Duration)}); null: always whole
     */
    public LocalCopyService(Path dataDir, Collection<String> zones, Source source, DiskSpace disk,
            ChangedKeys changed) {
        this.root = dataDir.resolve("local-copy");
        this.zones = List.copyOf(zones);
        this.source = source;
        this.disk = disk;
        this.changed = changed;
        this.install = new LocalInstall(root, source, (id, counter, entries, bytes) -> {
            written.put(id, counter);
            sizes.put(id, new long[] {entries, bytes, bytes, 0});
        });
    }

    public Path root() {
        return root;
    }

    /**
     * Rewrites every held partition whose update counter moved since its file was written, and deletes the files of
     * partitions this node no longer holds, as fast as it can: the write at a stop and the one at segmentation. A
     * paced round in progress ({@link #writeChanged(Duration)}) stops waiting and finishes first.
     *
     * @return files written
     */
    public int writeChanged() {
        hurry = true;
        synchronized (pacer) {
            pacer.notifyAll();
        }
        try {
            return round(Duration.ZERO, false);
        } finally {
            hurry = false;
        }
    }

    /**
     * Most segments a file takes before a round rewrites it whole: a reader applies each in turn.
     */
    static final int MAX_SEGMENTS = 64;

    /**
     * Most value bytes an append holds in memory (it reads every changed value before it writes, to know how far the
     * partition's counter moved meanwhile): a partition that changed more than that is rewritten whole instead.
     */
    static final long MAX_APPEND_BYTES = 8L << 20;

    /**
     * As {@link #writeChanged()}, with the writes spread over {@code spread}: the partition at position i of the n
     * this node holds (all zones) is written no earlier than i/n of {@code spread} after the round began. A round of
     * the periodic write thus never takes a core for its whole length at once, and each partition is written at the
     * same point of every round, so a write still reaches the disk within one interval. Synchronized: the periodic
     * write, the write at a stop and the one at segmentation never interleave.
     *
     * <p>With a {@link ChangedKeys} log, a partition whose every update since its last write the log saw gets a
     * segment appended to its file: the values of the keys that changed, and the keys removed. Such a file's content
     * id is its own ({@link ContentId#UNSETTLED}): an append is no scan of the whole partition, so two owners' files
     * are only known alike once rewritten whole. A partition is rewritten whole when the log missed an update,
     * when its appended segments outweigh the rest of its file, and in the first round after its updates stop, so
     * that the files of a cluster at rest are twins again.
     *
     * @return files written
     * @throws CancellationException when the thread was interrupted while it waited (the node is stopping)
     */
    public synchronized int writeChanged(Duration spread) {
        return round(spread, true);
    }

    /** @param periodic a round of the periodic write, which also compacts files whose partition came to rest */
    private synchronized int round(Duration spread, boolean periodic) {
        long t0 = System.nanoTime();
        long waited = 0;
        int files = 0;
        long entries = 0;
        long bytes = 0;
        lastError = null;
        try {
            String cluster = source.clusterId();
            Map<String, List<Held>> heldByZone = new LinkedHashMap<>();
            int total = 0;
            for (String zone : zones) {
                List<Held> held = source.held(zone);
                heldByZone.put(zone, held);
                total += held.size();
            }
            int position = 0;
            for (String zone : zones) {
                Path dir = root.resolve(zone);
                Files.createDirectories(dir);
                List<Held> held = heldByZone.get(zone);
                Set<Integer> holding = new java.util.HashSet<>();
                for (Held h : held) {
                    holding.add(h.partition());
                }
                // Before any write: the space they free may be what the writes need on a nearly full disk. Only
                // once this node holds something: a node that holds nothing at this moment (it is leaving or was cut
                // off) must not throw its copy away.
                if (!held.isEmpty()) {
                    if (changed != null) {
                        changed.retain(zone, holding);
                    }
                    for (PartitionFile f : files(zone)) {
                        if (!holding.contains(f.partition())) {
                            Files.deleteIfExists(f.path());
                            written.remove(zone + "/" + f.partition());
                            sizes.remove(zone + "/" + f.partition());
                        }
                    }
                }
                for (Held listed : held) {
                    int at = position++;
                    String id = zone + "/" + listed.partition();
                    Long last = written.get(id);
                    boolean pending = changed != null && changed.pending(zone, listed.partition());
                    long[] before = sizes.get(id);
                    boolean atRest = last != null && last == listed.counter() && !pending;
                    boolean compact = atRest && periodic && before != null && before[3] > 0;
                    if (atRest && !compact) {
                        continue;
                    }
                    waited += pace(t0, spread.toNanos() * at / Math.max(1, total));
                    // Drained before the counter is read: every update the counter then counts whose key is not in
                    // this drain is either in a later one or seen by the scan of a whole rewrite.
                    ChangedKeys.Changes changes = changed == null ? null : changed.drain(zone, listed.partition());
                    // A paced round reaches a partition seconds after it listed it: its counter may have moved since.
                    long now = source.counter(zone, listed.partition());
                    if (now < 0) {
                        continue;
                    }
                    Held h = new Held(listed.partition(), now);
                    // Keys with no counter move: updates under way at the last drain, applied before it.
                    boolean keys = changes != null && !changes.keys().isEmpty();
                    if (last != null && last == now && !keys && !compact) {
                        continue;
                    }
                    long[] size = null;
                    boolean appended = false;
                    try {
                        if (!compact && appendable(last, now, changes, before)) {
                            size = appendPartition(dir, zone, h, changes, before);
                            appended = size != null;
                        }
                        if (size == null) {
                            size = writePartition(dir, zone, h, cluster);
                        }
                    } catch (IOException | RuntimeException e) {
                        // Whatever the file holds now, the next round rewrites it whole.
                        written.remove(id);
                        sizes.remove(id);
                        writeFailures.incrementAndGet();
                        lastError = "partition " + h.partition() + " of zone " + zone + ": " + WarmupService.describe(e);
                        if (disk.recordIfFull(DiskSpace.LOCAL_COPY, dir, e)) {
                            // The other partitions would meet the same full disk: the round ends here, with one
                            // log line, and the next interval tries again.
                            return finish(t0, waited, files, entries, bytes, false);
                        }
                        // One partition that cannot be read now (e.g. it is being moved away) must not keep the
                        // others from being written; its file keeps its previous content and is tried again next time.
                        LOG.warn("Local copy: {}", lastError);
                        continue;
                    }
                    written.put(id, h.counter());
                    sizes.put(id, size);
                    files++;
                    // What this write put on disk: an append's records and bytes, or the whole file.
                    entries += appended ? size[0] - before[0] : size[0];
                    bytes += appended ? size[1] - before[1] : size[1];
                }
            }
        } catch (CancellationException stopping) {
            finish(t0, waited, files, entries, bytes, false);
            throw stopping;
        } catch (IOException | RuntimeException e) {
            writeFailures.incrementAndGet();
            lastError = WarmupService.describe(e);
            if (!disk.recordIfFull(DiskSpace.LOCAL_COPY, root, e)) {
                LOG.warn("Local copy: writing under {} failed after {} files: {}", root, files, lastError);
            }
            return finish(t0, waited, files, entries, bytes, false);
        }
        return finish(t0, waited, files, entries, bytes, true);
    }

    /** The last round's work in milliseconds: its length without the waits of a paced round. */
    public long lastRoundWorkMillis() {
        return lastRoundWorkMillis;
    }

    /**
     * Waits until {@code offsetNanos} after {@code start}, the round's start, unless a write that may not wait is
     * asking for the lock ({@link #writeChanged()}).
     *
     * @return nanoseconds waited
     */
    private long pace(long start, long offsetNanos) {
        long t = System.nanoTime();
        long until = start + offsetNanos;
        if (offsetNanos == 0 || t >= until) {
            return 0;
        }
        synchronized (pacer) {
            try {
                for (long left = until - t; left > 0 && !hurry; left = until - System.nanoTime()) {
                    TimeUnit.NANOSECONDS.timedWait(pacer, left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CancellationException("the node is stopping");
            }
        }
        return System.nanoTime() - t;
    }

    /**
     * Records a round of {@link #writeChanged} that wrote {@code files}; returns that count. Only a round that went
     * through ({@code complete}) moves the last-write time: a copy that a full disk holds back must look old. The
     * round's time is from its start to its end, so that the last-write time less it is when the round began (every
     * write acknowledged before then is on disk); its work alone, without a paced round's waits, is {@link
     * #lastRoundWorkMillis}.
     */
    private int finish(long t0, long waited, int files, long entries, long bytes, boolean complete) {
        writes.incrementAndGet();
        filesWritten.addAndGet(files);
        bytesWritten.addAndGet(bytes);
        if (complete) {
            lastWriteAt = System.currentTimeMillis();
        }
        long took = System.nanoTime() - t0;
        lastWriteMillis = took / 1_000_000;
        lastRoundWorkMillis = (took - waited) / 1_000_000;
        lastWriteFiles = files;
        lastWriteEntries = entries;
        lastWriteBytes = bytes;
        if (files > 0) {
            LOG.debug("Local copy: {} partition files written ({} entries, {} bytes) in {} ms", files, entries, bytes,
                    lastWriteMillis);
        }
        return files;
    }

    /**
     * Whether the partition's changes can be appended: every update since the last write is in {@code changes} (as
     * many counted as the counter moved), the file was written by this process, the changed keys are at most half of
     * its records (past that a whole write costs about as much and leaves a smaller file), and its segments do not
     * yet outweigh its base.
     */
    private static boolean appendable(Long last, long now, ChangedKeys.Changes changes, long[] file) {
        return changes != null && changes.complete() && last != null && file != null
                && changes.updates() == now - last && 2L * changes.keys().size() <= file[0]
                && file[3] < MAX_SEGMENTS && file[1] - file[2] <= file[2] && DumpFile.appendable(file[1]);
    }

    /**
     * Appends the changed keys' values now (deletions where gone) to the partition's file; null when the file is not
     * there or grew past what a reader reads whole (the caller then rewrites it).
     */
    private long[] appendPartition(Path dir, String zone, Held h, ChangedKeys.Changes changes, long[] before)
            throws IOException {
        Path target = dir.resolve("p-" + h.partition() + SUFFIX);
        if (!Files.isRegularFile(target)) {
            return null;
        }
        List<String> keys = changes.keys();
        List<byte[]> values = new ArrayList<>(keys.size());
        long held = 0;
        for (String k : keys) {
            byte[] v = source.peek(zone, k);
            held += v == null ? 0 : v.length;
            if (held > MAX_APPEND_BYTES) {
                return null;
            }
            values.add(v);
        }
        long after = source.counter(zone, h.partition());
        if (after < 0) {
            throw new IllegalStateException("the partition left this node while its changes were read");
        }
        Map<String, String> header = new LinkedHashMap<>();
        header.put("counter", Long.toString(h.counter()));
        // The values were read after the counter: they may hold updates up to the counter now.
        header.put(COUNTER_AT_END, Long.toString(Math.max(after, h.counter())));
        header.put(ContentId.UNSETTLED, unsettledToken());
        header.put("writtenAt", Long.toString(System.currentTimeMillis()));
        long upserts = 0;
        DumpFile.SegmentWriter w = new DumpFile.SegmentWriter(target, header);
        try {
            for (int i = 0; i < keys.size(); i++) {
                if (values.get(i) == null) {
                    w.delete(keys.get(i));
                } else {
                    w.write(keys.get(i), values.get(i));
                    upserts++;
                }
            }
            w.close();
        } catch (IOException | RuntimeException e) {
            try {
                w.abandon();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        long bytes = Files.size(target);
        if (!DumpFile.appendable(bytes)) {
            return null;
        }
        segmentsAppended.incrementAndGet();
        return new long[] {before[0] + upserts, bytes, before[2], before[3] + 1};
    }

    /** A file's own content id token: unique, not secret (SecureRandom took 6% of an append round). */
    private static String unsettledToken() {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        return new UUID(random.nextLong(), random.nextLong()).toString();
    }

    private long[] writePartition(Path dir, String zone, Held h, String cluster) throws IOException {
        Path target = dir.resolve("p-" + h.partition() + SUFFIX);
        Path tmp = dir.resolve("p-" + h.partition() + SUFFIX + ".tmp");
        Map<String, String> header = new LinkedHashMap<>();
        header.put("zone", zone);
        header.put("partition", Integer.toString(h.partition()));
        header.put("counter", Long.toString(h.counter()));
        header.put("cluster", cluster);
        header.put("writtenAt", Long.toString(System.currentTimeMillis()));
        header.put(ContentId.DIGEST, ContentId.DIGEST_FOLLOWS);
        Path unsettled = dir.resolve("p-" + h.partition() + SUFFIX + ".tmp2");
        try {
            long entries;
            Digest digest = new Digest();
            try (DumpFile.Writer w = new DumpFile.Writer(tmp, header)) {
                source.forEach(zone, h.partition(), (k, v) -> {
                    w.write(k, v);
                    digest.add(k, v);
                });
                w.close();
                entries = w.entries();
            }
            long after = source.counter(zone, h.partition());
            if (after == h.counter() && DumpFile.appendable(Files.size(tmp) + 1024)) {
                // Known only once the records are written, after the header: a segment of no records carries it.
                new DumpFile.SegmentWriter(tmp, Map.of(ContentId.DIGEST, digest.hex())).close();
            } else {
                // The header is written first and covered by the trailer's checksum: the token goes into a copy. A
                // file too large to take the digest's segment gets one too (rare: over 64 MiB in one partition).
                header.remove(ContentId.DIGEST);
                header.put(ContentId.UNSETTLED, unsettledToken());
                if (after > h.counter()) {
                    header.put(COUNTER_AT_END, Long.toString(after));
                }
                try (DumpFile.Writer w = new DumpFile.Writer(unsettled, header)) {
                    DumpFile.read(tmp, w::write);
                    w.close();
                }
                Files.move(unsettled, tmp, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            // No fsync: the copy protects against a process that dies (kill -9, out of memory, a wedged node);
            // a machine that loses power loses its page cache, and the files then read as damaged or old.
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            long bytes = Files.size(target);
            return new long[] {entries, bytes, bytes, 0};
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            Files.deleteIfExists(unsettled);
            throw e;
        }
    }

    /** The partition files of one zone on disk (temporary files of an interrupted write are not among them). */
    public List<PartitionFile> files(String zone) {
        Path dir = root.resolve(zone);
        List<PartitionFile> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> list = Files.list(dir)) {
            list.forEach(p -> {
                Matcher m = FILE.matcher(p.getFileName().toString());
                if (m.matches()) {
                    out.add(new PartitionFile(zone, Integer.parseInt(m.group(1)), p));
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.sort(java.util.Comparator.comparingInt(PartitionFile::partition));
        return out;
    }

    /** Decides per file, from its header, whether to load it. */
    @FunctionalInterface
    public interface Selector {
        boolean load(String zone, int partition, Map<String, String> header);
    }

    /**
     * Loads the selected partition files into the cluster, storing only where a key is absent or older. A file is
     * checked whole (trailer and checksum) before any of its entries is sent: a damaged file is refused with a log
     * line naming it and why, and the other files still load. Entries that fail their own checksum or expired
     * meanwhile are skipped. Unpaced: as fast as the cluster takes them.
     */
    public LocalCopyLoad load(String reason, WarmupService.ClusterLoader loader, Selector selector) {
        try (AdaptiveRate pace = AdaptiveRate.Factory.FIXED.open(0)) {
            return load(reason, loader, selector, pace);
        }
    }

    /** As {@link #load(String, WarmupService.ClusterLoader, Selector)}, handing entries on at {@code pace}. */
    public LocalCopyLoad load(String reason, WarmupService.ClusterLoader loader, Selector selector, AdaptiveRate pace) {
        return load(reason, loader, List.of(selector), pace);
    }

    /**
     * As {@link #load(String, WarmupService.ClusterLoader, Selector, AdaptiveRate)}, in passes: every zone's files go
     * through the first pass, then what is left of them through the next; a file loaded (or refused) by one pass is
     * not offered to the next, and a pass's entries are confirmed before the next pass begins, so a selector can look
     * at what the earlier passes loaded.
     */
    public LocalCopyLoad load(String reason, WarmupService.ClusterLoader loader, List<Selector> passes,
            AdaptiveRate pace) {
        return load(reason, loader, null, passes, pace);
    }

    /**
     * As {@link #load(String, WarmupService.ClusterLoader, List, AdaptiveRate)}, after a first step that needs no
     * network where {@code peers} is given (a cluster that formed empty): for each partition this node is primary
     * for, where every backup's own file holds the same content as this node's ({@link ContentId}) this node installs
     * its file into its own copy, where every backup's differs it installs their merge, and once its primaries are in
     * each backup installs its twin or its share of the merge ({@code LocalInstall}). A partition whose owners' files
     * neither all agree nor all differ, or whose own file is damaged, is left to the passes, which go through the
     * cluster and write every copy.
     */
    public LocalCopyLoad load(String reason, WarmupService.ClusterLoader loader, Peers peers, List<Selector> passes,
            AdaptiveRate pace) {
        LoadTally t = new LoadTally(reason, System.currentTimeMillis(), pace, install::onRequest);
        Map<String, List<PartitionFile>> found = new LinkedHashMap<>();
        for (String zone : zones) {
            List<PartitionFile> list = new ArrayList<>(files(zone));
            found.put(zone, list);
            for (PartitionFile f : list) {
                t.fileBytesTotal += sizeOf(f.path());
            }
        }
        String error = null;
        boolean stopped = false;
        lastLoad = t.result("running", null);
        try {
            try {
                List<LocalInstall.Owing> owing = new ArrayList<>();
                if (peers != null) {
                    for (String zone : zones) {
                        owing.add(install.installPrimaries(zone, found.get(zone), peers, t,
                                () -> lastLoad = t.result("running", null)));
                    }
                }
                // Before this node waits for the others' primaries: they wait for its own (a failure above is
                // announced by the finally below).
                primariesOver = true;
                if (peers != null) {
                    // Primaries first, backups after, on every node: reads go to a key's primary, so the cluster
                    // serves hits after half the work (paced for reads, a 1 GiB restart reached a 99% hit ratio only
                    // as its last partitions' two copies landed). A node whose primaries are in waits for the others'
                    // before it has their backups install: they would install their backups between their own.
                    t.primariesInstalledAt = System.currentTimeMillis();
                    peers.awaitPrimaries();
                    for (LocalInstall.Owing o : owing) {
                        install.installBackups(o, peers, t);
                    }
                }
            } finally {
                // Also when there was none to do: other nodes wait for this before their passes.
                primariesOver = true;
                installStepOver = true;
            }
            if (peers != null) {
                t.installedAt = System.currentTimeMillis();
                peers.awaitInstallSteps();
                t.othersInstalledAt = System.currentTimeMillis();
                // Every node's backups are in (or the wait gave up on one): the passes below write both copies.
                backupsMayLag = false;
                for (String zone : zones) {
                    install.dropInstalledElsewhere(zone, found.get(zone), peers, t);
                }
            }
            // Passes outermost: every zone's first pass before any zone's second, so that all zones warm first.
            for (int pass = 0; pass < passes.size(); pass++) {
                for (String zone : zones) {
                    loadPass(zone, found.get(zone), loader, passes.get(pass), pass == passes.size() - 1, t);
                }
            }
        } catch (RuntimeException e) {
            if (WarmupService.stopped(e)) {
                stopped = true;
            } else {
                error = WarmupService.describe(e);
                LOG.error("Local copy: load failed", e);
            }
        }
        backupsMayLag = false;
        LocalCopyLoad r = t.result(stopped ? "stopped" : error == null ? "complete" : "failed", error);
        lastLoad = r;
        LOG.info("Local copy load ({}) {}{}: {} files, {} entries installed locally (this node's primaries in after "
                + "{} ms, its install over after {} ms, every node's after {} ms; {} of its files merged with their "
                + "other owners' differing ones; {} backup copies left lacking entries), {} files skipped as installed "
                + "alike by their owners, {} entries "
                + "sent (stored where absent or older), {} already held, {} expired, {} damaged, {} files refused, {} "
                + "bytes in {} ms", reason, r.state(), stopped ? " (the node is stopping)" : "", r.files(),
                r.installedLocally(), t.primariesInstalledAt == 0 ? 0 : t.primariesInstalledAt - t.startedAt,
                t.installedAt == 0 ? 0 : t.installedAt - t.startedAt,
                t.othersInstalledAt == 0 ? 0 : t.othersInstalledAt - t.startedAt, t.merged, t.backupsLeft,
                t.twinsElsewhere,
                r.entriesSent(), r.skippedPresent(),
                r.skippedExpired(),
                r.skippedDamaged(), r.refusedFiles(), r.bytesRead(), r.elapsedMillis());
        return r;
    }

    /**
     * One pass over a zone's files not yet loaded or refused ({@code left}, from which it removes those it handles);
     * everything it sent is confirmed when it returns.
     */
    private void loadPass(String zone, List<PartitionFile> left, WarmupService.ClusterLoader loader,
            Selector selector, boolean lastPass, LoadTally t) {
        WarmupService.ClusterLoader.Session session = null;
        try {
            for (Iterator<PartitionFile> it = left.iterator(); it.hasNext(); ) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new CancellationException("the node is stopping");
                }
                PartitionFile f = it.next();
                long fileBytes = sizeOf(f.path());
                if (install.isInstalled(zone, f.partition())) {
                    // Installed at a primary's request meanwhile (installOwn): its twin is in the primary's copy.
                    it.remove();
                    t.fileBytesDone += fileBytes;
                    continue;
                }
                FileEntries entries;
                try {
                    entries = readFile(zone, f.partition(), f.path(), header -> selector.load(zone, f.partition(),
                            header));
                } catch (NotSelected skip) {
                    if (lastPass) {
                        // Not part of this load: neither done nor to do.
                        t.fileBytesTotal -= fileBytes;
                    }
                    continue;
                } catch (IOException e) {
                    it.remove();
                    t.fileBytesDone += fileBytes;
                    t.refused.add(f.path() + ": " + e.getMessage());
                    LOG.error("Local copy: refusing file {}: {}; its entries are not loaded", f.path(),
                            e.getMessage());
                    continue;
                }
                it.remove();
                t.fileBytesDone += fileBytes;
                t.files++;
                if (session == null) {
                    session = loader.open(zone);
                }
                send(zone, f.partition(), entries.keys(), entries.values(), session, t);
                lastLoad = t.result("running", null);
            }
            if (session != null) {
                // Confirmed before the next pass looks at what is loaded.
                session.close();
            }
        } catch (RuntimeException e) {
            if (session != null) {
                try {
                    session.abandon();
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /** A partition file read whole and checked (trailer and checksums), with its header. */
    record FileEntries(Map<String, String> header, List<String> keys, List<byte[]> values) {
        ContentId content() {
            return ContentId.of(header);
        }
    }

    /**
     * Reads a whole partition file, whose header must name this zone and partition; {@code wanted} decides from the
     * header whether to read on.
     *
     * @throws NotSelected when {@code wanted} says no
     * @throws IOException when the file is damaged or another's
     * @throws CancellationException when the node's stop interrupted the read (a channel read then ends with
     *     ClosedByInterruptException): the file is fine, and refusing it would call it damaged
     */
    static FileEntries readFile(String zone, int partition, Path path, Predicate<Map<String, String>> wanted)
            throws IOException {
        return readFile(zone, partition, path, null, wanted);
    }

    /**
     * As {@link #readFile(String, int, Path, Predicate)}, from the file's bytes when given (a file another node sent;
     * {@code path} then names it for the messages).
     */
    static FileEntries readFile(String zone, int partition, Path path, byte[] bytes,
            Predicate<Map<String, String>> wanted) throws IOException {
        List<String> keys = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        DumpFile.HeaderCheck check = header -> {
            if (!zone.equals(header.get("zone")) || !Integer.toString(partition).equals(header.get("partition"))) {
                throw new IOException(path + " is not a local copy of zone " + zone + " partition " + partition
                        + " (header " + header + ")");
            }
            if (ContentId.DIGEST_FOLLOWS.equals(header.get(ContentId.DIGEST))) {
                throw new IOException(path + " is truncated: it ends before the digest segment its header announces");
            }
            if (!wanted.test(header)) {
                throw new NotSelected();
            }
        };
        DumpFile.RecordConsumer add = (k, v) -> {
            keys.add(k);
            values.add(v);
        };
        try {
            DumpFile.Summary s = bytes == null ? DumpFile.read(path, check, add)
                    : DumpFile.readRaw(path, bytes, check, add);
            return new FileEntries(s.header(), keys, values);
        } catch (NotSelected notWanted) {
            throw notWanted;
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) {
                CancellationException stop = new CancellationException("the node is stopping");
                stop.initCause(e);
                throw stop;
            }
            throw e;
        }
    }

    /** One file's entries to the cluster; damaged and expired ones are counted, not sent. */
    private void send(String zone, int partition, List<String> keys, List<byte[]> values,
            WarmupService.ClusterLoader.Session session, LoadTally t) {
        long now = System.currentTimeMillis();
        for (int i = 0; i < keys.size(); i++) {
            String k = keys.get(i);
            byte[] v = values.get(i);
            t.read++;
            t.bytes += k.length() + v.length;
            // The same checks as the local install's, without decoding a copy of the value.
            if (!EntryChecks.intact(k, v)) {
                t.damaged++;
                continue;
            }
            long expireAt = Envelope.expireAt(v);
            if (expireAt != 0 && expireAt <= now) {
                t.expired++;
                continue;
            }
            if (source.holdsAtLeast(zone, partition, k, Envelope.version(v))) {
                t.present++;
                continue;
            }
            t.pace.acquire(1);
            session.add(k, v, expireAt);
            t.sent++;
        }
    }

    /**
     * Whether this node has installed its own primary partitions (its backups' copies may still be to come), or has
     * no local install at all. Other nodes wait for this before their backups install.
     */
    public boolean primariesOver() {
        return primariesOver;
    }

    /**
     * Whether a backup copy may still lack entries its primary holds because of this node's start-up load: true from
     * this service's creation until a load has seen every node's local install over (a cluster that formed empty
     * installs every primary before any backup, {@link #load(String, WarmupService.ClusterLoader, Peers, List,
     * AdaptiveRate)}) or has ended, or {@link #noLoad} or {@link #startUpLoadOver} was called; false ever after.
     * While true, the node reads each key from its primary copy: a backup's copy, which Ignite reads where this node
     * holds one or picks at random otherwise, would answer a miss for a key the cluster holds.
     */
    public boolean backupsMayLag() {
        return backupsMayLag;
    }

    /**
     * Ends {@link #backupsMayLag()} where the start-up load did not run or did not end by itself (it failed before
     * it began): the node must not read from primaries only for ever.
     */
    public void startUpLoadOver() {
        backupsMayLag = false;
    }

    /**
     * Whether this node has no local install of its own primaries ahead of it: it finished it, or its load began
     * without one (a node that rejoined a live cluster). Other nodes wait for this before their own passes.
     */
    public boolean installStepOver() {
        return installStepOver;
    }

    /**
     * Which of these partitions this node's own file is the twin of (holds the given content), or it installed with
     * exactly that content ({@link Peers#twinsThere}).
     */
    public Set<Integer> holdsTwin(String zone, Map<Integer, ContentId> expected) {
        return install.holdsTwin(zone, expected);
    }

    /**
     * Installs this node's own file of a partition into its own copy (no network), if the file holds {@code
     * expected}; entries the copy already has are left alone. Run at the request of the partition's primary, which
     * installed its own twin file first.
     *
     * @param view the partition map the primary agreed the install in ({@link Primaries#view})
     * @return whether the file was installed (now or before)
     */
    public boolean installOwn(String zone, int partition, ContentId expected, String view) {
        return install.installOwn(zone, partition, expected, view);
    }

    /**
     * This node's own files of these partitions as they are on disk, for a primary whose file of the partition holds
     * other content: it checks them and merges them with its own ({@link Peers#filesThere}).
     *
     * @return by partition, without those this node holds no file of
     */
    public Map<Integer, byte[]> ownFiles(String zone, Set<Integer> partitions) {
        return install.ownFiles(zone, partitions);
    }

    /**
     * Installs this node's share of a merge its partition's primary made of every owner's file into this node's own
     * copy (no store through the cluster): where the owners' files differ, each owner ends with the same merge, which
     * the primary installed first.
     *
     * @param view the partition map the primary agreed the install in ({@link Primaries#view})
     * @return whether the merge was installed (now or at an earlier request)
     */
    public boolean installMerged(String zone, int partition, MergeShare share, String view) {
        return install.installMerged(zone, partition, share, view);
    }

    /** Answers {@link Peers#installedElsewhere} for this node: the partitions it installed with this content. */
    public Set<Integer> installedHere(String zone, Map<Integer, ContentId> files) {
        return install.installedHere(zone, files);
    }

    /** Records that nothing was loaded at start, and why. */
    public void noLoad(String reason) {
        primariesOver = true;
        installStepOver = true;
        backupsMayLag = false;
        lastLoad = new LocalCopyLoad("skipped", reason, 0, 0, 0, 0, 0, 0, 0, System.currentTimeMillis(), 0, List.of(),
                null, 0, 0, 0, 0, install.onRequest().stored());
        LOG.info("Local copy: not loaded: {}", reason);
    }

    /** A file's size for progress; one that vanished meanwhile counts as empty (its read then fails and says so). */
    static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Thrown by the header check of a file the selector does not want: stops reading it at once. */
    static final class NotSelected extends IOException {
        private static final long serialVersionUID = 1L;

        NotSelected() {
            super(null, null);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    public LocalCopyStatus status(boolean enabled) {
        long files = 0;
        long entries = 0;
        long bytes = 0;
        for (long[] s : sizes.values()) {
            files++;
            entries += s[0];
            bytes += s[1];
        }
        return new LocalCopyStatus(enabled, lastWriteAt, lastWriteMillis, lastWriteFiles, lastWriteEntries, lastWriteBytes,
                files, entries, bytes, writes.get(), filesWritten.get(), bytesWritten.get(), segmentsAppended.get(),
                writeFailures.get(), lastError, lastLoad);
    }
}
