package dev.hearth.cli.it;

import static org.awaitility.Awaitility.await;

import dev.hearth.cli.CliRun;
import dev.hearth.cli.operation.LocalCluster;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.ignite.client.IgniteClient;
import org.awaitility.core.ConditionTimeoutException;

/** A real {@code bin/hearthctl local up} process on a free port range, as an operator would run it. */
final class LocalClusterProcess implements AutoCloseable {
    final int nodes;
    final int offset;
    final Path dir;
    final String clusterName;
    private final List<String> extra;
    private Process process;
    private boolean auth;
    private final List<IgniteClient> clients = new ArrayList<>();

    LocalClusterProcess(int nodes, Path dir, String... sets) {
        this.nodes = nodes;
        this.dir = dir;
        this.offset = freeOffset(nodes);
        this.clusterName = "cli-it-" + offset;
        List<String> e = new ArrayList<>(List.of("memory.heap=256m", "memory.systemRegion=32m",
                "zones.default.memory=64m", "shutdown.timeout=30s"));
        e.addAll(List.of(sets));
        this.extra = e;
    }

    static Path home() {
        String home = System.getProperty("hearth.home");
        Path p = home != null ? Path.of(home) : Path.of("").toAbsolutePath().getParent();
        if (!Files.isExecutable(p.resolve("bin/hearthctl")) || !Files.exists(p.resolve("node/target/hearth-node.jar"))) {
            throw new IllegalStateException("bin/hearthctl or node/target/hearth-node.jar missing under " + p
                    + ": build with mvn -B -DskipTests package first");
        }
        return p;
    }

    /**
     * An offset whose every port (5 per node) is free now. 13950..17900 keeps every port out of Linux's ephemeral
     * range (32768-60999), where other tests' free-port picks and outgoing connections land.
     */
    static int freeOffset(int nodes) {
        for (int attempt = 0; attempt < 200; attempt++) {
            int off = 13_950 + ThreadLocalRandom.current().nextInt(3_900);
            boolean free = true;
            for (int i = 0; i < nodes && free; i++) {
                for (int port : LocalCluster.ports(off, i).values()) {
                    if (!portFree(port)) {
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

    private static boolean portFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    int adminPort(int i) {
        return LocalCluster.ports(offset, i).get("admin");
    }

    String admin() {
        return "127.0.0.1:" + adminPort(0);
    }

    int memcachedPort(int i) {
        return LocalCluster.ports(offset, i).get("memcached");
    }

    int thinClientPort(int i) {
        return LocalCluster.ports(offset, i).get("thinClient");
    }

    /** {@code local up --auth}: the nodes' admin ports need {@link #token()}. Call before {@link #start()}. */
    LocalClusterProcess withAuth() {
        auth = true;
        return this;
    }

    /** The admin token of a cluster started {@link #withAuth()}. */
    String token() throws IOException {
        return Files.readString(dir.resolve("admin-token")).strip();
    }

    /** Starts {@code hearthctl local up} and waits until it reports every node ready. */
    LocalClusterProcess start() throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(home().resolve("bin/hearthctl").toString(), "local", "up",
                "--nodes", Integer.toString(nodes), "--dir", dir.toString(), "--port-offset", Integer.toString(offset),
                "--cluster-name", clusterName, "--start-timeout", "150s"));
        for (String s : extra) {
            cmd.add("--set");
            cmd.add(s);
        }
        if (auth) {
            cmd.add("--auth");
        }
        Files.createDirectories(dir);
        Path out = dir.resolve("hearthctl-local.out");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("HEARTH_") && !k.equals("HEARTH_HOME"));
        long t0 = System.nanoTime();
        process = pb.start();
        try {
            await().atMost(Duration.ofSeconds(nodes * 150L)).pollInterval(Duration.ofMillis(250)).until(() -> {
                String text = Files.exists(out) ? Files.readString(out) : "";
                if (!process.isAlive() && text.lines().filter(l -> l.contains("is up;")).count() < upLines) {
                    throw new IllegalStateException("hearthctl local up exited " + process.exitValue() + ":\n"
                            + text);
                }
                return text.lines().filter(l -> l.contains("is up;")).count() >= upLines;
            });
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException("local cluster not up in time:\n" + Files.readString(out), e);
        }
        upLines++;
        System.out.printf("local cluster of %d nodes up in %d ms (offset %d)%n", nodes,
                (System.nanoTime() - t0) / 1_000_000, offset);
        return this;
    }

    private int upLines = 1;

    /** {@code hearthctl local down}, which signals the supervisor. */
    void down() throws InterruptedException {
        CliRun r = CliRun.of("local", "down", "--dir", dir.toString(), "--timeout", "3m");
        if (r.code() != 0) {
            throw new IllegalStateException("local down failed: " + r);
        }
        if (process != null) {
            process.waitFor(60, TimeUnit.SECONDS);
        }
    }

    String output() throws IOException {
        return Files.readString(dir.resolve("hearthctl-local.out"));
    }

    /**
     * Waits until {@code hearthctl local}'s output contains {@code text}; on timeout fails with that output and the
     * last lines of each node's log, which the test's temporary directory takes with it.
     */
    void awaitOutput(String text, Duration atMost) throws IOException {
        try {
            org.awaitility.Awaitility.await().atMost(atMost).until(() -> output().contains(text));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            StringBuilder sb = new StringBuilder("not in hearthctl local's output within " + atMost + ": " + text
                    + "\n--- hearthctl local ---\n" + output());
            for (int i = 0; i < nodes; i++) {
                Path log = dir.resolve("logs/n" + i + ".log");
                if (Files.exists(log)) {
                    List<String> lines = Files.readAllLines(log);
                    sb.append("\n--- n").append(i).append(".log (last 40 lines) ---\n")
                            .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
                }
            }
            throw new AssertionError(sb.toString(), e);
        }
    }

    IgniteClient client() {
        String[] addrs = new String[nodes];
        for (int i = 0; i < nodes; i++) {
            addrs[i] = "127.0.0.1:" + thinClientPort(i);
        }
        IgniteClient c = ItClients.thin(addrs, 10_000);
        clients.add(c);
        return c;
    }

    @Override
    public void close() throws Exception {
        for (IgniteClient c : clients) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("closing a thin client: " + e);
            }
        }
        if (process != null && process.isAlive()) {
            try {
                down();
            } finally {
                if (process.isAlive()) {
                    process.destroyForcibly();
                }
            }
        }
    }
}
