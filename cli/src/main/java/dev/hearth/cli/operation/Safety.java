package dev.hearth.cli.operation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.cli.http.StatusTypes;
import dev.hearth.wire.StopSafety;
import dev.hearth.wire.ZoneStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether the cluster is safe for one of its nodes to stop: every member answers and is ready, every zone has all
 * the copies of every partition, nothing is rebalancing, the node itself reports safe-to-stop, the others would keep
 * a quorum of the expected members, and they could hold every copy without evicting.
 */
public final class Safety {
    private Safety() {
    }

    /**
     * @param targets the nodes about to stop (their own safe-to-stop verdict counts), or null for every node
     * @return what makes stopping a node unsafe now; empty when safe
     */
    public static List<String> problems(List<Cluster.NodeView> views, java.util.Collection<String> targets) {
        List<String> out = new ArrayList<>();
        boolean rebalancingNoted = false;
        for (Cluster.NodeView v : views) {
            String name = v.member().name();
            if (!v.reachable()) {
                out.add("node " + name + " does not answer on its admin port " + v.member().admin() + " ("
                        + v.error() + ")");
                continue;
            }
            JsonNode s = v.status();
            JsonNode node = s.path("node");
            if (!node.path("ready").asBoolean(false)) {
                out.add("node " + name + " is not ready: " + node.path("readyReason").asText("?"));
            }
            if (!s.path("clusterRebalanced").asBoolean(false) && !rebalancingNoted) {
                out.add("the cluster is rebalancing (per " + name + ")");
                rebalancingNoted = true;
            }
            List<ZoneStatus> zones;
            try {
                zones = StatusTypes.zones(s);
            } catch (IllegalArgumentException unreadable) {
                out.add("node " + name + "'s /status has no " + unreadable.getMessage() + ", so hearthctl cannot "
                        + "tell whether the cluster is safe (is the node another version?)");
                continue;
            }
            for (ZoneStatus z : zones) {
                if (z.partitionsMissingCopies() > 0) {
                    out.add("zone " + z.name() + ": " + z.partitionsMissingCopies() + " partitions lack copies (per "
                            + name + ")");
                }
                if (z.backups() == 0) {
                    String msg = "zone " + z.name()
                            + " keeps no backup copy (backups=0): any stopped node loses its entries";
                    if (!out.contains(msg)) {
                        out.add(msg);
                    }
                }
            }
            if (targets == null || targets.contains(name)) {
                StopSafety safety = StatusTypes.safety(s);
                if (!safety.safeToStop()) {
                    out.add("node " + name + " is not safe to stop: " + String.join("; ", safety.reasons()));
                }
            }
        }
        out.addAll(quorumHeadroom(views));
        out.addAll(memoryHeadroom(views));
        // Two nodes may report the same zone problem: keep one line per distinct message prefix.
        return dedupe(out);
    }

    /**
     * While one node is down the others must still hold a quorum of the expected members, or they refuse writes until
     * it is back: with 3 expected and one already missing, restarting either survivor leaves 1 of 3.
     */
    static List<String> quorumHeadroom(List<Cluster.NodeView> views) {
        for (Cluster.NodeView v : views) {
            if (!v.reachable()) {
                continue;
            }
            Membership m = Membership.of(v.status());
            if (m.reported() && m.hasQuorum() && m.present().size() - 1 < m.quorum()) {
                return List.of("with one node stopped, " + (m.present().size() - 1) + " of " + m.expectedSize()
                        + " expected members would be left, below the quorum of " + m.quorum()
                        + ": the cluster would refuse writes until the node is back (missing: "
                        + Membership.list(m.missing()) + "; per " + v.member().name() + ")");
            }
        }
        return List.of();
    }

    /** Above this share of a zone's memory a node evicts entries (the zone's region eviction threshold). */
    static final double EVICTION_THRESHOLD = 0.9;

    /**
     * While one node is down, the others hold every copy of every partition between them (as many copies as they can
     * be nodes): about the zone's memory in use on all nodes, per copy, times the copies the survivors keep, divided by
     * one node fewer. If that is above the eviction threshold of the zone's memory, a
     * restart makes the survivors evict entries (misses, lost entries), though no partition lacks a copy.
     */
    static List<String> memoryHeadroom(List<Cluster.NodeView> views) {
        List<String> out = new ArrayList<>();
        if (views.size() < 2 || views.stream().anyMatch(v -> !v.reachable())) {
            return out;
        }
        java.util.Map<String, long[]> zones = new java.util.LinkedHashMap<>(); // zone -> {used total, min limit}
        for (Cluster.NodeView v : views) {
            for (JsonNode r : v.status().path("regions")) {
                String region = r.path("name").asText();
                if (!region.startsWith("zone-")) {
                    continue;
                }
                long[] z = zones.computeIfAbsent(region.substring("zone-".length()), k -> new long[] {0, Long.MAX_VALUE});
                z[0] += r.path("usedBytes").asLong(0);
                long limit = r.path("limitBytes").asLong(0);
                if (limit > 0) {
                    z[1] = Math.min(z[1], limit);
                }
            }
        }
        java.util.Map<String, Integer> backups = new java.util.HashMap<>();
        for (JsonNode z : views.get(0).status().path("zones")) {
            backups.put(z.path("name").asText(), z.path("backups").asInt(1));
        }
        int survivors = views.size() - 1;
        zones.forEach((zone, z) -> {
            // In use now: (backups + 1) copies of everything. Afterwards: min(backups + 1, survivors) copies, spread.
            int copies = backups.getOrDefault(zone, 1) + 1;
            long perSurvivor = z[0] / copies * Math.min(copies, survivors) / survivors;
            if (z[1] != Long.MAX_VALUE && perSurvivor > EVICTION_THRESHOLD * z[1]) {
                out.add(String.format(java.util.Locale.ROOT, "zone %s: with one node stopped, the other %d would hold "
                        + "about %d MiB each, above %.0f%% of the zone's %d MiB per node: they would evict entries",
                        zone, survivors, perSurvivor >> 20, EVICTION_THRESHOLD * 100, z[1] >> 20));
            }
        });
        return out;
    }

    private static List<String> dedupe(List<String> in) {
        List<String> out = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (String s : in) {
            int per = s.indexOf(" (per ");
            String key = per < 0 ? s : s.substring(0, per);
            if (!keys.contains(key)) {
                keys.add(key);
                out.add(s);
            }
        }
        return out;
    }

    /** What an operator should do about these problems. */
    public static String advice(List<String> problems) {
        List<String> out = new ArrayList<>();
        for (String p : problems) {
            if (p.contains("backups=0") || p.contains("keeps no backup")) {
                add(out, "give every zone at least one backup (zones.<zone>.backups=1 on every node; a zone "
                        + "without backups cannot lose a node without losing data), or restart the whole cluster "
                        + "cold and warm it: hearthctl dump create, stop all, start all, hearthctl warmup --from NAME");
            } else if (p.contains("does not answer")) {
                add(out, "bring the unreachable node back (check its supervisor and log) or wait until the cluster "
                        + "has dropped it and rebalanced, then retry");
            } else if (p.contains("would evict entries")) {
                add(out, "give the zone more memory on every node (zones.<zone>.memory, restart needed: dump and "
                        + "warm, or add a node first) or add a node, so that all but one node can hold every copy");
            } else if (p.contains("below the quorum")) {
                add(out, "bring the missing nodes back (see hearthctl status), or, for a node removed for good, "
                        + "hearthctl cluster forget NODE --yes");
            } else if (p.contains("only node")) {
                add(out, "a single node cannot be restarted without losing its entries: add nodes, or dump and warm");
            } else {
                add(out, "wait until `hearthctl status` shows every node ready and safe to stop, no missing copies and "
                        + "the cluster rebalanced (a node that just joined or restarted is still receiving data), "
                        + "then retry");
            }
        }
        return String.join("; ", out);
    }

    private static void add(List<String> out, String s) {
        if (!out.contains(s)) {
            out.add(s);
        }
    }

    /** Sum of partitions still arriving on every node (rebalance progress). */
    public static int movingPartitions(List<Cluster.NodeView> views) {
        int n = 0;
        for (Cluster.NodeView v : views) {
            if (v.reachable()) {
                for (JsonNode z : v.status().path("zones")) {
                    n += z.path("localMovingPartitions").asInt(0);
                }
            }
        }
        return n;
    }
}
