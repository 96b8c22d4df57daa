package dev.hearth.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.testing.NodeProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real node whose data dir is a 2 MiB file system of its own (a tmpfs mounted in a user and mount namespace made
 * for the node, so no root is needed) and that holds far more than that: its local copy and a dump meet a full disk.
 * Each is logged with the figures, counted in /metrics and given up cleanly (no dump files left behind, no log line
 * per partition), and the node serves on.
 */
@Timeout(180)
class DiskFullIT {
    @TempDir
    Path dir;

    @Test
    void aFullDiskIsLoudCountedAndBoundedAndTheNodeServesOn() throws Exception {
        NodeProcess node = new NodeProcess("diskfull-0", dir);
        node.configure("diskfull", node.discoveryAddress(), "zones.default.memory=64m",
                "localCopy.interval=1s");
        Path data = Files.createDirectories(node.dataDir());
        node.wrappedIn(List.of("unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                "mount -t tmpfs -o size=2m hearth-test \"$1\" && shift && exec \"$@\"", "sh", data.toString()));
        long started = System.nanoTime();
        try (node) {
            node.start().awaitReady(Duration.ofSeconds(60));
            String value = "v".repeat(100_000);
            try (TextClient c = new TextClient(node.ports().memcached(), 10_000)) {
                for (int i = 0; i < 80; i++) {
                    assertEquals("STORED", c.set("full:k" + i, value));
                }
            }
            // 8 MB of entries, a 2 MiB disk: the local copy's next rounds run out of space.
            awaitOrShowLog(node, () -> diskFull(node, "local_copy") >= 2);

            assertEquals(202, node.post("/admin/dumps?name=full").statusCode());
            awaitOrShowLog(node, () -> node.get("/admin/dumps/full").body().replace(" ", "")
                    .contains("\"state\":\"failed\""));
            assertTrue(diskFull(node, "dump") >= 1, "the dump's full disk is counted");

            assertEquals(200, node.readyStatus(), "the node serves on");
            try (TextClient c = new TextClient(node.ports().memcached(), 10_000)) {
                assertEquals(value, c.get("full:k79"));
                assertEquals("STORED", c.set("full:after", "still-serving"));
            }
            String log = Files.readString(node.log());
            List<String> lines = log.lines().filter(l -> l.contains("Disk full: local copy under")).toList();
            // One line a minute, not one per partition (1,024) or per round (every second here).
            long minutes = 1 + Duration.ofNanos(System.nanoTime() - started).toMinutes();
            assertTrue(!lines.isEmpty() && lines.size() <= minutes, minutes + " minute(s), " + lines.size()
                    + " lines: " + lines);
            assertTrue(lines.get(0).contains("bytes free of 2097152"), lines.get(0));
            assertTrue(log.contains("Disk full: dump under"), "the dump's full disk is logged");
            // Its FAILED marker may not fit on the disk either: the node keeps why in memory (state failed above).
            String left = inNodesMounts(node, "ls", data.resolve("dumps/full").toString()).strip();
            assertTrue(left.isEmpty() || left.equals("FAILED"), "the failed dump's files are gone: " + left);
        }
    }

    /** Runs {@code command} in the node's user and mount namespaces, where its tmpfs is; its output. */
    private static String inNodesMounts(NodeProcess node, String... command) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("nsenter", "--target", Long.toString(node.pid()),
                "--user", "--mount", "--preserve-credentials"));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "nsenter hung");
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private static void awaitOrShowLog(NodeProcess node, java.util.concurrent.Callable<Boolean> condition) {
        try {
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(condition);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            String metrics = node.get("/metrics").body().lines().filter(l -> l.startsWith("hearth_disk_full"))
                    .collect(java.util.stream.Collectors.joining("\n"));
            throw new AssertionError(e.getMessage() + "; " + metrics + "; the node's log:\n" + node.logTail(60), e);
        }
    }

    private static double diskFull(NodeProcess node, String use) {
        return MemoryLimitIT.metric(node.get("/metrics").body(),
                "hearth_disk_full_total\\{node=\"diskfull-0\",use=\"" + use + "\"}");
    }
}
