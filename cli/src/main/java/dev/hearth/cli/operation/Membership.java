package dev.hearth.cli.operation;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * One node's view of its cluster's membership: the {@code membership} object of its {@code /status}. The only place
 * hearthctl reads that object.
 *
 * <p>A node from before membership was reported has no such object; its view is then derived from its
 * {@code members} list: it expects exactly the members it sees, and has quorum ({@link #reported()} is false).
 *
 * @param expected node names the node expects in its cluster, sorted
 * @param expectedSize how many members it expects (at least {@code expected.size()}; more when configured)
 * @param quorum members needed to accept writes
 * @param present server nodes in its current topology, sorted
 * @param missing expected names not present, sorted
 * @param hasQuorum whether it sees at least {@code quorum} members
 * @param elsewhere missing members that answered on their admin port from another topology
 * @param generation bumped by every forget
 * @param reported false when the node does not report membership (the fields are derived from its members)
 * @param unreachable present members that have not answered the node for seconds: they do not count toward its
 *     quorum (a node cut off from its peers knows before Ignite drops them)
 */
public record Membership(List<String> expected, int expectedSize, int quorum, List<String> present,
        List<String> missing, boolean hasQuorum, List<Elsewhere> elsewhere, long generation, boolean reported,
        List<String> unreachable) {

    /** The present members the node reaches: those that count toward its quorum. */
    public List<String> reached() {
        return present.stream().filter(n -> !unreachable.contains(n)).toList();
    }

    /** {@code ""}, or {@code " (n1, n2 in its topology do not answer it)"}. */
    public String silentNote() {
        return unreachable.isEmpty() ? "" : " (" + list(unreachable) + " in its topology do" + (unreachable.size() == 1
                ? "es" : "") + " not answer it)";
    }

    /**
     * A missing member found answering from another topology.
     *
     * @param admin its admin address (host:port) as the reporting node reached it
     * @param members the server nodes of its topology
     */
    public record Elsewhere(String name, String admin, List<String> members, boolean hasQuorum) {
    }

    /** The membership in {@code status} (a node's whole {@code /status} answer). */
    public static Membership of(JsonNode status) {
        JsonNode m = status.path("membership");
        if (!m.isObject()) {
            List<String> present = names(status.path("members"), true);
            return new Membership(present, present.size(), present.size() / 2 + 1, present, List.of(), true,
                    List.of(), 0, false, List.of());
        }
        return parse(m);
    }

    /** A {@code membership} object itself (as {@code POST /admin/membership/forget} answers it). */
    public static Membership parse(JsonNode m) {
        List<Elsewhere> elsewhere = new ArrayList<>();
        for (JsonNode e : m.path("elsewhere")) {
            elsewhere.add(new Elsewhere(e.path("name").asText(), e.path("admin").asText(""),
                    names(e.path("members"), false), e.path("hasQuorum").asBoolean(false)));
        }
        List<String> expected = names(m.path("expected"), false);
        int expectedSize = m.path("expectedSize").asInt(expected.size());
        return new Membership(expected, expectedSize, m.path("quorum").asInt(expectedSize / 2 + 1),
                names(m.path("present"), false), names(m.path("missing"), false),
                m.path("hasQuorum").asBoolean(false), List.copyOf(elsewhere), m.path("generation").asLong(0), true,
                names(m.path("unreachable"), false));
    }

    /** Sorted, distinct names of an array of strings, or of objects' {@code name} fields. */
    private static List<String> names(JsonNode array, boolean objects) {
        TreeSet<String> out = new TreeSet<>();
        for (JsonNode n : array) {
            String name = objects ? n.path("name").asText("") : n.asText("");
            if (!name.isEmpty()) {
                out.add(name);
            }
        }
        return List.copyOf(out);
    }

    /** The admin address another node reported for {@code name}, or null. */
    public String adminOf(String name) {
        for (Elsewhere e : elsewhere) {
            if (e.name().equals(name) && !e.admin().isEmpty()) {
                return e.admin();
            }
        }
        return null;
    }

    /** {@code "n0, n2"}; {@code "nobody"} for none. */
    public static String list(java.util.Collection<String> names) {
        return names.isEmpty() ? "nobody" : String.join(", ", names);
    }
}
