package dev.hearth.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The compose file and the systemd unit: parseable, and saying what the operations docs rely on. */
class OtherDeploymentsTest {
    @Test
    void composeRunsThreeNodesThatListEachOtherOnDistinctHostPorts() throws IOException {
        JsonNode compose = new ObjectMapper(new YAMLFactory()).readTree(Path.of("compose/compose.yaml").toFile());
        JsonNode services = compose.get("services");
        assertEquals(3, services.size());
        Set<String> hostPorts = new HashSet<>();
        services.fields().forEachRemaining(e -> {
            JsonNode env = e.getValue().get("environment");
            assertEquals(e.getKey(), env.get("HEARTH_NODE_NAME").asText());
            for (String peer : env.get("HEARTH_CLUSTER_ADDRESSES").asText().split(",")) {
                assertTrue(services.has(peer.split(":")[0]), "unknown peer " + peer);
            }
            e.getValue().get("ports").forEach(p -> assertTrue(hostPorts.add(p.asText().split(":")[1]),
                    "host port used twice: " + p));
            assertTrue(e.getValue().get("ports").toString().contains("127.0.0.1:"), "published on loopback only");
        });
    }

    @Test
    void systemdRestartsTheNodeAndCapsItsMemory() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("systemd/hearth-node.service"));
        for (String required : new String[] {"ExecStart=/opt/hearth/bin/hearth-node", "Restart=always",
            "KillSignal=SIGTERM", "RestartPreventExitStatus=2", "User=hearth"}) {
            assertTrue(lines.contains(required), "missing " + required);
        }
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("MemoryMax=")), "no memory ceiling");
        int stop = lines.stream().filter(l -> l.startsWith("TimeoutStopSec=")).map(l -> Integer.parseInt(
                l.substring("TimeoutStopSec=".length()))).findFirst().orElseThrow();
        assertTrue(stop > 60, "systemd would kill the node before its default 60 s graceful stop");
    }
}
