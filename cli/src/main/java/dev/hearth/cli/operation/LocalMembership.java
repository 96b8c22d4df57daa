package dev.hearth.cli.operation;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which live local nodes are outside the cluster: the rule {@code local status} and the supervisor's watch share.
 *
 * <p>A node is outside when it lacks quorum, or when it does not see every other live node and is not in the main
 * group. The main group is the set of members seen alike by the most nodes with quorum (if one set has strictly the
 * most). Without that second condition, in a split of {n1} and {n0, n2} the majority would be reported as outside
 * too, since it does not see n1 either.
 */
public final class LocalMembership {
    private LocalMembership() {
    }

    /**
     * @param statuses the /status of every live node that answered, by node name, in node order
     * @return node name to why it is outside ("n1: alive but outside the cluster (sees n1; the others see n0, n2)"),
     *     in node order; empty when every node is in the cluster
     */
    public static Map<String, String> outside(Map<String, JsonNode> statuses) {
        Map<String, Membership> views = new LinkedHashMap<>();
        statuses.forEach((name, s) -> views.put(name, Membership.of(s)));
        List<String> main = mainGroup(views);
        Map<String, String> out = new LinkedHashMap<>();
        views.forEach((name, m) -> {
            boolean seesAll = views.keySet().stream().allMatch(m.present()::contains);
            boolean inMain = main != null && m.present().equals(main) && m.hasQuorum();
            if (!m.hasQuorum() || (!seesAll && !inMain)) {
                out.put(name, name + ": alive but outside the cluster (sees " + Membership.list(m.reached())
                        + (m.hasQuorum() ? "" : ", no quorum: " + m.reached().size() + " of " + m.expectedSize()
                                + " expected, needs " + m.quorum())
                        + "; " + others(name, views) + ")" + m.silentNote());
            }
        });
        return out;
    }

    /** The member set seen by the most nodes with quorum, or null if none or tied. */
    private static List<String> mainGroup(Map<String, Membership> views) {
        Map<List<String>, Integer> votes = new LinkedHashMap<>();
        views.values().stream().filter(Membership::hasQuorum).forEach(m -> votes.merge(m.present(), 1, Integer::sum));
        List<String> best = null;
        int bestVotes = 0;
        boolean tied = false;
        for (Map.Entry<List<String>, Integer> e : votes.entrySet()) {
            if (e.getValue() > bestVotes) {
                best = e.getKey();
                bestVotes = e.getValue();
                tied = false;
            } else if (e.getValue() == bestVotes) {
                tied = true;
            }
        }
        return tied ? null : best;
    }

    private static String others(String self, Map<String, Membership> views) {
        List<List<String>> seen = new ArrayList<>();
        List<String> perNode = new ArrayList<>();
        views.forEach((name, m) -> {
            if (!name.equals(self)) {
                if (!seen.contains(m.present())) {
                    seen.add(m.present());
                }
                perNode.add(name + " sees " + Membership.list(m.present()));
            }
        });
        if (seen.isEmpty()) {
            return "no other live node answers";
        }
        return seen.size() == 1 ? "the others see " + Membership.list(seen.get(0)) : String.join("; ", perNode);
    }
}
