package dev.hearth.node.membership;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class HttpPeerProbeTest {
    @Test
    void aNodeStillStartingAnswersAndSoIsReachable() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/membership", ex -> {
            ex.sendResponseHeaders(503, -1);
            ex.close();
        });
        server.start();
        try {
            HttpPeerProbe probe = new HttpPeerProbe(Duration.ofSeconds(2));
            String admin = "127.0.0.1:" + server.getAddress().getPort();
            assertTrue(probe.answers(admin), "a 503 is an answer");
            assertTrue(probe.ask(admin).isEmpty(), "but no membership to read");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aPortThatAcceptsButNeverAnswersIsNotReachable() throws Exception {
        // A listening socket nobody accepts from: the connection is made, no answer comes (a frozen process).
        try (ServerSocket frozen = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            HttpPeerProbe probe = new HttpPeerProbe(Duration.ofMillis(300));
            assertFalse(probe.answers("127.0.0.1:" + frozen.getLocalPort()));
        }
    }
}
