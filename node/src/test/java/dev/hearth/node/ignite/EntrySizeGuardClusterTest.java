package dev.hearth.node.ignite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.node.HearthNode;
import dev.hearth.node.TestNodes;
import dev.hearth.node.warmup.WarmupService;
import dev.hearth.storage.Envelope;
import dev.hearth.storage.Item;
import dev.hearth.storage.TenantKey;
import dev.hearth.testing.FreePorts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.Ignition;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.configuration.ClientConfiguration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An entry larger than its zone can make room for is refused with a clear error on every write path, and the node
 * lives on. Without the guard, one such put (8 MiB into a 64 MiB zone) ran the region out of pages, and Ignite halted
 * the node for the out-of-memory: each copy's node in turn.
 */
@Timeout(120)
class EntrySizeGuardClusterTest {
    @TempDir
    static Path dir;
    static HearthNode node;
    static long smallLimit;

    @BeforeAll
    static void start() throws Exception {
        // Zone "small" (16m) cannot hold two 1m items in its empty-page pool: it stores less than memcached.maxItemSize.
        node = HearthNode.start(TestNodes.config("guard", 0, FreePorts.several(1), dir,
                "zones.default.memory=64m", "zones.small.memory=16m", "tenants.placement=small"), null);
        smallLimit = IgniteConfigFactory.zoneMaxEntryBytes(16L << 20, (1L << 20) + IgniteConfigFactory.ENTRY_OVERHEAD_BYTES);
        assertTrue(smallLimit > (512 << 10) && smallLimit < (1 << 20), "16m zone limit " + smallLimit);
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
            // A static field outlives the class's tests: the stopped node and its Ignite would stay on the fork's heap.
            node = null;
        }
    }

    @Test
    void anEntryLargerThanTheZoneCanFreeIsRefusedAndTheNodeLivesOn() {
        IgniteCache<String, byte[]> zone = node.ignite().cache("hearth-zone-default");
        for (int i = 0; i < 20; i++) {
            TenantKey k = TenantKey.of("guard", "big" + i);
            byte[] big = Envelope.encode(k, new Item(new byte[8 << 20], 0, 1, 0, false));
            Exception refused = assertThrows(Exception.class, () -> zone.put(k.storageKey(), big));
            assertEquals("entry too large: " + big.length + " bytes, zone 'default' stores entries of at most "
                    + ((1 << 20) + IgniteConfigFactory.ENTRY_OVERHEAD_BYTES) + " bytes (memcached.maxItemSize plus "
                    + "the key, bounded by zones.default.memory)", EntrySizeGuard.find(refused).getMessage());
        }
        TenantKey k = TenantKey.of("guard", "ok");
        byte[] fits = Envelope.encode(k, new Item(new byte[1 << 20], 0, 1, 0, false));
        zone.put(k.storageKey(), fits);
        assertEquals(fits.length, zone.get(k.storageKey()).length);
        assertTrue(node.status().readiness().ready(), "the node lives on");
    }

    @Test
    void aThinClientReadsWhyItsEntryWasRefused() {
        try (IgniteClient c = Ignition.startClient(new ClientConfiguration()
                .setAddresses("127.0.0.1:" + node.ports().get("thinClient")).setTimeout(10_000))) {
            ClientCache<String, byte[]> zone = c.cache("hearth-zone-default");
            TenantKey k = TenantKey.of("guard", "thin");
            byte[] big = Envelope.encode(k, new Item(new byte[8 << 20], 0, 1, 0, false));
            Exception refused = assertThrows(Exception.class, () -> zone.put(k.storageKey(), big));
            // Ignite's thin-client protocol carries only the partial-update failure, not why; the node logs why.
            assertTrue(TestNodes.messages(refused).contains("Failed to update keys"), TestNodes.messages(refused));
            zone.put(k.storageKey(), Envelope.encode(k, new Item(new byte[] {1}, 0, 1, 0, false)));
        }
    }

    /**
     * A dump or local copy can hold an entry its zone no longer stores (written under a larger maxItemSize or zone):
     * the warm-up skips it and loads the rest. Before, the guard's refusal failed the whole batch, the streamer sent
     * it again until it gave up, and the zone's warm-up ended with nothing of that batch loaded.
     */
    @Test
    void aWarmUpSkipsAnEntryItsZoneNoLongerStoresAndLoadsTheRest() {
        long refusedBefore = EntrySizeGuard.refusedSoFar();
        WarmupService.ClusterLoader.Session session = IgniteDumpSupport.loader(node.ignite(), Duration.ofSeconds(10))
                .open("small");
        TenantKey big = TenantKey.of("guard", "warm-big");
        session.add(big.storageKey(), Envelope.encode(big, new Item(new byte[(int) smallLimit], 0, 1, 0, false)), 0);
        for (int i = 0; i < 100; i++) {
            TenantKey k = TenantKey.of("guard", "warm" + i);
            session.add(k.storageKey(), Envelope.encode(k, new Item(new byte[] {(byte) i}, 0, 1, 0, false)), 0);
        }
        session.close();
        IgniteCache<String, byte[]> zone = node.ignite().cache("hearth-zone-small");
        assertNull(zone.get(big.storageKey()));
        for (int i = 0; i < 100; i++) {
            assertNotNull(zone.get(TenantKey.of("guard", "warm" + i).storageKey()), "warm" + i);
        }
        assertEquals(1, EntrySizeGuard.refusedSoFar() - refusedBefore);
    }

    @Test
    void memcachedInASmallZoneAnswersTooLargeBelowItsItemLimit() throws IOException {
        try (Socket s = new Socket("127.0.0.1", node.ports().get("memcached"))) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            assertEquals("STORED", store(out, in, "g:k", 1000));
            assertEquals("SERVER_ERROR object too large for cache", store(out, in, "g:k", (int) smallLimit + 1));
            assertEquals("STORED", store(out, in, "g:k", (int) smallLimit - 1024));
        }
    }

    private static String store(OutputStream out, InputStream in, String key, int size) throws IOException {
        byte[] value = new byte[size];
        Arrays.fill(value, (byte) 'v');
        out.write(("set " + key + " 0 0 " + size + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(value);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return line(in);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.US_ASCII);
    }
}
