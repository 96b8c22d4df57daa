package dev.hearth.cli.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.cli.CliRun;
import dev.hearth.cli.http.AdminClient;
import dev.hearth.cli.output.Bytes;
import dev.hearth.client.Codec;
import dev.hearth.client.HearthClient;
import dev.hearth.client.TenantCache;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.IgniteClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * hearthctl's zone and tenant commands, the nodes' registry and hearth-client together on a real 2-node cluster
 * ({@code hearthctl local up}): a move under a client's writes loses no acknowledged write, maintenance switched
 * with hearthctl reaches the client, flush removes what the client wrote.
 */
@Timeout(600)
class TenantCommandsIT {
    @TempDir
    Path dir;

    private static CliRun ctl(LocalClusterProcess cluster, String... args) {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--admin";
        all[args.length + 1] = cluster.admin();
        CliRun r = CliRun.of(all);
        System.out.println("$ hearthctl " + String.join(" ", args) + "\n" + r);
        return r;
    }

    @Test
    void zonesTenantsMoveMaintenanceFlushWithARealClient() throws Exception {
        try (LocalClusterProcess cluster = new LocalClusterProcess(2, dir, "zones.z1.memory=32m",
                "zones.z2.memory=32m").start()) {
            try {
                run(cluster);
                addressesContextsAndYaml(cluster, dir);
                dumpDeleteAndPrune(cluster);
                jobsListedAndCancelled(cluster);
            } catch (Throwable t) {
                System.out.println("--- hearthctl local output\n" + cluster.output());
                throw t;
            }
        }
    }

    /**
     * Where hearthctl finds the cluster: of several admin addresses the first that answers (a dead one first), a
     * context file naming them, and the same answer as YAML.
     */
    private static void addressesContextsAndYaml(LocalClusterProcess cluster, Path dir) throws Exception {
        String dead = "127.0.0.1:" + dev.hearth.testing.FreePorts.one();
        CliRun json = CliRun.of("zone", "list", "--admin", cluster.admin(), "-o", "json");
        assertEquals(0, json.code(), json.toString());
        CliRun yaml = CliRun.of("zone", "list", "--admin", dead + "," + cluster.admin(), "-o", "yaml");
        assertEquals(0, yaml.code(), yaml.toString());
        com.fasterxml.jackson.databind.ObjectMapper yamlMapper = new com.fasterxml.jackson.databind.ObjectMapper(
                new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
        assertEquals(AdminClient.JSON.readTree(json.out()), yamlMapper.readTree(yaml.out()),
                "-o yaml is the same tree as -o json:\n" + yaml.out());

        java.nio.file.Path config = dir.resolve("hearthctl-config.yaml");
        java.nio.file.Files.writeString(config, "current-context: it\ncontexts:\n  it:\n    admin: [" + dead + ", "
                + cluster.admin() + "]\n  other:\n    admin: " + dead + "\n");
        CliRun viaContext = CliRun.of("zone", "list", "--config", config.toString(), "-o", "json");
        assertEquals(0, viaContext.code(), viaContext.toString());
        assertEquals(AdminClient.JSON.readTree(json.out()), AdminClient.JSON.readTree(viaContext.out()));
        CliRun deadContext = CliRun.of("zone", "list", "--config", config.toString(), "--context", "other");
        assertEquals(4, deadContext.code(), "only a dead address: unreachable\n" + deadContext);
        CliRun optionWins = CliRun.of("zone", "list", "--config", config.toString(), "--context", "other",
                "--admin", cluster.admin());
        assertEquals(0, optionWins.code(), optionWins.toString());
        CliRun unknown = CliRun.of("zone", "list", "--config", config.toString(), "--context", "nope");
        assertEquals(2, unknown.code(), unknown.toString());
        assertTrue(unknown.err().contains("contexts: it, other"), unknown.toString());
    }

    /** Manual dumps go with dump delete and dump prune, from every node, only with --yes. */
    private static void dumpDeleteAndPrune(LocalClusterProcess cluster) throws Exception {
        for (String name : List.of("keep-a1", "keep-a2", "other-b1")) {
            CliRun created = ctl(cluster, "dump", "create", "--name", name);
            assertEquals(0, created.code(), created.toString());
        }
        CliRun noYes = ctl(cluster, "dump", "delete", "keep-a1");
        assertEquals(2, noYes.code(), noYes.toString());
        assertTrue(noYes.err().contains("--yes"), noYes.toString());
        CliRun dry = ctl(cluster, "dump", "delete", "keep-a1", "--dry-run", "-o", "json");
        assertEquals(0, dry.code(), dry.toString());
        assertEquals(2, AdminClient.JSON.readTree(dry.out()).path("dumps").size(), "held by both nodes: " + dry);
        assertEquals(3, dumpNames(cluster).size(), "a dry run deletes nothing");

        CliRun deleted = ctl(cluster, "dump", "delete", "keep-a1", "--yes", "-o", "json");
        assertEquals(0, deleted.code(), deleted.toString());
        for (com.fasterxml.jackson.databind.JsonNode r : AdminClient.JSON.readTree(deleted.out()).path("dumps")) {
            assertEquals("deleted", r.path("result").asText(), deleted.toString());
        }
        assertEquals(List.of("keep-a2", "other-b1"), dumpNames(cluster));
        CliRun unknown = ctl(cluster, "dump", "delete", "keep-a1", "--yes");
        assertEquals(1, unknown.code(), unknown.toString());

        CliRun prunePrefix = ctl(cluster, "dump", "prune", "--keep", "1", "--prefix", "keep-", "--yes");
        assertEquals(0, prunePrefix.code(), prunePrefix.toString());
        assertEquals(List.of("keep-a2", "other-b1"), dumpNames(cluster), "the newest keep- dump is kept");
        CliRun pruneAll = ctl(cluster, "dump", "prune", "--keep", "0", "--yes");
        assertEquals(0, pruneAll.code(), pruneAll.toString());
        assertEquals(List.of(), dumpNames(cluster));
    }

    /**
     * A verify and a warm-up slowed down with a rate, seen by job list and in /metrics while they run, and stopped by
     * job cancel; a job that is not running cannot be cancelled.
     */
    private static void jobsListedAndCancelled(LocalClusterProcess cluster) throws Exception {
        List<String> thin = List.of("127.0.0.1:" + cluster.thinClientPort(0), "127.0.0.1:" + cluster.thinClientPort(1));
        try (HearthClient client = HearthClient.builder().addresses(thin).timeout(Duration.ofSeconds(3)).build()) {
            TenantCache<String> t = client.tenant("t-jobs", Codec.utf8());
            for (int i = 0; i < 200; i++) {
                t.put("j" + i, "v" + i);
            }
        }
        CliRun none = ctl(cluster, "job", "cancel", "verify-999");
        assertEquals(2, none.code(), none.toString());
        CliRun bad = ctl(cluster, "job", "cancel", "rm -rf");
        assertEquals(2, bad.code(), bad.toString());

        AdminClient n0 = new AdminClient(cluster.admin());
        // 200 entries at 2 per second: 100 s of work, far longer than the test needs it to run.
        String id = n0.post("/admin/verify", AdminClient.params("zone", "default", "rate", "2")).path("id").asText();
        CliRun listed = ctl(cluster, "job", "list", "-o", "json");
        assertEquals(0, listed.code(), listed.toString());
        String node = null;
        for (JsonNode j : AdminClient.JSON.readTree(listed.out()).path("jobs")) {
            if (j.path("id").asText().equals(id) && j.path("state").asText().equals("running")) {
                node = j.path("node").asText();
            }
        }
        assertTrue(node != null, "job list shows " + id + " running: " + listed);
        String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://" + cluster.admin() + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(metrics.contains("hearth_job_running{kind=\"verify\",node=\"" + node + "\"} 1.0"), metrics);
        CliRun cancel = ctl(cluster, "job", "cancel", id);
        assertEquals(0, cancel.code(), cancel.toString());
        await("verify " + id + " is cancelled").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> n0.get("/admin/verify/" + id).path("state").asText().equals("cancelled"));
        CliRun again = ctl(cluster, "job", "cancel", id);
        assertEquals(2, again.code(), "no longer running: " + again);

        CliRun dump = ctl(cluster, "dump", "create", "--name", "jobs-d1");
        assertEquals(0, dump.code(), dump.toString());
        JsonNode warm = n0.post("/admin/warmup", AdminClient.params("from", "jobs-d1", "rate", "1"));
        assertEquals("running", warm.path("state").asText(), warm.toString());
        CliRun cancelWarmup = ctl(cluster, "job", "cancel", "warmup");
        assertEquals(0, cancelWarmup.code(), cancelWarmup.toString());
        await("the warm-up is cancelled").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> n0.get("/admin/warmup").path("state").asText().equals("cancelled"));
        assertTrue(n0.get("/admin/warmup").path("entriesSent").asLong() < 100, "it stopped early");
    }

    private static List<String> dumpNames(LocalClusterProcess cluster) throws Exception {
        CliRun list = ctl(cluster, "dump", "list", "-o", "json");
        assertEquals(0, list.code(), list.toString());
        List<String> names = new java.util.ArrayList<>();
        AdminClient.JSON.readTree(list.out()).path("dumps").forEach(d -> names.add(d.path("name").asText()));
        return names;
    }

    /** Until the client has read the tenant registry twice from now: a reading that began after this moment. */
    private static void awaitFreshRegistry(HearthClient client) {
        long now = client.stats().registryRefreshes();
        await("the client reads the registry again").atMost(Duration.ofSeconds(10))
                .until(() -> client.stats().registryRefreshes() >= now + 2);
    }

    private static void run(LocalClusterProcess cluster) throws Exception {
        {
            // On a loaded machine a node can still be settling (or be restarted by its supervisor) when local up
            // reports ready: wait until the admin port answers the zone routes.
            await("the admin port of n0 answers /admin/zones").atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> CliRun.of("zone", "list", "--admin", cluster.admin()).code() == 0);
            List<String> thin = List.of("127.0.0.1:" + cluster.thinClientPort(0),
                    "127.0.0.1:" + cluster.thinClientPort(1));
            IgniteClient raw = cluster.client();
            try (HearthClient client = HearthClient.builder().addresses(thin).timeout(Duration.ofSeconds(3))
                    .registryRefreshInterval(Duration.ofMillis(200)).build()) {
                // Zones as the nodes configured them; the placement record tells clients the maintenance mode.
                CliRun zones = ctl(cluster, "zone", "list", "-o", "json");
                assertEquals(0, zones.code(), zones.toString());
                JsonNode z = AdminClient.JSON.readTree(zones.out());
                List<String> names = new ArrayList<>();
                z.path("zones").forEach(n -> names.add(n.path("name").asText()));
                assertEquals(List.of("default", "z1", "z2"), names);
                assertEquals("miss", z.path("placement").path("maintenanceMode").asText());
                CliRun table = ctl(cluster, "zone", "list");
                assertEquals(0, table.code(), table.toString());
                String[] lines = table.out().split("\n");
                assertEquals(List.of("ZONE", "MAINTENANCE", "TENANTS", "ENTRIES", "SIZE", "MEMORY", "BACKUPS", "NODES",
                        "NODE-FILTER"), List.of(lines[0].split(" {2,}")));
                List<String> z1row = List.of(lines[2].split(" {2,}"));
                assertEquals(List.of("z1", "no"), z1row.subList(0, 2), table.toString());
                assertEquals(List.of(Bytes.format(32L << 20), "1"), z1row.subList(5, 7), table.toString());
                // NODES: the data nodes the answering node sees for the zone (1 or 2 while the second still joins).
                assertTrue(z1row.get(7).equals("1") || z1row.get(7).equals("2"), table.toString());
                assertEquals("-", z1row.get(8), "no node filter: " + table);

                // A tenant without a record lives in the placement's zone (default).
                TenantCache<String> mv = client.tenant("t-move", Codec.utf8());
                for (int i = 0; i < 500; i++) {
                    mv.put("k" + i, "v" + i);
                }
                ClientCache<String, byte[]> zDefault = raw.cache("hearth-zone-default");
                ClientCache<String, byte[]> z1 = raw.cache("hearth-zone-z1");
                assertTrue(zDefault.containsKey("t-move:k0"));

                CliRun assign = ctl(cluster, "tenant", "assign", "t-move", "--zone", "z1");
                assertEquals(3, assign.code(), "keys in another zone: use move. " + assign);
                CliRun unknown = ctl(cluster, "tenant", "assign", "t-move", "--zone", "nozone");
                assertEquals(2, unknown.code(), unknown.toString());

                // Move while the client writes: no acknowledged write may be lost.
                Map<String, String> acked = new ConcurrentHashMap<>();
                // A put that failed may still have been applied: until the key's next acknowledged put, its value
                // is as right as the acknowledged one.
                Map<String, List<String>> unconfirmed = new ConcurrentHashMap<>();
                AtomicBoolean stop = new AtomicBoolean();
                AtomicInteger failed = new AtomicInteger();
                AtomicInteger acks = new AtomicInteger();
                Thread writer = new Thread(() -> {
                    int i = 0;
                    while (!stop.get()) {
                        String k = (i % 3 == 0 ? "k" + (i % 500) : "w" + i);
                        String v = "x" + i;
                        try {
                            mv.put(k, v);
                            acked.put(k, v);
                            unconfirmed.remove(k);
                            acks.incrementAndGet();
                        } catch (RuntimeException e) {
                            failed.incrementAndGet();
                            unconfirmed.computeIfAbsent(k, key -> new ArrayList<>()).add(v);
                        }
                        i++;
                    }
                }, "it-writer");
                writer.start();
                // Writes acknowledged before the move, and after it: the move happens under a running writer.
                await().atMost(Duration.ofSeconds(30)).until(() -> acks.get() >= 50);
                CliRun move = ctl(cluster, "tenant", "move", "t-move", "--to", "z1", "--wait", "--by", "it", "-o",
                        "json");
                int afterMove = acks.get();
                await().atMost(Duration.ofSeconds(30)).until(() -> acks.get() >= afterMove + 50);
                stop.set(true);
                writer.join();
                assertEquals(0, move.code(), move.toString());
                assertEquals("z1", AdminClient.JSON.readTree(move.out()).path("zone").asText());
                // Writes may fail (not acknowledged) if the client cannot read the registry in time; none may be lost.
                System.out.println("client after the move: " + client.stats());
                awaitFreshRegistry(client);
                int lost = 0;
                for (int i = 0; i < 500; i++) {
                    String k = "k" + i;
                    String want = acked.getOrDefault(k, "v" + i);
                    String got = mv.get(k);
                    if (!want.equals(got) && !unconfirmed.getOrDefault(k, List.of()).contains(got)) {
                        lost++;
                    }
                }
                for (Map.Entry<String, String> e : acked.entrySet()) {
                    String got = mv.get(e.getKey());
                    if (!e.getValue().equals(got)
                            && !unconfirmed.getOrDefault(e.getKey(), List.of()).contains(got)) {
                        lost++;
                    }
                }
                System.out.printf("move under writes: %d acknowledged writes during the move, %d lost, %d failed%n",
                        acked.size(), lost, failed.get());
                assertEquals(0, lost, "acknowledged writes lost by the move");
                assertFalse(zDefault.containsKey("t-move:k0"), "the old zone keeps nothing");
                assertTrue(z1.containsKey("t-move:k0"));

                CliRun show = ctl(cluster, "tenant", "show", "t-move");
                assertEquals(0, show.code(), show.toString());
                assertTrue(show.out().contains("zone:            z1"), show.toString());
                assertTrue(show.out().contains("changed by:      it"), show.toString());

                // Tenant maintenance through hearthctl reaches the client: reads miss, writes are dropped.
                CliRun on = ctl(cluster, "tenant", "maintenance", "on", "t-move");
                assertEquals(0, on.code(), on.toString());
                long t0 = System.nanoTime();
                await("the client sees the maintenance").atMost(Duration.ofSeconds(10))
                        .pollInterval(Duration.ofMillis(20)).until(() -> !client.isAvailable("t-move"));
                System.out.printf("maintenance seen by the client %d ms after hearthctl returned%n",
                        (System.nanoTime() - t0) / 1_000_000);
                assertNull(mv.get("k1"));
                mv.put("during", "x");
                assertFalse(z1.containsKey("t-move:during"), "nothing stored in maintenance");
                assertEquals("loaded", mv.getOrLoad("k1", k -> "loaded", Duration.ZERO));
                assertTrue(client.stats().bypassed() >= 3);
                TenantCache<String> other = client.tenant("t-other", Codec.utf8());
                other.put("a", "b");
                assertEquals("b", other.get("a"), "other tenants untouched");
                CliRun off = ctl(cluster, "tenant", "maintenance", "off", "t-move");
                assertEquals(0, off.code(), off.toString());
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                        .until(() -> client.isAvailable("t-move"));
                assertEquals(acked.getOrDefault("k1", "v1"), mv.get("k1"));

                // Zone maintenance: tenants without a record in that zone (t-other lives in default).
                CliRun zoneUnconfirmed = ctl(cluster, "zone", "maintenance", "on", "default");
                assertEquals(2, zoneUnconfirmed.code(), zoneUnconfirmed.toString());
                CliRun zdry = ctl(cluster, "zone", "maintenance", "on", "default", "--dry-run");
                assertEquals(0, zdry.code(), zdry.toString());
                assertTrue(zdry.out().contains("dry run") && zdry.out().contains("zone default"), zdry.toString());
                assertTrue(client.isAvailable("t-other"), "a dry run changes nothing");
                CliRun zon = ctl(cluster, "zone", "maintenance", "on", "default", "--yes");
                assertEquals(0, zon.code(), zon.toString());
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                        .until(() -> !client.isAvailable("t-other"));
                assertNull(other.get("a"));
                assertTrue(client.isAvailable("t-move"), "a tenant of another zone is untouched");
                CliRun zshow = ctl(cluster, "zone", "show", "default");
                assertTrue(zshow.out().contains("by " + System.getProperty("user.name") + "@"), zshow.toString());
                assertEquals(0, ctl(cluster, "zone", "maintenance", "off", "default").code());
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                        .until(() -> client.isAvailable("t-other"));
                assertEquals("b", other.get("a"));

                // Flush: dry run removes nothing, --yes removes every key.
                CliRun dry = ctl(cluster, "tenant", "flush", "t-move", "--dry-run");
                assertEquals(0, dry.code(), dry.toString());
                assertEquals(acked.getOrDefault("k2", "v2"), mv.get("k2"));
                CliRun flush = ctl(cluster, "tenant", "flush", "t-move", "--yes", "-o", "json");
                assertEquals(0, flush.code(), flush.toString());
                long removed = AdminClient.JSON.readTree(flush.out()).path("removed").asLong();
                assertTrue(removed >= 500, flush.toString());
                assertNull(mv.get("k2"));

                CliRun list = ctl(cluster, "tenant", "list");
                assertEquals(0, list.code(), list.toString());
                String[] rows = list.out().split("\n");
                assertEquals(List.of("TENANT", "ZONE", "STATE", "REGISTERED", "MOVING-FROM", "OPS", "HITS", "MISSES",
                        "CHANGED", "BY"), List.of(rows[0].split(" {2,}")));
                List<String> row = List.of(rows[1].split(" {2,}"));
                assertEquals(List.of("t-move", "z1", "active", "yes", "-"), row.subList(0, 5), list.toString());
                assertTrue(row.get(9).startsWith(System.getProperty("user.name") + "@"), "default --by: " + row);

                // A move without --wait returns at once; tenant show follows it to the end.
                other.put("c", "d");
                CliRun start = ctl(cluster, "tenant", "move", "t-other", "--to", "z2");
                assertEquals(0, start.code(), start.toString());
                assertTrue(start.out().startsWith("moving tenant t-other from zone default to z2"), start.toString());
                await("tenant show follows the move to its end").atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(100)).until(() -> {
                            CliRun s = ctl(cluster, "tenant", "show", "t-other", "-o", "json");
                            assertEquals(0, s.code(), s.toString());
                            return AdminClient.JSON.readTree(s.out()).path("move").path("state").asText()
                                    .equals("done");
                        });
                awaitFreshRegistry(client);
                assertEquals("b", other.get("a"));
                assertEquals("d", other.get("c"));
                assertTrue(raw.cache("hearth-zone-z2").containsKey("t-other:c"));
                CliRun inZ2 = ctl(cluster, "tenant", "list", "--zone", "z2", "-o", "json");
                assertEquals(0, inZ2.code(), inZ2.toString());
                assertEquals(1, AdminClient.JSON.readTree(inZ2.out()).size());
                CliRun zshow2 = ctl(cluster, "zone", "show", "z2");
                assertTrue(zshow2.out().contains("tenants: t-other"), zshow2.toString());
            }
        }
    }
}
