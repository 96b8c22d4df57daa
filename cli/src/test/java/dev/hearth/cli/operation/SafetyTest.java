package dev.hearth.cli.operation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.cli.http.AdminClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The headroom parts of the safety check: survivors of a restart must hold every copy without evicting, and keep a
 * quorum of the expected members.
 */
@org.junit.jupiter.api.Timeout(10)
class SafetyTest {
    private static List<Cluster.NodeView> nodes(int n, long usedMiB, long limitMiB) throws Exception {
        List<Cluster.NodeView> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            JsonNode status = AdminClient.JSON.readTree("{\"node\":{\"ready\":true},\"clusterRebalanced\":true,"
                    + "\"zones\":[{\"name\":\"default\",\"backups\":1,\"partitionsMissingCopies\":0}],"
                    + "\"safety\":{\"safeToStop\":true},\"regions\":[{\"name\":\"hearth-system\",\"usedBytes\":0,"
                    + "\"limitBytes\":16777216},{\"name\":\"zone-default\",\"usedBytes\":" + (usedMiB << 20)
                    + ",\"limitBytes\":" + (limitMiB << 20) + "}]}");
            out.add(new Cluster.NodeView(new Cluster.Member("n" + i, "", "127.0.0.1:" + (8080 + i)), status, null));
        }
        return out;
    }

    @Test
    void refusesWhenTheSurvivorsWouldEvict() throws Exception {
        // 1 GiB with one backup on 3 nodes of 1536 MiB: about 1.4 GiB per node in use; two nodes would need ~2.1 GiB.
        List<String> p = Safety.problems(nodes(3, 1400, 1536), null);
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.get(0).contains("zone default") && p.get(0).contains("would evict entries")
                && p.get(0).contains("about 2100 MiB each"), p.get(0));
        assertTrue(Safety.advice(p).contains("zones.<zone>.memory"), Safety.advice(p));
    }

    /** 3 expected, n2 gone: stopping n0 or n1 leaves 1 of 3, and the other would refuse writes until it is back. */
    @Test
    void refusesWhenTheOthersWouldLoseTheQuorum() throws Exception {
        List<Cluster.NodeView> views = nodes(2, 100, 1536);
        for (Cluster.NodeView v : views) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) v.status()).set("membership", AdminClient.JSON.readTree(
                    "{\"expected\":[\"n0\",\"n1\",\"n2\"],\"expectedSize\":3,\"quorum\":2,"
                    + "\"present\":[\"n0\",\"n1\"],\"missing\":[\"n2\"],\"hasQuorum\":true,\"elsewhere\":[],"
                    + "\"generation\":1}"));
        }
        List<String> p = Safety.problems(views, List.of("n0"));
        assertEquals(List.of("with one node stopped, 1 of 3 expected members would be left, below the quorum of 2: "
                + "the cluster would refuse writes until the node is back (missing: n2; per n0)"), p);
        assertTrue(Safety.advice(p).contains("hearthctl cluster forget NODE --yes"), Safety.advice(p));
        // The same two nodes after n2 was forgotten: 1 of 2 is still below the quorum of 2.
        for (Cluster.NodeView v : views) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) v.status()).set("membership", AdminClient.JSON.readTree(
                    "{\"expected\":[\"n0\",\"n1\"],\"expectedSize\":2,\"quorum\":2,\"present\":[\"n0\",\"n1\"],"
                    + "\"missing\":[],\"hasQuorum\":true,\"elsewhere\":[],\"generation\":2}"));
        }
        assertEquals(1, Safety.problems(views, List.of("n0")).size());
        // Three present of three: one may stop.
        assertEquals(List.of(), Safety.problems(nodes(3, 100, 1536), List.of("n0")));
    }

    /** A field renamed on the node (another version) must not read as "0 partitions lack copies". */
    @Test
    void aStatusWithoutTheFieldsItChecksIsNotSafe() throws Exception {
        List<Cluster.NodeView> views = nodes(3, 100, 1536);
        JsonNode zone = views.get(1).status().path("zones").get(0);
        ((com.fasterxml.jackson.databind.node.ObjectNode) zone).remove("partitionsMissingCopies");
        ((com.fasterxml.jackson.databind.node.ObjectNode) zone).put("missingCopies", 0);
        assertEquals(List.of("node n1's /status has no zones[].partitionsMissingCopies, so hearthctl cannot tell "
                + "whether the cluster is safe (is the node another version?)"), Safety.problems(views, null));
        ((com.fasterxml.jackson.databind.node.ObjectNode) zone).put("partitionsMissingCopies", (String) null);
        assertEquals(List.of("node n1's /status has no zones[].partitionsMissingCopies, so hearthctl cannot tell "
                + "whether the cluster is safe (is the node another version?)"), Safety.problems(views, null),
                "null is not 0");
        ((com.fasterxml.jackson.databind.node.ObjectNode) views.get(2).status()).remove("zones");
        assertTrue(Safety.problems(views, null).contains("node n2's /status has no zones, so hearthctl cannot tell "
                + "whether the cluster is safe (is the node another version?)"));
    }

    @Test
    void aNodeWithoutAReadableSafetyVerdictIsNotSafeToStop() throws Exception {
        List<Cluster.NodeView> views = nodes(2, 100, 1536);
        ((com.fasterxml.jackson.databind.node.ObjectNode) views.get(0).status()).remove("safety");
        List<String> p = Safety.problems(views, List.of("n0"));
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.get(0).startsWith("node n0 is not safe to stop: its /status has no readable safety"), p.get(0));
    }

    @Test
    void allowsWhenTheyFit() throws Exception {
        assertEquals(List.of(), Safety.problems(nodes(3, 600, 1536), null));
        // Exactly at the threshold is still safe; just above is not.
        assertEquals(List.of(), Safety.problems(nodes(2, 900, 1000), null));
        assertEquals(1, Safety.problems(nodes(2, 901, 1000), null).size());
    }
}
