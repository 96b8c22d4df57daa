package dev.hearth.node.ignite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.node.HearthNode;
import dev.hearth.node.TestNodes;
import dev.hearth.testing.FreePorts;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may join without TLS, on real Ignite nodes in one JVM: only a node that knows the cluster secret. A refused
 * node's start fails with the reason. With TLS, the node certificate decides: SecureClusterTest.
 */
@Timeout(180)
class NodeTrustClusterTest {
    private static final String SECRET = "correct horse battery staple";
    @TempDir
    Path dir;

    private final List<HearthNode> nodes = new ArrayList<>();

    @AfterEach
    void stop() {
        for (int i = nodes.size() - 1; i >= 0; i--) {
            nodes.get(i).close();
        }
    }

    private HearthNode start(String cluster, int i, int[] disco, String... sets) throws Exception {
        HearthNode n = HearthNode.start(TestNodes.config(cluster, i, disco, dir, sets), null);
        nodes.add(n);
        return n;
    }

    @Test
    void withoutTlsOnlyANodeThatKnowsTheSecretJoins() throws Exception {
        // One refusal only: a refused start takes Ignite about 10 s (the other refusals are ClusterSecretTest's).
        int[] disco = FreePorts.several(4);
        start("secret", 0, disco, "cluster.secret=" + SECRET);
        Exception wrong = assertThrows(Exception.class,
                () -> start("secret", 1, disco, "cluster.secret=" + SECRET.toUpperCase(java.util.Locale.ROOT)));
        assertTrue(TestNodes.messages(wrong).contains("does not know the cluster secret of cluster 'secret'"), TestNodes.messages(wrong));
        Path file = java.nio.file.Files.writeString(dir.resolve("secret"), SECRET + "\n");
        HearthNode right = start("secret", 3, disco, "cluster.secretFile=" + file);
        assertEquals(2, right.ignite().cluster().forServers().nodes().size());
    }
}
