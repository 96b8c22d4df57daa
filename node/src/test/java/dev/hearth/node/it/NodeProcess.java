package dev.hearth.node.it;

import static org.awaitility.Awaitility.await;

import dev.hearth.testing.FreePorts;
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
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One real {@code bin/hearth-node} process on fixed free loopback ports (kept across restarts, like a real host),
 * with its output in {@code <dir>/<name>.log}.
 */
final class NodeProcess implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /**
     * Every node process this JVM started: killed when the JVM ends, so that a test JVM stopped half-way (a forked
     * VM timeout, Ctrl-C) leaves no node running on the machine.
     */
    private static final java.util.Set<Process> STARTED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> STARTED.forEach(Process::destroyForcibly),
                "kill-node-processes"));
    }

    final String name;
    final int discoveryPort = FreePorts.one();
    final int communicationPort = FreePorts.one();
    final int thinClientPort = FreePorts.one();
    final int memcachedPort = FreePorts.one();
    final int adminPort = FreePorts.one();
    private final Path dir;
    private final List<String> sets = new ArrayList<>();
    private List<String> wrapper = List.of();
    private Process process;
    private int starts;

    NodeProcess(String name, Path dir) {
        this.name = name;
        this.dir = dir;
    }

    static Path home() {
        String home = System.getProperty("hearth.home");
        if (home == null) {
            // Running from the IDE or surefire: the module's parent is the repo root.
            home = Path.of("").toAbsolutePath().getParent().toString();
        }
        Path p = Path.of(home);
        if (!Files.isExecutable(p.resolve("bin/hearth-node"))) {
            throw new IllegalStateException("bin/hearth-node not found under " + p);
        }
        return p;
    }

    /** Config overrides for this node: its ports, its name, the cluster's addresses, small memory. */
    NodeProcess configure(String clusterName, String addresses, String... extra) {
        sets.clear();
        sets.addAll(List.of("node.name=" + name, "cluster.name=" + clusterName, "cluster.addresses=" + addresses,
                "ports.discovery=" + discoveryPort, "ports.communication=" + communicationPort,
                "ports.thinClient=" + thinClientPort, "ports.memcached=" + memcachedPort,
                "ports.admin=" + adminPort, "node.dataDir=" + dir.resolve(name), "memory.heap=256m",
                "memory.systemRegion=32m", "zones.default.memory=96m", "shutdown.timeout=30s"));
        sets.addAll(List.of(extra));
        return this;
    }

    /**
     * Runs the node through {@code wrapper} (its words come before bin/hearth-node's path and arguments), e.g. in a
     * namespace of its own.
     */
    NodeProcess wrappedIn(List<String> wrapper) {
        this.wrapper = List.copyOf(wrapper);
        return this;
    }

    /** More config overrides for this node alone (after the cluster's: they win). */
    NodeProcess also(String... extra) {
        sets.addAll(List.of(extra));
        return this;
    }

    Path dataDir() {
        return dir.resolve(name);
    }

    NodeProcess start() throws IOException {
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.add(home().resolve("bin/hearth-node").toString());
        for (String s : sets) {
            cmd.add("--set");
            cmd.add(s);
        }
        Path log = dir.resolve(name + ".log");
        starts++;
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(starts == 1 ? ProcessBuilder.Redirect.to(log.toFile())
                        : ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("HEARTH_"));
        process = pb.start();
        STARTED.add(process);
        return this;
    }

    String thinClientAddress() {
        return "127.0.0.1:" + thinClientPort;
    }

    long pid() {
        return process.pid();
    }

    int exitCode() {
        return process.exitValue();
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** HTTP status of GET /health/ready, or -1 if the admin port does not answer. */
    int readyStatus() {
        return get("/health/ready").statusCode;
    }

    boolean ready() {
        return readyStatus() == 200;
    }

    Response post(String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    Response get(String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                .timeout(Duration.ofSeconds(5)).GET().build());
    }

    private Response send(HttpRequest request) {
        try {
            HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body());
        } catch (IOException e) {
            return new Response(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Response(-1, "interrupted");
        }
    }

    void awaitReady(Duration timeout) {
        try {
            await().atMost(timeout).pollInterval(Duration.ofMillis(50)).until(() -> {
                if (!alive()) {
                    throw new IllegalStateException(name + " exited with " + process.exitValue() + "; the end of its "
                            + "log (the test's temporary directory is gone by the time anyone reads this):\n"
                            + logTail(40));
                }
                return ready();
            });
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException(name + " not ready after " + timeout + "; the end of its log:\n"
                    + logTail(40), e);
        }
    }

    /** The last {@code lines} lines of the node's log that are not stack frames. */
    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log()).stream()
                    .filter(l -> !l.startsWith("\tat ") && !l.startsWith("\t... ")).toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    Path log() {
        return dir.resolve(name + ".log");
    }

    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM, then wait for the process to exit; returns its exit code. */
    int stopGracefully(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(name + " did not stop within " + timeout);
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (alive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    record Response(int statusCode, String body) {
    }
}
