package dev.hearth.client.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.client.ClientStats;
import dev.hearth.client.Codec;
import dev.hearth.client.HearthClient;
import dev.hearth.client.HearthException;
import dev.hearth.client.testing.InJvmCluster;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The registry's life as a client sees it, on one in-JVM node: a cluster without the registry (every tenant in zone
 * default), the registry appearing, a pinned client, and the cluster going away (failed reads are counted and the
 * last reading stays in use).
 */
@Timeout(120)
class RegistryLifecycleIT {
    @Test
    void withoutRegistryThenWithItThenUnreachable() throws Exception {
        try (InJvmCluster cluster = InJvmCluster.start(1, "default", "z1", "pin");
             HearthClient client = HearthClient.builder().addresses(cluster.addresses())
                     .timeout(Duration.ofSeconds(2)).registryRefreshInterval(Duration.ofMillis(100))
                     .maxRegistryAge(Duration.ofMillis(500)).build();
             HearthClient pinned = HearthClient.builder().addresses(cluster.addresses()).zone("pin")
                     .timeout(Duration.ofSeconds(2)).registryRefreshInterval(Duration.ofMillis(100)).build()) {
            // No registry cache: nodes from before the registry. Every tenant goes to zone default.
            client.tenant("t1", Codec.utf8()).put("k", "a");
            assertTrue(cluster.zone("default").containsKey("t1:k"));
            assertEquals(0, client.stats().registryRefreshFailures(), "a missing registry is not a failure");

            // The pinned client writes to its zone whatever the registry says.
            pinned.tenant("t1", Codec.utf8()).put("p", "b");
            assertTrue(cluster.zone("pin").containsKey("t1:p"));

            cluster.createRegistry();
            cluster.tenant("t1", "z1", "maintenance", null);
            cluster.placement("{\"mode\":\"zone\",\"zone\":\"default\",\"maintenanceMode\":\"miss\"}");
            await().atMost(Duration.ofSeconds(10)).until(() -> !client.isAvailable("t1"));
            await().atMost(Duration.ofSeconds(10)).until(() -> !pinned.isAvailable("t1"));
            cluster.tenant("t1", "z1", "active", null);
            await().atMost(Duration.ofSeconds(10)).until(() -> client.isAvailable("t1"));
            client.tenant("t1", Codec.utf8()).put("k2", "c");
            assertTrue(client.stats().healthy() && !client.stats().writesRefused(), client.stats().toString());
            assertTrue(cluster.zone("z1").containsKey("t1:k2"));
            pinned.tenant("t1", Codec.utf8()).put("p2", "d");
            assertTrue(cluster.zone("pin").containsKey("t1:p2"), "pinned: the tenant record's zone is ignored");

            // Maintenance on, then the cluster goes away: the last reading stays.
            cluster.tenant("t1", "z1", "maintenance", null);
            await().atMost(Duration.ofSeconds(10)).until(() -> !client.isAvailable("t1"));
            long failuresBefore = client.stats().registryRefreshFailures();
            cluster.stop(0);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> client.stats().registryRefreshFailures() >= failuresBefore + 3);
            ClientStats s = client.stats();
            assertFalse(client.isAvailable("t1"), "the last reading stays in use");
            assertTrue(client.isAvailable("t2"));
            long age = s.registryAgeMillis();
            assertTrue(age >= 200, "the reading in use is getting old: " + age);
            // Older than maxRegistryAge: writes are refused (the tenant may have moved), whatever else fails.
            await().atMost(Duration.ofSeconds(10)).until(() -> client.stats().registryAgeMillis() > 600);
            HearthException refused = assertThrows(HearthException.class,
                    () -> client.tenant("t2", Codec.utf8()).put("k", "v"));
            assertTrue(refused.getMessage().contains("maxRegistryAge"), refused.getMessage());
            // The stats say so too: a health check that read only the circuit said UP while every write failed.
            assertTrue(client.stats().writesRefused(), client.stats().toString());
            assertFalse(client.stats().healthy());
            HearthException read = assertThrows(HearthException.class, () -> client.tenant("t2", Codec.utf8()).get("k"));
            assertFalse(read.getMessage().contains("maxRegistryAge"), "reads are not refused for an old reading");
        }
    }
}
