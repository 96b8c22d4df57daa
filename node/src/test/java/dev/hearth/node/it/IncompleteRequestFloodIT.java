package dev.hearth.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.testing.NodeProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that send most of a 1 MB set and then nothing cannot take a node's direct memory: each such request holds
 * its decoder's buffer, and before memcached.inputMemory, 60 of them ran a real node with a 32 MiB direct limit out
 * of direct memory and it left (any client that can reach the port could do that, and at the default 128 MiB about
 * 130 connections would). Now the connection whose request would pass the node's bound is closed, with a log line
 * and a count, and every other client is served: whole requests hold nothing.
 */
@Timeout(180)
class IncompleteRequestFloodIT {
    static final int FLOODERS = 60;
    static final int VALUE = 1_000_000;

    @TempDir
    Path dir;
    final List<Socket> flooders = new ArrayList<>();

    @AfterEach
    void closeFlooders() throws IOException {
        for (Socket s : flooders) {
            s.close();
        }
    }

    /** One real node with these memory settings (direct memory, memcached output and input bounds), ready. */
    private NodeProcess started(String direct, String output, String input) throws Exception {
        NodeProcess node = new NodeProcess("flood-0", dir);
        node.configure("flood", node.discoveryAddress(), "memory.directMemory=" + direct,
                "memcached.outputMemory=" + output, "memcached.connectionOutput=4m", "memcached.inputMemory=" + input);
        try {
            node.start().awaitReady(Duration.ofSeconds(60));
        } catch (Exception | AssertionError e) {
            node.close();
            throw e;
        }
        return node;
    }

    @Test
    void halfSentValuesAreBoundedByTheNodeAndEveryoneElseIsServed() throws Exception {
        try (NodeProcess node = started("48m", "16m", "8m")) {
            long pid = node.pid();
            int refusedWhileSending = flood(node, flooders);
            // 60 MB of half-sent values against an 8 MiB bound: most connections are closed, the node stays.
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> closed(node, "input_memory") >= FLOODERS / 2);
            int open = 0;
            for (Socket s : flooders) {
                if (!closedByPeer(s)) {
                    open++;
                }
            }
            double closedByFlood = closed(node, "input_memory");
            assertTrue(open >= 1 && open <= 16, open + " half-sent values still held: at most 8 MiB of buffers");
            assertEquals(FLOODERS - open, (int) closedByFlood, "each connection closed is counted once");
            assertTrue(node.alive(), "the node lives:\n" + node.logTail(40));
            assertEquals(pid, node.pid());
            double direct = MemoryLimitIT.metric(node.get("/metrics").body(),
                    "hearth_direct_used_bytes\\{node=\"flood-0\"}");
            assertTrue(direct <= 48 << 20, "direct memory " + direct);
            try (TextClient c = new TextClient(node.ports().memcached(), 10_000)) {
                assertEquals("STORED", c.set("small", "served while the bound is full"));
                assertEquals("served while the bound is full", c.get("small"));
            }
            String log = node.logTail(400);
            assertTrue(log.contains("past memcached.inputMemory"), "the node says why:\n" + log);

            for (Socket s : flooders) {
                s.close();
            }
            // Once the half-sent values are gone, a largest value arrives in pieces as before.
            // (The node may still be closing the flooders' connections: a try that meets that is closed, and retried.)
            byte[] big = new byte[VALUE];
            Arrays.fill(big, (byte) 'b');
            Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                try (TextClient c = new TextClient(node.ports().memcached(), 10_000)) {
                    return "STORED".equals(c.store("set", "big", 0, big));
                }
            });
            assertTrue(node.alive());
            System.out.printf("flood: %d connections each sent all but 1000 bytes of a %d-byte set; the node closed "
                    + "%.0f (%d while they were sending), %d stayed open; direct memory %.1f MiB; %.0f closed in all%n",
                    FLOODERS, VALUE, closedByFlood, refusedWhileSending, open, direct / (1 << 20),
                    closed(node, "input_memory"));
        }
    }

    /**
     * The same flood with the bound set above the direct memory: direct memory does run out, and the node says so,
     * leaves for its supervisor and comes back counting it (the exhaustion path, on a real process).
     */
    @Test
    void directMemoryThatRunsOutAnywayEndsTheNodeLoudlyForItsSupervisor() throws Exception {
        try (NodeProcess node = started("32m", "8m", "256m")) {
            flood(node, flooders);
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> !node.alive());
            int exit = node.exitCode();
            assertTrue(exit != 0, "exit " + exit);
            String log = Files.readString(node.log());
            assertTrue(log.contains("direct memory exhausted under memcached connection"), node.logTail(60));
            assertTrue(log.contains("it will exit so that its supervisor restarts it"), node.logTail(60));
            for (Socket s : flooders) {
                s.close();
            }
            node.start().awaitReady(Duration.ofSeconds(60));
            assertEquals(1.0, MemoryLimitIT.metric(node.get("/metrics").body(),
                    "hearth_exhaustion_exits_total\\{kind=\"direct\",node=\"flood-0\"}"));
            try (TextClient c = new TextClient(node.ports().memcached(), 10_000)) {
                assertEquals("STORED", c.set("after", "back"));
            }
            System.out.printf("flood with the bound above direct memory: the node exited %d and came back%n", exit);
        }
    }

    /** Opens FLOODERS connections that each send all but 1000 bytes of a 1 MB set; returns how many were refused. */
    private static int flood(NodeProcess node, List<Socket> flooders) throws IOException {
        byte[] head = ("set flood 0 0 " + VALUE + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] most = new byte[VALUE - 1000];
        Arrays.fill(most, (byte) 'x');
        int refused = 0;
        for (int i = 0; i < FLOODERS; i++) {
            Socket s = new Socket();
            flooders.add(s);
            try {
                s.connect(new java.net.InetSocketAddress("127.0.0.1", node.ports().memcached()), 5_000);
                OutputStream out = s.getOutputStream();
                out.write(head);
                out.write(most);
                out.flush();
            } catch (IOException closedByTheNode) {
                refused++;
            }
        }
        return refused;
    }

    private static double closed(NodeProcess node, String reason) {
        return MemoryLimitIT.metric(node.get("/metrics").body(),
                "hearth_memcached_closed_connections_total\\{node=\"flood-0\",reason=\"" + reason + "\"}");
    }

    /** Whether the node closed this connection (a read sees the end or a reset; an open one times out). */
    private static boolean closedByPeer(Socket s) throws IOException {
        if (s.isClosed()) {
            return true;
        }
        s.setSoTimeout(200);
        try {
            InputStream in = s.getInputStream();
            return in.read() == -1;
        } catch (SocketTimeoutException open) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }
}
