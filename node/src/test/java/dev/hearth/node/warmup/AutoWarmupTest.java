package dev.hearth.node.warmup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The warm-up window runs from when the cluster formed; a cluster that cannot say when opens none. */
@Timeout(30)
class AutoWarmupTest {
    private static final long FORMED = 1_800_000_000_000L;

    @Test
    void theWindowRunsFromWhenTheClusterFormed() {
        assertEquals(FORMED + AutoWarmup.WINDOW_LENGTH.toMillis(), AutoWarmup.windowEnd(FORMED));
        assertEquals(0, AutoWarmup.windowEnd(0), "no formation time (the forming node left): no window");
    }
}
