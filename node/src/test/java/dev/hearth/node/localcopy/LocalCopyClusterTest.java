package dev.hearth.node.localcopy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.node.HearthNode;
import dev.hearth.node.TestNodes;
import dev.hearth.node.ignite.IgniteDumpSupport;
import dev.hearth.node.ignite.IgniteLocalCopy;
import dev.hearth.node.warmup.AutoWarmup;
import dev.hearth.storage.Item;
import dev.hearth.storage.TenantKey;
import dev.hearth.testing.FreePorts;
import dev.hearth.wire.status.LocalCopyLoad;
import dev.hearth.wire.status.Refill;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ignite.ShutdownPolicy;
import org.apache.ignite.internal.IgnitionEx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes (backups 1: each holds every entry, as primary or backup) keep a local copy; both crash (Ignite
 * cancelled under them, so nothing is written at the stop) and start again: every live entry comes back from the
 * copies, expired ones do not, a damaged file is refused while the node still starts, and a reload never replaces
 * a newer value.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LocalCopyClusterTest {
    @TempDir
    Path dir;
    final List<HearthNode> nodes = new ArrayList<>();
    int[] disco;

    @AfterEach
    void stop() {
        for (int i = nodes.size() - 1; i >= 0; i--) {
            nodes.get(i).stopGracefully();
        }
    }

    HearthNode start(int i) throws InterruptedException {
        HearthNode n = HearthNode.start(TestNodes.config("lcopy", i, disco, dir, "localCopy.interval=1s",
                "shutdown.timeout=20s"), null);
        nodes.add(n);
        return n;
    }

    static TenantKey key(int i) {
        return TenantKey.of("t" + (i % 5), "k" + i);
    }

    static byte[] value(int i) {
        return ("value-" + i).getBytes(StandardCharsets.UTF_8);
    }

    /** The node's Ignite goes away without a stop: what a kill -9 leaves is what the last periodic write wrote. */
    static void crash(HearthNode n) {
        // IMMEDIATE: the configured GRACEFUL policy would wait for ever for the last node's partitions to move.
        IgnitionEx.stop(n.ignite().name(), true, ShutdownPolicy.IMMEDIATE, false);
        n.stopGracefully();
    }

    /** Two nodes, ready and taking writes: node 0's cache service. */
    private dev.hearth.node.cache.CacheService twoNodesTakingWrites() throws InterruptedException {
        disco = FreePorts.several(2);
        start(0);
        start(1);
        await().atMost(Duration.ofSeconds(30)).until(() -> nodes.stream().allMatch(n -> n.status().readiness().ready()
                && n.status().snapshot().members().size() == 2));
        var svc = nodes.get(0).cache();
        // Seen once in CI: the first write right after both nodes were ready was refused "no quorum: 1 of 2" (a
        // membership reading between two polls, not yet explained); the test is about the copy, so it starts once
        // a write goes through.
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .until(() -> svc.set(key(0), value(0), 0, 0).join() != null);
        return svc;
    }

    @Test
    void reloadAfterEveryNodeCrashedRefusesDamagedFilesSkipsExpiredAndNeverOverwrites() throws Exception {
        var svc = twoNodesTakingWrites();
        int n = 2000;
        long farExpiry = System.currentTimeMillis() + 3_600_000;
        for (int i = 0; i < n; i++) {
            svc.set(key(i), value(i), i, i % 4 == 0 ? farExpiry : 0).join();
        }
        long shortExpiry = System.currentTimeMillis() + 2_000;
        int shortLived = 40;
        for (int i = n; i < n + shortLived; i++) {
            svc.set(key(i), value(i), 0, shortExpiry).join();
        }
        // Every entry twice (primary and backup) across the two copies once a write has caught up.
        await().atMost(Duration.ofSeconds(30)).until(() -> nodes.stream()
                .mapToLong(x -> x.localCopy().status(true).entries()).sum() == 2L * (n + shortLived));
        // The first round after the writes stop rewrites whole the files that took appends (so that both owners'
        // files of a partition are twins again); after that an idle node writes nothing.
        await().atMost(Duration.ofSeconds(10)).until(() -> nodes.get(0).localCopy().status(true).lastWriteFiles() == 0);
        long writesBefore = nodes.get(0).localCopy().status(true).writes();
        await().atMost(Duration.ofSeconds(10)).until(() -> nodes.get(0).localCopy().status(true).writes()
                > writesBefore + 1);
        assertEquals(0, nodes.get(0).localCopy().status(true).lastWriteFiles(), "an idle node rewrites nothing");

        crash(nodes.get(1));
        crash(nodes.get(0));
        nodes.clear();

        // Damage two files of node 1: a flipped byte in a value, and a cut-off end.
        Path copy1 = dir.resolve("n1").resolve("local-copy").resolve("default");
        List<Path> files;
        try (var s = Files.list(copy1)) {
            files = s.filter(p -> p.toString().endsWith(".hcopy")).sorted().toList();
        }
        // Files without a short-lived entry: the count of expired entries skipped below then covers every copy.
        java.util.Set<String> shortKeys = new java.util.HashSet<>();
        for (int i = n; i < n + shortLived; i++) {
            shortKeys.add(key(i).storageKey());
        }
        List<Path> damageable = files.stream().filter(p -> sizeOf(p) > 400 && !holdsAny(p, shortKeys)).toList();
        Path flipped = damageable.get(0);
        Path cut = damageable.get(1);
        try (RandomAccessFile f = new RandomAccessFile(flipped.toFile(), "rw")) {
            long at = f.length() / 2;
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x55);
        }
        try (RandomAccessFile f = new RandomAccessFile(cut.toFile(), "rw")) {
            f.setLength(f.length() - 7);
        }
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10))
                .until(() -> System.currentTimeMillis() > shortExpiry + 100);

        start(0);
        start(1);
        await().atMost(Duration.ofSeconds(60)).until(() -> nodes.stream().allMatch(
                x -> x.localCopy().status(true).lastLoad().state().equals("complete")));
        LocalCopyLoad l0 = nodes.get(0).localCopy().status(true).lastLoad();
        LocalCopyLoad l1 = nodes.get(1).localCopy().status(true).lastLoad();
        assertEquals(0, l0.refusedFiles(), l0.refused().toString());
        assertEquals(2, l1.refusedFiles(), l1.refused().toString());
        // What /status reports as the node's refill: every byte of every file handled, refused ones included.
        Refill r1 = nodes.get(1).status().snapshot().refill();
        assertEquals("local copy", r1.source());
        assertEquals("complete", r1.state());
        assertTrue(r1.bytesTotal() > 0 && r1.bytesDone() == r1.bytesTotal(), r1.toString());
        assertEquals(1.0, r1.fraction(), 1e-9, r1.toString());
        assertEquals(l1.entriesRead(), r1.entriesDone());
        assertTrue(l1.refused().stream().anyMatch(r -> r.startsWith(flipped.toString())
                && (r.contains("damaged") || r.contains("truncated"))),
                l1.refused().toString());
        assertTrue(l1.refused().stream().anyMatch(r -> r.startsWith(cut.toString()) && r.contains("truncated")),
                l1.refused().toString());
        assertEquals(2L * shortLived, l0.skippedExpired() + l1.skippedExpired(), "both copies of each expired entry: " + l0 + " " + l1);

        var after = nodes.get(1).cache();
        int back = 0;
        for (int i = 0; i < n; i++) {
            Item item = after.get(key(i)).join();
            if (item != null && new String(item.value(), StandardCharsets.UTF_8).equals("value-" + i)
                    && item.flags() == i && item.expireAt() == (i % 4 == 0 ? farExpiry : 0)) {
                back++;
            }
        }
        assertEquals(n, back, "live entries back with their flags and TTL");
        for (int i = n; i < n + shortLived; i++) {
            assertNull(after.get(key(i)).join(), "expired entry " + i + " came back");
        }

        // Every partition file whose twin on the other node held the same content went into each node's own copy
        // with no network; only the two damaged files' partitions went through the cluster.
        long installed = l0.installedLocally() + l1.installedLocally();
        assertTrue(installed > 2L * n * 9 / 10 && installed <= 2L * n, installed + " of " + 2 * n + " copies "
                + "installed locally");
        assertTrue(l0.entriesSent() + l1.entriesSent() < n / 10, l0.entriesSent() + l1.entriesSent() + " sent");
        // No file handled twice (once installed, once sent or installed again): nothing was written meanwhile, so
        // an entry found already held can only be one handled before.
        assertEquals(0, l0.skippedPresent() + l1.skippedPresent(), l0 + " " + l1);
        // Both copies of every key alike, and a write after the install replaces both: an installed copy must
        // never look newer to Ignite than the primary's next write (an atomic backup ignores an older update).
        for (int i = 0; i < n; i += 7) {
            after.set(key(i), ("rewritten-" + i).getBytes(StandardCharsets.UTF_8), 5, 0).join();
        }
        String cacheName = dev.hearth.storage.CacheNames.zoneCache("default");
        int compared = 0;
        for (int i = 0; i < n; i++) {
            String sk = key(i).storageKey();
            byte[] c0 = nodes.get(0).ignite().<String, byte[]>cache(cacheName).localPeek(sk,
                    org.apache.ignite.cache.CachePeekMode.PRIMARY, org.apache.ignite.cache.CachePeekMode.BACKUP);
            byte[] c1 = nodes.get(1).ignite().<String, byte[]>cache(cacheName).localPeek(sk,
                    org.apache.ignite.cache.CachePeekMode.PRIMARY, org.apache.ignite.cache.CachePeekMode.BACKUP);
            assertNotNull(c0, "node 0's copy of " + sk);
            assertTrue(java.util.Arrays.equals(c0, c1), "the two copies of " + sk + " differ");
            if (i % 7 == 0) {
                Item item = after.get(key(i)).join();
                assertEquals("rewritten-" + i, new String(item.value(), StandardCharsets.UTF_8));
            }
            compared++;
        }
        assertEquals(n, compared);

        // Written after the copy: a reload of the same copy keeps it.
        after.set(key(7), "newer".getBytes(StandardCharsets.UTF_8), 99, 0).join();
        LocalCopyLoad again = nodes.get(0).localCopy().load("test: reload over newer values",
                IgniteDumpSupport.loader(nodes.get(0).ignite(), Duration.ofSeconds(20)), (z, p, h) -> true);
        assertEquals("complete", again.state(), again.error());
        Item seven = after.get(key(7)).join();
        assertNotNull(seven);
        assertEquals("newer", new String(seven.value(), StandardCharsets.UTF_8));
        assertEquals(99, seven.flags());
    }

    /**
     * Writes, rewrites and deletions on primaries and backups reach both nodes' files as appended segments (Ignite's
     * events fed the log, and their count matched the counters' moves), and each file then reads as exactly what its
     * node holds of the partition.
     */
    @Test
    void changesAreAppendedOnPrimaryAndBackupAndTheFilesHoldWhatTheNodesHold() throws Exception {
        var svc = twoNodesTakingWrites();
        int n = 2000;
        for (int i = 0; i < n; i++) {
            svc.set(key(i), value(i), 0, 0).join();
        }
        nodes.forEach(x -> x.localCopy().writeChanged());
        long[] appendedBefore = nodes.stream().mapToLong(x -> x.localCopy().status(true).segmentsAppended()).toArray();
        for (int i = 0; i < n; i += 7) {
            svc.set(key(i), ("rewritten-" + i).getBytes(StandardCharsets.UTF_8), 0, 0).join();
        }
        for (int i = 3; i < n; i += 11) {
            svc.mutate(key(i), dev.hearth.storage.Mutation.delete(0)).join();
        }
        for (int i = n; i < n + 100; i++) {
            svc.set(key(i), value(i), 0, 0).join();
        }
        for (int k = 0; k < nodes.size(); k++) {
            HearthNode node = nodes.get(k);
            node.localCopy().writeChanged();
            assertTrue(node.localCopy().status(true).segmentsAppended() > appendedBefore[k] + 100,
                    "node " + k + " appended to most of its ~1,000 partition files: "
                            + (node.localCopy().status(true).segmentsAppended() - appendedBefore[k]));
            var cache = node.ignite().<String, byte[]>cache(dev.hearth.storage.CacheNames.zoneCache("default"));
            long held = 0;
            for (LocalCopyService.PartitionFile f : node.localCopy().files("default")) {
                LocalCopyService.FileEntries e = LocalCopyService.readFile("default", f.partition(), f.path(),
                        h -> true);
                for (int i = 0; i < e.keys().size(); i++) {
                    byte[] now = cache.localPeek(e.keys().get(i), org.apache.ignite.cache.CachePeekMode.PRIMARY,
                            org.apache.ignite.cache.CachePeekMode.BACKUP);
                    assertNotNull(now, "node " + k + " holds " + e.keys().get(i));
                    org.junit.jupiter.api.Assertions.assertArrayEquals(now, e.values().get(i), e.keys().get(i));
                }
                held += e.keys().size();
            }
            assertEquals(cache.localSize(org.apache.ignite.cache.CachePeekMode.PRIMARY,
                    org.apache.ignite.cache.CachePeekMode.BACKUP), held, "node " + k + ": one record per entry held");
        }
    }

    @Test
    void aRejoiningNodeLoadsOnlyThePartitionsThatLostEveryCopy() throws Exception {
        disco = FreePorts.several(3);
        for (int i = 0; i < 3; i++) {
            start(i);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> nodes.stream().allMatch(x -> x.status().readiness().ready()
                && x.status().snapshot().members().size() == 3));
        var svc = nodes.get(0).cache();
        int n = 20_000;
        List<java.util.concurrent.CompletableFuture<?>> writes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            writes.add(svc.set(key(i), value(i), 0, 0));
        }
        writes.forEach(java.util.concurrent.CompletableFuture::join);
        await().atMost(Duration.ofSeconds(30)).until(() -> nodes.stream()
                .mapToLong(x -> x.localCopy().status(true).entries()).sum() == 2L * n);

        // Both at once: one after the other (each with its graceful stop of the rest), the two survivors of the first
        // crash could rebalance every partition between them before the second, and then nothing is lost (seen once
        // in CI: 0 of 20,000 keys lost).
        List<HearthNode> gone = List.of(nodes.get(1), nodes.get(2));
        gone.parallelStream().forEach(x -> IgnitionEx.stop(x.ignite().name(), true, ShutdownPolicy.IMMEDIATE, false));
        gone.forEach(HearthNode::stopGracefully);
        HearthNode survivor = nodes.get(0);
        nodes.subList(1, 3).clear();
        // The cluster formed seconds ago, so its warm-up window is still open: the restarted nodes served in this
        // cluster before (their last-cluster record), and rejoin instead of loading their whole copy over it.
        assertTrue(new IgniteLocalCopy(survivor.ignite()).formedAt() + AutoWarmup.WINDOW_LENGTH.toMillis()
                > System.currentTimeMillis(), "the warm-up window is open");
        var live = survivor.cache();
        await().atMost(Duration.ofSeconds(30)).until(() -> survivor.status().snapshot().members().size() == 1);
        int survived = 0;
        for (int i = 0; i < n; i++) {
            if (live.get(key(i)).join() != null) {
                survived++;
            }
        }
        int lost = n - survived;
        assertTrue(lost > 0, "two of three nodes gone with backups 1: some partitions lost every copy");

        start(1);
        start(2);
        await().atMost(Duration.ofSeconds(90)).until(() -> nodes.stream().skip(1).allMatch(
                x -> x.localCopy().status(true).lastLoad().state().equals("complete")));
        long loadedFiles = 0;
        long sent = 0;
        StringBuilder loads = new StringBuilder();
        for (HearthNode x : nodes.subList(1, 3)) {
            LocalCopyLoad r = x.localCopy().status(true).lastLoad();
            assertTrue(r.reason().startsWith("rejoined"), r.reason());
            loadedFiles += r.files();
            sent += r.entriesSent();
            loads.append(String.format(" [%d files, %d sent, %d already held]", r.files(), r.entriesSent(),
                    r.skippedPresent()));
        }
        // The survivor, alone of three, has no quorum and refuses writes (a delete cannot be tried here). That the
        // partitions which lived on were not loaded shows in the counts: each lost key comes from at most the two
        // restarted nodes' files, and nothing else is sent.
        assertTrue(sent >= lost && sent <= 2L * lost, sent + " entries sent for " + lost + " lost keys;"
                + loads);
        assertTrue(loadedFiles > 0 && loadedFiles < 2L * 1024, "only lost partitions: " + loadedFiles + " files");
        int back = 0;
        for (int i = 0; i < n; i++) {
            if (live.get(key(i)).join() != null) {
                back++;
            }
        }
        assertEquals(n, back, "every key of the lost partitions is back (" + survived + " survived the loss)");
    }

    private static boolean holdsAny(Path file, java.util.Set<String> keys) {
        boolean[] found = new boolean[1];
        try {
            dev.hearth.node.dump.DumpFile.read(file, (k, v) -> found[0] |= keys.contains(k));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return found[0];
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
