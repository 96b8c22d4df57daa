package dev.hearth.wire.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RefillTest {
    @Test
    void progressRateAndEtaByBytesWhenEntriesAreNotKnown() {
        Refill r = Refill.of("local copy", "test", "running", 1000, -1, 25L << 20, 100L << 20, 0, 5000, 0);
        assertEquals(0.25, r.fraction(), 1e-9);
        assertEquals((25L << 20) / 5, r.bytesPerSecond());
        assertEquals(15, r.etaSeconds(), "a quarter in 5 s leaves three quarters: 15 s");
    }

    @Test
    void progressByEntriesWhenTheirTotalIsKnown() {
        Refill r = Refill.of("dump d1", "warm-up", "running", 750, 1000, 1 << 20, -1, 0, 3000, 500);
        assertEquals(0.75, r.fraction(), 1e-9);
        assertEquals(1, r.etaSeconds());
        assertEquals(500, r.rateLimit());
    }

    @Test
    void nothingKnownYetAndFinished() {
        assertEquals(-1, Refill.of("local copy", "t", "running", 0, -1, 0, -1, 0, 0, 0).etaSeconds());
        Refill done = Refill.of("local copy", "t", "complete", 10, -1, 100, 100, 0, 10, 0);
        assertEquals(1.0, done.fraction(), 1e-9);
        assertEquals(-1, done.etaSeconds(), "no ETA once finished");
        assertEquals(1.0, Refill.of("local copy", "t", "complete", 0, -1, 0, 0, 0, 1, 0).fraction(), 1e-9,
                "an empty copy is done");
    }

    @Test
    void theRunningOneIsReportedElseTheLatest() {
        Refill copyDone = Refill.of("local copy", "t", "complete", 1, -1, 1, 1, 100, 1, 0);
        Refill dumpRunning = Refill.of("dump d", "t", "running", 1, 2, 1, -1, 50, 1, 0);
        Refill dumpDone = Refill.of("dump d", "t", "complete", 2, 2, 2, -1, 200, 1, 0);
        assertSame(dumpRunning, Refill.current(copyDone, dumpRunning));
        assertSame(dumpDone, Refill.current(copyDone, dumpDone));
        assertSame(copyDone, Refill.current(copyDone, null));
        assertNull(Refill.current(null, null));
    }
}
