package dev.hearth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.cli.http.AdminClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code hearthctl status} against admin ports that answer fixture /status documents: which nodes it finds, the
 * problems it names and its exit code (0 healthy, 1 not).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StatusHealthTest {
    private static CliRun status(FixtureNodes nodes, String seed, String... extra) {
        List<String> args = new ArrayList<>(List.of("status", "--admin", nodes.admin(seed)));
        args.addAll(List.of(extra));
        return CliRun.of(args.toArray(String[]::new));
    }

    private static JsonNode json(FixtureNodes nodes, String seed) throws Exception {
        CliRun r = status(nodes, seed, "-o", "json");
        JsonNode j = AdminClient.JSON.readTree(r.out());
        assertEquals(j.path("healthy").asBoolean() ? 0 : 1, r.code(), r.toString());
        return j;
    }

    private static List<String> problems(JsonNode j) {
        List<String> out = new ArrayList<>();
        j.path("problems").forEach(p -> out.add(p.asText()));
        return out;
    }

    private static JsonNode row(JsonNode j, String name) {
        for (JsonNode n : j.path("nodes")) {
            if (n.path("name").asText().equals(name)) {
                return n;
            }
        }
        throw new AssertionError("no row for " + name + " in " + j.path("nodes"));
    }

    @Test
    void healthyClusterExits0() throws Exception {
        try (FixtureNodes nodes = new FixtureNodes("n0", "n1", "n2")) {
            CliRun r = status(nodes, "n0");
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.out().contains("members: 3 of 3 expected present (quorum 2): n0, n1, n2"), r.out());
            assertTrue(r.out().contains("healthy: yes"), r.out());
            JsonNode j = json(nodes, "n0");
            assertTrue(j.path("healthy").asBoolean(), j.toString());
            assertEquals(List.of(), problems(j));
            assertEquals(3, j.path("nodes").size());
            assertEquals("[\"n0\",\"n1\",\"n2\"]", j.path("membership").path("expected").toString());
            assertEquals("[]", j.path("membership").path("missing").toString());
        }
    }

    /** A node refilling from its local copy: its progress line, and the cluster is still healthy. */
    @Test
    void refillProgressIsShownWithoutMakingTheClusterUnhealthy() throws Exception {
        try (FixtureNodes nodes = new FixtureNodes("n0", "n1", "n2")) {
            nodes.status("n1").putObject("refill").put("source", "local copy").put("reason", "the cluster formed empty")
                    .put("state", "running").put("entriesDone", 120_000).put("entriesTotal", -1)
                    .put("bytesDone", 120L << 20).put("bytesTotal", 1L << 30).put("fraction", 120.0 / 1024)
                    .put("bytesPerSecond", 40L << 20).put("etaSeconds", 23).put("rateLimit", 9000);
            nodes.status("n2").putObject("refill").put("source", "local copy").put("state", "complete");
            CliRun r = status(nodes, "n0");
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.out().contains("n1 refilling from local copy: 120000 entries, 120.0MiB of 1.0GiB (12%), "
                    + "40.0MiB/s, ETA 23 s, held to 9000 entries/s"), r.out());
            assertFalse(r.out().contains("n2 refilling"), r.out());
            JsonNode j = json(nodes, "n0");
            assertEquals(23, row(j, "n1").path("refill").path("etaSeconds").asLong(), j.toString());
            assertTrue(row(j, "n2").path("refill").isMissingNode(), j.toString());
        }
    }

    /** n1 was killed: the others still expect it, nobody knows where it answers. */
    @Test
    void deadMemberIsMissing() throws Exception {
        try (FixtureNodes nodes = new FixtureNodes("n0", "n1", "n2")) {
            nodes.topology("n0", "n0", "n2").topology("n2", "n0", "n2");
            nodes.down("n1");
            CliRun r = status(nodes, "n0");
            assertEquals(1, r.code(), r.toString());
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith("n1 ") && l.contains("missing")
                    && l.contains("not in the cluster of n0, n2")), r.out());
            assertTrue(r.out().contains("members: 2 of 3 expected present (quorum 2): n0, n2; missing: n1"), r.out());
            assertTrue(r.out().contains("healthy: NO, 1 problem:"), r.out());
            JsonNode j = json(nodes, "n0");
            assertEquals(List.of("n1 is missing: not in the cluster of n0, n2, and no node knows its admin address"),
                    problems(j));
            JsonNode n1 = row(j, "n1");
            assertFalse(n1.path("inCluster").asBoolean(true));
            assertEquals("unknown", n1.path("admin").asText());
            assertEquals("[\"n1\"]", j.path("membership").path("missing").toString());
        }
    }

    /** n1 is alone in its own topology (a split): found through n0's {@code elsewhere}, with no quorum. */
    @Test
    void splitNamesBothGroupsAndTheMinorityLacksQuorum() throws Exception {
        try (FixtureNodes nodes = new FixtureNodes("n0", "n1", "n2")) {
            nodes.topology("n0", "n0", "n2").topology("n2", "n0", "n2").topology("n1", "n1");
            nodes.ready("n1", false, "no quorum: sees 1 of 3 expected members, needs 2");
            nodes.elsewhere("n0", "n1", false, "n1").elsewhere("n2", "n1", false, "n1");
            CliRun r = status(nodes, "n0");
            System.out.println(r.out());
            assertEquals(1, r.code(), r.toString());
            assertTrue(r.out().contains("SPLIT: the nodes form 2 separate clusters: {n0, n2} and {n1}"), r.out());
            JsonNode j = json(nodes, "n0");
            assertEquals(List.of("SPLIT: the nodes form 2 separate clusters: {n0, n2} and {n1}",
                    "n1 is missing: not in the cluster of n0, n2 (it answers at " + nodes.admin("n1") + " and sees n1)",
                    "n1 has no quorum: it sees 1 of 3 expected members (n1), needs 2"), problems(j));
            JsonNode n1 = row(j, "n1");
            assertEquals(nodes.admin("n1"), n1.path("admin").asText());
            assertEquals("[\"n1\"]", n1.path("sees").toString());
            assertFalse(n1.path("hasQuorum").asBoolean(true));
            assertEquals("[[\"n0\",\"n2\"],[\"n1\"]]", j.path("membership").path("groups").toString());
        }
    }

    /** Asked through the minority, status still finds the majority (through the seed's elsewhere) and says so. */
    @Test
    void splitSeenFromTheMinority() throws Exception {
        try (FixtureNodes nodes = new FixtureNodes("n0", "n1", "n2")) {
            nodes.topology("n0", "n0", "n2").topology("n2", "n0", "n2").topology("n1", "n1");
            nodes.ready("n1", false, "no quorum: sees 1 of 3 expected members, needs 2");
            nodes.elsewhere("n1", "n0", true, "n0", "n2").elsewhere("n1", "n2", true, "n0", "n2");
            JsonNode j = json(nodes, "n1");
            assertFalse(j.path("healthy").asBoolean());
            List<String> p = problems(j);
            assertEquals("SPLIT: the nodes form 2 separate clusters: {n0, n2} and {n1}", p.get(0));
            assertTrue(p.contains("n1 has no quorum: it sees 1 of 3 expected members (n1), needs 2"), p.toString());
            assertTrue(p.contains("n0 is missing: not in the cluster of n1 (it answers at " + nodes.admin("n0")
                    + " and sees n0, n2)"), p.toString());
            assertEquals(3, j.path("nodes").size(), j.toString());
        }
    }

    /** A node whose peers both died keeps expecting them: no quorum, and it says why it is not ready. */
    @Test
    void lastNodeStandingHasNoQuorum() throws Exception {
        try (FixtureNodes nodes = new FixtureNodes("n0", "n1", "n2")) {
            nodes.topology("n0", "n0");
            nodes.ready("n0", false, "no quorum: sees 1 of 3 expected members, needs 2");
            nodes.down("n1");
            nodes.down("n2");
            CliRun r = status(nodes, "n0");
            assertEquals(1, r.code(), r.toString());
            JsonNode j = json(nodes, "n0");
            assertEquals(List.of("n0 has no quorum: it sees 1 of 3 expected members (n0), needs 2",
                    "n1 is missing: not in the cluster of n0, and no node knows its admin address",
                    "n2 is missing: not in the cluster of n0, and no node knows its admin address"), problems(j));
        }
    }

    /** A member of the topology whose admin port does not answer. */
    @Test
    void unreachableMember() throws Exception {
        try (FixtureNodes nodes = new FixtureNodes("n0", "n1", "n2")) {
            nodes.down("n2");
            CliRun r = status(nodes, "n0");
            assertEquals(1, r.code(), r.toString());
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith("n2 ") && l.contains("unreachable")), r.out());
            JsonNode j = json(nodes, "n0");
            assertEquals(List.of("n2 is unreachable at " + nodes.admin("n2") + " (node at " + nodes.admin("n2")
                    + " is unreachable (GET /status): connection refused)"), problems(j));
            assertTrue(row(j, "n2").path("inCluster").asBoolean(), "n2 is in the seed's topology");
        }
    }

    @Test
    void notReadyAndMissingCopies() throws Exception {
        try (FixtureNodes nodes = new FixtureNodes("n0", "n1", "n2")) {
            nodes.ready("n2", false, "rebalancing: 340 partitions to receive");
            for (String n : List.of("n0", "n1")) {
                ObjectNode z = (ObjectNode) nodes.status(n).path("zones").get(0);
                z.put("partitionsMissingCopies", 340).put("minCopies", 1);
            }
            JsonNode j = json(nodes, "n0");
            assertEquals(List.of("n2 is not ready: rebalancing: 340 partitions to receive",
                    "zone default: 340 partitions lack copies (per n0)"), problems(j));
        }
    }

    /** cluster.expectedSize above the names ever seen: a member never joined. */
    @Test
    void configuredSizeAboveTheNamesSeen() throws Exception {
        try (FixtureNodes nodes = new FixtureNodes("n0", "n1")) {
            nodes.configuredSize("n0", 3).configuredSize("n1", 3);
            JsonNode j = json(nodes, "n0");
            assertEquals(List.of("the cluster expects 3 members (cluster.expectedSize) but only 2 ever joined "
                    + "(n0, n1): 1 member has never been seen"), problems(j));
            assertEquals(3, j.path("membership").path("expectedSize").asInt());
        }
    }

    /** Nodes from before membership was reported: they expect what they see; nothing new is a problem. */
    @Test
    void nodesWithoutMembershipAreReadAsBefore() throws Exception {
        try (FixtureNodes nodes = new FixtureNodes("n0", "n1", "n2")) {
            nodes.legacy("n0").legacy("n1").legacy("n2");
            CliRun r = status(nodes, "n0");
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.out().contains("members: 3 of 3 expected present (quorum 2): n0, n1, n2"), r.out());
        }
    }

    /** Nodes started at once join in any order; listings (and a rolling restart's default order) go by name. */
    @Test
    void membersAreListedInNameOrder() throws Exception {
        try (FixtureNodes nodes = new FixtureNodes("n0", "n1", "n2", "n10")) {
            nodes.topology("n0", "n10", "n2", "n0", "n1");
            JsonNode j = json(nodes, "n0");
            List<String> names = new ArrayList<>();
            j.path("nodes").forEach(n -> names.add(n.path("name").asText()));
            assertEquals(List.of("n0", "n1", "n2", "n10"), names);
        }
    }

    @Test
    void unreachableSeedExits4() throws Exception {
        FixtureNodes nodes = new FixtureNodes("n0");
        String admin = nodes.admin("n0");
        nodes.close();
        CliRun r = CliRun.of("status", "--admin", admin);
        assertEquals(4, r.code(), r.toString());
    }
}
