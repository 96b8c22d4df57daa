package dev.hearth.node.ignite;

import dev.hearth.node.cache.OperationStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.ignite.Ignite;
import org.apache.ignite.cache.CachePeekMode;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.internal.IgniteEx;
import org.apache.ignite.internal.processors.cache.IgniteInternalCache;
import org.apache.ignite.internal.processors.cache.distributed.dht.topology.GridDhtLocalPartition;
import org.apache.ignite.internal.processors.cache.distributed.dht.topology.GridDhtPartitionState;
import org.apache.ignite.lang.IgniteCallable;
import org.apache.ignite.resources.IgniteInstanceResource;

/**
 * Reads around an unresponsive node. A get on a node that does not hold the key goes to the key's primary copy and
 * waits for it; a frozen primary (a paused process, a cut link) answers nothing until it is dropped from the cluster,
 * which takes {@code cluster.failureDetectionTimeout}. After {@code after}, the key's other copies are asked
 * directly (a local read on each owner, as a compute job); the first answer wins, the primary's included.
 * Backups are written before a write is acknowledged (FULL_SYNC), so a backup's answer holds every acknowledged
 * write.
 */
final class BackupReads {
    private final Ignite ignite;
    private final long afterNanos;
    private final io.netty.util.Timer timer;
    private final OperationStats stats;
    /** Sends the backup reads: never the timer's own thread, which every request's timeout needs. */
    private final java.util.concurrent.Executor asker;

    /** @param after 0 = never ask the backups */
    BackupReads(Ignite ignite, Duration after, io.netty.util.Timer timer, java.util.concurrent.Executor asker,
            OperationStats stats) {
        this.ignite = ignite;
        this.afterNanos = after.toNanos();
        this.timer = timer;
        this.asker = asker;
        this.stats = stats;
        // The first use of a class on the wire registers its name cluster-wide, through discovery, which a frozen
        // node holds up until it is dropped (seen: the first failover read waited 8 s for it). Register both now,
        // while the cluster answers.
        ignite.binary().toBinary(new Peek("", ""));
        ignite.binary().toBinary(new Peek.Answer(false, null));
    }

    /**
     * {@code primary}'s answer, or a backup's if one answers first once {@code after} has passed.
     *
     * @param budgetNanos how long the backups may take at most
     */
    CompletableFuture<byte[]> race(String cacheName, String key, CompletableFuture<byte[]> primary,
            long budgetNanos) {
        if (afterNanos == 0 || primary.isDone()) {
            return primary;
        }
        return race(cacheName, key, primary, budgetNanos, afterNanos);
    }

    /**
     * As {@link #race(String, String, CompletableFuture, long)} for a batch: once {@code after} has passed without
     * the batch's answer, each key races its backups against the batch.
     */
    CompletableFuture<Map<String, byte[]>> raceAll(String cacheName, Collection<String> keys,
            CompletableFuture<Map<String, byte[]>> batch, long budgetNanos) {
        if (afterNanos == 0 || batch.isDone()) {
            return batch;
        }
        CompletableFuture<Map<String, byte[]>> out = new CompletableFuture<>();
        AtomicBoolean raced = new AtomicBoolean();
        batch.whenComplete((m, e) -> {
            if (e == null) {
                out.complete(m);
            } else if (!raced.get()) {
                out.completeExceptionally(e);
            }
        });
        var armed = timer.newTimeout(t -> {
            if (out.isDone() || !raced.compareAndSet(false, true)) {
                return;
            }
            Map<String, CompletableFuture<byte[]>> each = new HashMap<>();
            for (String k : keys) {
                each.put(k, race(cacheName, k, batch.thenApply(m -> m.get(k)), budgetNanos, 0));
            }
            IgniteFutures.allFound(each).whenComplete((found, e) -> {
                if (e != null) {
                    out.completeExceptionally(e);
                } else {
                    out.complete(found);
                }
            });
        }, afterNanos, TimeUnit.NANOSECONDS);
        out.whenComplete((v, e) -> armed.cancel());
        return out;
    }

    private CompletableFuture<byte[]> race(String cacheName, String key, CompletableFuture<byte[]> primary,
            long budgetNanos, long delayNanos) {
        CompletableFuture<byte[]> out = new CompletableFuture<>();
        AtomicInteger running = new AtomicInteger(1);
        AtomicReference<Throwable> firstError = new AtomicReference<>();
        primary.whenComplete((v, e) -> settle(out, running, firstError, v, e, false));
        var armed = timer.newTimeout(t -> {
            if (!out.isDone()) {
                try {
                    asker.execute(() -> askBackups(cacheName, key, primary, out, running, firstError, budgetNanos));
                } catch (java.util.concurrent.RejectedExecutionException busy) {
                    // Too many reads are failing over at once: these wait for their primary (or the timeout).
                }
            }
        }, delayNanos, TimeUnit.NANOSECONDS);
        out.whenComplete((v, e) -> armed.cancel());
        return out;
    }

    private void askBackups(String cacheName, String key, CompletableFuture<byte[]> primary,
            CompletableFuture<byte[]> out, AtomicInteger running, AtomicReference<Throwable> firstError,
            long budgetNanos) {
        if (out.isDone() || primary.isDone()) {
            return;
        }
        List<ClusterNode> owners = remoteOwners(cacheName, key);
        if (owners.isEmpty()) {
            return;
        }
        stats.readFailover();
        long budgetMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(budgetNanos - afterNanos));
        for (ClusterNode n : owners) {
            running.incrementAndGet();
            try {
                ignite.compute(ignite.cluster().forNode(n)).withNoFailover().withTimeout(budgetMs)
                        .callAsync(new Peek(cacheName, key))
                        .listen(f -> {
                            Peek.Answer a;
                            try {
                                a = f.get();
                            } catch (RuntimeException e) {
                                settle(out, running, firstError, null, e, true);
                                return;
                            }
                            if (a.owner()) {
                                settle(out, running, firstError, a.value(), null, true);
                            } else {
                                settle(out, running, firstError, null, new IllegalStateException(
                                        "node " + n.consistentId() + " no longer owns the key's partition"), true);
                            }
                        });
            } catch (RuntimeException e) {
                settle(out, running, firstError, null, e, true);
            }
        }
    }

    private void settle(CompletableFuture<byte[]> out, AtomicInteger running, AtomicReference<Throwable> firstError,
            byte[] value, Throwable error, boolean fromBackup) {
        if (error == null) {
            if (out.complete(value) && fromBackup) {
                stats.readFailoverAnswered();
            }
            return;
        }
        // An error is the answer only when every copy asked failed: the first one is reported.
        firstError.compareAndSet(null, error);
        if (running.decrementAndGet() == 0) {
            out.completeExceptionally(firstError.get());
        }
    }

    /** The key's owners other than this node (this node's own copy is read locally by the get itself). */
    private List<ClusterNode> remoteOwners(String cacheName, String key) {
        Collection<ClusterNode> all = ignite.affinity(cacheName).mapKeyToPrimaryAndBackups(key);
        List<ClusterNode> out = new ArrayList<>(all.size());
        for (ClusterNode n : all) {
            if (!n.isLocal()) {
                out.add(n);
            }
        }
        return out;
    }

    /** A local read of one key on the node it runs on, only where that node owns the key's partition. */
    static final class Peek implements IgniteCallable<Peek.Answer> {
        private static final long serialVersionUID = 1L;
        private final String cacheName;
        private final String key;
        @IgniteInstanceResource
        private transient Ignite local;

        Peek(String cacheName, String key) {
            this.cacheName = cacheName;
            this.key = key;
        }

        /** A class, not a record: Ignite's marshaller cannot set a record's fields. */
        static final class Answer implements java.io.Serializable {
            private static final long serialVersionUID = 1L;
            private boolean owner;
            private byte[] value;

            Answer(boolean owner, byte[] value) {
                this.owner = owner;
                this.value = value;
            }

            /** Whether the node owns the key's partition: only then is {@link #value} an answer (a partition still
             * arriving may lack the key). */
            boolean owner() {
                return owner;
            }

            /** The stored bytes, null if absent. */
            byte[] value() {
                return value;
            }
        }

        @Override
        public Answer call() {
            IgniteInternalCache<Object, Object> cache = ((IgniteEx) local).cachex(cacheName);
            if (cache == null) {
                return new Answer(false, null);
            }
            int p = local.affinity(cacheName).partition(key);
            GridDhtLocalPartition part = cache.context().topology().localPartition(p);
            if (part == null || part.state() != GridDhtPartitionState.OWNING) {
                return new Answer(false, null);
            }
            return new Answer(true, (byte[]) local.cache(cacheName).localPeek(key, CachePeekMode.PRIMARY,
                    CachePeekMode.BACKUP));
        }
    }
}
