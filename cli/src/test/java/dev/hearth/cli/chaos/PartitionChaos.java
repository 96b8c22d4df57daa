package dev.hearth.cli.chaos;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A network partition of 1 of 3 nodes for 30 s under the mixed load, then heal; each node in a network namespace of
 * its own ({@link NetLab}). Targets: the minority acknowledges no write, no divergent value and no acknowledged
 * write lost after the heal; the rejoin time is reported. Run by the {@code chaos} profile only.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class PartitionChaos {
    @Test
    void partitionOneOfThree30s() throws Exception {
        String why = NetLab.unavailableReason();
        assumeTrue(why == null, () -> "partition scenario skipped: " + why);
        Duration cut = ChaosSettings.seconds("chaos.partitionSeconds", 30);
        try (NetLab net = NetLab.create(3)) {
            Chaos.run("partition-1-of-3-" + cut.toSeconds() + "s", net, ChaosLoad.Config.standard(),
                    Duration.ofSeconds(10), (cluster, load, report) -> {
                        SplitProbe probe;
                        net.cut(2, 0, 1);
                        cluster.event("cut " + cluster.name(2) + " off from the other two");
                        try {
                            probe = new SplitProbe(cluster, load, 2, 0).start();
                            try {
                                Chaos.pause(cut);
                            } finally {
                                probe.close();
                            }
                        } finally {
                            net.heal();
                        }
                        long healed = System.nanoTime();
                        cluster.event("healed");
                        probe.addTo(report);
                        return healed;
                    });
        }
    }
}
