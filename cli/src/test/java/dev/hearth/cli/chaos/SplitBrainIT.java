package dev.hearth.cli.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One of 3 nodes cut off from the other two (network namespaces, blackhole routes; skipped where namespaces are
 * not available): the minority turns not ready and answers writes with SERVER_ERROR while the majority accepts
 * them; after the heal the minority rejoins, and no acknowledged write is lost and no value diverges.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class SplitBrainIT {
    @Test
    void minorityRefusesWritesAndRejoins() throws Exception {
        String why = NetLab.unavailableReason();
        assumeTrue(why == null, () -> "SplitBrainIT needs network namespaces (root, ip netns): " + why);
        AtomicReference<SplitProbe> seen = new AtomicReference<>();
        Chaos.Outcome o;
        try (NetLab net = NetLab.create(3)) {
            o = Chaos.run("it-split-brain", net, ChaosIts.lightLoad(), Duration.ofSeconds(3),
                    (cluster, load, report) -> {
                        net.cut(2, 0, 1);
                        cluster.event("cut " + cluster.name(2) + " off from the other two");
                        try (SplitProbe probe = new SplitProbe(cluster, load, 2, 0).start()) {
                            seen.set(probe);
                            // A SERVER_ERROR after memcached.operationTimeout is not a refusal: the minority
                            // must know it has no quorum (after its fence and restart, alone in a topology).
                            Chaos.awaitTrue("minority not ready and refusing writes for want of a quorum, majority "
                                    + "accepting", Duration.ofSeconds(75), () -> !cluster.ready(2)
                                            && probe.lastMinorityRefusal != null
                                            && probe.majorityAckedAfterRefusal.get() > 0);
                            cluster.event("minority refuses writes (" + probe.minorityQuorumRefusals.get()
                                    + " no-quorum refusals), majority accepts");
                            // Refusals come within seconds (silent peers stop counting); the split proper starts
                            // when the failure detection timeout drops the minority: it is fenced and restarted
                            // alone. Healed only after that, so that the rejoin is what is tested.
                            Chaos.awaitTrue("minority fenced and restarted", Duration.ofSeconds(60),
                                    () -> cluster.restarts() > 0);
                            cluster.event("minority restarted");
                        } finally {
                            net.heal();
                        }
                        long healed = System.nanoTime();
                        cluster.event("healed");
                        seen.get().addTo(report);
                        return healed;
                    });
        }
        SplitProbe p = seen.get();
        String table = o.report().table();
        assertTrue(p.minorityQuorumRefusals.get() > 0, () -> "minority never refused for want of a quorum\n" + table);
        assertEquals(0, p.minorityAcked.get(), () -> "minority acked writes\n" + table);
        assertTrue(p.majorityAcked.get() > 0, () -> "majority acked no write\n" + table);
        assertEquals(0, o.verification().lost(), () -> "acked writes lost\n" + table);
        assertEquals(0, o.verification().divergent(), () -> "divergent values\n" + table);
        assertEquals(0, o.verification().unreadable(), () -> "unreadable keys\n" + table);
        assertTrue(o.servingAgainMillis() >= 0, () -> "minority did not rejoin\n" + table);
        assertTrue(o.restarts() >= 1, () -> "the minority was never dropped, so no rejoin was tested\n" + table);
    }
}
