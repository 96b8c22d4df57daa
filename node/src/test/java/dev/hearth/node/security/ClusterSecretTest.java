package dev.hearth.node.security;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The join proof: only the same secret, node id and cluster name verify; the proof does not contain the secret. */
@Timeout(10)
class ClusterSecretTest {
    private static final String SECRET = "0123456789abcdef-cluster-secret";

    @Test
    void aProofVerifiesOnlyForItsSecretNodeAndCluster() {
        ClusterSecret secret = ClusterSecret.of(SECRET);
        UUID node = UUID.randomUUID();
        String proof = secret.proofFor(node, "blue");
        assertTrue(secret.verify(node, "blue", proof));
        assertTrue(ClusterSecret.of(SECRET).verify(node, "blue", proof), "another node with the same secret agrees");
        assertFalse(ClusterSecret.of(SECRET + "x").verify(node, "blue", proof), "another secret");
        assertFalse(secret.verify(UUID.randomUUID(), "blue", proof), "a proof is bound to one node id");
        assertFalse(secret.verify(node, "green", proof), "and to one cluster name");
        assertFalse(secret.verify(node, "blue", null), "no proof");
        assertFalse(secret.verify(node, "blue", 42), "not a proof");
        assertFalse(secret.verify(node, "blue", "hmac-sha256:!!!"), "not base64");
        assertFalse(secret.verify(node, "blue", proof.substring(0, proof.length() - 4)), "truncated");
        assertFalse(proof.contains(SECRET));
        assertNotEquals(proof, secret.proofFor(UUID.randomUUID(), "blue"));
        assertNull(ClusterSecret.of(""), "no secret, no check");
    }
}
