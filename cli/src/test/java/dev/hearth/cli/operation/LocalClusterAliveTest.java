package dev.hearth.cli.operation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** How `hearthctl local` tells a recorded process from another that reuses its pid. */
@Timeout(30)
class LocalClusterAliveTest {
    private static final long HOUR = TimeUnit.HOURS.toMillis(1);

    @Test
    void aRecordedProcessStaysItselfWhenTheWallClockIsSteppedAndAnotherStartIsNotIt() {
        long pid = ProcessHandle.current().pid();
        long ticks = LocalCluster.startTicks(pid);
        assumeTrue(ticks > 0, "no /proc here");
        long startedAt = LocalCluster.startMillis(ProcessHandle.current());
        assertTrue(LocalCluster.alive(pid, startedAt, ticks));
        // The start instant read after the wall clock moved by an hour: the ticks since boot still match.
        assertTrue(LocalCluster.alive(pid, startedAt - HOUR, ticks));
        // The same pid with another start: another process.
        assertFalse(LocalCluster.alive(pid, startedAt, ticks + 1));
    }

    @Test
    void withoutTicksTheStartInstantDecidesWithinTwoSeconds() {
        long pid = ProcessHandle.current().pid();
        long startedAt = LocalCluster.startMillis(ProcessHandle.current());
        assertTrue(LocalCluster.alive(pid, startedAt + 1_000, 0));
        assertFalse(LocalCluster.alive(pid, startedAt - HOUR, 0));
        assertTrue(LocalCluster.alive(pid, 0, 0), "nothing recorded to compare with");
    }

    @Test
    void anEndedProcessIsNotAlive() throws Exception {
        Process p = new ProcessBuilder("true").start();
        long pid = p.pid();
        assertEquals(0, p.waitFor());
        assertFalse(LocalCluster.alive(pid, 0, 0));
        assertFalse(LocalCluster.alive(0, 0, 0));
        assertEquals(0, LocalCluster.startTicks(-1));
    }
}
