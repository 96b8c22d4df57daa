package dev.hearth.node.ignite;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The warm-up receiver's in-flight inserts stay within a quarter of the cache's async permits (issue #5). */
@Timeout(60)
class InsertWindowTest {
    @Test
    void allStreamerThreadsTogetherTakeAtMostAQuarterOfThePermits() {
        assertEquals(15, IgniteDumpSupport.window(500, 8), "Ignite's defaults: 120 of 500 permits");
        assertEquals(3, IgniteDumpSupport.window(500, 32), "a 32-core host: 96 of 500");
        assertEquals(1, IgniteDumpSupport.window(500, 1000), "never 0: the receiver must make progress");
        assertEquals(16, IgniteDumpSupport.window(100_000, 8), "never more than 16 per call");
        assertEquals(16, IgniteDumpSupport.window(0, 8), "0 = unlimited permits");
    }
}
