package dev.hearth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.cli.CliRun;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hearthctl rolling-restart --kube-api URL} and {@code node restart --kube-api URL}: nodes restarted by
 * deleting their pods through the Kubernetes REST API. A real Kubernetes API server cannot run on the test machine
 * (no cluster, no container runtime for a kubelet), so {@link FakeKubeApi}, a JDK HTTP server, stands in for it: it
 * answers the same paths, codes and Status bodies, and a DELETE stops the real node process (SIGTERM, as the kubelet
 * does) which {@code hearthctl local} starts again (as the StatefulSet controller recreates the pod). What this
 * cannot show: a real API server's RBAC, TLS and pod lifecycle timing (preStop, grace period, new pod IP).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(600)
class KubeRestartIT {
    private static final String NS = "hearth-it";
    private static final String TOKEN = "it-token-" + Long.toHexString(System.nanoTime());

    @TempDir
    static Path dir;
    static LocalClusterProcess cluster;
    static FakeKubeApi api;
    static Path tokenFile;

    @BeforeAll
    static void up() throws Exception {
        cluster = new LocalClusterProcess(3, dir.resolve("cluster")).start();
        api = new FakeKubeApi(cluster, NS, TOKEN);
        tokenFile = FakeKubeApi.tokenFile(dir, TOKEN);
    }

    @AfterAll
    static void down() throws Exception {
        if (api != null) {
            api.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static List<Long> pids() throws Exception {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < cluster.nodes; i++) {
            out.add(api.pid("n" + i));
        }
        return out;
    }

    private static CliRun kube(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--admin", cluster.admin(), "--kube-api", api.url(), "--kube-namespace", NS,
                "--kube-token-file", tokenFile.toString()));
        return CliRun.of(all.toArray(String[]::new));
    }

    @Test
    @Order(1)
    void errorsFromTheApiStopNothingAndSayWhatToCheck() throws Exception {
        List<Long> before = pids();
        int calls = api.calls.size();

        Path wrong = FakeKubeApi.tokenFile(dir.resolve("cluster"), "not-the-token");
        CliRun r = CliRun.of("node", "restart", "n1", "--admin", cluster.admin(), "--kube-api", api.url(),
                "--kube-namespace", NS, "--kube-token-file", wrong.toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("401 Unauthorized") && r.err().contains(wrong.toString()), r.toString());

        api.forbidden = true;
        try {
            r = kube("rolling-restart");
            assertEquals(1, r.code(), r.toString());
            assertTrue(r.err().contains("403 Forbidden") && r.err().contains("`get` and `delete` on `pods`")
                    && r.err().contains("cannot get resource \"pods\""), r.toString());
        } finally {
            api.forbidden = false;
        }

        r = CliRun.of("node", "restart", "n1", "--admin", cluster.admin(), "--kube-api", api.url(),
                "--kube-namespace", "elsewhere", "--kube-token-file", tokenFile.toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("no pod 'n1' in namespace elsewhere (404 Not Found")
                && r.err().contains("--kube-namespace"), r.toString());

        api.ownedByStatefulSet = false;
        try {
            r = kube("node", "restart", "n2");
            assertEquals(3, r.code(), r.toString());
            assertTrue(r.err().contains("not owned by a StatefulSet"), r.toString());
        } finally {
            api.ownedByStatefulSet = true;
        }

        // Nothing answers there: exit 4.
        r = CliRun.of("node", "restart", "n1", "--admin", cluster.admin(), "--kube-api", "http://127.0.0.1:1",
                "--kube-token-file", tokenFile.toString());
        assertEquals(4, r.code(), r.toString());
        assertTrue(r.err().contains("Kubernetes API at http://127.0.0.1:1 is unreachable"), r.toString());

        // Bad options: exit 2, before any call.
        r = CliRun.of("node", "restart", "n1", "--admin", cluster.admin(), "--kube-api", api.url(),
                "--kube-token-file", dir.resolve("no-such-file").toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("does not exist or is not readable"), r.toString());
        r = CliRun.of("node", "restart", "n1", "--admin", cluster.admin(), "--kube-namespace", NS);
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("need --kube-api"), r.toString());
        r = CliRun.of("node", "restart", "n1", "--admin", cluster.admin(), "--kube-api", "ftp://x");
        assertEquals(2, r.code(), r.toString());

        // The dry run reads the pods (so a missing permission shows up before anything is stopped) and deletes none.
        r = kube("rolling-restart", "--dry-run");
        assertEquals(0, r.code(), r.toString());

        assertTrue(api.deletes().isEmpty(), "nothing may be deleted: " + api.calls);
        assertTrue(api.calls.size() > calls, "the API was called");
        assertEquals(before, pids(), "no node was restarted");
    }

    @Test
    @Order(2)
    // A rolling restart under load is RollingRestartIT's in verify; this one differs only in how a node goes (a pod
    // delete through the API), which nodeRestartDeletesOnlyThatPod shows in verify too.
    @org.junit.jupiter.api.Tag("extended")
    void rollingRestartDeletesOnePodAtATimeAndWaitsForEach() throws Exception {
        List<Long> before = pids();
        int from = api.calls.size();
        long t0 = System.nanoTime();
        CliRun r = kube("rolling-restart", "--timeout", "4m", "--output", "json");
        long millis = (System.nanoTime() - t0) / 1_000_000;
        System.out.println(r.err());
        System.out.println(r.out());
        assertEquals(0, r.code(), r.toString());
        System.out.printf("KUBE ROLLING RESTART: 3 nodes in %d ms through the (stand-in) Kubernetes API%n", millis);

        List<FakeKubeApi.Call> calls = api.calls.subList(from, api.calls.size());
        for (FakeKubeApi.Call c : calls) {
            assertEquals("Bearer " + TOKEN, c.authorization(), "every call carries the token: " + c);
            assertEquals(NS, c.namespace(), c.toString());
        }
        // First every pod is read (checked before anything stops), then one DELETE per node, in order.
        assertEquals(List.of("GET n0", "GET n1", "GET n2"), calls.subList(0, 3).stream()
                .map(c -> c.method() + " " + c.pod()).toList());
        List<FakeKubeApi.Call> deletes = calls.stream().filter(c -> c.method().equals("DELETE")).toList();
        assertEquals(List.of("n0", "n1", "n2"), deletes.stream().map(FakeKubeApi.Call::pod).toList(), calls.toString());
        for (FakeKubeApi.Call d : deletes) {
            assertEquals(200, d.status(), d.toString());
            assertTrue(d.body().contains("\"preconditions\":{\"uid\":\"uid-" + d.pod() + "-"), d.body());
            // One at a time: when a pod is deleted, every other node is up and ready (the previous one is back).
            assertTrue(d.othersReady(), "a pod was deleted while another node was not ready: " + d);
        }
        List<Long> after = pids();
        for (int i = 0; i < cluster.nodes; i++) {
            assertNotEquals(before.get(i), after.get(i), "n" + i + " was not restarted");
        }
        assertTrue(r.err().contains("deleting pod " + NS + "/n1"), r.err());
        CliRun status = CliRun.of("status", "--admin", cluster.admin(), "--output", "json");
        assertEquals(0, status.code(), status.toString());
        assertFalse(status.out().contains("\"safeToStop\" : false"), status.out());
    }

    @Test
    @Order(3)
    void nodeRestartDeletesOnlyThatPod() throws Exception {
        List<Long> before = pids();
        int deletes = api.deletes().size();
        CliRun r = kube("node", "restart", "n1", "--timeout", "4m");
        assertEquals(0, r.code(), r.toString());
        List<FakeKubeApi.Call> now = api.deletes();
        assertEquals(deletes + 1, now.size(), now.toString());
        assertEquals("n1", now.get(now.size() - 1).pod());
        List<Long> after = pids();
        assertEquals(before.get(0), after.get(0));
        assertNotEquals(before.get(1), after.get(1));
        assertEquals(before.get(2), after.get(2));
    }
}
