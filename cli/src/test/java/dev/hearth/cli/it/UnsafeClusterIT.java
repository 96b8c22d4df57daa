package dev.hearth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.cli.AdminClient;
import dev.hearth.cli.CliRun;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** rolling-restart and node restart refuse (exit 3) on a cluster whose zone keeps no backup, and stop nothing. */
class UnsafeClusterIT {
    @TempDir
    Path dir;

    @Test
    void refusesOnAZoneWithoutBackups() throws Exception {
        try (LocalClusterProcess cluster = new LocalClusterProcess(2, dir, "zones.default.backups=0").start()) {
            JsonNode before = new AdminClient(cluster.admin()).get("/status");
            CliRun r = CliRun.of("rolling-restart", "--admin", cluster.admin());
            System.out.println(r);
            assertEquals(3, r.code(), r.toString());
            assertTrue(r.err().contains("refusing to restart"), r.toString());
            assertTrue(r.err().contains("backups=0"), r.toString());
            assertTrue(r.err().contains("What to do:"), r.toString());
            assertTrue(r.err().contains("Nothing was stopped"), r.toString());
            r = CliRun.of("node", "restart", "n1", "--admin", cluster.admin());
            assertEquals(3, r.code(), r.toString());
            r = CliRun.of("rolling-restart", "--dry-run", "--admin", cluster.admin());
            assertEquals(3, r.code(), r.toString());
            r = CliRun.of("status", "--admin", cluster.admin());
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.out().contains("keeps no backup"), r.out());
            JsonNode after = new AdminClient(cluster.admin()).get("/status");
            assertEquals(before.path("node").path("id"), after.path("node").path("id"), "n0 was restarted");
            assertTrue(after.path("node").path("uptimeMillis").asLong() > before.path("node").path("uptimeMillis")
                    .asLong());
            assertEquals(2, after.path("members").size(), "a node was stopped");
        }
    }
}
