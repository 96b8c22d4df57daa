package dev.hearth.node.cluster;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.hearth.node.membership.Membership;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.ignite.events.EventType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class QuorumFenceTest {
    private static Membership threeMembers() {
        Membership m = Membership.open(null, "n0", 0);
        Map<String, String> servers = new LinkedHashMap<>();
        for (String n : List.of("n0", "n1", "n2")) {
            servers.put(n, "127.0.0.1:1");
        }
        m.observe(servers);
        return m;
    }

    @Test
    void fencesWhenFailuresTakeTheTopologyBelowAQuorum() {
        QuorumFence f = new QuorumFence(threeMembers(), QuorumFence.LOG_ONLY);
        assertNull(f.decide(EventType.EVT_NODE_JOINED, List.of("n0", "n1", "n2")));
        assertNull(f.decide(EventType.EVT_NODE_FAILED, List.of("n0", "n2")), "2 of 3 is still a quorum");
        assertNotNull(f.decide(EventType.EVT_NODE_FAILED, List.of("n0")));
    }

    @Test
    void twoFailedAtOnceFence() {
        QuorumFence f = new QuorumFence(threeMembers(), QuorumFence.LOG_ONLY);
        f.decide(EventType.EVT_NODE_JOINED, List.of("n0", "n1", "n2"));
        assertNotNull(f.decide(EventType.EVT_NODE_FAILED, List.of("n0")));
    }

    @Test
    void gracefulLeavesAndANodeThatHadNoQuorumDoNotFence() {
        QuorumFence leaving = new QuorumFence(threeMembers(), QuorumFence.LOG_ONLY);
        leaving.decide(EventType.EVT_NODE_JOINED, List.of("n0", "n1", "n2"));
        leaving.decide(EventType.EVT_NODE_LEFT, List.of("n0", "n1"));
        assertNull(leaving.decide(EventType.EVT_NODE_LEFT, List.of("n0")), "a cluster being stopped is no split");

        QuorumFence alone = new QuorumFence(threeMembers(), QuorumFence.LOG_ONLY);
        alone.decide(EventType.EVT_NODE_JOINED, List.of("n0"));
        assertNull(alone.decide(EventType.EVT_NODE_FAILED, List.of("n0")),
                "a node without a quorum acknowledged no write, so there is nothing to fence");
    }
}
