package dev.hearth.node.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of every node of a 3-node cluster, then all three started together: every key written before the last
 * local-copy write comes back from the nodes' disks.
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
            try (TextClient c = new TextClient(cluster.node(0).memcachedPort, 5000)) {
                for (int i = 0; i < n; i++) {
                    assertEquals("STORED", c.set("k" + i, "v" + i));
                }
            }
            // Every key twice on disk (primary and backup copy) once the writes caught up.
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.nodes.stream()
                    .mapToLong(x -> localCopy(x).path("entries").asLong()).sum() == 2L * n);
            for (NodeProcess x : cluster.nodes) {
                x.kill9();
            }
            for (NodeProcess x : cluster.nodes) {
                x.start();
            }
            for (NodeProcess x : cluster.nodes) {
                x.awaitReady(Duration.ofSeconds(60));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> cluster.nodes.stream()
                    .allMatch(x -> localCopy(x).path("lastLoad").path("state").asText().equals("complete")));
            long sent = cluster.nodes.stream().mapToLong(x -> localCopy(x).path("lastLoad").path("entriesSent")
                    .asLong()).sum();
            int back = 0;
            try (TextClient c = new TextClient(cluster.node(1).memcachedPort, 5000)) {
                for (int i = 0; i < n; i++) {
                    if (("v" + i).equals(c.get("k" + i))) {
                        back++;
                    }
                }
            }
            System.out.printf("local copy after kill -9 of every node: %d of %d keys back (%d entries sent by the "
                    + "three loads)%n", back, n, sent);
            assertEquals(n, back, "keys back after kill -9 of every node");
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
