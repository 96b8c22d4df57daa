package dev.hearth.cli.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hearth.cli.operation.LocalCluster;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
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
 * <p>The cli module's own test helpers (dev.hearth.cli.it) are package-private and client's ProcessCluster is not
 * in a test jar; neither supervises nor runs in namespaces, hence this class.
 */
final class ChaosCluster implements AutoCloseable {
    /** Every node process this JVM started: killed when the JVM ends, so no node outlives an aborted run. */
    private static final Set<Process> STARTED = ConcurrentHashMap.newKeySet();
    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> STARTED.forEach(Process::destroyForcibly),
                "chaos-kill-nodes"));
    }

    final String clusterName;
    final Path dir;
    private final int offset;
    private final List<String> settings;
    private final NetLab net;
    private final Process[] processes;
    private final int[] launches;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    private final AtomicInteger restarts = new AtomicInteger();
    private volatile long lastRestartNanos;
    private final List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
    private final long t0 = System.nanoTime();
    private volatile boolean closing;
    private Thread supervisor;

    private ChaosCluster(String clusterName, int nodes, Path dir, NetLab net, List<String> settings) {
        this.clusterName = clusterName;
        this.dir = dir;
        this.net = net;
        this.offset = freeOffset(nodes);
        this.settings = settings;
        this.processes = new Process[nodes];
        this.launches = new int[nodes];
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
            for (int i = 0; i < nodes; i++) {
                c.launch(i);
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
        return processes.length;
    }

    String name(int i) {
        return clusterName + "-n" + i;
    }

    String host(int i) {
        return net == null ? "127.0.0.1" : net.ip(i);
    }

    int port(int i, String which) {
        return LocalCluster.ports(offset, i).get(which);
    }

    List<String> thinClientAddresses() {
        return IntStream.range(0, size()).mapToObj(i -> host(i) + ":" + port(i, "thinClient")).toList();
    }

    List<InetSocketAddress> memcachedAddresses() {
        return IntStream.range(0, size()).mapToObj(i -> new InetSocketAddress(host(i), port(i, "memcached")))
                .toList();
    }

    NetLab net() {
        return net;
    }

    Path log(int i) {
        return dir.resolve(name(i) + ".log");
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

    /** Seconds since this cluster was created: the clock of its events. */
    double elapsed(long nanoTime) {
        return (nanoTime - t0) / 1e9;
    }

    void event(String what) {
        String line = String.format("%8.1fs %s", elapsed(System.nanoTime()), what);
        events.add(line);
        System.out.println("[chaos] " + line);
    }

    private synchronized void launch(int i) throws IOException {
        String addresses = IntStream.range(0, size()).mapToObj(n -> host(n) + ":" + port(n, "discovery"))
                .collect(Collectors.joining(","));
        List<String> sets = new ArrayList<>(List.of("node.name=" + name(i), "cluster.name=" + clusterName,
                "cluster.addresses=" + addresses, "cluster.bindAddress=" + host(i),
                "node.dataDir=" + dir.resolve(name(i))));
        for (Map.Entry<String, Integer> p : LocalCluster.ports(offset, i).entrySet()) {
            sets.add("ports." + p.getKey() + "=" + p.getValue());
        }
        sets.addAll(settings);
        List<String> cmd = new ArrayList<>(List.of(home().resolve("bin/hearth-node").toString()));
        for (String s : sets) {
            cmd.add("--set");
            cmd.add(s);
        }
        if (net != null) {
            cmd = net.inNamespace(i, cmd);
        }
        Files.createDirectories(dir);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(launches[i]++ == 0 ? ProcessBuilder.Redirect.to(log(i).toFile())
                        : ProcessBuilder.Redirect.appendTo(log(i).toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("HEARTH_") && !k.equals("HEARTH_HOME"));
        Process p = pb.start();
        STARTED.add(p);
        processes[i] = p;
    }

    /** Restarts any node process that exits, like hearthctl local's supervisor, and counts it. */
    private void supervise() {
        supervisor = new Thread(() -> {
            while (!closing) {
                for (int i = 0; i < size(); i++) {
                    Process p;
                    synchronized (this) {
                        p = processes[i];
                    }
                    if (!closing && p != null && !p.isAlive()) {
                        STARTED.remove(p);
                        restarts.incrementAndGet();
                        lastRestartNanos = System.nanoTime();
                        event("supervisor: " + name(i) + " exited with " + p.exitValue() + ", restarting it");
                        try {
                            launch(i);
                        } catch (IOException e) {
                            event("supervisor: restart of " + name(i) + " failed: " + e);
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

    private synchronized long pid(int i) {
        return processes[i].pid();
    }

    /** SIGSTOP: the process freezes with every socket open, as in a long GC pause or a stalled VM. */
    void freeze(int... nodes) throws IOException, InterruptedException {
        signal("-STOP", nodes);
        event("SIGSTOP " + names(nodes));
    }

    void resume(int... nodes) throws IOException, InterruptedException {
        signal("-CONT", nodes);
        event("SIGCONT " + names(nodes));
    }

    private void signal(String sig, int... nodes) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("kill", sig));
        for (int i : nodes) {
            cmd.add(Long.toString(pid(i)));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(cmd + " failed: " + out);
        }
    }

    /** kill -9; the supervisor then starts the node again. */
    void kill9(int i) throws InterruptedException {
        Process p;
        synchronized (this) {
            p = processes[i];
        }
        event("SIGKILL " + name(i));
        p.destroyForcibly();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name(i) + " still alive 20 s after SIGKILL");
        }
    }

    private String names(int... nodes) {
        return Arrays.stream(nodes).mapToObj(this::name).collect(Collectors.joining(","));
    }

    /** Node i's /status, or null when it does not answer within a second. */
    JsonNode status(int i) {
        String body = httpGet(i, "/status");
        if (body == null) {
            return null;
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    boolean ready(int i) {
        return httpStatus(i, "/health/ready") == 200;
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

    private int httpStatus(int i, String path) {
        try {
            return http.send(request(i, path), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private String httpGet(int i, String path) {
        try {
            HttpResponse<String> r = http.send(request(i, path), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private HttpRequest request(int i, String path) {
        return HttpRequest.newBuilder(URI.create("http://" + host(i) + ":" + port(i, "admin") + path))
                .timeout(Duration.ofSeconds(1)).GET().build();
    }

    static Path home() {
        String home = System.getProperty("hearth.home");
        Path p = home != null ? Path.of(home) : Path.of("").toAbsolutePath().getParent();
        if (!Files.isExecutable(p.resolve("bin/hearth-node")) || !Files.exists(p.resolve("node/target/hearth-node.jar"))) {
            throw new IllegalStateException("bin/hearth-node or node/target/hearth-node.jar missing under " + p
                    + ": build with mvn -B -DskipTests install first");
        }
        return p;
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
        for (int i = 0; i < size(); i++) {
            Process p;
            synchronized (this) {
                p = processes[i];
            }
            if (p == null) {
                continue;
            }
            // A frozen process ignores SIGTERM but not SIGKILL; the data is thrown away anyway.
            p.destroyForcibly();
            try {
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    System.err.println(name(i) + " still alive 20 s after SIGKILL");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            STARTED.remove(p);
        }
    }
}
