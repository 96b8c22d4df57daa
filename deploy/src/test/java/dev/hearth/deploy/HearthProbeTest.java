package dev.hearth.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/hearth-probe, the probe of the TLS overlay and the image's HEALTHCHECK, against real HTTP and mutual-TLS HTTPS
 * servers standing in for a node's admin port (certificates made with the JDK's keytool in the test): it passes
 * exactly when the node answers 2xx, and with TLS on it completes the handshake only with the node's own certificate.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class HearthProbeTest {
    static final Path PROBE = Path.of("../bin/hearth-probe").toAbsolutePath().normalize();
    static final String PW = "changeit";

    @TempDir
    static Path dir;
    static HttpsServer https;
    static HttpServer http;
    static final List<String> seen = new CopyOnWriteArrayList<>();

    record Run(int exit, String stderr) {
    }

    /** Starts keytool; {@link #done} waits for it. A JVM start each: flags that make it start fast. */
    static Process keytool(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool")
                .toString(), "-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC", "-J-Xshare:auto"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    }

    static void done(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(1, TimeUnit.MINUTES), "keytool timed out");
        assertEquals(0, p.exitValue(), String.join(" ", p.info().arguments().orElse(new String[0])) + ":\n" + out);
    }

    static Process keyPair(String name, String... ext) throws IOException {
        List<String> args = new ArrayList<>(List.of("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname",
                "secp256r1", "-dname", "CN=" + name, "-validity", "2", "-keystore", name + ".p12", "-storetype",
                "PKCS12", "-storepass", PW));
        args.addAll(List.of(ext));
        return keytool(args.toArray(String[]::new));
    }

    static KeyStore load(String name) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve(name + ".p12"))) {
            ks.load(in, PW.toCharArray());
        }
        return ks;
    }

    /** {@code name}.key: the key pair's private key as unencrypted PKCS#8 PEM (what tls.keyFile takes). */
    static void writeKey(String name) throws Exception {
        byte[] pkcs8 = load(name).getKey(name, PW.toCharArray()).getEncoded();
        Files.writeString(dir.resolve(name + ".key"), pem("PRIVATE KEY", pkcs8));
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    @BeforeAll
    static void servers() throws Exception {
        List<Process> pairs = List.of(keyPair("ca", "-ext", "bc:c"), keyPair("node"), keyPair("foreign"));
        for (Process p : pairs) {
            done(p);
        }
        done(keytool("-certreq", "-alias", "node", "-keystore", "node.p12", "-storepass", PW, "-file", "node.csr"));
        done(keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-storepass", PW, "-infile",
                "node.csr", "-outfile", "node.crt", "-validity", "2", "-ext", "eku=serverAuth,clientAuth"));
        writeKey("node");
        writeKey("foreign");
        Files.writeString(dir.resolve("foreign.crt"), pem("CERTIFICATE", load("foreign").getCertificate("foreign")
                .getEncoded()));
        Files.writeString(dir.resolve("ca.crt"), pem("CERTIFICATE", load("ca").getCertificate("ca").getEncoded()));

        // The admin port with mutual TLS: the server's own certificate does not matter (the probe does not verify
        // it, like kubelet), the client's must be signed by the cluster CA.
        KeyStore keys = load("node");
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, PW.toCharArray());
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(dir.resolve("ca.crt"))) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(ctx) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = getSSLContext().getDefaultSSLParameters();
                p.setNeedClientAuth(true);
                params.setSSLParameters(p);
            }
        });
        https.createContext("/", HearthProbeTest::health);
        https.start();
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/", HearthProbeTest::health);
        http.start();
    }

    /** Ready, not live: a probe must pass on 200 and fail on 503. */
    static void health(HttpExchange ex) throws IOException {
        String who = ex instanceof HttpsExchange s
                ? ((X509Certificate) s.getSSLSession().getPeerCertificates()[0]).getSubjectX500Principal().getName()
                : "plain";
        seen.add(ex.getRequestURI().getPath() + " " + who);
        int code = ex.getRequestURI().getPath().equals("/health/ready") ? 200 : 503;
        ex.sendResponseHeaders(code, -1);
        ex.close();
    }

    @AfterAll
    static void stop() {
        if (https != null) {
            https.stop(0);
        }
        if (http != null) {
            http.stop(0);
        }
    }

    static Run probe(int port, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(PROBE.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().keySet().removeIf(k -> k.startsWith("HEARTH_"));
        pb.environment().put("HEARTH_CLUSTER_BIND_ADDRESS", "127.0.0.1");
        pb.environment().put("HEARTH_PORTS_ADMIN", Integer.toString(port));
        pb.environment().putAll(env);
        Process p = pb.start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "hearth-probe timed out");
        return new Run(p.exitValue(), err);
    }

    static Map<String, String> tls(String cert, String key) {
        return Map.of("HEARTH_TLS_ENABLED", "true", "HEARTH_TLS_CERT_FILE", dir.resolve(cert).toString(),
                "HEARTH_TLS_KEY_FILE", dir.resolve(key).toString());
    }

    @Test
    void withTlsOnItPresentsTheNodesCertificateAndPassesOnlyOnSuccess() throws Exception {
        int port = https.getAddress().getPort();
        seen.clear();
        Run ready = probe(port, tls("node.crt", "node.key"), "ready");
        assertEquals(0, ready.exit(), ready.stderr());
        assertEquals(List.of("/health/ready CN=node"), seen, "asked with the node's certificate");
        Run live = probe(port, tls("node.crt", "node.key"), "live");
        assertEquals(1, live.exit(), "503 is a failed probe: " + live.stderr());
    }

    @Test
    void aCertificateFromAnotherCaOrPlainHttpGetsNoAnswerFromAMutualTlsPort() throws Exception {
        int port = https.getAddress().getPort();
        seen.clear();
        Run foreign = probe(port, tls("foreign.crt", "foreign.key"), "ready");
        assertEquals(1, foreign.exit(), foreign.stderr());
        Run plain = probe(port, Map.of(), "ready");
        assertEquals(1, plain.exit(), plain.stderr());
        assertEquals(List.of(), seen, "no request got through");
    }

    @Test
    void withTlsOffItAsksOverHttp() throws Exception {
        int port = http.getAddress().getPort();
        seen.clear();
        assertEquals(0, probe(port, Map.of(), "ready").exit());
        assertEquals(1, probe(port, Map.of(), "live").exit());
        assertEquals(List.of("/health/ready plain", "/health/live plain"), seen);
    }

    @Test
    void anythingButReadyOrLiveIsAUsageError() throws Exception {
        Run none = probe(http.getAddress().getPort(), Map.of());
        assertEquals(2, none.exit());
        assertTrue(none.stderr().contains("usage: hearth-probe ready|live"), none.stderr());
        assertEquals(2, probe(http.getAddress().getPort(), Map.of(), "status").exit());
    }
}
