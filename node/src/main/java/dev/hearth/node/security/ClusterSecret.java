package dev.hearth.node.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Objects;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The shared cluster secret ({@code cluster.secret} / {@code cluster.secretFile}) as a join proof: a joining node
 * sends an HMAC-SHA256, under the secret, of its node id and cluster name; the node deciding the join recomputes and
 * compares it. The secret itself never leaves the node. Node ids are random per start, so a proof is good for one
 * node start only; on a network where joins can be observed, a recorded proof can be replayed by a process that
 * reuses that node id while it is not in the cluster: use TLS there (docs/security.md).
 */
public final class ClusterSecret {
    private static final String SCHEME = "hmac-sha256:";
    private final SecretKeySpec key;

    private ClusterSecret(String secret) {
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    }

    /** @return the secret, or null when {@code secret} is empty (no join check) */
    public static ClusterSecret of(String secret) {
        Objects.requireNonNull(secret);
        return secret.isEmpty() ? null : new ClusterSecret(secret);
    }

    /** The proof that a node with id {@code nodeId} of cluster {@code clusterName} knows this secret. */
    public String proofFor(UUID nodeId, String clusterName) {
        return SCHEME + Base64.getEncoder().encodeToString(mac(nodeId, clusterName));
    }

    /** True when {@code proof} is exactly {@link #proofFor}(nodeId, clusterName) (compared in constant time). */
    public boolean verify(UUID nodeId, String clusterName, Object proof) {
        if (!(proof instanceof String s) || !s.startsWith(SCHEME)) {
            return false;
        }
        byte[] theirs;
        try {
            theirs = Base64.getDecoder().decode(s.substring(SCHEME.length()));
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(mac(nodeId, clusterName), theirs);
    }

    private byte[] mac(UUID nodeId, String clusterName) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update(("hearth-join\0" + nodeId + "\0" + clusterName).getBytes(StandardCharsets.UTF_8));
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable in this JVM", e);
        }
    }
}
