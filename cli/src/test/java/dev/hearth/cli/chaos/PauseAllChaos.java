package dev.hearth.cli.chaos;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SIGSTOP of every node at once, for 5 s (below the 10 s failure detection) and for 15 s (past it), under the mixed
 * load. Targets: no acknowledged write lost, no divergent value. Run by the {@code chaos} profile only.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class PauseAllChaos {
    @Test
    void pauseAll5s() throws Exception {
        pauseAll(Duration.ofSeconds(5));
    }

    @Test
    void pauseAll15s() throws Exception {
        pauseAll(Duration.ofSeconds(15));
    }

    static Chaos.Outcome pauseAll(Duration pause) throws Exception {
        return Chaos.run("pause-all-" + pause.toSeconds() + "s", null, ChaosLoad.Config.standard(),
                Duration.ofSeconds(10), (cluster, load, report) -> {
                    int[] all = {0, 1, 2};
                    cluster.freeze(all);
                    try {
                        Chaos.pause(pause);
                    } finally {
                        cluster.resume(all);
                    }
                    return System.nanoTime();
                });
    }
}
