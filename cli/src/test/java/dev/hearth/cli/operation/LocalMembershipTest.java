package dev.hearth.cli.operation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.cli.http.AdminClient;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Which live local nodes are outside the cluster, from their /status membership. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class LocalMembershipTest {
    /** A /status with only what the rule reads: the node's membership (3 expected members, quorum 2). */
    private static JsonNode status(String... present) throws Exception {
        boolean quorum = present.length >= 2;
        return AdminClient.JSON.readTree("{\"membership\":{\"expected\":[\"n0\",\"n1\",\"n2\"],\"expectedSize\":3,"
                + "\"quorum\":2,\"present\":" + AdminClient.JSON.writeValueAsString(List.of(present))
                + ",\"missing\":[],\"hasQuorum\":" + quorum + ",\"elsewhere\":[],\"generation\":1}}");
    }

    private static Map<String, JsonNode> live(Object... nameAndStatus) {
        Map<String, JsonNode> m = new LinkedHashMap<>();
        for (int i = 0; i < nameAndStatus.length; i += 2) {
            m.put((String) nameAndStatus[i], (JsonNode) nameAndStatus[i + 1]);
        }
        return m;
    }

    /** A node cut off from its peers before Ignite drops them: they are still present, but silent. */
    @Test
    void aNodeWhosePeersAreSilentIsOutsideAndSaysWhy() throws Exception {
        JsonNode cutOff = AdminClient.JSON.readTree("{\"membership\":{\"expected\":[\"n0\",\"n1\",\"n2\"],"
                + "\"expectedSize\":3,\"quorum\":2,\"present\":[\"n0\",\"n1\",\"n2\"],\"missing\":[],"
                + "\"hasQuorum\":false,\"elsewhere\":[],\"generation\":1,\"unreachable\":[\"n1\",\"n2\"]}}");
        assertEquals(Map.of("n0", "n0: alive but outside the cluster (sees n0, no quorum: 1 of 3 expected, needs 2; "
                        + "no other live node answers) (n1, n2 in its topology do not answer it)"),
                LocalMembership.outside(live("n0", cutOff)));
    }

    @Test
    void allTogether() throws Exception {
        JsonNode all = status("n0", "n1", "n2");
        assertEquals(Map.of(), LocalMembership.outside(live("n0", all, "n1", all, "n2", all)));
    }

    @Test
    void theLoneNodeOfASplitIsOutsideNotTheMajority() throws Exception {
        JsonNode majority = status("n0", "n2");
        assertEquals(Map.of("n1", "n1: alive but outside the cluster (sees n1, no quorum: 1 of 3 expected, needs 2; "
                        + "the others see n0, n2)"),
                LocalMembership.outside(live("n0", majority, "n1", status("n1"), "n2", majority)));
    }

    /** A dead node is not live: the two others seeing each other are the cluster. */
    @Test
    void aDeadNodeDoesNotMakeTheOthersOutside() throws Exception {
        JsonNode two = status("n0", "n2");
        assertEquals(Map.of(), LocalMembership.outside(live("n0", two, "n2", two)));
    }

    /** No group has quorum: every node is outside, and each message says what each other node sees. */
    @Test
    void threeWaySplitEveryNodeIsOutside() throws Exception {
        Map<String, String> out = LocalMembership.outside(live("n0", status("n0"), "n1", status("n1"), "n2",
                status("n2")));
        assertEquals(List.of("n0", "n1", "n2"), List.copyOf(out.keySet()));
        assertEquals("n1: alive but outside the cluster (sees n1, no quorum: 1 of 3 expected, needs 2; n0 sees n0; "
                + "n2 sees n2)", out.get("n1"));
    }

    @Test
    void lastNodeStandingWithoutQuorum() throws Exception {
        assertEquals(Map.of("n0", "n0: alive but outside the cluster (sees n0, no quorum: 1 of 3 expected, needs 2; "
                + "no other live node answers)"), LocalMembership.outside(live("n0", status("n0"))));
    }

    /** Nodes from before membership: a node not seeing a live peer that the others see is outside. */
    @Test
    void withoutMembershipTheLargestGroupIsTheCluster() throws Exception {
        JsonNode majority = AdminClient.JSON.readTree("{\"members\":[{\"name\":\"n0\"},{\"name\":\"n2\"}]}");
        JsonNode lone = AdminClient.JSON.readTree("{\"members\":[{\"name\":\"n1\"}]}");
        assertEquals(Map.of("n1", "n1: alive but outside the cluster (sees n1; the others see n0, n2)"),
                LocalMembership.outside(live("n0", majority, "n1", lone, "n2", majority)));
    }
}
