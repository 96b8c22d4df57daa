package dev.hearth.cli.chaos;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * CPU hog: 4 busy processes per core for 60 s ({@code -Dchaos.cpuHogSeconds}) under the mixed load. Nothing fails
 * on purpose here: a starved node must neither be dropped (restarted) nor lose an acknowledged write. Run by the
 * {@code chaos} profile only.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class CpuHogChaos {
    @Test
    void cpuHog() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        Duration hog = ChaosSettings.seconds("chaos.cpuHogSeconds", 60);
        Chaos.run("cpu-hog-" + 4 * cores + "x" + hog.toSeconds() + "s", null, ChaosLoad.Config.standard(),
                Duration.ofSeconds(10), (cluster, load, report) -> {
                    int restartsBefore = cluster.restarts();
                    long servingFails = 0;
                    try (AutoCloseable h = Chaos.cpuHog(4 * cores)) {
                        cluster.event("cpu hog: " + 4 * cores + " busy processes for " + hog.toSeconds() + " s");
                        Chaos.pause(hog);
                    }
                    long healed = System.nanoTime();
                    cluster.event("cpu hog ended");
                    report.target("nodes restarted during the hog", cluster.restarts() - restartsBefore, "= 0",
                            x -> x == 0);
                    return healed;
                });
    }
}
