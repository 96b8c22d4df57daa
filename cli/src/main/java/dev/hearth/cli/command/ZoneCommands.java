package dev.hearth.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.cli.ExitCodes;
import dev.hearth.cli.GlobalOptions;
import dev.hearth.cli.http.AdminClient;
import dev.hearth.cli.operation.TenantAdmin;
import dev.hearth.cli.output.Output;
import dev.hearth.cli.output.Table;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code zone list|show|maintenance}: zones as the tenant registry and the nodes see them. */
@Command(name = "zone", mixinStandardHelpOptions = true,
        description = "Zones: each a cache in its own memory region (budget, backups, node filter), holding the keys "
                + "of the tenants placed in it. Maintenance of a zone applies to its tenants without a registry "
                + "record of their own (a tenant with a record follows its own state).",
        subcommands = {ZoneCommands.ListZones.class, ZoneCommands.Show.class, ZoneCommands.Maintenance.class,
                IntegrityCommands.Recover.class})
public final class ZoneCommands implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "missing subcommand: list, show, maintenance or recover");
    }

    static Table zoneTable(List<JsonNode> zones) {
        Table t = new Table("ZONE", "MAINTENANCE", "TENANTS", "ENTRIES", "SIZE", "MEMORY", "BACKUPS", "NODES",
                "NODE-FILTER");
        for (JsonNode z : zones) {
            t.row(TenantAdmin.text(z, "name", "zone"), TenantAdmin.yesNo(z, "maintenance"),
                    TenantAdmin.count(z, "tenants"), TenantAdmin.count(z, "entries"), TenantAdmin.bytes(z, "bytes"),
                    TenantAdmin.bytes(z, "memory"), TenantAdmin.text(z, "backups"), TenantAdmin.count(z, "nodes"),
                    TenantAdmin.text(z, "nodeFilter"));
        }
        return t;
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Lists the zones: maintenance flag, tenants, entries, approximate size, memory budget, "
                    + "backups, node filter (GET /admin/zones).")
    public static final class ListZones implements Callable<Integer> {
        @Mixin
        GlobalOptions global;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            JsonNode zones = new TenantAdmin(global).get("/admin/zones");
            if (global.json()) {
                global.print(spec.commandLine().getOut(), zones);
            } else {
                List<JsonNode> list = TenantAdmin.list(zones, "zones");
                Output.text(spec.commandLine().getOut(), list.isEmpty() ? "no zones\n" : zoneTable(list).render());
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "One zone and its tenants (GET /admin/zones/ZONE). Exit 2 if there is no such zone.")
    public static final class Show implements Callable<Integer> {
        @Mixin
        GlobalOptions global;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ZONE", description = "The zone.")
        String zone;

        @Override
        public Integer call() {
            JsonNode z = new TenantAdmin(global).get("/admin/zones/" + TenantAdmin.zone(zone));
            if (global.json()) {
                global.print(spec.commandLine().getOut(), z);
                return ExitCodes.OK;
            }
            StringBuilder sb = new StringBuilder(zoneTable(List.of(z)).render());
            sb.append("nodes: ").append(TenantAdmin.text(z, "nodes")).append('\n');
            List<JsonNode> tenants = TenantAdmin.list(z, "tenants");
            sb.append("tenants: ").append(tenants.isEmpty() ? "none" : TenantAdmin.text(z, "tenants")).append('\n');
            JsonNode changed = TenantAdmin.first(z, "maintenanceChangedBy");
            if (changed != null) {
                sb.append("maintenance flag changed ").append(TenantAdmin.time(z, "maintenanceChangedAt"))
                        .append(" by ").append(changed.asText()).append('\n');
            }
            Output.text(spec.commandLine().getOut(), sb.toString());
            return ExitCodes.OK;
        }
    }

    @Command(name = "maintenance", mixinStandardHelpOptions = true,
            description = {"Turns a zone's maintenance flag on or off (POST /admin/zones/ZONE/maintenance). While on, "
                    + "its tenants without a record of their own are in maintenance: reads miss and writes are "
                    + "dropped, or with tenants.maintenanceMode=reject every operation fails; the client's getOrLoad "
                    + "goes to its loader. Clients see the change within their registry poll interval (1 s). "
                    + "Turning it on needs --yes; --dry-run shows the zone's tenants and entries.",
                    "Example: hearthctl zone maintenance on z1 --yes"})
    public static final class Maintenance implements Callable<Integer> {
        @Mixin
        GlobalOptions global;

        @Mixin
        TenantAdmin.ChangedBy changedBy;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "on|off", description = "on or off.")
        TenantAdmin.Switch state;

        @Parameters(index = "1", paramLabel = "ZONE", description = "The zone.")
        String zone;

        @Mixin
        Confirmation confirm;

        @Override
        public Integer call() {
            String z = TenantAdmin.zone(zone);
            String who = changedBy.who();
            if (state == TenantAdmin.Switch.on) {
                confirm.require("maintenance on takes every tenant of zone " + z + " without a record of its own "
                        + "out of service (reads miss, writes are dropped or refused)");
                if (confirm.dryRun()) {
                    JsonNode zn = new TenantAdmin(global).get("/admin/zones/" + z);
                    if (global.json()) {
                        ObjectNode out = AdminClient.JSON.createObjectNode();
                        out.put("dryRun", true);
                        out.set("zone", zn);
                        global.print(spec.commandLine().getOut(), out);
                    } else {
                        List<JsonNode> tenants = TenantAdmin.list(zn, "tenants");
                        Output.text(spec.commandLine().getOut(), "dry run: maintenance on would take zone " + z
                                + " out of service (" + TenantAdmin.count(zn, "entries") + " entries): every tenant "
                                + "in it without a record of its own"
                                + (tenants.isEmpty() ? "" : "; registered: " + TenantAdmin.text(zn, "tenants"))
                                + "; nothing changed\n");
                    }
                    return ExitCodes.OK;
                }
            }
            JsonNode r = new TenantAdmin(global).post("/admin/zones/" + z + "/maintenance",
                    AdminClient.params("on", Boolean.toString(state == TenantAdmin.Switch.on), "by", who));
            if (global.json()) {
                global.print(spec.commandLine().getOut(), r);
            } else {
                List<String[]> rows = new ArrayList<>();
                rows.add(new String[] {"zone", z});
                rows.add(new String[] {"maintenance", TenantAdmin.first(r, "maintenance") == null
                        ? (state == TenantAdmin.Switch.on ? "on" : "off")
                        : (r.get("maintenance").asBoolean() ? "on" : "off")});
                rows.add(new String[] {"changed", TenantAdmin.time(r, "changedAt")});
                rows.add(new String[] {"changed by", TenantAdmin.text(r, "changedBy").equals("-") ? who
                        : TenantAdmin.text(r, "changedBy")});
                Output.text(spec.commandLine().getOut(), TenantAdmin.fields(rows));
            }
            return ExitCodes.OK;
        }
    }
}
