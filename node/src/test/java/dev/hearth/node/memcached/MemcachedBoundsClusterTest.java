package dev.hearth.node.memcached;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Memory the memcached endpoint holds for its answers stays within memcached.connectionOutput per connection and
 * memcached.outputMemory per node, whatever a client asks for or fails to read, and every request read still gets
 * its answer in order.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class MemcachedBoundsClusterTest {
    private static final int BIG = 1_000_000;
    private static final long CONNECTION_OUTPUT = 4L << 20;
    private static final long OUTPUT_MEMORY = 8L << 20;
    static TestNodes node;
    static byte[] big;

    @BeforeAll
    static void start() throws Exception {
        node = TestNodes.start(1, "memcached.connectionOutput=4m", "memcached.outputMemory=8m",
                "memcached.slowReaderTimeout=3s", "memcached.requestTimeout=2s");
        big = new byte[BIG];
        for (int i = 0; i < BIG; i++) {
            big[i] = (byte) ('a' + i % 26);
        }
        try (Wire w = new Wire(port())) {
            w.send(("set big 0 0 " + BIG + "\r\n").getBytes(StandardCharsets.US_ASCII));
            w.send(big);
            w.send("\r\n");
            assertEquals("", new String(w.readUntilSuffix(bytes("STORED\r\n")), StandardCharsets.US_ASCII));
        }
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    private static int port() {
        return node.memcachedPort(0);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String line(Wire w) throws IOException {
        return w.readLine();
    }

    /** The node's general stats, asked on a connection of their own. */
    private static Map<String, Long> stats() throws IOException {
        try (Wire w = new Wire(port())) {
            w.send("stats\r\n");
            String all = new String(w.readUntilSuffix(bytes("END\r\n")), StandardCharsets.US_ASCII);
            Map<String, Long> m = new HashMap<>();
            for (String l : all.split("\r\n")) {
                String[] p = l.split(" ");
                if (p.length == 3 && p[2].matches("\\d+")) {
                    m.put(p[1], Long.parseLong(p[2]));
                }
            }
            return m;
        }
    }

    @Test
    void aGetOfOneLargeKeyRepeatedAnswersEveryValueThenTheNextCommand() throws IOException {
        String req = "get" + " big".repeat(100) + "\r\nversion\r\n";
        try (Wire w = new Wire(port())) {
            w.send(req);
            for (int i = 0; i < 100; i++) {
                assertEquals("VALUE big 0 " + BIG, line(w), "header of value " + i);
                byte[] data = w.readN(BIG + 2);
                assertArrayEquals(big, Arrays.copyOf(data, BIG), "value " + i);
                assertEquals("\r\n", new String(data, BIG, 2, StandardCharsets.US_ASCII));
            }
            assertEquals("END", line(w));
            assertEquals("VERSION " + MemcachedServer.VERSION, line(w));
        }
    }

    @Test
    void aGetOfManyKeysIsAnsweredInPartsInOrderWithMissesLeftOut() throws IOException {
        StringBuilder get = new StringBuilder("get");
        StringBuilder expected = new StringBuilder();
        try (Wire w = new Wire(port())) {
            for (int i = 0; i < 20; i++) {
                String v = String.valueOf((char) ('A' + i)).repeat(400_000 + i);
                w.send("set part:" + i + " " + i + " 0 " + v.length() + "\r\n" + v + "\r\n");
                assertEquals("STORED", line(w));
                get.append(" part:").append(i).append(" part:missing").append(i);
                expected.append("VALUE part:").append(i).append(' ').append(i).append(' ').append(v.length())
                        .append("\r\n").append(v).append("\r\n");
            }
            expected.append("END\r\n");
            w.send(get + "\r\nmn\r\n");
            String got = new String(w.readUntilSuffix(bytes("MN\r\n")), StandardCharsets.ISO_8859_1);
            assertEquals(expected.length(), got.length());
            assertTrue(expected.toString().equals(got), "20 values of 400 KB, in request order, then END");
        }
    }

    @Test
    void aClientThatReadsNothingHoldsABoundedAmountAndIsDisconnected() throws Exception {
        // Connections of earlier tests (one of them stuck like this one) are counted out and their answers released
        // asynchronously: start once the stats probe is the node's only connection and nothing is held. Counting
        // from a figure that still included one of them let the wait below end before this connection was closed,
        // and the read at the end then took every answer and waited for an end that never came.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
            Map<String, Long> s = stats();
            return s.get("curr_connections") == 1 && s.get("hearth_output_bytes") < 64 * 1024;
        });
        try (Socket stuck = new Socket()) {
            stuck.setReceiveBufferSize(4096);
            stuck.setSoTimeout(30_000); // a bug fails the read below instead of hanging the build
            stuck.connect(new InetSocketAddress("127.0.0.1", port()), 5000);
            // 200 gets of a 1 MB value: 1.8 KB of requests asking for 200 MB of answers, none of which is read.
            stuck.getOutputStream().write(bytes("get big\r\n".repeat(200)));
            stuck.getOutputStream().flush();
            AtomicLong highest = new AtomicLong();
            // Held until the node gives up on it (memcached.slowReaderTimeout, 3 s here).
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
                Map<String, Long> s = stats();
                highest.accumulateAndGet(s.get("hearth_output_bytes"), Math::max);
                return s.get("curr_connections") == 1 && highest.get() >= BIG
                        && s.get("hearth_output_bytes") < 64 * 1024;
            });
            assertTrue(highest.get() >= BIG, "the stuck connection held answers: " + highest.get());
            assertTrue(highest.get() <= CONNECTION_OUTPUT + 64 * 1024,
                    "held " + highest.get() + " bytes for one connection, limit " + CONNECTION_OUTPUT);
            byte[] rest = stuck.getInputStream().readAllBytes();
            assertTrue(rest.length < 200L * BIG, "the stuck connection was closed before all 200 answers: got "
                    + rest.length + " bytes");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> stats().get("hearth_output_bytes") < 64 * 1024);
    }

    @Test
    void otherConnectionsAreServedWhileOneReadsNothing() throws Exception {
        try (Socket stuck = new Socket(); Wire w = new Wire(port())) {
            stuck.setReceiveBufferSize(4096);
            stuck.connect(new InetSocketAddress("127.0.0.1", port()), 5000);
            stuck.getOutputStream().write(bytes("get big\r\n".repeat(200)));
            stuck.getOutputStream().flush();
            await().atMost(Duration.ofSeconds(10)).until(() -> stats().get("hearth_output_bytes") > 2 * BIG);
            for (int i = 0; i < 5; i++) {
                w.send("get big\r\n");
                assertEquals("VALUE big 0 " + BIG, line(w));
                assertArrayEquals(big, Arrays.copyOf(w.readN(BIG + 2), BIG));
                assertEquals("END", line(w));
            }
            assertTrue(stats().get("hearth_output_bytes") <= OUTPUT_MEMORY + 64 * 1024);
        }
    }

    @Test
    void aRequestLeftIncompleteClosesTheConnectionAfterRequestTimeout() throws IOException {
        try (Wire half = new Wire(port()); Wire quiet = new Wire(port())) {
            half.send("get abc"); // no end of line, ever
            quiet.send("version\r\n");
            assertEquals("VERSION " + MemcachedServer.VERSION, line(quiet));
            assertTrue(half.closesWithin(10_000), "a half-sent request is dropped after memcached.requestTimeout");
            // A connection with nothing half-sent stays open (idleTimeout is off).
            assertFalse(quiet.closesWithin(1_000));
            quiet.socket.setSoTimeout(10_000);
            quiet.send("version\r\n");
            assertEquals("VERSION " + MemcachedServer.VERSION, line(quiet));
        }
    }

    @Test
    void aHalfSentValueClosesTheConnectionToo() throws IOException {
        try (Wire half = new Wire(port())) {
            half.send("set slow 0 0 100\r\n" + "x".repeat(50));
            assertTrue(half.closesWithin(10_000));
        }
        try (Wire w = new Wire(port())) {
            w.send("get slow\r\n");
            assertEquals("END", line(w), "nothing of the half-sent value was stored");
        }
    }
}
