package dev.hearth.node.memcached;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Hearth's own endpoint behaviour: ordering, limits, tenants, authentication, bad input that memcached lacks. */
@Timeout(120)
class MemcachedEndpointClusterTest {
    static TestNodes prefix;
    static TestNodes secured;

    @BeforeAll
    static void start() throws Exception {
        prefix = TestNodes.start(1, "memcached.maxConnections=20", "memcached.idleTimeout=2s",
                "memcached.maxItemSize=64k");
        secured = TestNodes.start(1, "memcached.tenantMode=authenticated", "memcached.saslOverPlaintext=true",
                "memcached.users.alice=apw",
                "memcached.users.bob=bpw");
    }

    @AfterAll
    static void stop() {
        if (prefix != null) {
            prefix.close();
        }
        if (secured != null) {
            secured.close();
        }
    }

    private static String ask(Wire w, String req, String until) throws IOException {
        w.send(req);
        return new String(w.readUntilSuffix(until.getBytes(StandardCharsets.US_ASCII)), StandardCharsets.ISO_8859_1)
                + until;
    }

    @Test
    void pipelinedCommandsTakeEffectAndAnswerInOrder() throws IOException {
        StringBuilder req = new StringBuilder();
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 400; i++) {
            String k = "order:k" + (i % 7);
            req.append("set ").append(k).append(" 0 0 ").append(Integer.toString(i).length()).append(" noreply\r\n")
                    .append(i).append("\r\n");
            req.append("get ").append(k).append("\r\n");
            expected.append("VALUE ").append(k).append(" 0 ").append(Integer.toString(i).length()).append("\r\n")
                    .append(i).append("\r\nEND\r\n");
            req.append("incr order:n 1\r\n");
            expected.append(i + 1).append("\r\n");
        }
        try (Wire w = new Wire(prefix.memcachedPort(0))) {
            ask(w, "set order:n 0 0 1\r\n0\r\n", "STORED\r\n");
            assertEquals(expected + "MN\r\n", ask(w, req + "mn\r\n", "MN\r\n"));
        }
    }

    @Test
    void keysWithControlCharactersAreRefused() throws IOException {
        try (Wire w = new Wire(prefix.memcachedPort(0))) {
            assertEquals("CLIENT_ERROR bad command line format\r\nERROR\r\nMN\r\n",
                    ask(w, "set bad\tkey 0 0 1\r\nx\r\nmn\r\n", "MN\r\n"));
            assertEquals("CLIENT_ERROR bad command line format\r\nMN\r\n", ask(w, "get a\u0001b\r\nmn\r\n", "MN\r\n"));
        }
    }

    @Test
    void tenantsInPrefixModeAreSeparateButKeysComeBackAsSent() throws IOException {
        try (Wire w = new Wire(prefix.memcachedPort(0))) {
            ask(w, "set shop-1:item 0 0 1\r\na\r\nset shop-2:item 0 0 1\r\nb\r\nset item 0 0 1\r\nc\r\nmn\r\n",
                    "MN\r\n");
            assertEquals("VALUE shop-1:item 0 1\r\na\r\nVALUE shop-2:item 0 1\r\nb\r\nVALUE item 0 1\r\nc\r\n"
                    + "VALUE default:item 0 1\r\nc\r\nEND\r\n",
                    ask(w, "get shop-1:item shop-2:item item default:item\r\n", "END\r\n"));
        }
        var cache = prefix.node(0).cache();
        assertEquals("a", new String(cache.get(dev.hearth.storage.TenantKey.of("shop-1", "item")).join().value(),
                StandardCharsets.US_ASCII));
    }

    @Test
    void metaExplicitCasAndValueLimit() throws IOException {
        try (Wire w = new Wire(prefix.memcachedPort(0))) {
            assertEquals("HD c12345\r\n", ask(w, "ms e:k 1 E12345 c\r\nx\r\n", "\r\n"));
            assertEquals("HD c12345\r\n", ask(w, "mg e:k c\r\n", "\r\n"));
            String big = "v".repeat(70_000);
            assertEquals("SERVER_ERROR object too large for cache\r\nMN\r\n",
                    ask(w, "set e:big 0 0 70000\r\n" + big + "\r\nmn\r\n", "MN\r\n"));
        }
    }

    @Test
    void maxConnectionsIsEnforced() throws Exception {
        List<Wire> open = new ArrayList<>();
        try {
            // Connections closed by earlier tests are counted out asynchronously: wait until this one is alone.
            Wire first = new Wire(prefix.memcachedPort(0));
            open.add(first);
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                    .until(() -> ask(first, "stats\r\n", "END\r\n").contains("STAT curr_connections 1\r\n"));
            for (int i = 1; i < 20; i++) {
                Wire w = new Wire(prefix.memcachedPort(0));
                open.add(w);
                ask(w, "version\r\n", "\r\n");
            }
            try (Wire extra = new Wire(prefix.memcachedPort(0))) {
                assertEquals("ERROR Too many open connections\r\n" + Wire.CLOSED,
                        new String(extra.readUntilSuffix("\u0000".getBytes()), StandardCharsets.US_ASCII));
            }
        } finally {
            for (Wire w : open) {
                w.close();
            }
        }
    }

    @Test
    void halfCommandsAndIdleConnectionsAreClosedOthersUnaffected() throws Exception {
        try (Wire stalled = new Wire(prefix.memcachedPort(0)); Wire fine = new Wire(prefix.memcachedPort(0))) {
            stalled.send("set idle:k 0 0 100\r\nonly part of it");
            assertEquals("VERSION 1.6.18\r\n", ask(fine, "version\r\n", "\r\n"));
            assertTrue(stalled.closesWithin(6000), "a stalled connection is closed by the idle timeout");
        }
        try (Wire lying = new Wire(prefix.memcachedPort(0)); Wire fine = new Wire(prefix.memcachedPort(0))) {
            // A binary SET claiming a 1 GB body: refused at once, its body swallowed rather than buffered.
            byte[] h = BinaryDifferentialClusterTest.set(Binary.SET, "lie:k", "", 0, 0, 0);
            ByteBuffer.wrap(h).putInt(8, 1 << 30);
            lying.send(h);
            byte[] resp = lying.readN(24);
            assertEquals(Binary.E2BIG, ByteBuffer.wrap(resp).getShort(6));
            lying.send(new byte[100_000]);
            assertEquals("VERSION 1.6.18\r\n", ask(fine, "version\r\n", "\r\n"));
        }
        try (Wire w = new Wire(prefix.memcachedPort(0))) {
            w.send("get " + "k".repeat(70_000)); // no newline, over any line limit
            assertTrue(w.closesWithin(5000));
        }
    }

    private static byte[] sasl(String user, String password) {
        return BinaryDifferentialClusterTest.frame(Binary.SASL_AUTH, new byte[0], "PLAIN",
                ("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8), 7, 0);
    }

    private static short status(Wire w) throws IOException {
        byte[] h = w.readN(24);
        w.readN(ByteBuffer.wrap(h).getInt(8));
        return ByteBuffer.wrap(h).getShort(6);
    }

    @Test
    void authenticatedModeSeparatesTenantsAndRefusesUnauthenticatedText() throws IOException {
        int port = secured.memcachedPort(0);
        try (Wire text = new Wire(port)) {
            text.send("get k\r\n");
            assertEquals(TextHandler.UNAUTHENTICATED + "\r\n" + Wire.CLOSED,
                    new String(text.readUntilSuffix(new byte[] {0}), StandardCharsets.US_ASCII));
        }
        try (Wire anon = new Wire(port)) {
            anon.send(BinaryDifferentialClusterTest.get(Binary.GET, "k"));
            assertEquals(Binary.AUTH_ERROR, status(anon));
            assertTrue(anon.closesWithin(3000));
        }
        try (Wire wrong = new Wire(port)) {
            wrong.send(sasl("alice", "nope"));
            assertEquals(Binary.AUTH_ERROR, status(wrong));
        }
        try (Wire alice = new Wire(port); Wire bob = new Wire(port)) {
            alice.send(sasl("alice", "apw"));
            assertEquals(0, status(alice));
            bob.send(sasl("bob", "bpw"));
            assertEquals(0, status(bob));
            alice.send(BinaryDifferentialClusterTest.set(Binary.SET, "shared", "alice's", 0, 0, 0));
            assertEquals(0, status(alice));
            bob.send(BinaryDifferentialClusterTest.get(Binary.GET, "shared"));
            assertEquals(Binary.KEY_ENOENT, status(bob));
            bob.send(BinaryDifferentialClusterTest.get(Binary.GET, "alice:shared"));
            assertEquals(Binary.KEY_ENOENT, status(bob));
            alice.send(BinaryDifferentialClusterTest.get(Binary.GET, "shared"));
            assertEquals(0, status(alice));
        }
        assertFalse(secured.node(0).cache().get(dev.hearth.storage.TenantKey.of("alice", "shared")).join() == null);
    }

    @Test
    void readinessCountsTheEndpointAndPortsAreReported() {
        int port = prefix.memcachedPort(0);
        assertTrue(port > 0);
        assertTrue(prefix.node(0).status().readiness().ready(), prefix.node(0).status().readiness().reason());
        assertEquals(port, prefix.node(0).status().snapshot().node().ports().get("memcached"));
    }
}
