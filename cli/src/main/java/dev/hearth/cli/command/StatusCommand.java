package dev.hearth.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.cli.ExitCodes;
import dev.hearth.cli.GlobalOptions;
import dev.hearth.cli.http.StatusTypes;
import dev.hearth.cli.operation.Cluster;
import dev.hearth.cli.operation.Membership;
import dev.hearth.cli.output.Bytes;
import dev.hearth.cli.output.Durations;
import dev.hearth.cli.output.Output;
import dev.hearth.cli.output.Table;
import dev.hearth.wire.StopSafety;
import dev.hearth.wire.ZoneStatus;
import dev.hearth.wire.status.NodeSnapshot;
import dev.hearth.wire.status.Refill;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Shows the cluster: nodes (failure domain, ready, uptime, memory used/limit), zones (entries, "
                + "copies = the fewest copies any partition has, rebalancing), per node whether it is safe to stop "
                + "and why not, and the problems that make the cluster unhealthy.",
                "The expected members are every name in any answering node's membership (nodes remember every "
                        + "member they have seen until `hearthctl cluster forget`): an expected node that is not in "
                        + "the cluster is shown as missing, with where it is if it answers elsewhere.",
                "Unhealthy: a node not ready, unreachable or missing, nodes in different clusters (SPLIT), a node "
                        + "without quorum, a member expected but never seen, partitions missing copies.",
                "Exit 0 when healthy, 1 when not (the problems are listed), 4 when --admin does not answer."})
public final class StatusCommand implements Callable<Integer> {
    @Mixin
    GlobalOptions global;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Cluster cluster = Cluster.discover(global.admin());
        List<Cluster.NodeView> views = cluster.views();
        Map<String, Object> result = build(cluster.seed(), cluster.seedStatus(), views, cluster.outsiders(views));
        if (global.json()) {
            global.print(spec.commandLine().getOut(), result);
        } else {
            Output.text(spec.commandLine().getOut(), render(result));
        }
        return (Boolean) result.get("healthy") ? ExitCodes.OK : ExitCodes.FAILED;
    }

    @SuppressWarnings("unchecked")
    static String render(Map<String, Object> result) {
        Table nodes = new Table("NODE", "DOMAIN", "ADMIN", "READY", "UPTIME", "MEMORY", "SAFE-TO-STOP", "WHY NOT");
        for (Map<String, Object> n : (List<Map<String, Object>>) result.get("nodes")) {
            boolean member = (Boolean) n.get("inCluster");
            if (!(Boolean) n.get("reachable")) {
                nodes.row(n.get("name"), blank(n.get("failureDomain")), n.get("admin"),
                        member ? "unreachable" : "missing", "-", "-", "no",
                        member ? n.get("error") : n.get("missing"));
                continue;
            }
            List<String> reasons = new ArrayList<>((List<String>) n.get("reasons"));
            if (!member) {
                reasons.add(0, (String) n.get("missing"));
                if (!(Boolean) n.get("ready")) {
                    reasons.add(1, "not ready: " + n.get("readyReason"));
                }
            }
            nodes.row(n.get("name"), blank(n.get("failureDomain")), n.get("admin"),
                    !member ? "missing" : (Boolean) n.get("ready") ? "yes" : "no (" + n.get("readyReason") + ")",
                    Durations.format((Long) n.get("uptimeMillis")),
                    Bytes.format((Long) n.get("memoryUsedBytes")) + "/" + Bytes.format((Long) n.get("memoryLimitBytes")),
                    member && (Boolean) n.get("safeToStop") ? "yes" : "no", String.join("; ", reasons));
        }
        Table zones = new Table("ZONE", "BACKUPS", "ENTRIES", "COPIES", "MISSING-COPIES", "REBALANCING");
        for (Map<String, Object> z : (List<Map<String, Object>>) result.get("zones")) {
            long entries = (Long) z.get("entries");
            int moving = (Integer) z.get("movingPartitions");
            zones.row(z.get("name"), z.get("backups"), entries < 0 ? "?" : entries, z.get("copies"),
                    z.get("partitionsMissingCopies"), moving == 0 ? "no" : moving + " partitions moving");
        }
        StringBuilder sb = new StringBuilder();
        sb.append(nodes.render()).append('\n');
        for (Map<String, Object> n : (List<Map<String, Object>>) result.get("nodes")) {
            if (n.get("refill") != null) {
                sb.append(refillLine((String) n.get("name"), (Map<String, Object>) n.get("refill"))).append('\n');
            }
        }
        sb.append(zones.render()).append('\n');
        sb.append("cluster rebalanced: ").append((Boolean) result.get("clusterRebalanced") ? "yes" : "no").append('\n');
        Map<String, Object> m = (Map<String, Object>) result.get("membership");
        sb.append("members: ").append(((List<String>) m.get("present")).size()).append(" of ")
                .append(m.get("expectedSize")).append(" expected present (quorum ").append(m.get("quorum"))
                .append("): ").append(Membership.list((List<String>) m.get("present")));
        List<String> missing = (List<String>) m.get("missing");
        if (!missing.isEmpty()) {
            sb.append("; missing: ").append(Membership.list(missing));
        }
        sb.append('\n');
        List<String> problems = (List<String>) result.get("problems");
        if (problems.isEmpty()) {
            sb.append("healthy: yes\n");
        } else {
            sb.append("healthy: NO, ").append(problems.size()).append(problems.size() == 1 ? " problem" : " problems")
                    .append(":\n");
            for (String p : problems) {
                sb.append("  - ").append(p).append('\n');
            }
        }
        return sb.toString();
    }

    /**
     * "n1 refilling from local copy: 120000 entries, 120.0MiB of 1.0GiB (11%), 40.0MiB/s, ETA 23 s, held to 9000
     * entries/s".
     */
    static String refillLine(String node, Map<String, Object> r) {
        StringBuilder sb = new StringBuilder(node).append(" refilling from ").append(r.get("source")).append(": ");
        long entriesTotal = (Long) r.get("entriesTotal");
        sb.append(r.get("entriesDone"));
        if (entriesTotal >= 0) {
            sb.append(" of ").append(entriesTotal);
        }
        sb.append(" entries, ").append(Bytes.format((Long) r.get("bytesDone")));
        long bytesTotal = (Long) r.get("bytesTotal");
        if (bytesTotal >= 0) {
            sb.append(" of ").append(Bytes.format(bytesTotal));
        }
        double fraction = (Double) r.get("fraction");
        if (fraction >= 0) {
            sb.append(String.format(java.util.Locale.ROOT, " (%.0f%%)", fraction * 100));
        }
        sb.append(", ").append(Bytes.format((Long) r.get("bytesPerSecond"))).append("/s");
        long eta = (Long) r.get("etaSeconds");
        sb.append(", ETA ").append(eta >= 0 ? eta + " s" : "unknown");
        long limit = (Long) r.get("rateLimit");
        if (limit > 0) {
            sb.append(", held to ").append(limit).append(" entries/s");
        }
        return sb.toString();
    }

    private static String blank(Object o) {
        return o == null || o.toString().isEmpty() ? "-" : o.toString();
    }

    /**
     * The status report and its verdict. Pure: reads only the views given.
     *
     * @param seedStatus the {@code --admin} node's /status (read by discovery, before {@code members})
     * @param members every member of the seed's topology, in the seed's order, answering or not
     * @param outsiders expected nodes outside the seed's topology ({@link Cluster#outsiders})
     * @return the report; {@code healthy} is true exactly when {@code problems} is empty
     */
    static Map<String, Object> build(String seed, JsonNode seedStatus, List<Cluster.NodeView> members,
            List<Cluster.NodeView> outsiders) {
        List<Cluster.NodeView> all = new ArrayList<>(members);
        all.addAll(outsiders);
        List<String> cluster = Membership.of(seedStatus).present();
        List<String> problems = new ArrayList<>();

        // Which groups the answering nodes see: more than one is a split.
        List<List<String>> groups = new ArrayList<>();
        TreeSet<String> expected = new TreeSet<>();
        int expectedSize = 0;
        int quorum = 0;
        for (Cluster.NodeView v : all) {
            if (!v.reachable()) {
                continue;
            }
            Membership m = Membership.of(v.status());
            if (!groups.contains(m.present())) {
                groups.add(m.present());
            }
            expected.addAll(m.expected());
            if (m.expectedSize() > expectedSize) {
                expectedSize = m.expectedSize();
                quorum = m.quorum();
            }
        }
        groups.sort(java.util.Comparator.comparingInt((List<String> g) -> -g.size()).thenComparing(Object::toString));
        if (groups.size() > 1) {
            problems.add("SPLIT: the nodes form " + groups.size() + " separate clusters: "
                    + String.join(" and ", groups.stream().map(g -> "{" + Membership.list(g) + "}").toList()));
        }

        List<Map<String, Object>> nodes = new ArrayList<>();
        Map<String, Integer> movingPerZone = new LinkedHashMap<>();
        Map<String, String> zoneProblems = new LinkedHashMap<>();
        for (Cluster.NodeView v : all) {
            nodes.add(nodeReport(v, members.contains(v), cluster, problems, movingPerZone, zoneProblems));
        }
        if (expectedSize > expected.size()) {
            int unseen = expectedSize - expected.size();
            problems.add("the cluster expects " + expectedSize + " members (cluster.expectedSize) but only "
                    + expected.size() + " ever joined (" + Membership.list(expected) + "): " + unseen
                    + (unseen == 1 ? " member has" : " members have") + " never been seen");
        }
        problems.addAll(zoneProblems.values());

        // Cluster-wide zone figures from the first member that answered (the seed if it still does).
        JsonNode source = seedStatus;
        for (Cluster.NodeView v : members) {
            if (v.reachable()) {
                source = v.status();
                break;
            }
        }
        List<Map<String, Object>> zones = zoneFigures(source, movingPerZone);
        Map<String, Object> membership = new LinkedHashMap<>();
        membership.put("expected", List.copyOf(expected));
        membership.put("expectedSize", expectedSize);
        membership.put("quorum", quorum);
        membership.put("present", cluster);
        membership.put("missing", expected.stream().filter(e -> !cluster.contains(e)).toList());
        membership.put("groups", groups);

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("admin", seed);
        result.put("healthy", problems.isEmpty());
        result.put("problems", problems);
        result.put("membership", membership);
        result.put("clusterRebalanced", source.path("clusterRebalanced").asBoolean(false));
        result.put("nodes", nodes);
        result.put("zones", zones);
        return result;
    }

    /**
     * One node's part of the report; adds what is wrong with it to {@code problems}, its zones' moving partitions
     * (a member's) to {@code movingPerZone} and its zones' missing copies to {@code zoneProblems}.
     */
    private static Map<String, Object> nodeReport(Cluster.NodeView v, boolean member, List<String> cluster,
            List<String> problems, Map<String, Integer> movingPerZone, Map<String, String> zoneProblems) {
        String name = v.member().name();
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("name", name);
        n.put("failureDomain", v.member().failureDomain());
        n.put("admin", v.member().admin());
        n.put("inCluster", member);
        n.put("reachable", v.reachable());
        String notIn = "not in the cluster of " + Membership.list(cluster);
        if (!v.reachable()) {
            n.put("error", v.error());
            n.put("safeToStop", false);
            n.put("reasons", List.of("unreachable"));
            if (member) {
                problems.add(name + " is unreachable at " + v.member().admin() + " (" + v.error() + ")");
            } else {
                String detail = "unknown".equals(v.member().admin())
                        ? notIn + ", and no node knows its admin address"
                        : notIn + ", and unreachable at " + v.member().admin() + " (" + v.error() + ")";
                n.put("missing", detail);
                problems.add(name + " is missing: " + detail);
            }
            return n;
        }
        JsonNode s = v.status();
        Membership m = Membership.of(s);
        n.put("sees", m.present());
        n.put("hasQuorum", m.hasQuorum());
        if (!member) {
            String detail = notIn + " (it answers at " + v.member().admin() + " and sees "
                    + Membership.list(m.present()) + ")";
            n.put("missing", detail);
            problems.add(name + " is missing: " + detail);
        }
        NodeSnapshot.LocalNode self = StatusTypes.part(s, "node", NodeSnapshot.LocalNode.class);
        boolean ready = self != null && self.ready();
        String readyReason = self == null ? "its /status has no readable node part" : self.readyReason();
        n.put("ready", ready);
        n.put("readyReason", readyReason);
        if (!m.hasQuorum()) {
            problems.add(name + " has no quorum: it sees " + m.reached().size() + " of " + m.expectedSize()
                    + " expected members (" + Membership.list(m.reached()) + "), needs " + m.quorum()
                    + m.silentNote());
        }
        if (!ready && (m.hasQuorum() || !readyReason.contains("quorum"))) {
            problems.add(name + " is not ready: " + readyReason);
        }
        Refill refill = StatusTypes.part(s, "refill", Refill.class);
        if (refill != null && refill.running()) {
            n.put("refill", refillReport(refill));
        }
        n.put("uptimeMillis", self == null ? 0L : self.uptimeMillis());
        long used = 0;
        long limit = 0;
        for (NodeSnapshot.Region r : StatusTypes.regions(s)) {
            used += r.usedBytes();
            limit += r.limitBytes();
        }
        n.put("memoryUsedBytes", used);
        n.put("memoryLimitBytes", limit);
        NodeSnapshot.Jvm jvm = StatusTypes.part(s, "jvm", NodeSnapshot.Jvm.class);
        n.put("heapUsedBytes", jvm == null ? 0L : jvm.heapUsedBytes());
        n.put("heapMaxBytes", jvm == null ? 0L : jvm.heapMaxBytes());
        StopSafety safety = StatusTypes.safety(s);
        n.put("safeToStop", safety.safeToStop());
        n.put("reasons", new ArrayList<>(safety.reasons()));
        List<ZoneStatus> zones;
        try {
            zones = StatusTypes.zones(s);
        } catch (IllegalArgumentException unreadable) {
            // Not healthy for want of a field: a renamed one must not read as "no partition lacks a copy".
            problems.add(name + "'s /status has no " + unreadable.getMessage() + " (is the node another version?)");
            zones = List.of();
        }
        for (ZoneStatus z : zones) {
            if (member) {
                movingPerZone.merge(z.name(), z.localMovingPartitions(), Integer::sum);
            }
            if (z.partitionsMissingCopies() > 0) {
                zoneProblems.putIfAbsent(z.name(), "zone " + z.name() + ": " + z.partitionsMissingCopies()
                        + " partitions lack copies (per " + name + ")");
            }
        }
        return n;
    }

    private static Map<String, Object> refillReport(Refill refill) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("source", refill.source());
        r.put("reason", refill.reason());
        r.put("entriesDone", refill.entriesDone());
        r.put("entriesTotal", refill.entriesTotal());
        r.put("bytesDone", refill.bytesDone());
        r.put("bytesTotal", refill.bytesTotal());
        r.put("bytesPerSecond", refill.bytesPerSecond());
        r.put("etaSeconds", refill.etaSeconds());
        r.put("rateLimit", refill.rateLimit());
        r.put("fraction", refill.fraction());
        return r;
    }

    /** Cluster-wide zone figures from one member's /status, with the members' moving partitions summed. */
    private static List<Map<String, Object>> zoneFigures(JsonNode source, Map<String, Integer> movingPerZone) {
        List<Map<String, Object>> zones = new ArrayList<>();
        for (JsonNode z : source.path("zones")) {
            Map<String, Object> zm = new LinkedHashMap<>();
            String name = z.path("name").asText();
            zm.put("name", name);
            zm.put("backups", z.path("backups").asInt());
            zm.put("entries", z.path("entries").asLong());
            zm.put("copies", z.path("minCopies").asInt());
            zm.put("partitionsMissingCopies", z.path("partitionsMissingCopies").asInt());
            zm.put("movingPartitions", movingPerZone.getOrDefault(name, 0));
            zones.add(zm);
        }
        return zones;
    }
}
