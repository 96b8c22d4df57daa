package dev.hearth.client.testing;

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
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real Hearth cluster of {@code bin/hearth-node} processes on 127.0.0.1 and free ports, for integration tests.
 * Builds the node (mvn package -pl node) if its jar is missing. Each node logs to {@code <workDir>/nN.log}.
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
    /**
     * Every node process this JVM started: killed when the JVM ends, so that a test JVM stopped half-way (a forked
     * VM timeout, Ctrl-C) leaves no node running on the machine.
     */
    private static final Set<Process> STARTED = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> STARTED.forEach(Process::destroyForcibly),
                "kill-node-processes"));
    }
    private final Path home;
    private final Path workDir;
    /** Extra {@code --set key=value} settings every node of this cluster starts with. */
    private final List<String> settings;
    private final List<Node> nodes = new ArrayList<>();
    private final HttpClient http;
    /** "https://" when the nodes run with tls.enabled, else "http://". */
    private final String scheme;

    /** One node's ports and process. */
    public static final class Node {
        final int index;
        final int discovery;
        final int communication;
        final int thinClient;
        final int admin;
        final int memcached;
        volatile Process process;
        volatile boolean frozen;

        Node(int index, int[] ports) {
            this.index = index;
            this.discovery = ports[0];
            this.communication = ports[1];
            this.thinClient = ports[2];
            this.admin = ports[3];
            this.memcached = ports[4];
        }

        public int thinClientPort() {
            return thinClient;
        }

        public int adminPort() {
            return admin;
        }

        public int memcachedPort() {
            return memcached;
        }
    }

    private ProcessCluster(Path home, Path workDir, int size, List<String> settings,
            javax.net.ssl.SSLContext adminTls) throws IOException {
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500));
        if (adminTls != null) {
            b.sslContext(adminTls);
        }
        this.http = b.build();
        this.scheme = adminTls == null ? "http://" : "https://";
        this.home = home;
        this.workDir = workDir;
        this.settings = List.copyOf(settings);
        Files.createDirectories(workDir);
        int[] ports = freePorts(size * 5);
        for (int i = 0; i < size; i++) {
            int[] p = new int[5];
            System.arraycopy(ports, i * 5, p, 0, 5);
            nodes.add(new Node(i, p));
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
        Path home = hearthHome();
        ensureNodeBuilt(home);
        ProcessCluster c = new ProcessCluster(home, workDir, size, settings, adminTls);
        try {
            for (int i = 0; i < running; i++) {
                c.launch(i);
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

    /** The repository root: system property hearth.home (set by failsafe), else the parent of the working dir. */
    public static Path hearthHome() {
        String h = System.getProperty("hearth.home");
        Path p = h != null ? Path.of(h) : Path.of("").toAbsolutePath().getParent();
        return p.toAbsolutePath();
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

    public List<Node> nodes() {
        return List.copyOf(nodes);
    }

    public Node node(int i) {
        return nodes.get(i);
    }

    /** The thin-client addresses of the first {@code n} nodes. */
    public List<String> thinClientAddresses(int n) {
        return thinClientAddresses().subList(0, n);
    }

    /** Every node's thin-client address. */
    public List<String> thinClientAddresses() {
        return nodes.stream().map(n -> "127.0.0.1:" + n.thinClient).collect(Collectors.toList());
    }

    private String discoveryAddresses() {
        return nodes.stream().map(n -> "127.0.0.1:" + n.discovery).collect(Collectors.joining(","));
    }

    private void launch(int i) throws IOException {
        Node n = nodes.get(i);
        Path dataDir = workDir.resolve("n" + i + "-data");
        Files.createDirectories(dataDir);
        List<String> cmd = new ArrayList<>(List.of(home.resolve("bin/hearth-node").toString(),
                "--set", "node.name=n" + i,
                "--set", "ports.discovery=" + n.discovery,
                "--set", "ports.communication=" + n.communication,
                "--set", "ports.thinClient=" + n.thinClient,
                "--set", "ports.admin=" + n.admin,
                "--set", "ports.memcached=" + n.memcached,
                "--set", "cluster.addresses=" + discoveryAddresses(),
                "--set", "node.dataDir=" + dataDir.toAbsolutePath(),
                "--set", "memory.heap=256m",
                "--set", "zones.default.memory=64m"));
        for (String setting : settings) {
            cmd.add("--set");
            cmd.add(setting);
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(workDir.resolve("n" + i + ".log").toFile()));
        pb.environment().put("HEARTH_HOME", home.toString());
        n.process = pb.start();
        STARTED.add(n.process);
        n.frozen = false;
    }

    public boolean isReady(int i) {
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(
                    URI.create(scheme + "127.0.0.1:" + nodes.get(i).admin + "/health/ready"))
                    .timeout(Duration.ofMillis(1000)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public void awaitReady(int i) throws InterruptedException {
        long end = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < end) {
            Process p = nodes.get(i).process;
            if (p == null || !p.isAlive()) {
                throw new IllegalStateException("node n" + i + " exited; see " + workDir.resolve("n" + i + ".log"));
            }
            if (isReady(i)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("node n" + i + " not ready after " + READY_TIMEOUT);
    }

    /**
     * What node {@code i}'s thin-client connector threads are doing (jstack): how many wait, and in which request,
     * counted. A frozen peer can tie them all up, and then the node answers no thin-client request.
     */
    public String connectorThreads(int i) {
        Process p = nodes.get(i).process;
        if (p == null || !p.isAlive()) {
            return "n" + i + " not running";
        }
        try {
            Process j = new ProcessBuilder("jstack", Long.toString(p.pid())).redirectErrorStream(true).start();
            String out = new String(j.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            j.waitFor(10, TimeUnit.SECONDS);
            java.util.Map<String, Integer> counts = new java.util.TreeMap<>();
            for (String block : out.split("\n\n")) {
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
            return "n" + i + " connector threads " + counts;
        } catch (IOException e) {
            return "n" + i + ": jstack failed: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "n" + i + ": interrupted";
        }
    }

    /** Whether node {@code i}'s process runs (frozen counts as running). */
    public boolean isAlive(int i) {
        Process p = nodes.get(i).process;
        return p != null && p.isAlive();
    }

    /** kill -9. */
    public void kill(int i) throws InterruptedException {
        Node n = nodes.get(i);
        if (n.process != null) {
            n.process.destroyForcibly();
            n.process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** SIGTERM, and waits for the graceful stop (bounded by 60 s, then kill -9). */
    public void stop(int i) throws InterruptedException {
        Node n = nodes.get(i);
        if (n.process != null) {
            n.process.destroy();
            if (!n.process.waitFor(60, TimeUnit.SECONDS)) {
                n.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** SIGSTOP: the process keeps its sockets but answers nothing. */
    public void freeze(int i) throws IOException, InterruptedException {
        signal(i, "STOP");
        nodes.get(i).frozen = true;
    }

    /** SIGCONT. */
    public void resume(int i) throws IOException, InterruptedException {
        signal(i, "CONT");
        nodes.get(i).frozen = false;
    }

    private void signal(int i, String sig) throws IOException, InterruptedException {
        Process p = nodes.get(i).process;
        if (p == null || !p.isAlive()) {
            return;
        }
        Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).inheritIO().start();
        if (!k.waitFor(10, TimeUnit.SECONDS) || k.exitValue() != 0) {
            throw new IOException("kill -" + sig + " " + p.pid() + " failed");
        }
    }

    /** Starts node {@code i} again (same name, ports and data dir) without waiting. */
    public void startNode(int i) throws IOException {
        Process p = nodes.get(i).process;
        if (p != null && p.isAlive()) {
            throw new IllegalStateException("node n" + i + " is running");
        }
        launch(i);
    }

    /** Starts node {@code i} again and waits until it is ready. */
    public void restart(int i) throws IOException, InterruptedException {
        startNode(i);
        awaitReady(i);
    }

    @Override
    public void close() {
        for (Node n : nodes) {
            Process p = n.process;
            if (p != null && p.isAlive()) {
                if (n.frozen) {
                    try {
                        signal(n.index, "CONT");
                    } catch (Exception ignored) {
                        // killed below anyway
                    }
                }
                p.destroyForcibly();
            }
        }
        for (Node n : nodes) {
            Process p = n.process;
            if (p != null) {
                try {
                    p.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** Ports this JVM has handed out: each cluster gets its own, even before its nodes bind them. */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    /**
     * Distinct ports free on 127.0.0.1 now, from 12000-21999: below Linux's ephemeral range (32768-60999), where
     * the kernel picks the local port of every outgoing connection. A port picked there (bind to 0) could be taken
     * by one of the cluster's own connections before its node binds it, and the node then fails to start. Above the
     * default ports (10800, 11211) and their local cluster offsets.
     */
    public static int[] freePorts(int count) throws IOException {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        int[] out = new int[count];
        int found = 0;
        for (int attempt = 0; attempt < 1000 + count && found < count; attempt++) {
            int port = 12_000 + r.nextInt(10_000);
            if (!HANDED_OUT.add(port)) {
                continue;
            }
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                out[found++] = port;
            } catch (IOException inUse) {
                // taken by something else on this machine: try another
            }
        }
        if (found < count) {
            throw new IOException("no " + count + " free ports in 12000-21999");
        }
        return out;
    }
}
