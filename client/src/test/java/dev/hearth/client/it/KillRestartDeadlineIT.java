package dev.hearth.client.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.client.ClientStats;
import dev.hearth.client.Codec;
import dev.hearth.client.HearthClient;
import dev.hearth.client.TenantCache;
import dev.hearth.client.testing.CallBook;
import dev.hearth.client.testing.ProcessCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue #13's hang, exactly: 16 writers with a 1 s deadline write distinct keys; one node gets kill -9 and is started
 * again on its data dir, as its supervisor would, while they write; then they go on for a while. Before the fix every
 * writer sat in Ignite's blocking {@code TcpClientChannel.receive} for over a minute after the restart.
 *
 * <p>Run as built by default in {@code verify} (puts sent from the caller's thread, which must leave them to the io
 * threads while the killed node's connection is closed and while the partition map is stale: the kill and the return
 * each change the topology), and with {@code sendFromCaller(false)} (every call from an io thread) in
 * {@code -Pextended}.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class KillRestartDeadlineIT {
    private static final Duration DEADLINE = Duration.ofSeconds(1);
    private static final long BOUND_NANOS = DEADLINE.toNanos() + TimeUnit.MILLISECONDS.toNanos(20);
    private static final int WRITERS = 16;
    /** How long the writers go on after the restarted node is ready: the hang began in this window. */
    private static final Duration AFTER_RESTART = Duration.ofSeconds(15);
    /** Progress is required in this last part of the run. */
    private static final int LAST_SECONDS = 5;

    @Test
    void writersKeepTheirDeadlineAndProgressThroughKillAndRestart() throws Exception {
        run(true);
    }

    /**
     * With {@code sendFromCaller(false)}, every call handed to an io thread: the same scenario, in {@code
     * -Pextended} (CI time; the default path is in verify).
     */
    @Test
    @Tag("extended")
    void writersKeepTheirDeadlineAndProgressThroughKillAndRestartThroughIoThreads() throws Exception {
        run(false);
    }

    private static void run(boolean sendFromCaller) throws Exception {
        try (ProcessCluster cluster = ProcessCluster.start(3, Path.of("target/it-kill-restart-" + sendFromCaller));
                HearthClient client = HearthClient.builder().addresses(cluster.thinClientAddresses())
                        .timeout(DEADLINE).sendFromCaller(sendFromCaller).build()) {
            TenantCache<String> cache = client.tenant("writers", Codec.utf8());
            CallBook book = new CallBook(WRITERS, BOUND_NANOS, DEADLINE.toNanos() + TimeUnit.SECONDS.toNanos(2));
            AtomicBoolean stop = new AtomicBoolean();
            List<ConcurrentLinkedQueue<String>> acked = new ArrayList<>();
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int id = w;
                ConcurrentLinkedQueue<String> mine = new ConcurrentLinkedQueue<>();
                acked.add(mine);
                Thread t = new Thread(() -> {
                    for (long seq = 0; !stop.get(); seq++) {
                        String key = "w" + id + "-" + seq;
                        long start = book.begin(id);
                        try {
                            cache.put(key, key);
                            book.end(id, start, null);
                            mine.add(key);
                            book.pause(CallBook.SUCCESS_PAUSE_NANOS);
                        } catch (RuntimeException e) {
                            book.end(id, start, e);
                            // An API server answers its caller and takes the next request; it does not spin. Spinning
                            // on the open circuit's microsecond rejections starved this 2-core machine of CPU.
                            book.pause(CallBook.FAILURE_PAUSE_NANOS);
                        }
                    }
                }, "writer-" + w);
                t.setDaemon(true);
                t.start();
                writers.add(t);
            }
            Thread watch = watcher(book, stop);
            book.startCanary(stop);

            // The writers' steady state before the kill: every one of them has been writing for a while.
            await("the writers' steady state").atMost(Duration.ofSeconds(60))
                    .until(() -> book.ok() >= WRITERS * 50L);
            long beforeKill = book.ok();
            cluster.kill(1);
            Thread.sleep(1000); // the supervisor's restart delay
            cluster.startNode(1);
            cluster.awaitReady(1);
            int readyAt = book.secondsNow();
            long atReady = book.ok();
            Thread.sleep(AFTER_RESTART.toMillis());
            int endAt = book.secondsNow();
            long inFlightAtEnd = book.worstInFlightNanos();
            stop.set(true);
            for (Thread t : writers) {
                t.join(DEADLINE.toMillis() + 5000);
            }
            watch.interrupt();
            long stuck = writers.stream().filter(Thread::isAlive).count();
            long lastWindow = book.okBetween(endAt - LAST_SECONDS, endAt);
            System.out.printf("[KillRestartDeadlineIT] %s; %d ok before the kill, %d from kill to ready, %d after "
                    + "ready, %d in the last %d s; worst call in flight at the end %.1f ms; %d writers stuck%n",
                    book.summary(), beforeKill, atReady - beforeKill, book.ok() - atReady, lastWindow, LAST_SECONDS,
                    inFlightAtEnd / 1e6, stuck);
            ClientStats stats = client.stats();
            System.out.println("[KillRestartDeadlineIT] sendFromCaller=" + sendFromCaller + ", client stats: " + stats);

            // Every acknowledged write is there (the restarted node is empty and rebalanced from the survivors).
            TenantCache<String> reader = cache.withTimeout(Duration.ofSeconds(10));
            long ackedCount = 0;
            long lost = 0;
            for (ConcurrentLinkedQueue<String> q : acked) {
                List<String> batch = new ArrayList<>();
                for (String k : q) {
                    batch.add(k);
                    if (batch.size() == 500) {
                        lost += missing(reader, batch);
                        ackedCount += batch.size();
                        batch.clear();
                    }
                }
                lost += missing(reader, batch);
                ackedCount += batch.size();
            }
            System.out.printf("[KillRestartDeadlineIT] %d acknowledged writes, %d lost; ready at %d s%n", ackedCount,
                    lost, readyAt);

            assertEquals(0, stuck, "writers still in a call " + (DEADLINE.toMillis() + 5000) + " ms after stop");
            // Over deadline + 20 ms by more than the machine's own scheduling delay at that moment: the client's doing.
            // (The raw count is reported: on an idle machine the two are the same.)
            assertEquals(0, book.overBoundBeyondStall(), () -> "calls longer than deadline + 20 ms: " + book.summary());
            assertTrue(inFlightAtEnd <= BOUND_NANOS, "a call was in flight longer than the bound at the end");
            assertTrue(lastWindow > 0, "no write succeeded in the last " + LAST_SECONDS + " s: " + book.summary());
            assertEquals(0, lost, "acknowledged writes lost");
            if (sendFromCaller) {
                assertTrue(stats.sentFromCaller() > book.ok() / 2, "most writes sent from their caller's thread: "
                        + stats.sentFromCaller() + " of " + book.ok());
            } else {
                assertEquals(0, stats.sentFromCaller(), "sent from the caller's thread without sendFromCaller");
            }
        }
    }

    private static long missing(TenantCache<String> reader, List<String> keys) {
        if (keys.isEmpty()) {
            return 0;
        }
        Map<String, String> got = reader.getAll(keys);
        return keys.stream().filter(k -> !k.equals(got.get(k))).count();
    }

    /** Samples the calls in flight, so that one that never returns still shows (and dumps the threads once). */
    private static Thread watcher(CallBook book, AtomicBoolean stop) {
        Thread t = new Thread(() -> {
            while (!stop.get() && !Thread.currentThread().isInterrupted()) {
                book.worstInFlightNanos();
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "in-flight-watch");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
