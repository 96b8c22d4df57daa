package dev.hearth.cli.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Not in the default build (its name does not end in IT): the large warm-up-under-node-loss run and the other
 * events, for measuring and for hunting stalls. {@code mvn -B verify -pl cli -Dtest=NoSuch
 * -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=WarmupLossBench} with {@code -Dloss.entries=200000
 * -Dloss.valueBytes=470 -Dloss.event=KILL|STOP|RESTART|JOIN|NONE -Dloss.victim=2 -Dloss.at=0.25 -Dloss.rate=0
 * -Dloss.zoneMemory=512m -Dloss.heap=768m -Dloss.boundSeconds=180}. Prints the counts and the warm-up rate; on a stall
 * writes every live node's jstack next to its log and fails.
 */
@Timeout(value = 60, unit = TimeUnit.MINUTES)
class WarmupLossBench {
    @TempDir
    Path dir;

    @Test
    void warmupWithAnEvent() throws Exception {
        WarmupLossScenario s = new WarmupLossScenario();
        s.entries = Integer.getInteger("loss.entries", 200_000);
        s.valueBytes = Integer.getInteger("loss.valueBytes", 470);
        s.event = WarmupLossScenario.Event.valueOf(System.getProperty("loss.event", "KILL"));
        s.victim = Integer.getInteger("loss.victim", 2);
        s.at = Double.parseDouble(System.getProperty("loss.at", "0.25"));
        s.rate = Long.getLong("loss.rate", 0);
        s.zoneMemory = System.getProperty("loss.zoneMemory", "512m");
        s.heap = System.getProperty("loss.heap", "768m");
        s.bound = Duration.ofSeconds(Long.getLong("loss.boundSeconds", 180));
        Path where = System.getProperty("loss.dir") != null ? Path.of(System.getProperty("loss.dir")) : dir;
        WarmupLossScenario.Result r = s.run(where, "warmup-loss-bench-" + ThreadLocalRandom.current().nextInt(1 << 20));
        System.out.println("RESULT " + s.event + " " + r);
        assertTrue(r.ended, "the warm-up did not end within " + s.bound + "; thread dumps: " + r.stuckDumps);
        WarmupLossScenario.assertNoLoss(r);
    }
}
