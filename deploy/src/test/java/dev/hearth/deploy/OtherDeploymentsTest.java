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
import org.junit.jupiter.api.Timeout;

/** The compose file and the systemd unit: parseable, and saying what the operations docs rely on. */
@Timeout(60)
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
    void composeRunsEachNodeReadOnlyWithoutPrivileges() throws IOException {
        JsonNode compose = new ObjectMapper(new YAMLFactory()).readTree(Path.of("compose/compose.yaml").toFile());
        compose.get("services").fields().forEachRemaining(e -> {
            JsonNode s = e.getValue();
            String n = e.getKey() + ": ";
            assertTrue(s.path("read_only").asBoolean(false), n + "read-only root filesystem");
            assertEquals("[\"ALL\"]", s.path("cap_drop").toString(), n + "every capability dropped");
            assertTrue(s.path("security_opt").toString().contains("no-new-privileges:true"), n + "no escalation");
            assertTrue(s.path("tmpfs").toString().contains("\"/tmp"), n + "a writable /tmp");
            // The node's data dir (the image's HEARTH_NODE_DATA_DIR) must be a volume: the root is read-only.
            assertTrue(s.path("volumes").toString().contains(":/var/lib/hearth\""), n + "the data dir on a volume");
            String volume = s.path("volumes").get(0).asText().split(":")[0];
            assertTrue(compose.path("volumes").has(volume), n + "undeclared volume " + volume);
        });
    }

    @Test
    void systemdSandboxesTheNodeAndLeavesItsDataDirWritable() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("systemd/hearth-node.service"));
        for (String required : new String[] {"NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes",
            "PrivateTmp=yes", "PrivateDevices=yes", "CapabilityBoundingSet=", "RestrictSUIDSGID=yes",
            "ReadWritePaths=/var/lib/hearth", "Environment=HEARTH_NODE_DATA_DIR=/var/lib/hearth"}) {
            assertTrue(lines.contains(required), "missing " + required);
        }
        // The JIT writes code and runs it: this one would kill the JVM at start.
        assertTrue(lines.stream().noneMatch(l -> l.startsWith("MemoryDenyWriteExecute=yes")), "breaks the JVM");
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
