package dev.hearth.cli.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/** The frame every chaos scenario shares: cluster, load, warm-up, the fault, heal, read-back, report. */
final class Chaos {
    /** hog processes of this JVM, killed when it ends so that an aborted run does not leave the CPU burning. */
    private static final Set<Process> HOGS = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> HOGS.forEach(Process::destroyForcibly), "chaos-hogs"));
    }

    private Chaos() {
    }

    /** Log lines of a node that tell how it left and what it wrote and loaded of its copy. */
    private static final java.util.regex.Pattern NODE_ACCOUNT = java.util.regex.Pattern.compile(
            "Fencing|wedged|segmented|Local copy (written|load|write|:)|restarted its history|started in");

    /** A fault: injects it, heals it, and returns System.nanoTime() at the heal. */
    interface Fault {
        long inject(ChaosCluster cluster, ChaosLoad load, ChaosReport report) throws Exception;
    }

    /** SIGSTOP of every node for {@code pause}, then SIGCONT: a stalled host, a suspended VM, starved CPUs. */
    static Fault pauseEveryNode(Duration pause) {
        return (cluster, load, report) -> {
            int[] all = java.util.stream.IntStream.range(0, cluster.size()).toArray();
            cluster.freeze(all);
            try {
                pause(pause);
            } finally {
                cluster.resume(all);
            }
            return System.nanoTime();
        };
    }

    /** What a run found, for the short ITs to assert on. */
    record Outcome(ChaosReport report, ChaosLoad load, ChaosLoad.Verification verification, int restarts,
            long servingAgainMillis) {
    }

    static Outcome run(String scenario, NetLab net, ChaosLoad.Config config, Duration warmUp, Fault fault)
            throws Exception {
        return run(scenario, net, config, warmUp, fault, List.of());
    }

    /** @param settings node settings of this scenario (ChaosCluster#start) */
    static Outcome run(String scenario, NetLab net, ChaosLoad.Config config, Duration warmUp, Fault fault,
            List<String> settings) throws Exception {
        ChaosReport report = new ChaosReport(scenario);
        try (ChaosCluster cluster = ChaosCluster.start(scenario, 3, net, settings)) {
            ChaosLoad load = new ChaosLoad(cluster, config);
            try {
                load.start();
                pause(warmUp);
                cluster.event("warm-up done: " + load.ackedKeys() + " keys acked");
                long healedAt = fault.inject(cluster, load, report);
                // Nodes can serve for a moment after a heal and then leave (fenced, wedged): serving counts from the
                // last time every node served after the last restart.
                long servingMs = -1;
                long servingAt = 0;
                while (servingAt <= cluster.lastRestartNanos()) {
                    try {
                        cluster.awaitAllServing(Duration.ofMinutes(3));
                    } catch (org.awaitility.core.ConditionTimeoutException e) {
                        servingMs = -1;
                        report.note("not every node served again within 3 min of the heal or of a restart");
                        break;
                    }
                    servingAt = System.nanoTime();
                    servingMs = (servingAt - healedAt) / 1_000_000;
                    cluster.event("every node serving " + servingMs + " ms after the heal");
                    try {
                        cluster.awaitRebalanced(Duration.ofMinutes(2));
                    } catch (org.awaitility.core.ConditionTimeoutException e) {
                        report.note("cluster not rebalanced within 2 min of serving again");
                    }
                    // Back means refilled too: a node serves while it loads its local copy (what has not arrived
                    // is a miss, never an old value, and the load's reads check that meanwhile).
                    try {
                        cluster.awaitRefilled(Duration.ofMinutes(2));
                        cluster.event("every node's local-copy load over "
                                + (System.nanoTime() - healedAt) / 1_000_000 + " ms after the heal");
                    } catch (org.awaitility.core.ConditionTimeoutException e) {
                        report.note("not every node's local-copy load was over within 2 min of serving again");
                    }
                    // The load keeps running a little on the healed cluster: writes right after a heal count too.
                    pause(Duration.ofSeconds(3));
                }
                load.stop();
                cluster.event("load stopped; verifying " + load.ackedKeys() + " acked keys");
                ChaosLoad.Verification v = load.verify();
                cluster.event("verified: lost " + v.lost() + ", divergent " + v.divergent() + ", unreadable "
                        + v.unreadable());
                report.target("acked writes lost", v.lost(), "= 0", x -> x == 0);
                report.target("divergent values after heal", v.divergent(), "= 0", x -> x == 0);
                report.target("keys unreadable after heal", v.unreadable(), "= 0", x -> x == 0);
                report.metric("acked keys checked", v.keys());
                report.metric("nodes restarted", cluster.restarts());
                report.metric("time until every node serves again ms", servingMs);
                load.addTo(report);
                v.examples().forEach(x -> report.note("example: " + x));
                cluster.events().forEach(x -> report.note("event: " + x));
                if (v.lost() > 0 || v.divergent() > 0) {
                    cluster.logLines(NODE_ACCOUNT, 25).forEach(x -> report.note("log: " + x));
                }
                report.publish();
                return new Outcome(report, load, v, cluster.restarts(), servingMs);
            } finally {
                load.close();
            }
        }
    }

    /** Lets the load run (or a fault last) for a fixed time: this is the scenario's clock, not a wait on a state. */
    static void pause(Duration d) throws InterruptedException {
        TimeUnit.NANOSECONDS.sleep(d.toNanos());
    }

    /** Busy-looping shell processes, {@code count} of them, until the returned handle is closed. */
    static AutoCloseable cpuHog(int count) throws java.io.IOException {
        List<Process> hogs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Process p = new ProcessBuilder("sh", "-c", "while :; do :; done").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            HOGS.add(p);
            hogs.add(p);
        }
        return () -> {
            for (Process p : hogs) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                HOGS.remove(p);
            }
        };
    }

    static void awaitTrue(String what, Duration max, java.util.concurrent.Callable<Boolean> condition) {
        Awaitility.await(what).atMost(max).pollInterval(Duration.ofMillis(200)).pollInSameThread()
                .until(condition);
    }
}
