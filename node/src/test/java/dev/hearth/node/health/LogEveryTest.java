package dev.hearth.node.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class LogEveryTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final LogEvery gate = new LogEvery(Duration.ofNanos(100), now::get);

    @Test
    void firstLinePassesThenOnePerInterval() {
        assertTrue(gate.allow("a"));
        assertFalse(gate.allow("a"));
        now.addAndGet(99);
        assertFalse(gate.allow("a"));
        now.addAndGet(1);
        assertTrue(gate.allow("a"));
        assertFalse(gate.allow("a"));
    }

    @Test
    void keysAreIndependent() {
        assertTrue(gate.allow("a"));
        assertTrue(gate.allow("b"));
        assertFalse(gate.allow("a"));
        assertFalse(gate.allow("b"));
    }

    @Test
    void ofConcurrentCallersOneGetsTheLine() {
        long passed = IntStream.range(0, 10_000).parallel().filter(i -> gate.allow("a")).count();
        assertEquals(1, passed);
    }

    @Test
    void refusesAnIntervalThatIsNotPositive() {
        assertThrows(IllegalArgumentException.class, () -> new LogEvery(Duration.ZERO));
    }
}
