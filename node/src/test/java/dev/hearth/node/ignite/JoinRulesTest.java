package dev.hearth.node.ignite;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.node.membership.Membership;
import java.util.HashMap;
import java.util.Map;
import org.apache.ignite.plugin.PluginValidationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The join rules that read only the joining node's attributes, checked where the join is decided. A refused start
 * of a real node takes Ignite about 10 s; NodeTrustClusterTest does one, for the cluster secret.
 */
@Timeout(30)
class JoinRulesTest {
    private final HearthPlugin plugin = new HearthPlugin("c", Membership.open(null, "n0", 0));

    private static Map<String, Object> attributes(String cluster, Object generation) {
        Map<String, Object> m = new HashMap<>();
        m.put(NodeAttributes.NAME, "n1");
        m.put(NodeAttributes.VERSION, "0.1.0");
        m.put(NodeAttributes.CLUSTER_NAME, cluster);
        if (generation != null) {
            m.put(NodeAttributes.WIRE_GENERATION, generation.toString());
        }
        return m;
    }

    @Test
    void aNodeOfTheSameClusterAndWireGenerationJoins() {
        assertDoesNotThrow(() -> plugin.validateNewNode(
                TopologyNodes.node(2, attributes("c", HearthPlugin.WIRE_GENERATION)), null));
    }

    @Test
    void aNodeOfAnotherWireGenerationIsRefusedWithTheWayOut() {
        PluginValidationException older = assertThrows(PluginValidationException.class,
                () -> plugin.validateNewNode(TopologyNodes.node(2, attributes("c", null)), null));
        assertTrue(older.getMessage().contains("wire generation 1, this cluster's nodes run generation "
                + HearthPlugin.WIRE_GENERATION), older.getMessage());
        assertTrue(older.getMessage().contains("full restart"), older.getMessage());
        PluginValidationException newer = assertThrows(PluginValidationException.class,
                () -> plugin.validateNewNode(
                        TopologyNodes.node(2, attributes("c", HearthPlugin.WIRE_GENERATION + 1)), null));
        assertTrue(newer.getMessage().contains("wire generation " + (HearthPlugin.WIRE_GENERATION + 1)),
                newer.getMessage());
    }

    @Test
    void aNodeOfAnotherClusterIsRefused() {
        PluginValidationException e = assertThrows(PluginValidationException.class,
                () -> plugin.validateNewNode(TopologyNodes.node(2, attributes("d", HearthPlugin.WIRE_GENERATION)),
                        null));
        assertTrue(e.getMessage().contains("belongs to cluster 'd', this is cluster 'c'"), e.getMessage());
    }
}
