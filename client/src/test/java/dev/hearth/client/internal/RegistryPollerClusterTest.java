package dev.hearth.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.client.Ticker;
import dev.hearth.client.testing.InJvmCluster;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.ignite.Ignition;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.configuration.ClientConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The registry poller against a real node: a reading that fails because the client is closing its connections under
 * it is not a registry failure (a closing API server logged "cannot read the tenant registry ... Channel is closed"
 * at WARNING), while the same failure with the client open is one.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RegistryPollerClusterTest {
    @Test
    void aReadingCutShortByClosingIsNoFailureButAClosedChannelOtherwiseIs() throws Exception {
        try (InJvmCluster cluster = InJvmCluster.start(1, "z")) {
            IgniteClient client = Ignition.startClient(new ClientConfiguration()
                    .setAddresses(cluster.addresses().toArray(String[]::new)));
            StatsRecorder stats = new StatsRecorder();
            AtomicReference<RegistryPoller> poller = new AtomicReference<>();
            // The ticker is read once a reading has begun: closing there is closing while a reading is under way.
            Ticker closingAsTheReadingBegins = () -> {
                RegistryPoller p = poller.get();
                if (p != null) {
                    p.close();
                    client.close();
                }
                return System.nanoTime();
            };
            poller.set(new RegistryPoller(() -> client, null, stats, closingAsTheReadingBegins, Duration.ofSeconds(1),
                    null, 5_000));

            assertFalse(poller.get().refresh(), "the reading failed: its connection was closed under it");
            assertEquals(0, stats.registryRefreshFailures.sum(), "a reading cut short by closing is no failure");

            // The same closed connection, the poller still open: a failure, counted.
            StatsRecorder openStats = new StatsRecorder();
            RegistryPoller open = new RegistryPoller(() -> client, null, openStats, Ticker.system(),
                    Duration.ofSeconds(1), null, 5_000);
            try {
                assertFalse(open.refresh());
                assertEquals(1, openStats.registryRefreshFailures.sum(), "a closed channel under an open poller");
            } finally {
                open.close();
            }

            // And a reading that works is one: the test's client was not broken from the start.
            try (IgniteClient fresh = Ignition.startClient(new ClientConfiguration()
                    .setAddresses(cluster.addresses().toArray(String[]::new)))) {
                StatsRecorder fine = new StatsRecorder();
                RegistryPoller working = new RegistryPoller(() -> fresh, null, fine, Ticker.system(),
                        Duration.ofSeconds(1), null, 5_000);
                try {
                    assertTrue(working.refresh());
                    assertEquals(1, fine.registryRefreshes.sum());
                } finally {
                    working.close();
                }
            }
        }
    }
}
