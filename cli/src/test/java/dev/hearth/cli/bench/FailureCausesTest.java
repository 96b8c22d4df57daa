package dev.hearth.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hearth.client.CircuitOpenException;
import dev.hearth.client.HearthTimeoutException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a bench run's FAILED count was made of. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FailureCausesTest {
    @Test
    void countsByClassMostFrequentFirstAndOnlyWhileCounting() {
        FailureCauses c = new FailureCauses();
        c.record(new IllegalStateException("warm-up: not the run's"));
        c.counting(true);
        c.record(new HearthTimeoutException("late"));
        for (int i = 0; i < 3; i++) {
            c.record(new CircuitOpenException("open " + i));
        }
        c.record(new IllegalStateException("x"));
        c.counting(false);
        c.record(new HearthTimeoutException("after the window"));
        assertEquals("CircuitOpenException=3, HearthTimeoutException=1, IllegalStateException=1", c.summary());
        c.clear();
        assertEquals("", c.summary());
    }
}
