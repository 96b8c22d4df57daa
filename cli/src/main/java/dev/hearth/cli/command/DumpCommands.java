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
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code dump create|list|verify}: every node writes and checks the entries of its own primary partitions. */
@Command(name = "dump", mixinStandardHelpOptions = true,
        description = "Dumps of the cluster's entries: each node writes its primary partitions to files in its own "
                + "data dir (checksummed, compressed, with each entry's remaining TTL), without pausing service.",
        subcommands = {DumpCommands.Create.class, DumpCommands.ListDumps.class, DumpCommands.Verify.class,
            DumpCommands.Delete.class, DumpCommands.Prune.class})
public final class DumpCommands implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "missing subcommand: create, list, verify, delete or prune");
    }

    static final DateTimeFormatter NAME_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Asks every node to dump its primary partitions under one name and waits until all are "
                    + "complete (progress on stderr). Exit 1 if any node's dump failed.")
    public static final class Create implements Callable<Integer> {
        @Mixin
        GlobalOptions global;

        @Spec
        CommandSpec spec;

        @Option(names = "--name", paramLabel = "NAME",
                description = "Dump name (1-64 letters, digits, '.', '_', '-'). Default: dump-<UTC yyyyMMdd-HHmmss>.")
        String name;

        @Option(names = "--zone", paramLabel = "ZONE", description = "Only this zone. Default: every zone.")
        String zone;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30m",
                converter = Durations.Converter.class, description = "Longest wait. Default: ${DEFAULT-VALUE}.")
        Duration timeout;

        @Override
        public Integer call() {
            String dumpName = name != null ? name : "dump-" + NAME_TIME.format(java.time.Instant.now());
            if (!dumpName.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
                throw CliException.usage("dump name '" + dumpName + "' is not allowed (1-64 letters, digits, '.', "
                        + "'_' or '-', starting with a letter or digit)");
            }
            Cluster cluster = Cluster.discover(global.admin());
            Progress progress = new Progress(spec.commandLine().getErr());
            long t0 = System.nanoTime();
            List<String> errors = new ArrayList<>();
            List<Cluster.Member> started = new ArrayList<>();
            for (Cluster.Member m : cluster.members()) {
                try {
                    m.client().post("/admin/dumps", AdminClient.params("name", dumpName, "zone", zone));
                    started.add(m);
                } catch (AdminClient.AdminException e) {
                    if (e.status() == 400) {
                        throw CliException.usage(m.name() + " rejected the dump: " + e.getMessage());
                    }
                    errors.add(m.name() + ": " + e.getMessage());
                } catch (CliException e) {
                    errors.add(m.name() + ": " + e.getMessage());
                }
            }
            progress.line("dump " + dumpName + " started on " + started.size() + "/" + cluster.members().size()
                    + " nodes");
            long deadline = System.nanoTime() + timeout.toNanos();
            List<JsonNode> infos;
            while (true) {
                infos = Cluster.onEach(started, m -> dumpInfo(m, dumpName));
                long entries = 0;
                int running = 0;
                for (JsonNode i : infos) {
                    entries += entries(i);
                    if (i.path("state").asText().equals("running")) {
                        running++;
                    }
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                progress.update("dump " + dumpName + ": " + entries + " entries written, " + running
                        + " node(s) still writing, " + String.format(java.util.Locale.ROOT, "%.0f entries/s",
                        entries / Math.max(secs, 0.001)));
                if (running == 0) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    progress.done();
                    throw CliException.failed("dump " + dumpName + " still running after " + timeout
                            + "; see hearthctl dump list");
                }
                Polling.pause(500);
            }
            progress.done();
            long elapsed = (System.nanoTime() - t0) / 1_000_000;
            List<Map<String, Object>> nodes = new ArrayList<>();
            long total = 0;
            long bytes = 0;
            for (int i = 0; i < started.size(); i++) {
                JsonNode info = infos.get(i);
                Map<String, Object> n = new LinkedHashMap<>();
                n.put("node", started.get(i).name());
                n.put("state", info.path("state").asText());
                n.put("entries", entries(info));
                n.put("bytes", bytes(info));
                n.put("error", info.path("error").isNull() ? null : info.path("error").asText(null));
                total += entries(info);
                bytes += bytes(info);
                if (!info.path("state").asText().equals("complete")) {
                    errors.add(started.get(i).name() + ": dump " + info.path("state").asText() + ": "
                            + info.path("error").asText(""));
                }
                nodes.add(n);
            }
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("name", dumpName);
            result.put("ok", errors.isEmpty());
            result.put("entries", total);
            result.put("bytes", bytes);
            result.put("elapsedMillis", elapsed);
            result.put("nodes", nodes);
            result.put("errors", errors);
            if (global.json()) {
                global.print(spec.commandLine().getOut(), result);
            } else {
                Table t = new Table("NODE", "STATE", "ENTRIES", "SIZE", "ERROR");
                nodes.forEach(n -> t.row(n.get("node"), n.get("state"), n.get("entries"),
                        Bytes.format((Long) n.get("bytes")), n.get("error") == null ? "" : n.get("error")));
                Output.text(spec.commandLine().getOut(), t.render() + "dump " + dumpName + ": " + total
                        + " entries, " + Bytes.format(bytes) + " in " + Durations.format(elapsed) + "\n");
            }
            if (!errors.isEmpty()) {
                throw CliException.failed("dump " + dumpName + " is not complete on every node: "
                        + String.join("; ", errors));
            }
            return ExitCodes.OK;
        }
    }

    static JsonNode dumpInfo(Cluster.Member m, String name) {
        try {
            return m.client().get("/admin/dumps/" + name);
        } catch (AdminClient.AdminException e) {
            return AdminClient.JSON.createObjectNode().put("state", e.status() == 404 ? "missing" : "error")
                    .put("error", e.getMessage());
        } catch (CliException e) {
            return AdminClient.JSON.createObjectNode().put("state", "unreachable").put("error", e.getMessage());
        }
    }

    static long entries(JsonNode info) {
        long n = 0;
        for (JsonNode z : info.path("zones")) {
            n += z.path("entries").asLong();
        }
        return n;
    }

    static long bytes(JsonNode info) {
        long n = 0;
        for (JsonNode z : info.path("zones")) {
            n += z.path("bytes").asLong();
        }
        return n;
    }

    /**
     * Every node's dumps, by name: createdAt (the earliest node's), entries and bytes (summed), "complete" (the nodes
     * where it is) and "other" (node=state elsewhere), oldest first; and the nodes that did not answer.
     */
    record Listing(List<Map<String, Object>> dumps, List<String> errors) {
        /** The nodes holding dump {@code d} in any state. */
        @SuppressWarnings("unchecked")
        static List<String> holders(Map<String, Object> d) {
            List<String> out = new ArrayList<>((List<String>) d.get("complete"));
            for (String o : (List<String>) d.get("other")) {
                out.add(o.substring(0, o.indexOf('=')));
            }
            return out;
        }

        @SuppressWarnings("unchecked")
        static boolean running(Map<String, Object> d) {
            return ((List<String>) d.get("other")).stream().anyMatch(o -> o.endsWith("=running"));
        }
    }

    static Listing listing(Cluster cluster) {
        List<JsonNode> lists = Cluster.onEach(cluster.members(), m -> {
            try {
                return m.client().get("/admin/dumps");
            } catch (AdminClient.AdminException | CliException e) {
                return AdminClient.JSON.createObjectNode().put("error", e.getMessage());
            }
        });
        Map<String, Map<String, Object>> byName = new TreeMap<>();
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < lists.size(); i++) {
            String node = cluster.members().get(i).name();
            JsonNode l = lists.get(i);
            if (l.has("error")) {
                errors.add(node + ": " + l.path("error").asText());
                continue;
            }
            for (JsonNode d : l.path("dumps")) {
                Map<String, Object> agg = byName.computeIfAbsent(d.path("name").asText(), k -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("name", k);
                    m.put("createdAt", Long.MAX_VALUE);
                    m.put("entries", 0L);
                    m.put("bytes", 0L);
                    m.put("complete", new ArrayList<String>());
                    m.put("other", new ArrayList<String>());
                    return m;
                });
                agg.put("createdAt", Math.min((Long) agg.get("createdAt"), d.path("createdAt").asLong()));
                agg.put("entries", (Long) agg.get("entries") + entries(d));
                agg.put("bytes", (Long) agg.get("bytes") + bytes(d));
                @SuppressWarnings("unchecked")
                List<String> bucket = (List<String>) agg.get(d.path("state").asText().equals("complete")
                        ? "complete" : "other");
                bucket.add(d.path("state").asText().equals("complete") ? node
                        : node + "=" + d.path("state").asText());
            }
        }
        List<Map<String, Object>> dumps = new ArrayList<>(byName.values());
        dumps.sort(java.util.Comparator.comparingLong(m -> (Long) m.get("createdAt")));
        return new Listing(dumps, errors);
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Lists the dumps found on the cluster's nodes: per dump, on how many nodes it is complete, "
                    + "entries and size.")
    public static final class ListDumps implements Callable<Integer> {
        @Mixin
        GlobalOptions global;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Cluster cluster = Cluster.discover(global.admin());
            Listing listing = listing(cluster);
            List<Map<String, Object>> dumps = listing.dumps();
            List<String> errors = listing.errors();
            if (global.json()) {
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("nodes", cluster.names());
                result.put("dumps", dumps);
                result.put("errors", errors);
                global.print(spec.commandLine().getOut(), result);
            } else {
                Table t = new Table("NAME", "CREATED (UTC)", "COMPLETE ON", "ENTRIES", "SIZE", "NOT COMPLETE");
                for (Map<String, Object> d : dumps) {
                    @SuppressWarnings("unchecked")
                    List<String> complete = (List<String>) d.get("complete");
                    @SuppressWarnings("unchecked")
                    List<String> other = (List<String>) d.get("other");
                    t.row(d.get("name"), DateTimeFormatter.ISO_INSTANT.format(
                                    java.time.Instant.ofEpochMilli((Long) d.get("createdAt")).truncatedTo(
                                            java.time.temporal.ChronoUnit.SECONDS)),
                            complete.size() + "/" + cluster.members().size(), d.get("entries"),
                            Bytes.format((Long) d.get("bytes")), other.isEmpty() ? "" : String.join(",", other));
                }
                Output.text(spec.commandLine().getOut(), dumps.isEmpty() ? "no dumps\n" : t.render());
                errors.forEach(e -> spec.commandLine().getErr().println("hearthctl: " + e));
            }
            return errors.isEmpty() ? ExitCodes.OK : ExitCodes.UNREACHABLE;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Re-reads a dump's files on every node and checks every entry's checksum. Exit 1 if any "
                    + "node's files are damaged or missing.")
    public static final class Verify implements Callable<Integer> {
        @Mixin
        GlobalOptions global;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME", description = "The dump's name (see hearthctl dump list).")
        String name;

        @Override
        public Integer call() {
            Cluster cluster = Cluster.discover(global.admin());
            List<JsonNode> results = Cluster.onEach(cluster.members(), m -> {
                try {
                    return new AdminClient(m.admin(), Duration.ofMinutes(30)).post("/admin/dumps/" + name + "/verify",
                            Map.of());
                } catch (AdminClient.AdminException e) {
                    return AdminClient.JSON.createObjectNode().put("ok", false).put("error",
                            e.status() == 404 ? "no dump named '" + name + "' on this node" : e.getMessage());
                } catch (CliException e) {
                    return AdminClient.JSON.createObjectNode().put("ok", false).put("error", e.getMessage());
                }
            });
            boolean ok = true;
            List<Map<String, Object>> rows = new ArrayList<>();
            Table t = new Table("NODE", "ZONE", "ENTRIES", "SIZE", "OK", "ERROR");
            for (int i = 0; i < results.size(); i++) {
                String node = cluster.members().get(i).name();
                JsonNode r = results.get(i);
                ok &= r.path("ok").asBoolean(false);
                if (r.has("error")) {
                    t.row(node, "-", "-", "-", "no", r.path("error").asText());
                    rows.add(row(node, null, 0, 0, false, r.path("error").asText()));
                    continue;
                }
                for (JsonNode f : r.path("files")) {
                    String err = f.path("error").isNull() ? "" : f.path("error").asText("");
                    t.row(node, f.path("zone").asText(), f.path("entries").asLong(),
                            Bytes.format(f.path("bytes").asLong()), f.path("ok").asBoolean() ? "yes" : "no", err);
                    rows.add(row(node, f.path("zone").asText(), f.path("entries").asLong(), f.path("bytes").asLong(),
                            f.path("ok").asBoolean(), err.isEmpty() ? null : err));
                }
            }
            if (global.json()) {
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("name", name);
                result.put("ok", ok);
                result.put("files", rows);
                global.print(spec.commandLine().getOut(), result);
            } else {
                Output.text(spec.commandLine().getOut(), t.render() + "dump " + name + ": "
                        + (ok ? "intact on every node" : "NOT intact") + "\n");
            }
            if (!ok) {
                throw CliException.failed("dump " + name + " is damaged or missing on some node (see above)");
            }
            return ExitCodes.OK;
        }

        private static Map<String, Object> row(String node, String zone, long entries, long bytes, boolean ok,
                String error) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("node", node);
            m.put("zone", zone);
            m.put("entries", entries);
            m.put("bytes", bytes);
            m.put("ok", ok);
            m.put("error", error);
            return m;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Deletes dumps from every node that holds them, giving their disk space back. Needs --yes; "
                    + "--dry-run shows what would go. A dump being written, or read by a warm-up, is refused (exit 3). "
                    + "Exit 1 if a name is on no node or a node could not delete it.")
    public static final class Delete implements Callable<Integer> {
        @Mixin
        GlobalOptions global;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME", arity = "1..*", description = "Dump names (see hearthctl dump list).")
        List<String> names;

        @Mixin
        Confirmation confirm;

        @Override
        public Integer call() {
            confirm.require("deleting " + String.join(", ", names) + " removes its files from every node for good");
            boolean dryRun = confirm.dryRun();
            Cluster cluster = Cluster.discover(global.admin());
            Listing listing = listing(cluster);
            Map<String, Map<String, Object>> byName = new LinkedHashMap<>();
            listing.dumps().forEach(d -> byName.put((String) d.get("name"), d));
            List<Map<String, Object>> chosen = new ArrayList<>();
            List<String> unknown = new ArrayList<>();
            for (String n : names) {
                if (byName.containsKey(n)) {
                    chosen.add(byName.get(n));
                } else {
                    unknown.add(n);
                }
            }
            int exit = deleteAll(global, spec, cluster, listing, chosen, dryRun);
            for (String n : unknown) {
                spec.commandLine().getErr().println("hearthctl: no node holds a dump named '" + n + "'");
            }
            return unknown.isEmpty() ? exit : Math.max(exit, ExitCodes.FAILED);
        }
    }

    @Command(name = "prune", mixinStandardHelpOptions = true,
            description = "Retention: deletes every dump but the newest --keep (by creation time; with --prefix, "
                    + "among the dumps whose names start with it), complete or not, never one being written. Needs "
                    + "--yes; --dry-run shows what would go. Scheduled dumps are pruned by the nodes themselves "
                    + "(dump.keep).")
    public static final class Prune implements Callable<Integer> {
        @Mixin
        GlobalOptions global;

        @Spec
        CommandSpec spec;

        @Option(names = "--keep", required = true, paramLabel = "N", description = "How many of the newest to keep.")
        int keep;

        @Option(names = "--prefix", paramLabel = "PREFIX", defaultValue = "",
                description = "Only dumps whose names start with this (e.g. dump- for those of dump create).")
        String prefix;

        @Mixin
        Confirmation confirm;

        @Override
        public Integer call() {
            if (keep < 0) {
                throw CliException.usage("--keep must be 0 or more: " + keep);
            }
            confirm.require("prune deletes every dump" + (prefix.isEmpty() ? "" : " named " + prefix + "*")
                    + " but the newest " + keep + " from every node for good");
            boolean dryRun = confirm.dryRun();
            Cluster cluster = Cluster.discover(global.admin());
            Listing listing = listing(cluster);
            List<Map<String, Object>> candidates = listing.dumps().stream()
                    .filter(d -> ((String) d.get("name")).startsWith(prefix) && !Listing.running(d)).toList();
            List<Map<String, Object>> chosen = candidates.subList(0, Math.max(0, candidates.size() - keep));
            if (!listing.errors().isEmpty() && !dryRun) {
                // A node that did not answer may hold newer dumps: what is "newest" is not known.
                listing.errors().forEach(e -> spec.commandLine().getErr().println("hearthctl: " + e));
                throw CliException.unreachable("not every node answered: nothing pruned", null);
            }
            return deleteAll(global, spec, cluster, listing, chosen, dryRun);
        }
    }

    /** Deletes each chosen dump on every node holding it (or only prints that, for a dry run); the exit code. */
    static int deleteAll(GlobalOptions global, CommandSpec spec, Cluster cluster, Listing listing,
            List<Map<String, Object>> chosen, boolean dryRun) {
        Map<String, String> admins = new LinkedHashMap<>();
        cluster.members().forEach(m -> admins.put(m.name(), m.admin()));
        List<Map<String, Object>> rows = new ArrayList<>();
        int exit = ExitCodes.OK;
        for (Map<String, Object> d : chosen) {
            String name = (String) d.get("name");
            for (String node : Listing.holders(d)) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("name", name);
                row.put("node", node);
                if (dryRun) {
                    row.put("result", "would delete");
                } else {
                    try {
                        new AdminClient(admins.get(node), Duration.ofMinutes(2))
                                .post("/admin/dumps/" + name + "/delete", Map.of());
                        row.put("result", "deleted");
                    } catch (AdminClient.AdminException e) {
                        row.put("result", e.status() == 409 ? "refused: " + e.getMessage() : "failed: "
                                + e.getMessage());
                        exit = Math.max(exit, e.status() == 409 ? ExitCodes.UNSAFE : ExitCodes.FAILED);
                    } catch (CliException e) {
                        row.put("result", "failed: " + e.getMessage());
                        exit = Math.max(exit, ExitCodes.FAILED);
                    }
                }
                row.put("entries", d.get("entries"));
                rows.add(row);
            }
        }
        if (global.json()) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("dryRun", dryRun);
            result.put("dumps", rows);
            result.put("errors", listing.errors());
            global.print(spec.commandLine().getOut(), result);
        } else {
            Table t = new Table("NAME", "NODE", "RESULT");
            rows.forEach(r -> t.row(r.get("name"), r.get("node"), r.get("result")));
            Output.text(spec.commandLine().getOut(), rows.isEmpty() ? "no dump to delete\n" : t.render());
            listing.errors().forEach(e -> spec.commandLine().getErr().println("hearthctl: " + e));
        }
        return exit;
    }
}
