package dev.hearth.client.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.client.ClientStats;
import dev.hearth.client.Codec;
import dev.hearth.client.HearthClient;
import dev.hearth.client.HearthTimeoutException;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node frozen (SIGSTOP) while readers and writers run, for less than the cluster's failure detection (10 s): the
 * window in which the node is still a member, so the cluster routes to it and nothing answers; only the client's
 * read failover keeps reads going. (Past failure detection the node is dropped, the cluster reroutes by itself and
 * the woken node exits for its supervisor: membership, covered by the node's tests.) Reads must all answer, with the
 * acknowledged value, within the deadline; writes to the frozen node's keys fail at their deadline, never later.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class FrozenNodeReadFailoverIT {
    private static final Duration DEADLINE = Duration.ofSeconds(1);
    private static final long BOUND_NANOS = DEADLINE.toNanos() + TimeUnit.MILLISECONDS.toNanos(20);
    private static final Duration FROZEN = Duration.ofMillis(Long.getLong("hearth.it.frozenMs", 7000));
    private static final int KEYS = 3000;
    private static final int READERS = 8;
    /**
     * A write whose primary is live and whose backup is frozen holds one of the primary's thin-client connector
     * threads until the frozen node is dropped (the client gives up at its deadline; the node does not). At Ignite's
     * default of 8 threads, 2 writers held 7 of a live node's 8 by the end of a 7 s freeze, and in 1 run of 5 reads
     * then timed out: a node whose threads are all held answers nothing. The node now runs 64; four writers here
     * would have held every thread of the old pool.
     */
    private static final int WRITERS = 4;

    @Test
    void readsAnswerFromTheBackupWhileAPrimaryIsFrozen() throws Exception {
        try (ProcessCluster cluster = ProcessCluster.start(3, Path.of("target/it-frozen-read"));
                HearthClient client = HearthClient.builder().addresses(cluster.thinClientAddresses())
                        .timeout(DEADLINE).build()) {
            TenantCache<String> cache = client.tenant("frozen", Codec.utf8());
            TenantCache<String> slow = cache.withTimeout(Duration.ofSeconds(10));
            for (int i = 0; i < KEYS; i++) {
                slow.put("k" + i, "v" + i);
            }

            CallBook reads = new CallBook(READERS, BOUND_NANOS, BOUND_NANOS + TimeUnit.SECONDS.toNanos(2));
            CallBook writes = new CallBook(WRITERS, BOUND_NANOS, BOUND_NANOS + TimeUnit.SECONDS.toNanos(2));
            LongAdder misses = new LongAdder();
            LongAdder wrong = new LongAdder();
            LongAdder writeFailuresNotTimeout = new LongAdder();
            ConcurrentLinkedQueue<String> missed = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<String> ackedDuring = new ConcurrentLinkedQueue<>();
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> threads = new ArrayList<>();
            for (int r = 0; r < READERS; r++) {
                int id = r;
                boolean many = r == 0; // one reader uses getAll, the rest get
                threads.add(start("reader-" + r, () -> {
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    while (!stop.get()) {
                        List<String> keys = new ArrayList<>();
                        for (int n = many ? 10 : 1; n > 0; n--) {
                            keys.add("k" + rnd.nextInt(KEYS));
                        }
                        long start = reads.begin(id);
                        try {
                            Map<String, String> got = many ? cache.getAll(keys)
                                    : java.util.Collections.singletonMap(keys.get(0), cache.get(keys.get(0)));
                            reads.end(id, start, null);
                            for (String k : keys) {
                                String v = got.get(k);
                                if (v == null) {
                                    misses.increment();
                                    missed.add(k);
                                } else if (!v.equals("v" + k.substring(1))) {
                                    wrong.increment();
                                }
                            }
                            reads.pause(CallBook.SUCCESS_PAUSE_NANOS);
                        } catch (RuntimeException e) {
                            reads.end(id, start, e);
                            reads.pause(CallBook.FAILURE_PAUSE_NANOS); // no spinning (see KillRestartDeadlineIT)
                        }
                    }
                }));
            }
            for (int w = 0; w < WRITERS; w++) {
                int id = w;
                threads.add(start("writer-" + w, () -> {
                    for (long seq = 0; !stop.get(); seq++) {
                        String k = "x" + id + "-" + seq;
                        long start = writes.begin(id);
                        try {
                            cache.put(k, k);
                            writes.end(id, start, null);
                            ackedDuring.add(k);
                            writes.pause(CallBook.SUCCESS_PAUSE_NANOS);
                        } catch (RuntimeException e) {
                            writes.end(id, start, e);
                            if (!(e instanceof HearthTimeoutException)) {
                                writeFailuresNotTimeout.increment();
                            }
                            writes.pause(CallBook.FAILURE_PAUSE_NANOS);
                        }
                    }
                }));
            }

            reads.startCanary(stop);
            writes.startCanary(stop);
            await("readers' and writers' steady state").atMost(Duration.ofSeconds(60))
                    .until(() -> reads.ok() >= READERS * 50L && writes.ok() >= WRITERS * 20L);
            ClientStats before = client.stats();
            long readsBefore = reads.ok();
            cluster.freeze(1);
            long frozenAt = System.nanoTime();
            boolean dumped = false;
            long lastPrint = 0;
            while (System.nanoTime() - frozenAt < FROZEN.toNanos()) {
                reads.worstInFlightNanos();
                writes.worstInFlightNanos();
                if (System.nanoTime() - lastPrint > TimeUnit.MILLISECONDS.toNanos(500)) {
                    lastPrint = System.nanoTime();
                    ClientStats s = client.stats();
                    System.out.printf("[FrozenNodeReadFailoverIT] +%d ms: reads ok %d failed %d, writes ok %d failed %d;"
                            + " failovers %d answered %d, timeouts %d, rejected %d, circuit %s%n",
                            TimeUnit.NANOSECONDS.toMillis(lastPrint - frozenAt), reads.ok(), reads.failed(),
                            writes.ok(), writes.failed(), s.readFailovers(), s.readFailoverAnswers(), s.timeouts(),
                            s.rejected(), s.circuitState());
                    if (!dumped && reads.failed() > 0) {
                        dumped = true;
                        CallBook.dumpThreads("a read failed while frozen");
                        System.out.println("[FrozenNodeReadFailoverIT] " + cluster.connectorThreads(0) + "; "
                                + cluster.connectorThreads(2));
                    }
                }
                Thread.sleep(50);
            }
            long readsFrozen = reads.ok() - readsBefore;
            System.out.println("[FrozenNodeReadFailoverIT] end of the freeze: " + cluster.connectorThreads(0) + "; "
                    + cluster.connectorThreads(2));
            cluster.resume(1);
            ClientStats afterFreeze = client.stats();
            Thread.sleep(3000);
            stop.set(true);
            for (Thread t : threads) {
                t.join(DEADLINE.toMillis() + 5000);
            }
            long stuck = threads.stream().filter(Thread::isAlive).count();

            // The woken node rejoins, or (had it been dropped) exits for its supervisor: then start it again.
            await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(200)).until(() -> {
                if (!cluster.isReady(1) && !isAlive(cluster, 1)) {
                    cluster.restart(1);
                }
                return cluster.isReady(1);
            });
            long lost = 0;
            List<String> all = new ArrayList<>();
            for (int i = 0; i < KEYS; i++) {
                all.add("k" + i);
            }
            all.addAll(ackedDuring);
            for (int i = 0; i < all.size(); i += 500) {
                List<String> batch = all.subList(i, Math.min(all.size(), i + 500));
                Map<String, String> got = slow.getAll(batch);
                for (String k : batch) {
                    String expect = k.startsWith("k") ? "v" + k.substring(1) : k;
                    if (!expect.equals(got.get(k))) {
                        lost++;
                    }
                }
            }

            ClientStats end = client.stats();
            System.out.printf("[FrozenNodeReadFailoverIT] frozen %d ms; reads: %s; %d answered while frozen; "
                    + "misses %d %s, wrong %d%n", FROZEN.toMillis(), reads.summary(), readsFrozen, misses.sum(),
                    missed.stream().limit(10).toList(), wrong.sum());
            System.out.printf("[FrozenNodeReadFailoverIT] writes: %s; not timeouts %d; %d acknowledged during the "
                    + "run%n", writes.summary(), writeFailuresNotTimeout.sum(), ackedDuring.size());
            System.out.printf("[FrozenNodeReadFailoverIT] read failovers during the freeze %d (answered by another "
                    + "node %d); %d of %d acknowledged keys lost afterwards; %d threads stuck%n",
                    afterFreeze.readFailovers() - before.readFailovers(),
                    afterFreeze.readFailoverAnswers() - before.readFailoverAnswers(), lost, all.size(), stuck);
            System.out.println("[FrozenNodeReadFailoverIT] client stats: " + end);

            assertEquals(0, stuck, "threads still in a call after stop");
            assertEquals(0, reads.failed(), () -> "failed reads: " + reads.summary());
            assertEquals(0, misses.sum(), () -> "misses of acknowledged keys: " + missed);
            assertEquals(0, wrong.sum(), "wrong values read");
            // Over the bound by more than the machine's own scheduling delay then (see CallBook#overBoundBeyondStall).
            assertEquals(0, reads.overBoundBeyondStall(), () -> "reads over deadline + 20 ms: " + reads.summary());
            assertEquals(0, writes.overBoundBeyondStall(), () -> "writes over deadline + 20 ms: " + writes.summary());
            assertEquals(0, writeFailuresNotTimeout.sum(), () -> "writes failed otherwise: " + writes.summary());
            assertTrue(readsFrozen > 100, "reads went on while the node was frozen: " + readsFrozen);
            assertTrue(afterFreeze.readFailoverAnswers() - before.readFailoverAnswers() > 0,
                    "some reads were answered by another node");
            assertEquals(0, lost, "acknowledged writes lost");
        }
    }

    private static boolean isAlive(ProcessCluster cluster, int i) {
        return cluster.isAlive(i);
    }

    private static Thread start(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
