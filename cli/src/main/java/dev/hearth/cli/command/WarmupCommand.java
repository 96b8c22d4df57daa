package dev.hearth.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.cli.CliException;
import dev.hearth.cli.ExitCodes;
import dev.hearth.cli.GlobalOptions;
import dev.hearth.cli.http.AdminClient;
import dev.hearth.cli.operation.Cluster;
import dev.hearth.cli.output.Bytes;
import dev.hearth.cli.output.Durations;
import dev.hearth.cli.output.Output;
import dev.hearth.cli.output.Progress;
import dev.hearth.cli.output.Table;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "warmup", mixinStandardHelpOptions = true,
        description = {"Loads a dump back into the running cluster: every node streams its own files of the dump into "
                + "the cluster, skipping entries that expired meanwhile and never overwriting a key written since "
                + "the cluster came back. Waits until every node is done; progress (entries, MB/s, ETA) on stderr.",
                "Exit 1 if a node has no such dump, its warm-up failed, or it was lost or restarted during the "
                        + "warm-up; the other nodes' parts are loaded all the same. Running the same warm-up again "
                        + "(e.g. --nodes with the lost node, once it is back) only inserts what is missing."})
public final class WarmupCommand implements Callable<Integer> {
    @Mixin
    GlobalOptions global;

    @Spec
    CommandSpec spec;

    @Option(names = "--from", required = true, paramLabel = "NAME", description = "The dump (see hearthctl dump list).")
    String from;

    @Option(names = "--zone", paramLabel = "ZONE", description = "Only this zone. Default: every zone of the dump.")
    String zone;

    @Option(names = "--rate", paramLabel = "ENTRIES", defaultValue = "0",
            description = "Entries per second each node loads at most; 0 = as fast as the cluster takes them.")
    long rate;

    @Option(names = "--nodes", split = ",", paramLabel = "NODE",
            description = "Only these nodes load their part of the dump (comma-separated names). Default: every node.")
    List<String> nodes;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "60m", converter = Durations.Converter.class,
            description = "Longest wait. Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Override
    public Integer call() {
        if (rate < 0) {
            throw CliException.usage("--rate must be 0 (unlimited) or a positive number of entries per second");
        }
        Cluster cluster = Cluster.discover(global.admin());
        List<Cluster.Member> targets = cluster.select(nodes);
        Progress progress = new Progress(spec.commandLine().getErr());
        long t0 = System.nanoTime();
        List<String> errors = new ArrayList<>();
        List<Cluster.Member> started = new ArrayList<>();
        Map<String, Long> since = new LinkedHashMap<>();
        for (Cluster.Member m : targets) {
            try {
                JsonNode s = m.client().post("/admin/warmup", AdminClient.params("from", from, "zone", zone, "rate",
                        rate > 0 ? Long.toString(rate) : null));
                started.add(m);
                since.put(m.name(), s.path("startedAt").asLong());
            } catch (AdminClient.AdminException | CliException e) {
                errors.add(m.name() + ": " + e.getMessage());
            }
        }
        if (started.isEmpty()) {
            throw CliException.failed("no node started a warm-up from " + from + ": " + String.join("; ", errors));
        }
        progress.line("warm-up from " + from + " started on " + started.size() + "/" + targets.size()
                + " nodes" + (errors.isEmpty() ? "" : "; not on: " + String.join("; ", errors)));
        long deadline = System.nanoTime() + timeout.toNanos();
        List<JsonNode> st;
        // The last answer each node gave about this warm-up: what it had done when it was lost or restarted.
        Map<String, JsonNode> lastSeen = new LinkedHashMap<>();
        int grace = 5;
        while (true) {
            st = Cluster.onEach(started, m -> {
                try {
                    return m.client().get("/admin/warmup");
                } catch (AdminClient.AdminException | CliException e) {
                    return AdminClient.JSON.createObjectNode().put("state", "unreachable").put("error", e.getMessage());
                }
            });
            for (int i = 0; i < started.size(); i++) {
                JsonNode s = st.get(i);
                String name = started.get(i).name();
                if (ours(s, since.get(name))) {
                    lastSeen.put(name, s);
                } else if (!s.path("state").asText().equals("unreachable")) {
                    // A restarted node answers again, about no warm-up or another one: this one is gone there.
                    st.set(i, restarted(s));
                }
            }
            Totals t = totals(st);
            double secs = (System.nanoTime() - t0) / 1e9;
            double mbps = t.bytes / 1e6 / Math.max(secs, 0.001);
            double eps = t.read / Math.max(secs, 0.001);
            String eta = eps > 0 && t.total > t.read ? Durations.format((long) ((t.total - t.read) / eps * 1000)) : "-";
            progress.update(String.format(Locale.ROOT, "warm-up from %s: %d/%d entries (%.0f%%), %.1f MB/s, "
                    + "%.0f entries/s, ETA %s, %d node(s) running", from, t.read, t.total,
                    t.total == 0 ? 100.0 : 100.0 * t.read / t.total, mbps, eps, eta, t.running));
            boolean silent = st.stream().anyMatch(x -> x.path("state").asText().equals("unreachable"));
            if (t.running == 0 && silent && grace-- > 0) {
                // A node that did not answer may only be slow (a GC pause, a starved host): ask it again a few
                // times before reporting it lost.
                DumpCommands.sleep(1000);
                continue;
            }
            if (t.running == 0) {
                break;
            }
            if (System.nanoTime() > deadline) {
                progress.done();
                throw CliException.failed("warm-up still running after " + timeout + "; see GET /admin/warmup");
            }
            DumpCommands.sleep(500);
        }
        progress.done();
        long elapsed = (System.nanoTime() - t0) / 1_000_000;
        List<Map<String, Object>> nodes = new ArrayList<>();
        for (int i = 0; i < started.size(); i++) {
            JsonNode s = st.get(i);
            Map<String, Object> n = new LinkedHashMap<>();
            n.put("node", started.get(i).name());
            n.put("state", s.path("state").asText());
            JsonNode counts = s.path("state").asText().equals("unreachable") || s.path("state").asText()
                    .equals("restarted") ? lastSeen.getOrDefault(started.get(i).name(), s) : s;
            n.put("entriesTotal", counts.path("entriesTotal").asLong());
            n.put("entriesRead", counts.path("entriesRead").asLong());
            n.put("entriesSent", counts.path("entriesSent").asLong());
            n.put("skippedExpired", s.path("skippedExpired").asLong());
            n.put("skippedDamaged", s.path("skippedDamaged").asLong());
            n.put("bytesRead", s.path("bytesRead").asLong());
            n.put("elapsedMillis", s.path("elapsedMillis").asLong());
            n.put("error", s.path("error").isNull() ? null : s.path("error").asText(null));
            String state = s.path("state").asText();
            if (!state.equals("complete")) {
                errors.add(started.get(i).name() + ": " + explain(state, s, lastSeen.get(started.get(i).name())));
            }
            nodes.add(n);
        }
        Totals t = totals(st);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("from", from);
        result.put("ok", errors.isEmpty());
        result.put("entriesRead", t.read);
        result.put("entriesSent", t.sent);
        result.put("bytesRead", t.bytes);
        result.put("elapsedMillis", elapsed);
        result.put("mbPerSecond", t.bytes / 1e6 / Math.max(elapsed / 1000.0, 0.001));
        result.put("entriesPerSecond", t.read / Math.max(elapsed / 1000.0, 0.001));
        result.put("nodes", nodes);
        result.put("errors", errors);
        if (global.json()) {
            Output.json(spec.commandLine().getOut(), result);
        } else {
            Table table = new Table("NODE", "STATE", "READ", "LOADED", "EXPIRED", "DAMAGED", "SIZE", "TIME", "ERROR");
            nodes.forEach(n -> table.row(n.get("node"), n.get("state"), n.get("entriesRead"), n.get("entriesSent"),
                    n.get("skippedExpired"), n.get("skippedDamaged"), Bytes.format((Long) n.get("bytesRead")),
                    Durations.format((Long) n.get("elapsedMillis")), n.get("error") == null ? "" : n.get("error")));
            Output.text(spec.commandLine().getOut(), table.render() + String.format(Locale.ROOT,
                    "warm-up from %s: %d entries loaded in %s (%.1f MB/s, %.0f entries/s)%n", from, t.sent,
                    Durations.format(elapsed), result.get("mbPerSecond"), result.get("entriesPerSecond")));
        }
        if (!errors.isEmpty()) {
            throw CliException.failed("warm-up from " + from + " did not complete on every node: "
                    + String.join("; ", errors) + ". The other nodes' parts are loaded. Once every node is up, run "
                    + "the same warm-up again for the nodes named here (--nodes): it only inserts what is missing "
                    + "and never overwrites newer writes");
        }
        return ExitCodes.OK;
    }

    private record Totals(long total, long read, long sent, long bytes, int running) {
    }

    /** Whether a node's status is about the warm-up this command started there (same start time). */
    private static boolean ours(JsonNode s, Long startedAt) {
        return startedAt != null && s.path("startedAt").asLong() == startedAt
                && !s.path("state").asText().equals("unreachable");
    }

    /** A node that answers about no warm-up or another one was restarted meanwhile: report it as such. */
    private static JsonNode restarted(JsonNode now) {
        var out = AdminClient.JSON.createObjectNode().put("state", "restarted");
        out.put("error", "restarted during the warm-up (it now reports " + now.path("state").asText()
                + (now.path("dump").isTextual() ? " from " + now.path("dump").asText() : "") + ")");
        return out;
    }

    /** Why a node's part did not complete, with how far it got, for the operator. */
    private static String explain(String state, JsonNode s, JsonNode last) {
        String progress = last == null ? "" : String.format(Locale.ROOT, "; it had read %d of %d entries of its dump",
                last.path("entriesRead").asLong(), last.path("entriesTotal").asLong());
        return switch (state) {
            case "unreachable" -> "lost during the warm-up (" + s.path("error").asText("") + ")" + progress;
            case "restarted" -> s.path("error").asText("") + progress;
            case "failed" -> "warm-up failed: " + s.path("error").asText("") + progress;
            default -> "warm-up " + state + ": " + s.path("error").asText("") + progress;
        };
    }

    private static Totals totals(List<JsonNode> st) {
        long total = 0;
        long read = 0;
        long sent = 0;
        long bytes = 0;
        int running = 0;
        for (JsonNode s : st) {
            total += s.path("entriesTotal").asLong();
            read += s.path("entriesRead").asLong();
            sent += s.path("entriesSent").asLong();
            bytes += s.path("bytesRead").asLong();
            if (s.path("state").asText().equals("running")) {
                running++;
            }
        }
        return new Totals(total, read, sent, bytes, running);
    }
}
