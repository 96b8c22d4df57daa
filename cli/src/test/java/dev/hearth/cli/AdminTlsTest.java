package dev.hearth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.cli.http.AdminClient;
import dev.hearth.tls.TestCertificates;
import dev.hearth.tls.TlsMaterial;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * hearthctl against HTTPS admin ports that demand a client certificate (as nodes with tls.enabled): --cacert, --cert
 * and --key reach every node, including the ones discovered from the first; without a certificate, or over plain
 * HTTP, the nodes are unreachable (exit 4); bad options are usage errors (exit 2).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminTlsTest {
    @TempDir
    Path dir;

    @AfterEach
    void plainAgain() {
        AdminClient.usePlainHttp();
    }

    @Test
    void statusOverMutualTls() throws Exception {
        TestCertificates.Ca ca = TestCertificates.ca("cli-ca");
        Path caFile = ca.write(dir.resolve("ca.pem"));
        TestCertificates.Leaf node = ca.issue("node");
        TlsMaterial server = TlsMaterial.load(node.writeCert(dir.resolve("node.crt")),
                node.writeKey(dir.resolve("node.key")), caFile);
        SSLContext serverCtx = SSLContext.getInstance("TLS");
        serverCtx.init(new KeyManager[] {server.keyManager()}, new TrustManager[] {server.trustManager()}, null);
        TestCertificates.Leaf operator = ca.issueClient("operator");
        String cert = operator.writeCert(dir.resolve("op.crt")).toString();
        String key = operator.writeKey(dir.resolve("op.key")).toString();

        try (FixtureNodes nodes = new FixtureNodes(serverCtx, "n0", "n1", "n2")) {
            String https = "https://" + nodes.admin("n0");
            CliRun ok = CliRun.of("status", "--admin", https, "--cacert", caFile.toString(), "--cert", cert,
                    "--key", key);
            assertEquals(0, ok.code(), ok.toString());
            assertTrue(ok.out().contains("n1") && ok.out().contains("n2"), ok.toString());

            CliRun noCert = CliRun.of("status", "--admin", https, "--cacert", caFile.toString());
            assertEquals(ExitCodes.UNREACHABLE, noCert.code(), noCert.toString());

            CliRun plain = CliRun.of("status", "--admin", nodes.admin("n0"));
            assertEquals(ExitCodes.UNREACHABLE, plain.code(), plain.toString());

            CliRun halfPair = CliRun.of("status", "--admin", https, "--cert", cert);
            assertEquals(ExitCodes.USAGE, halfPair.code(), halfPair.toString());
            assertTrue(halfPair.err().contains("--cert and --key go together"), halfPair.toString());

            CliRun badCa = CliRun.of("status", "--admin", https, "--cacert", key, "--cert", cert, "--key", key);
            assertEquals(ExitCodes.USAGE, badCa.code(), badCa.toString());
            assertTrue(badCa.err().contains("no certificate found"), badCa.toString());
        }
    }
}
