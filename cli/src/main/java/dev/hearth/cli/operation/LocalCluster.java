package dev.hearth.cli.operation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.cli.CliException;
import dev.hearth.cli.http.AdminClient;
import dev.hearth.cli.output.Durations;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * N real {@code bin/hearth-node} processes on this machine, supervised: a node process that exits while the cluster
 * is not shutting down is started again (that is how {@code rolling-restart} gets its nodes back). Node i uses each
 * default port + offset + i. Everything lives under one directory: {@code <name>/} data, {@code logs/<name>.log},
 * and the state file {@code hearth-local.json} (supervisor pid, node pids and ports) that {@code local down} and
 * {@code local status} read.
 */
public final class LocalCluster {
    public static final String STATE_FILE = "hearth-local.json";
    /** ports.discovery, communication, thinClient, memcached, admin defaults. */
    public static final Map<String, Integer> DEFAULT_PORTS = Map.of("discovery", 47500, "communication", 47100,
            "thinClient", 10800, "memcached", 11211, "admin", 8080);
    private static final List<String> PORT_ORDER = List.of("admin", "memcached", "thinClient", "discovery",
            "communication");

    /** One supervised node. */
    static final class Node {
        final String name;
        final Map<String, Integer> ports = new LinkedHashMap<>();
        final Path dataDir;
        final Path log;
        volatile Process process;
        volatile long startedAt;
        int restarts;
        int quickFailures;
        long nextStartAt;

        Node(String name, Path dataDir, Path log) {
            this.name = name;
            this.dataDir = dataDir;
            this.log = log;
        }

        String admin() {
            return "127.0.0.1:" + ports.get("admin");
        }
    }

    private final Path dir;
    private final String clusterName;
    private final int offset;
    private final List<String> sets;
    private final Path nodeBin;
    private final PrintWriter out;
    private final List<Node> nodes = new ArrayList<>();
    private volatile boolean stopping;
    private final Object lock = new Object();

    public LocalCluster(Path dir, int count, int offset, String clusterName, List<String> sets, Path nodeBin,
            PrintWriter out) {
        this.dir = dir.toAbsolutePath().normalize();
        this.clusterName = clusterName;
        this.offset = offset;
        this.sets = List.copyOf(sets);
        this.nodeBin = nodeBin;
        this.out = out;
        for (int i = 0; i < count; i++) {
            Node n = new Node("n" + i, this.dir.resolve("n" + i), this.dir.resolve("logs").resolve("n" + i + ".log"));
            for (String p : PORT_ORDER) {
                n.ports.put(p, DEFAULT_PORTS.get(p) + offset + i);
            }
            nodes.add(n);
        }
    }

    /** Ports of node i with this offset; for docs and tests. */
    public static Map<String, Integer> ports(int offset, int i) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (String p : PORT_ORDER) {
            m.put(p, DEFAULT_PORTS.get(p) + offset + i);
        }
        return m;
    }

    /** Starts every node at once, waits until all are ready, then supervises until stopped. */
    public void run(Duration startTimeout) throws InterruptedException {
        Optional<JsonNode> existing = readState(dir);
        if (existing.isPresent() && alive(existing.get().path("supervisorPid").asLong(),
                existing.get().path("supervisorStartedAt").asLong(),
                existing.get().path("supervisorStartTicks").asLong())) {
            throw CliException.failed("a local cluster is already running in " + dir + " (supervisor pid "
                    + existing.get().path("supervisorPid").asLong() + "); stop it with: hearthctl local down --dir "
                    + dir);
        }
        for (Node n : nodes) {
            for (var e : n.ports.entrySet()) {
                if (e.getValue() > 65535 || !portFree(e.getValue())) {
                    throw CliException.failed("port " + e.getValue() + " (" + n.name + " " + e.getKey() + ") is "
                            + "not free on 127.0.0.1; pick other ports with --port-offset");
                }
            }
        }
        if (!Files.isExecutable(nodeBin)) {
            throw CliException.failed("cannot run " + nodeBin + ": build first (mvn -B -q -DskipTests package) or "
                    + "set HEARTH_HOME");
        }
        try {
            Files.createDirectories(dir.resolve("logs"));
        } catch (IOException e) {
            throw CliException.failed("cannot create " + dir + ": " + e.getMessage());
        }
        Thread hook = new Thread(this::stopAll, "hearthctl-local-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        // SIGTERM is how `local down` and service managers ask for a stop: a stop asked for is a success (exit 0, after
        // the hook has stopped every node), not the JVM's 143 that reads like a failure in the first terminal.
        sun.misc.Signal.handle(new sun.misc.Signal("TERM"), signal -> System.exit(0));
        // Every node at once: a node restarted on its data dir expects its old peers and is not ready until a
        // majority of them is up, so waiting for each before starting the next would wait for ever.
        for (Node n : nodes) {
            start(n);
        }
        writeState();
        long deadline = System.nanoTime() + startTimeout.toNanos();
        List<Node> waiting = new ArrayList<>(nodes);
        while (!waiting.isEmpty()) {
            if (stopping) {
                return;
            }
            for (java.util.Iterator<Node> it = waiting.iterator(); it.hasNext(); ) {
                Node n = it.next();
                if (new AdminClient(n.admin(), Duration.ofSeconds(3)).probe("/health/ready") == 200) {
                    it.remove();
                    say(n.name + " ready: admin " + n.admin() + ", memcached 127.0.0.1:" + n.ports.get("memcached")
                            + ", thin client 127.0.0.1:" + n.ports.get("thinClient") + " (pid " + n.process.pid()
                            + ")");
                } else if (!n.process.isAlive()) {
                    stopAndFail(n.name + " exited with code " + n.process.exitValue() + " while starting; see "
                            + n.log + whyFrom(n.log));
                }
            }
            if (!waiting.isEmpty() && System.nanoTime() > deadline) {
                stopAndFail(waiting.stream().map(n -> n.name).toList() + " not ready within "
                        + Durations.format(startTimeout.toMillis()) + "; see " + waiting.get(0).log
                        + (waiting.size() < nodes.size() ? "" : " (all started at once: a node that remembers "
                                + "other members waits for a majority of them)"));
            }
            Thread.sleep(200);
        }
        say("local cluster '" + clusterName + "' of " + nodes.size() + " nodes is up; data and logs in " + dir
                + ". Ctrl-C (or hearthctl local down --dir " + dir + ") stops it.");
        Thread watch = new Thread(this::watchMembership, "hearthctl-local-watch");
        watch.setDaemon(true);
        watch.start();
        supervise();
    }

    /**
     * The node's own account of why it stopped (its last error lines), so the operator, or a CI log that outlives
     * the data directory, sees the cause without opening the file.
     */
    static String whyFrom(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            List<String> errors = lines.stream()
                    .filter(l -> l.contains(" ERROR ") || l.contains("\"level\":\"ERROR\"") || l.startsWith("hearth-node:"))
                    .toList();
            List<String> pick = errors.isEmpty() ? lines : errors;
            return pick.isEmpty() ? "" : "\n  last lines of the node's log:\n    "
                    + String.join("\n    ", pick.subList(Math.max(0, pick.size() - 5), pick.size()));
        } catch (IOException | UncheckedIOException e) {
            return " (log unreadable: " + e.getMessage() + ")";
        }
    }

    private void stopAndFail(String message) {
        stopAll();
        throw CliException.failed(message);
    }

    private void supervise() throws InterruptedException {
        while (!stopping) {
            synchronized (lock) {
                for (Node n : nodes) {
                    if (stopping) {
                        break;
                    }
                    Process p = n.process;
                    if (p != null && !p.isAlive()) {
                        long now = System.currentTimeMillis();
                        if (n.nextStartAt == 0) {
                            int code = p.exitValue();
                            boolean quick = now - n.startedAt < 15_000 && code != 0;
                            n.quickFailures = quick ? n.quickFailures + 1 : 0;
                            long backoff = quick ? Math.min(30_000, 1000L << Math.min(5, n.quickFailures - 1)) : 0;
                            n.nextStartAt = now + backoff;
                            say(n.name + " exited with code " + code + "; restarting it"
                                    + (backoff > 0 ? " in " + Durations.format(backoff) : ""));
                        }
                        if (now >= n.nextStartAt) {
                            n.nextStartAt = 0;
                            n.restarts++;
                            try {
                                start(n);
                            } catch (CliException e) {
                                say(n.name + ": " + e.getMessage());
                                n.nextStartAt = now + 5000;
                            }
                            writeState();
                        }
                    }
                }
                // Woken at once by a node's exit (start registers it): a rolling restart waits for the new JVM, and
                // a poll would add up to its interval per node. The timeout still retries a backed-off start.
                lock.wait(200);
            }
        }
    }

    /** How often the supervisor asks its live nodes which cluster they are in. */
    static final Duration WATCH_INTERVAL = Duration.ofSeconds(5);

    /**
     * Logs a live node that is outside the cluster ({@link LocalMembership}) when it has been so at two checks in a
     * row (a node just restarted is briefly alone while it joins), and when it is back. Its own thread: a frozen
     * node's admin port must not delay restarts.
     */
    private void watchMembership() {
        Map<String, String> suspect = Map.of();
        // What was last said of each node reported outside: said again only when it changes (a node cut off is
        // first seen with silent peers, then fenced and restarted alone).
        Map<String, String> reported = new LinkedHashMap<>();
        while (!stopping) {
            try {
                Thread.sleep(WATCH_INTERVAL.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            Map<String, JsonNode> statuses = liveStatuses(nodes.stream()
                    .filter(n -> n.process != null && n.process.isAlive())
                    .map(n -> new Cluster.Member(n.name, "", n.admin())).toList());
            Map<String, String> outside = LocalMembership.outside(statuses);
            if (stopping) {
                return;
            }
            for (Map.Entry<String, String> e : outside.entrySet()) {
                if (suspect.containsKey(e.getKey()) && !e.getValue().equals(reported.get(e.getKey()))) {
                    reported.put(e.getKey(), e.getValue());
                    say(e.getValue());
                }
            }
            for (java.util.Iterator<String> it = reported.keySet().iterator(); it.hasNext(); ) {
                String name = it.next();
                // Only a node that answers can be back; one that died is the supervisor's to report.
                if (statuses.containsKey(name) && !outside.containsKey(name)) {
                    it.remove();
                    say(name + " is back in the cluster");
                }
            }
            suspect = outside;
        }
    }

    /** /status of each of {@code live} that answers within a few seconds, by name, in the order given. */
    public static Map<String, JsonNode> liveStatuses(List<Cluster.Member> live) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        List<JsonNode> statuses = Cluster.onEach(live, m -> {
            try {
                return new AdminClient(m.admin(), Duration.ofSeconds(3)).get("/status");
            } catch (CliException | AdminClient.AdminException e) {
                return null;
            }
        });
        for (int i = 0; i < live.size(); i++) {
            if (statuses.get(i) != null) {
                out.put(live.get(i).name(), statuses.get(i));
            }
        }
        return out;
    }

    private void start(Node n) {
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid")) || Files.isExecutable(Path.of("/bin/setsid"))) {
            // Own session: a Ctrl-C in the terminal reaches the supervisor only, which stops the nodes one by one.
            cmd.add("setsid");
        }
        cmd.add(nodeBin.toString());
        List<String> all = new ArrayList<>(List.of("node.name=" + n.name, "cluster.name=" + clusterName,
                "cluster.addresses=" + discoveryAddresses(), "node.dataDir=" + n.dataDir));
        n.ports.forEach((k, v) -> all.add("ports." + k + "=" + v));
        all.addAll(sets);
        for (String s : all) {
            cmd.add("--set");
            cmd.add(s);
        }
        try {
            Files.createDirectories(n.log.getParent());
            Files.writeString(n.log, "---- hearthctl local: starting " + n.name + " at " + Instant.now() + "\n",
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(n.log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            n.process = pb.start();
            n.startedAt = System.currentTimeMillis();
            n.process.onExit().thenRun(() -> {
                synchronized (lock) {
                    lock.notifyAll();
                }
            });
        } catch (IOException e) {
            throw CliException.failed("cannot start " + n.name + ": " + e.getMessage());
        }
    }

    private String discoveryAddresses() {
        int first = DEFAULT_PORTS.get("discovery") + offset;
        return "127.0.0.1:" + first + ".." + (first + nodes.size() - 1);
    }

    /** Stops every node gracefully, last first, one at a time (each waits until no partition loses its last copy). */
    void stopAll() {
        synchronized (lock) {
            if (stopping && nodes.stream().noneMatch(n -> n.process != null && n.process.isAlive())) {
                return;
            }
            stopping = true;
        }
        say("stopping the local cluster");
        writeState();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node n = nodes.get(i);
            Process p = n.process;
            if (p == null || !p.isAlive()) {
                continue;
            }
            p.destroy();
            try {
                if (!p.waitFor(90, TimeUnit.SECONDS)) {
                    say(n.name + " did not stop within 90s; killing it");
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                } else {
                    say(n.name + " stopped (exit " + p.exitValue() + ")");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
        try {
            Files.deleteIfExists(dir.resolve(STATE_FILE));
        } catch (IOException e) {
            say("cannot delete " + dir.resolve(STATE_FILE) + ": " + e.getMessage());
        }
        say("local cluster stopped");
    }

    private void say(String line) {
        synchronized (out) {
            out.println("[hearthctl local " + java.time.LocalTime.now().withNano(0) + "] " + line);
            out.flush();
        }
    }

    private void writeState() {
        ObjectNode s = AdminClient.JSON.createObjectNode();
        ProcessHandle me = ProcessHandle.current();
        s.put("supervisorPid", me.pid());
        s.put("supervisorStartedAt", startMillis(me));
        s.put("supervisorStartTicks", startTicks(me.pid()));
        s.put("clusterName", clusterName);
        s.put("portOffset", offset);
        s.put("stopping", stopping);
        ArrayNode arr = s.putArray("nodes");
        for (Node n : nodes) {
            ObjectNode o = arr.addObject();
            o.put("name", n.name);
            Process p = n.process;
            o.put("pid", p == null ? 0 : p.pid());
            o.put("startedAt", p == null ? 0 : startMillis(p.toHandle()));
            o.put("startTicks", p == null ? 0 : startTicks(p.pid()));
            o.put("admin", n.admin());
            ObjectNode ports = o.putObject("ports");
            n.ports.forEach(ports::put);
            o.put("dataDir", n.dataDir.toString());
            o.put("log", n.log.toString());
            o.put("restarts", n.restarts);
        }
        try {
            Path tmp = dir.resolve(STATE_FILE + ".tmp");
            AdminClient.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValue(tmp.toFile(), s);
            Files.move(tmp, dir.resolve(STATE_FILE), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long startMillis(ProcessHandle h) {
        return h.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
    }

    /**
     * The process's start in clock ticks since the machine booted ({@code /proc/PID/stat}, field 22), or 0 where
     * that cannot be read (not Linux, process gone). Unlike {@link #startMillis}, which the JDK derives from it and
     * the boot time as the wall clock now has it, it does not move when the wall clock is stepped.
     */
    static long startTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // The command name (field 2) is in parentheses and may hold spaces: count from after its end.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            return Long.parseLong(f[19]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /**
     * True if {@code pid} is alive and is the process recorded with it, not another that reuses the pid: the same
     * {@link #startTicks} where both are known, else (when known) a start within 2 s of {@code startedAt}. The ticks
     * come first: a virtual machine's wall clock can be stepped by seconds, and a start instant read before the step
     * then no longer matches one read after it (seen: `hearthctl local down` took a running cluster for a stale
     * record, deleted the record and left every node running).
     */
    public static boolean alive(long pid, long startedAt, long startTicks) {
        if (pid <= 0) {
            return false;
        }
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty() || !h.get().isAlive()) {
            return false;
        }
        long ticks = startTicks(pid);
        if (startTicks > 0 && ticks > 0) {
            return ticks == startTicks;
        }
        long actual = startMillis(h.get());
        return startedAt == 0 || actual == 0 || Math.abs(actual - startedAt) < 2000;
    }

    public static Optional<JsonNode> readState(Path dir) {
        Path f = dir.resolve(STATE_FILE);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(AdminClient.JSON.readTree(f.toFile()));
        } catch (IOException e) {
            throw CliException.failed("cannot read " + f + ": " + e.getMessage());
        }
    }

    static boolean portFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            // As servers bind (SO_REUSEADDR): a port in TIME_WAIT from the last run is free for them.
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
