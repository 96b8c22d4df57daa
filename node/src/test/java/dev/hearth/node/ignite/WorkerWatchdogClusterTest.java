package dev.hearth.node.ignite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.node.HearthNode;
import dev.hearth.node.TestNodes;
import dev.hearth.testing.FreePorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ignite.IgniteState;
import org.apache.ignite.Ignition;
import org.apache.ignite.ShutdownPolicy;
import org.apache.ignite.internal.IgniteEx;
import org.apache.ignite.internal.IgnitionEx;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The blocked-worker watch: on a clock the test moves (a worker that stays in one task, one waiting for work, a
 * pause of the whole process), then on a real node whose striped-pool thread is held on purpose.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class WorkerWatchdogClusterTest {
    static final Duration BOUND = Duration.ofSeconds(10);

    final AtomicLong now = new AtomicLong(1_000_000);
    final List<WorkerWatchdog.Worker> workers = new ArrayList<>();
    final List<String> reported = new ArrayList<>();
    final WorkerWatchdog watchdog = new WorkerWatchdog(() -> workers, BOUND, now::get,
            (w, ms) -> reported.add(w.name() + "@" + ms));

    /** Checks once a second for {@code seconds}. */
    void run(int seconds) {
        for (int i = 0; i < seconds; i++) {
            now.addAndGet(1000);
            watchdog.check();
        }
    }

    @Test
    void aWorkerInsideOneTaskLongerThanTheBoundIsReportedOnce() {
        watchdog.check();
        workers.add(new WorkerWatchdog.Worker("sys-stripe-0", now.get(), null));
        run(10);
        assertEquals(List.of(), reported, "not yet past the bound");
        run(1);
        assertEquals(List.of("sys-stripe-0@11000"), reported);
        run(30);
        assertEquals(1, reported.size(), "reported once");
    }

    @Test
    void aWorkerWaitingForWorkOrBeatingIsNeverReported() {
        workers.add(new WorkerWatchdog.Worker("idle", Long.MAX_VALUE, null));
        for (int i = 0; i < 60; i++) {
            now.addAndGet(1000);
            workers.removeIf(w -> w.name().equals("busy"));
            workers.add(new WorkerWatchdog.Worker("busy", now.get() - 500, null));
            watchdog.check();
        }
        assertEquals(List.of(), reported);
    }

    @Test
    void aPauseOfTheWholeProcessIsNotCountedAgainstAnyWorker() {
        run(20);
        workers.add(new WorkerWatchdog.Worker("sys-stripe-1", now.get(), null));
        run(2);
        // SIGSTOP for 70 s: afterwards the worker's heartbeat is 72 s old, though it ran for 2 s of them.
        now.addAndGet(70_000);
        assertNull(watchdog.check());
        run(5);
        assertEquals(List.of(), reported, "its heartbeat is old only because nothing ran");
        run(6);
        assertEquals(1, reported.size(), "still inside the same task a full bound after the pause: blocked");
    }

    @Test
    void aBoundWithinThePauseAllowanceIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> new WorkerWatchdog(List::of, Duration.ofSeconds(3), now::get, (w, ms) -> { }));
    }

    @TempDir
    Path dir;

    @Test
    void aNodeWhoseStripeHangsReportsItselfFailedForItsSupervisor() throws Exception {
        int[] disco = FreePorts.several(1);
        HearthNode node = HearthNode.start(TestNodes.config("watchdog", 0, disco, dir,
                "cluster.workerBlockedTimeout=5s", "localCopy.enabled=false"), null);
        CountDownLatch release = new CountDownLatch(1);
        try {
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> node.status().readiness().ready());
            assertFalse(node.failed());
            long t0 = System.nanoTime();
            ((IgniteEx) node.ignite()).context().pools().getStripedExecutorService().execute(0, () -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(node::failed);
            long afterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(afterMs >= 5_000, "failed only after the bound: " + afterMs + " ms");
        } finally {
            release.countDown();
            node.stopGracefully();
            // A failed node leaves Ignite to its process's exit; in this JVM it would run on beside the later tests.
            if (Ignition.state(node.ignite().name()) == IgniteState.STARTED) {
                IgnitionEx.stop(node.ignite().name(), true, ShutdownPolicy.IMMEDIATE, false);
            }
        }
    }
}
