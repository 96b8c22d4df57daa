package dev.hearth.node.ignite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.CacheException;
import org.apache.ignite.cluster.ClusterTopologyException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class StartupRetryTest {
    /** The message Ignite's affinity cache throws when an exchange merge skipped the operation's version. */
    private static RuntimeException outOfHistory() {
        return new CacheException(new IllegalStateException("Getting affinity for too old topology version that is "
                + "already out of history (try to increase 'IGNITE_AFFINITY_HISTORY_SIZE' system property)"));
    }

    @Test
    void aTopologyRaceIsTriedAgainUntilTheStepSucceeds() {
        AtomicInteger calls = new AtomicInteger();
        String result = StartupRetry.run("step", 5, 1, () -> {
            if (calls.incrementAndGet() < 3) {
                throw calls.get() == 1 ? outOfHistory() : new ClusterTopologyException("node left");
            }
            return "done";
        });
        assertEquals("done", result);
        assertEquals(3, calls.get());
    }

    @Test
    void anyOtherFailureIsThrownAtOnce() {
        AtomicInteger calls = new AtomicInteger();
        IllegalArgumentException bad = new IllegalArgumentException("bad placement");
        RuntimeException thrown = assertThrows(IllegalArgumentException.class, () -> StartupRetry.run("step", 5, 1,
                () -> {
                    calls.incrementAndGet();
                    throw bad;
                }));
        assertSame(bad, thrown);
        assertEquals(1, calls.get());
    }

    @Test
    void theLastAttemptsFailureIsThrown() {
        AtomicInteger calls = new AtomicInteger();
        assertThrows(CacheException.class, () -> StartupRetry.run("step", 3, 1, () -> {
            calls.incrementAndGet();
            throw outOfHistory();
        }));
        assertEquals(3, calls.get());
    }
}
