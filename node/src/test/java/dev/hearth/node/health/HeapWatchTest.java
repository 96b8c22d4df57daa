package dev.hearth.node.health;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The watch on this test's own JVM: with a threshold below what the old generation holds, the JVM's notification
 * after the next collection reaches the callback once, with the figures. (HeapExhaustionIT shows a real node out of
 * heap: a getAll's spike ends the JVM before a collection can report.)
 */
@Timeout(60)
class HeapWatchTest {
    @Test
    void theOldGenerationPastTheThresholdAfterACollectionIsReportedOnceWithTheFigures() {
        List<String> reports = new CopyOnWriteArrayList<>();
        HeapWatch watch = new HeapWatch(0.000001, reports::add);
        try {
            assumeTrue(watch.watching(), "this JVM's collector has no old generation pool");
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                // A full collection is what the watch waits for: the test cannot wait for one to come on its own.
                System.gc();
                return !reports.isEmpty();
            });
            System.gc();
            assertTrue(reports.size() == 1, "once: " + reports);
            assertTrue(reports.get(0).matches("heap exhausted: .*(Old|Tenured).* holds \\d+ of \\d+ bytes \\(\\d+%\\) "
                    + "after a collection \\(memory.heap; more than 0%\\)"), reports.get(0));
        } finally {
            watch.close();
            // The threshold is the JVM's: put back what a node in this JVM sets.
            new HeapWatch(0.95, r -> { }).close();
        }
    }
}
