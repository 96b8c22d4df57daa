package dev.hearth.wire.status;

import java.util.List;

/**
 * A node's view of its cluster's membership ({@code /status}'s {@code membership}, {@code /admin/membership}): who is
 * expected, who is here, and whether that is a quorum.
 *
 * @param expected the expected members' names, sorted
 * @param expectedSize {@code max(cluster.expectedSize, expected.size())}
 * @param quorum members needed to accept writes
 * @param present the server nodes of this node's topology
 * @param missing expected members not present
 * @param elsewhere missing members found running in another topology
 * @param unreachable present members that have not answered this node for seconds (the node's peer watch); they do
 *     not count toward the quorum
 */
public record MembershipView(List<String> expected, int expectedSize, int quorum, List<String> present,
        List<String> missing, boolean hasQuorum, List<Elsewhere> elsewhere, long generation,
        List<String> unreachable) {
    /**
     * A missing member that answered on its admin port: it runs, in a topology without this node.
     *
     * @param members the server nodes of its topology
     * @param hasQuorum whether that topology accepts writes
     */
    public record Elsewhere(String name, String admin, List<String> members, boolean hasQuorum) {
        public Elsewhere {
            members = List.copyOf(members);
        }
    }
}
