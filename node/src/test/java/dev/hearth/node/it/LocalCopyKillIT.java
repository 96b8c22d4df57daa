package dev.hearth.node.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hearth.storage.Envelope;
import dev.hearth.storage.Item;
import dev.hearth.storage.TenantKey;
import dev.hearth.testing.NodeProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.apache.ignite.Ignition;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.configuration.ClientConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of every node of a 3-node cluster under a write load, then all three started together while an application
 * writes from the moment any node answers: every key written before the last local-copy write comes back from the
 * nodes' disks, and so does every write acknowledged during the restart. (Those early writes once made every node take
 * the cluster for a live one and load nothing: bench/one-gib.sh STEPS=kill9 lost every key.) The writes up to the kill
 * leave the two owners of most partitions with files of different moments: each partition's owners install the same
 * merge of both, with no entry sent through the cluster.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class LocalCopyKillIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void everyKeyIsBackAfterEveryNodeWasKilled() throws Exception {
        int n = 3000;
        try (ProcessCluster cluster = new ProcessCluster("lckill", 3, dir, "localCopy.interval=2s").start()) {
            try (TextClient c = new TextClient(cluster.node(0).ports().memcached(), 5000)) {
                for (int i = 0; i < n; i++) {
                    assertEquals("STORED", c.set("k" + i, "v" + i));
                }
            }
            // Every key twice on disk (primary and backup copy) once the writes caught up.
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.nodes.stream()
                    .mapToLong(x -> localCopy(x).path("entries").asLong()).sum() == 2L * n);
            String[] addresses = cluster.nodes.stream().map(NodeProcess::thinClientAddress).toArray(String[]::new);
            // A write load up to the kill: each node writes its changed partitions on its own schedule, so the two
            // files of a partition end at different writes.
            AtomicBoolean stopBefore = new AtomicBoolean();
            Queue<String> before = new ConcurrentLinkedQueue<>();
            Thread load = new Thread(() -> writeUntil(stopBefore, addresses, "before", before), "load-writer");
            load.setDaemon(true);
            load.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> before.size() > 500);
            // Every write acknowledged up to here is on every owner's disk once each node has finished a write round
            // that began after it; the load goes on until the kill.
            int oldEnough = before.size();
            long mark = System.currentTimeMillis();
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.nodes.stream().allMatch(x -> {
                JsonNode lc = localCopy(x);
                return lc.path("lastWriteAt").asLong() - lc.path("lastWriteMillis").asLong() > mark;
            }));
            for (NodeProcess x : cluster.nodes) {
                x.kill9();
            }
            stopBefore.set(true);
            load.join(10_000);
            AtomicBoolean stop = new AtomicBoolean();
            Queue<String> early = new ConcurrentLinkedQueue<>();
            Thread app = new Thread(() -> writeUntil(stop, addresses, "early", early), "app-writer");
            app.setDaemon(true);
            app.start();
            for (NodeProcess x : cluster.nodes) {
                x.start();
            }
            for (NodeProcess x : cluster.nodes) {
                x.awaitReady(Duration.ofSeconds(60));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> cluster.nodes.stream()
                    .allMatch(x -> localCopy(x).path("lastLoad").path("state").asText().equals("complete")));
            stop.set(true);
            app.join(10_000);
            long sent = cluster.nodes.stream().mapToLong(x -> localCopy(x).path("lastLoad").path("entriesSent")
                    .asLong()).sum();
            long installed = cluster.nodes.stream().mapToLong(x -> localCopy(x).path("lastLoad")
                    .path("installedLocally").asLong()).sum();
            // Copies installed locally on each owner must be alike: verify compares every key's copies.
            String job = JSON.readTree(cluster.node(0).post("/admin/verify?zone=default").body()).path("id").asText();
            JsonNode[] verify = new JsonNode[1];
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                verify[0] = JSON.readTree(cluster.node(0).get("/admin/verify/" + job).body());
                return !verify[0].path("state").asText().equals("running");
            });
            int back = 0;
            try (TextClient c = new TextClient(cluster.node(1).ports().memcached(), 5000)) {
                for (int i = 0; i < n; i++) {
                    if (("v" + i).equals(c.get("k" + i))) {
                        back++;
                    }
                }
            }
            long earlyBack;
            long beforeBack;
            List<String> beforeKill = List.copyOf(before);
            try (IgniteClient c = cluster.client(Duration.ofSeconds(10))) {
                ClientCache<String, byte[]> zone = ProcessCluster.zone(c);
                earlyBack = early.stream().filter(k -> zone.get(k) != null).count();
                beforeBack = beforeKill.subList(0, oldEnough).stream().filter(k -> zone.get(k) != null).count();
            }
            long checked = verify[0].path("totals").path("entriesChecked").asLong();
            long damaged = verify[0].path("totals").path("damagedEntries").asLong();
            System.out.printf("local copy after kill -9 of every node: %d of %d keys back (%d copies installed "
                    + "locally, %d entries sent by the three loads); of %d writes acknowledged under the load up to "
                    + "the kill, %d of the %d on disk before it back; %d of %d writes acknowledged during the restart "
                    + "back; verify: %d entries checked, %d damaged%n", back, n, installed, sent, beforeKill.size(),
                    beforeBack, oldEnough, earlyBack, early.size(), checked, damaged);
            assertEquals("complete", verify[0].path("state").asText(), verify[0].toString());
            assertTrue(checked >= n, verify[0].toString());
            assertEquals(0, damaged, "copies differ after the restart: " + verify[0]);
            // Every key's two copies come back installed on the node that holds the copy, the partitions whose files
            // differ as one merge on both owners; nothing goes through the cluster.
            assertTrue(installed >= 2L * (n + oldEnough), installed + " installed < " + 2 * (n + oldEnough));
            assertEquals(0, sent, "entries sent through the cluster");
            assertEquals(oldEnough, beforeBack, "writes acknowledged before every node's last write round began");
            assertTrue(early.size() > 0, "the application wrote while the nodes came back");
            assertEquals(n, back, "keys back after kill -9 of every node");
            assertEquals(early.size(), earlyBack, "writes acknowledged during the restart");
        }
    }

    /** An application: writes new keys through the thin client whenever a node answers, until {@code stop}. */
    private static void writeUntil(AtomicBoolean stop, String[] addresses, String tenant, Queue<String> acked) {
        int i = 0;
        while (!stop.get()) {
            try (IgniteClient c = Ignition.startClient(new ClientConfiguration().setAddresses(addresses)
                    .setTimeout(2000))) {
                ClientCache<String, byte[]> zone = ProcessCluster.zone(c);
                while (!stop.get()) {
                    TenantKey k = TenantKey.of(tenant, "e" + i++);
                    zone.put(k.storageKey(), Envelope.encode(k, new Item(new byte[] {1}, 0, 1, 0, false)));
                    acked.add(k.storageKey());
                }
            } catch (RuntimeException notYet) {
                // No node answers yet (or the one it used just went): an application retries.
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
        }
    }

    private static JsonNode localCopy(NodeProcess x) {
        NodeProcess.Response r = x.get("/status");
        if (r.statusCode() != 200) {
            return JSON.missingNode();
        }
        try {
            return JSON.readTree(r.body()).path("localCopy");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
