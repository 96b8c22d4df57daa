package dev.hearth.cli.it;

import dev.hearth.cli.operation.LocalCluster;
import dev.hearth.testing.NodeProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.ignite.client.IgniteClient;

/**
 * N real {@code bin/hearth-node} processes ({@link NodeProcess}), not supervised: unlike {@code hearthctl local up}, a
 * node killed here stays dead until the test starts it again, so a test can lose a node for good in the middle of an
 * operation. Node i keeps the ports of {@link LocalCluster#ports} and its data directory {@code <dir>/<name>} across
 * restarts, like a real host (its dumps survive a restart).
 */
final class NodeProcesses implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

    final String clusterName;
    final Path dir;
    private final List<NodeProcess> nodes = new ArrayList<>();
    private final List<IgniteClient> clients = new ArrayList<>();

    NodeProcesses(String clusterName, int size, Path dir, String... extra) {
        this.clusterName = clusterName;
        this.dir = dir;
        int offset = LocalClusterProcess.freeOffset(size);
        for (int i = 0; i < size; i++) {
            Map<String, Integer> p = LocalCluster.ports(offset, i);
            nodes.add(new NodeProcess(clusterName + "-n" + i, dir, new NodeProcess.Ports(p.get("discovery"),
                    p.get("communication"), p.get("thinClient"), p.get("memcached"), p.get("admin"))));
        }
        String addresses = nodes.stream().map(NodeProcess::discoveryAddress).collect(Collectors.joining(","));
        for (NodeProcess n : nodes) {
            n.member(addresses).also("cluster.name=" + clusterName);
            // 10 s, not 2 s: on the shared 2-core machine a starved node is otherwise dropped by mistake, and a test
            // meant to lose one chosen node loses another one too (a kill -9 is still noticed in well under a
            // second).
            n.also("memory.systemRegion=32m", "shutdown.timeout=30s", "cluster.failureDetectionTimeout=10s");
            n.also(extra);
        }
    }

    int size() {
        return nodes.size();
    }

    NodeProcess node(int i) {
        return nodes.get(i);
    }

    String name(int i) {
        return nodes.get(i).name();
    }

    int port(int i, String which) {
        NodeProcess.Ports p = nodes.get(i).ports();
        return switch (which) {
            case "discovery" -> p.discovery();
            case "communication" -> p.communication();
            case "thinClient" -> p.thinClient();
            case "memcached" -> p.memcached();
            case "admin" -> p.admin();
            default -> throw new IllegalArgumentException("no port " + which);
        };
    }

    String admin(int i) {
        return "127.0.0.1:" + port(i, "admin");
    }

    long pid(int i) {
        return nodes.get(i).pid();
    }

    boolean alive(int i) {
        return nodes.get(i).alive();
    }

    Path log(int i) {
        return nodes.get(i).log();
    }

    /** Starts node i and waits until it is ready (the first node forms the cluster, the others join it). */
    void start(int i) throws IOException, InterruptedException {
        nodes.get(i).startAndAwaitReady(READY_TIMEOUT);
    }

    /**
     * Starts the given nodes at once, then waits until each is ready. Nodes restarted together on their data dirs
     * (after a power loss) must be: each expects its old peers and is not ready before a majority of them is up.
     */
    void startTogether(int... which) throws IOException, InterruptedException {
        for (int i : which) {
            nodes.get(i).start();
        }
        for (int i : which) {
            nodes.get(i).awaitReady(READY_TIMEOUT);
        }
    }

    void startAll() throws IOException, InterruptedException {
        startTogether(IntStream.range(0, size()).toArray());
    }

    /** kill -9: the node vanishes without a word to the cluster. */
    void kill9(int i) throws InterruptedException {
        nodes.get(i).kill9();
    }

    void killAll() throws InterruptedException {
        for (NodeProcess n : nodes) {
            n.close();
        }
    }

    /** SIGTERM: a graceful stop (the node hands its partitions over first); returns the exit code. */
    int stopGracefully(int i, Duration timeout) throws InterruptedException {
        return nodes.get(i).stopGracefully(timeout);
    }

    /** The thread dump of node i (jstack), for a test that found it stuck. */
    String jstack(int i) {
        return nodes.get(i).jstack();
    }

    NodeProcess.Response get(int i, String path) {
        return nodes.get(i).get(path);
    }

    /** A thin client over the live nodes, with a bounded timeout (Ignite's default waits forever). */
    IgniteClient client() {
        List<String> addrs = new ArrayList<>();
        for (NodeProcess n : nodes) {
            if (n.alive()) {
                addrs.add(n.thinClientAddress());
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
