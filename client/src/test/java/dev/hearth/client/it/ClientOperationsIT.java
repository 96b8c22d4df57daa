package dev.hearth.client.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.client.CasResult;
import dev.hearth.client.Codec;
import dev.hearth.client.HearthClient;
import dev.hearth.client.HearthClientBuilder;
import dev.hearth.client.HearthException;
import dev.hearth.client.TenantCache;
import dev.hearth.client.TenantUnavailableException;
import dev.hearth.client.Versioned;
import dev.hearth.client.testing.MovableClock;
import dev.hearth.client.testing.ProcessCluster;
import dev.hearth.storage.Envelope;
import dev.hearth.storage.Item;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ignite.Ignition;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.configuration.ClientConfiguration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The operations' semantics and the stored format, against a real 3-node cluster. */
@Timeout(600)
class ClientOperationsIT {
    private static final Duration T = Duration.ofSeconds(2);
    private static ProcessCluster cluster;
    private static HearthClient client;
    private static IgniteClient raw;
    private static ClientCache<String, byte[]> rawCache;

    @BeforeAll
    static void up() throws Exception {
        cluster = ProcessCluster.start(3, Path.of("target/it-ops"));
        client = HearthClient.builder().addresses(cluster.thinClientAddresses()).timeout(T).build();
        raw = Ignition.startClient(new ClientConfiguration()
                .setAddresses(cluster.thinClientAddresses().toArray(new String[0])).setTimeout(5000));
        rawCache = raw.cache("hearth-zone-default");
    }

    @AfterAll
    static void down() throws Exception {
        if (client != null) {
            client.close();
        }
        if (raw != null) {
            raw.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static TenantCache<String> strings(String tenant) {
        return client.tenant(tenant, Codec.utf8());
    }

    /** Sends memcached text-protocol lines to one node and returns what came back until {@code until}. */
    private static String memcached(int node, String request, String until) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", cluster.node(node).ports().memcached())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            StringBuilder reply = new StringBuilder();
            java.io.InputStream in = socket.getInputStream();
            while (!reply.toString().endsWith(until)) {
                int c = in.read();
                if (c < 0) {
                    break;
                }
                reply.append((char) c);
            }
            return reply.toString();
        }
    }

    @Test
    void aValueWrittenByTheClientIsReadByAMemcachedClientOfTheSameTenantAndBack() throws Exception {
        strings("interop").put("from-java", "written by hearth-client");
        assertEquals("VALUE interop:from-java 0 24\r\nwritten by hearth-client\r\nEND\r\n",
                memcached(1, "get interop:from-java\r\n", "END\r\n"));
        assertEquals("STORED\r\n", memcached(2, "set interop:from-mc 0 0 14\r\nfrom memcached\r\n", "\r\n"));
        assertEquals("from memcached", strings("interop").get("from-mc"));
        assertNull(strings("other-tenant").get("from-mc"), "another tenant does not see it");
    }

    @Test
    void valueWrittenByClientIsStoredInTheSharedEnvelope() throws Exception {
        TenantCache<String> c = strings("store-42");
        long before = System.currentTimeMillis();
        c.put("user:1", "héllo", Duration.ofMinutes(5));
        Versioned<String> v = c.gets("user:1");

        byte[] stored = rawCache.get("store-42:user:1");
        assertNotNull(stored, "stored under tenant:key");
        Item d = Envelope.decode("store-42", "user:1".getBytes(StandardCharsets.UTF_8), stored);
        assertNotNull(d, "the envelope the node reads with accepts the client's bytes (format and CRC32C)");
        assertEquals("héllo", new String(d.value(), StandardCharsets.UTF_8));
        assertEquals(v.version(), d.version());
        assertEquals(0, d.flags());
        assertFalse(d.stale());
        assertTrue(d.expireAt() >= before + 300_000 && d.expireAt() <= System.currentTimeMillis() + 300_000);
        // The checksum binds the key: the same bytes under another key are damaged for the node.
        assertNull(Envelope.decode("store-42", "user:2".getBytes(StandardCharsets.UTF_8), stored));
    }

    @Test
    void valueWrittenInTheNodesFormatIsReadByTheClient() throws Exception {
        byte[] key = "binary:\u00ff".getBytes(StandardCharsets.UTF_8);
        byte[] env = Envelope.encode("store-7", key, new Item("from-node".getBytes(StandardCharsets.UTF_8), 42,
                123456789L, 0, false));
        rawCache.put("store-7:" + new String(key, StandardCharsets.ISO_8859_1), env);
        Versioned<String> v = strings("store-7").gets("binary:\u00ff");
        assertEquals("from-node", v.value());
        assertEquals(42, v.flags());
        assertEquals(123456789L, v.version());
        assertEquals(0, v.expireAt());
    }

    @Test
    void damagedAndExpiredEnvelopesReadAsAbsentAndDamagedOnesAreRemoved() throws Exception {
        TenantCache<String> c = strings("t-damage");
        c.put("k", "v");
        byte[] stored = rawCache.get("t-damage:k");
        stored[stored.length - 1] ^= 1;
        rawCache.put("t-damage:k", stored);
        assertNull(c.get("k"));
        await().atMost(Duration.ofSeconds(5)).until(() -> rawCache.get("t-damage:k") == null);

        byte[] kb = "old".getBytes(StandardCharsets.UTF_8);
        rawCache.put("t-damage:old", Envelope.encode("t-damage", kb, new Item("x".getBytes(StandardCharsets.UTF_8), 0, 5,
                1000, false)));
        assertNull(c.get("old"), "expireAt in the past");
        assertTrue(c.putIfAbsent("old", "new", Duration.ZERO), "an expired value does not block add");
        assertEquals("new", c.get("old"));
    }

    @Test
    void basicOperations() {
        TenantCache<String> c = strings("t-basic");
        assertNull(c.get("a"));
        c.put("a", "1");
        assertEquals("1", c.get("a"));
        assertFalse(c.putIfAbsent("a", "2", Duration.ZERO));
        assertTrue(c.putIfAbsent("b", "2", Duration.ZERO));
        assertTrue(c.replace("b", "3", Duration.ZERO));
        assertFalse(c.replace("zz", "3", Duration.ZERO));
        assertEquals(Map.of("a", "1", "b", "3"), c.getAll(List.of("a", "b", "missing")));
        assertTrue(c.append("a", "0"));
        assertTrue(c.prepend("a", "9"));
        assertEquals("910", c.get("a"));
        assertFalse(c.append("nope", "x"));
        assertTrue(c.delete("a"));
        assertFalse(c.delete("a"));
        assertNull(c.get("a"));
        // tenants do not see each other's keys
        assertNull(strings("t-other").get("b"));
        assertThrows(IllegalArgumentException.class, () -> client.tenant("bad:tenant"));
        assertThrows(IllegalArgumentException.class, () -> c.get(""));
    }

    @Test
    void putAllAndDeleteAllWriteEveryKeyOnceAndCountWhatWasLive() throws Exception {
        TenantCache<String> c = strings("t-bulk");
        Map<String, String> entries = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 200; i++) {
            entries.put("k" + i, "v" + i);
        }
        c.putAll(entries, Duration.ofMinutes(5));
        assertEquals(entries, c.getAll(entries.keySet()));
        long expireAt = c.gets("k7").expireAt();
        assertTrue(expireAt > System.currentTimeMillis() + Duration.ofMinutes(4).toMillis(), "the ttl applies");
        assertEquals("v7", memcached(0, "get t-bulk:k7\r\n", "END\r\n").split("\r\n")[1],
                "stored in the shared format, read by a memcached client");

        c.put("k0", "changed");
        c.async().putAll(Map.of("k0", "again", "new", "n"), Duration.ZERO).get(5, TimeUnit.SECONDS);
        assertEquals(Map.of("k0", "again", "new", "n"), c.getAll(List.of("k0", "new")));

        c.put("short", "x", Duration.ofMillis(300));
        await().atMost(Duration.ofSeconds(5)).until(() -> c.get("short") == null);
        List<String> doomed = new ArrayList<>(List.of("k1", "k2", "k2", "missing", "short", "new"));
        assertEquals(3, c.deleteAll(doomed), "k1, k2 (named twice) and new held live values");
        assertEquals(Map.of(), c.getAll(doomed));
        assertEquals(0, (int) c.async().deleteAll(doomed).get(5, TimeUnit.SECONDS));
        assertEquals("v3", c.get("k3"), "keys not named stay");

        int before = c.getAll(entries.keySet()).size();
        Map<String, String> bad = new java.util.LinkedHashMap<>(Map.of("good", "g"));
        bad.put("", "empty key");
        assertThrows(IllegalArgumentException.class, () -> c.putAll(bad, Duration.ZERO));
        Map<String, String> tooBig = Map.of("good", "g", "big", "x".repeat(HearthClientBuilder.DEFAULT_MAX_VALUE_SIZE + 1));
        assertThrows(IllegalArgumentException.class, () -> c.putAll(tooBig, Duration.ZERO));
        assertNull(c.get("good"), "a refused putAll writes nothing");
        assertEquals(before, c.getAll(entries.keySet()).size());
        c.putAll(Map.of(), Duration.ZERO);
        assertEquals(0, c.deleteAll(List.of()));
    }

    @Test
    void keysListsAndFlushRemovesEveryKeyOfTheTenantAndNoOtherTenants() throws Exception {
        TenantCache<String> gone = strings("t-flush");
        TenantCache<String> kept = strings("t-flush2");
        Map<String, String> entries = new java.util.HashMap<>();
        for (int i = 0; i < 1_234; i++) {
            entries.put("k" + i, "v" + i);
        }
        gone.putAll(entries, Duration.ZERO);
        kept.putAll(entries, Duration.ZERO);
        assertEquals("STORED\r\n", memcached(1, "set t-flush:from-mc 0 0 1\r\nx\r\n", "\r\n"));
        gone.put("short", "x", Duration.ofMillis(300));
        await().atMost(Duration.ofSeconds(5)).until(() -> gone.get("short") == null);

        // keys lists the tenant's live keys only (not the expired one, not another tenant's), up to max.
        java.util.Set<String> listed = new java.util.HashSet<>(gone.withTimeout(Duration.ofSeconds(10)).keys(5_000));
        java.util.Set<String> expected = new java.util.HashSet<>(entries.keySet());
        expected.add("from-mc");
        assertEquals(expected, listed);
        assertEquals(10, gone.keys(10).size());
        assertEquals(List.of(), gone.keys(0));
        assertThrows(IllegalArgumentException.class, () -> gone.keys(-1));

        // More than two of the flush's batches of 500, from every node: the count is what the nodes held live.
        long flushed = gone.withTimeout(Duration.ofSeconds(10)).flush();
        assertTrue(flushed == 1_235 || flushed == 1_236, "the live keys, and the expired one if the nodes still held it: "
                + flushed);
        assertEquals(Map.of(), gone.getAll(entries.keySet()));
        assertNull(gone.get("from-mc"));
        assertEquals(entries, kept.getAll(entries.keySet()), "another tenant keeps every key");
        assertEquals(0, gone.withTimeout(Duration.ofSeconds(10)).async().flush().get(15, TimeUnit.SECONDS));
        assertEquals(List.of(), gone.async().keys(100).get(15, TimeUnit.SECONDS));
    }

    record Visit(String page, java.time.Instant at, java.time.LocalDate day, Duration spent) {
    }

    @Test
    void theDefaultJsonCodecWritesJavaTimeValuesAsIsoText() {
        TenantCache<Visit> c = client.tenant("t-time", Codec.json(Visit.class));
        Visit v = new Visit("/cart", java.time.Instant.parse("2026-12-06T01:02:03.456Z"),
                java.time.LocalDate.of(2026, 12, 6), Duration.ofSeconds(90));
        c.put("v1", v);
        assertEquals(v, c.get("v1"));
        assertEquals("{\"page\":\"/cart\",\"at\":\"2026-12-06T01:02:03.456Z\",\"day\":\"2026-12-06\","
                + "\"spent\":\"PT1M30S\"}", strings("t-time").get("v1"));
        strings("t-time").put("v2", "{\"page\":\"/a\",\"at\":\"2026-01-01T00:00:00Z\",\"day\":\"2026-01-01\","
                + "\"spent\":\"PT1S\",\"addedLater\":true}");
        assertEquals("/a", c.get("v2").page(), "a property a newer writer added is ignored");
    }

    @Test
    void aValuePastMaxValueSizeIsRefusedWithTheLimitAndNothingChanges() {
        TenantCache<byte[]> c = client.tenant("t-size", Codec.bytes());
        int max = HearthClientBuilder.DEFAULT_MAX_VALUE_SIZE;
        c.put("k", new byte[max]);
        assertEquals(max, c.get("k").length, "a value of exactly the limit is stored");
        for (Runnable write : List.<Runnable>of(
                () -> c.put("k", new byte[max + 1]),
                () -> c.putIfAbsent("new", new byte[max + 1], Duration.ZERO),
                () -> c.replace("k", new byte[max + 1], Duration.ZERO))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, write::run);
            assertEquals("a value of " + (max + 1) + " bytes is larger than maxValueSize (" + max + " bytes; the "
                    + "nodes' memcached.maxItemSize bounds what a zone stores)", e.getMessage());
        }
        IllegalArgumentException appended = assertThrows(IllegalArgumentException.class,
                () -> c.append("k", new byte[1]));
        assertTrue(appended.getMessage().startsWith("the appended value of " + (max + 1) + " bytes"),
                appended.getMessage());
        assertEquals(max, c.get("k").length, "the value is as it was");
        assertNull(c.get("new"));
        byte[] loaded = c.getOrLoad("big", k -> new byte[max + 1], Duration.ofMinutes(1));
        assertEquals(max + 1, loaded.length, "the loaded value is returned");
        assertNull(c.get("big"), "and not cached");
    }

    @Test
    void casAndVersionedDelete() {
        TenantCache<String> c = strings("t-cas");
        assertEquals(CasResult.NOT_FOUND, c.cas("k", "x", 1, Duration.ZERO));
        c.put("k", "v1");
        Versioned<String> v1 = c.gets("k");
        assertEquals(CasResult.STORED, c.cas("k", "v2", v1.version(), Duration.ZERO));
        assertEquals(CasResult.EXISTS, c.cas("k", "v3", v1.version(), Duration.ZERO));
        Versioned<String> v2 = c.gets("k");
        assertEquals("v2", v2.value());
        assertTrue(v2.version() > v1.version());
        assertEquals(CasResult.EXISTS, c.delete("k", v1.version()));
        assertEquals(CasResult.STORED, c.delete("k", v2.version()));
        assertEquals(CasResult.NOT_FOUND, c.delete("k", v2.version()));
    }

    @Test
    void incrDecrFollowMemcached() {
        TenantCache<String> c = strings("t-incr");
        assertEquals(OptionalLong.empty(), c.incr("n", 1));
        c.put("n", "10", Duration.ofMinutes(10));
        long exp = c.gets("n").expireAt();
        assertEquals(OptionalLong.of(15), c.incr("n", 5));
        assertEquals(OptionalLong.of(0), c.decr("n", 100));
        c.put("max", "18446744073709551615");
        assertEquals(0L, c.incr("max", 1).getAsLong(), "wraps at 2^64");
        c.put("s", "abc");
        assertThrows(HearthException.class, () -> c.incr("s", 1));
        c.incr("n", 7);
        Versioned<String> v = c.gets("n");
        assertEquals("7", v.value());
        assertEquals(exp, v.expireAt(), "incr keeps the expiry");
    }

    @Test
    void ttlExpiresInIgniteTooAndTouchExtendsIt() {
        TenantCache<String> c = strings("t-ttl");
        c.put("short", "x", Duration.ofMillis(400));
        c.put("touched", "y", Duration.ofMillis(400));
        long version = c.gets("touched").version();
        assertTrue(c.touch("touched", Duration.ofMinutes(1)));
        assertEquals(version, c.gets("touched").version(), "touch keeps the version");
        await().atMost(Duration.ofSeconds(5)).until(() -> c.get("short") == null);
        await().atMost(Duration.ofSeconds(5)).until(() -> rawCache.get("t-ttl:short") == null);
        assertEquals("y", c.get("touched"));
        assertNotNull(rawCache.get("t-ttl:touched"));
        assertFalse(c.touch("short", Duration.ofMinutes(1)));
    }

    record Order(String id, int qty, List<String> items) {
    }

    @Test
    void jsonCodec() {
        TenantCache<Order> c = client.tenant("t-json", Codec.json(Order.class));
        Order o = new Order("o-1", 3, List.of("a", "b"));
        c.put("o-1", o);
        assertEquals(o, c.get("o-1"));
        assertEquals("{\"id\":\"o-1\",\"qty\":3,\"items\":[\"a\",\"b\"]}", strings("t-json").get("o-1"));
        strings("t-json").put("bad", "not json");
        assertThrows(HearthException.class, () -> c.get("bad"));
    }

    @Test
    void concurrentIncrAndCasLoopsLoseNoUpdate() throws Exception {
        TenantCache<String> c = strings("t-conc");
        c.put("counter", "0");
        c.put("cas", "0");
        int threads = 8;
        int each = 100;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        c.incr("counter", 1);
                        while (true) {
                            Versioned<String> v = c.gets("cas");
                            String next = Integer.toString(Integer.parseInt(v.value()) + 1);
                            if (c.cas("cas", next, v.version(), Duration.ZERO) == CasResult.STORED) {
                                break;
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(Integer.toString(threads * each), c.get("counter"));
        assertEquals(Integer.toString(threads * each), c.get("cas"));
    }

    @Test
    void thousandConcurrentMissesRunTheLoaderOnce() throws Exception {
        TenantCache<String> c = strings("t-coalesce");
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        List<CompletableFuture<String>> fs = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            fs.add(c.async().getOrLoad("hot", k -> {
                calls.incrementAndGet();
                release.await();
                return "loaded";
            }, Duration.ofMinutes(1)));
        }
        release.countDown();
        for (CompletableFuture<String> f : fs) {
            assertEquals("loaded", f.get(10, TimeUnit.SECONDS));
        }
        assertEquals(1, calls.get());
        await().atMost(Duration.ofSeconds(5)).until(() -> "loaded".equals(c.get("hot")));
        assertEquals("loaded", c.getOrLoad("hot", k -> "again", Duration.ofMinutes(1)));
        assertEquals(1, calls.get());
    }

    @Test
    void staleWhileRevalidateAndStaleIfError() throws Exception {
        // The clients' clock moves past the TTL instead of the test sleeping through it; the nodes keep the values
        // for the TTL plus the stale window, by their own clocks.
        MovableClock clock = new MovableClock();
        try (HearthClient swr = HearthClient.builder().addresses(cluster.thinClientAddresses()).timeout(T)
                .staleWhileRevalidate(Duration.ofSeconds(30)).staleIfError(Duration.ofSeconds(30)).clock(clock)
                .build()) {
            TenantCache<String> c = swr.tenant("t-swr", Codec.utf8());
            Duration ttl = Duration.ofMillis(300);
            // Seeded with a put, not a first getOrLoad: that load's flight stays registered until its write is
            // done, and a getOrLoad arriving before then would share it instead of finding a stale value.
            c.put("k", "v1", Duration.ofMinutes(1));
            clock.advance(Duration.ofMillis(400));
            AtomicInteger refreshes = new AtomicInteger();
            assertEquals("v1", c.getOrLoad("k", k -> {
                refreshes.incrementAndGet();
                return "v2";
            }, ttl), "stale value served at once");
            await().atMost(Duration.ofSeconds(5)).until(() -> "v2".equals(c.get("k")));
            assertEquals(1, refreshes.get());
            clock.advance(Duration.ofMillis(400));
            assertEquals("v2", c.getOrLoad("k", k -> {
                throw new IllegalStateException("db down");
            }, ttl).substring(0, 2), "stale-while-revalidate answers first");
            // stale-if-error: a failed load on a stale value serves the stale value
            try (HearthClient sie = HearthClient.builder().addresses(cluster.thinClientAddresses()).timeout(T)
                    .staleIfError(Duration.ofSeconds(30)).clock(clock).build()) {
                TenantCache<String> s = sie.tenant("t-sie", Codec.utf8());
                s.put("k", "old", Duration.ofMinutes(1));
                clock.advance(Duration.ofMillis(400));
                assertEquals("old", s.getOrLoad("k", k -> {
                    throw new IllegalStateException("db down");
                }, ttl));
                assertThrows(IllegalStateException.class, () -> s.getOrLoad("never-cached", k -> {
                    throw new IllegalStateException("db down");
                }, ttl));
            }
        }
    }

    @Test
    void nearCacheServesLocallyUntilItsTtl() {
        try (HearthClient nc = HearthClient.builder().addresses(cluster.thinClientAddresses()).timeout(T)
                .nearCache(Duration.ofMillis(500), 1000).build()) {
            TenantCache<String> c = nc.tenant("t-near", Codec.utf8());
            c.put("k", "v1");
            assertEquals("v1", c.get("k"));
            strings("t-near").put("k", "v2"); // another client
            assertEquals("v1", c.get("k"), "served from the near cache");
            await().atMost(Duration.ofSeconds(5)).until(() -> "v2".equals(c.get("k")));
            c.put("k", "v3");
            assertEquals("v3", c.get("k"), "own writes invalidate");
        }
    }

    @Test
    void maintenanceBypassesTheCacheForGetOrLoad() {
        TenantCache<String> c = strings("t-maint");
        c.put("k", "cached");
        client.markUnavailable("t-maint");
        try {
            assertEquals("from-db", c.getOrLoad("k", k -> "from-db", Duration.ofMinutes(1)));
            assertThrows(TenantUnavailableException.class, () -> c.get("k"));
            assertEquals("t-maint:k", "t-maint:k");
        } finally {
            client.markAvailable("t-maint");
        }
        assertEquals("cached", c.get("k"), "not overwritten during maintenance");
        assertEquals(Set.of(), Set.of());
    }
}
