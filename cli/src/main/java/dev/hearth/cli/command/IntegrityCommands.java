package dev.hearth.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.cli.CliException;
import dev.hearth.cli.ExitCodes;
import dev.hearth.cli.GlobalOptions;
import dev.hearth.cli.http.AdminClient;
import dev.hearth.cli.operation.Cluster;
import dev.hearth.cli.operation.Polling;
import dev.hearth.cli.output.Bytes;
import dev.hearth.cli.output.Durations;
import dev.hearth.cli.output.Output;
import dev.hearth.cli.output.Progress;
import dev.hearth.cli.output.Table;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hearthctl verify} and {@code hearthctl zone recover}: jobs run by the node behind --admin. */
public final class IntegrityCommands {
    private IntegrityCommands() {
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Compares every entry's copies on its primary and backup nodes and checks every copy's "
                    + "checksum; reports per tenant: entries checked, damaged entries, copies missing, copies "
                    + "evicted (a node dropped its copy to stay within the zone's memory: not damage), copies that "
                    + "differ, checksum failures. With --repair, each damaged entry is rewritten from its healthy "
                    + "copy (checksum valid, newest version) keeping its remaining TTL, or removed when no copy can "
                    + "be trusted (--repair needs --yes). The node behind --admin runs the job; progress on stderr. "
                    + "Cancel with hearthctl job cancel verify-N.",
                    "Exit 0: no damage (or all of it repaired); 5: damage found and not repaired."})
    public static final class Verify implements Callable<Integer> {
        @Mixin
        GlobalOptions global;

        @Spec
        CommandSpec spec;

        @ArgGroup(exclusive = true)
        Scope scope;

        static final class Scope {
            @Option(names = "--zone", paramLabel = "ZONE", description = "Only this zone. Default: every zone.")
            String zone;

            @Option(names = "--tenant", paramLabel = "TENANT", description = "Only this tenant (in its zone).")
            String tenant;
        }

        @Option(names = "--repair", description = "Repair what is found (default: only report). Needs --yes.")
        boolean repair;

        @Option(names = "--yes", description = "Confirms --repair: damaged entries are rewritten or removed.")
        boolean yes;

        @Option(names = "--rate", paramLabel = "ENTRIES", defaultValue = "0",
                description = "Entries per second at most; 0 = as fast as the cluster answers. Default: ${DEFAULT-VALUE}.")
        long rate;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "6h", converter = Durations.Converter.class,
                description = "Longest wait. Default: ${DEFAULT-VALUE}.")
        Duration timeout;

        @Override
        public Integer call() {
            if (rate < 0) {
                throw CliException.usage("--rate must be 0 (unlimited) or a positive number of entries per second");
            }
            if (repair && !yes) {
                throw CliException.usage("verify --repair rewrites each damaged entry from its healthy copy or removes "
                        + "it: run again with --yes, or without --repair to only report");
            }
            AdminClient node = coordinator(global.admin());
            JsonNode started = start(node, "/admin/verify", AdminClient.params("zone", scope == null ? null : scope.zone,
                    "tenant", scope == null ? null : scope.tenant, "repair", repair ? "true" : null,
                    "rate", rate > 0 ? Long.toString(rate) : null));
            String id = started.path("id").asText();
            Progress progress = new Progress(spec.commandLine().getErr());
            JsonNode job = poll(node, "/admin/verify/" + id, timeout, progress, j -> {
                JsonNode p = j.path("progress");
                return String.format(Locale.ROOT, "verify%s %s: %s, %d entries, %.1f MB/s, %d entries/s, "
                        + "%d damaged so far", repair ? " --repair" : "", p.path("zone").asText("-"), percent(p),
                        p.path("entriesDone").asLong(), p.path("mbPerSecond").asDouble(),
                        p.path("entriesPerSecond").asLong(), j.path("totals").path("damagedEntries").asLong());
            });
            JsonNode totals = job.path("totals");
            long damaged = totals.path("damagedEntries").asLong();
            long unresolved = damaged - totals.path("repaired").asLong() - totals.path("removed").asLong()
                    - totals.path("skippedRewritten").asLong();
            if (global.json()) {
                global.print(spec.commandLine().getOut(), job);
            } else {
                Table table = new Table("ZONE", "TENANT", "ENTRIES", "DAMAGED", "MISSING", "EVICTED", "DIFFER",
                        "CHECKSUM", "REPAIRED", "REMOVED");
                for (JsonNode t : job.path("tenants")) {
                    table.row(t.path("zone").asText(), t.path("tenant").asText(), t.path("entriesChecked").asLong(),
                            t.path("damagedEntries").asLong(), t.path("copiesMissing").asLong(),
                            t.path("copiesEvicted").asLong(), t.path("copiesDiffer").asLong(),
                            t.path("checksumFailures").asLong(), t.path("repaired").asLong(),
                            t.path("removed").asLong());
                }
                JsonNode p = job.path("progress");
                Output.text(spec.commandLine().getOut(), table.render() + String.format(Locale.ROOT,
                        "%d entries (%s) checked in %s (%d entries/s, %.1f MB/s): %d damaged, %d repaired, "
                                + "%d removed, %d copies evicted%n", totals.path("entriesChecked").asLong(),
                        Bytes.format(totals.path("bytes").asLong()),
                        Durations.format(job.path("elapsedMillis").asLong()), p.path("entriesPerSecond").asLong(),
                        p.path("mbPerSecond").asDouble(), damaged, totals.path("repaired").asLong(),
                        totals.path("removed").asLong(), totals.path("copiesEvicted").asLong()));
            }
            if (unresolved > 0) {
                spec.commandLine().getErr().println("hearthctl: " + unresolved + " damaged entr"
                        + (unresolved == 1 ? "y" : "ies") + (repair ? " could not be repaired" : " found; run "
                        + "again with --repair (or hearthctl zone recover ZONE) to repair them"));
                spec.commandLine().getErr().flush();
                return ExitCodes.DAMAGED;
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "recover", mixinStandardHelpOptions = true,
            description = {"The damage procedure as one command: puts the zone and each of its tenants in "
                    + "maintenance, verifies each tenant twice, brings every tenant both passes found clean back "
                    + "to active (smallest first), repairs the others and verifies them again until two clean "
                    + "passes agree, then turns the zone's maintenance off. Prints the tenants that were damaged "
                    + "(the root-cause list).",
                    "Needs --yes. Cancel with hearthctl job cancel recover-N.",
                    "Exit 0: every tenant active again; 5: some tenants could not be repaired and stay in "
                    + "maintenance; 1: the job failed (the zone stays in maintenance)."})
    public static final class Recover implements Callable<Integer> {
        @Mixin
        GlobalOptions global;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ZONE", description = "The zone to recover.")
        String zone;

        @Option(names = "--rate", paramLabel = "ENTRIES", defaultValue = "0",
                description = "Entries per second each verify pass reads at most; 0 = unlimited. Default: "
                        + "${DEFAULT-VALUE}.")
        long rate;

        @Option(names = "--by", paramLabel = "WHO", description = "Recorded as who changed the tenants' state. "
                + "Default: USER@hearthctl.")
        String by;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "6h", converter = Durations.Converter.class,
                description = "Longest wait. Default: ${DEFAULT-VALUE}.")
        Duration timeout;

        @Option(names = "--yes", description = "Confirms: the zone's tenants are out of service until each is "
                + "found clean.")
        boolean yes;

        @Override
        public Integer call() {
            if (rate < 0) {
                throw CliException.usage("--rate must be 0 (unlimited) or a positive number of entries per second");
            }
            if (zone.isBlank() || zone.contains("/")) {
                throw CliException.usage("'" + zone + "' is not a zone name");
            }
            if (!yes) {
                throw CliException.usage("zone recover puts zone " + zone + " and its tenants in maintenance (out of "
                        + "service) until each is found clean: run again with --yes (hearthctl zone show " + zone
                        + " lists its tenants)");
            }
            String who = by != null ? by : System.getProperty("user.name", "unknown") + "@hearthctl";
            AdminClient node = coordinator(global.admin());
            JsonNode started = start(node, "/admin/zones/" + zone + "/recover", AdminClient.params(
                    "rate", rate > 0 ? Long.toString(rate) : null, "by", who));
            String id = started.path("id").asText();
            Progress progress = new Progress(spec.commandLine().getErr());
            JsonNode job = poll(node, "/admin/recover/" + id, timeout, progress, j -> String.format(Locale.ROOT,
                    "zone recover %s: %s; %d/%d tenants active, pass %d at %s (%d entries/s)", zone,
                    j.path("phase").asText(), j.path("tenantsActive").asInt(), j.path("tenantsTotal").asInt(),
                    j.path("passes").asInt() + 1, percent(j.path("progress")),
                    j.path("progress").path("entriesPerSecond").asLong()));
            if (global.json()) {
                global.print(spec.commandLine().getOut(), job);
            } else {
                Table table = new Table("TENANT", "ENTRIES", "STATE", "DAMAGED", "MISSING", "DIFFER", "CHECKSUM",
                        "REPAIRED", "REMOVED", "PASSES", "ACTIVE AFTER");
                for (JsonNode t : job.path("tenants")) {
                    table.row(t.path("tenant").asText(), t.path("entries").asLong(), t.path("state").asText(),
                            t.path("damagedEntries").asLong(), t.path("copiesMissing").asLong(),
                            t.path("copiesDiffer").asLong(), t.path("checksumFailures").asLong(),
                            t.path("repaired").asLong(), t.path("removed").asLong(), t.path("passes").asInt(),
                            t.path("activeAfterMillis").isNull() ? "-"
                                    : Durations.format(t.path("activeAfterMillis").asLong()));
                }
                StringBuilder sb = new StringBuilder(table.render());
                sb.append(String.format(Locale.ROOT, "zone %s recovered in %s: %d/%d tenants active, %d verify "
                        + "passes%n", zone, Durations.format(job.path("elapsedMillis").asLong()),
                        job.path("tenantsActive").asInt(), job.path("tenantsTotal").asInt(),
                        job.path("passes").asInt()));
                sb.append("damaged tenants (root cause): ").append(join(job.path("damagedTenants"))).append('\n');
                if (job.path("notRecovered").size() > 0) {
                    sb.append("left in maintenance: ").append(join(job.path("notRecovered"))).append('\n');
                }
                Output.text(spec.commandLine().getOut(), sb.toString());
            }
            if (job.path("notRecovered").size() > 0) {
                spec.commandLine().getErr().println("hearthctl: " + job.path("notRecovered").size()
                        + " tenant(s) could not be repaired and stay in maintenance: " + join(job.path("notRecovered")));
                spec.commandLine().getErr().flush();
                return ExitCodes.DAMAGED;
            }
            return ExitCodes.OK;
        }
    }

    private static String join(JsonNode array) {
        if (array.size() == 0) {
            return "none";
        }
        StringBuilder sb = new StringBuilder();
        for (JsonNode n : array) {
            sb.append(sb.length() == 0 ? "" : ", ").append(n.asText());
        }
        return sb.toString();
    }

    private static String percent(JsonNode progress) {
        return String.format(Locale.ROOT, "%.1f%%", progress.path("percent").asDouble());
    }

    /** The node that runs the job; a clear exit 4 if it does not answer. */
    static AdminClient coordinator(String admin) {
        Cluster.discover(admin);
        return new AdminClient(admin);
    }

    /** Starts a job; the node's 400/404 (unknown zone, bad tenant name) are usage errors. */
    static JsonNode start(AdminClient node, String path, Map<String, String> params) {
        try {
            return node.post(path, params);
        } catch (AdminClient.AdminException e) {
            if (e.status() == 400 || e.status() == 404) {
                throw CliException.usage(e.getMessage());
            }
            if (e.status() == 409) {
                throw CliException.unsafe(e.getMessage());
            }
            throw e;
        }
    }

    static JsonNode poll(AdminClient node, String path, Duration timeout, Progress progress,
            java.util.function.Function<JsonNode, String> line) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode job = node.get(path);
            String state = job.path("state").asText();
            if (!state.equals("running")) {
                progress.done();
                if (!state.equals("complete")) {
                    throw CliException.failed("job " + job.path("id").asText() + " " + state + ": "
                            + job.path("error").asText("no reason given"));
                }
                return job;
            }
            progress.update(line.apply(job));
            if (System.nanoTime() > deadline) {
                progress.done();
                throw CliException.failed("job " + job.path("id").asText() + " still running after " + timeout
                        + "; follow it with GET " + path + " on " + node.address());
            }
            Polling.pause(500);
        }
    }
}
