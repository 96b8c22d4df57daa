package dev.hearth.cli.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hearth.cli.operation.LocalCluster;
import dev.hearth.testing.NodeProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;

/**
 * Real {@code bin/hearth-node} processes under a supervisor of the test's own: a node process that exits is
 * started again on its name, ports and data directory, as {@code hearthctl local} (or systemd, Kubernetes) would,
 * and every such restart is counted. Optionally each node runs in a network namespace of its own ({@link NetLab}),
 * bound to its own address, so that the network between nodes can be cut.
 *
 * <p>Each node is a {@link NodeProcess}; what this class adds is the supervisor, the namespaces and the event log.
 */
final class ChaosCluster implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    final String clusterName;
    final Path dir;
    private final NetLab net;
    private final List<NodeProcess> nodes = new ArrayList<>();
    private final AtomicInteger restarts = new AtomicInteger();
    private volatile long lastRestartNanos;
    private final List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
    private final long t0 = System.nanoTime();
    private volatile boolean closing;
    private Thread supervisor;

    private ChaosCluster(String clusterName, int size, Path dir, NetLab net, List<String> settings) {
        this.clusterName = clusterName;
        this.dir = dir;
        this.net = net;
        int offset = freeOffset(size);
        for (int i = 0; i < size; i++) {
            Map<String, Integer> p = LocalCluster.ports(offset, i);
            NodeProcess n = new NodeProcess(clusterName + "-n" + i, dir, new NodeProcess.Ports(p.get("discovery"),
                    p.get("communication"), p.get("thinClient"), p.get("memcached"), p.get("admin")))
                    .host(net == null ? "127.0.0.1" : net.ip(i))
                    .adminTimeout(Duration.ofMillis(500), Duration.ofSeconds(1));
            if (net != null) {
                n.wrappedIn(net.inNamespace(i, List.of()));
            }
            nodes.add(n);
        }
        String addresses = nodes.stream().map(NodeProcess::discoveryAddress).collect(Collectors.joining(","));
        for (NodeProcess n : nodes) {
            n.member(addresses).also("cluster.name=" + clusterName, "cluster.bindAddress=" + n.host());
            n.also(settings.toArray(new String[0]));
        }
    }

    /**
     * Starts {@code nodes} nodes at once and waits until every one is ready and sees all the others, then starts
     * supervising them.
     *
     * @param net null: every node on 127.0.0.1
     */
    static ChaosCluster start(String scenario, int nodes, NetLab net) throws IOException {
        return start(scenario, nodes, net, List.of());
    }

    /** @param scenarioSettings node settings of this scenario: after the suite's own, before chaos.settings */
    static ChaosCluster start(String scenario, int nodes, NetLab net, List<String> scenarioSettings)
            throws IOException {
        String name = "chaos-" + scenario + "-" + Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);
        Path dir = Path.of("target", "chaos", "work", name).toAbsolutePath();
        List<String> sets = new ArrayList<>(List.of("memory.heap=320m", "memory.systemRegion=32m",
                "zones.default.memory=96m", "shutdown.timeout=30s"));
        sets.addAll(scenarioSettings);
        sets.addAll(ChaosSettings.extraNodeSettings());
        ChaosCluster c = new ChaosCluster(name, nodes, dir, net, sets);
        try {
            for (NodeProcess n : c.nodes) {
                n.start();
            }
            c.awaitAllServing(Duration.ofSeconds(150));
        } catch (RuntimeException | IOException e) {
            c.close();
            throw e;
        }
        c.supervise();
        c.event("cluster " + name + " serving, " + nodes + " nodes" + (net == null ? " on 127.0.0.1" : " in netns")
                + ", settings " + sets);
        return c;
    }

    int size() {
        return nodes.size();
    }

    String name(int i) {
        return nodes.get(i).name();
    }

    List<String> thinClientAddresses() {
        return nodes.stream().map(NodeProcess::thinClientAddress).toList();
    }

    List<InetSocketAddress> memcachedAddresses() {
        return nodes.stream().map(n -> new InetSocketAddress(n.host(), n.ports().memcached())).toList();
    }

    NetLab net() {
        return net;
    }

    Path log(int i) {
        return nodes.get(i).log();
    }

    int restarts() {
        return restarts.get();
    }

    /** System.nanoTime() when the supervisor last restarted a node, 0 if it never did. */
    long lastRestartNanos() {
        return lastRestartNanos;
    }

    List<String> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    /**
     * The lines of every node's log (all its lives) that match {@code pattern}, prefixed with the node's name, at most
     * {@code max} per node (the last ones): what a failed run's report carries of the nodes' own account, since CI
     * keeps only what the test prints.
     */
    List<String> logLines(java.util.regex.Pattern pattern, int max) {
        List<String> out = new ArrayList<>();
        for (NodeProcess n : nodes) {
            List<String> matched = new ArrayList<>();
            try (var lines = java.nio.file.Files.lines(n.log(), java.nio.charset.StandardCharsets.ISO_8859_1)) {
                lines.filter(l -> pattern.matcher(l).find()).forEach(matched::add);
            } catch (IOException | java.io.UncheckedIOException e) {
                matched.add("(log not read: " + e + ")");
            }
            String name = n.log().getFileName().toString();
            matched.subList(0, Math.max(0, matched.size() - max)).clear();
            matched.forEach(l -> out.add(name + ": " + (l.length() > 700 ? l.substring(0, 700) + "..." : l)));
        }
        return out;
    }

    /** Seconds since this cluster was created: the clock of its events. */
    double elapsed(long nanoTime) {
        return (nanoTime - t0) / 1e9;
    }

    void event(String what) {
        String line = String.format("%8.1fs %s", elapsed(System.nanoTime()), what);
        events.add(line);
        System.out.println("[chaos] " + line);
    }

    /** Restarts any node process that exits, like hearthctl local's supervisor, and counts it. */
    private void supervise() {
        supervisor = new Thread(() -> {
            while (!closing) {
                for (NodeProcess n : nodes) {
                    synchronized (this) {
                        if (closing || !n.started() || n.alive()) {
                            continue;
                        }
                        restarts.incrementAndGet();
                        lastRestartNanos = System.nanoTime();
                        event("supervisor: " + n.name() + " exited with " + n.exitCode() + ", restarting it");
                        try {
                            n.start();
                        } catch (IOException e) {
                            event("supervisor: restart of " + n.name() + " failed: " + e);
                        }
                    }
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "chaos-supervisor");
        supervisor.setDaemon(true);
        supervisor.start();
    }

    /**
     * SIGSTOP: the processes freeze at the same instant with every socket open, as in a long GC pause or a stalled
     * VM.
     */
    void freeze(int... which) throws IOException, InterruptedException {
        NodeProcess.freeze(pick(which));
        event("SIGSTOP " + names(which));
    }

    void resume(int... which) throws IOException, InterruptedException {
        NodeProcess.resume(pick(which));
        event("SIGCONT " + names(which));
    }

    private List<NodeProcess> pick(int... which) {
        return Arrays.stream(which).mapToObj(nodes::get).toList();
    }

    /** kill -9; the supervisor then starts the node again. */
    void kill9(int i) throws InterruptedException {
        event("SIGKILL " + name(i));
        nodes.get(i).kill9();
    }

    private String names(int... nodes) {
        return Arrays.stream(nodes).mapToObj(this::name).collect(Collectors.joining(","));
    }

    /** Node i's /status, or null when it does not answer within a second. */
    JsonNode status(int i) {
        NodeProcess.Response r = nodes.get(i).get("/status");
        if (r.statusCode() != 200) {
            return null;
        }
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            return null;
        }
    }

    boolean ready(int i) {
        return nodes.get(i).ready();
    }

    /** Ready and in a topology of every node: what "serves again" means after a fault. */
    boolean serving(int i) {
        if (!ready(i)) {
            return false;
        }
        JsonNode s = status(i);
        return s != null && s.path("members").size() == size();
    }

    boolean allServing() {
        return IntStream.range(0, size()).allMatch(this::serving);
    }

    /** Every node serving and the cluster rebalanced: a node may be lost again without losing data. */
    boolean allRebalanced() {
        if (!allServing()) {
            return false;
        }
        JsonNode s = status(0);
        return s != null && s.path("clusterRebalanced").asBoolean(false);
    }

    /**
     * Every node's start-up load of its local copy over (complete, skipped, failed or stopped): until then a key not
     * loaded yet is a miss by design, and a read that fails over to a backup copy misses while the backups still
     * install (a full restart installs every primary first).
     */
    boolean allRefilled() {
        return IntStream.range(0, size()).allMatch(i -> {
            JsonNode s = status(i);
            String state = s == null ? "" : s.path("localCopy").path("lastLoad").path("state").asText("");
            // "none": the start-up load has not begun yet (it runs beside the start, after the node serves).
            return !state.isEmpty() && !state.equals("none") && !state.equals("running");
        });
    }

    Duration awaitRefilled(Duration max) {
        long start = System.nanoTime();
        Awaitility.await("every node of " + clusterName + " done loading its local copy")
                .atMost(max).pollInterval(Duration.ofMillis(250)).pollInSameThread().until(this::allRefilled);
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** Waits until every node serves; returns how long that took. */
    Duration awaitAllServing(Duration max) {
        long start = System.nanoTime();
        Awaitility.await("every node of " + clusterName + " ready with " + size() + " members")
                .atMost(max).pollInterval(Duration.ofMillis(200)).pollInSameThread().until(this::allServing);
        return Duration.ofNanos(System.nanoTime() - start);
    }

    Duration awaitRebalanced(Duration max) {
        long start = System.nanoTime();
        Awaitility.await("every node of " + clusterName + " serving and rebalanced")
                .atMost(max).pollInterval(Duration.ofMillis(250)).pollInSameThread().until(this::allRebalanced);
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /**
     * An offset whose every port is free on 127.0.0.1 now, below the ephemeral range (as the cli ITs pick theirs):
     * in namespaces the ports could be shared, but distinct ones keep the two modes alike.
     */
    private static int freeOffset(int nodes) {
        for (int attempt = 0; attempt < 200; attempt++) {
            int off = 13_950 + ThreadLocalRandom.current().nextInt(3_900);
            boolean free = true;
            for (int i = 0; i < nodes && free; i++) {
                for (int port : LocalCluster.ports(off, i).values()) {
                    try (ServerSocket s = new ServerSocket()) {
                        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                    } catch (IOException e) {
                        free = false;
                        break;
                    }
                }
            }
            if (free) {
                return off;
            }
        }
        throw new IllegalStateException("no free port range");
    }

    @Override
    public void close() {
        closing = true;
        if (supervisor != null) {
            supervisor.interrupt();
            try {
                supervisor.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            for (NodeProcess n : nodes) {
                // A frozen process ignores SIGTERM but not SIGKILL; the data is thrown away anyway.
                try {
                    n.close();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (IllegalStateException stuck) {
                    System.err.println(stuck.getMessage());
                }
            }
        }
    }
}
