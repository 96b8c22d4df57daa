package dev.hearth.cli.chaos;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SIGSTOP of every node at once under the mixed load: for 5 s and 15 s (below the 20 s failure detection: nothing
 * may happen) and for 30 s (past it: nodes find themselves dropped, write their local copies, exit and come back under
 * the supervisor). Targets: no acknowledged write lost, no divergent value, in all three. Run by the {@code chaos}
 * profile only.
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

    @Test
    void pauseAll30s() throws Exception {
        pauseAll(Duration.ofSeconds(30));
    }

    static Chaos.Outcome pauseAll(Duration pause) throws Exception {
        return Chaos.run("pause-all-" + pause.toSeconds() + "s", null, ChaosLoad.Config.standard(),
                Duration.ofSeconds(10), Chaos.pauseEveryNode(pause));
    }
}
