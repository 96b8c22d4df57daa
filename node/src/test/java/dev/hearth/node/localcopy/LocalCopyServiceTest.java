package dev.hearth.node.localcopy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.node.dump.DiskSpace;
import dev.hearth.node.dump.DumpFile;
import dev.hearth.node.warmup.AdaptiveRate;
import dev.hearth.node.warmup.WarmupService;
import dev.hearth.storage.Envelope;
import dev.hearth.storage.Item;
import dev.hearth.storage.TenantKey;
import dev.hearth.wire.status.LocalCopyLoad;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The local copy's write and load rules against a fake node: no cluster. */
@Timeout(60)
class LocalCopyServiceTest {
    @TempDir
    Path dir;

    /** Partition -> counter and entries; counters move when a test changes a partition. */
    static class FakeNode implements LocalCopyService.Source {
        final Map<Integer, Long> counters = new TreeMap<>();
        final Map<Integer, Map<String, byte[]>> data = new ConcurrentHashMap<>();
        /** Keys this node holds now and their versions (what {@link #holdsAtLeast} answers), by partition. */
        final Map<Integer, Map<String, Long>> present = new ConcurrentHashMap<>();
        int scans;

        @Override
        public boolean holdsAtLeast(String zone, int partition, String storageKey, long version) {
            return present.getOrDefault(partition, Map.of()).getOrDefault(storageKey, -1L) >= version;
        }

        void put(int partition, TenantKey key, Item item) {
            data.computeIfAbsent(partition, p -> new LinkedHashMap<>()).put(key.storageKey(), Envelope.encode(key, item));
            counters.merge(partition, 1L, Long::sum);
        }

        @Override
        public String clusterId() {
            return "c1";
        }

        @Override
        public long counter(String zone, int partition) {
            return counters.getOrDefault(partition, -1L);
        }

        @Override
        public List<LocalCopyService.Held> held(String zone) {
            List<LocalCopyService.Held> out = new ArrayList<>();
            counters.forEach((p, c) -> out.add(new LocalCopyService.Held(p, c)));
            return out;
        }

        @Override
        public void forEach(String zone, int partition, DumpFile.RecordConsumer consumer) throws IOException {
            scans++;
            for (var e : data.getOrDefault(partition, Map.of()).entrySet()) {
                consumer.accept(e.getKey(), e.getValue());
            }
        }
    }

    /** Collects what a load sends. */
    static final class Sink implements WarmupService.ClusterLoader {
        final Map<String, byte[]> sent = new LinkedHashMap<>();

        @Override
        public Session open(String zone) {
            return new Session() {
                @Override
                public void add(String storageKey, byte[] value, long expireAt) {
                    sent.put(storageKey, value);
                }

                @Override
                public void close() {
                }
            };
        }
    }

    /** Keys k0-k39 with values v0-v39, key i in partition i % 4, none expiring. */
    static FakeNode fortyKeysInFourPartitions() {
        FakeNode node = new FakeNode();
        for (int i = 0; i < 40; i++) {
            node.put(i % 4, TenantKey.of("t", "k" + i), item("v" + i, 0));
        }
        return node;
    }

    /** The content id of the file a node whose data directory is {@code dataDir} wrote of a default-zone partition. */
    static LocalCopyService.ContentId contentOf(Path dataDir, int partition) throws IOException {
        return LocalCopyService.ContentId.of(DumpFile.read(dataDir.resolve("local-copy").resolve("default")
                .resolve("p-" + partition + LocalCopyService.SUFFIX), (k, v) -> { }).header());
    }

    static Item item(String v, long expireAt) {
        return new Item(v.getBytes(StandardCharsets.UTF_8), 0, 1, expireAt, false);
    }

    /**
     * A paced round writes the partition at position i of the n held no earlier than i/n of its spread after it began;
     * a write that may not wait (a stop's) cuts a paced round's waits short instead of queueing behind it; a stop that
     * interrupts a paced round's wait ends the round.
     */
    @Test
    void aPacedRoundSpreadsItsWritesAndAStopNeitherWaitsForItNorIsLost() throws Exception {
        Map<Integer, Long> scannedAt = new ConcurrentHashMap<>();
        FakeNode node = new FakeNode() {
            @Override
            public void forEach(String zone, int partition, DumpFile.RecordConsumer consumer) throws IOException {
                scannedAt.put(partition, System.nanoTime());
                super.forEach(zone, partition, consumer);
            }
        };
        for (int i = 0; i < 40; i++) {
            node.put(i % 4, TenantKey.of("t", "k" + i), item("v" + i, 0));
        }
        LocalCopyService copy = new LocalCopyService(dir, List.of("default"), node);
        Duration spread = Duration.ofMillis(400);
        long t0 = System.nanoTime();
        assertEquals(4, copy.writeChanged(spread));
        for (int p = 0; p < 4; p++) {
            long offset = scannedAt.get(p) - t0;
            assertTrue(offset >= spread.toNanos() * p / 4, "partition " + p + " scanned " + offset + " ns in");
        }

        // Position 3 of 4 in a round spread over an hour: due 45 minutes in.
        node.put(3, TenantKey.of("t", "late"), item("late", 0));
        PacedRound paced = PacedRound.waiting(copy);
        assertEquals(0, copy.writeChanged(), "the paced round, no longer waiting, wrote the change first");
        assertEquals(1, paced.files().get(10, TimeUnit.SECONDS));
        assertEquals(11, DumpFile.read(dir.resolve("local-copy/default/p-3.hcopy"), (k, v) -> { }).entries());

        node.put(3, TenantKey.of("t", "stopped"), item("stopped", 0));
        PacedRound interrupted = PacedRound.waiting(copy);
        interrupted.thread().interrupt();
        // A future completed with a CancellationException throws it as it is.
        assertThrows(CancellationException.class, () -> interrupted.files().get(10, TimeUnit.SECONDS));
        assertEquals(1, copy.writeChanged(), "the stop's own write takes the change the interrupted round left");
    }

    /** A round spread over an hour, on a thread of its own, once it waits for its next partition's turn. */
    record PacedRound(Thread thread, CompletableFuture<Integer> files) {
        static PacedRound waiting(LocalCopyService copy) {
            CompletableFuture<Integer> files = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try {
                    files.complete(copy.writeChanged(Duration.ofHours(1)));
                } catch (RuntimeException e) {
                    files.completeExceptionally(e);
                }
            });
            t.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> t.getState() == Thread.State.TIMED_WAITING);
            return new PacedRound(t, files);
        }
    }

    @Test
    void writesOnlyChangedPartitionsAndDropsFilesOfPartitionsNoLongerHeld() throws IOException {
        FakeNode node = new FakeNode();
        for (int i = 0; i < 30; i++) {
            node.put(i % 3, TenantKey.of("t", "k" + i), item("v" + i, 0));
        }
        LocalCopyService copy = new LocalCopyService(dir, List.of("default"), node);
        assertEquals(3, copy.writeChanged());
        assertEquals(30, copy.status(true).entries());
        int scans = node.scans;
        assertEquals(0, copy.writeChanged(), "an idle node writes nothing");
        assertEquals(scans, node.scans, "an idle node does not even read its partitions");
        node.put(1, TenantKey.of("t", "new"), item("n", 0));
        assertEquals(1, copy.writeChanged());
        assertEquals(31, copy.status(true).entries());

        node.counters.remove(2);
        copy.writeChanged();
        assertEquals(List.of(0, 1), copy.files("default").stream().map(LocalCopyService.PartitionFile::partition)
                .toList());
        node.counters.clear();
        copy.writeChanged();
        assertEquals(2, copy.files("default").size(), "holding nothing (leaving, cut off) keeps the files");
        try (var s = Files.list(dir.resolve("local-copy").resolve("default"))) {
            assertFalse(s.anyMatch(p -> p.toString().endsWith(".tmp")), "no temporary file left behind");
        }
    }

    /** On a full disk the files of partitions no longer held go first: their space may be what the writes need. */
    @Test
    void aFullDiskStillLosesTheFilesOfPartitionsNoLongerHeld() throws IOException {
        FakeNode node = new FakeNode() {
            @Override
            public void forEach(String zone, int partition, DumpFile.RecordConsumer consumer) throws IOException {
                if (partition == 0 && counters.get(0) > 1) {
                    throw new FileSystemException("p-0.hcopy.tmp", null, "No space left on device");
                }
                super.forEach(zone, partition, consumer);
            }
        };
        node.put(0, TenantKey.of("t", "a"), item("a", 0));
        node.put(1, TenantKey.of("t", "b"), item("b", 0));
        DiskSpace disk = new DiskSpace();
        LocalCopyService copy = new LocalCopyService(dir, List.of("default"), node, disk);
        assertEquals(2, copy.writeChanged());
        node.counters.remove(1);
        node.put(0, TenantKey.of("t", "c"), item("c", 0));
        assertEquals(0, copy.writeChanged(), "the disk is full");
        assertEquals(List.of(0), copy.files("default").stream().map(LocalCopyService.PartitionFile::partition)
                .toList(), "partition 1's file is gone although the round ended at the full disk");
        assertEquals(1L, disk.counts().get(DiskSpace.LOCAL_COPY));
    }

    @Test
    void loadRefusesDamagedFilesWholeSkipsExpiredAndFollowsTheSelector() throws IOException {
        FakeNode node = new FakeNode();
        long past = System.currentTimeMillis() - 1000;
        for (int i = 0; i < 40; i++) {
            node.put(i % 4, TenantKey.of("t", "k" + i), item("v" + i, i % 10 == 0 ? past : 0));
        }
        LocalCopyService copy = new LocalCopyService(dir, List.of("default"), node);
        copy.writeChanged();
        Path damaged = dir.resolve("local-copy/default/p-3.hcopy");
        try (RandomAccessFile f = new RandomAccessFile(damaged.toFile(), "rw")) {
            f.seek(f.length() - 30);
            int b = f.read();
            f.seek(f.length() - 30);
            f.write(b ^ 1);
        }

        Sink sink = new Sink();
        LocalCopyLoad r = copy.load("test", sink, (zone, partition, header) -> {
            assertEquals("c1", header.get("cluster"));
            return partition != 0;
        });
        assertEquals("complete", r.state());
        assertEquals(2, r.files(), "partitions 1 and 2: 0 not selected, 3 refused");
        assertEquals(1, r.refusedFiles());
        assertTrue(r.refused().get(0).startsWith(damaged.toString()), r.refused().toString());
        assertEquals(20, r.entriesRead());
        assertEquals(2, r.skippedExpired(), "k10 and k30 (partition 2) expired");
        assertEquals(18, sink.sent.size());
        assertFalse(sink.sent.keySet().stream().anyMatch(k -> k.endsWith("k3")), "nothing of the refused file");
    }

    @Test
    void aLoadInterruptedByTheNodesStopEndsStoppedWithoutRefusingOrFailing() throws IOException {
        FakeNode node = fortyKeysInFourPartitions();
        LocalCopyService copy = new LocalCopyService(dir, List.of("default"), node);
        copy.writeChanged();

        // The stop interrupts the loading thread in the middle of a file; the session then refuses to go on.
        List<String> sent = new ArrayList<>();
        boolean[] abandoned = new boolean[1];
        WarmupService.ClusterLoader loader = zone -> new WarmupService.ClusterLoader.Session() {
            @Override
            public void add(String storageKey, byte[] value, long expireAt) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new java.util.concurrent.CancellationException("the refill was interrupted");
                }
                sent.add(storageKey);
                if (sent.size() == 3) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public void close() {
            }

            @Override
            public void abandon() {
                abandoned[0] = true;
            }
        };
        LocalCopyLoad r;
        try {
            r = copy.load("test", loader, (zone, partition, header) -> true);
        } finally {
            assertTrue(Thread.interrupted(), "the interrupt is left for the stopping thread to see");
        }
        assertEquals("stopped", r.state());
        assertEquals(null, r.error());
        assertEquals(3, r.entriesSent());
        assertEquals(0, r.refusedFiles());
        assertTrue(abandoned[0], "nothing is flushed or confirmed on the way out");
        assertEquals("stopped", copy.status(true).lastLoad().state());

        // Interrupted before it reads a file (a channel read would end with ClosedByInterruptException): no file is
        // called damaged.
        Sink sink = new Sink();
        Thread.currentThread().interrupt();
        try {
            r = copy.load("test", sink, (zone, partition, header) -> true);
        } finally {
            assertTrue(Thread.interrupted());
        }
        assertEquals("stopped", r.state());
        assertEquals(0, r.refusedFiles());
        assertEquals(0, sink.sent.size());
    }

    @Test
    void entriesThisNodeAlreadyHoldsAreCountedNotSent() throws IOException {
        FakeNode node = fortyKeysInFourPartitions();
        LocalCopyService copy = new LocalCopyService(dir, List.of("default"), node);
        copy.writeChanged();
        // The primary of partition 1 already loaded it (so this backup holds all of it, at the files' version 1); of
        // partition 2, k2 at a newer version and k6 at an older one (the other node's copy missed its last write).
        Map<String, Long> all1 = new java.util.HashMap<>();
        node.data.get(1).keySet().forEach(k -> all1.put(k, 1L));
        node.present.put(1, all1);
        node.present.put(2, Map.of(TenantKey.of("t", "k2").storageKey(), 2L, TenantKey.of("t", "k6").storageKey(),
                0L));

        Sink sink = new Sink();
        LocalCopyLoad r = copy.load("test", sink, (zone, partition, header) -> true);
        assertEquals("complete", r.state());
        assertEquals(40, r.entriesRead());
        assertEquals(11, r.skippedPresent(), "10 of partition 1, 1 of partition 2");
        assertEquals(29, r.entriesSent());
        assertEquals(29, sink.sent.size());
        assertFalse(sink.sent.containsKey(TenantKey.of("t", "k2").storageKey()));
        assertTrue(sink.sent.containsKey(TenantKey.of("t", "k6").storageKey()), "held at an older version: sent");
        assertTrue(sink.sent.containsKey(TenantKey.of("t", "k10").storageKey()), "partition 2's other keys are sent");
    }

    @Test
    void passesLoadEachFileOnceInTheirOrderAndConfirmBetweenPasses() throws IOException {
        FakeNode node = fortyKeysInFourPartitions();
        // Two zones with the same files (the fake holds one set of partitions for every zone).
        LocalCopyService copy = new LocalCopyService(dir, List.of("a", "b"), node);
        copy.writeChanged();

        List<String> events = new ArrayList<>();
        WarmupService.ClusterLoader loader = zone -> new WarmupService.ClusterLoader.Session() {
            @Override
            public void add(String storageKey, byte[] value, long expireAt) {
                int n = Integer.parseInt(storageKey.substring(storageKey.lastIndexOf('k') + 1));
                events.add(zone + " p" + n % 4);
            }

            @Override
            public void close() {
                events.add(zone + " confirmed");
            }
        };
        List<String> offered = new ArrayList<>();
        LocalCopyLoad r;
        try (AdaptiveRate pace = AdaptiveRate.Factory.FIXED.open(0)) {
            r = copy.load("test", loader, List.of((zone, partition, header) -> partition == 2,
                    (zone, partition, header) -> {
                        offered.add(zone + " p" + partition);
                        return partition != 1;
                    }), pace);
        }
        assertEquals("complete", r.state());
        assertEquals(6, r.files(), "per zone: 2 in the first pass, 0 and 3 in the second, 1 in none");
        assertEquals(60, r.entriesSent());
        assertEquals(List.of("a p0", "a p1", "a p3", "b p0", "b p1", "b p3"), offered.stream().sorted().toList(),
                "a file loaded by the first pass is not offered to the second");
        List<String> order = new ArrayList<>();
        for (String e : events) {
            if (order.isEmpty() || !order.get(order.size() - 1).equals(e)) {
                order.add(e);
            }
        }
        // Every zone's first pass, confirmed, before any zone's second.
        assertEquals(List.of("a p2", "a confirmed", "b p2", "b confirmed"), order.subList(0, 4), order.toString());
        assertTrue(order.subList(4, order.size()).stream().noneMatch(e -> e.endsWith("p2") || e.endsWith("p1")),
                order.toString());
        assertEquals("b confirmed", order.get(order.size() - 1));
        assertEquals(r.fileBytesTotal(), r.fileBytesDone(), "partition 1's files are neither done nor to do");
    }

    /** A node whose own copies take installed entries (where absent), in the partition map "v1" only. */
    static class InstallingNode extends FakeNode {
        final Map<Integer, Map<String, byte[]>> installed = new ConcurrentHashMap<>();

        @Override
        public LocalCopyService.Installer installer(String zone, int partition, String view) {
            if (!view.equals("v1")) {
                return null;
            }
            return new LocalCopyService.Installer() {
                @Override
                public boolean install(String storageKey, byte[] value, long expireAt) {
                    return installed.computeIfAbsent(partition, p -> new ConcurrentHashMap<>())
                            .putIfAbsent(storageKey, value) == null;
                }

                @Override
                public long counter() {
                    return counters.getOrDefault(partition, 0L);
                }

                @Override
                public void close() {
                }
            };
        }
    }

    /**
     * Two owners at one update counter may hold different entries: Ignite acknowledges a write whose backup it failed
     * to reach, and the backup's counter jumps to its primary's with the next write it gets. Their files are not
     * twins (a full restart merges them, and the missed write survives); files of the same entries still are.
     */
    @Test
    void ownersAtOneCounterWithOtherEntriesAreNotTwins() throws IOException {
        FakeNode primary = new FakeNode();
        FakeNode backup = new FakeNode();
        FakeNode twin = new FakeNode();
        for (FakeNode n : List.of(primary, backup, twin)) {
            n.put(0, TenantKey.of("t", "a"), item("a", 0));
        }
        primary.put(0, TenantKey.of("t", "a"), item("acknowledged", 0));
        twin.put(0, TenantKey.of("t", "a"), item("acknowledged", 0));
        backup.counters.merge(0, 1L, Long::sum);
        for (FakeNode n : List.of(primary, backup, twin)) {
            n.put(0, TenantKey.of("t", "b"), item("b", 0));
        }
        List<LocalCopyService.ContentId> ids = new ArrayList<>();
        for (FakeNode n : List.of(primary, backup, twin)) {
            Path d = dir.resolve("node" + ids.size());
            assertEquals(1, new LocalCopyService(d, List.of("default"), n).writeChanged());
            ids.add(contentOf(d, 0));
            assertFalse(ids.get(ids.size() - 1).origin().contains("/"), "written at rest: not unsettled");
        }
        assertEquals(ids.get(0).counter(), ids.get(1).counter(), "the backup's counter caught up");
        assertNotEquals(ids.get(0), ids.get(1), "a backup that missed a write is not its primary's twin");
        assertEquals(ids.get(0), ids.get(2), "owners of the same entries are");
    }

    /**
     * A file whose partition took a write while it was being written holds that write or not, whatever its header's
     * counter says: it is never installed as another owner's twin (its owners merge their files instead), and the
     * next round writes it again.
     */
    @Test
    void aFileWrittenWhileItsPartitionChangedIsNobodysTwin() throws IOException {
        InstallingNode node = new InstallingNode() {
            boolean written;

            @Override
            public void forEach(String zone, int partition, DumpFile.RecordConsumer consumer) throws IOException {
                super.forEach(zone, partition, consumer);
                if (partition == 1 && !written) {
                    written = true;
                    put(1, TenantKey.of("t", "during"), item("during", 0));
                }
            }
        };
        node.put(0, TenantKey.of("t", "a"), item("a", 0));
        node.put(1, TenantKey.of("t", "b"), item("b", 0));
        long before = node.counters.get(1);
        LocalCopyService copy = new LocalCopyService(dir, List.of("default"), node);
        assertEquals(2, copy.writeChanged());

        Path p1 = dir.resolve("local-copy").resolve("default").resolve("p-1.hcopy");
        Map<String, String> header = DumpFile.read(p1, (k, v) -> { }).header();
        assertTrue(header.containsKey("unsettled"), header.toString());
        assertEquals(Long.toString(before), header.get("counter"));
        assertEquals(node.counters.get(1), LocalCopyService.ContentId.newest(header),
                "it may hold the write made during its scan: a rejoining node finding the partition below that "
                        + "counter knows every copy was lost");
        assertEquals(1, DumpFile.read(p1, (k, v) -> { }).entries(), "the scan's own entries, none lost to the copy");
        assertFalse(copy.installOwn("default", 1, new LocalCopyService.ContentId("c1", before), "v1"),
                "an owner whose file has this counter may hold other entries");
        LocalCopyService.ContentId stoodStill = contentOf(dir, 0);
        assertEquals(node.counters.get(0), stoodStill.counter());
        assertTrue(copy.installOwn("default", 0, stoodStill, "v1"),
                "a file whose partition stood still is its twins' equal");
        assertEquals(1, copy.writeChanged(), "written again: the counter moved past the file's");
        Map<String, String> settled = DumpFile.read(p1, (k, v) -> { }).header();
        assertFalse(settled.containsKey("unsettled"));
        assertEquals(node.counters.get(1), LocalCopyService.ContentId.newest(settled));
    }

    /**
     * The local install of a cluster that formed empty: a primary installs a partition into its own copy only once
     * every backup installed its own file of the same content, or, where the backup's file differs, the merge of both
     * that every owner installs alike; a partition whose primary file is damaged goes through the cluster instead, so
     * two copies never end up different.
     */
    @Test
    void aPartitionIsInstalledLocallyOnlyAsTheSameEntriesOnEveryOwner() throws IOException {
        InstallingNode a = new InstallingNode();
        InstallingNode b = new InstallingNode();
        for (int i = 0; i < 40; i++) {
            a.put(i % 4, TenantKey.of("t", "k" + i), item("v" + i, 0));
            b.put(i % 4, TenantKey.of("t", "k" + i), item("v" + i, 0));
        }
        // b saw two more writes to partition 2 than a's file did: other content, another update counter. One of them
        // rewrote a key (a newer version); a still has a key b's file lost (a write after b's file was taken, say).
        b.put(2, TenantKey.of("t", "late"), item("late", 0));
        b.put(2, TenantKey.of("t", "k2"), new Item("k2-newer".getBytes(StandardCharsets.UTF_8), 0, 5, 0, false));
        a.put(2, TenantKey.of("t", "only-a"), item("only-a", 0));
        LocalCopyService copyA = new LocalCopyService(dir.resolve("a"), List.of("default"), a);
        LocalCopyService copyB = new LocalCopyService(dir.resolve("b"), List.of("default"), b);
        copyA.writeChanged();
        copyB.writeChanged();
        Path damaged = dir.resolve("a").resolve("local-copy").resolve("default").resolve("p-3.hcopy");
        try (RandomAccessFile f = new RandomAccessFile(damaged.toFile(), "rw")) {
            f.setLength(f.length() - 3);
        }
        // b's file of partition 0 is the twin of a's by its header, but a value in it is damaged: b refuses to
        // install it when asked and is sent a's file instead.
        Path bad = dir.resolve("b").resolve("local-copy").resolve("default").resolve("p-0.hcopy");
        byte[] bytes = Files.readAllBytes(bad);
        int at = indexOf(bytes, "v36".getBytes(StandardCharsets.UTF_8));
        bytes[at + 2] = '7';
        Files.write(bad, bytes);
        // b is partition 1's primary and installed it (its backup, a, has a file of the same content).
        LocalCopyService.ContentId p1 = contentOf(dir.resolve("b"), 1);
        assertTrue(copyB.installOwn("default", 1, p1, "v1"));
        List<Map<Integer, LocalCopyService.ContentId>> checked = new ArrayList<>();
        List<Map<Integer, LocalCopyService.ContentId>> asked = new ArrayList<>();
        List<java.util.Set<Integer>> primariesInWhenAsked = new ArrayList<>();
        List<LocalCopyService.MergeShare> shared = new ArrayList<>();
        LocalCopyService.Peers peers = new LocalCopyService.Peers() {
            @Override
            public LocalCopyService.Primaries primaries(String zone) {
                return new LocalCopyService.Primaries("v1", Map.of(0, List.of("b"), 2, List.of("b"), 3,
                        List.of("b")));
            }

            @Override
            public java.util.Set<Integer> installedElsewhere(String zone,
                    Map<Integer, LocalCopyService.ContentId> files) {
                return copyB.installedHere(zone, files);
            }

            @Override
            public java.util.concurrent.CompletableFuture<java.util.Set<Integer>> twinsThere(String node,
                    String zone, Map<Integer, LocalCopyService.ContentId> expected) {
                checked.add(expected);
                return java.util.concurrent.CompletableFuture.completedFuture(copyB.holdsTwin(zone, expected));
            }

            @Override
            public java.util.concurrent.CompletableFuture<java.util.Set<Integer>> installThere(String node,
                    String zone, String view, Map<Integer, LocalCopyService.ContentId> expected) {
                asked.add(expected);
                primariesInWhenAsked.add(java.util.Set.copyOf(a.installed.keySet()));
                java.util.Set<Integer> done = new java.util.HashSet<>();
                expected.forEach((p, content) -> {
                    if (copyB.installOwn(zone, p, content, view)) {
                        done.add(p);
                    }
                });
                return java.util.concurrent.CompletableFuture.completedFuture(done);
            }

            @Override
            public java.util.concurrent.CompletableFuture<Map<Integer, byte[]>> filesThere(String node, String zone,
                    java.util.Set<Integer> partitions) {
                return java.util.concurrent.CompletableFuture.completedFuture(copyB.ownFiles(zone, partitions));
            }

            @Override
            public java.util.concurrent.CompletableFuture<java.util.Set<Integer>> installMergedThere(String node,
                    String zone, String view, Map<Integer, LocalCopyService.MergeShare> merged) {
                shared.addAll(merged.values());
                java.util.Set<Integer> done = new java.util.HashSet<>();
                merged.forEach((p, m) -> {
                    if (copyB.installMerged(zone, p, m, view)) {
                        done.add(p);
                    }
                });
                return java.util.concurrent.CompletableFuture.completedFuture(done);
            }

            @Override
            public void awaitPrimaries() {
                assertTrue(copyA.primariesOver(), "a says its primaries are in before it waits for b's");
            }

            @Override
            public void awaitInstallSteps() {
                assertTrue(copyA.backupsMayLag(), "reads go to primaries until every node's install is over");
            }
        };
        Sink sink = new Sink();
        LocalCopyLoad r;
        assertTrue(copyA.backupsMayLag(), "a node that has not loaded yet reads primaries");
        try (AdaptiveRate pace = AdaptiveRate.Factory.FIXED.open(0)) {
            r = copyA.load("test", sink, peers, List.of((z, p, h) -> true), pace);
        }
        assertFalse(copyA.backupsMayLag(), "every install is over: any copy may be read");
        assertTrue(copyB.backupsMayLag(), "b has not loaded");
        copyB.startUpLoadOver();
        assertFalse(copyB.backupsMayLag(), "a start-up load that ended without a load of its own");

        assertEquals("complete", r.state(), r.error());
        assertEquals(1, checked.size());
        assertEquals(java.util.Set.of(0, 2), checked.get(0).keySet(), "a damaged file of its own is not offered");
        assertEquals(List.of(Map.of(0, contentOf(dir.resolve("a"), 0))), asked,
                "b is asked to install its own file where it is a twin by its header");
        assertEquals(List.of(java.util.Set.of(0, 2)), primariesInWhenAsked,
                "a installs every primary partition before any backup installs");
        assertEquals(java.util.Set.of(0, 2), a.installed.keySet(),
                "installed here where the backup's file matched, and the merge where it differed");
        assertEquals(java.util.Set.of(0, 1, 2), b.installed.keySet(), "installed there likewise (and 1 before)");
        for (int p : List.of(0, 2)) {
            assertEquals(b.installed.get(p).keySet(), a.installed.get(p).keySet(), "partition " + p);
            a.installed.get(p).forEach((k, v) -> assertTrue(java.util.Arrays.equals(v, b.installed.get(p).get(k)),
                    "the two copies of " + k + " differ"));
        }
        // The merge: every key of either file, the newest version of each.
        assertEquals(12, a.installed.get(2).size(), a.installed.get(2).keySet().toString());
        assertEquals("k2-newer", new String(Envelope.decode(TenantKey.of("t", "k2"),
                a.installed.get(2).get(TenantKey.of("t", "k2").storageKey())).value(), StandardCharsets.UTF_8));
        assertEquals(10 + 12, r.installedLocally());
        // Partition 0: b refused its damaged file and got all of a's. Partition 2: only what b's file lacks crossed
        // to b, a's only-a (b's k2 is the newer one, and the rest are alike).
        assertEquals(2, shared.size());
        assertEquals(10, shared.get(0).missing().keys().size());
        assertNull(shared.get(0).base());
        assertEquals(List.of(TenantKey.of("t", "only-a").storageKey()), shared.get(1).missing().keys());
        // Partition 1's file is the twin of what b installed, and partition 2's went into the merge: nothing sent.
        assertEquals(0, sink.sent.size(), sink.sent.keySet().toString());
        assertEquals(java.util.Set.of(2), copyB.installedHere("default", Map.of(2, contentOf(dir.resolve("a"), 2))),
                "a file whose content went into a merge adds nothing to it");
        assertEquals(1, r.refusedFiles(), "the damaged file is refused by the pass that reads it again");
        assertTrue(copyA.installStepOver());

        // A request made in another partition map is refused: its owners may not be this node any more.
        LocalCopyService.ContentId p3 = contentOf(dir.resolve("b"), 3);
        assertFalse(copyB.installOwn("default", 3, p3, "v2"));
        assertTrue(copyB.installOwn("default", 3, p3, "v1"));
        assertFalse(copyB.installOwn("default", 2, p3, "v1"), "another content id");
        // Asked again (a later partition map, another primary): yes for the content it installed, no for another.
        assertTrue(copyB.installOwn("default", 3, p3, "v1"));
        assertFalse(copyB.installOwn("default", 3, new LocalCopyService.ContentId("c1", 999), "v1"));
    }

    private static int indexOf(byte[] in, byte[] what) {
        for (int i = 0; i + what.length <= in.length; i++) {
            if (Arrays.equals(in, i, i + what.length, what, 0, what.length)) {
                return i;
            }
        }
        throw new AssertionError("not found: " + new String(what, StandardCharsets.UTF_8));
    }
}
