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
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A fourth node joins a 3-node cluster while 8 readers and 8 writers run with a 1 s deadline: the join changes the
 * topology (the client's first call after it fetches the new partition map, a blocking request inside Ignite) and
 * moves partitions. Every call returns within the bound; reads of acknowledged keys never miss. Run as built by
 * default in {@code verify} (gets and puts sent from the caller's thread, which must leave the calls that would fetch
 * the new partition map to the io threads), and with {@code sendFromCaller(false)} in {@code -Pextended}.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class NodeJoinDeadlineIT {
    private static final Duration DEADLINE = Duration.ofSeconds(1);
    private static final long BOUND_NANOS = DEADLINE.toNanos() + TimeUnit.MILLISECONDS.toNanos(20);
    private static final int KEYS = 2000;
    private static final int THREADS = 16;

    @Test
    void callsKeepTheirDeadlineWhileANodeJoins() throws Exception {
        run(true);
    }

    /**
     * With {@code sendFromCaller(false)}, every call handed to an io thread: the same scenario, in {@code
     * -Pextended} (CI time; the default path is in verify).
     */
    @Test
    @Tag("extended")
    void callsKeepTheirDeadlineWhileANodeJoinsThroughIoThreads() throws Exception {
        run(false);
    }

    private static void run(boolean sendFromCaller) throws Exception {
        try (ProcessCluster cluster = ProcessCluster.start(4, 3, Path.of("target/it-node-join-" + sendFromCaller),
                List.of());
                HearthClient client = HearthClient.builder().addresses(cluster.thinClientAddresses())
                        .timeout(DEADLINE).sendFromCaller(sendFromCaller).build()) {
            TenantCache<String> cache = client.tenant("joining", Codec.utf8());
            TenantCache<String> slow = cache.withTimeout(Duration.ofSeconds(10));
            for (int i = 0; i < KEYS; i++) {
                slow.put("k" + i, "v" + i);
            }
            CallBook book = new CallBook(THREADS, BOUND_NANOS, BOUND_NANOS + TimeUnit.SECONDS.toNanos(2));
            AtomicBoolean stop = new AtomicBoolean();
            LongAdder misses = new LongAdder();
            ConcurrentLinkedQueue<String> acked = new ConcurrentLinkedQueue<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int id = t;
                boolean writer = t % 2 == 1;
                Thread th = new Thread(() -> {
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    for (long seq = 0; !stop.get(); seq++) {
                        long start = book.begin(id);
                        try {
                            if (writer) {
                                String k = "w" + id + "-" + seq;
                                cache.put(k, k);
                                acked.add(k);
                            } else {
                                int k = rnd.nextInt(KEYS);
                                if (!("v" + k).equals(cache.get("k" + k))) {
                                    misses.increment();
                                }
                            }
                            book.end(id, start, null);
                            book.pause(CallBook.SUCCESS_PAUSE_NANOS);
                        } catch (RuntimeException e) {
                            book.end(id, start, e);
                            book.pause(CallBook.FAILURE_PAUSE_NANOS); // no spinning on failures
                        }
                    }
                }, (writer ? "writer-" : "reader-") + t);
                th.setDaemon(true);
                th.start();
                threads.add(th);
            }
            book.startCanary(stop);
            await("the callers' steady state").atMost(Duration.ofSeconds(60))
                    .until(() -> book.ok() >= THREADS * 50L);
            cluster.startNode(3);
            cluster.awaitReady(3);
            int readyAt = book.secondsNow();
            Thread.sleep(8000);
            long inFlightAtEnd = book.worstInFlightNanos();
            stop.set(true);
            for (Thread t : threads) {
                t.join(DEADLINE.toMillis() + 5000);
            }
            long stuck = threads.stream().filter(Thread::isAlive).count();
            long lost = 0;
            List<String> all = new ArrayList<>(acked);
            for (int i = 0; i < all.size(); i += 500) {
                List<String> batch = all.subList(i, Math.min(all.size(), i + 500));
                Map<String, String> got = slow.getAll(batch);
                lost += batch.stream().filter(k -> !k.equals(got.get(k))).count();
            }
            System.out.printf("[NodeJoinDeadlineIT] %s; misses %d; joined (ready) at %d s; %d acknowledged writes, %d "
                    + "lost; %d stuck%n", book.summary(), misses.sum(), readyAt, all.size(), lost, stuck);
            ClientStats stats = client.stats();
            System.out.println("[NodeJoinDeadlineIT] sendFromCaller=" + sendFromCaller + ", client stats: " + stats);
            assertEquals(0, stuck, "threads still in a call after stop");
            assertEquals(0, book.overBoundBeyondStall(), () -> "calls over deadline + 20 ms: " + book.summary());
            assertTrue(inFlightAtEnd <= BOUND_NANOS, "a call in flight longer than the bound at the end");
            assertEquals(0, misses.sum(), "reads of acknowledged keys that missed");
            assertEquals(0, lost, "acknowledged writes lost");
            assertEquals(sendFromCaller, stats.sentFromCaller() > 0, "calls sent from their caller's thread: "
                    + stats.sentFromCaller());
        }
    }
}
