package dev.hearth.cli.operation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.cli.CliException;
import dev.hearth.cli.http.AdminClient;
import dev.hearth.cli.output.Durations;
import dev.hearth.cli.output.Progress;
import dev.hearth.cli.output.Table;
import dev.hearth.wire.status.Readiness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Restarts nodes one at a time, each only when the cluster is safe: it asks the node to stop gracefully through its
 * admin port (or, given a {@link KubeApi}, deletes the node's pod), waits until it has left and its supervisor (or
 * StatefulSet) has started it again, then until it is ready (holds every partition it owns), then until the whole
 * cluster is safe again before the next node. The first failure stops it, with the cluster left as safe as the last
 * finished step made it. A node may come back at another address (a recreated pod has a new IP): it is looked up
 * again by name through the other members.
 */
public final class Restarter {
    private static final long POLL_MILLIS = 100;

    private final String seed;
    private final Duration timeout;
    private final Progress progress;
    private final KubeApi kube;
    private final java.util.Map<String, String> podUids = new java.util.HashMap<>();
    /** When the node being restarted was first seen up but not yet joined (System.nanoTime()); 0: not yet. */
    private long startingSeen;

    public Restarter(String seed, Duration timeout, Progress progress) {
        this(seed, timeout, progress, null);
    }

    /** @param kube restart by deleting pods through this API; null: through the nodes' admin ports */
    public Restarter(String seed, Duration timeout, Progress progress, KubeApi kube) {
        this.seed = seed;
        this.timeout = timeout;
        this.progress = progress;
        this.kube = kube;
    }

    /**
     * What happened to one node, in milliseconds: {@code settleMillis} waiting until stopping it was safe,
     * {@code stopMillis} until it no longer answered as itself, {@code startMillis} until its new process answered as
     * a node still starting (its supervisor, the JVM, its config; 0 when no poll caught that moment, and the start is
     * then in {@code joinMillis}), {@code joinMillis} until it answered as a member of the cluster (discovery, the
     * partition exchange), {@code rebalanceMillis} until it was ready (held every partition it owns), and
     * {@code totalMillis} all of them.
     */
    public record NodeResult(String name, String admin, long stopMillis, long startMillis, long joinMillis,
            long rebalanceMillis, long settleMillis, long totalMillis) {
    }

    public Map<String, Object> run(List<String> names, boolean dryRun) {
        long t0 = System.nanoTime();
        Cluster cluster = Cluster.discover(seed);
        List<Cluster.Member> targets = cluster.select(names);
        List<Cluster.NodeView> views = Cluster.views(cluster.members());
        List<String> problems = Safety.problems(views, targets.stream().map(Cluster.Member::name).toList());
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("dryRun", dryRun);
        result.put("plan", targets.stream().map(Cluster.Member::name).toList());
        if (!problems.isEmpty()) {
            throw CliException.unsafe("refusing to restart: the cluster is not safe to stop a node now:\n  - "
                    + String.join("\n  - ", problems) + "\nWhat to do: " + Safety.advice(problems)
                    + ".\nNothing was stopped.");
        }
        if (kube != null) {
            checkPods(targets);
        }
        result.put("via", kube == null ? "admin" : "kubernetes " + kube.base() + " namespace " + kube.namespace());
        if (dryRun) {
            progress.line("dry run: the cluster is safe; would restart, one at a time: "
                    + String.join(", ", targets.stream().map(Cluster.Member::name).toList()));
            result.put("nodes", List.of());
            return result;
        }
        List<NodeResult> done = new ArrayList<>();
        int i = 0;
        for (Cluster.Member target : targets) {
            i++;
            String tag = "[" + i + "/" + targets.size() + "] " + target.name();
            try {
                Cluster.Member m = cluster.member(target.name());
                NodeResult r = restartOne(cluster, m == null ? target : m, tag, i > 1);
                done.add(r);
                // Members may have new addresses (a recreated pod): see the cluster again through the node just
                // restarted, which is up and ready.
                cluster = Cluster.discover(r.admin());
            } catch (CliException e) {
                List<String> left = targets.subList(i - 1, targets.size()).stream().map(Cluster.Member::name).toList();
                String summary = "\nRestarted so far: " + (done.isEmpty() ? "none"
                        : String.join(", ", done.stream().map(NodeResult::name).toList()))
                        + "; not done: " + String.join(", ", left) + ". Check `hearthctl status`; once it shows the "
                        + "cluster safe, resume with: hearthctl rolling-restart --nodes " + String.join(",", left);
                throw new CliException(e.exitCode(), e.getMessage() + summary, e);
            }
        }
        // Leave the cluster as safe as we found it: wait for the last node's rebalance to settle cluster-wide.
        long settle = System.nanoTime();
        awaitSafe(cluster, null, "[done] cluster", deadline());
        progress.line("rolling restart of " + done.size() + " node(s) finished in "
                + Durations.format((System.nanoTime() - t0) / 1_000_000) + "; the cluster is safe");
        result.put("nodes", done);
        result.put("settleMillis", (System.nanoTime() - settle) / 1_000_000);
        result.put("totalMillis", (System.nanoTime() - t0) / 1_000_000);
        return result;
    }

    private long deadline() {
        return System.nanoTime() + timeout.toNanos();
    }

    /**
     * Before stopping anything: every target's pod exists, the credentials may read it, and a StatefulSet owns it
     * (nothing else would recreate a deleted pod). Remembers each pod's UID for the delete's precondition.
     */
    private void checkPods(List<Cluster.Member> targets) {
        for (Cluster.Member m : targets) {
            JsonNode pod = kube.pod(m.name());
            boolean statefulSet = false;
            for (JsonNode o : pod.path("metadata").path("ownerReferences")) {
                statefulSet |= "StatefulSet".equals(o.path("kind").asText());
            }
            if (!statefulSet) {
                throw CliException.unsafe("refusing to restart: pod " + m.name() + " in namespace " + kube.namespace()
                        + " is not owned by a StatefulSet, so nothing would recreate it after its deletion. "
                        + "Nothing was stopped.");
            }
            podUids.put(m.name(), pod.path("metadata").path("uid").asText(""));
        }
    }

    private void requestStop(Cluster.Member m, String tag) {
        if (kube != null) {
            progress.line(tag + ": stopping (deleting pod " + kube.namespace() + "/" + m.name() + "; its StatefulSet "
                    + "recreates it)");
            String uid = podUids.get(m.name());
            if (uid == null) { // a later node of this run: its pod was read at the start
                uid = kube.pod(m.name()).path("metadata").path("uid").asText("");
            }
            kube.deletePod(m.name(), uid);
            return;
        }
        progress.line(tag + ": stopping (graceful shutdown through " + m.admin() + ")");
        try {
            m.client().post("/admin/shutdown", Map.of());
        } catch (AdminClient.AdminException e) {
            if (e.status() == 409) {
                throw CliException.unsafe(tag + ": the node refused to stop: " + e.getMessage());
            }
            throw CliException.failed(tag + ": shutdown request failed with " + e.status() + ": " + e.getMessage());
        }
    }

    /**
     * The node's /status at its last known address or, when it does not answer there, at the address another member
     * now lists for it; null when neither answers.
     */
    private JsonNode locateStatus(Cluster cluster, String name, AdminClient[] node) {
        JsonNode s = tryStatus(node[0]);
        if (s != null || kube == null) {
            return s;
        }
        for (Cluster.Member other : cluster.members()) {
            if (other.name().equals(name)) {
                continue;
            }
            JsonNode os = tryStatus(other.client());
            if (os == null) {
                continue;
            }
            Cluster.Member now = Cluster.members(other.admin(), os).stream().filter(x -> x.name().equals(name))
                    .findFirst().orElse(null);
            if (now != null && !now.admin().equals(node[0].address())) {
                node[0] = now.client();
                return tryStatus(node[0]);
            }
        }
        return null;
    }

    private NodeResult restartOne(Cluster cluster, Cluster.Member m, String tag, boolean waitSafeFirst) {
        long deadline = deadline();
        long t0 = System.nanoTime();
        if (waitSafeFirst) {
            awaitSafe(cluster, m.name(), tag, deadline);
        }
        long settled = System.nanoTime();
        startingSeen = 0;
        AdminClient[] node = {m.client()};
        JsonNode before = node[0].get("/status");
        String oldId = before.path("node").path("id").asText();
        requestStop(m, tag);
        // Stopping: until the node no longer answers as its old self (stopped, or already restarted).
        while (true) {
            JsonNode s = tryStatus(node[0]);
            if (s == null || !oldId.equals(s.path("node").path("id").asText())) {
                break;
            }
            progress.update(tag + ": stopping (" + s.path("node").path("readyReason").asText() + ")");
            sleepUntil(deadline, tag, "stop");
        }
        long stopped = System.nanoTime();
        progress.line(tag + ": stopped after " + Durations.format(ms(settled, stopped)) + "; waiting for its supervisor to start it");
        // Starting: until it answers as a new node (a new Ignite node id). On the way its new process answers as a
        // node still starting (its admin port opens before it joins): that moment splits the start from the join.
        JsonNode s;
        long up = 0;
        while (true) {
            s = locateStatus(cluster, m.name(), node);
            if (up == 0 && startingSeen != 0) {
                // Seen by the last poll of the stop already: the new process was up when the old one was gone.
                up = Math.max(startingSeen, stopped);
                progress.line(tag + ": process up after " + Durations.format(ms(stopped, up)) + "; joining");
            }
            if (s != null && !oldId.equals(s.path("node").path("id").asText())) {
                break;
            }
            progress.update(tag + ": " + (up == 0 ? "starting (" : "joining (")
                    + Durations.format(ms(stopped, System.nanoTime())) + ")");
            sleepUntil(deadline, tag, kube != null ? "come back (is pod " + m.name() + " recreated? kubectl get pod "
                    + m.name() + " -n " + kube.namespace() + ")" : "start (is the node supervised? hearthctl local, "
                    + "systemd Restart=always or a Kubernetes StatefulSet restarts it; with Kubernetes, give --kube-api)");
        }
        long started = System.nanoTime();
        if (up == 0) {
            up = stopped;
        }
        progress.line(tag + ": joined after " + Durations.format(ms(stopped, started)) + "; rebalancing");
        // Rebalancing: until the node is ready (holds every partition assigned to it).
        while (s == null || !s.path("node").path("ready").asBoolean(false)) {
            int moving = 0;
            if (s != null) {
                for (JsonNode z : s.path("zones")) {
                    moving += z.path("localMovingPartitions").asInt();
                }
            }
            progress.update(tag + ": rebalancing: " + (s == null ? "no answer" : moving + " partitions still arriving"));
            sleepUntil(deadline, tag, "become ready");
            s = locateStatus(cluster, m.name(), node);
        }
        long ready = System.nanoTime();
        progress.line(tag + ": ready; back in " + Durations.format(ms(settled, ready)) + " (stop "
                + Durations.format(ms(settled, stopped)) + ", start " + Durations.format(ms(stopped, up))
                + ", join " + Durations.format(ms(up, started)) + ", rebalance " + Durations.format(ms(started, ready))
                + ")");
        return new NodeResult(m.name(), node[0].address(), ms(settled, stopped), ms(stopped, up), ms(up, started),
                ms(started, ready), ms(t0, settled), ms(t0, ready));
    }

    /** Waits until stopping {@code target} (null: any node) would be safe. */
    private void awaitSafe(Cluster cluster, String target, String tag, long deadline) {
        while (true) {
            List<Cluster.NodeView> views = Cluster.views(cluster.members());
            List<String> problems = Safety.problems(views, target == null ? null : List.of(target));
            if (problems.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw CliException.failed(tag + ": the cluster did not become safe within " + timeout + ": "
                        + String.join("; ", problems));
            }
            progress.update(tag + ": waiting for the cluster to settle: " + problems.get(0) + " (moving partitions: "
                    + Safety.movingPartitions(views) + ")");
            Polling.pause(POLL_MILLIS);
        }
    }

    /** The node's /status, or null when it gives none; notes in {@link #startingSeen} a node that is starting. */
    private JsonNode tryStatus(AdminClient node) {
        try {
            return new AdminClient(node.address(), Duration.ofSeconds(5)).get("/status");
        } catch (AdminClient.Unauthorised e) {
            // Waiting would not help: a restarted node that refuses the token has another one configured.
            throw e;
        } catch (AdminClient.AdminException e) {
            if (startingSeen == 0 && e.status() == 503 && Readiness.STILL_STARTING.equals(e.getMessage())) {
                startingSeen = System.nanoTime();
            }
            return null;
        } catch (CliException e) {
            return null;
        }
    }

    private void sleepUntil(long deadline, String tag, String what) {
        if (System.nanoTime() > deadline) {
            throw CliException.failed(tag + ": did not " + what + " within " + Durations.format(timeout.toMillis()));
        }
        Polling.pause(POLL_MILLIS);
    }

    private static long ms(long fromNanos, long toNanos) {
        return (toNanos - fromNanos) / 1_000_000;
    }

    /** Renders a result as a table. */
    @SuppressWarnings("unchecked")
    public static String render(Map<String, Object> result) {
        List<NodeResult> nodes = (List<NodeResult>) result.get("nodes");
        if (Boolean.TRUE.equals(result.get("dryRun"))) {
            return "dry run: would restart, in order: " + String.join(", ", (List<String>) result.get("plan")) + "\n";
        }
        Table t = new Table("NODE", "ADMIN", "WAIT-SAFE", "STOP", "START", "JOIN", "REBALANCE", "TOTAL");
        for (NodeResult n : nodes) {
            t.row(n.name(), n.admin(), Durations.format(n.settleMillis()), Durations.format(n.stopMillis()),
                    Durations.format(n.startMillis()), Durations.format(n.joinMillis()),
                    Durations.format(n.rebalanceMillis()), Durations.format(n.totalMillis()));
        }
        return t.render() + "total: " + Durations.format((Long) result.get("totalMillis")) + "\n";
    }
}
