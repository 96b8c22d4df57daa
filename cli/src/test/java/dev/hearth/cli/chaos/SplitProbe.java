package dev.hearth.cli.chaos;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Watches both sides of a network split: a memcached writer bound to the minority node's port only (no failover:
 * the point is what that node answers), one bound to a majority node's port, and the minority's readiness. Every
 * write either side acknowledges is tracked by the load, so a minority write that the heal throws away would count
 * as an acknowledged write lost.
 */
final class SplitProbe implements AutoCloseable {
    private final ChaosCluster cluster;
    private final ChaosLoad load;
    private final int minority;
    private final int majority;
    private final long startedAt = System.nanoTime();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    final AtomicLong minoritySent = new AtomicLong();
    final AtomicLong minorityAcked = new AtomicLong();
    final AtomicLong minorityServerErrors = new AtomicLong();
    final AtomicLong minorityNoAnswer = new AtomicLong();
    final AtomicLong majorityAcked = new AtomicLong();
    final AtomicLong majorityFailed = new AtomicLong();
    /** nanoTime when the minority was first seen not ready (0 = not yet). */
    volatile long minorityNotReadyAt;
    /** The minority's last "no quorum" refusal: the node knows it is the minority (not a mere timeout). */
    volatile String lastMinorityRefusal;
    /** Its last other error (SERVER_ERROR after memcached.operationTimeout while its peers are not yet dropped). */
    volatile String lastMinorityError;
    final AtomicLong minorityQuorumRefusals = new AtomicLong();
    final AtomicLong majorityAckedAfterRefusal = new AtomicLong();

    SplitProbe(ChaosCluster cluster, ChaosLoad load, int minority, int majority) {
        this.cluster = cluster;
        this.load = load;
        this.minority = minority;
        this.majority = majority;
    }

    SplitProbe start() {
        spawn("split-minority-writer", () -> write(minority, "mn"));
        spawn("split-majority-writer", () -> write(majority, "mj"));
        spawn("split-readiness", () -> {
            while (running) {
                if (minorityNotReadyAt == 0 && !cluster.ready(minority)) {
                    minorityNotReadyAt = System.nanoTime();
                    cluster.event(cluster.name(minority) + " (minority) not ready");
                }
                LockSupport.parkNanos(200_000_000L);
            }
        });
        return this;
    }

    private void spawn(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private void write(int node, String prefix) {
        boolean minoritySide = node == minority;
        long seq = 0;
        int gen = 0;
        try (McClient mc = new McClient(List.of(cluster.memcachedAddresses().get(node)), 2_500, 2_500)) {
            while (running) {
                // One key per write: a write without an answer may land later, and must not overwrite a newer one.
                String key = prefix + "-g" + gen++;
                long v = ++seq;
                if (minoritySide) {
                    minoritySent.incrementAndGet();
                }
                try {
                    mc.set(ChaosLoad.TENANT + ":" + key, ChaosLoad.value(v), 0);
                    load.track(key, v);
                    if (minoritySide) {
                        minorityAcked.incrementAndGet();
                    } else {
                        majorityAcked.incrementAndGet();
                        if (lastMinorityRefusal != null) {
                            majorityAckedAfterRefusal.incrementAndGet();
                        }
                    }
                } catch (McClient.McError e) {
                    if (minoritySide) {
                        minorityServerErrors.incrementAndGet();
                        if (e.getMessage().startsWith("SERVER_ERROR no quorum")) {
                            minorityQuorumRefusals.incrementAndGet();
                            lastMinorityRefusal = e.getMessage();
                        } else {
                            lastMinorityError = e.getMessage();
                        }
                    } else {
                        majorityFailed.incrementAndGet();
                    }
                } catch (SocketTimeoutException e) {
                    if (minoritySide) {
                        minorityNoAnswer.incrementAndGet();
                    } else {
                        majorityFailed.incrementAndGet();
                    }
                } catch (IOException e) {
                    // Connection refused or reset: the minority restarting after its segmentation, typically.
                    if (minoritySide) {
                        minorityNoAnswer.incrementAndGet();
                    } else {
                        majorityFailed.incrementAndGet();
                    }
                    LockSupport.parkNanos(100_000_000L);
                }
                LockSupport.parkNanos(50_000_000L);
            }
        }
    }

    long minorityNotReadyAfterMillis() {
        return minorityNotReadyAt == 0 ? -1 : (minorityNotReadyAt - startedAt) / 1_000_000;
    }

    void addTo(ChaosReport r) {
        r.target("minority acked writes during the split", minorityAcked.get(), "= 0", x -> x == 0);
        r.target("majority acked writes during the split", majorityAcked.get(), "> 0", x -> x > 0);
        r.target("minority seen not ready, ms after the cut", minorityNotReadyAfterMillis(), ">= 0", x -> x >= 0);
        r.target("minority refusals for want of a quorum", minorityQuorumRefusals.get(), "> 0", x -> x > 0);
        r.metric("minority writes sent / SERVER_ERROR (no quorum) / no answer", minoritySent.get() + " / "
                + minorityServerErrors.get() + " (" + minorityQuorumRefusals.get() + ") / " + minorityNoAnswer.get());
        r.metric("minority refusal", String.valueOf(lastMinorityRefusal));
        r.metric("minority other error", String.valueOf(lastMinorityError));
        r.metric("majority writes acked / failed", majorityAcked.get() + " / " + majorityFailed.get());
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(10_000);
        }
    }
}
