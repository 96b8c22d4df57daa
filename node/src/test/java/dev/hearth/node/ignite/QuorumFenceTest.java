package dev.hearth.node.ignite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.node.membership.Membership;
import dev.hearth.node.membership.PeerWatch;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
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

    private static QuorumFence fence(Membership m, PeerWatch.Reach probe) {
        return new QuorumFence(m, QuorumFence.LOG_ONLY, probe, Duration.ofMillis(300));
    }

    @Test
    void aFailureThatLeavesAQuorumIsBelievedOnceAQuorumOfPeersAnswers() {
        Membership m = threeMembers();
        AtomicInteger asked = new AtomicInteger();
        QuorumFence f = fence(m, admin -> {
            asked.incrementAndGet();
            return true;
        });
        assertNull(f.confirmPeers(List.of("n0", "n2")));
        assertEquals(1, asked.get(), "only the peer left in the topology is asked, once");
    }

    @Test
    void aNodeWhosePeersDoNotAnswerFencesAfterTheConfirmWindow() {
        Membership m = threeMembers();
        List<Long> probeStarts = new CopyOnWriteArrayList<>();
        QuorumFence f = fence(m, admin -> {
            probeStarts.add(System.nanoTime());
            return false;
        });
        long t0 = System.nanoTime();
        String reason = f.confirmPeers(List.of("n0", "n2"));
        assertNotNull(reason, "cut off from n2 as well: n1's failure is not believed");
        assertTrue(probeStarts.get(probeStarts.size() - 1) - t0 >= Duration.ofMillis(300).toNanos(),
                "the last probe starts after the window, so a stall of the whole machine ends before the node gives up");
        assertTrue(reason.contains("[n2]"), reason);
    }

    @Test
    void aPeerThatAnswersLateInTheWindowStillCounts() {
        Membership m = threeMembers();
        long t0 = System.nanoTime();
        QuorumFence f = fence(m, admin -> System.nanoTime() - t0 > Duration.ofMillis(150).toNanos());
        assertNull(f.confirmPeers(List.of("n0", "n1")));
    }

    @Test
    void fencesWhenFailuresTakeTheTopologyBelowAQuorum() {
        QuorumFence f = fence(threeMembers(), admin -> false);
        assertNull(f.decide(EventType.EVT_NODE_JOINED, List.of("n0", "n1", "n2")));
        assertNull(f.decide(EventType.EVT_NODE_FAILED, List.of("n0", "n2")), "2 of 3 is still a quorum");
        assertNotNull(f.decide(EventType.EVT_NODE_FAILED, List.of("n0")));
    }

    @Test
    void twoFailedAtOnceFence() {
        QuorumFence f = fence(threeMembers(), admin -> false);
        f.decide(EventType.EVT_NODE_JOINED, List.of("n0", "n1", "n2"));
        assertNotNull(f.decide(EventType.EVT_NODE_FAILED, List.of("n0")));
    }

    @Test
    void gracefulLeavesAndANodeThatHadNoQuorumDoNotFence() {
        QuorumFence leaving = fence(threeMembers(), admin -> false);
        leaving.decide(EventType.EVT_NODE_JOINED, List.of("n0", "n1", "n2"));
        leaving.decide(EventType.EVT_NODE_LEFT, List.of("n0", "n1"));
        assertNull(leaving.decide(EventType.EVT_NODE_LEFT, List.of("n0")), "a cluster being stopped is no split");

        QuorumFence alone = fence(threeMembers(), admin -> false);
        alone.decide(EventType.EVT_NODE_JOINED, List.of("n0"));
        assertNull(alone.decide(EventType.EVT_NODE_FAILED, List.of("n0")),
                "a node without a quorum acknowledged no write, so there is nothing to fence");
    }
}
