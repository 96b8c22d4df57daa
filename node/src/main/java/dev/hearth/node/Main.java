package dev.hearth.node;

import dev.hearth.node.config.ConfigException;
import dev.hearth.node.config.ConfigLoader;
import dev.hearth.node.config.HearthConfig;
import java.io.PrintWriter;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hearth-node}: starts one node. Exit codes: 0 stopped cleanly, 1 failed at run time, 2 bad config/usage. */
@Command(name = "hearth-node", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Runs one Hearth cache node (an Apache Ignite server node with memcached and admin endpoints).",
        footer = {"", "Every config key can also be set by env var: HEARTH_ + the key in upper snake case,",
            "e.g. HEARTH_PORTS_ADMIN=8081. Precedence: defaults < --config file < env < --set."})
public final class Main implements Callable<Integer> {
    static final int EXIT_RUNTIME = 1;
    static final int EXIT_CONFIG = 2;
    /** Failed members took this node's topology below a quorum: it stopped at once (QuorumFence). */
    static final int EXIT_FENCED = 3;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "YAML config file (default: $HEARTH_CONFIG)")
    Path configFile;

    @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE", description = "Override one key, e.g. ports.admin=8081")
    List<String> sets = new ArrayList<>();

    @Option(names = "--print-jvm-options", description = "Print the JVM memory flags the config asks for, and exit")
    boolean printJvmOptions;

    @Option(names = "--check", description = "Validate the config, print the node's budget, and exit")
    boolean check;

    @Option(names = "--exit-when-ready", description = "Start, wait until ready, stop gracefully and exit 0 "
            + "(a smoke test; bin/hearth-node records its class-data archive with it)")
    boolean exitWhenReady;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("hearth-node: " + ex.getMessage());
            err.println("Try 'hearth-node --help'.");
            return EXIT_CONFIG;
        });
        return cl.execute(args);
    }

    @Override
    public Integer call() {
        HearthConfig config;
        ConfigLoader loader = new ConfigLoader();
        try {
            Path file = configFile;
            if (file == null && System.getenv("HEARTH_CONFIG") != null && !System.getenv("HEARTH_CONFIG").isBlank()) {
                file = Path.of(System.getenv("HEARTH_CONFIG"));
            }
            config = loader.load(file, System.getenv(), sets);
        } catch (ConfigException e) {
            System.err.println("hearth-node: " + e.getMessage());
            return EXIT_CONFIG;
        }
        loader.warnings().forEach(w -> System.err.println("hearth-node: warning: " + w));
        if (printJvmOptions) {
            System.out.println(jvmOptions(config));
            return 0;
        }
        if (check) {
            System.out.printf(Locale.ROOT, "config OK: node %s, heap %s, direct %s, off-heap %d MiB (%d zones)%n",
                    config.node().name(), config.memory().heap(), config.memory().directMemory(),
                    config.offHeapBudgetBytes() >> 20, config.zones().size());
            return 0;
        }
        return runNode(config, exitWhenReady);
    }

    /** The memory flags bin/hearth-node passes to the JVM: the heap and direct-memory budget from config. */
    static String jvmOptions(HearthConfig c) {
        long heapMb = c.memory().heap().bytes() >> 20;
        long directMb = c.memory().directMemory().bytes() >> 20;
        return "-Xms" + heapMb + "m -Xmx" + heapMb + "m -XX:MaxDirectMemorySize=" + directMb + "m";
    }

    static final String PAGE_LOCK_TRACKER = "IGNITE_PAGE_LOCK_TRACKER_TYPE";

    /** Ignite's process-wide settings, read as its classes load: set before any Ignite class is used. */
    static void setIgniteProperties() {
        System.setProperty("IGNITE_NO_SHUTDOWN_HOOK", "true");
        System.setProperty("IGNITE_UPDATE_NOTIFIER", "false");
        System.setProperty("IGNITE_PERFORMANCE_SUGGESTIONS_DISABLED", "true");
        // Ignite logs every page lock and unlock of every thread by default, for a dump of who held which page when a
        // thread hangs: 1-2% of the nodes' samples under requests and 6% of a local-copy load's, for a diagnostic of
        // Ignite's storage internals. -DIGNITE_PAGE_LOCK_TRACKER_TYPE=2 in HEARTH_JAVA_OPTS turns it back on.
        if (System.getProperty(PAGE_LOCK_TRACKER) == null) {
            System.setProperty(PAGE_LOCK_TRACKER, "-1");
        }
        System.setProperty("java.net.preferIPv4Stack", "true");
    }

    private static int runNode(HearthConfig config, boolean exitWhenReady) {
        // Before any logger exists: pick the layout and level, and keep Ignite from installing its own SIGTERM hook
        // (it stops with cancel=true, which would drop partitions instead of handing them over).
        String logFile = config.logging().format().equals("json") ? "log4j2-hearth-json.xml" : "log4j2-hearth.xml";
        System.setProperty("log4j2.configurationFile", "classpath:" + logFile);
        System.setProperty("hearth.log.level", config.logging().level().toUpperCase(Locale.ROOT));
        setIgniteProperties();
        var log = org.apache.logging.log4j.LogManager.getLogger(Main.class);
        long heap = Runtime.getRuntime().maxMemory();
        if (Math.abs(heap - config.memory().heap().bytes()) > config.memory().heap().bytes() / 10) {
            log.warn("JVM heap is {} MiB but memory.heap is {}: start the node with bin/hearth-node so the config "
                    + "sets the JVM's memory flags", heap >> 20, config.memory().heap());
        }
        URL logConfig = Main.class.getClassLoader().getResource(logFile);
        HearthNode node;
        try {
            // Halt, not exit: nothing may run between the decision and the end of the process, or Ignite would go on
            // to acknowledge the writes in flight that the fence is there to drop.
            node = HearthNode.start(config, logConfig, reason -> Runtime.getRuntime().halt(EXIT_FENCED));
        } catch (Exception e) {
            log.error("Node {} failed to start: {}", config.node().name(), rootMessage(e), e);
            return EXIT_RUNTIME;
        }
        // The heap is the process's: only where the node is the whole process may it leave when the heap runs out.
        node.watchHeap();
        // An admin shutdown request exits the process like SIGTERM would: graceful stop, exit 0, supervisor restarts.
        node.onShutdownRequest(() -> System.exit(0));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            boolean graceful = node.stopGracefully();
            org.apache.logging.log4j.LogManager.shutdown();
            // A JVM ended by SIGTERM exits 143 however cleanly it stopped; scripts and supervisors should see 0
            // for a graceful stop and 1 for one that timed out.
            Runtime.getRuntime().halt(graceful ? 0 : EXIT_RUNTIME);
        }, "hearth-shutdown"));
        if (exitWhenReady) {
            return exitWhenReady(node, log);
        }
        node.stopped().join();
        return node.failed() ? EXIT_RUNTIME : 0;
    }

    /** Polls readiness (there is no event for it) until ready or stopped; the caller's exit stops the node. */
    private static int exitWhenReady(HearthNode node, Logger log) {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!node.status().readiness().ready()) {
            if (node.stopped().isDone() || System.nanoTime() > deadline) {
                log.error("Node did not become ready ({}); exiting", node.status().readiness().reason());
                return EXIT_RUNTIME;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        log.info("Node is ready; exiting as asked (--exit-when-ready)");
        return 0;
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (cause: " + t + ")";
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"hearth-node " + dev.hearth.node.HearthVersion.get()};
        }
    }
}
