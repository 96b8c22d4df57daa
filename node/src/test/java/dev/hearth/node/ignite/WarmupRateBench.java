package dev.hearth.node.ignite;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hearth.node.HearthNode;
import dev.hearth.node.TestNodes;
import dev.hearth.node.warmup.AdaptiveRate;
import dev.hearth.storage.CacheNames;
import dev.hearth.storage.Envelope;
import dev.hearth.storage.Expiry;
import dev.hearth.storage.Item;
import dev.hearth.storage.TenantKey;
import dev.hearth.testing.FreePorts;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.IgniteDataStreamer;
import org.apache.ignite.lang.IgniteFuture;
import org.apache.ignite.stream.StreamReceiver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warm-up receiver side by side with the one it replaced (a put per entry, 15 in flight), on a 3-node in-JVM
 * cluster with backups 1, rounds alternating, optionally under a read load; with readers, a third mode paces the
 * grouped receiver as a node paces its refills (yielding to reads). Not part of the build: run with
 * {@code flock /tmp/hearth-cluster.lock mvn -B -o -pl node -am test -Dtest=WarmupRateBench -Dbench=true
 * -Dsurefire.failIfNoSpecifiedTests=false -Dbench.entries=200000 -Dbench.readers=4 -Dbench.readRate=500}.
 */
@EnabledIfSystemProperty(named = "bench", matches = "true")
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class WarmupRateBench {
    @TempDir
    Path dir;

    @Test
    void perEntryAgainstGrouped() throws Exception {
        int n = Integer.getInteger("bench.entries", 200_000);
        int size = Integer.getInteger("bench.valueBytes", 1024);
        int rounds = Integer.getInteger("bench.rounds", 3);
        int readers = Integer.getInteger("bench.readers", 0);
        int[] disco = FreePorts.several(3);
        List<HearthNode> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                nodes.add(HearthNode.start(TestNodes.config("warmup-rate", i, disco, dir.resolve("n" + i),
                        "zones.default.memory=1g", "zones.default.backups=1", "localCopy.enabled=false"), null));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> nodes.stream().allMatch(x -> x.status().readiness()
                    .ready()) && nodes.get(0).ignite().cluster().forServers().nodes().size() == 3);
            List<Map.Entry<String, byte[]>> entries = entries(n, size);
            long bytes = entries.stream().mapToLong(e -> e.getValue().length).sum();
            String cacheName = CacheNames.zoneCache("default");
            IgniteCache<String, byte[]> cache = nodes.get(0).ignite().cache(cacheName);
            System.out.printf("BENCH %d entries, %.1f MB of envelopes, half with a TTL, %d readers%n", n, bytes / 1e6,
                    readers);
            int modes = readers > 0 ? 3 : 2;
            String[] names = {"per-entry", "grouped", "yielding"};
            double[][] rates = new double[modes][rounds];
            for (int round = 0; round < rounds; round++) {
                for (int mode = 0; mode < modes; mode++) {
                    cache.clear();
                    await().atMost(Duration.ofSeconds(60)).until(() -> cache.size() == 0);
                    Reads reads = new Reads(nodes, n, readers);
                    long t0 = System.nanoTime();
                    // "yielding": grouped, paced as a node paces its refills (warmup.readLatencyTarget 10 ms).
                    AdaptiveRate.Factory paces = mode == 2
                            ? ReadProbe.paces(nodes.get(0).ignite(), List.of("default"), Duration.ofMillis(10))
                            : AdaptiveRate.Factory.FIXED;
                    long lowest = Long.MAX_VALUE;
                    try (AdaptiveRate pace = paces.open(0);
                            IgniteDataStreamer<String, byte[]> s = nodes.get(0).ignite().dataStreamer(cacheName)) {
                        s.receiver(mode == 0 ? new PerEntryInsert() : new IgniteDumpSupport.InsertIfAbsent(15_000));
                        s.perNodeBufferSize(512);
                        for (Map.Entry<String, byte[]> e : entries) {
                            pace.acquire(1);
                            lowest = Math.min(lowest, pace.limit() == 0 ? Long.MAX_VALUE : pace.limit());
                            s.addData(e.getKey(), e.getValue());
                        }
                    }
                    double secs = (System.nanoTime() - t0) / 1e9;
                    String readLine = reads.stop();
                    assertEquals(n, cache.size(), "every entry stored");
                    rates[mode][round] = n / secs;
                    System.out.printf("BENCH round %d %-10s %.2f s: %.0f entries/s, %.1f MB/s%s%s%n", round + 1,
                            names[mode], secs, n / secs, bytes / 1e6 / secs, readLine,
                            mode == 2 ? "; lowest rate limit " + lowest + " entries/s" : "");
                }
            }
            double before = median(rates[0]);
            double after = median(rates[1]);
            System.out.printf("BENCH medians: per-entry %.0f entries/s, grouped %.0f entries/s, ratio %.2f%s%n", before,
                    after, after / before, modes == 3 ? String.format(", yielding %.0f entries/s", median(rates[2]))
                            : "");
        } finally {
            for (int i = nodes.size() - 1; i >= 0; i--) {
                nodes.get(i).stopGracefully();
            }
        }
    }

    private static List<Map.Entry<String, byte[]>> entries(int n, int size) {
        Random rnd = new Random(7);
        long now = System.currentTimeMillis();
        List<Map.Entry<String, byte[]>> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] v = new byte[size];
            rnd.nextBytes(v);
            long expireAt = i % 2 == 0 ? 0 : now + 3_600_000 + rnd.nextInt(600_000);
            TenantKey k = TenantKey.of("b", "key-" + i);
            list.add(new AbstractMap.SimpleEntry<>(k.storageKey(), Envelope.encode(k, new Item(v, 0, 1, expireAt,
                    false))));
        }
        return list;
    }

    private static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    /** Gets of random keys through the node's cache service, each reader on its own node in turn. */
    private static final class Reads {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<Thread> threads = new ArrayList<>();
        private final List<long[]> latencies = new ArrayList<>();
        private final int[] counts;

        /**
         * Each reader issues {@code bench.readRate} gets per second on a fixed schedule, as an API server's traffic
         * does, and a get's latency counts from when it was due: readers that spin flat out on 2 cores would measure
         * the scheduler, and a reader that waits out a stall would hide it.
         */
        Reads(List<HearthNode> nodes, int keys, int readers) {
            counts = new int[readers];
            long every = 1_000_000_000L / Integer.getInteger("bench.readRate", 500);
            for (int r = 0; r < readers; r++) {
                int id = r;
                long[] lat = new long[2_000_000];
                latencies.add(lat);
                HearthNode node = nodes.get(r % nodes.size());
                Thread t = new Thread(() -> {
                    long due = System.nanoTime();
                    while (!stop.get() && counts[id] < lat.length) {
                        due += every;
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            java.util.concurrent.locks.LockSupport.parkNanos(wait);
                        }
                        TenantKey k = TenantKey.of("b", "key-" + ThreadLocalRandom.current().nextInt(keys));
                        node.cache().get(k).join();
                        lat[counts[id]++] = System.nanoTime() - due;
                    }
                }, "bench-reader-" + r);
                threads.add(t);
                t.start();
            }
        }

        String stop() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
            if (threads.isEmpty()) {
                return "";
            }
            int total = Arrays.stream(counts).sum();
            long[] all = new long[total];
            int at = 0;
            for (int r = 0; r < counts.length; r++) {
                System.arraycopy(latencies.get(r), 0, all, at, counts[r]);
                at += counts[r];
            }
            Arrays.sort(all);
            return String.format("; reads %d, p99 %.1f ms, max %.1f ms", total, all[(int) (total * 0.99)] / 1e6,
                    all[total - 1] / 1e6);
        }
    }

    /** The receiver before issue #14: a putIfAbsent per entry, 15 in flight, each with its remaining TTL. */
    private static final class PerEntryInsert implements StreamReceiver<String, byte[]> {
        private static final long serialVersionUID = 1L;

        @Override
        public void receive(IgniteCache<String, byte[]> cache, Collection<Map.Entry<String, byte[]>> entries) {
            long now = System.currentTimeMillis();
            ArrayDeque<IgniteFuture<Boolean>> pending = new ArrayDeque<>();
            for (Map.Entry<String, byte[]> e : entries) {
                long expireAt = ByteBuffer.wrap(e.getValue()).getLong(14);
                if (pending.size() == 15) {
                    pending.poll().get();
                }
                IgniteCache<String, byte[]> target = expireAt == 0 ? cache
                        : cache.withExpiryPolicy(Expiry.of(expireAt, now));
                pending.add(target.putIfAbsentAsync(e.getKey(), e.getValue()));
            }
            pending.forEach(IgniteFuture::get);
        }
    }
}
