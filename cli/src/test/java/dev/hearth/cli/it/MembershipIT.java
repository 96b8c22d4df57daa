package dev.hearth.cli.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.cli.CliRun;
import dev.hearth.cli.http.AdminClient;
import dev.hearth.cli.operation.LocalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * hearthctl and the nodes' membership, on real node processes started by {@code hearthctl local up}: a restart of
 * every node on its data dir (each then expects its old peers), a node that is gone for good (missing, then
 * forgotten), and the last node standing (no quorum).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class MembershipIT {
    @TempDir
    Path dir;

    @Test
    void missingNodeIsAProblemUntilForgottenAndTheLastNodeHasNoQuorum() throws Exception {
        try (LocalClusterProcess cluster = new LocalClusterProcess(3, dir).start()) {
            List<Long> pids = new ArrayList<>();
            try {
                // A node polls its membership every second: just after local up one node's view can still be its
                // own (CI saw a transient "SPLIT ... and {n2}" and "no quorum: 1 of 2"), so wait for the settled view.
                await().atMost(Duration.ofSeconds(15)).until(() -> CliRun.of("status", "--admin",
                        "127.0.0.1:" + cluster.adminPort(0), "-o", "json").code() == 0);
                JsonNode s = status(cluster, 0);
                assertEquals(List.of(), problems(s));
                assertEquals(List.of("n0", "n1", "n2"), names(s.path("membership").path("expected")));

                // Every node restarted on its data dir expects the other two: local up must start them together.
                cluster.down();
                long t0 = System.nanoTime();
                cluster.start();
                System.out.printf("local up on existing data dirs: every node ready after %d ms%n",
                        (System.nanoTime() - t0) / 1_000_000);
                s = status(cluster, 0);
                assertEquals(List.of("n0", "n1", "n2"), names(s.path("membership").path("present")));

                // No supervisor any more, then n2 killed: nobody starts it again.
                JsonNode state = AdminClient.JSON.readTree(dir.resolve(LocalCluster.STATE_FILE).toFile());
                state.path("nodes").forEach(n -> pids.add(n.path("pid").asLong()));
                kill(state.path("supervisorPid").asLong());
                kill(pids.get(2));
                await().atMost(Duration.ofSeconds(60)).until(() -> names(membership(cluster, 0).path("missing"))
                        .equals(List.of("n2")));
                // n2's partitions move to n0 and n1 once it is gone: until they have arrived, "n1 is not ready:
                // rebalancing" is a true problem too (CI saw it), so wait for the rebalance to end.
                List<String> onlyMissing = List.of("n2 is missing: not in the cluster of n0, n1, and no node knows "
                        + "its admin address");
                await().atMost(Duration.ofSeconds(60)).until(() -> problems(status(cluster, 1)).equals(onlyMissing));
                CliRun local = CliRun.of("local", "status", "--dir", dir.toString());
                assertEquals(0, local.code(), local.toString());
                assertFalse(local.out().contains("problem:"), local.out());

                CliRun r = CliRun.of("cluster", "forget", "n2", "--admin", cluster.admin());
                assertEquals(2, r.code(), r.toString());
                r = CliRun.of("cluster", "forget", "n1", "--yes", "--admin", cluster.admin());
                assertEquals(3, r.code(), r.toString());
                r = CliRun.of("cluster", "forget", "n2", "--dry-run", "--admin", cluster.admin());
                assertEquals(0, r.code(), r.toString());
                assertEquals(List.of("n0", "n1", "n2"), names(membership(cluster, 1).path("expected")));
                r = CliRun.of("cluster", "forget", "n2", "--yes", "-o", "json", "--admin", cluster.admin());
                System.out.println(r);
                assertEquals(0, r.code(), r.toString());
                for (int i = 0; i < 2; i++) {
                    assertEquals(List.of("n0", "n1"), names(membership(cluster, i).path("expected")), "n" + i);
                }
                s = status(cluster, 0);
                assertEquals(2, s.path("membership").path("expectedSize").asInt());

                // n1 killed too: n0 still expects it and is left with 1 of 2, no quorum. It lost the quorum to a
                // failure, so it fences itself (QuorumFence): it halts, and with no supervisor it stays down.
                Optional<ProcessHandle> n0 = ProcessHandle.of(pids.get(0));
                kill(pids.get(1));
                await().atMost(Duration.ofSeconds(60)).until(() -> n0.isEmpty() || !n0.get().isAlive());
                String log = Files.readString(dir.resolve("logs").resolve("n0.log"));
                assertTrue(log.toLowerCase(java.util.Locale.ROOT).contains("fencing this node: members failed"),
                        "n0 did not say why it stopped");
            } finally {
                // The supervisor is gone: local down stops the nodes left.
                CliRun down = CliRun.of("local", "down", "--dir", dir.toString(), "--timeout", "3m");
                for (long pid : pids) {
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
                assertEquals(0, down.code(), down.toString());
            }
        }
    }

    /**
     * n1 and n2 frozen past the failure detection timeout: n0, left alone, has no quorum. The supervisor (still
     * running) logs it as outside the cluster, {@code local status} and {@code status} name it. What the cluster does
     * after the freeze is the chaos suite's to measure; here the frozen nodes are resumed and the cluster stopped.
     */
    // Extended (-Pextended, 84 s): verify already loses the quorum on real processes (the test above, where n0 fences
    // itself) and freezes nodes past the failure detection (PausePastDetectionIT, SplitBrainIT's minority); this
    // adds the supervisor's and status's wording for a node left alone by frozen peers.
    @org.junit.jupiter.api.Tag("extended")
    @Test
    void supervisorLogsTheNodeLeftWithoutQuorum() throws Exception {
        // 10 s instead of the default 20 s: Ignite drops the frozen nodes, and n0 gives up joining them after its
        // restart, in about half the time (this test alone took 87 s with 20 s).
        try (LocalClusterProcess cluster = new LocalClusterProcess(3, dir, "cluster.failureDetectionTimeout=10s")
                .start()) {
            JsonNode state = AdminClient.JSON.readTree(dir.resolve(LocalCluster.STATE_FILE).toFile());
            List<Long> frozen = List.of(state.path("nodes").get(1).path("pid").asLong(),
                    state.path("nodes").get(2).path("pid").asLong());
            long t0 = System.nanoTime();
            try {
                for (long pid : frozen) {
                    signal("STOP", pid);
                }
                String line = "n0: alive but outside the cluster (sees n0, no quorum: 1 of 3 expected, needs 2; no "
                        + "other live node answers)";
                // First while n1 and n2 are still members of n0's topology: they stop answering its probes, and
                // within seconds n0 counts only itself (before the failure detection timeout, 10 s, drops them).
                await().atMost(Duration.ofSeconds(20)).until(() -> {
                    JsonNode m = membership(cluster, 0);
                    return !m.path("hasQuorum").asBoolean(true) && m.path("unreachable").toString().equals(
                            "[\"n1\",\"n2\"]") && m.path("present").size() == 3;
                });
                System.out.printf("n0 counted n1 and n2 out of its quorum %d ms after they froze%n",
                        (System.nanoTime() - t0) / 1_000_000);
                // Then for good: Ignite declares n1 and n2 failed after cluster.failureDetectionTimeout (10 s), the
                // fence halts n0 (exit 3), and restarted, it tries to join them (they accept connections but never
                // answer) before it forms a topology of its own. Measured: 87 s.
                cluster.awaitOutput("n0 exited with code 3", Duration.ofSeconds(90));
                cluster.awaitOutput(line + System.lineSeparator(), Duration.ofSeconds(180));
                System.out.printf("supervisor logged n0 alone outside the cluster %d ms after n1 and n2 froze%n",
                        (System.nanoTime() - t0) / 1_000_000);
                CliRun local = CliRun.of("local", "status", "--dir", dir.toString());
                assertEquals(0, local.code(), local.toString());
                assertTrue(local.out().contains("problem: " + line), local.toString());
                JsonNode s = status(cluster, 1);
                assertTrue(problems(s).contains("n0 has no quorum: it sees 1 of 3 expected members (n0), needs 2"),
                        s.toString());
            } finally {
                for (long pid : frozen) {
                    signal("CONT", pid);
                }
            }
        }
    }

    private static void signal(String sig, long pid) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
        assertEquals(0, p.waitFor(), "kill -" + sig + " " + pid);
    }

    /** {@code hearthctl status -o json} through node i, with the exit code expected. */
    private static JsonNode status(LocalClusterProcess cluster, int expectedExit) throws Exception {
        CliRun r = CliRun.of("status", "--admin", "127.0.0.1:" + cluster.adminPort(0), "-o", "json");
        assertEquals(expectedExit, r.code(), r.toString());
        return AdminClient.JSON.readTree(r.out());
    }

    private static JsonNode membership(LocalClusterProcess cluster, int i) {
        return new AdminClient("127.0.0.1:" + cluster.adminPort(i)).get("/status").path("membership");
    }

    private static List<String> problems(JsonNode status) {
        return names(status.path("problems"));
    }

    private static List<String> names(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** kill -9, and wait until the process is gone. */
    private static void kill(long pid) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        assertTrue(h.isPresent() && h.get().isAlive(), "process " + pid + " is not running");
        h.get().destroyForcibly();
        await().atMost(Duration.ofSeconds(30)).until(() -> !h.get().isAlive());
    }
}
