package dev.hearth.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class VersionClockTest {
    @Test
    void versionsStrictlyIncreaseAndCarryTheirTimeAndSalt() {
        VersionClock clock = new VersionClock(5);
        long before = System.currentTimeMillis();
        long prev = 0;
        for (int i = 0; i < 100_000; i++) {
            long v = clock.next();
            assertTrue(v > prev);
            prev = v;
        }
        long at = VersionClock.millisOf(prev);
        // 100,000 versions can borrow up to 25 ms ahead (4,096 per millisecond).
        assertTrue(at >= before && at <= System.currentTimeMillis() + 30, "millisOf " + at);
        assertEquals(5L, (prev >>> 12) & 0x3ff, "salt bits");
    }
}
