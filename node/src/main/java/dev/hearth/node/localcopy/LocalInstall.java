package dev.hearth.node.localcopy;

import dev.hearth.node.dump.DumpFile;
import dev.hearth.node.dump.EntryChecks;
import dev.hearth.node.localcopy.LocalCopyService.ContentId;
import dev.hearth.node.localcopy.LocalCopyService.FileEntries;
import dev.hearth.node.localcopy.LocalCopyService.Installer;
import dev.hearth.node.localcopy.LocalCopyService.MergeShare;
import dev.hearth.node.localcopy.LocalCopyService.PartitionEntries;
import dev.hearth.node.localcopy.LocalCopyService.PartitionFile;
import dev.hearth.node.localcopy.LocalCopyService.Peers;
import dev.hearth.node.localcopy.LocalCopyService.Primaries;
import dev.hearth.storage.Envelope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The first step of a load in a cluster that formed empty: files installed straight into the owners' own copies, with
 * no store through the cluster. Where every owner of a partition holds a file of the same content ({@link
 * ContentId}), the primary reads and checks its file whole, asks every backup whether its own file is that file's twin
 * ({@link #holdsTwin}, through {@link Peers#twinsThere}), and where every backup's is, installs its own; once all its
 * primaries are in, every backup installs its own file ({@link #installOwn}, through {@link Peers#installThere}).
 * Reads go to a key's primary: the cluster serves hits after half the work.
 *
 * <p>Where every backup's file differs (a graceful stop of every node under writes, or a kill -9 of every node: each
 * wrote its file at another moment), or it has none, the primary fetches the backups' files, merges them with its own
 * (the newest version of each key, as the passes through the cluster would leave it), installs the merge, and later
 * has every backup install its share of it ({@link #installMerged}: only the entries its own file lacks cross the
 * network). Any other case (a damaged own file, some backups holding a twin and others not, no answer) leaves the
 * partition to the load's passes, which write every copy. A backup that refuses its install after all is sent the
 * primary's file; one that refuses that too (the partition map changed) keeps a copy lacking entries, logged and
 * counted. Ignite's side of an install is {@code IgniteLocalInstall}.
 */
final class LocalInstall {
    private static final Logger LOG = LogManager.getLogger(LocalInstall.class);

    /**
     * Primary partitions whose files one step of {@link #installAgreed} holds in memory and installs at once: small,
     * so that the pace acts in steps of a few thousand entries rather than in bursts.
     */
    static final int INSTALL_CHUNK = 4;

    /**
     * Entries installed into one copy per permit of the pace, which is counted in entries sent through the cluster:
     * one node installs about 200k entries/s where it sent 58k through the cluster (LocalCopyBench), and a sent
     * entry also costs its backups a message and an entry processor. Counted one for one, the installs yielded far
     * more than the reads needed (256 MiB: reads at a p99 of 5 ms while the refill took 70 s instead of 10).
     */
    static final int INSTALL_COST_SHARE = 8;

    /**
     * Key and value bytes of merge shares a primary holds for its backups until its own primaries are in; past it,
     * they are sent at once.
     */
    static final long BACKLOG_BYTES = 32L << 20;

    /** Where an installed file becomes the copy's current file: it need not be written again until a write. */
    @FunctionalInterface
    interface Current {
        void record(String zonePartition, long counter, long entries, long bytes);
    }

    private final Path root;
    private final LocalCopyService.Source source;
    private final Current current;

    /**
     * zone/partition -> content ids of the files installed into this node's own copies (one, or those of a merge): no
     * pass of a load sends them again.
     */
    private final Map<String, Set<ContentId>> installed = new ConcurrentHashMap<>();
    /**
     * What installs at other nodes' requests ({@link #installOwn}) did since this process started: they run beside
     * this node's own load, whose record counts them with its own.
     */
    private final AtomicReference<Installed> onRequest =
            new AtomicReference<>(Installed.NONE);

    LocalInstall(Path root, LocalCopyService.Source source, Current current) {
        this.root = root;
        this.source = source;
        this.current = current;
    }

    /** Whether this node installed its file of the partition (itself or at a primary's request). */
    boolean isInstalled(String zone, int partition) {
        return installed.containsKey(zone + "/" + partition);
    }

    /** What installs at other nodes' requests did since this process started. */
    Installed onRequest() {
        return onRequest.get();
    }

    /**
     * Installs this node's primary partitions of a zone (its own file where every backup holds its twin, the merge of
     * their files where every backup's differs); what the backups are owed goes to {@link #installBackups}, once
     * every node's primaries are in.
     */
    Owing installPrimaries(String zone, List<PartitionFile> left, Peers peers, LoadTally t, Runnable progress) {
        Primaries view = peers.primaries(zone);
        Map<Integer, List<String>> primaries = view.backups();
        List<PartitionFile> mine = new ArrayList<>();
        for (Iterator<PartitionFile> it = left.iterator(); it.hasNext(); ) {
            PartitionFile f = it.next();
            if (installed.containsKey(zone + "/" + f.partition())) {
                // Installed at the request of the node that was its primary in an earlier partition map; that node
                // installed its twin, and Ignite moved the partition on from those copies.
                it.remove();
                t.fileBytesDone += LocalCopyService.sizeOf(f.path());
            } else if (primaries.containsKey(f.partition())) {
                mine.add(f);
            }
        }
        Backlog backlog = new Backlog();
        // One chunk's backups check their files while this node installs the chunk before and reads the next.
        Chunk previous = null;
        for (int from = 0; from < mine.size(); from += INSTALL_CHUNK) {
            if (Thread.currentThread().isInterrupted()) {
                throw new CancellationException("the node is stopping");
            }
            // This node's files are read and checked whole before any backup is asked: a backup must never install
            // a partition whose primary then finds its own file damaged.
            Chunk c = new Chunk();
            Map<String, Map<Integer, ContentId>> ask = new TreeMap<>();
            for (PartitionFile f : mine.subList(from, Math.min(mine.size(), from + INSTALL_CHUNK))) {
                FileEntries e = readWhole(zone, f.partition(), f.path(), null);
                if (e == null) {
                    continue;
                }
                c.read.put(f.partition(), e);
                c.files.put(f.partition(), f);
                c.backups.put(f.partition(), primaries.get(f.partition()));
                for (String backup : primaries.get(f.partition())) {
                    ask.computeIfAbsent(backup, b -> new TreeMap<>()).put(f.partition(), e.content());
                }
            }
            ask.forEach((backup, expected) -> c.answers.put(backup, peers.twinsThere(backup, zone, expected)));
            if (previous != null) {
                installChecked(zone, previous, view, peers, left, t, progress, backlog);
            }
            previous = c;
        }
        if (previous != null) {
            installChecked(zone, previous, view, peers, left, t, progress, backlog);
        }
        return new Owing(zone, view, backlog);
    }

    /** What this node's backups of one zone are owed once its primaries are in. */
    record Owing(String zone, Primaries view, Backlog backlog) {
    }

    /** Primary partitions read and offered to their backups, with the backups' answers to come. */
    private static final class Chunk {
        final Map<Integer, FileEntries> read = new TreeMap<>();
        final Map<Integer, PartitionFile> files = new HashMap<>();
        final Map<Integer, List<String>> backups = new HashMap<>();
        /** Backup -> the partitions of those asked whose file there is this node's file's twin. */
        final Map<String, CompletableFuture<Set<Integer>>> answers = new HashMap<>();
    }

    /** A partition this node installed as primary whose backups still have to install their copies. */
    private record Owed(int partition, List<String> backups, ContentId content, int entries) {
    }

    /**
     * A backup's share of a merge, and how many entries its install costs it: the share and, where absent, its own
     * file, about as many as the merge holds.
     */
    private record OwedShare(MergeShare share, int entries) {
    }

    /** What the backups still have to install, once this node's primaries are in. */
    static final class Backlog {
        /** Partitions whose every backup holds the twin of this node's file. */
        final List<Owed> twins = new ArrayList<>();
        /** Merges this node installed: backup -> partition -> its share. */
        final Map<String, Map<Integer, OwedShare>> merges = new TreeMap<>();
        /** Key and value bytes held in {@link #merges}. */
        long mergeBytes;
    }

    /**
     * Installs this node's files of a chunk whose every backup holds their twin, and merges where every backup's file
     * differs; the backups install theirs later ({@link #installBackups}).
     */
    private void installChecked(String zone, Chunk c, Primaries view, Peers peers, List<PartitionFile> left,
            LoadTally t, Runnable progress, Backlog backlog) {
        Map<String, Set<Integer>> twins = new HashMap<>();
        c.answers.forEach((backup, answer) -> twins.put(backup, answer.join()));
        Map<Integer, FileEntries> agreed = new TreeMap<>();
        Set<Integer> differing = new TreeSet<>();
        c.read.forEach((p, e) -> {
            List<String> backups = c.backups.get(p);
            long yes = backups.stream().filter(b -> twins.getOrDefault(b, Set.of()).contains(p)).count();
            if (yes == backups.size()) {
                agreed.put(p, e);
            } else if (yes == 0) {
                differing.add(p);
            }
            // Some backups hold a twin and others do not: a merge would differ from the copies of those that hold
            // one, so the passes write every copy.
        });
        // Paced like the passes' sends, by what it costs: it still takes CPU from foreground reads.
        t.pace.acquire(permits(agreed.values().stream().mapToInt(e -> e.keys().size()).sum()));
        for (Map.Entry<Integer, FileEntries> e : agreed.entrySet()) {
            FileEntries f = e.getValue();
            if (installHere(zone, e.getKey(), new PartitionEntries(Set.of(f.content()), f.keys(), f.values()), true,
                    c, view, left, t, progress)) {
                backlog.twins.add(new Owed(e.getKey(), c.backups.get(e.getKey()), f.content(), f.keys().size()));
            }
        }
        if (!differing.isEmpty()) {
            installMerges(zone, c, differing, view, peers, left, t, progress, backlog);
        }
    }

    /** Permits of the pace for installing this many entries into one copy. */
    private static int permits(int entries) {
        return Math.max(1, entries / INSTALL_COST_SHARE);
    }

    /**
     * Where every backup's file differs from the primary's: fetches their files, merges, installs the merge here and
     * leaves each backup's share of it to {@link #installBackups}.
     */
    private void installMerges(String zone, Chunk c, Set<Integer> differing, Primaries view, Peers peers,
            List<PartitionFile> left, LoadTally t, Runnable progress, Backlog backlog) {
        Map<String, Set<Integer>> byBackup = new TreeMap<>();
        for (Integer p : differing) {
            for (String b : c.backups.get(p)) {
                byBackup.computeIfAbsent(b, k -> new TreeSet<>()).add(p);
            }
        }
        Map<String, CompletableFuture<Map<Integer, byte[]>>> asked = new TreeMap<>();
        byBackup.forEach((b, ps) -> asked.put(b, peers.filesThere(b, zone, ps)));
        Map<String, Map<Integer, PartitionEntries>> fetched = new TreeMap<>();
        asked.forEach((b, answer) -> {
            Map<Integer, PartitionEntries> files = new TreeMap<>();
            answer.join().forEach((p, bytes) -> {
                FileEntries e = readWhole(zone, p, Path.of(b + ":p-" + p + LocalCopyService.SUFFIX), bytes, null);
                if (e != null) {
                    files.put(p, new PartitionEntries(Set.of(e.content()), e.keys(), e.values()));
                }
            });
            fetched.put(b, files);
        });
        for (Integer p : differing) {
            FileEntries own = c.read.get(p);
            List<PartitionEntries> files = new ArrayList<>();
            files.add(new PartitionEntries(Set.of(own.content()), own.keys(), own.values()));
            for (String b : c.backups.get(p)) {
                PartitionEntries theirs = fetched.get(b).get(p);
                if (theirs != null) {
                    files.add(theirs);
                }
            }
            PartitionEntries m = merge(files);
            t.pace.acquire(permits(m.keys().size()));
            if (!installHere(zone, p, m, false, c, view, left, t, progress)) {
                continue;
            }
            t.merged++;
            for (String b : c.backups.get(p)) {
                MergeShare s = share(m, fetched.get(b).get(p));
                backlog.merges.computeIfAbsent(b, k -> new TreeMap<>()).put(p, new OwedShare(s, m.keys().size()));
                for (int i = 0; i < s.missing().keys().size(); i++) {
                    backlog.mergeBytes += s.missing().keys().get(i).length() + s.missing().values().get(i).length;
                }
            }
        }
        if (backlog.mergeBytes > BACKLOG_BYTES) {
            // Shares are what a backup's file lacks, small after a stop under writes; a backup with no file at all
            // is owed the whole merge, and a node's memory must not hold its primaries' data a second time.
            installMergeShares(zone, backlog, view, peers, t);
        }
    }

    /**
     * Has the backups install their copies of the partitions this node installed as primary: their own files where
     * they are twins of this node's, their shares of the merges. A backup that refuses its own file after all (it
     * turned out damaged when read whole) is sent this node's file instead; one that refuses that too (the partition
     * map changed meanwhile, no answer) is left with a copy that lacks entries its primary has, logged and counted:
     * a read that fails over to it misses, and `hearthctl verify --zone Z --repair --yes` makes the copies alike.
     */
    void installBackups(Owing owing, Peers peers, LoadTally t) {
        String zone = owing.zone();
        Backlog backlog = owing.backlog();
        Primaries view = owing.view();
        Map<Integer, Owed> byPartition = new HashMap<>();
        List<Map.Entry<String, Integer>> refused = new ArrayList<>();
        Map<String, CompletableFuture<Set<Integer>>> pending = Map.of();
        Map<String, Set<Integer>> pendingAsked = Map.of();
        for (int from = 0; from < backlog.twins.size(); from += INSTALL_CHUNK) {
            if (Thread.currentThread().isInterrupted()) {
                throw new CancellationException("the node is stopping");
            }
            Map<String, Map<Integer, ContentId>> ask = new TreeMap<>();
            int entries = 0;
            for (Owed o : backlog.twins.subList(from, Math.min(backlog.twins.size(), from + INSTALL_CHUNK))) {
                byPartition.put(o.partition(), o);
                entries += o.entries() * o.backups().size();
                for (String b : o.backups()) {
                    ask.computeIfAbsent(b, k -> new TreeMap<>()).put(o.partition(), o.content());
                }
            }
            t.pace.acquire(permits(entries));
            Map<String, CompletableFuture<Set<Integer>>> sent = new TreeMap<>();
            Map<String, Set<Integer>> sentAsked = new TreeMap<>();
            ask.forEach((b, expected) -> {
                sent.put(b, peers.installThere(b, zone, view.view(), expected));
                sentAsked.put(b, expected.keySet());
            });
            // The chunk before is answered while the backups install this one.
            collectRefused(pending, pendingAsked, refused);
            pending = sent;
            pendingAsked = sentAsked;
        }
        collectRefused(pending, pendingAsked, refused);
        // A twin refused after all: the backup gets this node's file as the merge of one file.
        for (Map.Entry<String, Integer> r : refused) {
            Owed o = byPartition.get(r.getValue());
            FileEntries own = readWhole(zone, o.partition(), fileOf(zone, o.partition()), o.content());
            if (own == null) {
                t.backupsLeft++;
                LOG.warn("Local copy: node {} did not install its copy of zone {} partition {}, and this node's file "
                        + "of it cannot be read again to send it: that copy lacks entries its primary has until "
                        + "`hearthctl verify --zone {} --repair --yes`", r.getKey(), zone, o.partition(), zone);
                continue;
            }
            PartitionEntries whole = new PartitionEntries(Set.of(own.content()), own.keys(), own.values());
            backlog.merges.computeIfAbsent(r.getKey(), k -> new TreeMap<>())
                    .put(o.partition(), new OwedShare(share(whole, null), whole.keys().size()));
        }
        installMergeShares(zone, backlog, view, peers, t);
    }

    private static void collectRefused(Map<String, CompletableFuture<Set<Integer>>> answers,
            Map<String, Set<Integer>> asked, List<Map.Entry<String, Integer>> refused) {
        answers.forEach((b, answer) -> {
            Set<Integer> done = answer.join();
            for (Integer p : asked.get(b)) {
                if (!done.contains(p)) {
                    refused.add(Map.entry(b, p));
                }
            }
        });
    }

    /** Sends the backups their shares of this node's merges, a few partitions at a time, and empties the backlog. */
    private void installMergeShares(String zone, Backlog backlog, Primaries view, Peers peers, LoadTally t) {
        for (Map.Entry<String, Map<Integer, OwedShare>> e : backlog.merges.entrySet()) {
            List<Integer> partitions = new ArrayList<>(e.getValue().keySet());
            for (int from = 0; from < partitions.size(); from += INSTALL_CHUNK) {
                Map<Integer, MergeShare> shares = new TreeMap<>();
                int entries = 0;
                for (Integer p : partitions.subList(from, Math.min(partitions.size(), from + INSTALL_CHUNK))) {
                    OwedShare s = e.getValue().get(p);
                    shares.put(p, s.share());
                    entries += s.entries();
                }
                t.pace.acquire(permits(entries));
                Set<Integer> done = peers.installMergedThere(e.getKey(), zone, view.view(), shares).join();
                for (Integer p : shares.keySet()) {
                    if (!done.contains(p)) {
                        t.backupsLeft++;
                        LOG.warn("Local copy: node {} did not install its copy of zone {} partition {}, which this "
                                + "node installed as primary: that copy lacks entries its primary has until "
                                + "`hearthctl verify --zone {} --repair --yes`", e.getKey(), zone, p, zone);
                    }
                }
            }
        }
        backlog.merges.clear();
        backlog.mergeBytes = 0;
    }

    /**
     * Installs a chunk's partition into this node's own copy, before its backups install theirs; whether it did.
     *
     * @param ownFile whether {@code entries} is exactly this node's file (which then describes the copy)
     */
    private boolean installHere(String zone, int partition, PartitionEntries entries, boolean ownFile, Chunk c,
            Primaries view, List<PartitionFile> left, LoadTally t, Runnable progress) {
        Installed r = install(zone, partition, entries, view.view(), ownFile);
        if (r == null) {
            // The partition moved away meanwhile: its backups are not asked to install, and every owner's file of it
            // goes through the cluster in a pass, where absent or older.
            return false;
        }
        installed.put(zone + "/" + partition, entries.contents());
        PartitionFile f = c.files.get(partition);
        left.remove(f);
        t.fileBytesDone += LocalCopyService.sizeOf(f.path());
        t.own = t.own.plus(r);
        progress.run();
        return true;
    }

    /**
     * What an owner whose file is {@code theirs} (null: none) installs to hold {@code merged}: the merge's entries its
     * file does not hold byte for byte, installed before its file, whose entries then count only where absent.
     */
    static MergeShare share(PartitionEntries merged, PartitionEntries theirs) {
        Map<String, byte[]> held = new HashMap<>();
        if (theirs != null) {
            for (int i = 0; i < theirs.keys().size(); i++) {
                held.put(theirs.keys().get(i), theirs.values().get(i));
            }
        }
        List<String> keys = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < merged.keys().size(); i++) {
            String k = merged.keys().get(i);
            byte[] v = merged.values().get(i);
            if (!Arrays.equals(v, held.get(k))) {
                keys.add(k);
                values.add(v);
            }
        }
        ContentId base = theirs == null ? null : theirs.contents().iterator().next();
        return new MergeShare(new PartitionEntries(merged.contents(), keys, values), base);
    }

    /**
     * The owners' files of one partition as one: the newest version of each key (what the passes through the cluster
     * would leave), intact entries only. Every owner installs the same merge, made once by the primary.
     */
    static PartitionEntries merge(List<PartitionEntries> files) {
        if (files.size() == 1) {
            return files.get(0);
        }
        Map<String, byte[]> newest = new LinkedHashMap<>();
        Set<ContentId> contents = new HashSet<>();
        for (PartitionEntries f : files) {
            contents.addAll(f.contents());
            for (int i = 0; i < f.keys().size(); i++) {
                String k = f.keys().get(i);
                byte[] v = f.values().get(i);
                if (EntryChecks.intact(k, v)) {
                    newest.merge(k, v, (a, b) -> Envelope.version(b) > Envelope.version(a) ? b : a);
                }
            }
        }
        return new PartitionEntries(contents, new ArrayList<>(newest.keySet()), new ArrayList<>(newest.values()));
    }

    void dropInstalledElsewhere(String zone, List<PartitionFile> left, Peers peers, LoadTally t) {
        Map<Integer, ContentId> ids = new TreeMap<>();
        Map<Integer, PartitionFile> byPartition = new HashMap<>();
        for (PartitionFile f : left) {
            ContentId id = contentOf(zone, f);
            if (id != null) {
                ids.put(f.partition(), id);
                byPartition.put(f.partition(), f);
            }
        }
        if (ids.isEmpty()) {
            return;
        }
        for (Integer p : peers.installedElsewhere(zone, ids)) {
            PartitionFile f = byPartition.get(p);
            if (f != null && left.remove(f)) {
                t.fileBytesDone += LocalCopyService.sizeOf(f.path());
                t.twinsElsewhere++;
            }
        }
    }

    /** The content id in a file's header, or null if the header cannot be read (the passes then refuse the file). */
    private static ContentId contentOf(String zone, PartitionFile f) {
        ContentId[] id = new ContentId[1];
        try {
            DumpFile.read(f.path(), header -> {
                if (zone.equals(header.get("zone")) && Integer.toString(f.partition()).equals(header.get("partition"))) {
                    id[0] = ContentId.of(header);
                }
                throw new LocalCopyService.NotSelected();
            }, (k, v) -> { });
        } catch (LocalCopyService.NotSelected done) {
            return id[0];
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    /**
     * Answers {@link Peers#installedElsewhere} for this node: the partitions it installed with this content, alone or
     * in a merge (which holds the newest of each of its entries).
     */
    Set<Integer> installedHere(String zone, Map<Integer, ContentId> files) {
        Set<Integer> out = new HashSet<>();
        files.forEach((p, id) -> {
            if (installed.getOrDefault(zone + "/" + p, Set.of()).contains(id)) {
                out.add(p);
            }
        });
        return out;
    }

    /**
     * Answers {@link Peers#twinsThere} for this node: the partitions whose own file holds the expected content, or
     * that it installed with exactly that content already. Reads each file's headers, not its records' checksums:
     * {@link #installOwn} checks the file whole when asked to install it.
     */
    Set<Integer> holdsTwin(String zone, Map<Integer, ContentId> expected) {
        Set<Integer> out = new HashSet<>();
        expected.forEach((p, content) -> {
            Set<ContentId> before = installed.get(zone + "/" + p);
            Path path = fileOf(zone, p);
            if (before != null ? before.equals(Set.of(content))
                    : Files.isRegularFile(path) && content.equals(contentOf(zone, new PartitionFile(zone, p, path)))) {
                out.add(p);
            }
        });
        return out;
    }

    /**
     * Installs this node's own file of a partition into its own copy (no network), if the file holds {@code
     * expected}; entries the copy already has are left alone. Run at the request of the partition's primary, which
     * installed its own twin file first.
     *
     * @param view the partition map the primary agreed the install in ({@link Primaries#view})
     * @return whether the file was installed (now or before)
     */
    boolean installOwn(String zone, int partition, ContentId expected, String view) {
        Set<ContentId> before = installed.get(zone + "/" + partition);
        if (before != null) {
            // Installed already, at an earlier request: only the same content makes the asking primary's file its
            // twin. Another content id sends the primary's file through the cluster, where newer versions win.
            return before.equals(Set.of(expected));
        }
        Path path = fileOf(zone, partition);
        if (!Files.isRegularFile(path)) {
            return false;
        }
        FileEntries e = readWhole(zone, partition, path, expected);
        if (e == null) {
            return false;
        }
        Installed r = install(zone, partition, new PartitionEntries(Set.of(e.content()), e.keys(), e.values()), view,
                true);
        if (r == null) {
            return false;
        }
        installed.put(zone + "/" + partition, Set.of(e.content()));
        onRequest.accumulateAndGet(r, Installed::plus);
        return true;
    }

    /** Answers {@link Peers#filesThere} for this node. */
    Map<Integer, byte[]> ownFiles(String zone, Set<Integer> partitions) {
        Map<Integer, byte[]> out = new TreeMap<>();
        for (Integer p : partitions) {
            Path path = fileOf(zone, p);
            if (!Files.isRegularFile(path)) {
                continue;
            }
            try {
                out.put(p, Files.readAllBytes(path));
            } catch (IOException e) {
                // The primary merges without it; the passes that follow read it again and say so.
                LOG.warn("Local copy: not sending {} to the partition's primary: {}", path, e.getMessage());
            }
        }
        return out;
    }

    /**
     * Installs this node's share of a merge of the owners' files that the partition's primary made ({@link
     * Peers#installMergedThere}): what it lacks, then its own file where absent. Whether it did, now or at an earlier
     * request of the same merge; not if its file is no longer the one it gave the primary.
     */
    boolean installMerged(String zone, int partition, MergeShare share, String view) {
        Set<ContentId> contents = share.missing().contents();
        Set<ContentId> before = installed.get(zone + "/" + partition);
        if (before != null) {
            return before.equals(contents);
        }
        List<String> keys = new ArrayList<>(share.missing().keys());
        List<byte[]> values = new ArrayList<>(share.missing().values());
        if (share.base() != null) {
            Path path = fileOf(zone, partition);
            FileEntries own = Files.isRegularFile(path) ? readWhole(zone, partition, path, share.base()) : null;
            if (own == null) {
                return false;
            }
            keys.addAll(own.keys());
            values.addAll(own.values());
        }
        Installed r = install(zone, partition, new PartitionEntries(contents, keys, values), view, false);
        if (r == null) {
            return false;
        }
        installed.put(zone + "/" + partition, contents);
        onRequest.accumulateAndGet(r, Installed::plus);
        return true;
    }


    /** This node's own file of a partition, where the local copy writes it. */
    private Path fileOf(String zone, int partition) {
        return root.resolve(zone).resolve("p-" + partition + LocalCopyService.SUFFIX);
    }

    /** What installing files did. */
    record Installed(int files, long read, long bytes, long stored, long present, long expired,
            long damaged) {
        static final Installed NONE = new Installed(0, 0, 0, 0, 0, 0, 0);

        Installed plus(Installed o) {
            return new Installed(files + o.files, read + o.read, bytes + o.bytes, stored + o.stored,
                    present + o.present, expired + o.expired, damaged + o.damaged);
        }
    }

    /**
     * Reads and checks a whole file of the partition; null, with a log line, if it is damaged, has no content id, or
     * (where {@code expected} is given) holds other content.
     */
    private FileEntries readWhole(String zone, int partition, Path path, ContentId expected) {
        return readWhole(zone, partition, path, null, expected);
    }

    /** As {@link #readWhole(String, int, Path, ContentId)}, from the file's bytes when given (another node's file). */
    private FileEntries readWhole(String zone, int partition, Path path, byte[] bytes, ContentId expected) {
        try {
            return LocalCopyService.readFile(zone, partition, path, bytes, header -> {
                ContentId content = ContentId.of(header);
                return content != null && (expected == null || expected.equals(content));
            });
        } catch (LocalCopyService.NotSelected other) {
            return null;
        } catch (IOException e) {
            // Not refused here: the passes that follow read it again, refuse it and say so in the load's record.
            LOG.warn("Local copy: not installing {} locally: {}", path, e.getMessage());
            return null;
        }
    }

    /**
     * Stores entries into this node's own copy; null if the node does not hold the partition fully now.
     *
     * @param ownFile whether the entries are exactly this node's file of the partition, which then describes the copy
     */
    private Installed install(String zone, int partition, PartitionEntries e, String view, boolean ownFile) {
        long now = System.currentTimeMillis();
        long read = 0;
        long bytes = 0;
        long stored = 0;
        long present = 0;
        long expired = 0;
        long damaged = 0;
        try (Installer in = source.installer(zone, partition, view)) {
            if (in == null) {
                return null;
            }
            // The file is what the copy now holds: the first write round after the load rewrites it only if a write
            // moved the partition meanwhile (it rewrote every file, 560 MB after a 256 MiB restart, while reads were
            // still slow from the start).
            if (ownFile) {
                current.record(zone + "/" + partition, in.counter(), e.keys().size(),
                        LocalCopyService.sizeOf(fileOf(zone, partition)));
            }
            for (int i = 0; i < e.keys().size(); i++) {
                String k = e.keys().get(i);
                byte[] v = e.values().get(i);
                read++;
                bytes += k.length() + v.length;
                long expireAt = Envelope.expireAt(v);
                if (!EntryChecks.intact(k, v)) {
                    damaged++;
                } else if (expireAt != 0 && expireAt <= now) {
                    expired++;
                } else if (in.install(k, v, expireAt)) {
                    stored++;
                } else {
                    present++;
                }
            }
        }
        return new Installed(1, read, bytes, stored, present, expired, damaged);
    }
}
