package dev.hearth.cli.operation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.cli.CliException;
import dev.hearth.cli.http.AdminClient;
import dev.hearth.cli.output.Durations;
import dev.hearth.cli.output.Progress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A warm-up of the running cluster from one dump: starts it on each chosen node (each streams its own files of the
 * dump), follows every node until all are done, with progress (entries, MB/s, ETA), and says what each node did. A
 * node lost or restarted meanwhile is reported with how far it got; the other nodes' parts are loaded all the same.
 */
public final class ClusterWarmup {
    /** What one node did, from its last answer about this warm-up. */
    public record NodeResult(String node, String state, long entriesTotal, long entriesRead, long entriesSent,
            long skippedExpired, long skippedDamaged, long bytesRead, long elapsedMillis, String error) {
    }

    /**
     * @param ok whether every node completed its part
     * @param errors per node that did not, why, and how far it got
     */
    public record Result(String from, boolean ok, long entriesRead, long entriesSent, long bytesRead,
            long elapsedMillis, double mbPerSecond, double entriesPerSecond, List<NodeResult> nodes,
            List<String> errors) {
    }

    private final String from;
    private final Progress progress;
    private final long t0 = System.nanoTime();
    private final List<String> errors = new ArrayList<>();
    private final List<Cluster.Member> started = new ArrayList<>();
    /** When each node started this warm-up: how its later answers are told from another warm-up's. */
    private final Map<String, Long> since = new LinkedHashMap<>();
    /** The last answer each node gave about this warm-up: what it had done when it was lost or restarted. */
    private final Map<String, JsonNode> lastSeen = new LinkedHashMap<>();

    private ClusterWarmup(String from, Progress progress) {
        this.from = from;
        this.progress = progress;
    }

    /**
     * @param rate entries per second each node loads at most, 0 for no limit
     * @param timeout longest wait for every node to finish
     * @throws CliException no node started it, or it still ran after {@code timeout}
     */
    public static Result run(List<Cluster.Member> targets, String from, String zone, long rate, Duration timeout,
            Progress progress) {
        ClusterWarmup w = new ClusterWarmup(from, progress);
        w.start(targets, zone, rate);
        return w.result(w.follow(timeout));
    }

    private void start(List<Cluster.Member> targets, String zone, long rate) {
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
    }

    /** Asks every node until none runs this warm-up any more; @return their last answers, in {@code started}'s order */
    private List<JsonNode> follow(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int grace = 5;
        while (true) {
            List<JsonNode> st = look();
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
                Polling.pause(1000);
                continue;
            }
            if (t.running == 0) {
                progress.done();
                return st;
            }
            if (System.nanoTime() > deadline) {
                progress.done();
                throw CliException.failed("warm-up still running after " + timeout + "; see GET /admin/warmup");
            }
            Polling.pause(500);
        }
    }

    /** Every started node's answer now; a node that restarted meanwhile reads as "restarted". */
    private List<JsonNode> look() {
        List<JsonNode> st = Cluster.onEach(started, m -> {
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
        return st;
    }

    private Result result(List<JsonNode> st) {
        long elapsed = (System.nanoTime() - t0) / 1_000_000;
        List<NodeResult> nodes = new ArrayList<>();
        for (int i = 0; i < started.size(); i++) {
            JsonNode s = st.get(i);
            String name = started.get(i).name();
            String state = s.path("state").asText();
            JsonNode counts = state.equals("unreachable") || state.equals("restarted")
                    ? lastSeen.getOrDefault(name, s) : s;
            nodes.add(new NodeResult(name, state, counts.path("entriesTotal").asLong(),
                    counts.path("entriesRead").asLong(), counts.path("entriesSent").asLong(),
                    s.path("skippedExpired").asLong(), s.path("skippedDamaged").asLong(), s.path("bytesRead").asLong(),
                    s.path("elapsedMillis").asLong(), s.path("error").isNull() ? null : s.path("error").asText(null)));
            if (!state.equals("complete")) {
                errors.add(name + ": " + explain(state, s, lastSeen.get(name)));
            }
        }
        Totals t = totals(st);
        return new Result(from, errors.isEmpty(), t.read, t.sent, t.bytes, elapsed,
                t.bytes / 1e6 / Math.max(elapsed / 1000.0, 0.001), t.read / Math.max(elapsed / 1000.0, 0.001), nodes,
                errors);
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
