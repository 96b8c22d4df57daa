package dev.hearth.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.cli.CliException;
import dev.hearth.cli.ExitCodes;
import dev.hearth.cli.GlobalOptions;
import dev.hearth.cli.http.AdminClient;
import dev.hearth.cli.operation.Polling;
import dev.hearth.cli.operation.TenantAdmin;
import dev.hearth.cli.output.Durations;
import dev.hearth.cli.output.Output;
import dev.hearth.cli.output.Progress;
import dev.hearth.cli.output.Table;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tenant list|show|assign|move|flush|maintenance}: the tenant registry. */
@Command(name = "tenant", mixinStandardHelpOptions = true,
        description = "Tenants: key namespaces, each living in one zone. A tenant with a registry record lives in its "
                + "record's zone and has its own state (active or maintenance); one without lives where the "
                + "placement puts it (tenants.placement) and follows its zone's maintenance flag.",
        subcommands = {TenantCommands.ListTenants.class, TenantCommands.Show.class, TenantCommands.Assign.class,
                TenantCommands.Move.class, TenantCommands.Flush.class, TenantCommands.Maintenance.class})
public final class TenantCommands implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "missing subcommand: list, show, assign, move, flush or maintenance");
    }

    static Table tenantTable(List<JsonNode> tenants) {
        Table t = new Table("TENANT", "ZONE", "STATE", "REGISTERED", "MOVING-FROM", "OPS", "HITS", "MISSES",
                "CHANGED", "BY");
        for (JsonNode n : tenants) {
            t.row(TenantAdmin.text(n, "tenant"), TenantAdmin.text(n, "zone"), TenantAdmin.text(n, "state"),
                    TenantAdmin.yesNo(n, "registered"), TenantAdmin.text(n, "movingFrom"),
                    TenantAdmin.count(n, "ops"), TenantAdmin.count(n, "hits"), TenantAdmin.count(n, "misses"),
                    TenantAdmin.recordTime(n, "changedAt"), TenantAdmin.recordText(n, "changedBy"));
        }
        return t;
    }

    static String describe(JsonNode n) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"tenant", TenantAdmin.text(n, "tenant")});
        rows.add(new String[] {"zone", TenantAdmin.text(n, "zone")});
        rows.add(new String[] {"state", TenantAdmin.text(n, "state")});
        if (n.has("registered")) {
            rows.add(new String[] {"registered", TenantAdmin.yesNo(n, "registered")});
        }
        rows.add(new String[] {"moving from", TenantAdmin.text(n, "movingFrom")});
        String progress = TenantAdmin.moveProgress(n);
        if (!progress.isEmpty()) {
            rows.add(new String[] {"move", progress});
        }
        if (n.has("ops")) {
            rows.add(new String[] {"ops (this node)", TenantAdmin.count(n, "ops") + " (hits " + TenantAdmin.count(n,
                    "hits") + ", misses " + TenantAdmin.count(n, "misses") + ")"});
        }
        rows.add(new String[] {"created", TenantAdmin.recordTime(n, "createdAt")});
        rows.add(new String[] {"changed", TenantAdmin.recordTime(n, "changedAt")});
        rows.add(new String[] {"changed by", TenantAdmin.recordText(n, "changedBy")});
        return TenantAdmin.fields(rows);
    }


    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Lists the registered tenants and the tenants seen in the metrics: zone, state, entries, "
                    + "approximate size, a move in progress, last change (GET /admin/tenants).")
    public static final class ListTenants implements Callable<Integer> {
        @Mixin
        GlobalOptions global;

        @Spec
        CommandSpec spec;

        @Option(names = "--zone", paramLabel = "ZONE", description = "Only the tenants of this zone.")
        String zone;

        @Override
        public Integer call() {
            String z = zone == null ? null : TenantAdmin.zone(zone);
            JsonNode all = new TenantAdmin(global).get("/admin/tenants");
            List<JsonNode> tenants = new ArrayList<>();
            for (JsonNode t : TenantAdmin.list(all, "tenants")) {
                if (z == null || z.equals(t.path("zone").asText(null))) {
                    tenants.add(t);
                }
            }
            if (global.json()) {
                global.print(spec.commandLine().getOut(), z == null ? all : tenants);
            } else {
                Output.text(spec.commandLine().getOut(), tenants.isEmpty() ? "no tenants\n"
                        : tenantTable(tenants).render());
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "One tenant: zone, state, registry record, entries, a move's progress "
                    + "(GET /admin/tenants/TENANT). Exit 2 if the node knows no such tenant.")
    public static final class Show implements Callable<Integer> {
        @Mixin
        GlobalOptions global;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "TENANT", description = "The tenant.")
        String tenant;

        @Override
        public Integer call() {
            JsonNode t = new TenantAdmin(global).get("/admin/tenants/" + TenantAdmin.tenant(tenant));
            if (global.json()) {
                global.print(spec.commandLine().getOut(), t);
            } else {
                Output.text(spec.commandLine().getOut(), describe(t));
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "assign", mixinStandardHelpOptions = true,
            description = {"Registers a tenant in a zone (POST /admin/tenants/TENANT/assign). Refused (exit 3) if the "
                    + "tenant already has keys in another zone: use `hearthctl tenant move` for that.",
                    "Example: hearthctl tenant assign store-42 --zone z2"})
    public static final class Assign implements Callable<Integer> {
        @Mixin
        GlobalOptions global;

        @Mixin
        TenantAdmin.ChangedBy changedBy;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "TENANT", description = "The tenant.")
        String tenant;

        @Option(names = "--zone", required = true, paramLabel = "ZONE", description = "The zone.")
        String zone;

        @Override
        public Integer call() {
            String t = TenantAdmin.tenant(tenant);
            String z = TenantAdmin.zone(zone);
            JsonNode r = new TenantAdmin(global).post("/admin/tenants/" + t + "/assign",
                    AdminClient.params("zone", z, "by", changedBy.who()));
            if (global.json()) {
                global.print(spec.commandLine().getOut(), r);
            } else {
                Output.text(spec.commandLine().getOut(), "tenant " + t + " assigned to zone " + z + "\n"
                        + describe(r));
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "move", mixinStandardHelpOptions = true,
            description = {"Moves a tenant and its keys to another zone (POST /admin/tenants/TENANT/move). The move "
                    + "runs in the cluster: reads look in the new zone then the old one, writes go to the new zone, "
                    + "a background copy moves the rest; no acknowledged write is lost. Without --wait it returns "
                    + "once the move started; `hearthctl tenant show TENANT` shows its progress.",
                    "With --wait: waits until the move is done (progress on stderr); exit 1 if --timeout passes first.",
                    "Example: hearthctl tenant move store-42 --to z2 --wait"})
    public static final class Move implements Callable<Integer> {
        @Mixin
        GlobalOptions global;

        @Mixin
        TenantAdmin.ChangedBy changedBy;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "TENANT", description = "The tenant.")
        String tenant;

        @Option(names = "--to", required = true, paramLabel = "ZONE", description = "The zone to move to.")
        String to;

        @Option(names = "--wait", description = "Wait until the move is done.")
        boolean await;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30m",
                converter = Durations.Converter.class, description = "Longest wait with --wait. Default: "
                + "${DEFAULT-VALUE}.")
        Duration timeout;

        @Option(names = "--poll", paramLabel = "DURATION", defaultValue = "500ms", hidden = true,
                converter = Durations.Converter.class, description = "How often --wait asks for progress.")
        Duration poll;

        @Override
        public Integer call() {
            String t = TenantAdmin.tenant(tenant);
            String z = TenantAdmin.zone(to);
            TenantAdmin admin = new TenantAdmin(global);
            long t0 = System.nanoTime();
            JsonNode started = admin.post("/admin/tenants/" + t + "/move",
                    AdminClient.params("zone", z, "by", changedBy.who()));
            if (!await) {
                if (global.json()) {
                    global.print(spec.commandLine().getOut(), started);
                } else {
                    Output.text(spec.commandLine().getOut(), "moving tenant " + t + " from zone "
                            + started.path("from").asText("?") + " to " + z + " (run by node "
                            + started.path("node").asText("?") + "); follow it with: hearthctl tenant show " + t
                            + " --admin " + global.admin() + "\n");
                }
                return ExitCodes.OK;
            }
            Progress progress = new Progress(spec.commandLine().getErr());
            progress.line("moving tenant " + t + " to zone " + z);
            long deadline = t0 + timeout.toNanos();
            JsonNode rec;
            while (true) {
                rec = admin.get("/admin/tenants/" + t);
                // The node that started the move reports its job ("move": state running|done|failed); without it
                // (another node answered) the record tells: done when no longer moving and in the new zone.
                JsonNode job = rec.path("move");
                String state = job.isObject() ? job.path("state").asText("") : "";
                boolean moving = rec.hasNonNull("movingFrom");
                if (state.equals("failed")) {
                    progress.done();
                    throw CliException.failed("the move of tenant " + t + " to zone " + z + " failed: "
                            + job.path("error").asText("?") + " (reads still look in both zones; run the move again "
                            + "to finish it)");
                }
                boolean arrived = !moving && z.equals(rec.path("zone").asText(null));
                if (arrived && (state.isEmpty() || state.equals("done"))) {
                    break;
                }
                if (!moving && !arrived) {
                    progress.done();
                    throw CliException.failed("tenant " + t + " is in zone " + rec.path("zone").asText("?")
                            + " and no longer moving: the move to " + z + " did not complete (last change by "
                            + TenantAdmin.recordText(rec, "changedBy") + ")");
                }
                String p = TenantAdmin.moveProgress(rec);
                progress.update("moving " + t + " to " + z + ": " + (p.isEmpty() ? "copying" : p) + ", "
                        + Durations.format((System.nanoTime() - t0) / 1_000_000) + " elapsed");
                if (System.nanoTime() > deadline) {
                    progress.done();
                    throw CliException.failed("the move of tenant " + t + " to zone " + z + " is still running after "
                            + Durations.format(timeout.toMillis()) + "; it goes on in the cluster (hearthctl tenant "
                            + "show " + t + ")");
                }
                Polling.pause(Math.max(10, poll.toMillis()));
            }
            progress.done();
            long elapsed = (System.nanoTime() - t0) / 1_000_000;
            if (global.json()) {
                ObjectNode out = AdminClient.JSON.createObjectNode();
                out.put("tenant", t);
                out.put("zone", z);
                out.put("elapsedMillis", elapsed);
                out.set("record", rec);
                global.print(spec.commandLine().getOut(), out);
            } else {
                Output.text(spec.commandLine().getOut(), "tenant " + t + " moved to zone " + z + " in "
                        + Durations.format(elapsed) + "\n" + describe(rec));
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "flush", mixinStandardHelpOptions = true,
            description = {"Removes every key of a tenant (POST /admin/tenants/TENANT/flush). Needs --yes; with "
                    + "--dry-run it only shows what would be removed.",
                    "Example: hearthctl tenant flush store-42 --yes"})
    public static final class Flush implements Callable<Integer> {
        @Mixin
        GlobalOptions global;

        @Mixin
        TenantAdmin.ChangedBy changedBy;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "TENANT", description = "The tenant.")
        String tenant;

        @Mixin
        Confirmation confirm;

        @Override
        public Integer call() {
            String t = TenantAdmin.tenant(tenant);
            confirm.require("flush removes every key of tenant " + t + " and cannot be undone");
            TenantAdmin admin = new TenantAdmin(global);
            if (confirm.dryRun()) {
                JsonNode rec = admin.get("/admin/tenants/" + t);
                if (global.json()) {
                    ObjectNode out = AdminClient.JSON.createObjectNode();
                    out.put("dryRun", true);
                    out.put("tenant", t);
                    out.put("zone", rec.path("zone").asText(null));
                    out.set("record", rec);
                    global.print(spec.commandLine().getOut(), out);
                } else {
                    Output.text(spec.commandLine().getOut(), "dry run: flush would remove every key of tenant " + t
                            + " in zone " + TenantAdmin.text(rec, "zone")
                            + (rec.hasNonNull("entries") ? " (" + TenantAdmin.count(rec, "entries") + " entries)" : "")
                            + (rec.hasNonNull("movingFrom") ? "; it is moving from " + rec.get("movingFrom").asText()
                            + ", so the flush would be refused until the move ends" : "")
                            + "; nothing removed\n");
                }
                return ExitCodes.OK;
            }
            JsonNode r = admin.post("/admin/tenants/" + t + "/flush", AdminClient.params("by", changedBy.who()));
            if (global.json()) {
                global.print(spec.commandLine().getOut(), r);
            } else {
                Output.text(spec.commandLine().getOut(), "tenant " + t + " flushed: "
                        + TenantAdmin.count(r, "removed") + " entries removed from zone " + TenantAdmin.text(r, "zone")
                        + "\n");
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "maintenance", mixinStandardHelpOptions = true,
            description = {"Puts one tenant in maintenance or back to active (POST /admin/tenants/TENANT/maintenance): "
                    + "its reads miss and its writes are dropped (or, with tenants.maintenanceMode=reject, fail); "
                    + "the client's getOrLoad goes to its loader. Other tenants are untouched. Clients see the "
                    + "change within their registry poll interval (1 s).",
                    "Example: hearthctl tenant maintenance on store-42"})
    public static final class Maintenance implements Callable<Integer> {
        @Mixin
        GlobalOptions global;

        @Mixin
        TenantAdmin.ChangedBy changedBy;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "on|off", description = "on or off.")
        TenantAdmin.Switch state;

        @Parameters(index = "1", paramLabel = "TENANT", description = "The tenant.")
        String tenant;

        @Override
        public Integer call() {
            String t = TenantAdmin.tenant(tenant);
            JsonNode r = new TenantAdmin(global).post("/admin/tenants/" + t + "/maintenance",
                    AdminClient.params("on", Boolean.toString(state == TenantAdmin.Switch.on), "by", changedBy.who()));
            if (global.json()) {
                global.print(spec.commandLine().getOut(), r);
            } else {
                Output.text(spec.commandLine().getOut(), "tenant " + t + " maintenance "
                        + (state == TenantAdmin.Switch.on ? "on" : "off") + "\n" + describe(r));
            }
            return ExitCodes.OK;
        }
    }
}
