package dev.hearth.cli.chaos;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * kill -9 of each node in turn under 16 hearth-client writer threads (1 s deadline); the supervisor restarts it,
 * and the next kill waits until the cluster serves and is rebalanced again (else the next kill would take the last
 * copy of some partitions). Targets: every call within deadline + 20 ms, no acknowledged write lost. Run by the
 * {@code chaos} profile only.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class KillRestartChaos {
    @Test
    void killEachNodeInTurn() throws Exception {
        Chaos.run("kill9-restart-each", null, ChaosLoad.Config.writers16(), Duration.ofSeconds(10),
                (cluster, load, report) -> {
                    long healed = 0;
                    for (int i = 0; i < cluster.size(); i++) {
                        long killedAt = System.nanoTime();
                        cluster.kill9(i);
                        healed = System.nanoTime();
                        cluster.awaitAllServing(Duration.ofMinutes(2));
                        long serving = (System.nanoTime() - killedAt) / 1_000_000;
                        Duration rebalanced = cluster.awaitRebalanced(Duration.ofMinutes(2));
                        report.metric("n" + i + ": kill to every node serving ms", serving);
                        report.metric("n" + i + ": then rebalanced ms", rebalanced.toMillis());
                        cluster.event(cluster.name(i) + " back: serving " + serving + " ms after the kill");
                    }
                    long deadlineMs = load.config.deadline().toMillis();
                    report.target("hearth-client calls over deadline+20ms", load.hcOverDeadline.sum(), "= 0",
                            x -> x == 0);
                    report.target("worst hearth-client write ms", load.worstHcWrite.get() / 1_000_000,
                            "<= " + (deadlineMs + 20), x -> x <= deadlineMs + 20);
                    report.metric("restarts expected (one per kill)", cluster.size());
                    return healed;
                });
    }
}
