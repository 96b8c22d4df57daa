package dev.hearth.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.cli.CliException;
import dev.hearth.cli.ExitCodes;
import dev.hearth.cli.GlobalOptions;
import dev.hearth.cli.http.AdminClient;
import dev.hearth.cli.operation.Cluster;
import dev.hearth.cli.operation.LocalCluster;
import dev.hearth.cli.operation.LocalMembership;
import dev.hearth.cli.operation.Membership;
import dev.hearth.cli.output.Durations;
import dev.hearth.cli.output.Output;
import dev.hearth.cli.output.Table;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code local up|down|status}: a supervised cluster of real node processes on this machine. */
@Command(name = "local", mixinStandardHelpOptions = true,
        description = {"A cluster of real node processes on this machine, for development and tests.",
                "Node i (0-based) is named n<i> and uses each default port + offset + i: admin 8080+i, memcached "
                        + "11211+i, thin client 10800+i, discovery 47500+i, communication 47100+i."},
        subcommands = {LocalCommands.Up.class, LocalCommands.Down.class, LocalCommands.Status.class})
public final class LocalCommands implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand: up, down or status");
    }

    static Path home() {
        String h = System.getenv("HEARTH_HOME");
        if (h == null || h.isBlank()) {
            h = System.getProperty("hearth.home", ".");
        }
        return Path.of(h).toAbsolutePath().normalize();
    }

    @Command(name = "up", mixinStandardHelpOptions = true,
            description = {"Starts N nodes at once, waits until every one is ready, supervises them (a node "
                    + "process that exits is started again, e.g. after `hearthctl rolling-restart` stopped it) and "
                    + "stays in the foreground; Ctrl-C or SIGTERM (or `hearthctl local down`) stops every node "
                    + "gracefully. Every 5 s it asks the nodes which cluster they are in and logs a node that is "
                    + "alive but outside the cluster (and when it is back).",
                    "Exit 1 if a node cannot start (busy port, no build) or is not ready in time."})
    public static final class Up implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-n", "--nodes"}, paramLabel = "N", defaultValue = "3",
                description = "Number of nodes (1-10). Default: ${DEFAULT-VALUE}.")
        int count;

        @Option(names = "--dir", paramLabel = "DIR", defaultValue = "hearth-local",
                description = "Data, logs and state file. Default: ./${DEFAULT-VALUE}.")
        Path dir;

        @Option(names = "--port-offset", paramLabel = "K", defaultValue = "0",
                description = "Added to every default port (node i uses default + K + i), to run beside another "
                        + "cluster. Default: ${DEFAULT-VALUE}.")
        int offset;

        @Option(names = "--cluster-name", paramLabel = "NAME", defaultValue = "hearth-local",
                description = "Ignite cluster name. Default: ${DEFAULT-VALUE}.")
        String clusterName;

        @Option(names = "--set", paramLabel = "KEY=VALUE",
                description = "A node config override passed to every node (repeatable), e.g. "
                        + "--set zones.default.memory=512m.")
        List<String> sets = new ArrayList<>();

        @Option(names = "--start-timeout", paramLabel = "DURATION", defaultValue = "120s",
                converter = Durations.Converter.class,
                description = "Longest wait for every node to become ready. Default: ${DEFAULT-VALUE}.")
        Duration startTimeout;

        @Option(names = "--node-bin", paramLabel = "PATH",
                description = "The node start script. Default: $HEARTH_HOME/bin/hearth-node.")
        Path nodeBin;

        @Option(names = "--auth",
                description = "Protect the nodes' admin ports with a token: DIR/" + TOKEN_FILE + " (created, "
                        + "mode 600, from HEARTH_TOKEN if set, else random; kept for the next up), passed to every "
                        + "node as admin.tokenFile. Use it with: export HEARTH_TOKEN=$(cat DIR/" + TOKEN_FILE + "). "
                        + "Without --auth the admin ports are open.")
        boolean auth;

        @Override
        public Integer call() throws InterruptedException {
            if (count < 1 || count > 10) {
                throw CliException.usage("--nodes must be 1 to 10 (the default discovery range), not " + count);
            }
            if (offset < 0 || 47500 + offset + count - 1 > 65535) {
                throw CliException.usage("--port-offset " + offset + " puts ports outside 1-65535");
            }
            for (String s : sets) {
                if (!s.contains("=") || s.startsWith("=")) {
                    throw CliException.usage("--set '" + s + "' is not KEY=VALUE");
                }
            }
            Path bin = nodeBin != null ? nodeBin : home().resolve("bin/hearth-node");
            List<String> nodeSets = new ArrayList<>(sets);
            if (auth) {
                Path file = tokenFile(dir, System.getenv("HEARTH_TOKEN"));
                nodeSets.add("admin.tokenFile=" + file.toAbsolutePath().normalize());
                // This process asks the nodes for /status while it supervises them.
                AdminClient.useToken(readToken(file));
                spec.commandLine().getOut().println("admin token in " + file.toAbsolutePath().normalize()
                        + ": export HEARTH_TOKEN=$(cat " + file.toAbsolutePath().normalize() + ")");
            }
            useNodeTls(sets);
            new LocalCluster(dir, count, offset, clusterName, nodeSets, bin, spec.commandLine().getOut())
                    .run(startTimeout);
            return ExitCodes.OK;
        }
    }

    /**
     * With {@code --set tls.enabled=true} (and the node's tls.certFile, tls.keyFile, tls.caFile), this process asks
     * its nodes over HTTPS with the nodes' own certificate, which is also a client certificate of the cluster CA
     * (as bin/hearth-probe does in a pod).
     */
    static void useNodeTls(List<String> sets) {
        java.util.Map<String, String> m = new java.util.HashMap<>();
        for (String s : sets) {
            int eq = s.indexOf('=');
            m.put(s.substring(0, eq), s.substring(eq + 1));
        }
        if (!"true".equals(m.get("tls.enabled"))) {
            return;
        }
        for (String k : new String[] {"tls.certFile", "tls.keyFile", "tls.caFile"}) {
            if (m.get(k) == null || m.get(k).isEmpty()) {
                throw CliException.usage("--set tls.enabled=true needs --set " + k + "=... too");
            }
        }
        try {
            AdminClient.useTls(dev.hearth.tls.ClientTls.context(Path.of(m.get("tls.caFile")),
                    Path.of(m.get("tls.certFile")), Path.of(m.get("tls.keyFile"))));
        } catch (dev.hearth.tls.PemException e) {
            throw CliException.usage(e.getMessage());
        }
    }

    /** The admin token file of {@code local up --auth}, in the cluster's directory. */
    static final String TOKEN_FILE = "admin-token";

    /**
     * DIR/admin-token, created (owner-only) with {@code preset} or a random token when absent.
     *
     * @throws CliException exit 1 if it cannot be written; exit 2 if {@code preset} is too short for a node
     */
    public static Path tokenFile(Path dir, String preset) {
        Path file = dir.resolve(TOKEN_FILE);
        if (java.nio.file.Files.exists(file)) {
            return file;
        }
        String token;
        if (preset != null && !preset.isEmpty()) {
            // The node's rule (SecretFiles.checkToken), said here before any node starts and fails on it.
            if (preset.length() < 16 || !preset.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw CliException.usage("HEARTH_TOKEN is not a valid admin token for the nodes: at least 16 visible "
                        + "ASCII characters, no spaces");
            }
            token = preset;
        } else {
            byte[] bytes = new byte[32];
            new java.security.SecureRandom().nextBytes(bytes);
            token = java.util.HexFormat.of().formatHex(bytes);
        }
        try {
            java.nio.file.Files.createDirectories(dir);
            java.nio.file.Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            java.nio.file.Files.writeString(file, token + "\n");
        } catch (java.io.IOException e) {
            throw CliException.failed("cannot write the admin token file " + file + ": " + e);
        }
        return file;
    }

    private static String readToken(Path file) {
        try {
            return java.nio.file.Files.readString(file).strip();
        } catch (java.io.IOException e) {
            throw CliException.failed("cannot read the admin token file " + file + ": " + e);
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true,
            description = "Stops the local cluster running from DIR: signals its supervisor (SIGTERM), which stops "
                    + "every node gracefully, and waits. Nodes left without a supervisor are signalled directly. "
                    + "Exit 0 also when nothing was running.")
    public static final class Down implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--dir", paramLabel = "DIR", defaultValue = "hearth-local",
                description = "The cluster's directory. Default: ./${DEFAULT-VALUE}.")
        Path dir;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5m",
                converter = Durations.Converter.class, description = "Longest wait. Default: ${DEFAULT-VALUE}.")
        Duration timeout;

        @Override
        public Integer call() throws InterruptedException, java.io.IOException {
            Optional<JsonNode> state = LocalCluster.readState(dir);
            var out = spec.commandLine().getOut();
            if (state.isEmpty()) {
                out.println("no local cluster in " + dir.toAbsolutePath().normalize());
                return ExitCodes.OK;
            }
            JsonNode s = state.get();
            long deadline = System.nanoTime() + timeout.toNanos();
            long sup = s.path("supervisorPid").asLong();
            if (LocalCluster.alive(sup, s.path("supervisorStartedAt").asLong(),
                    s.path("supervisorStartTicks").asLong())) {
                ProcessHandle h = ProcessHandle.of(sup).orElseThrow();
                out.println("stopping the local cluster (supervisor pid " + sup + ")");
                out.flush();
                h.destroy();
                while (h.isAlive()) {
                    if (System.nanoTime() > deadline) {
                        throw CliException.failed("the supervisor (pid " + sup + ") did not stop within " + timeout);
                    }
                    Thread.sleep(200);
                }
            }
            // Nodes whose supervisor is gone (killed): signal them directly, last first.
            List<JsonNode> nodes = new ArrayList<>();
            s.path("nodes").forEach(nodes::add);
            for (int i = nodes.size() - 1; i >= 0; i--) {
                JsonNode n = nodes.get(i);
                long pid = n.path("pid").asLong();
                if (LocalCluster.alive(pid, n.path("startedAt").asLong(), n.path("startTicks").asLong())) {
                    ProcessHandle h = ProcessHandle.of(pid).orElseThrow();
                    out.println("stopping orphaned node " + n.path("name").asText() + " (pid " + pid + ")");
                    out.flush();
                    h.destroy();
                    while (h.isAlive()) {
                        if (System.nanoTime() > deadline) {
                            throw CliException.failed(n.path("name").asText() + " (pid " + pid
                                    + ") did not stop within " + timeout);
                        }
                        Thread.sleep(200);
                    }
                }
            }
            java.nio.file.Files.deleteIfExists(dir.resolve(LocalCluster.STATE_FILE));
            out.println("local cluster in " + dir.toAbsolutePath().normalize() + " stopped");
            return ExitCodes.OK;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = {"Shows the local cluster's processes: pid, alive, ready, in the cluster, restarts, ports; "
                    + "and a node that is alive but outside the cluster (it lacks quorum, or does not see the other "
                    + "live nodes while they see each other).",
                    "Exit 1 when no cluster runs from DIR; otherwise 0 (use `hearthctl status` for a health verdict)."})
    public static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        GlobalOptions global;

        @Option(names = "--dir", paramLabel = "DIR", defaultValue = "hearth-local",
                description = "The cluster's directory. Default: ./${DEFAULT-VALUE}.")
        Path dir;

        @Override
        public Integer call() {
            Optional<JsonNode> state = LocalCluster.readState(dir);
            if (state.isEmpty()) {
                throw CliException.failed("no local cluster in " + dir.toAbsolutePath().normalize()
                        + " (start one: hearthctl local up --dir " + dir + ")");
            }
            JsonNode s = state.get();
            boolean supervisor = LocalCluster.alive(s.path("supervisorPid").asLong(),
                    s.path("supervisorStartedAt").asLong(), s.path("supervisorStartTicks").asLong());
            List<Cluster.Member> live = new ArrayList<>();
            for (JsonNode n : s.path("nodes")) {
                if (LocalCluster.alive(n.path("pid").asLong(), n.path("startedAt").asLong(),
                        n.path("startTicks").asLong())) {
                    live.add(new Cluster.Member(n.path("name").asText(), "", n.path("admin").asText()));
                }
            }
            Map<String, JsonNode> statuses = LocalCluster.liveStatuses(live);
            Map<String, String> outside = LocalMembership.outside(statuses);
            List<Map<String, Object>> nodes = new ArrayList<>();
            for (JsonNode n : s.path("nodes")) {
                Map<String, Object> m = new LinkedHashMap<>();
                String name = n.path("name").asText();
                m.put("name", name);
                m.put("pid", n.path("pid").asLong());
                m.put("alive", live.stream().anyMatch(l -> l.name().equals(name)));
                JsonNode status = statuses.get(name);
                int code = new AdminClient(n.path("admin").asText(), Duration.ofSeconds(3)).probe("/health/ready");
                m.put("ready", code == 200);
                m.put("inCluster", status == null ? null : !outside.containsKey(name));
                m.put("sees", status == null ? null : Membership.of(status).present());
                m.put("restarts", n.path("restarts").asInt());
                m.put("admin", n.path("admin").asText());
                m.put("ports", AdminClient.JSON.convertValue(n.path("ports"), Map.class));
                m.put("log", n.path("log").asText());
                nodes.add(m);
            }
            List<String> problems = new ArrayList<>(outside.values());
            if (global.json()) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("dir", dir.toAbsolutePath().normalize().toString());
                r.put("supervisorPid", s.path("supervisorPid").asLong());
                r.put("supervisorAlive", supervisor);
                r.put("clusterName", s.path("clusterName").asText());
                r.put("problems", problems);
                r.put("nodes", nodes);
                global.print(spec.commandLine().getOut(), r);
            } else {
                Table t = new Table("NODE", "PID", "ALIVE", "READY", "IN-CLUSTER", "RESTARTS", "ADMIN", "MEMCACHED",
                        "THIN-CLIENT", "LOG");
                for (Map<String, Object> m : nodes) {
                    Map<?, ?> p = (Map<?, ?>) m.get("ports");
                    Object in = m.get("inCluster");
                    t.row(m.get("name"), m.get("pid"), (Boolean) m.get("alive") ? "yes" : "no",
                            (Boolean) m.get("ready") ? "yes" : "no",
                            in == null ? "?" : (Boolean) in ? "yes" : "NO", m.get("restarts"), m.get("admin"),
                            p.get("memcached"), p.get("thinClient"), m.get("log"));
                }
                StringBuilder text = new StringBuilder("supervisor pid " + s.path("supervisorPid").asLong()
                        + (supervisor ? " (running)" : " (NOT running: nodes are unsupervised)") + ", cluster '"
                        + s.path("clusterName").asText() + "'\n" + t.render());
                for (String p : problems) {
                    text.append("problem: ").append(p).append('\n');
                }
                Output.text(spec.commandLine().getOut(), text.toString());
            }
            return ExitCodes.OK;
        }
    }
}
