package dev.hearth.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class WorkloadTest {
    @Test
    void drawsAKeyThenGetOrSetPerOperationAsEveryRunHasAndCountsTheGets() {
        Workload w = new Workload(1000, 100, 0.5);
        SplittableRandom drawn = new SplittableRandom(42);
        SplittableRandom byHand = new SplittableRandom(42);
        int[] keys = new int[64];
        boolean[] gets = new boolean[64];
        int g = w.draw(drawn, keys, gets, 64);
        int expectedGets = 0;
        for (int i = 0; i < 64; i++) {
            assertEquals(byHand.nextInt(1000), keys[i], "key " + i);
            boolean get = byHand.nextDouble() < 0.5;
            assertEquals(get, gets[i], "kind " + i);
            expectedGets += get ? 1 : 0;
        }
        assertEquals(expectedGets, g);
        assertEquals(true, g > 0 && g < 64, "a 50% get ratio over 64 draws gave " + g + " gets");
    }
}
