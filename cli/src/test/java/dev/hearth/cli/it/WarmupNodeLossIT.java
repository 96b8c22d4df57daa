package dev.hearth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #5: a node killed (-9) in the middle of {@code hearthctl warmup}. Three real node processes, backups 1:
 * write, {@code dump create}, lose every node, start them empty, write fresh values over some keys, warm up, and
 * kill -9 one node once it has read a quarter of its dump. Before the fix the survivors' data-streamer threads took
 * every async-operation permit of the cache ({@code GridCacheAdapter.asyncOpAcquire}) and the warm-up crawled or
 * stalled for good; here it must end, with every entry of the survivors' dumps back and right, no fresh write
 * overwritten, exit 1 and a message naming the lost node. Then, as docs/operations.md says, the node is started
 * again and {@code warmup --nodes} it: every entry of every dump is back.
 */
@Timeout(600)
class WarmupNodeLossIT {
    @TempDir
    Path dir;

    @Test
    void survivorsFinishAndTheLostNodeIsReportedWhenANodeIsKilledMidWarmup() throws Exception {
        WarmupLossScenario s = new WarmupLossScenario();
        s.entries = 40_000;
        s.valueBytes = 470;
        s.event = WarmupLossScenario.Event.KILL;
        s.victim = 2;
        s.at = 0.25;
        s.bound = Duration.ofSeconds(45);
        s.finishLostPart = true;
        WarmupLossScenario.Result r = s.run(dir, "warmup-loss-it-" + ThreadLocalRandom.current().nextInt(1 << 20));

        assertTrue(r.ended, "the survivors' warm-up did not end within " + s.bound + " of the kill; thread dumps: "
                + r.stuckDumps);
        r.members.forEach((node, members) -> assertEquals(2, members, node + " should see the 2 survivors: " + r));
        assertEquals(1, r.cli.code(), "a lost node's part is a failed warm-up: " + r.cli);
        assertTrue(r.cli.err().contains("-n2: lost during the warm-up"), "the message names the lost node: " + r.cli);
        assertTrue(r.cli.err().contains(" of " + r.victimTotal + " entries of its dump"),
                "the message says how far the lost node got: " + r.cli);
        assertTrue(r.cli.err().contains("--nodes"), "the message says what to do next: " + r.cli);
        for (var n : r.json.path("nodes")) {
            String expected = n.path("node").asText().endsWith("-n2") ? "unreachable" : "complete";
            assertEquals(expected, n.path("state").asText(), "state of " + n);
        }
        WarmupLossScenario.assertNoLoss(r);

        assertEquals(0, r.finish.code(), "warmup --nodes of the restarted node: " + r.finish);
        assertEquals(0, r.missingAfterFinish, "lost node's dump entries missing after its part was loaded: " + r);
        assertEquals(0, r.wrongAfterFinish, "wrong or overwritten entries after the lost part was loaded: " + r);
        assertEquals(s.entries, r.allEntries, "every written entry is in exactly one node's dump, all checked");
    }
}
