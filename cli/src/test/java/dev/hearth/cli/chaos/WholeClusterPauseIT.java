package dev.hearth.cli.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every node SIGSTOPped for 5 s under load (less than the failure detection timeout), then SIGCONT: the cluster
 * must simply carry on, with no node restarted, no acknowledged write lost and no divergent value.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class WholeClusterPauseIT {
    @Test
    void wholeClusterPauseCostsNothing() throws Exception {
        Chaos.Outcome o = Chaos.run("it-whole-cluster-pause-5s", null, ChaosIts.lightLoad(), Duration.ofSeconds(5),
                Chaos.pauseEveryNode(Duration.ofSeconds(5)));
        String table = o.report().table();
        assertTrue(o.verification().keys() > 100, () -> "too few acked keys to mean anything\n" + table);
        assertEquals(0, o.restarts(), () -> "nodes restarted\n" + table);
        assertEquals(0, o.verification().lost(), () -> "acked writes lost\n" + table);
        assertEquals(0, o.verification().divergent(), () -> "divergent values\n" + table);
        assertEquals(0, o.verification().unreadable(), () -> "unreadable keys\n" + table);
        assertTrue(o.servingAgainMillis() >= 0 && o.servingAgainMillis() <= 30_000,
                () -> "every node ready within 30 s of SIGCONT\n" + table);
    }
}
