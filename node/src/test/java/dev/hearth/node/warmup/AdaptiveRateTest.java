package dev.hearth.node.warmup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The refill's rate on a clock of the test's own: it drops by a quarter while reads are slow and grows back when they
 * are not.
 */
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

    /**
     * Latency the test sets, what the rate sees once per window: {@code quiet} while the rate sends nothing (the
     * reads on their own), {@code worst} while it sends.
     */
    private static final class Reads implements AdaptiveRate.Latency {
        long worst = -1;
        long quiet = -1;
        AdaptiveRate rate;
        boolean closed;

        @Override
        public long worstNanos() {
            return rate != null && rate.quiet() ? quiet : worst;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private static AdaptiveRate paced(long ceiling, Reads reads, Clock clock) {
        AdaptiveRate rate = new AdaptiveRate(ceiling, 10 * MS, reads, () -> clock.now, clock::park);
        reads.rate = rate;
        return rate;
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
    void readsTheRefillSlowsLowerTheRateDownToTheFloorAndFastOnesGrowItBack() {
        Clock clock = new Clock();
        Reads reads = new Reads();
        reads.quiet = 2 * MS;
        AdaptiveRate rate = paced(0, reads, clock);
        assertEquals(AdaptiveRate.START, rate.limit());

        reads.worst = 50 * MS;
        sendFor(rate, clock, 2 * AdaptiveRate.WINDOW + MS); // the quiet first window, then one that sends
        assertEquals(2 * MS, rate.baselineNanos(), "the first window measures reads without the refill");
        assertEquals(AdaptiveRate.START - AdaptiveRate.START / 4, rate.limit());
        sendFor(rate, clock, 30 * AdaptiveRate.WINDOW);
        assertEquals(AdaptiveRate.FLOOR, rate.limit(), "never below the floor: a refill always ends");

        reads.worst = 2 * MS;
        long before = rate.limit();
        sendFor(rate, clock, 6 * AdaptiveRate.WINDOW); // at least 5 windows that send
        assertTrue(rate.limit() > before * 2, "grows by a quarter per window while used: " + rate.limit());

        rate.close();
        assertTrue(reads.closed, "closing the rate ends its probe");
    }

    /** Reads slow with or without the refill (a busy machine): the refill is not the cause and does not yield. */
    @Test
    void readsSlowWithoutTheRefillDoNotHoldItBack() {
        Clock clock = new Clock();
        Reads reads = new Reads();
        reads.quiet = 40 * MS;
        reads.worst = 45 * MS;
        AdaptiveRate rate = paced(0, reads, clock);
        sendFor(rate, clock, 20 * AdaptiveRate.WINDOW);
        assertTrue(rate.limit() > AdaptiveRate.START * 4, "grew: " + rate.limit());
        reads.worst = 80 * MS; // now the refill adds 40 ms: it yields
        long before = rate.limit();
        sendFor(rate, clock, 3 * AdaptiveRate.WINDOW);
        assertTrue(rate.limit() <= before / 2, before + " -> " + rate.limit());
    }

    /** One window in QUIET_EVERY + 1 sends nothing; the others send at the limit. */
    @Test
    void quietWindowsCostOneWindowInNine() {
        Clock clock = new Clock();
        Reads reads = new Reads();
        reads.quiet = MS;
        reads.worst = 50 * MS; // drops every sending window down to the floor, where the limit stays
        AdaptiveRate rate = paced(0, reads, clock);
        sendFor(rate, clock, 40 * AdaptiveRate.WINDOW);
        assertEquals(AdaptiveRate.FLOOR, rate.limit());
        long windows = 90;
        long sent = sendFor(rate, clock, windows * AdaptiveRate.WINDOW);
        long expected = AdaptiveRate.FLOOR * windows * AdaptiveRate.WINDOW / 1_000_000_000L
                * AdaptiveRate.QUIET_EVERY / (AdaptiveRate.QUIET_EVERY + 1);
        assertEquals(expected, sent, expected / 20.0);
    }

    @Test
    void growthStopsAtTheCeiling() {
        Clock clock = new Clock();
        Reads reads = new Reads();
        reads.worst = MS;
        reads.quiet = MS;
        AdaptiveRate rate = paced(30_000, reads, clock);
        sendFor(rate, clock, 40 * AdaptiveRate.WINDOW);
        assertEquals(30_000, rate.limit());
    }

    /** A refill held back by something else (disk, acknowledgements) must not raise a limit it does not use. */
    @Test
    void anUnusedLimitDoesNotGrow() {
        Clock clock = new Clock();
        Reads reads = new Reads();
        reads.worst = MS;
        reads.quiet = MS;
        AdaptiveRate rate = paced(0, reads, clock);
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
