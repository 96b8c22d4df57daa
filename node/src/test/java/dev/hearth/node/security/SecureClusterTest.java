package dev.hearth.node.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.node.HearthNode;
import dev.hearth.node.TestNodes;
import dev.hearth.node.membership.HttpPeerProbe;
import dev.hearth.testing.FreePorts;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * The secure setup end to end, on three real nodes in one JVM with certificates made for the test: TLS on every port
 * (discovery and communication between the nodes too), an admin token, and memcached tenants that log in.
 * <ul>
 *   <li>Every client port speaks TLS with a client certificate from the cluster CA, and refuses (with a count and a
 *       log line) plaintext, a client without a certificate, and one whose certificate another CA signed.</li>
 *   <li>A value written through one node is read through another, and a tenant neither sees, flushes nor counts
 *       another tenant's keys through any node.</li>
 *   <li>A node with another CA's certificate, or with an application's certificate from the cluster CA, does not
 *       get in (the secret-based refusal without TLS is {@code NodeTrustClusterTest}'s).</li>
 *   <li>The admin port of every node refuses a missing or wrong token (every route one by one: AdminAuthClusterTest).</li>
 * </ul>
 */
@Timeout(240)
class SecureClusterTest {
    static final String TOKEN = "secure-admin-token-0123456789abcdef";
    static final String ALPHA = "alpha alpha-password-0123";
    static final String BETA = "beta beta-password-0123";

    @TempDir
    static Path dir;
    static final List<HearthNode> nodes = new ArrayList<>();
    static int[] disco;
    static TestCertificates.Ca ca;
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
        ca = TestCertificates.ca("hearth-test-ca");
        caFile = ca.write(dir.resolve("ca.pem"));
        TestCertificates.Leaf app = ca.issueClient("app-1");
        clientCert = app.writeCert(dir.resolve("app.crt"));
        clientKey = app.writeKey(dir.resolve("app.key"));
        TestCertificates.Leaf foreign = TestCertificates.ca("someone-else").issue("intruder");
        foreignCert = foreign.writeCert(dir.resolve("foreign.crt"));
        foreignKey = foreign.writeKey(dir.resolve("foreign.key"));
        disco = FreePorts.several(4);
        for (int i = 0; i < 3; i++) {
            nodes.add(startNode(i, ca.issue("secure-" + i), "n" + i));
        }
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> nodes.stream()
                .allMatch(n -> n.status().readiness().ready()
                        && n.ignite().cluster().forServers().nodes().size() == 3));
        client = ClientTls.context(caFile, clientCert, clientKey);
        memcached = memcachedPort(0);
        admin = nodes.get(0).ports().get("admin");
        thin = nodes.get(0).ports().get("thinClient");
    }

    static HearthNode startNode(int i, TestCertificates.Leaf leaf, String files) throws Exception {
        return HearthNode.start(TestNodes.config("secure", i, disco, dir, tlsSets(leaf, files,
                "admin.token=" + TOKEN, "cluster.expectedSize=3",
                // Authenticated tenants: their login is accepted over TLS without memcached.saslOverPlaintext.
                "memcached.tenantMode=authenticated",
                "memcached.users." + ALPHA.replace(' ', '='), "memcached.users." + BETA.replace(' ', '='))), null);
    }

    static String[] tlsSets(TestCertificates.Leaf leaf, String files, String... more) {
        List<String> sets = new ArrayList<>(List.of(
                "tls.enabled=true",
                "tls.certFile=" + leaf.writeCert(dir.resolve(files + ".crt")),
                "tls.keyFile=" + leaf.writeKey(dir.resolve(files + ".key")),
                "tls.caFile=" + caFile));
        sets.addAll(List.of(more));
        return sets.toArray(String[]::new);
    }

    static int memcachedPort(int node) {
        return nodes.get(node).ports().get("memcached");
    }

    @AfterAll
    static void stop() {
        for (int i = nodes.size() - 1; i >= 0; i--) {
            nodes.get(i).close();
        }
        // A static list outlives the class's tests: the stopped nodes and their Ignites would stay on the fork's heap.
        nodes.clear();
    }

    @Test
    void valuesCrossTheClusterAndTenantsStayApartOnEveryNode() throws Exception {
        assertEquals("STORED\r\nSTORED\r\n", tenant(0, ALPHA, "set shared:k 0 0 11\r\nalpha-value\r\n",
                "STORED\r\nSTORED\r\n"), "alpha's login, then its write through node 0");
        for (int n = 0; n < 3; n++) {
            assertEquals("STORED\r\nVALUE shared:k 0 11\r\nalpha-value\r\nEND\r\n",
                    tenant(n, ALPHA, "get shared:k\r\n", "END\r\n"), "alpha reads its key through node " + n);
            assertEquals("STORED\r\nEND\r\n", tenant(n, BETA, "get shared:k\r\n", "END\r\n"),
                    "beta does not see alpha's key through node " + n);
        }
        assertEquals("STORED\r\nSTORED\r\nOK\r\nEND\r\n",
                tenant(1, BETA, "set shared:k 0 0 4\r\nbeta\r\nflush_all\r\nget shared:k\r\n", "END\r\n"),
                "beta's own key, flushed by beta's flush_all");
        assertEquals("STORED\r\nVALUE shared:k 0 11\r\nalpha-value\r\nEND\r\n",
                tenant(2, ALPHA, "get shared:k\r\n", "END\r\n"), "beta's flush_all left alpha's key");
        // Node 1's counters, as each tenant sees them: alpha's hit there is not beta's, beta's flush not alpha's.
        Map<String, String> beta = stats(1, BETA);
        assertEquals("1", beta.get("cmd_flush"), beta.toString());
        assertEquals("0", beta.get("get_hits"), "alpha's hit through node 1 is alpha's: " + beta);
        assertEquals("2", beta.get("get_misses"), beta.toString());
        assertFalse(beta.containsKey("curr_connections"), "node-wide figures are not a tenant's: " + beta);
        Map<String, String> alpha = stats(1, ALPHA);
        assertEquals("0", alpha.get("cmd_flush"), alpha.toString());
        assertEquals("1", alpha.get("get_hits"), alpha.toString());
        assertEquals("0", alpha.get("get_misses"), alpha.toString());
    }

    /** The {@code stats} of tenant {@code login} on node {@code node}. */
    private static Map<String, String> stats(int node, String login) throws IOException {
        Map<String, String> m = new HashMap<>();
        for (String line : tenant(node, login, "stats\r\n", "\r\nEND\r\n").split("\r\n")) {
            String[] f = line.split(" ", 3);
            if (f.length == 3 && f[0].equals("STAT")) {
                m.put(f[1], f[2]);
            }
        }
        return m;
    }

    @Test
    void aNodeWithoutAClusterNodeCertificateDoesNotGetIn() throws Exception {
        // Trusts the cluster CA, but its own certificate comes from elsewhere: the cluster refuses its handshake.
        assertNotAdmitted(TestCertificates.ca("foreign-ca").issue("secure-x"), "x");
        // Signed by the cluster CA, but an application's certificate (clientAuth only): not a node's.
        assertNotAdmitted(ca.issueClient("secure-app"), "app");
    }

    @Test
    void everyNodesAdminPortWantsTheToken() throws Exception {
        for (HearthNode n : nodes) {
            int port = n.ports().get("admin");
            assertEquals(401, adminPost(port, null).statusCode());
            assertEquals(403, adminPost(port, "wrong-" + TOKEN).statusCode());
            HttpResponse<String> right = adminPost(port, TOKEN);
            assertEquals(200, right.statusCode(), right.body());
        }
    }

    private static HttpResponse<String> adminPost(int port, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port
                + "/admin/tenants/secure-audit/maintenance?on=false&by=secure-test"))
                .POST(HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return https(client).send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * A node started with {@code leaf} does not get into the cluster. Where the refused handshake happens decides
     * how: refused while Ignite still looks for peers, it finds none it can talk to and starts alone, as any node
     * that finds no peer does (with cluster.expectedSize=3 such a node is never ready and takes no writes); refused
     * on its join request, its start fails with Ignite's "Unable to establish secure connection". Both were seen;
     * both keep it out.
     */
    private static void assertNotAdmitted(TestCertificates.Leaf leaf, String files) throws Exception {
        HearthNode outsider;
        try {
            outsider = startNode(3, leaf, files);
        } catch (Exception refused) {
            assertTrue(TestNodes.messages(refused).contains("Unable to establish secure connection")
                    || TestNodes.messages(refused).contains("certificate"), TestNodes.messages(refused));
            assertEquals(3, nodes.get(0).ignite().cluster().forServers().nodes().size());
            return;
        }
        try {
            assertEquals(3, nodes.get(0).ignite().cluster().forServers().nodes().size());
            assertEquals(1, outsider.ignite().cluster().forServers().nodes().size());
            assertFalse(outsider.status().readiness().ready(), "alone, short of cluster.expectedSize");
        } finally {
            outsider.close();
        }
    }

    /** Logs in as {@code login} ("user password") over TLS on node {@code node}'s memcached, then sends. */
    private static String tenant(int node, String login, String request, String until) throws IOException {
        return memcachedOverTls(client, memcachedPort(node), "set auth 0 0 " + login.length() + "\r\n" + login
                + "\r\n" + request, until);
    }

    @Test
    void memcachedServesTlsClientsAndRefusesPlaintextAndStrangers() throws Exception {
        String answer = tenant(0, ALPHA, "set tls:k 0 0 5\r\nhello\r\nget tls:k\r\n", "END\r\n");
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

        // A peer node asks over HTTPS with its own node certificate and the cluster's token (the membership probes).
        try (NodeTls peer = new NodeTls(dir.resolve("n1.crt"), dir.resolve("n1.key"), caFile, Duration.ZERO)) {
            var answer = new HttpPeerProbe(Duration.ofSeconds(5), peer.sslContext(),
                    () -> "Bearer " + TOKEN).ask("127.0.0.1:" + admin);
            assertEquals("secure-0", answer.orElseThrow().name());
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
            got = memcachedOverTls(tls, memcached, "set tls:x 0 0 1\r\nx\r\n", "\r\n");
        } catch (IOException refused) {
            return;
        }
        assertEquals("", got, "a refused client must not be answered");
    }

    private static String memcachedOverTls(SSLContext tls, int port, String request, String until)
            throws IOException {
        try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port)) {
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
                .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("hearth_tls_refused_total\\{[^}]*port=\"" + port + "\",reason=\"" + reason
                + "\"\\} (\\S+)").matcher(body);
        assertTrue(m.find(), () -> "no hearth_tls_refused_total series for " + port + "/" + reason + " in:\n" + body);
        return Double.parseDouble(m.group(1));
    }
}
