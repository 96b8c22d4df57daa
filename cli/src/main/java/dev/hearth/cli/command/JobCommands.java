package dev.hearth.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.cli.CliException;
import dev.hearth.cli.ExitCodes;
import dev.hearth.cli.GlobalOptions;
import dev.hearth.cli.http.AdminClient;
import dev.hearth.cli.operation.Cluster;
import dev.hearth.cli.output.Durations;
import dev.hearth.cli.output.Output;
import dev.hearth.cli.output.Table;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code job list|cancel}: the background jobs of every node (warm-up, verify, zone recover). A job lives on the node
 * that runs it, and verify and recover ids are numbered per node, so both commands ask every node.
 */
@Command(name = "job", mixinStandardHelpOptions = true,
        description = "Background jobs on the nodes: warm-ups (hearthctl warmup), verifies (hearthctl verify) and "
                + "zone recoveries (hearthctl zone recover). A tenant move is not a job that can be cancelled: the "
                + "writes made since it started are in the new zone; move the tenant back instead.",
        subcommands = {JobCommands.ListJobs.class, JobCommands.Cancel.class})
public final class JobCommands implements Callable<Integer> {
    private static final Pattern INTEGRITY_JOB = Pattern.compile("(verify|recover)-[0-9]+");

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand: list or cancel");
    }

    /** One job as a row: the node that runs it and what the node says about it. */
    private static ObjectNode row(String node, String id, String kind, JsonNode job) {
        ObjectNode r = AdminClient.JSON.createObjectNode();
        r.put("node", node);
        r.put("id", id);
        r.put("kind", kind);
        r.put("state", job.path("state").asText("-"));
        r.put("startedAt", job.path("startedAt").asLong());
        r.put("elapsedMillis", job.path("elapsedMillis").asLong());
        // Verify and recover jobs list their zones; a warm-up names one zone, or none for every zone of its dump.
        r.set("zones", job.has("zones") ? job.get("zones") : AdminClient.JSON.createArrayNode()
                .add(job.path("zone").isTextual() ? job.get("zone").asText() : "*"));
        return r;
    }

    /** Every job of every node: its warm-up (if one ran since it started) and its verify and recover jobs. */
    static List<ObjectNode> jobs(List<Cluster.Member> members, List<String> errors) {
        List<List<ObjectNode>> per = Cluster.onEach(members, m -> {
            List<ObjectNode> rows = new ArrayList<>();
            try {
                JsonNode w = m.client().get("/admin/warmup");
                if (!w.path("state").asText().equals("idle")) {
                    rows.add(row(m.name(), "warmup", "warmup", w));
                }
                for (JsonNode j : m.client().get("/admin/verify").path("jobs")) {
                    rows.add(row(m.name(), j.path("id").asText(), j.path("kind").asText(), j));
                }
            } catch (RuntimeException e) {
                synchronized (errors) {
                    errors.add(m.name() + ": " + e.getMessage());
                }
            }
            return rows;
        });
        List<ObjectNode> all = new ArrayList<>();
        per.forEach(all::addAll);
        return all;
    }

    private static void printErrors(CommandSpec spec, List<String> errors) {
        errors.forEach(e -> spec.commandLine().getErr().println("hearthctl: " + e));
        spec.commandLine().getErr().flush();
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"Lists the jobs every node keeps (its last warm-up, its verify and recover jobs), "
                    + "running or ended.", "Exit 4 if a node did not answer (the others are listed)."})
    public static final class ListJobs implements Callable<Integer> {
        @Mixin
        GlobalOptions global;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            List<String> errors = new ArrayList<>();
            List<ObjectNode> rows = jobs(Cluster.discover(global.admin()).members(), errors);
            if (global.json()) {
                ObjectNode out = AdminClient.JSON.createObjectNode();
                out.set("jobs", AdminClient.JSON.valueToTree(rows));
                out.set("errors", AdminClient.JSON.valueToTree(errors));
                global.print(spec.commandLine().getOut(), out);
            } else {
                Table t = new Table("NODE", "ID", "KIND", "STATE", "ZONES", "ELAPSED");
                for (ObjectNode r : rows) {
                    List<String> zones = new ArrayList<>();
                    r.path("zones").forEach(z -> zones.add(z.asText()));
                    t.row(r.path("node").asText(), r.path("id").asText(), r.path("kind").asText(),
                            r.path("state").asText(), String.join(",", zones),
                            Durations.format(r.path("elapsedMillis").asLong()));
                }
                Output.text(spec.commandLine().getOut(), rows.isEmpty() ? "no jobs\n" : t.render());
            }
            printErrors(spec, errors);
            return errors.isEmpty() ? ExitCodes.OK : ExitCodes.UNREACHABLE;
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true,
            description = {"Asks a running job to stop at its next batch. warmup: the warm-up on every node (or "
                    + "--node); what it loaded stays. verify-N: that verify; what it repaired stays repaired. "
                    + "recover-N: that zone recovery; tenants not yet brought back, and the zone, stay in "
                    + "maintenance (run hearthctl zone recover again, or turn maintenance off). Verify and recover "
                    + "ids are numbered per node: --node picks one where several nodes run the same id.",
                    "Example: hearthctl job cancel verify-3",
                    "Exit 0: the stop was asked for; 2: no running job with that id (or several, without --node); "
                            + "4: a node did not answer."})
    public static final class Cancel implements Callable<Integer> {
        @Mixin
        GlobalOptions global;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ID", description = "warmup, or a job id from hearthctl job list (verify-N, "
                + "recover-N).")
        String id;

        @Option(names = "--node", paramLabel = "NODE", description = "Only the job on this node.")
        String node;

        @Override
        public Integer call() {
            boolean warmup = id.equals("warmup");
            if (!warmup && !INTEGRITY_JOB.matcher(id).matches()) {
                throw CliException.usage("'" + id + "' is not a job id: warmup, verify-N or recover-N (see "
                        + "hearthctl job list)");
            }
            Cluster cluster = Cluster.discover(global.admin());
            List<Cluster.Member> members = node == null ? cluster.members() : cluster.select(List.of(node));
            List<String> errors = new ArrayList<>();
            List<ObjectNode> running = jobs(members, errors).stream()
                    .filter(r -> r.path("id").asText().equals(id) && r.path("state").asText().equals("running"))
                    .toList();
            if (running.isEmpty()) {
                printErrors(spec, errors);
                if (!errors.isEmpty()) {
                    throw CliException.unreachable("no running job " + id + " on the nodes that answered", null);
                }
                throw CliException.usage("no job " + id + " is running" + (node == null ? "" : " on " + node)
                        + " (see hearthctl job list)");
            }
            if (!warmup && running.size() > 1) {
                List<String> nodes = running.stream().map(r -> r.path("node").asText()).toList();
                throw CliException.usage("nodes " + String.join(", ", nodes) + " each run a job " + id + ": add "
                        + "--node NODE");
            }
            String path = warmup ? "/admin/warmup/cancel" : "/admin/" + id.substring(0, id.indexOf('-')) + "/" + id
                    + "/cancel";
            ArrayNode answers = AdminClient.JSON.createArrayNode();
            for (ObjectNode r : running) {
                JsonNode a = cluster.member(r.path("node").asText()).client().post(path, AdminClient.params());
                ObjectNode one = AdminClient.JSON.createObjectNode();
                one.put("node", r.path("node").asText());
                one.put("id", id);
                one.put("state", a.path("state").asText());
                answers.add(one);
            }
            if (global.json()) {
                ObjectNode out = AdminClient.JSON.createObjectNode();
                out.set("cancelled", answers);
                out.set("errors", AdminClient.JSON.valueToTree(errors));
                global.print(spec.commandLine().getOut(), out);
            } else {
                StringBuilder sb = new StringBuilder();
                answers.forEach(a -> sb.append("asked ").append(a.path("node").asText()).append(" to stop ")
                        .append(id).append(" (now ").append(a.path("state").asText())
                        .append("; it stops at its next batch)\n"));
                Output.text(spec.commandLine().getOut(), sb.toString());
            }
            printErrors(spec, errors);
            return errors.isEmpty() ? ExitCodes.OK : ExitCodes.UNREACHABLE;
        }
    }
}
