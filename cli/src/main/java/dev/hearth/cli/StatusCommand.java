package dev.hearth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Shows the cluster: nodes (failure domain, ready, uptime, memory used/limit), zones (entries, "
                + "copies = the fewest copies any partition has, rebalancing) and, per node, whether it is safe to "
                + "stop and why not.",
                "Exits 0 when the cluster could be read (even if it is unhealthy), 4 when --admin does not answer."})
public final class StatusCommand implements Callable<Integer> {
    @Mixin
    GlobalOptions global;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Cluster cluster = Cluster.discover(global.admin());
        List<Cluster.NodeView> views = cluster.views();
        Map<String, Object> result = build(cluster, views);
        if (global.json()) {
            Output.json(spec.commandLine().getOut(), result);
        } else {
            Output.text(spec.commandLine().getOut(), render(result));
        }
        return ExitCodes.OK;
    }

    @SuppressWarnings("unchecked")
    static String render(Map<String, Object> result) {
        Table nodes = new Table("NODE", "DOMAIN", "ADMIN", "READY", "UPTIME", "MEMORY", "SAFE-TO-STOP", "WHY NOT");
        for (Map<String, Object> n : (List<Map<String, Object>>) result.get("nodes")) {
            if (!(Boolean) n.get("reachable")) {
                nodes.row(n.get("name"), blank(n.get("failureDomain")), n.get("admin"), "unreachable", "-", "-", "no",
                        n.get("error"));
                continue;
            }
            List<String> reasons = (List<String>) n.get("reasons");
            nodes.row(n.get("name"), blank(n.get("failureDomain")), n.get("admin"),
                    (Boolean) n.get("ready") ? "yes" : "no (" + n.get("readyReason") + ")",
                    Durations.format((Long) n.get("uptimeMillis")),
                    Bytes.format((Long) n.get("memoryUsedBytes")) + "/" + Bytes.format((Long) n.get("memoryLimitBytes")),
                    (Boolean) n.get("safeToStop") ? "yes" : "no", reasons.isEmpty() ? "" : String.join("; ", reasons));
        }
        Table zones = new Table("ZONE", "BACKUPS", "ENTRIES", "COPIES", "MISSING-COPIES", "REBALANCING");
        for (Map<String, Object> z : (List<Map<String, Object>>) result.get("zones")) {
            long entries = (Long) z.get("entries");
            int moving = (Integer) z.get("movingPartitions");
            zones.row(z.get("name"), z.get("backups"), entries < 0 ? "?" : entries, z.get("copies"),
                    z.get("partitionsMissingCopies"), moving == 0 ? "no" : moving + " partitions moving");
        }
        StringBuilder sb = new StringBuilder();
        sb.append(nodes.render()).append('\n').append(zones.render()).append('\n');
        sb.append("cluster rebalanced: ").append((Boolean) result.get("clusterRebalanced") ? "yes" : "no").append('\n');
        return sb.toString();
    }

    private static String blank(Object o) {
        return o == null || o.toString().isEmpty() ? "-" : o.toString();
    }

    static Map<String, Object> build(Cluster cluster, List<Cluster.NodeView> views) {
        List<Map<String, Object>> nodes = new ArrayList<>();
        Map<String, Integer> movingPerZone = new LinkedHashMap<>();
        for (Cluster.NodeView v : views) {
            Map<String, Object> n = new LinkedHashMap<>();
            n.put("name", v.member().name());
            n.put("failureDomain", v.member().failureDomain());
            n.put("admin", v.member().admin());
            n.put("reachable", v.reachable());
            if (!v.reachable()) {
                n.put("error", v.error());
                n.put("safeToStop", false);
                n.put("reasons", List.of("unreachable"));
                nodes.add(n);
                continue;
            }
            JsonNode s = v.status();
            n.put("ready", s.path("node").path("ready").asBoolean());
            n.put("readyReason", s.path("node").path("readyReason").asText());
            n.put("uptimeMillis", s.path("node").path("uptimeMillis").asLong());
            long used = 0;
            long limit = 0;
            for (JsonNode r : s.path("regions")) {
                used += r.path("usedBytes").asLong();
                limit += r.path("limitBytes").asLong();
            }
            n.put("memoryUsedBytes", used);
            n.put("memoryLimitBytes", limit);
            n.put("heapUsedBytes", s.path("jvm").path("heapUsedBytes").asLong());
            n.put("heapMaxBytes", s.path("jvm").path("heapMaxBytes").asLong());
            boolean safe = s.path("safety").path("safeToStop").asBoolean(false);
            List<String> reasons = new ArrayList<>();
            s.path("safety").path("reasons").forEach(r -> reasons.add(r.asText()));
            n.put("safeToStop", safe);
            n.put("reasons", reasons);
            for (JsonNode z : s.path("zones")) {
                movingPerZone.merge(z.path("name").asText(), z.path("localMovingPartitions").asInt(), Integer::sum);
            }
            nodes.add(n);
        }
        // Cluster-wide zone figures from the first node that answered (the seed if it still does).
        JsonNode source = cluster.seedStatus();
        boolean rebalanced = source.path("clusterRebalanced").asBoolean(false);
        for (Cluster.NodeView v : views) {
            if (v.reachable()) {
                source = v.status();
                rebalanced = v.status().path("clusterRebalanced").asBoolean(false);
                break;
            }
        }
        List<Map<String, Object>> zones = new ArrayList<>();
        for (JsonNode z : source.path("zones")) {
            Map<String, Object> m = new LinkedHashMap<>();
            String name = z.path("name").asText();
            m.put("name", name);
            m.put("backups", z.path("backups").asInt());
            m.put("entries", z.path("entries").asLong());
            m.put("copies", z.path("minCopies").asInt());
            m.put("partitionsMissingCopies", z.path("partitionsMissingCopies").asInt());
            m.put("movingPartitions", movingPerZone.getOrDefault(name, 0));
            zones.add(m);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("admin", cluster.seed());
        result.put("clusterRebalanced", rebalanced);
        result.put("nodes", nodes);
        result.put("zones", zones);
        return result;
    }
}
