package dev.hearth.cli.it;

import static org.awaitility.Awaitility.await;

import dev.hearth.cli.operation.LocalCluster;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.ignite.client.IgniteClient;
import org.awaitility.core.ConditionTimeoutException;

/**
 * N real {@code bin/hearth-node} processes, not supervised: unlike {@code hearthctl local up}, a node killed here
 * stays dead until the test starts it again, so a test can lose a node for good in the middle of an operation.
 * Node i keeps the ports of {@link LocalCluster#ports} and its data directory {@code <dir>/<name>} across restarts,
 * like a real host (its dumps survive a restart).
 */
final class NodeProcesses implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final String clusterName;
    final Path dir;
    private final int offset;
    private final List<String> extra;
    private final Process[] processes;
    private final int[] starts;
    private final List<IgniteClient> clients = new ArrayList<>();

    NodeProcesses(String clusterName, int nodes, Path dir, String... extra) {
        this.clusterName = clusterName;
        this.dir = dir;
        this.offset = LocalClusterProcess.freeOffset(nodes);
        this.extra = List.of(extra);
        this.processes = new Process[nodes];
        this.starts = new int[nodes];
    }

    int size() {
        return processes.length;
    }

    String name(int i) {
        return clusterName + "-n" + i;
    }

    int port(int i, String which) {
        return LocalCluster.ports(offset, i).get(which);
    }

    String admin(int i) {
        return "127.0.0.1:" + port(i, "admin");
    }

    long pid(int i) {
        return processes[i].pid();
    }

    boolean alive(int i) {
        return processes[i] != null && processes[i].isAlive();
    }

    Path log(int i) {
        return dir.resolve(name(i) + ".log");
    }

    /** Starts node i and waits until it is ready (the first node forms the cluster, the others join it). */
    void start(int i) throws IOException, InterruptedException {
        launch(i);
        awaitReady(i);
    }

    /**
     * Starts the given nodes at once, then waits until each is ready. Nodes restarted together on their data dirs
     * (after a power loss) must be: each expects its old peers and is not ready before a majority of them is up.
     */
    void startTogether(int... nodes) throws IOException, InterruptedException {
        for (int i : nodes) {
            launch(i);
        }
        for (int i : nodes) {
            awaitReady(i);
        }
    }

    private void launch(int i) throws IOException {
        String addresses = java.util.stream.IntStream.range(0, size())
                .mapToObj(n -> "127.0.0.1:" + port(n, "discovery")).collect(Collectors.joining(","));
        List<String> sets = new ArrayList<>(List.of("node.name=" + name(i), "cluster.name=" + clusterName,
                "cluster.addresses=" + addresses, "node.dataDir=" + dir.resolve(name(i))));
        for (Map.Entry<String, Integer> p : LocalCluster.ports(offset, i).entrySet()) {
            sets.add("ports." + p.getKey() + "=" + p.getValue());
        }
        // 10 s, not 2 s: on the shared 2-core machine a starved node is otherwise dropped by mistake, and a test
        // meant to lose one chosen node loses another one too (a kill -9 is still noticed in well under a second).
        sets.addAll(List.of("memory.systemRegion=32m", "shutdown.timeout=30s", "cluster.failureDetectionTimeout=10s"));
        sets.addAll(extra);
        List<String> cmd = new ArrayList<>(List.of(LocalClusterProcess.home().resolve("bin/hearth-node").toString()));
        for (String s : sets) {
            cmd.add("--set");
            cmd.add(s);
        }
        Files.createDirectories(dir);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(starts[i]++ == 0 ? ProcessBuilder.Redirect.to(log(i).toFile())
                        : ProcessBuilder.Redirect.appendTo(log(i).toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("HEARTH_") && !k.equals("HEARTH_HOME"));
        processes[i] = pb.start();
    }

    private void awaitReady(int i) {
        try {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(() -> {
                if (!processes[i].isAlive()) {
                    throw new IllegalStateException(name(i) + " exited with " + processes[i].exitValue() + "; see "
                            + log(i));
                }
                return get(i, "/health/ready").status() == 200;
            });
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException(name(i) + " not ready after 120 s; see " + log(i), e);
        }
    }

    void startAll() throws IOException, InterruptedException {
        startTogether(java.util.stream.IntStream.range(0, size()).toArray());
    }

    /** kill -9: the node vanishes without a word to the cluster. */
    void kill9(int i) throws InterruptedException {
        processes[i].destroyForcibly();
        if (!processes[i].waitFor(20, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name(i) + " still alive 20 s after SIGKILL");
        }
    }

    void killAll() throws InterruptedException {
        for (int i = 0; i < size(); i++) {
            if (alive(i)) {
                kill9(i);
            }
        }
    }

    /** SIGTERM: a graceful stop (the node hands its partitions over first); returns the exit code. */
    int stopGracefully(int i, Duration timeout) throws InterruptedException {
        processes[i].destroy();
        if (!processes[i].waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(name(i) + " did not stop within " + timeout);
        }
        return processes[i].exitValue();
    }

    /** The thread dump of node i (jstack), for a test that found it stuck. */
    String jstack(int i) {
        try {
            Process p = new ProcessBuilder("jstack", Long.toString(pid(i))).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            return "jstack failed: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "jstack interrupted";
        }
    }

    record Response(int status, String body) {
    }

    Response get(int i, String path) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + admin(i) + path))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body());
        } catch (IOException e) {
            return new Response(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Response(-1, "interrupted");
        }
    }

    /** A thin client over the live nodes, with a bounded timeout (Ignite's default waits forever). */
    IgniteClient client() {
        List<String> addrs = new ArrayList<>();
        for (int i = 0; i < size(); i++) {
            if (alive(i)) {
                addrs.add("127.0.0.1:" + port(i, "thinClient"));
            }
        }
        IgniteClient c = ItClients.thin(addrs.toArray(new String[0]), 15_000);
        clients.add(c);
        return c;
    }

    void closeClients() {
        for (IgniteClient c : clients) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("closing a thin client: " + e);
            }
        }
        clients.clear();
    }

    @Override
    public void close() throws InterruptedException {
        closeClients();
        killAll();
    }
}
