package dev.hearth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.cli.CliRun;
import dev.hearth.cli.http.AdminClient;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * rolling-restart and node restart refuse (exit 3) on a cluster whose zone keeps no backup, and stop nothing. The
 * cluster runs with an admin token ({@code local up --auth}): the nodes, their peer probes, the supervisor and every
 * command use it, and a command without it or with a wrong one exits 6.
 */
@Timeout(600)
class UnsafeClusterIT {
    @TempDir
    Path dir;

    @Test
    void refusesOnAZoneWithoutBackups() throws Exception {
        try (LocalClusterProcess cluster = new LocalClusterProcess(2, dir, "zones.default.backups=0").withAuth()
                .start()) {
            String token = cluster.token();
            AdminClient admin = new AdminClient(cluster.admin(), Duration.ofSeconds(15), token);
            JsonNode before = admin.get("/status");
            assertEquals(2, before.path("membership").path("present").size(), before.toString());
            CliRun r = CliRun.of("status", "--admin", cluster.admin());
            assertEquals(6, r.code(), "no token: " + r);
            r = CliRun.of("rolling-restart", "--admin", cluster.admin(), "--token", "not-the-cluster-token-0123");
            assertEquals(6, r.code(), "a wrong token: " + r);
            r = CliRun.of("rolling-restart", "--admin", cluster.admin(), "--token", token);
            System.out.println(r);
            assertEquals(3, r.code(), r.toString());
            assertTrue(r.err().contains("refusing to restart"), r.toString());
            assertTrue(r.err().contains("backups=0"), r.toString());
            assertTrue(r.err().contains("What to do:"), r.toString());
            assertTrue(r.err().contains("Nothing was stopped"), r.toString());
            r = CliRun.of("node", "restart", "n1", "--admin", cluster.admin(), "--token", token);
            assertEquals(3, r.code(), r.toString());
            r = CliRun.of("rolling-restart", "--dry-run", "--admin", cluster.admin(), "--token", token);
            assertEquals(3, r.code(), r.toString());
            r = CliRun.of("status", "--admin", cluster.admin(), "--token", token);
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.out().contains("keeps no backup"), r.out());
            JsonNode after = admin.get("/status");
            assertEquals(before.path("node").path("id"), after.path("node").path("id"), "n0 was restarted");
            assertTrue(after.path("node").path("uptimeMillis").asLong() > before.path("node").path("uptimeMillis")
                    .asLong());
            assertEquals(2, after.path("members").size(), "a node was stopped");
        }
    }
}
