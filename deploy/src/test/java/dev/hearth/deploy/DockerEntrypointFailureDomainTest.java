package dev.hearth.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/docker-entrypoint's choice of failure domain, run for real (bin/hearth-node replaced by a script that prints its
 * environment): components/zone-failure-domain hands it the pod's zone label, empty where Kubernetes did not copy the
 * Node's zone onto the pod, and the host as the fallback. The node must always get a domain its config accepts
 * (ConfigLoader's name rule), and never the fallback variable, which names no config key.
 */
@Timeout(60)
class DockerEntrypointFailureDomainTest {
    /** node.failureDomain's rule (ConfigLoader.NAME). */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    @TempDir
    Path home;

    @Test
    void theZoneLabelWinsWhereThePodHasIt() throws Exception {
        Map<String, String> env = run(Map.of("HEARTH_NODE_FAILURE_DOMAIN", "europe-west1-b",
                "HEARTH_NODE_FAILURE_DOMAIN_FALLBACK", "gke-pool-1-abcd"));
        assertEquals("europe-west1-b", env.get("HEARTH_NODE_FAILURE_DOMAIN"));
        assertFalse(env.containsKey("HEARTH_NODE_FAILURE_DOMAIN_FALLBACK"), "the node would warn of an unknown key");
    }

    @Test
    void anEmptyLabelFallsBackToTheHost() throws Exception {
        Map<String, String> env = run(Map.of("HEARTH_NODE_FAILURE_DOMAIN", "",
                "HEARTH_NODE_FAILURE_DOMAIN_FALLBACK", "ip-10-0-1-23.ec2.internal"));
        assertEquals("ip-10-0-1-23.ec2.internal", env.get("HEARTH_NODE_FAILURE_DOMAIN"));
        assertFalse(env.containsKey("HEARTH_NODE_FAILURE_DOMAIN_FALLBACK"));
        assertTrue(env.get("stderr").contains("failure domain is the host"), env.get("stderr"));
    }

    @Test
    void withoutTheComponentTheDomainIsLeftAsGiven() throws Exception {
        assertEquals("worker-3", run(Map.of("HEARTH_NODE_FAILURE_DOMAIN", "worker-3")).get(
                "HEARTH_NODE_FAILURE_DOMAIN"));
        assertNull(run(Map.of()).get("HEARTH_NODE_FAILURE_DOMAIN"), "outside Kubernetes: the config's, untouched");
    }

    /** Node names may be 253 characters; a domain 63. Shortened the same way on every start, distinct per host. */
    @Test
    void aLongHostNameIsShortenedStablyAndDistinctly() throws Exception {
        String prefix = "node-pool-with-a-very-long-name-in-a-big-organisation-".repeat(2);
        String a = run(Map.of("HEARTH_NODE_FAILURE_DOMAIN_FALLBACK", prefix + "a.example.internal"))
                .get("HEARTH_NODE_FAILURE_DOMAIN");
        String b = run(Map.of("HEARTH_NODE_FAILURE_DOMAIN_FALLBACK", prefix + "b.example.internal"))
                .get("HEARTH_NODE_FAILURE_DOMAIN");
        assertTrue(NAME.matcher(a).matches(), a);
        assertTrue(NAME.matcher(b).matches(), b);
        assertNotEquals(a, b);
        assertEquals(a, run(Map.of("HEARTH_NODE_FAILURE_DOMAIN_FALLBACK", prefix + "a.example.internal"))
                .get("HEARTH_NODE_FAILURE_DOMAIN"));
        String exact = "h".repeat(63);
        assertEquals(exact, run(Map.of("HEARTH_NODE_FAILURE_DOMAIN_FALLBACK", exact)).get(
                "HEARTH_NODE_FAILURE_DOMAIN"));
    }

    private Map<String, String> run(Map<String, String> extra) throws IOException, InterruptedException {
        return DockerEntrypointTest.run(home, "2g", extra);
    }
}
