package dev.hearth.node.ignite;

import dev.hearth.node.dump.DumpService;
import dev.hearth.node.warmup.WarmupService;
import dev.hearth.storage.CacheNames;
import dev.hearth.storage.Envelope;
import dev.hearth.storage.Expiry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import javax.cache.Cache;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.IgniteDataStreamer;
import org.apache.ignite.IgniteException;
import org.apache.ignite.cache.CachePeekMode;
import org.apache.ignite.lang.IgniteFuture;
import org.apache.ignite.lang.IgniteFutureTimeoutException;
import org.apache.ignite.stream.StreamReceiver;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/** Ignite's side of dumps and warm-up: scanning local primaries, and streaming entries back in. */
public final class IgniteDumpSupport {
    private static final Logger LOG = LogManager.getLogger(IgniteDumpSupport.class);

    /**
     * Inserts one receiver call keeps in flight at most. Every async cache operation holds one of the cache's
     * {@code maxConcurrentAsyncOperations} permits (500 by default) until it completes, and the memcached endpoints
     * use the same permits. A receiver that issued a whole batch (512) at once let the 8 data-streamer threads take
     * every permit and then block in {@code GridCacheAdapter.asyncOpAcquire}: after a node loss the warm-up crawled
     * or stalled for good (issue #5). Now at most a quarter of the permits, whatever the batch size: with the
     * defaults (500 permits, 8 streamer threads) 15 per call, 120 in all; see {@link #window}.
     */
    static final int IN_FLIGHT = 16;

    /**
     * In-flight inserts per receiver call so that every data-streamer thread together takes at most a quarter of
     * the cache's async permits: the rest stays for client traffic.
     */
    static int window(int maxAsyncOps, int streamerThreads) {
        if (maxAsyncOps <= 0) {
            return IN_FLIGHT; // unlimited permits
        }
        return Math.max(1, Math.min(IN_FLIGHT, maxAsyncOps / 4 / Math.max(1, streamerThreads)));
    }

    private IgniteDumpSupport() {
    }

    /** Reads this node's primary copies of a zone, off-heap, while writes go on. */
    public static DumpService.LocalEntries localEntries(Ignite ignite) {
        return (zone, consumer) -> {
            IgniteCache<String, byte[]> cache = ignite.cache(CacheNames.zoneCache(zone));
            for (Cache.Entry<String, byte[]> e : cache.localEntries(CachePeekMode.PRIMARY)) {
                consumer.accept(e.getKey(), e.getValue());
            }
        };
    }

    /**
     * Streams through Ignite's data streamer; on each primary, inserts only absent keys with the remaining TTL.
     *
     * @param batchTimeout longest wait for one batch to be stored; past it the chunk is sent again, and after
     *     {@link ChunkedSession#ATTEMPTS} tries {@code add} or {@code close} throws
     */
    public static WarmupService.ClusterLoader loader(Ignite ignite, Duration batchTimeout) {
        long timeoutMillis = batchTimeout.toMillis();
        return zone -> new ChunkedSession(zone, () -> {
            IgniteDataStreamer<String, byte[]> streamer = ignite.dataStreamer(CacheNames.zoneCache(zone));
            // The receiver gives up on a batch after half the streamer's timeout, so the streamer hears why and
            // sends the batch again (inserting only absent keys makes a resend harmless) before it gives up itself.
            streamer.receiver(new InsertIfAbsent(timeoutMillis / 2));
            streamer.perNodeBufferSize(512);
            // Without it, addData, flush and close wait forever for a batch whose node or receiver never answers.
            streamer.timeout(timeoutMillis);
            return streamer;
        });
    }

    /**
     * One zone's warm-up stream, flushed every {@link #CHUNK} entries. A chunk the streamer cannot confirm (it timed
     * out or failed) is sent again in full on a new streamer: after a node is lost, Ignite's streamer can keep a
     * request to that node that is never answered (seen in WarmupLossBench: every entry stored, yet flush waited
     * until its timeout), and only a new streamer gets past it. Resending is harmless: only absent keys are inserted.
     */
    static final class ChunkedSession implements WarmupService.ClusterLoader.Session {
        static final int CHUNK = 16_384;
        /**
         * A chunk also ends at this many value bytes: it stays on the heap until confirmed, and 16,384 values of 1 MiB
         * are 16 GiB. A node restarted with a 128 MiB heap loading its local copy of 1 MiB values ran out of heap
         * here, and again after each restart.
         */
        static final long CHUNK_BYTES = 16L << 20;
        static final int ATTEMPTS = 3;

        private final String zone;
        private final java.util.function.Supplier<IgniteDataStreamer<String, byte[]>> open;
        private final List<String> keys = new ArrayList<>(CHUNK);
        private final List<byte[]> values = new ArrayList<>(CHUNK);
        private long chunkBytes;
        private IgniteDataStreamer<String, byte[]> streamer;

        ChunkedSession(String zone, java.util.function.Supplier<IgniteDataStreamer<String, byte[]>> open) {
            this.zone = zone;
            this.open = open;
            this.streamer = open.get();
        }

        @Override
        public void add(String storageKey, byte[] value, long expireAt) {
            keys.add(storageKey);
            values.add(value);
            chunkBytes += value.length;
            try {
                streamer.addData(storageKey, value);
            } catch (RuntimeException e) {
                resend(e);
                return;
            }
            if (keys.size() >= CHUNK || chunkBytes >= CHUNK_BYTES) {
                flushChunk();
            }
        }

        private void flushChunk() {
            try {
                streamer.flush();
            } catch (RuntimeException e) {
                resend(e);
                return;
            }
            keys.clear();
            values.clear();
            chunkBytes = 0;
        }

        /** The current chunk is not known to be stored: send it again on a new streamer, a bounded number of times. */
        private void resend(RuntimeException cause) {
            for (int attempt = 2; ; attempt++) {
                if (Thread.currentThread().isInterrupted()) {
                    // The node is stopping (its stop interrupts the refill): sending again would only fail again,
                    // three times, with Ignite going away underneath.
                    discard(streamer, cause);
                    CancellationException stop = new CancellationException("the refill was interrupted: the node "
                            + "is stopping");
                    stop.initCause(cause);
                    throw stop;
                }
                LOG.warn("Warm-up of zone {}: a chunk of {} entries was not confirmed ({}); sending it again on a new "
                        + "streamer (attempt {} of {})", zone, keys.size(), WarmupService.describe(cause), attempt,
                        ATTEMPTS);
                discard(streamer, cause);
                streamer = open.get();
                try {
                    for (int i = 0; i < keys.size(); i++) {
                        streamer.addData(keys.get(i), values.get(i));
                    }
                    streamer.flush();
                    keys.clear();
                    values.clear();
                    chunkBytes = 0;
                    return;
                } catch (RuntimeException e) {
                    e.addSuppressed(cause);
                    if (attempt >= ATTEMPTS) {
                        throw new IllegalStateException("the cluster did not confirm a chunk of " + keys.size()
                                + " entries of zone " + zone + " in " + ATTEMPTS + " attempts", e);
                    }
                    cause = e;
                }
            }
        }

        @Override
        public void close() {
            flushChunk();
            // Everything is confirmed by now; cancel=true so that closing never waits on a stuck request again.
            discard(streamer, null);
        }

        @Override
        public void abandon() {
            discard(streamer, null);
        }

        private static void discard(IgniteDataStreamer<String, byte[]> s, RuntimeException failure) {
            try {
                s.close(true);
            } catch (RuntimeException e) {
                if (failure != null) {
                    failure.addSuppressed(e);
                } else {
                    LOG.debug("Closing a warm-up streamer: {}", e.toString());
                }
            }
        }
    }

    /**
     * Runs on the key's primary node: never over a newer version ({@link InsertAbsent}), and gives each entry what is
     * left of its TTL. Entries whose expiry falls in the same {@link #expiryBucket bucket} go to the cluster as one
     * {@code invokeAll}: one update per batch for the primary and one message per backup, where a put per entry paid
     * a backup round trip each (issue #14: 2k entries/s under a read load). Ignite's TTL is rounded up to the
     * bucket's end; readers judge expiry by the envelope's own {@code expireAt}, so the rounding only delays
     * reclaiming the memory, by at most a thirty-second of the time the entry had left, or about a second.
     */
    static final class InsertIfAbsent implements StreamReceiver<String, byte[]> {
        private static final long serialVersionUID = 3L;
        static final long DEFAULT_TIMEOUT_MILLIS = 30_000;

        /** How long one call may take before it fails the batch (the streamer then sends it again). */
        private final long timeoutMillis;

        /** The receiving node, injected by Ignite: its streamer pool size bounds the in-flight inserts. */
        @org.apache.ignite.resources.IgniteInstanceResource
        private transient Ignite ignite;

        InsertIfAbsent(long timeoutMillis) {
            this.timeoutMillis = timeoutMillis;
        }

        @Override
        public void receive(IgniteCache<String, byte[]> cache, Collection<Map.Entry<String, byte[]>> entries)
                throws IgniteException {
            long now = System.currentTimeMillis();
            // 0 from a sender that predates the field (mixed versions during a rolling upgrade).
            long budget = timeoutMillis > 0 ? timeoutMillis : DEFAULT_TIMEOUT_MILLIS;
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(budget);
            Map<Long, Map<String, InsertAbsent>> byExpiry = groupByExpiry(entries, now,
                    EntrySizeGuard.admission(cache, "warm-up"));
            // A few groups in flight at once; every group holds one of the cache's async permits (see IN_FLIGHT).
            int inFlight = ignite == null ? IN_FLIGHT : window(cache.getConfiguration(
                    org.apache.ignite.configuration.CacheConfiguration.class).getMaxConcurrentAsyncOperations(),
                    ignite.configuration().getDataStreamerThreadPoolSize());
            ArrayDeque<IgniteFuture<?>> pending = new ArrayDeque<>(inFlight);
            try {
                for (Map.Entry<Long, Map<String, InsertAbsent>> g : byExpiry.entrySet()) {
                    if (pending.size() == inFlight) {
                        await(pending.poll(), deadline, budget, entries.size());
                    }
                    long expireAt = g.getKey();
                    IgniteCache<String, byte[]> target = expireAt == 0 ? cache
                            : cache.withExpiryPolicy(Expiry.of(expireAt, now));
                    pending.add(target.invokeAllAsync(g.getValue()));
                }
                while (!pending.isEmpty()) {
                    await(pending.poll(), deadline, budget, entries.size());
                }
            } catch (org.apache.ignite.IgniteInterruptedException e) {
                throw new IgniteException("warm-up batch of " + entries.size() + " entries interrupted (its streamer "
                        + "was cancelled); the streamer sends it again", e);
            } finally {
                // This runs on one of Ignite's data-streamer stripes, and a stripe that finds its thread interrupted
                // when it next waits for work ends, which Ignite's failure handler answers by halting the node.
                // Cancelling a streamer (ChunkedSession.resend, after a flush timed out) interrupted receivers: in a
                // 512 MiB local-copy restart every node halted this way within 2 minutes (exit 130, "Thread
                // data-streamer-stripe-3 is terminated unexpectedly"), restarted and began its load again. The
                // interrupt was meant for this batch only, and the batch has ended.
                Thread.interrupted();
            }
        }

        private static void await(IgniteFuture<?> f, long deadline, long budget, int batch) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            try {
                f.get(Math.max(1, left));
            } catch (IgniteFutureTimeoutException t) {
                throw new IgniteException("warm-up batch of " + batch + " entries not stored within " + budget
                        + " ms on this node; the streamer sends it again", t);
            }
        }

        /**
         * Live entries keyed by their {@link #expiryBucket}, 0 for never; expired ones are dropped, and so are those
         * whose size {@code stored} refuses: one entry the zone's guard refuses would fail its whole batch.
         */
        static Map<Long, Map<String, InsertAbsent>> groupByExpiry(Collection<Map.Entry<String, byte[]>> entries,
                long now, LongPredicate stored) {
            Map<Long, Map<String, InsertAbsent>> byExpiry = new java.util.HashMap<>();
            for (Map.Entry<String, byte[]> e : entries) {
                byte[] v = e.getValue();
                long expireAt = Envelope.expireAt(v);
                if (expireAt != 0 && expireAt <= now || !stored.test(v.length)) {
                    continue;
                }
                // A TreeMap keeps the keys of one invokeAll sorted, as Ignite advises against deadlocks.
                byExpiry.computeIfAbsent(expiryBucket(expireAt, now), b -> new java.util.TreeMap<>())
                        .put(e.getKey(), new InsertAbsent(v));
            }
            return byExpiry;
        }

        /**
         * The TTL end an entry gets in Ignite: its expiry rounded up to a multiple of a power of two near a
         * thirty-second of the time it has left (at least about a second). Entries written over hours with one TTL
         * then share a few buckets per batch, where whole seconds gave nearly one each.
         *
         * @return 0 for never, else a time at or after {@code expireAt}
         */
        static long expiryBucket(long expireAt, long now) {
            if (expireAt == 0) {
                return 0;
            }
            long width = Long.highestOneBit(Math.max(1024, (expireAt - now) / 32));
            return Math.floorDiv(expireAt + width - 1, width) * width;
        }
    }

    /**
     * Stores its value where the key is absent or holds an older version, never over a newer one: what a client
     * wrote since the copy or dump was taken is newer (versions grow with wall time) and stays. An older version is
     * replaced because the two copies of a partition can differ: after a pause of every node, one node had
     * acknowledged writes its peer's copy never saw, and the peer's file, loaded first, must not keep them out (the
     * chaos suite's 30 s pause of every node lost 2 acknowledged writes that way). Bytes that are not an envelope (a
     * zone move's tombstone) are left alone. The class keeps its name across that change: nodes of a rolling upgrade
     * send it to each other.
     */
    static final class InsertAbsent implements org.apache.ignite.cache.CacheEntryProcessor<String, byte[], Void> {
        private static final long serialVersionUID = 1L;
        private final byte[] value;

        InsertAbsent(byte[] value) {
            this.value = value;
        }

        @Override
        public Void process(javax.cache.processor.MutableEntry<String, byte[]> entry, Object... args) {
            if (!entry.exists()) {
                entry.setValue(value);
                return null;
            }
            long present = Envelope.version(entry.getValue());
            if (present >= 0 && present < Envelope.version(value)) {
                entry.setValue(value);
            }
            return null;
        }
    }
}
