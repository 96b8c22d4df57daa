package dev.hearth.node.membership;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    void theClustersAdminTokenIsSentToPeersThatNeedIt() throws Exception {
        String token = "cluster-admin-token-0123456789";
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/membership", ex -> {
            boolean ok = ("Bearer " + token).equals(ex.getRequestHeaders().getFirst("Authorization"));
            byte[] body = ok ? "{\"self\":\"n1\",\"present\":[\"n1\",\"n2\"],\"hasQuorum\":true}"
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8) : new byte[0];
            ex.sendResponseHeaders(ok ? 200 : 401, ok ? body.length : -1);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        try {
            String admin = "127.0.0.1:" + server.getAddress().getPort();
            SplitWatch.Peer peer = new HttpPeerProbe(Duration.ofSeconds(2), () -> "Bearer " + token).ask(admin)
                    .orElseThrow();
            assertEquals("n1", peer.name());
            assertEquals(java.util.List.of("n1", "n2"), peer.present());
            HttpPeerProbe without = new HttpPeerProbe(Duration.ofSeconds(2));
            assertTrue(without.ask(admin).isEmpty(), "refused without the token");
            assertTrue(without.answers(admin), "a 401 is still an answer: the peer is alive");
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
