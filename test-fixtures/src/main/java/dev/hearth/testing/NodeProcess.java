package dev.hearth.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One real {@code bin/hearth-node} process for a test: its ports kept across restarts (like a real host), its
 * settings given as {@code --set key=value} overrides, its output appended to {@code <dir>/<name>.log}. Every test
 * harness that runs node processes (a cluster of them, a chaos lab) builds on this one, so that starting, waiting
 * for readiness, freezing and killing a node are written once.
 *
 * <p>The process starts with no {@code HEARTH_*} variable of the test's environment but {@code HEARTH_HOME}: a
 * setting the machine happens to have must not change what a test runs.
 */
public final class NodeProcess implements AutoCloseable {
    /**
     * Every node process this JVM started: killed when the JVM ends, so that a test JVM stopped half-way (a forked
     * VM timeout, Ctrl-C) leaves no node running on the machine.
     */
    private static final Set<Process> STARTED = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> STARTED.forEach(Process::destroyForcibly),
                "kill-node-processes"));
    }

    /** A node's five ports. */
    public record Ports(int discovery, int communication, int thinClient, int memcached, int admin) {
        /** Five ports free on 127.0.0.1 ({@link FreePorts}). */
        public static Ports free() {
            int[] p = FreePorts.several(5);
            return new Ports(p[0], p[1], p[2], p[3], p[4]);
        }

        /** The node's {@code ports.*} settings. */
        public List<String> settings() {
            return List.of("ports.discovery=" + discovery, "ports.communication=" + communication,
                    "ports.thinClient=" + thinClient, "ports.memcached=" + memcached, "ports.admin=" + admin);
        }
    }

    /** An admin endpoint's answer; status -1 when the port did not answer (the body then says why). */
    public record Response(int statusCode, String body) {
    }

    private final String name;
    private final Path dir;
    private final Ports ports;
    private final List<String> settings = new ArrayList<>();
    private List<String> wrapper = List.of();
    private SSLContext adminTls;
    private Duration connectTimeout = Duration.ofSeconds(2);
    private Duration adminTimeout = Duration.ofSeconds(5);
    private HttpClient http = httpClient();
    private String host = "127.0.0.1";
    private volatile Process process;
    private volatile boolean frozen;
    private int starts;

    /** A node on free ports; see {@link #NodeProcess(String, Path, Ports)}. */
    public NodeProcess(String name, Path dir) {
        this(name, dir, Ports.free());
    }

    /**
     * @param name the node's name ({@code node.name}) and its log's
     * @param dir where its log and (unless a setting says otherwise) its data directory {@code <dir>/<name>} go
     */
    public NodeProcess(String name, Path dir, Ports ports) {
        this.name = Objects.requireNonNull(name);
        this.dir = dir;
        this.ports = ports;
    }

    /**
     * The repository root, which holds {@code bin/hearth-node}: system property {@code hearth.home} (set by the
     * build), else the parent of the working directory (a module's, under surefire or an IDE).
     *
     * @throws IllegalStateException if no executable {@code bin/hearth-node} is there
     */
    public static Path home() {
        String home = System.getProperty("hearth.home");
        Path p = (home != null ? Path.of(home) : Path.of("").toAbsolutePath().getParent()).toAbsolutePath();
        if (!Files.isExecutable(p.resolve("bin/hearth-node"))) {
            throw new IllegalStateException("bin/hearth-node not found under " + p);
        }
        return p;
    }

    /**
     * Sets this node's settings, replacing earlier ones: its name, ports and data directory, the cluster's name and
     * discovery {@code addresses}, small memory for a shared test machine, then {@code extra} (which win).
     */
    public NodeProcess configure(String clusterName, String addresses, String... extra) {
        settings.clear();
        member(addresses);
        settings.addAll(List.of("cluster.name=" + clusterName, "memory.heap=256m", "memory.systemRegion=32m",
                "zones.default.memory=96m", "shutdown.timeout=30s"));
        settings.addAll(List.of(extra));
        return this;
    }

    /**
     * What makes this process one member of a cluster: its name, its ports, its data directory ({@link #dataDir})
     * and the cluster's discovery {@code addresses}; added to the settings given before.
     */
    public NodeProcess member(String addresses) {
        settings.addAll(List.of("node.name=" + name, "cluster.addresses=" + addresses, "node.dataDir=" + dataDir()));
        settings.addAll(ports.settings());
        return this;
    }

    /** More settings for this node alone, after those given before (they win). */
    public NodeProcess also(String... extra) {
        settings.addAll(List.of(extra));
        return this;
    }

    /**
     * Runs the node through {@code wrapper} (its words come before bin/hearth-node's path and arguments), e.g. in a
     * network namespace of its own.
     */
    public NodeProcess wrappedIn(List<String> wrapper) {
        this.wrapper = List.copyOf(wrapper);
        return this;
    }

    /**
     * The address the node's ports are on (default 127.0.0.1): its own in a network namespace. Its discovery,
     * thin-client and admin addresses use it.
     */
    public NodeProcess host(String address) {
        this.host = Objects.requireNonNull(address);
        return this;
    }

    /**
     * How long a request to the admin port may take (default 5 s); a frozen node answers none, so a harness that
     * polls nodes through a freeze keeps it short.
     */
    public NodeProcess adminTimeout(Duration connect, Duration request) {
        this.connectTimeout = connect;
        this.adminTimeout = request;
        this.http = httpClient();
        return this;
    }

    /** Asks the admin port over HTTPS with {@code context} (a node with {@code tls.enabled}). */
    public NodeProcess adminTls(SSLContext context) {
        this.adminTls = context;
        this.http = httpClient();
        return this;
    }

    private HttpClient httpClient() {
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(connectTimeout);
        if (adminTls != null) {
            b.sslContext(adminTls);
        }
        return b.build();
    }

    public String name() {
        return name;
    }

    public Ports ports() {
        return ports;
    }

    public String host() {
        return host;
    }

    public String thinClientAddress() {
        return host + ":" + ports.thinClient;
    }

    public String discoveryAddress() {
        return host + ":" + ports.discovery;
    }

    /** The data directory {@link #configure} gives it. */
    public Path dataDir() {
        return dir.resolve(name).toAbsolutePath();
    }

    public Path log() {
        return dir.resolve(name + ".log");
    }

    /** Starts the process (its log continues across restarts) without waiting for it to be ready. */
    public NodeProcess start() throws IOException {
        if (alive()) {
            throw new IllegalStateException(name + " is running");
        }
        List<String> cmd = new ArrayList<>(wrapper);
        Path home = home();
        cmd.add(home.resolve("bin/hearth-node").toString());
        for (String s : settings) {
            cmd.add("--set");
            cmd.add(s);
        }
        Files.createDirectories(dir);
        starts++;
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(starts == 1 ? ProcessBuilder.Redirect.to(log().toFile())
                        : ProcessBuilder.Redirect.appendTo(log().toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("HEARTH_"));
        pb.environment().put("HEARTH_HOME", home.toString());
        if (process != null) {
            STARTED.remove(process);
        }
        process = pb.start();
        frozen = false;
        STARTED.add(process);
        return this;
    }

    /** Starts the process and waits until it is ready. */
    public NodeProcess startAndAwaitReady(Duration timeout) throws IOException {
        start();
        awaitReady(timeout);
        return this;
    }

    /** Whether {@link #start} was ever called. */
    public boolean started() {
        return starts > 0;
    }

    /** Whether the process runs (a frozen one does). */
    public boolean alive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public int exitCode() {
        return process.exitValue();
    }

    /** HTTP status of GET /health/ready, or -1 if the admin port does not answer. */
    public int readyStatus() {
        return get("/health/ready").statusCode();
    }

    public boolean ready() {
        return readyStatus() == 200;
    }

    /**
     * Waits until the node is ready.
     *
     * @throws IllegalStateException at once if the process exits, or after {@code timeout}; with the end of its log
     *     (the test's temporary directory is gone by the time anyone reads it)
     */
    public void awaitReady(Duration timeout) {
        try {
            await().atMost(timeout).pollInterval(Duration.ofMillis(50)).until(() -> {
                if (!alive()) {
                    throw new IllegalStateException(name + " exited with " + process.exitValue()
                            + "; the end of its log:\n" + logTail(40));
                }
                return ready();
            });
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException(name + " not ready after " + timeout + "; the end of its log:\n"
                    + logTail(40), e);
        }
    }

    public Response get(String path) {
        return send(request(path).GET().build());
    }

    public Response post(String path) {
        return send(request(path).POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create((adminTls != null ? "https://" : "http://") + host + ":" + ports.admin + path)).timeout(adminTimeout);
    }

    private Response send(HttpRequest request) {
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body());
        } catch (IOException e) {
            return new Response(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Response(-1, "interrupted");
        }
    }

    /** The last {@code lines} lines of the node's log that are not stack frames. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log()).stream()
                    .filter(l -> !l.startsWith("\tat ") && !l.startsWith("\t... ")).toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** kill -9: the node vanishes without a word to its cluster. Waits until it is gone. */
    public void kill9() throws InterruptedException {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroyForcibly();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " still alive 20 s after SIGKILL");
        }
        frozen = false;
    }

    /** SIGTERM, then waits for the graceful stop; returns the exit code. */
    public int stopGracefully(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(name + " did not stop within " + timeout);
        }
        return process.exitValue();
    }

    /** SIGSTOP: the process keeps its sockets and answers nothing, as in a long pause. */
    public void freeze() throws IOException, InterruptedException {
        freeze(List.of(this));
    }

    /** SIGCONT. */
    public void resume() throws IOException, InterruptedException {
        resume(List.of(this));
    }

    /** SIGSTOP to every running node of {@code nodes} at the same instant (one kill command): a pause of them all. */
    public static void freeze(List<NodeProcess> nodes) throws IOException, InterruptedException {
        signal("STOP", nodes);
        nodes.forEach(n -> n.frozen = true);
    }

    /** SIGCONT to every running node of {@code nodes} at the same instant. */
    public static void resume(List<NodeProcess> nodes) throws IOException, InterruptedException {
        signal("CONT", nodes);
        nodes.forEach(n -> n.frozen = false);
    }

    private static void signal(String sig, List<NodeProcess> nodes) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("kill", "-" + sig));
        for (NodeProcess n : nodes) {
            if (n.alive()) {
                cmd.add(Long.toString(n.pid()));
            }
        }
        if (cmd.size() == 2) {
            return;
        }
        Process k = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(k.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!k.waitFor(10, TimeUnit.SECONDS) || k.exitValue() != 0) {
            throw new IOException(cmd + " failed: " + out);
        }
    }

    /** The node's thread dump (jstack), for a test that found it stuck. */
    public String jstack() {
        if (!alive()) {
            return name + " not running";
        }
        try {
            Process j = new ProcessBuilder("jstack", Long.toString(pid())).redirectErrorStream(true).start();
            String out = new String(j.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            j.waitFor(30, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            return name + ": jstack failed: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return name + ": jstack interrupted";
        }
    }

    /** Kills the process if it runs (resuming it first if frozen, so that the kill is not held up). */
    @Override
    public void close() throws InterruptedException {
        if (!alive()) {
            return;
        }
        if (frozen) {
            try {
                resume();
            } catch (IOException e) {
                System.err.println(name + ": SIGCONT before the kill failed: " + e);
            }
        }
        kill9();
    }
}
