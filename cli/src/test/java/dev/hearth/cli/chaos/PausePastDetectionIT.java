package dev.hearth.cli.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every node SIGSTOPped for longer than the failure detection timeout (15 s against 10 s here, to keep the case
 * short; {@code bench/chaos.sh pause-all-30s} is the same past the default 20 s), then SIGCONT: each node finds its
 * peers dropped, writes its local copy and fences or, wedged in an exchange, leaves; the supervisor restarts them and
 * the cluster refills from the copies. No acknowledged write may be lost, even where two nodes' copies of a partition
 * differ (the newer version must win whichever copy loads first), and no operator may be needed. That rule itself is
 * pinned by InsertGroupsTest and LocalCopyServiceTest: this light load did not hit the race that lost writes before
 * it (0 of 3 runs on the old code, where the 30 s chaos scenario lost 2 writes in 1 of 4). About 45 s.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class PausePastDetectionIT {
    @Test
    void aPauseOfEveryNodePastTheFailureDetectionLosesNoAcknowledgedWrite() throws Exception {
        Chaos.Outcome o = Chaos.run("it-pause-past-detection-15s", null, ChaosIts.lightLoad(), Duration.ofSeconds(5),
                Chaos.pauseEveryNode(Duration.ofSeconds(15)),
                List.of("cluster.failureDetectionTimeout=10s", "cluster.stuckExchangeTimeout=10s"));
        String table = o.report().table();
        assertTrue(o.verification().keys() > 100, () -> "too few acked keys to mean anything\n" + table);
        assertTrue(o.restarts() >= 1, () -> "no node restarted: the pause did not pass the detection\n" + table);
        assertEquals(0, o.verification().lost(), () -> "acked writes lost\n" + table);
        assertEquals(0, o.verification().divergent(), () -> "divergent values\n" + table);
        assertEquals(0, o.verification().unreadable(), () -> "unreadable keys\n" + table);
        assertTrue(o.servingAgainMillis() >= 0 && o.servingAgainMillis() <= 120_000,
                () -> "every node serving within 2 min of SIGCONT, after the last restart\n" + table);
    }
}
