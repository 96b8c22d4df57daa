package dev.hearth.cli.chaos;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SIGSTOP of one node for 30 s under the mixed load. The frozen node keeps its sockets open, so nothing tells the
 * others it is gone until the failure detection timeout. Targets: hearth-client reads all answered within the
 * deadline; memcached reads answered within 250 ms by the failover client; writes bounded by the deadline; the
 * node rejoins without the cluster losing data. Run by the {@code chaos} profile only.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class FreezeOneChaos {
    @Test
    void freezeOne30s() throws Exception {
        Duration freeze = ChaosSettings.seconds("chaos.freezeSeconds", 30);
        Chaos.run("freeze-one-" + freeze.toSeconds() + "s", null, ChaosLoad.Config.standard(), Duration.ofSeconds(10),
                (cluster, load, report) -> {
                    long failedReadsBefore = load.hcReadFail.sum();
                    long mcSlowBefore = load.mcReadsOver250.sum();
                    long mcFailBefore = load.mcReadFail.sum();
                    load.worstHcRead.set(0);
                    load.worstHcWrite.set(0);
                    load.worstMcRead.set(0);
                    cluster.freeze(1);
                    try {
                        Chaos.pause(freeze);
                    } finally {
                        cluster.resume(1);
                    }
                    long healed = System.nanoTime();
                    long deadlineMs = load.config.deadline().toMillis();
                    report.target("hearth-client reads failed while frozen", load.hcReadFail.sum() - failedReadsBefore,
                            "= 0", x -> x == 0);
                    report.target("worst hearth-client read ms while frozen", load.worstHcRead.get() / 1_000_000,
                            "<= " + (deadlineMs + 20), x -> x <= deadlineMs + 20);
                    report.target("worst hearth-client write ms while frozen", load.worstHcWrite.get() / 1_000_000,
                            "<= " + (deadlineMs + 20), x -> x <= deadlineMs + 20);
                    report.target("memcached reads failed while frozen", load.mcReadFail.sum() - mcFailBefore, "= 0",
                            x -> x == 0);
                    report.target("memcached reads over 250 ms while frozen", load.mcReadsOver250.sum() - mcSlowBefore,
                            "= 0", x -> x == 0);
                    report.metric("worst memcached read ms while frozen", load.worstMcRead.get() / 1_000_000);
                    return healed;
                });
    }
}
