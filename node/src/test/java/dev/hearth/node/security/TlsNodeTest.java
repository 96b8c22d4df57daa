package dev.hearth.node.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.node.HearthNode;
import dev.hearth.node.TestNodes;
import dev.hearth.node.membership.HttpPeerProbe;
import dev.hearth.tls.ClientTls;
import dev.hearth.tls.TestCertificates;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.apache.ignite.Ignition;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.client.SslMode;
import org.apache.ignite.configuration.ClientConfiguration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real node with tls.enabled and certificates made for the test: every client port speaks TLS with a client
 * certificate from the cluster CA, and refuses (with a count and a log line) plaintext, a client without a
 * certificate, and one whose certificate another CA signed.
 */
@Timeout(180)
class TlsNodeTest {
    @TempDir
    static Path dir;
    static HearthNode node;
    static Path caFile;
    static Path clientCert;
    static Path clientKey;
    static Path foreignCert;
    static Path foreignKey;
    static SSLContext client;
    static int memcached;
    static int admin;
    static int thin;

    @BeforeAll
    static void start() throws Exception {
        TestCertificates.Ca ca = TestCertificates.ca("hearth-test-ca");
        caFile = ca.write(dir.resolve("ca.pem"));
        TestCertificates.Leaf nodeLeaf = ca.issue("tls-0");
        TestCertificates.Leaf app = ca.issueClient("app-1");
        clientCert = app.writeCert(dir.resolve("app.crt"));
        clientKey = app.writeKey(dir.resolve("app.key"));
        TestCertificates.Leaf foreign = TestCertificates.ca("someone-else").issue("intruder");
        foreignCert = foreign.writeCert(dir.resolve("foreign.crt"));
        foreignKey = foreign.writeKey(dir.resolve("foreign.key"));
        node = HearthNode.start(TestNodes.config("tls", 0, TestNodes.freePorts(1), dir,
                "tls.enabled=true",
                "tls.certFile=" + nodeLeaf.writeCert(dir.resolve("node.crt")),
                "tls.keyFile=" + nodeLeaf.writeKey(dir.resolve("node.key")),
                "tls.caFile=" + caFile,
                // Authenticated tenants: their login is accepted over TLS without memcached.saslOverPlaintext.
                "memcached.tenantMode=authenticated", "memcached.users.tlsapp=tls-app-password-0123"), null);
        client = ClientTls.context(caFile, clientCert, clientKey);
        memcached = node.ports().get("memcached");
        admin = node.ports().get("admin");
        thin = node.ports().get("thinClient");
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.stopGracefully();
        }
    }

    @Test
    void memcachedServesTlsClientsAndRefusesPlaintextAndStrangers() throws Exception {
        String login = "tlsapp tls-app-password-0123";
        String answer = memcachedOverTls(client, "set auth 0 0 " + login.length() + "\r\n" + login
                + "\r\nset tls:k 0 0 5\r\nhello\r\nget tls:k\r\n", "END\r\n");
        assertEquals("STORED\r\nSTORED\r\nVALUE tls:k 0 5\r\nhello\r\nEND\r\n", answer,
                "the tenant's login, then its own key");

        try (Socket plain = new Socket("127.0.0.1", memcached)) {
            plain.setSoTimeout(10_000);
            plain.getOutputStream().write("get tls:k\r\n".getBytes(StandardCharsets.US_ASCII));
            String got = new String(plain.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertEquals("CLIENT_ERROR this port requires TLS (tls.enabled)\r\n", got,
                    "a plaintext client reads why, then the connection closes");
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> refused("memcached", "plaintext") >= 1);

        double handshakesBefore = refused("memcached", "handshake");
        assertRefused(ClientTls.context(caFile, null, null));
        assertRefused(ClientTls.context(caFile, foreignCert, foreignKey));
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> refused("memcached", "handshake") >= handshakesBefore + 2);
    }

    @Test
    void adminSpeaksHttpsAndAnswersPlainHttpWithAHint() throws Exception {
        HttpResponse<String> ready = https(client).send(HttpRequest.newBuilder(
                URI.create("https://127.0.0.1:" + admin + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ready.statusCode(), ready.body());

        HttpResponse<String> plain = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + admin + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, plain.statusCode());
        assertTrue(plain.body().contains("HTTPS only"), plain.body());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> refused("admin", "plaintext") >= 1);

        // A peer node asks over HTTPS with its own node certificate (the membership probes between nodes).
        try (NodeTls peer = new NodeTls(dir.resolve("node.crt"), dir.resolve("node.key"), caFile, Duration.ZERO)) {
            var answer = new HttpPeerProbe(Duration.ofSeconds(5), peer.sslContext()).ask("127.0.0.1:" + admin);
            assertEquals("tls-0", answer.orElseThrow().name());
        }

        SSLContext noCert = ClientTls.context(caFile, null, null);
        assertThrows(IOException.class, () -> https(noCert).send(HttpRequest.newBuilder(
                URI.create("https://127.0.0.1:" + admin + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString()));
    }

    /** hearth-client's side (Builder.tls, its messages) is TlsClientIT's, in the client module. */
    @Test
    void theThinClientPortServesOnlyCertificatesOfTheClusterCa() throws Exception {
        // Ignite's own thin client: refused without TLS, without a certificate, and with another CA's certificate.
        assertThrows(Exception.class, () -> thinClient(null));
        assertThrows(Exception.class, () -> thinClient(ClientTls.context(caFile, null, null)));
        assertThrows(Exception.class, () -> thinClient(ClientTls.context(caFile, foreignCert, foreignKey)));
        // Ignite counts its failed TLS sessions itself; they are in the same metric.
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> refused("thinClient", "handshake") >= 3);
        thinClient(client);
    }

    /** Starts Ignite's thin client (TLS with {@code tls}, plaintext when null) and reads a cache name list. */
    private static void thinClient(SSLContext tls) throws Exception {
        ClientConfiguration cfg = new ClientConfiguration().setAddresses("127.0.0.1:" + thin).setTimeout(5_000);
        if (tls != null) {
            cfg.setSslMode(SslMode.REQUIRED).setSslContextFactory(() -> tls);
        }
        try (IgniteClient c = Ignition.startClient(cfg)) {
            assertFalse(c.cacheNames().isEmpty());
        }
    }

    /** A TLS connection with {@code tls} gets no memcached answer: the handshake or the first read fails. */
    private static void assertRefused(SSLContext tls) {
        String got;
        try {
            got = memcachedOverTls(tls, "set tls:x 0 0 1\r\nx\r\n", "\r\n");
        } catch (IOException refused) {
            return;
        }
        assertEquals("", got, "a refused client must not be answered");
    }

    private static String memcachedOverTls(SSLContext tls, String request, String until) throws IOException {
        try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", memcached)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                out.write(b);
                if (out.toString(StandardCharsets.US_ASCII).endsWith(until)) {
                    break;
                }
            }
            return out.toString(StandardCharsets.US_ASCII);
        }
    }

    private static HttpClient https(SSLContext tls) {
        return HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** hearth_tls_refused_total of {@code port} and {@code reason}, read from /metrics over HTTPS. */
    private static double refused(String port, String reason) throws Exception {
        String body = https(client).send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + admin + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("hearth_tls_refused_total\\{[^}]*port=\"" + port + "\",reason=\"" + reason
                + "\"\\} (\\S+)").matcher(body);
        assertTrue(m.find(), () -> "no hearth_tls_refused_total series for " + port + "/" + reason + " in:\n" + body);
        return Double.parseDouble(m.group(1));
    }
}
