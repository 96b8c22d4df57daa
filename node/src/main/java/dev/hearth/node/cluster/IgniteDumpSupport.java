package dev.hearth.node.cluster;

import dev.hearth.node.cache.Envelope;
import dev.hearth.node.warmup.DumpService;
import dev.hearth.node.warmup.WarmupService;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import javax.cache.Cache;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.IgniteDataStreamer;
import org.apache.ignite.IgniteException;
import org.apache.ignite.cache.CachePeekMode;
import org.apache.ignite.lang.IgniteFuture;
import org.apache.ignite.stream.StreamReceiver;

/** Ignite's side of dumps and warm-up: scanning local primaries, and streaming entries back in. */
public final class IgniteDumpSupport {
    private IgniteDumpSupport() {
    }

    /** Reads this node's primary copies of a zone, off-heap, while writes go on. */
    public static DumpService.LocalEntries localEntries(Ignite ignite) {
        return (zone, consumer) -> {
            IgniteCache<String, byte[]> cache = ignite.cache(Zones.cacheName(zone));
            for (Cache.Entry<String, byte[]> e : cache.localEntries(CachePeekMode.PRIMARY)) {
                consumer.accept(e.getKey(), e.getValue());
            }
        };
    }

    /** Streams through Ignite's data streamer; on each primary, inserts only absent keys with the remaining TTL. */
    public static WarmupService.ClusterLoader loader(Ignite ignite) {
        return zone -> {
            IgniteDataStreamer<String, byte[]> streamer = ignite.dataStreamer(Zones.cacheName(zone));
            streamer.receiver(new InsertIfAbsent());
            streamer.perNodeBufferSize(512);
            return new WarmupService.ClusterLoader.Session() {
                @Override
                public void add(String storageKey, byte[] value, long expireAt) {
                    streamer.addData(storageKey, value);
                }

                @Override
                public void close() {
                    streamer.close(false);
                }
            };
        };
    }

    /** Runs on the key's primary node: never overwrites, and gives each entry what is left of its TTL. */
    static final class InsertIfAbsent implements StreamReceiver<String, byte[]> {
        private static final long serialVersionUID = 1L;

        @Override
        public void receive(IgniteCache<String, byte[]> cache, Collection<Map.Entry<String, byte[]>> entries)
                throws IgniteException {
            long now = System.currentTimeMillis();
            // All of a batch's inserts in flight at once: one at a time, each waits for its backup's round trip.
            List<IgniteFuture<Boolean>> pending = new ArrayList<>(entries.size());
            for (Map.Entry<String, byte[]> e : entries) {
                byte[] v = e.getValue();
                long expireAt = v.length >= Envelope.HEADER ? ByteBuffer.wrap(v).getLong(14) : 0;
                if (expireAt != 0 && expireAt <= now) {
                    continue;
                }
                IgniteCache<String, byte[]> target = expireAt == 0 ? cache
                        : cache.withExpiryPolicy(HearthExpiry.of(expireAt, now));
                pending.add(target.putIfAbsentAsync(e.getKey(), v));
            }
            for (IgniteFuture<Boolean> f : pending) {
                f.get();
            }
        }
    }

}
