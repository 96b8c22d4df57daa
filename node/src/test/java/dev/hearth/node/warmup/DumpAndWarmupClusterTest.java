package dev.hearth.node.warmup;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.node.HearthNode;
import dev.hearth.node.TestNodes;
import dev.hearth.storage.Item;
import dev.hearth.storage.TenantKey;
import dev.hearth.testing.FreePorts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Dump every node's primaries, lose the data, load it back: values, TTLs and newer writes all come out right. */
@Timeout(120)
class DumpAndWarmupClusterTest {
    @TempDir
    static Path dir;
    static final List<HearthNode> nodes = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        int[] disco = FreePorts.several(3);
        for (int i = 0; i < 3; i++) {
            nodes.add(HearthNode.start(TestNodes.config("dump", i, disco, dir), null));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> nodes.stream().allMatch(n -> n.status().readiness().ready()
                && n.status().snapshot().members().size() == 3));
    }

    @AfterAll
    static void stop() {
        for (int i = nodes.size() - 1; i >= 0; i--) {
            nodes.get(i).stopGracefully();
        }
        // A static list outlives the class's tests: the stopped nodes and their Ignites would stay on the fork's heap.
        nodes.clear();
    }

    static TenantKey key(int i) {
        return TenantKey.of("w" + (i % 7), "k" + i);
    }

    static byte[] value(int i) {
        return ("value-" + i).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void dumpFlushWarmupRestoresEveryLiveEntryWithItsTtlAndKeepsNewerWrites() throws Exception {
        var svc = nodes.get(0).cache();
        long farExpiry = System.currentTimeMillis() + 3_600_000;
        int n = 3000;
        for (int i = 0; i < n; i++) {
            svc.set(key(i), value(i), i, i % 3 == 0 ? farExpiry : 0).join();
        }
        // Entries that will have expired by warm-up time must not come back.
        long shortExpiry = System.currentTimeMillis() + 1500;
        for (int i = n; i < n + 50; i++) {
            svc.set(key(i), value(i), 0, shortExpiry).join();
        }
        for (HearthNode node : nodes) {
            node.dumps().start("d1", List.of());
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> nodes.stream().allMatch(
                node -> node.dumps().info("d1").orElseThrow().state().equals("complete")));
        long dumped = nodes.stream().mapToLong(node -> node.dumps().info("d1").orElseThrow().entries()).sum();
        assertEquals(n + 50, dumped, "every primary entry dumped exactly once across the nodes");
        for (HearthNode node : nodes) {
            assertTrue(node.dumps().verify("d1").orElseThrow().ok());
        }
        assertThrows(IllegalStateException.class, () -> nodes.get(0).dumps().start("d1", List.of()),
                "a dump name is used once");
        assertThrows(IllegalArgumentException.class, () -> nodes.get(0).dumps().start("../evil", List.of()));
        assertThrows(IllegalArgumentException.class, () -> nodes.get(0).dumps().start("d2", List.of("nozone")));

        svc.flushAll().join();
        await().atMost(Duration.ofSeconds(30)).until(() -> System.currentTimeMillis() > shortExpiry);
        assertNull(svc.get(key(1)).join());
        // Written after the "restart": the dump must not overwrite it.
        svc.set(key(1), "newer".getBytes(StandardCharsets.UTF_8), 0, 0).join();

        for (HearthNode node : nodes) {
            node.warmup().start("d1", null, 0);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> nodes.stream().allMatch(
                node -> !node.warmup().status().state().equals("running")));
        long expiredSkipped = 0;
        for (HearthNode node : nodes) {
            WarmupService.Status s = node.warmup().status();
            assertEquals("complete", s.state(), String.valueOf(s.error()));
            expiredSkipped += s.skippedExpired();
        }
        assertEquals(50, expiredSkipped);
        System.out.printf("warm-up of %d entries: slowest node %d ms%n", n + 50, nodes.stream()
                .mapToLong(node -> node.warmup().status().elapsedMillis()).max().orElse(0));
        int back = 0;
        for (int i = 0; i < n; i++) {
            Item item = nodes.get(i % 3).cache().get(key(i)).join();
            if (i == 1) {
                assertEquals("newer", new String(item.value(), StandardCharsets.UTF_8));
                continue;
            }
            assertNotNull(item, "entry " + i + " did not come back");
            assertEquals("value-" + i, new String(item.value(), StandardCharsets.UTF_8));
            assertEquals(i, item.flags());
            assertEquals(i % 3 == 0 ? farExpiry : 0, item.expireAt(), "TTL of " + i);
            back++;
        }
        assertEquals(n - 1, back);
        for (int i = n; i < n + 50; i++) {
            assertNull(svc.get(key(i)).join(), "expired entry " + i + " came back");
        }
    }

    @Test
    void aLoaderThatFailsEndsTheWarmupAsFailedWithItsCauseAndAbandonsTheStream() throws Exception {
        nodes.get(0).cache().set(key(1), value(1), 0, 0).join();
        nodes.get(0).dumps().start("d-fail", List.of());
        await().atMost(Duration.ofSeconds(30)).until(() -> nodes.get(0).dumps().info("d-fail").orElseThrow().state()
                .equals("complete"));
        java.util.concurrent.atomic.AtomicInteger closed = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger abandoned = new java.util.concurrent.atomic.AtomicInteger();
        // What the Ignite loader does once a chunk stays unconfirmed after every try (a lost node, a stuck cluster).
        WarmupService.ClusterLoader failing = zone -> new WarmupService.ClusterLoader.Session() {
            @Override
            public void add(String storageKey, byte[] value, long expireAt) {
                throw new IllegalStateException("the cluster did not confirm a chunk",
                        new RuntimeException("Data streamer exceeded timeout on flush."));
            }

            @Override
            public void close() {
                closed.incrementAndGet();
            }

            @Override
            public void abandon() {
                abandoned.incrementAndGet();
            }
        };
        var executor = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            WarmupService w = new WarmupService(nodes.get(0).dumps(), failing, executor);
            w.start("d-fail", null, 0);
            await().atMost(Duration.ofSeconds(30)).until(() -> !w.status().state().equals("running"));
            assertEquals("failed", w.status().state());
            assertEquals("the cluster did not confirm a chunk: Data streamer exceeded timeout on flush.",
                    w.status().error());
            assertEquals(1, abandoned.get(), "a failed stream is abandoned, not flushed again");
            assertEquals(0, closed.get());
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void safetyReflectsCopiesAndAUnknownDumpIsReported() {
        assertTrue(nodes.get(1).status().safety().safeToStop(), nodes.get(1).status().safety().reasons().toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> nodes.get(1).warmup().start("nope", null, 0));
        assertTrue(e.getMessage().contains("no dump named 'nope'"));
    }

    @Test
    void incompleteDumpsAreListedAsSuch() throws Exception {
        Path dumps = Path.of(nodes.get(2).config().node().dataDir()).resolve("dumps");
        Files.createDirectories(dumps.resolve("half"));
        var info = nodes.get(2).dumps().info("half").orElseThrow();
        assertEquals("incomplete", info.state());
        assertFalse(nodes.get(2).dumps().verify("half").orElseThrow().ok());
    }
}
