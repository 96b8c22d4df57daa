package dev.hearth.node.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.tls.ClientTls;
import dev.hearth.tls.PemException;
import dev.hearth.tls.TestCertificates;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reloading the node's TLS files, over real handshakes against a server socket of the node's SSLContext: new
 * connections get the new certificate and CA, an open one keeps its own, and a bad change keeps the old material.
 */
@Timeout(60)
class NodeTlsTest {
    @TempDir
    Path dir;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private ServerSocket server;
    private NodeTls tls;
    private TestCertificates.Ca ca;
    private Path cert;
    private Path key;
    private Path caFile;
    private SSLContext client;

    @BeforeEach
    void setUp() throws Exception {
        ca = TestCertificates.ca("reload-ca");
        caFile = ca.write(dir.resolve("ca.pem"));
        TestCertificates.Leaf first = ca.issue("node-first");
        cert = first.writeCert(dir.resolve("node.crt"));
        key = first.writeKey(dir.resolve("node.key"));
        TestCertificates.Leaf app = ca.issueClient("app");
        client = ClientTls.context(caFile, app.writeCert(dir.resolve("app.crt")), app.writeKey(dir.resolve("app.key")));
    }

    @AfterEach
    void tearDown() throws IOException {
        if (server != null) {
            server.close();
        }
        if (tls != null) {
            tls.close();
        }
        threads.shutdownNow();
    }

    /**
     * A server that makes each connection's TLS side from the node's context when it arrives (as Netty and Ignite's
     * NIO ports do, one engine per connection), needs a client certificate, and echoes every byte.
     */
    private void serve() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(() -> {
            while (!server.isClosed()) {
                try {
                    Socket plain = server.accept();
                    SSLSocket s = (SSLSocket) tls.sslContext().getSocketFactory().createSocket(plain,
                            "127.0.0.1", plain.getPort(), true);
                    s.setUseClientMode(false);
                    s.setNeedClientAuth(true);
                    threads.execute(() -> echo(s));
                } catch (IOException closed) {
                    return;
                }
            }
        });
    }

    private static void echo(SSLSocket s) {
        try (s) {
            int b;
            while ((b = s.getInputStream().read()) >= 0) {
                s.getOutputStream().write(b);
                s.getOutputStream().flush();
            }
        } catch (IOException refusedOrClosed) {
            // the client side asserts what it saw
        }
    }

    private SSLSocket connect(SSLContext ctx) throws IOException {
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", server.getLocalPort());
        s.setSoTimeout(10_000);
        s.startHandshake();
        return s;
    }

    private static int roundTrip(SSLSocket s) throws IOException {
        s.getOutputStream().write(7);
        s.getOutputStream().flush();
        return s.getInputStream().read();
    }

    private X509Certificate served() throws IOException {
        try (SSLSocket s = connect(client)) {
            assertEquals(7, roundTrip(s));
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
        }
    }

    @Test
    void newConnectionsTakeChangedFilesOpenOnesKeepTheirsAndBadChangesAreIgnored() throws Exception {
        tls = new NodeTls(cert, key, caFile, Duration.ZERO);
        serve();
        X509Certificate before = served();
        assertEquals("CN=node-first", before.getSubjectX500Principal().getName());
        SSLSocket open = connect(client);
        assertFalse(tls.reload(), "nothing changed");

        TestCertificates.Leaf second = ca.issue("node-second");
        second.writeCert(cert);
        second.writeKey(key);
        assertTrue(tls.reload());
        assertEquals("CN=node-second", served().getSubjectX500Principal().getName());
        assertEquals(7, roundTrip(open), "an open connection goes on");
        assertEquals(before, open.getSession().getPeerCertificates()[0], "with the certificate it negotiated");
        open.close();

        // Half-way through a rotation: the new certificate is there, its key not yet. Nothing changes.
        TestCertificates.Leaf third = ca.issue("node-third");
        third.writeCert(cert);
        PemException mismatch = assertThrows(PemException.class, tls::reload);
        assertTrue(mismatch.getMessage().contains("is not the private key of the certificate"), mismatch.getMessage());
        assertEquals("CN=node-second", served().getSubjectX500Principal().getName());
        Files.writeString(key, "garbage");
        assertThrows(PemException.class, tls::reload);
        assertEquals("CN=node-second", served().getSubjectX500Principal().getName());
        third.writeKey(key);
        assertTrue(tls.reload());
        assertEquals("CN=node-third", served().getSubjectX500Principal().getName());

        // A new CA: clients of the old one are refused from now on, clients of the new one accepted.
        TestCertificates.Ca next = TestCertificates.ca("next-ca");
        next.write(caFile);
        TestCertificates.Leaf nodeOfNext = next.issue("node-next");
        nodeOfNext.writeCert(cert);
        nodeOfNext.writeKey(key);
        assertTrue(tls.reload());
        assertThrows(IOException.class, () -> {
            try (SSLSocket s = connect(client)) {
                roundTrip(s);
            }
        });
        TestCertificates.Leaf appOfNext = next.issueClient("app-next");
        SSLContext nextClient = ClientTls.context(caFile, appOfNext.writeCert(dir.resolve("app2.crt")),
                appOfNext.writeKey(dir.resolve("app2.key")));
        try (SSLSocket s = connect(nextClient)) {
            assertEquals(7, roundTrip(s));
        }
    }

    @Test
    void changedFilesAreFoundOnTheReloadInterval() throws Exception {
        tls = new NodeTls(cert, key, caFile, Duration.ofSeconds(1));
        serve();
        TestCertificates.Leaf second = ca.issue("node-rotated");
        second.writeCert(cert);
        second.writeKey(key);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> tls.material().chain().get(0)
                .equals(second.cert()));
        assertEquals("CN=node-rotated", served().getSubjectX500Principal().getName());
    }

    @Test
    void aBadFileAtStartIsAClearError() {
        PemException e = assertThrows(PemException.class,
                () -> new NodeTls(cert, dir.resolve("missing.key"), caFile, Duration.ZERO));
        assertTrue(e.getMessage().contains("missing.key: no such file"), e.getMessage());
    }
}
