package dev.hearth.client.testing;

import dev.hearth.testing.NodeProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real Hearth cluster of {@code bin/hearth-node} processes ({@link NodeProcess}) on 127.0.0.1 and free ports, for
 * the client's integration tests. Builds the node (mvn package -pl node) if its jar is missing. Each node logs to
 * {@code <workDir>/nN.log}.
 *
 * <pre>{@code
 * try (ProcessCluster cluster = ProcessCluster.start(3, Path.of("target/it-cluster"))) {
 *     cluster.kill(1);           // kill -9
 *     cluster.freeze(0);         // SIGSTOP; resume(0) = SIGCONT
 *     cluster.restart(1);        // same ports and name, waits until ready
 * }
 * }</pre>
 */
public final class ProcessCluster implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private final List<NodeProcess> nodes = new ArrayList<>();

    private ProcessCluster(Path workDir, int size, List<String> settings, javax.net.ssl.SSLContext adminTls)
            throws IOException {
        // A fresh cluster: a data dir left by an earlier run holds local copies, which the nodes would load (a
        // second `mvn verify` without clean then found keys a test expects absent). The dir stays after the run, for
        // its logs.
        if (Files.exists(workDir)) {
            try (java.util.stream.Stream<Path> all = Files.walk(workDir)) {
                for (Path p : (Iterable<Path>) all.sorted(java.util.Comparator.reverseOrder())::iterator) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(workDir);
        for (int i = 0; i < size; i++) {
            nodes.add(new NodeProcess("n" + i, workDir));
        }
        String addresses = nodes.stream().map(NodeProcess::discoveryAddress).collect(Collectors.joining(","));
        for (NodeProcess n : nodes) {
            n.member(addresses).also("memory.heap=256m", "zones.default.memory=64m")
                    .also(settings.toArray(new String[0]));
            // Short: readiness is polled right after a freeze or a restart.
            n.adminTimeout(Duration.ofMillis(500), Duration.ofSeconds(1));
            if (adminTls != null) {
                n.adminTls(adminTls);
            }
        }
    }

    /** Starts {@code size} nodes at once and waits until every one is ready. */
    public static ProcessCluster start(int size, Path workDir) throws Exception {
        return start(size, workDir, List.of());
    }

    /**
     * As {@link #start(int, Path)}, every node also given {@code settings} ({@code key=value}, as {@code --set}).
     */
    public static ProcessCluster start(int size, Path workDir, List<String> settings) throws Exception {
        return start(size, size, workDir, settings);
    }

    /**
     * A cluster of {@code size} nodes (ports and discovery addresses for all of them) of which the first
     * {@code running} are started now; the others join later with {@link #startNode}.
     */
    public static ProcessCluster start(int size, int running, Path workDir, List<String> settings) throws Exception {
        return start(size, running, workDir, settings, null);
    }

    /**
     * As {@link #start(int, int, Path, List)}, for nodes with {@code tls.enabled} (in {@code settings}): their admin
     * ports are asked over HTTPS with {@code adminTls} (a client certificate of the cluster CA).
     */
    public static ProcessCluster start(int size, int running, Path workDir, List<String> settings,
            javax.net.ssl.SSLContext adminTls) throws Exception {
        ensureNodeBuilt(NodeProcess.home());
        ProcessCluster c = new ProcessCluster(workDir, size, settings, adminTls);
        try {
            for (int i = 0; i < running; i++) {
                c.nodes.get(i).start();
            }
            for (int i = 0; i < running; i++) {
                c.awaitReady(i);
            }
        } catch (Exception e) {
            c.close();
            throw e;
        }
        return c;
    }

    /**
     * The node's jar and libs, built on demand: {@code mvn -B -q -DskipTests package -pl node -am} (with the modules
     * it needs, hearth-tls, which a build that stops at this module has not packaged yet).
     */
    public static synchronized Path ensureNodeBuilt(Path home) throws IOException, InterruptedException {
        Path jar = home.resolve("node/target/hearth-node.jar");
        if (!Files.exists(jar) || !Files.isDirectory(home.resolve("node/target/lib"))) {
            Process p = new ProcessBuilder("mvn", "-B", "-q", "-DskipTests", "package", "-pl", "node", "-am")
                    .directory(home.toFile()).inheritIO().start();
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException("building the node failed (mvn package -pl node -am)");
            }
        }
        return jar;
    }

    public List<NodeProcess> nodes() {
        return List.copyOf(nodes);
    }

    public NodeProcess node(int i) {
        return nodes.get(i);
    }

    /** The thin-client addresses of the first {@code n} nodes. */
    public List<String> thinClientAddresses(int n) {
        return thinClientAddresses().subList(0, n);
    }

    /** Every node's thin-client address. */
    public List<String> thinClientAddresses() {
        return nodes.stream().map(NodeProcess::thinClientAddress).collect(Collectors.toList());
    }

    public boolean isReady(int i) {
        return nodes.get(i).ready();
    }

    public void awaitReady(int i) throws InterruptedException {
        nodes.get(i).awaitReady(READY_TIMEOUT);
    }

    /**
     * What node {@code i}'s thin-client connector threads are doing (jstack): how many wait, and in which request,
     * counted. A frozen peer can tie them all up, and then the node answers no thin-client request.
     */
    public String connectorThreads(int i) {
        NodeProcess n = nodes.get(i);
        if (!n.alive()) {
            return n.name() + " not running";
        }
        java.util.Map<String, Integer> counts = new java.util.TreeMap<>();
        for (String block : n.jstack().split("\n\n")) {
            if (!block.startsWith("\"client-connector")) {
                continue;
            }
            String what = "idle";
            for (String line : block.split("\n")) {
                int at = line.indexOf("platform.client.");
                if (at >= 0 && line.contains("Request.process")) {
                    what = line.substring(at + "platform.client.".length()).replaceAll("\\(.*", "");
                    break;
                }
            }
            counts.merge(what, 1, Integer::sum);
        }
        return n.name() + " connector threads " + counts;
    }

    /** Whether node {@code i}'s process runs (frozen counts as running). */
    public boolean isAlive(int i) {
        return nodes.get(i).alive();
    }

    /** kill -9. */
    public void kill(int i) throws InterruptedException {
        nodes.get(i).kill9();
    }

    /** SIGTERM, and waits for the graceful stop (bounded by 60 s, then kill -9). */
    public void stop(int i) throws InterruptedException {
        NodeProcess n = nodes.get(i);
        if (!n.alive()) {
            return;
        }
        try {
            n.stopGracefully(Duration.ofSeconds(60));
        } catch (IllegalStateException stuck) {
            System.err.println(stuck.getMessage() + ": killing it");
            n.kill9();
        }
    }

    /** SIGSTOP: the process keeps its sockets but answers nothing. */
    public void freeze(int i) throws IOException, InterruptedException {
        nodes.get(i).freeze();
    }

    /** SIGCONT. */
    public void resume(int i) throws IOException, InterruptedException {
        nodes.get(i).resume();
    }

    /** Starts node {@code i} again (same name, ports and data dir) without waiting. */
    public void startNode(int i) throws IOException {
        nodes.get(i).start();
    }

    /** Starts node {@code i} again and waits until it is ready. */
    public void restart(int i) throws IOException, InterruptedException {
        startNode(i);
        awaitReady(i);
    }

    @Override
    public void close() {
        for (NodeProcess n : nodes) {
            try {
                n.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
