package dev.hearth.node.localcopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.storage.TenantKey;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Rounds that append what changed to the partition files, against a fake node whose updates feed the log. */
@Timeout(60)
class LocalCopyAppendTest {
    private static final String ZONE = "default";

    @TempDir
    Path dir;

    /** A node whose every write and removal is recorded in its {@link ChangedKeys}, as Ignite's events do. */
    static final class TrackedNode extends LocalCopyServiceTest.FakeNode {
        final ChangedKeys changed = new ChangedKeys(1_000);

        void write(int partition, String key, String value) {
            TenantKey k = TenantKey.of("t", key);
            put(partition, k, LocalCopyServiceTest.item(value, 0));
            changed.updated(ZONE, partition, k.storageKey());
        }

        void remove(int partition, String key) {
            String k = TenantKey.of("t", key).storageKey();
            data.get(partition).remove(k);
            counters.merge(partition, 1L, Long::sum);
            changed.updated(ZONE, partition, k);
        }

        @Override
        public byte[] peek(String zone, String storageKey) {
            for (Map<String, byte[]> p : data.values()) {
                byte[] v = p.get(storageKey);
                if (v != null) {
                    return v;
                }
            }
            return null;
        }
    }

    private static TrackedNode fortyKeys() {
        TrackedNode node = new TrackedNode();
        for (int i = 0; i < 40; i++) {
            node.write(i % 4, "k" + i, "v" + i);
        }
        return node;
    }

    private LocalCopyService.FileEntries file(int partition) throws IOException {
        return LocalCopyService.readFile(ZONE, partition,
                dir.resolve("local-copy").resolve(ZONE).resolve("p-" + partition + LocalCopyService.SUFFIX), h -> true);
    }

    /** The file holds exactly what the node's partition holds: the same keys, the same stored bytes. */
    private void assertFileIsThePartition(TrackedNode node, int partition) throws IOException {
        LocalCopyService.FileEntries f = file(partition);
        Map<String, byte[]> read = new LinkedHashMap<>();
        for (int i = 0; i < f.keys().size(); i++) {
            assertNull(read.put(f.keys().get(i), f.values().get(i)), "one record per key");
        }
        Map<String, byte[]> held = node.data.getOrDefault(partition, Map.of());
        assertEquals(held.keySet(), read.keySet(), "partition " + partition);
        held.forEach((k, v) -> assertArrayEquals(v, read.get(k), k));
    }

    private static LocalCopyService periodic(Path dir, TrackedNode node) {
        return new LocalCopyService(dir, List.of(ZONE), node, new dev.hearth.node.dump.DiskSpace(), node.changed);
    }

    @Test
    void aRoundAppendsWhatChangedWithoutScanningAndTheFileReadsAsThePartition() throws IOException {
        TrackedNode node = fortyKeys();
        LocalCopyService copy = periodic(dir, node);
        assertEquals(4, copy.writeChanged(Duration.ZERO), "the first write of each partition is whole");
        int scans = node.scans;

        node.write(1, "k1", "changed");
        node.remove(2, "k2");
        node.write(2, "new", "n");
        node.write(2, "new", "n2");
        assertEquals(2, copy.writeChanged(Duration.ZERO));
        assertEquals(scans, node.scans, "appended: no partition was scanned");
        assertEquals(2, copy.status(true).segmentsAppended());
        assertEquals(2, copy.status(true).lastWriteEntries(), "what the round wrote: two values (and a deletion)");
        for (int p = 0; p < 4; p++) {
            assertFileIsThePartition(node, p);
        }
        assertNotNull(file(2).header().get(LocalCopyService.ContentId.UNSETTLED),
                "an appended file is nobody's twin: only a whole write is known to match another owner's");
        assertEquals(Long.toString(node.counters.get(2)), file(2).header().get("counter"));
        assertEquals(0, node.changed.held(), "drained");
    }

    @Test
    void anUpdateTheLogDidNotSeeRewritesThePartitionWhole() throws IOException {
        TrackedNode node = fortyKeys();
        LocalCopyService copy = periodic(dir, node);
        copy.writeChanged(Duration.ZERO);
        int scans = node.scans;
        // As a clear or a streamer's load does: the counter moves, no event.
        node.put(3, TenantKey.of("t", "unseen"), LocalCopyServiceTest.item("u", 0));
        node.write(3, "k3", "seen");
        assertEquals(1, copy.writeChanged(Duration.ZERO));
        assertEquals(scans + 1, node.scans, "rewritten whole");
        assertEquals(0, copy.status(true).segmentsAppended());
        assertFileIsThePartition(node, 3);

        node.changed.unknown(ZONE, 0);
        node.counters.merge(0, 1L, Long::sum);
        assertEquals(1, copy.writeChanged(Duration.ZERO));
        assertEquals(scans + 2, node.scans, "an update of unknown key: whole");
    }

    @Test
    void aPartitionAtRestIsRewrittenWholeOnceSoThatOwnersFilesAreTwinsAgain() throws IOException {
        TrackedNode node = fortyKeys();
        LocalCopyService copy = periodic(dir, node);
        copy.writeChanged(Duration.ZERO);
        node.write(0, "k0", "x");
        copy.writeChanged(Duration.ZERO);
        assertNotNull(file(0).header().get(LocalCopyService.ContentId.UNSETTLED));

        assertEquals(0, copy.writeChanged(), "the write at a stop does not compact: it must be quick");
        int scans = node.scans;
        assertEquals(1, copy.writeChanged(Duration.ZERO), "at rest: rewritten whole");
        assertEquals(scans + 1, node.scans);
        assertNull(file(0).header().get(LocalCopyService.ContentId.UNSETTLED));
        assertFileIsThePartition(node, 0);
        assertEquals(0, copy.writeChanged(Duration.ZERO), "then nothing");
    }

    @Test
    void theWriteAtAStopAppendsToo() throws IOException {
        TrackedNode node = fortyKeys();
        LocalCopyService copy = periodic(dir, node);
        copy.writeChanged();
        int scans = node.scans;
        node.remove(1, "k5");
        assertEquals(1, copy.writeChanged());
        assertEquals(scans, node.scans);
        assertFileIsThePartition(node, 1);
    }

    @Test
    void appendsThatOutweighTheirBaseAreFoldedIntoAWholeRewrite() throws IOException {
        TrackedNode node = fortyKeys();
        LocalCopyService copy = periodic(dir, node);
        copy.writeChanged(Duration.ZERO);
        String big = "x".repeat(400);
        int wholes = 0;
        int scans = node.scans;
        for (int round = 0; round < 6; round++) {
            node.write(0, "k0", big + round);
            copy.writeChanged(Duration.ZERO);
            assertFileIsThePartition(node, 0);
        }
        wholes = node.scans - scans;
        assertTrue(wholes >= 1 && wholes <= 3, "a base of ~10 short entries takes one 400-byte append, then is rewritten: "
                + wholes + " whole writes in 6 rounds");
        assertTrue(copy.status(true).segmentsAppended() >= 3, "the others appended");
    }

    @Test
    void theLogIsBoundedAndAPartitionItForgotIsRewrittenWhole() throws IOException {
        ChangedKeys log = new ChangedKeys(3);
        for (int i = 0; i < 3; i++) {
            log.updated(ZONE, 0, "a" + i);
        }
        log.updated(ZONE, 1, "b");
        assertEquals(3, log.held());
        ChangedKeys.Changes one = log.drain(ZONE, 1);
        assertFalse(one.complete(), "past the bound: forgotten");
        assertEquals(1, one.updates());
        ChangedKeys.Changes zero = log.drain(ZONE, 0);
        assertTrue(zero.complete());
        assertEquals(3, zero.keys().size());
        assertEquals(0, log.held());
        log.updated(ZONE, 0, "a0");
        log.updated(ZONE, 0, "a0");
        ChangedKeys.Changes again = log.drain(ZONE, 0);
        assertEquals(1, again.keys().size());
        assertEquals(2, again.updates(), "every update counts, a key is held once");
        assertFalse(log.pending(ZONE, 0));

        log.updated(ZONE, 5, "gone");
        log.updated(ZONE, 0, "kept");
        log.retain(ZONE, java.util.Set.of(0));
        assertEquals(1, log.held(), "a partition no longer held lets its keys go");
        assertFalse(log.drain(ZONE, 5).complete(), "and is rewritten whole if it comes back");
        assertEquals(List.of("kept"), log.drain(ZONE, 0).keys());
    }

    @Test
    void aPartitionThatChangedMoreThanAnAppendHoldsIsRewrittenWhole() throws IOException {
        TrackedNode node = new TrackedNode();
        String mib = "m".repeat(1 << 20);
        int limit = (int) (LocalCopyService.MAX_APPEND_BYTES >> 20);
        for (int i = 0; i < 3 * limit; i++) {
            node.write(2, "big" + i, mib);
        }
        LocalCopyService copy = periodic(dir, node);
        copy.writeChanged(Duration.ZERO);
        int scans = node.scans;
        for (int i = 0; i < limit - 1; i++) {
            node.write(2, "big" + i, mib + "+");
        }
        copy.writeChanged(Duration.ZERO);
        assertEquals(scans, node.scans, "values up to the limit: appended");
        for (int i = 0; i < limit + 1; i++) {
            node.write(2, "big" + i, mib + "++");
        }
        copy.writeChanged(Duration.ZERO);
        assertEquals(scans + 1, node.scans, "past it: rewritten whole");
        assertEquals(1, copy.status(true).segmentsAppended());
        assertFileIsThePartition(node, 2);
    }
}
