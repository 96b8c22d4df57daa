package dev.hearth.node.membership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class PeerWatchTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    /** Admin addresses that answer; every probe of another one fails after a second of the fake clock. */
    private final Set<String> answering = ConcurrentHashMap.newKeySet();
    private final Membership m = Membership.open(null, "n0", 0);
    private final PeerWatch watch = new PeerWatch(m, admin -> {
        if (answering.contains(admin)) {
            return true;
        }
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        return false;
    }, Duration.ofSeconds(3), now::get, Runnable::run);

    PeerWatchTest() {
        Map<String, String> servers = new LinkedHashMap<>();
        servers.put("n0", "a0");
        servers.put("n1", "a1");
        servers.put("n2", "a2");
        m.observe(servers);
        answering.addAll(List.of("a1", "a2"));
    }

    private void round() {
        watch.check();
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
    }

    @Test
    void aNodeCutOffFromBothPeersLosesItsQuorumWithinSecondsAndRegainsItWhenTheyAnswer() {
        round();
        answering.clear();
        int rounds = 0;
        while (m.hasQuorum()) {
            round();
            rounds++;
            assertTrue(rounds < 10, "never unreachable");
        }
        assertEquals(List.of("n1", "n2"), m.view().unreachable());
        assertFalse(m.view().hasQuorum());
        assertTrue(m.noQuorumReason().contains("not answering [n1, n2]"), m.noQuorumReason());
        assertEquals(List.of("n0", "n1", "n2"), m.view().present(), "still members: only Ignite drops them");

        answering.addAll(List.of("a1", "a2"));
        round();
        assertTrue(m.hasQuorum());
        assertEquals(List.of(), m.view().unreachable());
    }

    @Test
    void oneSilentPeerOfThreeLeavesTheQuorum() {
        round();
        answering.remove("a2");
        for (int i = 0; i < 5; i++) {
            round();
        }
        assertEquals(List.of("n2"), m.view().unreachable());
        assertTrue(m.hasQuorum(), "2 of 3 still reach each other");
    }

    @Test
    void aStallOfTheWholeMachineIsNotACut() {
        round();
        // Every process stops for 10 s: the probe in flight times out when the machine wakes, then peers answer.
        answering.clear();
        now.addAndGet(TimeUnit.SECONDS.toNanos(10));
        watch.check();
        answering.addAll(List.of("a1", "a2"));
        round();
        assertTrue(m.hasQuorum());
        assertEquals(List.of(), m.view().unreachable());
    }

    @Test
    void aSingleFailedProbeAfterAStallIsNotACut() {
        round();
        now.addAndGet(TimeUnit.SECONDS.toNanos(10));
        answering.clear();
        round(); // the first probe after the stall fails (the peers are still waking up)
        answering.addAll(List.of("a1", "a2"));
        round();
        assertTrue(m.hasQuorum(), "one late failure in a row does not count");
        assertEquals(List.of(), m.view().unreachable());
    }

    @Test
    void theSplitWatchNeverGivesWayWhilePeersAreOnlySilent() {
        m.observe(Map.of("n0", "a0", "n1", "a1"));
        m.unreachable(Set.of("n1"));
        List<String> rejoined = new java.util.ArrayList<>();
        new SplitWatch(m, admin -> Optional.of(new SplitWatch.Peer("n2", List.of("n2"), true)), rejoined::add)
                .check();
        assertEquals(List.of(), rejoined, "n2 answers from a topology with a quorum, but n1 is merely silent");
    }
}
