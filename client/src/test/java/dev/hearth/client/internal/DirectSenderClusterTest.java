package dev.hearth.client.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.client.testing.InJvmCluster;
import dev.hearth.storage.Expiry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.ignite.client.ClientCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link DirectSender} on real nodes: what it sends is what Ignite's own getAsync and putAsync send (values, expiry
 * policies), read back both ways; and it declines, without sending, while the partition map is not current.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class DirectSenderClusterTest {
    private static final String ZONE = "z";

    @Test
    void directGetsAndPutsAreIgnitesOwnRequestsAndDeclineWhileTheMapIsNotCurrent() throws Exception {
        try (InJvmCluster cluster = InJvmCluster.start(2, ZONE)) {
            Connection conn = new Connection(cluster.addresses(), 5_000, cfg -> { }, true);
            try {
                conn.connect();
                Connection.Caches caches = conn.caches(ZONE);
                // No call has fetched this cache's partition map yet: a direct send would have to, so it declines.
                assertNull(conn.sendDirect(caches, null, new IgniteCall.Get("t:first")),
                        "sent before the partition map was fetched");
                // Ignite's own call fetches the map (as the io threads' first call would).
                caches.plain().getAsync("t:first").get(10, TimeUnit.SECONDS);

                ClientCache<String, byte[]> ignite = cluster.zone(ZONE);
                for (int i = 0; i < 200; i++) {
                    CompletableFuture<Object> put = conn.sendDirect(caches, null,
                            new IgniteCall.Put("t:k" + i, bytes("v" + i)));
                    assertNotNull(put, "a put with the map current and every channel open is sent directly");
                    assertNull(put.get(10, TimeUnit.SECONDS));
                }
                for (int i = 0; i < 200; i++) {
                    // Written directly, read through Ignite's API; and the other way round.
                    assertArrayEquals(bytes("v" + i), ignite.get("t:k" + i));
                    ignite.put("t:o" + i, bytes("o" + i));
                    assertArrayEquals(bytes("o" + i), (byte[]) conn.sendDirect(caches, null,
                            new IgniteCall.Get("t:o" + i)).get(10, TimeUnit.SECONDS));
                }
                assertNull(conn.sendDirect(caches, null, new IgniteCall.Get("t:absent")).get(10, TimeUnit.SECONDS));

                // The handle's expiry policy travels with the request: a short one expires, an eternal one does not.
                long now = System.currentTimeMillis();
                conn.sendDirect(caches, Expiry.of(now + 300, now), new IgniteCall.Put("t:short", bytes("s")))
                        .get(10, TimeUnit.SECONDS);
                conn.sendDirect(caches, Expiry.ETERNAL, new IgniteCall.Put("t:long", bytes("l")))
                        .get(10, TimeUnit.SECONDS);
                assertArrayEquals(bytes("s"), ignite.get("t:short"));
                await().atMost(Duration.ofSeconds(10)).until(() -> ignite.get("t:short") == null);
                assertArrayEquals(bytes("l"), ignite.get("t:long"));

                // Any other call is not the sender's to make.
                IgniteCall<Boolean> remove = c -> c.removeAsync("t:long");
                assertNull(conn.sendDirect(caches, null, remove));
                assertTrue(ignite.containsKey("t:long"), "a declined call was not sent");
            } finally {
                conn.close();
            }
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
