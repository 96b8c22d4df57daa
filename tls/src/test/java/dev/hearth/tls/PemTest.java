package dev.hearth.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.KeyManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** PEM files as operators have them: good ones of both key types, and the usual wrong ones, with their messages. */
@Timeout(60)
class PemTest {
    @TempDir
    Path dir;

    private final TestCertificates.Ca ca = TestCertificates.ca("test-ca");

    @Test
    void readsAnEcAndAnRsaPairAndTheCaBundle() {
        TestCertificates.Leaf ec = ca.issue("node-ec");
        TestCertificates.Leaf rsa = ca.issue("node-rsa", "RSA", Instant.now().minusSeconds(60), Duration.ofDays(1));
        TestCertificates.Ca other = TestCertificates.ca("other-ca");
        Path bundle = dir.resolve("bundle.pem");
        writeConcat(bundle, ca.write(dir.resolve("a.pem")), other.write(dir.resolve("b.pem")));

        TlsMaterial m = TlsMaterial.load(ec.writeCert(dir.resolve("ec.crt")), ec.writeKey(dir.resolve("ec.key")),
                bundle);
        assertEquals(ec.cert(), m.chain().get(0));
        assertEquals(2, m.cas().size());
        assertInstanceOf(ECPrivateKey.class, Pem.privateKey(dir.resolve("ec.key")));

        TlsMaterial r = TlsMaterial.load(rsa.writeCert(dir.resolve("rsa.crt")), rsa.writeKey(dir.resolve("rsa.key")),
                null);
        assertTrue(r.hasKey());
        assertTrue(!r.hasCa());
        assertInstanceOf(RSAPrivateKey.class, Pem.privateKey(dir.resolve("rsa.key")));
    }

    @Test
    void badFilesGetAMessageNamingTheFileAndTheFix() throws Exception {
        TestCertificates.Leaf leaf = ca.issue("node");
        Path cert = leaf.writeCert(dir.resolve("node.crt"));
        Path key = leaf.writeKey(dir.resolve("node.key"));

        assertMessage(() -> TlsMaterial.load(dir.resolve("missing.crt"), key, null), "missing.crt: no such file");
        Path text = Files.writeString(dir.resolve("text.crt"), "hello\n");
        assertMessage(() -> Pem.certificates(text), "text.crt: not a PEM file");
        assertMessage(() -> Pem.certificates(key), "node.key: no certificate found");
        assertMessage(() -> Pem.privateKey(cert), "expected exactly one '-----BEGIN PRIVATE KEY-----' block");
        Path pkcs1 = Files.writeString(dir.resolve("pkcs1.key"),
                TestCertificates.pem("RSA PRIVATE KEY", new byte[] {1, 2, 3}));
        assertMessage(() -> Pem.privateKey(pkcs1), "is a PKCS#1/SEC1 key");
        assertMessage(() -> Pem.privateKey(pkcs1), Pem.CONVERT);
        Path encrypted = Files.writeString(dir.resolve("enc.key"),
                TestCertificates.pem("ENCRYPTED PRIVATE KEY", new byte[] {1, 2, 3}));
        assertMessage(() -> Pem.privateKey(encrypted), "the key is encrypted");
        Path damaged = Files.writeString(dir.resolve("damaged.key"),
                TestCertificates.pem("PRIVATE KEY", new byte[] {1, 2, 3}));
        assertMessage(() -> Pem.privateKey(damaged), "neither RSA nor EC, or is damaged");
        Path badBase64 = Files.writeString(dir.resolve("b64.crt"),
                "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n");
        assertMessage(() -> Pem.certificates(badBase64), "not valid base64");
        Path notCert = Files.writeString(dir.resolve("notcert.crt"), TestCertificates.pem("CERTIFICATE",
                "definitely not DER".getBytes(StandardCharsets.US_ASCII)));
        assertMessage(() -> Pem.certificates(notCert), "certificate 1 is not a valid X.509 certificate");

        Path otherKey = ca.issue("other").writeKey(dir.resolve("other.key"));
        assertMessage(() -> TlsMaterial.load(cert, otherKey, null), "is not the private key of the certificate");
        Path rsaKey = ca.issue("r", "RSA", Instant.now(), Duration.ofDays(1)).writeKey(dir.resolve("rsa.key"));
        assertMessage(() -> TlsMaterial.load(cert, rsaKey, null), "they are not a pair");
        assertMessage(() -> TlsMaterial.load(cert, null, null), "go together");

        TestCertificates.Leaf old = ca.issue("old", "EC", Instant.now().minus(Duration.ofDays(3)), Duration.ofDays(1));
        assertMessage(() -> TlsMaterial.load(old.writeCert(dir.resolve("old.crt")),
                old.writeKey(dir.resolve("old.key")), null), "old.crt: the certificate expired on");
    }

    @Test
    void aClientContextTrustsItsCaAndPresentsItsCertificate() throws Exception {
        TestCertificates.Leaf server = ca.issue("server");
        TestCertificates.Leaf client = ca.issueClient("client");
        TlsMaterial serverSide = TlsMaterial.load(server.writeCert(dir.resolve("s.crt")),
                server.writeKey(dir.resolve("s.key")), ca.write(dir.resolve("ca.pem")));
        SSLContext serverCtx = SSLContext.getInstance("TLS");
        serverCtx.init(new KeyManager[] {serverSide.keyManager()}, new TrustManager[] {serverSide.trustManager()},
                null);

        SSLContext good = ClientTls.context(dir.resolve("ca.pem"), client.writeCert(dir.resolve("c.crt")),
                client.writeKey(dir.resolve("c.key")));
        assertEquals("pong", exchange(serverCtx, good));

        SSLContext noCert = ClientTls.context(dir.resolve("ca.pem"), null, null);
        assertThrows(Exception.class, () -> exchange(serverCtx, noCert));

        TestCertificates.Ca foreign = TestCertificates.ca("foreign-ca");
        SSLContext trustsForeign = ClientTls.context(foreign.write(dir.resolve("foreign.pem")),
                client.writeCert(dir.resolve("c.crt")), client.writeKey(dir.resolve("c.key")));
        Exception e = assertThrows(Exception.class, () -> exchange(serverCtx, trustsForeign));
        assertInstanceOf(SSLHandshakeException.class, e);
    }

    /** One TLS connection with client authentication required: the client writes "ping", the server "pong". */
    private static String exchange(SSLContext serverCtx, SSLContext clientCtx) throws Exception {
        try (SSLServerSocket ss = (SSLServerSocket) serverCtx.getServerSocketFactory().createServerSocket(0)) {
            ss.setNeedClientAuth(true);
            CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
                try (SSLSocket s = (SSLSocket) ss.accept()) {
                    s.getInputStream().readNBytes(4);
                    s.getOutputStream().write("pong".getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            try (SSLSocket c = (SSLSocket) clientCtx.getSocketFactory().createSocket("127.0.0.1", ss.getLocalPort())) {
                c.setSoTimeout(10_000);
                OutputStream out = c.getOutputStream();
                out.write("ping".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = c.getInputStream();
                byte[] answer = in.readNBytes(4);
                if (answer.length < 4) {
                    throw new java.io.EOFException("the server closed the connection");
                }
                return new String(answer, StandardCharsets.US_ASCII);
            } finally {
                try {
                    served.get(10, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException expectedWhenRefused) {
                    // the server side of a refused handshake fails too; the client's failure is what is asserted
                }
            }
        }
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String expected) {
        PemException e = assertThrows(PemException.class, call);
        assertTrue(e.getMessage().contains(expected), () -> "'" + e.getMessage() + "' should contain '" + expected + "'");
    }

    private static void writeConcat(Path to, Path... from) {
        try {
            StringBuilder b = new StringBuilder();
            for (Path p : from) {
                b.append(Files.readString(p));
            }
            Files.writeString(to, b);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
