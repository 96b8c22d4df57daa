package dev.hearth.cli.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;

/**
 * One scenario's results: numbers, targets met or missed, notes. Printed, and appended to
 * {@code target/chaos/run-<ts>.txt} (the table) and {@code .jsonl} (one object per scenario); every scenario of one
 * test JVM (or of one {@code bench/chaos.sh} run, which passes {@code -Dchaos.runId}) lands in the same files.
 */
final class ChaosReport {
    private static final String RUN_ID = System.getProperty("chaos.runId",
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now()));
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String scenario;
    private final Instant started = Instant.now();
    private final Map<String, Object> metrics = new LinkedHashMap<>();
    private final List<Target> targets = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    record Target(String name, long actual, String want, boolean met) {
    }

    ChaosReport(String scenario) {
        this.scenario = scenario;
    }

    void metric(String name, Object value) {
        metrics.put(name, value);
    }

    void note(String line) {
        notes.add(line);
    }

    /** A number with its target ("= 0", "<= 1020 ms"...), met when {@code ok} holds for it. */
    void target(String name, long actual, String want, LongPredicate ok) {
        targets.add(new Target(name, actual, want, ok.test(actual)));
    }

    boolean allMet() {
        return targets.stream().allMatch(Target::met);
    }

    List<Target> missed() {
        return targets.stream().filter(t -> !t.met()).toList();
    }

    String table() {
        StringBuilder b = new StringBuilder();
        b.append("== ").append(scenario).append("   started ").append(started).append("   node settings: ")
                .append(ChaosSettings.describe()).append('\n');
        b.append(String.format("  %-52s %12s   %-14s %s%n", "target", "result", "wanted", ""));
        for (Target t : targets) {
            b.append(String.format("  %-52s %12d   %-14s %s%n", t.name(), t.actual(), t.want(),
                    t.met() ? "met" : "MISSED"));
        }
        b.append(String.format("  %-52s %12s%n", "measured", "value"));
        for (Map.Entry<String, Object> m : metrics.entrySet()) {
            b.append(String.format("  %-52s %12s%n", m.getKey(), m.getValue()));
        }
        for (String n : notes) {
            b.append("  | ").append(n).append('\n');
        }
        return b.toString();
    }

    /** Prints the table and appends it to this run's files. */
    void publish() throws IOException {
        String table = table();
        System.out.println(table);
        Path dir = Path.of("target", "chaos");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("run-" + RUN_ID + ".txt"), table + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        ObjectNode o = JSON.createObjectNode();
        o.put("scenario", scenario);
        o.put("started", started.toString());
        o.put("settings", ChaosSettings.describe());
        ObjectNode t = o.putObject("targets");
        for (Target x : targets) {
            ObjectNode n = t.putObject(x.name());
            n.put("actual", x.actual());
            n.put("want", x.want());
            n.put("met", x.met());
        }
        ObjectNode m = o.putObject("metrics");
        metrics.forEach((k, v) -> m.put(k, String.valueOf(v)));
        o.putPOJO("notes", notes);
        Files.writeString(dir.resolve("run-" + RUN_ID + ".jsonl"), JSON.writeValueAsString(o) + "\n",
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
