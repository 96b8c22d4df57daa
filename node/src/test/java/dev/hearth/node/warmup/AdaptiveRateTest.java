package dev.hearth.node.warmup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The refill's rate on a clock of the test's own: it halves while reads are slow and grows back when they are not. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AdaptiveRateTest {
    private static final long MS = 1_000_000L;

    /** A clock that moves only when the rate parks, or when the test says. */
    private static final class Clock {
        long now = 1_000_000_000L;
        long parked;

        void park(long nanos) {
            now += nanos;
            parked += nanos;
        }
    }

    /** Latency the test sets; what the rate sees once per window. */
    private static final class Reads implements AdaptiveRate.Latency {
        long worst = -1;
        boolean closed;

        @Override
        public long worstNanos() {
            return worst;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /** Sends entries for {@code nanos} of the fake clock, one at a time as the refill does. */
    private static long sendFor(AdaptiveRate rate, Clock clock, long nanos) {
        long end = clock.now + nanos;
        long sent = 0;
        while (clock.now < end) {
            rate.acquire(1);
            sent++;
        }
        return sent;
    }

    @Test
    void holdsToTheCeilingWithoutATarget() {
        Clock clock = new Clock();
        AdaptiveRate rate = new AdaptiveRate(1000, 0, AdaptiveRate.Latency.NONE, () -> clock.now, clock::park);
        long sent = sendFor(rate, clock, 2_000 * MS);
        assertEquals(2000, sent, 2);
        assertEquals(1000, rate.limit());
    }

    @Test
    void noCeilingAndNoTargetNeverWaits() {
        Clock clock = new Clock();
        AdaptiveRate rate = new AdaptiveRate(0, 0, AdaptiveRate.Latency.NONE, () -> clock.now, clock::park);
        for (int i = 0; i < 100_000; i++) {
            rate.acquire(1);
        }
        assertEquals(0, clock.parked);
        assertEquals(0, rate.limit());
    }

    @Test
    void slowReadsHalveTheRateDownToTheFloorAndFastOnesGrowItBack() {
        Clock clock = new Clock();
        Reads reads = new Reads();
        AdaptiveRate rate = new AdaptiveRate(0, 10 * MS, reads, () -> clock.now, clock::park);
        assertEquals(AdaptiveRate.START, rate.limit());

        reads.worst = 50 * MS;
        sendFor(rate, clock, AdaptiveRate.WINDOW + MS);
        assertEquals(AdaptiveRate.START / 2, rate.limit());
        sendFor(rate, clock, 20 * AdaptiveRate.WINDOW);
        assertEquals(AdaptiveRate.FLOOR, rate.limit(), "never below the floor: a refill always ends");

        reads.worst = 2 * MS;
        long before = rate.limit();
        sendFor(rate, clock, 4 * AdaptiveRate.WINDOW);
        assertTrue(rate.limit() > before * 2, "grows by a quarter per window while used: " + rate.limit());

        rate.close();
        assertTrue(reads.closed, "closing the rate ends its probe");
    }

    @Test
    void growthStopsAtTheCeiling() {
        Clock clock = new Clock();
        Reads reads = new Reads();
        reads.worst = MS;
        AdaptiveRate rate = new AdaptiveRate(30_000, 10 * MS, reads, () -> clock.now, clock::park);
        sendFor(rate, clock, 40 * AdaptiveRate.WINDOW);
        assertEquals(30_000, rate.limit());
    }

    /** A refill held back by something else (disk, acknowledgements) must not raise a limit it does not use. */
    @Test
    void anUnusedLimitDoesNotGrow() {
        Clock clock = new Clock();
        Reads reads = new Reads();
        reads.worst = MS;
        AdaptiveRate rate = new AdaptiveRate(0, 10 * MS, reads, () -> clock.now, clock::park);
        for (int i = 0; i < 40; i++) {
            rate.acquire(1);
            clock.now += AdaptiveRate.WINDOW / 4; // one entry per 62 ms: far below 20,000/s
        }
        assertEquals(AdaptiveRate.START, rate.limit());
    }

    @Test
    void refusesNegativeSettings() {
        assertThrows(IllegalArgumentException.class,
                () -> new AdaptiveRate(-1, 0, AdaptiveRate.Latency.NONE, System::nanoTime, n -> { }));
        assertThrows(IllegalArgumentException.class,
                () -> new AdaptiveRate(0, -1, AdaptiveRate.Latency.NONE, System::nanoTime, n -> { }));
    }
}
