package dev.hearth.node.ignite;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.apache.ignite.spi.discovery.tcp.internal.TcpDiscoveryNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** When a node takes the cluster for one that just formed: read from the topology, not from what clients wrote. */
@Timeout(30)
class FormedAtTest {
    private static final long FORMED = 1_800_000_000_000L;

    private static TcpDiscoveryNode node(long order, Long startedAt) {
        return TopologyNodes.node(order,
                startedAt == null ? Map.of() : Map.of(NodeAttributes.STARTED_AT, Long.toString(startedAt)));
    }

    @Test
    void theClusterFormedWhenTheNodeWithOrderOneStarted() {
        // Whichever node asks, in whatever order the topology lists them; the others' starts do not count.
        assertEquals(FORMED, IgniteLocalCopy.formedAt(List.of(node(3, FORMED + 60_000), node(1, FORMED),
                node(2, FORMED + 5_000))));
        assertEquals(0, IgniteLocalCopy.formedAt(List.of(node(4, FORMED), node(2, FORMED))),
                "the node that formed the cluster left: the cluster has run without it, the window is over");
        assertEquals(0, IgniteLocalCopy.formedAt(List.of(node(1, null))), "a node that publishes no start opens none");
    }
}
