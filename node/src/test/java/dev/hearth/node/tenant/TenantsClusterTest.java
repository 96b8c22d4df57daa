package dev.hearth.node.tenant;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hearth.node.HearthNode;
import dev.hearth.node.TestNodes;
import dev.hearth.storage.CacheNames;
import dev.hearth.storage.Item;
import dev.hearth.storage.Mutation;
import dev.hearth.storage.TenantKey;
import dev.hearth.storage.registry.TenantRecord;
import dev.hearth.testing.FreePorts;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.cache.Cache;
import org.apache.ignite.Ignite;
import org.apache.ignite.cache.query.QueryCursor;
import org.apache.ignite.cache.query.ScanQuery;
import org.apache.ignite.cluster.ClusterNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Zones and tenants on 3 in-JVM nodes: nodes 0 and 1 have {@code rack: a}, node 2 {@code rack: b}. Zones: default,
 * z2, and pinned (nodeFilter rack=a). Maintenance mode miss (reject is in TenantRejectClusterTest).
 */
@Timeout(600)
class TenantsClusterTest {
    @TempDir
    static Path dir;
    static final List<HearthNode> nodes = new ArrayList<>();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void startCluster() throws Exception {
        int[] disco = FreePorts.several(3);
        for (int i = 0; i < 3; i++) {
            // A generous failure detection timeout: this class tests tenants, not failure detection, and on a
            // machine loaded far beyond its cores a node dropped for a slow heartbeat halts the whole test JVM.
            nodes.add(HearthNode.start(TestNodes.config("tenants-br", i, disco, dir,
                    "cluster.failureDetectionTimeout=10s",
                    "node.attributes.rack=" + (i < 2 ? "a" : "b"),
                    "zones.z2.memory=32m", "zones.pinned.memory=32m", "zones.pinned.nodeFilter.rack=a"), null));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> nodes.get(0).status().snapshot().members().size() == 3
                && nodes.stream().allMatch(n -> n.status().readiness().ready()));
    }

    @AfterAll
    static void stopCluster() {
        for (int i = nodes.size() - 1; i >= 0; i--) {
            nodes.get(i).stopGracefully();
        }
        // A static list outlives the class's tests: the stopped nodes and their Ignites would stay on the fork's heap.
        nodes.clear();
    }

    static HttpResponse<String> http(int node, String method, String path) throws Exception {
        int port = nodes.get(node).ports().get("admin");
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode ok(int node, String method, String path, int expected) throws Exception {
        HttpResponse<String> r = http(node, method, path);
        assertEquals(expected, r.statusCode(), method + " " + path + ": " + r.body());
        return JSON.readTree(r.body());
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(Item item) {
        return item == null ? null : new String(item.value(), StandardCharsets.UTF_8);
    }

    /** Live entries of {@code tenant} in {@code zone}, cluster-wide, tombstones included. */
    static int entriesIn(String zone, String tenant) {
        Ignite ignite = nodes.get(0).ignite();
        int n = 0;
        try (QueryCursor<Cache.Entry<String, byte[]>> c = ignite.<String, byte[]>cache(CacheNames.zoneCache(zone))
                .query(new ScanQuery<String, byte[]>((k, v) -> k.startsWith(tenant + ":")))) {
            for (Cache.Entry<String, byte[]> e : c) {
                n++;
            }
        }
        return n;
    }

    @Test
    void aRegistryChangeOnOneNodeIsSeenByEveryNode() throws Exception {
        JsonNode rec = ok(0, "POST", "/admin/tenants/rep-1/assign?zone=z2&by=alice", 200);
        assertEquals("z2", rec.get("zone").asText());
        await().atMost(Duration.ofSeconds(10)).until(() -> nodes.stream()
                .allMatch(n -> n.registry().get("rep-1").map(r -> r.zone().equals("z2")).orElse(false)));
        // The stored value is the documented JSON, readable without any Hearth class.
        String raw = nodes.get(2).ignite().<String, String>cache(CacheNames.REGISTRY).get("tenant/rep-1");
        JsonNode stored = JSON.readTree(raw);
        assertEquals("rep-1", stored.get("tenant").asText());
        assertEquals("active", stored.get("state").asText());
        assertEquals("alice", stored.get("changedBy").asText());
        assertTrue(stored.get("movingFrom").isNull());
        assertTrue(stored.get("createdAt").asLong() > 0);
        // Requests on every node now go to z2.
        TenantKey k = TenantKey.of("rep-1", "k");
        nodes.get(1).cache().set(k, b("v"), 0, 0).join();
        assertEquals(1, entriesIn("z2", "rep-1"));
        assertEquals(0, entriesIn("default", "rep-1"));
        assertEquals("v", text(nodes.get(2).cache().get(k).join()));
        String placement = nodes.get(1).ignite().<String, String>cache(CacheNames.REGISTRY).get("placement");
        assertEquals("{\"mode\":\"zone\",\"zone\":\"default\",\"maintenanceMode\":\"miss\"}", placement);
    }

    @Test
    void aPinnedZoneHasNoPartitionOnNodesOutsideItsFilter() throws Exception {
        Ignite ignite = nodes.get(0).ignite();
        var affinity = ignite.affinity(CacheNames.zoneCache("pinned"));
        int total = 0;
        for (int i = 0; i < 3; i++) {
            ClusterNode n = nodes.get(i).ignite().cluster().localNode();
            int parts = affinity.allPartitions(n).length;
            if (i == 2) {
                assertEquals(0, parts, "rack=b node holds partitions of the pinned zone");
            } else {
                assertTrue(parts > 0);
            }
            total += affinity.primaryPartitions(n).length;
        }
        assertEquals(1024, total);
        // The rack=b node still serves a tenant of the pinned zone (through the nodes that hold it).
        ok(2, "POST", "/admin/tenants/pin-1/assign?zone=pinned", 200);
        await().atMost(Duration.ofSeconds(10)).until(() -> nodes.get(2).registry().route("pin-1").zone()
                .equals("pinned"));
        TenantKey k = TenantKey.of("pin-1", "x");
        nodes.get(2).cache().set(k, b("1"), 0, 0).join();
        assertEquals("1", text(nodes.get(2).cache().get(k).join()));
        assertEquals(0, nodes.get(2).ignite().cache(CacheNames.zoneCache("pinned")).localSize());
        // Not holding the zone is not a reason to refuse a stop, and status still renders.
        assertFalse(nodes.get(2).status().safety().reasons().stream().anyMatch(r -> r.contains("pinned")),
                nodes.get(2).status().safety().reasons().toString());
        JsonNode zone = ok(2, "GET", "/admin/zones/pinned", 200);
        assertEquals(List.of("tenants-br-0", "tenants-br-1"),
                JSON.convertValue(zone.get("nodes"), List.class));
        assertEquals("a", zone.get("nodeFilter").get("rack").asText());
        assertTrue(zone.get("tenants").toString().contains("pin-1"));
    }

    /** One text-protocol exchange: sends {@code command} and reads lines until one of {@code ends}. */
    static String memcached(int node, String command, String... ends) throws Exception {
        try (Socket s = new Socket("127.0.0.1", nodes.get(node).ports().get("memcached"))) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(command.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                    StandardCharsets.ISO_8859_1));
            StringBuilder sb = new StringBuilder();
            while (true) {
                String line = in.readLine();
                if (line == null) {
                    return sb.toString();
                }
                sb.append(line).append('\n');
                for (String end : ends) {
                    if (line.startsWith(end)) {
                        return sb.toString();
                    }
                }
            }
        }
    }

    /** A binary get; returns {status, value}. */
    static Object[] binaryGet(int node, String key) throws Exception {
        try (Socket s = new Socket("127.0.0.1", nodes.get(node).ports().get("memcached"))) {
            s.setSoTimeout(10_000);
            byte[] k = key.getBytes(StandardCharsets.US_ASCII);
            java.nio.ByteBuffer req = java.nio.ByteBuffer.allocate(24 + k.length);
            req.put((byte) 0x80).put((byte) 0x00).putShort((short) k.length).put((byte) 0).put((byte) 0)
                    .putShort((short) 0).putInt(k.length).putInt(7).putLong(0).put(k);
            s.getOutputStream().write(req.array());
            java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
            byte[] header = new byte[24];
            in.readFully(header);
            java.nio.ByteBuffer h = java.nio.ByteBuffer.wrap(header);
            int extras = h.get(4) & 0xff;
            int status = h.getShort(6) & 0xffff;
            int body = h.getInt(8);
            int keyLen = h.getShort(2) & 0xffff;
            byte[] rest = new byte[body];
            in.readFully(rest);
            return new Object[] {status, new String(rest, extras + keyLen, body - extras - keyLen,
                    StandardCharsets.ISO_8859_1)};
        }
    }

    @Test
    void maintenanceMissModeServesMissesAndStoresNothingWhileOtherTenantsWork() throws Exception {
        assertEquals("STORED\n", memcached(0, "set quiet:a 0 0 1\r\n1\r\n", "STORED"));
        assertEquals("STORED\n", memcached(0, "set loud:a 0 0 1\r\n2\r\n", "STORED"));
        ok(1, "POST", "/admin/tenants/quiet/maintenance?on=true&by=ops", 200);
        await().atMost(Duration.ofSeconds(10)).until(() -> nodes.stream()
                .allMatch(n -> n.registry().route("quiet").maintenance()));
        for (int node = 0; node < 3; node++) {
            assertEquals("END\n", memcached(node, "get quiet:a\r\n", "END"));
            assertEquals("STORED\n", memcached(node, "set quiet:b 0 0 1\r\nx\r\n", "STORED", "SERVER_ERROR"));
            assertEquals("NOT_FOUND\n", memcached(node, "delete quiet:a\r\n", "NOT_FOUND", "DELETED"));
            assertEquals("NOT_FOUND\n", memcached(node, "incr quiet:a 1\r\n", "NOT_FOUND", "SERVER_ERROR", "1"));
            assertEquals("EN\n", memcached(node, "mg quiet:a v\r\n", "EN", "VA", "SERVER_ERROR"));
            assertEquals("HD\n", memcached(node, "ms quiet:c 1\r\nz\r\n", "HD", "SERVER_ERROR", "NS"));
            Object[] bin = binaryGet(node, "quiet:a");
            assertEquals(1, bin[0], "binary get of a tenant in maintenance (miss mode) must be Not found");
            // The other tenant is untouched.
            assertEquals("VALUE loud:a 0 1\n2\nEND\n", memcached(node, "get loud:a\r\n", "END"));
            assertEquals(0, binaryGet(node, "loud:a")[0]);
            assertEquals("2", binaryGet(node, "loud:a")[1]);
        }
        assertEquals(0, entriesIn("default", "quiet") - 1, "maintenance writes must store nothing");
        JsonNode t = ok(2, "GET", "/admin/tenants/quiet", 200);
        assertEquals("maintenance", t.get("state").asText());
        assertEquals("ops", t.get("record").get("changedBy").asText());
        String metrics = http(0, "GET", "/metrics").body();
        assertTrue(metrics.contains("hearth_tenants_in_maintenance{node=\"tenants-br-0\"} 1"), metrics);
        ok(1, "POST", "/admin/tenants/quiet/maintenance?on=false", 200);
        await().atMost(Duration.ofSeconds(10)).until(() -> nodes.stream()
                .noneMatch(n -> n.registry().route("quiet").maintenance()));
        // Data written before maintenance is still there.
        assertEquals("VALUE quiet:a 0 1\n1\nEND\n", memcached(2, "get quiet:a\r\n", "END"));
        assertEquals("END\n", memcached(2, "get quiet:b\r\n", "END"));
    }

    @Test
    void flushRemovesEveryKeyOfOneTenantOnly() throws Exception {
        for (int i = 0; i < 300; i++) {
            nodes.get(i % 3).cache().set(TenantKey.of("flush-me", "k" + i), b("v"), 0, 0).join();
            nodes.get(i % 3).cache().set(TenantKey.of("keep-me", "k" + i), b("v"), 0, 0).join();
        }
        JsonNode r = ok(1, "POST", "/admin/tenants/flush-me/flush?by=test", 200);
        assertEquals(300, r.get("removed").asLong());
        assertEquals(0, entriesIn("default", "flush-me"));
        assertEquals(300, entriesIn("default", "keep-me"));
        assertNull(nodes.get(0).cache().get(TenantKey.of("flush-me", "k1")).join());
        assertEquals("v", text(nodes.get(0).cache().get(TenantKey.of("keep-me", "k1")).join()));
    }

    @Test
    void badRequestsGetClearErrors() throws Exception {
        assertEquals(404, http(0, "POST", "/admin/tenants/t-1/assign?zone=nope").statusCode());
        assertTrue(http(0, "POST", "/admin/tenants/t-1/assign?zone=nope").body().contains("no zone named 'nope'"));
        assertEquals(400, http(0, "POST", "/admin/tenants/t-1/assign").statusCode());
        HttpResponse<String> badName = http(0, "POST", "/admin/tenants/-bad/assign?zone=z2");
        assertEquals(400, badName.statusCode());
        assertTrue(badName.body().contains("invalid tenant name"), badName.body());
        assertEquals(400, http(0, "POST", "/admin/tenants/t-1/maintenance").statusCode());
        assertEquals(400, http(0, "POST", "/admin/tenants/t-1/maintenance?on=maybe").statusCode());
        assertEquals(400, http(0, "POST", "/admin/zones/z2/maintenance?on=yes").statusCode());
        assertEquals(404, http(0, "POST", "/admin/zones/nope/maintenance?on=true").statusCode());
        assertEquals(404, http(0, "GET", "/admin/zones/nope").statusCode());
        assertEquals(400, http(0, "POST", "/admin/tenants/t-1/move").statusCode());
        assertEquals(405, http(0, "GET", "/admin/tenants/t-1/assign?zone=z2").statusCode());
        assertEquals(400, http(0, "POST", "/admin/tenants/t-1/flush?by=%07").statusCode());
        // A tenant with keys in its current zone cannot be re-assigned (its keys would vanish): move it.
        nodes.get(0).cache().set(TenantKey.of("sticky", "k"), b("v"), 0, 0).join();
        HttpResponse<String> conflict = http(0, "POST", "/admin/tenants/sticky/assign?zone=z2");
        assertEquals(409, conflict.statusCode());
        assertTrue(conflict.body().contains("has keys in zone default"), conflict.body());
        assertEquals(409, http(0, "POST", "/admin/tenants/sticky/move?zone=default").statusCode());
        // Nothing changed for the refused tenant.
        assertTrue(nodes.get(0).registry().get("sticky").isEmpty());
        assertEquals("v", text(nodes.get(1).cache().get(TenantKey.of("sticky", "k")).join()));
    }

    @Test
    void listingsAndMetricsShowZonesAndTenants() throws Exception {
        nodes.get(0).cache().set(TenantKey.of("listed", "k"), b("v"), 0, 0).join();
        nodes.get(0).cache().get(TenantKey.of("listed", "k")).join();
        nodes.get(0).cache().get(TenantKey.of("listed", "absent")).join();
        JsonNode zones = ok(0, "GET", "/admin/zones", 200);
        assertEquals(3, zones.get("zones").size());
        assertEquals("zone", zones.get("placement").get("mode").asText());
        JsonNode tenants = ok(0, "GET", "/admin/tenants", 200);
        assertTrue(tenants.toString().contains("\"listed\""));
        JsonNode one = ok(0, "GET", "/admin/tenants/listed", 200);
        assertEquals(false, one.get("registered").asBoolean());
        assertEquals("default", one.get("zone").asText());
        assertEquals(1, one.get("hits").asLong());
        assertEquals(1, one.get("misses").asLong());
        String metrics = http(0, "GET", "/metrics").body();
        assertTrue(metrics.contains("hearth_tenant_hits_total{node=\"tenants-br-0\",tenant=\"listed\"} 1"),
                metrics);
        assertTrue(metrics.contains("hearth_tenant_operations_total{node=\"tenants-br-0\",tenant=\"other\"}"));
        assertTrue(metrics.contains("hearth_zone_bytes{node=\"tenants-br-0\",zone=\"pinned\"}"));
        assertTrue(metrics.contains("hearth_zone_maintenance{node=\"tenants-br-0\",zone=\"z2\"}"));
        // Cluster-wide figures come from the oldest node only, so that a sum over the nodes counts them once.
        assertTrue(metrics.contains("hearth_coordinator{node=\"tenants-br-0\"} 1.0"), metrics);
        String other = http(1, "GET", "/metrics").body();
        assertTrue(other.contains("hearth_coordinator{node=\"tenants-br-1\"} 0.0"), other);
        for (String clusterWide : List.of("hearth_zone_bytes", "hearth_zone_maintenance", "hearth_zone_entries",
                "hearth_cluster_size")) {
            assertTrue(metrics.contains(clusterWide + "{"), clusterWide + " on the coordinator");
            assertFalse(other.contains(clusterWide + "{"), clusterWide + " only on the coordinator:\n" + other);
        }
        assertTrue(other.contains("hearth_ready{node=\"tenants-br-1\"} 1.0"), "per-node figures stay");
    }

    @Test
    void aMoveLeftHalfWayServesBothZonesAndRunningItAgainFinishesIt() throws Exception {
        for (int i = 0; i < 50; i++) {
            nodes.get(i % 3).cache().set(TenantKey.of("resume", "k" + i), b("v" + i), 0, 0).join();
        }
        // As if the node running the move had died right after recording it.
        TenantRecord rec = nodes.get(0).registry().startMove("resume", "z2", "test");
        nodes.get(0).registry().awaitEverywhere(rec);
        nodes.get(2).cache().set(TenantKey.of("resume", "new"), b("n"), 0, 0).join();
        assertEquals(1, entriesIn("z2", "resume"));
        for (int i = 0; i < 50; i++) {
            assertEquals("v" + i, text(nodes.get(1).cache().get(TenantKey.of("resume", "k" + i)).join()));
        }
        assertEquals(409, http(0, "POST", "/admin/tenants/resume/move?zone=pinned").statusCode());
        assertEquals(409, http(0, "POST", "/admin/tenants/resume/assign?zone=z2").statusCode());
        assertEquals(409, http(0, "POST", "/admin/tenants/resume/flush").statusCode());
        ok(0, "POST", "/admin/tenants/resume/move?zone=z2&by=again", 202);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
                ok(0, "GET", "/admin/tenants/resume", 200).get("move").get("state").asText().equals("done"));
        assertEquals(0, entriesIn("default", "resume"));
        assertEquals(51, entriesIn("z2", "resume"));
        await().atMost(Duration.ofSeconds(10)).until(() -> nodes.stream()
                .allMatch(n -> n.registry().route("resume").movingFrom() == null));
        assertEquals("v7", text(nodes.get(2).cache().get(TenantKey.of("resume", "k7")).join()));
    }

    @Test
    void moveUnderConcurrentWritesLosesNoAcknowledgedWriteAndEmptiesTheOldZone() throws Exception {
        String tenant = "mover";
        int keys = 1500;
        // Expected state per key: last acknowledged value, or "" for deleted / never written.
        ConcurrentHashMap<Integer, String> acked = new ConcurrentHashMap<>();
        for (int i = 0; i < keys; i++) {
            nodes.get(i % 3).cache().set(TenantKey.of(tenant, "k" + i), b("init-" + i), 0, 0).join();
            acked.put(i, "init-" + i);
        }
        // A few keys with a TTL, which the move must keep.
        for (int i = 0; i < 10; i++) {
            nodes.get(0).cache().set(TenantKey.of(tenant, "ttl" + i), b("t"), 0,
                    System.currentTimeMillis() + 600_000).join();
        }
        // Keys nobody writes during the move: every read of them, on any node, must find them (new zone, then old).
        int fixed = 300;
        for (int i = 0; i < fixed; i++) {
            nodes.get(i % 3).cache().set(TenantKey.of(tenant, "fixed" + i), b("f" + i), 0, 0).join();
        }
        AtomicLong fixedReads = new AtomicLong();
        AtomicLong fixedMisses = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean moving = new AtomicBoolean();
        AtomicLong writesDuringMove = new AtomicLong();
        AtomicLong writes = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            int id = w;
            Thread t = new Thread(() -> {
                Random rnd = new Random(id);
                long seq = 0;
                while (!stop.get()) {
                    // Writer w owns the keys i with i % 3 == w, so each key's last acknowledged write is known.
                    int i = rnd.nextInt(keys / 3) * 3 + id;
                    TenantKey k = TenantKey.of(tenant, "k" + i);
                    boolean during = moving.get();
                    try {
                        int op = rnd.nextInt(10);
                        if (op == 0) {
                            nodes.get(id).cache().mutate(k, Mutation.delete(0)).join();
                            acked.put(i, "");
                        } else if (op == 1) {
                            Mutation.Outcome o = nodes.get(id).cache()
                                    .mutate(k, Mutation.concat(b("+"), true, 0, 1 << 20)).join();
                            if (o.status() == Mutation.Status.STORED) {
                                acked.put(i, acked.get(i) + "+");
                            }
                        } else {
                            String v = "w" + id + "-" + (seq++);
                            nodes.get(id).cache().set(k, b(v), 0, 0).join();
                            acked.put(i, v);
                        }
                        writes.incrementAndGet();
                        if (during) {
                            writesDuringMove.incrementAndGet();
                        }
                    } catch (RuntimeException e) {
                        failures.incrementAndGet();
                    }
                }
            }, "move-writer-" + w);
            t.start();
            writers.add(t);
        }
        Thread reader = new Thread(() -> {
            Random rnd = new Random(99);
            while (!stop.get()) {
                int i = rnd.nextInt(fixed);
                try {
                    String got = text(nodes.get(rnd.nextInt(3)).cache().get(TenantKey.of(tenant, "fixed" + i))
                            .join());
                    fixedReads.incrementAndGet();
                    if (!("f" + i).equals(got)) {
                        fixedMisses.incrementAndGet();
                    }
                } catch (RuntimeException e) {
                    failures.incrementAndGet();
                }
            }
        }, "move-reader");
        reader.start();
        writers.add(reader);
        // The move starts under load: every writer and the reader have gone round a few times.
        await().atMost(Duration.ofSeconds(30)).until(() -> writes.get() >= 100 && fixedReads.get() >= 30);
        moving.set(true);
        JsonNode started = ok(1, "POST", "/admin/tenants/" + tenant + "/move?zone=z2&by=mover-test", 202);
        assertEquals("default", started.get("from").asText());
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> {
            JsonNode j = ok(1, "GET", "/admin/tenants/" + tenant, 200);
            String state = j.get("move").get("state").asText();
            assertFalse(state.equals("failed"), j.toString());
            return state.equals("done");
        });
        // Writes after the move ends must land too.
        long atDone = writes.get();
        await().atMost(Duration.ofSeconds(30)).until(() -> writes.get() >= atDone + 100);
        moving.set(false);
        stop.set(true);
        for (Thread t : writers) {
            t.join(30_000);
        }
        JsonNode after = ok(0, "GET", "/admin/tenants/" + tenant, 200);
        assertEquals("z2", after.get("zone").asText());
        assertTrue(after.get("movingFrom").isNull());
        long lost = 0;
        long resurrected = 0;
        for (int i = 0; i < keys; i++) {
            String got = text(nodes.get(2).cache().get(TenantKey.of(tenant, "k" + i)).join());
            String want = acked.get(i);
            if (want.isEmpty() && got != null) {
                resurrected++;
            } else if (!want.isEmpty() && !want.equals(got)) {
                lost++;
            }
        }
        for (int i = 0; i < 10; i++) {
            Item ttl = nodes.get(1).cache().get(TenantKey.of(tenant, "ttl" + i)).join();
            assertEquals("t", text(ttl));
            assertTrue(ttl.expireAt() > System.currentTimeMillis() + 500_000, "TTL lost in the move");
        }
        System.out.printf("move under load: %d writes acknowledged during the move, %d failed, %d lost, "
                + "%d resurrected, old zone entries left %d, new zone entries %d; %d reads of unchanged keys, "
                + "%d wrong%n", writesDuringMove.get(), failures.get(), lost, resurrected,
                entriesIn("default", tenant), entriesIn("z2", tenant), fixedReads.get(), fixedMisses.get());
        assertEquals(0, fixedMisses.get(), "a read during the move missed a key that was never changed");
        assertEquals(0, failures.get());
        assertTrue(writesDuringMove.get() > 100, "the move finished before the load ran: "
                + writesDuringMove.get());
        assertEquals(0, lost, "acknowledged writes lost");
        assertEquals(0, resurrected, "deleted keys came back");
        assertEquals(0, entriesIn("default", tenant));
    }
}
