package dev.hearth.client.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.client.Codec;
import dev.hearth.client.HearthClient;
import dev.hearth.client.testing.InJvmCluster;
import dev.hearth.tls.ClientTls;
import dev.hearth.tls.TestCertificates;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * hearth-client against a thin-client port with TLS as a node with tls.enabled has it (a client certificate of the
 * cluster CA required), with certificates made in the test: Builder.tls connects, and a client without TLS or without
 * a certificate fails with a message that says what to change.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TlsClientIT {
    @TempDir
    Path dir;

    @Test
    void connectsWithItsCertificateAndExplainsWhatIsMissingOtherwise() throws Exception {
        TestCertificates.Ca ca = TestCertificates.ca("hearth-test-ca");
        Path caFile = ca.write(dir.resolve("ca.pem"));
        TestCertificates.Leaf node = ca.issue("tls-node");
        Path nodeCert = node.writeCert(dir.resolve("node.crt"));
        Path nodeKey = node.writeKey(dir.resolve("node.key"));
        TestCertificates.Leaf app = ca.issueClient("app-1");
        Path appCert = app.writeCert(dir.resolve("app.crt"));
        Path appKey = app.writeKey(dir.resolve("app.key"));
        try (InJvmCluster cluster = InJvmCluster.startTls(1, ClientTls.context(caFile, nodeCert, nodeKey),
                ClientTls.context(caFile, appCert, appKey), "default")) {
            try (HearthClient c = HearthClient.builder().addresses(cluster.addresses())
                    .timeout(Duration.ofSeconds(5)).tls(caFile, appCert, appKey).build()) {
                c.tenant("tls-app", Codec.utf8()).put("k", "v");
                assertEquals("v", c.tenant("tls-app", Codec.utf8()).get("k"));
            }
            try (HearthClient c = HearthClient.builder().addresses(cluster.addresses())
                    .timeout(Duration.ofSeconds(2)).build()) {
                Exception e = assertThrows(Exception.class, () -> c.tenant("tls-app", Codec.utf8()).get("k"));
                assertTrue(chain(e).contains("if the cluster has tls.enabled, connect with HearthClientBuilder.tls"),
                        chain(e));
            }
            try (HearthClient c = HearthClient.builder().addresses(cluster.addresses())
                    .timeout(Duration.ofSeconds(2)).tls(caFile).build()) {
                Exception e = assertThrows(Exception.class, () -> c.tenant("tls-app", Codec.utf8()).get("k"));
                assertTrue(chain(e).contains("the client certificate must be signed by the cluster CA"), chain(e));
            }
        }
    }

    private static String chain(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            b.append(t).append(" / ");
        }
        return b.toString();
    }
}
