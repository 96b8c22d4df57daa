package dev.hearth.cli.chaos;

import dev.hearth.client.Codec;
import dev.hearth.client.HearthClient;
import dev.hearth.client.TenantCache;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The mixed load of a chaos scenario, and its bookkeeping.
 *
 * <p>hearth-client threads (sync calls, one deadline) and memcached threads ({@link McClient}) write versioned
 * values and read them back. Each writer owns its keys, so the versions of a key only grow, and every acknowledged
 * write is remembered (key -> version). A write that failed has an unknown outcome (it may still land later, even
 * after a newer write), so its key is retired: the writer moves on to a fresh key, and the retired key keeps its
 * last acknowledged version, which any late write can only raise. After the fault heals, {@link #verify} reads
 * every remembered key back: missing or older than acknowledged = an acknowledged write lost.
 */
final class ChaosLoad implements AutoCloseable {
    static final String TENANT = "chaos";
    private static final String PAD = "x".repeat(64);

    /** Threads, deadline, keys and pace of a load. */
    record Config(int hcWriters, int hcReaders, int mcWriters, int mcReaders, Duration deadline, int keysPerWriter,
            int opsPerSecondPerThread, int mcFailoverAfterMillis, int mcWriteTimeoutMillis) {
        static Config standard() {
            return new Config(4, 4, 2, 2, Duration.ofSeconds(1), 300, 150,
                    Integer.getInteger("chaos.mcFailoverAfterMillis", 120), 2_500);
        }

        /** The kill-and-restart scenario's: 16 hearth-client writers, 1 s deadline, nothing else. */
        static Config writers16() {
            return new Config(16, 0, 0, 0, Duration.ofSeconds(1), 300, 60, 120, 2_500);
        }
    }

    final Config config;
    private final ChaosCluster cluster;
    private final HearthClient client;
    private final TenantCache<String> cache;
    private final Map<String, Long> acked = new ConcurrentHashMap<>();
    /** When each key's last acknowledged write was acknowledged (nanoTime), to place a lost write on the timeline. */
    private final Map<String, Long> ackedAt = new ConcurrentHashMap<>();
    /** The node a memcached write's last acknowledgement came from (hearth-client's are not known). */
    private final Map<String, Integer> lastAckNode = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<Writer> writers = new ArrayList<>();
    private volatile boolean running = true;

    final LongAdder hcWriteOk = new LongAdder();
    final LongAdder hcWriteFail = new LongAdder();
    final LongAdder hcReadOk = new LongAdder();
    final LongAdder hcReadFail = new LongAdder();
    final LongAdder mcWriteOk = new LongAdder();
    final LongAdder mcWriteFail = new LongAdder();
    final LongAdder mcReadOk = new LongAdder();
    final LongAdder mcReadFail = new LongAdder();
    final LongAdder mcReadFailedOver = new LongAdder();
    final LongAdder staleReads = new LongAdder();
    final LongAdder ackedMisses = new LongAdder();
    final LongAdder hcOverDeadline = new LongAdder();
    final LongAdder mcReadsOver250 = new LongAdder();
    final AtomicLong worstHcWrite = new AtomicLong();
    final AtomicLong worstHcRead = new AtomicLong();
    final AtomicLong worstMcRead = new AtomicLong();
    final AtomicLong worstMcWrite = new AtomicLong();
    private final Map<String, LongAdder> failureCauses = new ConcurrentHashMap<>();

    ChaosLoad(ChaosCluster cluster, Config config) {
        this.cluster = cluster;
        this.config = config;
        this.client = HearthClient.builder().addresses(cluster.thinClientAddresses()).timeout(config.deadline())
                .build();
        this.cache = client.tenant(TENANT, Codec.utf8());
    }

    /** Starts every load thread. */
    ChaosLoad start() {
        for (int w = 0; w < config.hcWriters(); w++) {
            writers.add(new Writer("hc", w, config.keysPerWriter()));
        }
        for (int w = 0; w < config.mcWriters(); w++) {
            writers.add(new Writer("mc", w, config.keysPerWriter()));
        }
        for (Writer w : writers) {
            spawn(w.kind + "-writer-" + w.index, w.kind.equals("hc") ? () -> hcWrite(w) : () -> mcWrite(w));
        }
        for (int r = 0; r < config.hcReaders(); r++) {
            spawn("hc-reader-" + r, this::hcRead);
        }
        for (int r = 0; r < config.mcReaders(); r++) {
            spawn("mc-reader-" + r, this::mcRead);
        }
        return this;
    }

    private void spawn(String name, Runnable body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (RuntimeException e) {
                cause(name + " died", e);
                throw e;
            }
        }, "chaos-" + name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    /** One writer's keys: slot s is key {@code <kind>-w<index>-s<s>-g<gen[s]>}; gen moves on when one is retired. */
    private static final class Writer {
        final String kind;
        final int index;
        final AtomicIntegerArray gens;
        long seq;

        Writer(String kind, int index, int keys) {
            this.kind = kind;
            this.index = index;
            this.gens = new AtomicIntegerArray(keys);
        }

        String key(int slot) {
            return kind + "-w" + index + "-s" + slot + "-g" + gens.get(slot);
        }
    }

    static String value(long seq) {
        return seq + "|" + PAD;
    }

    static long version(String value) {
        int bar = value.indexOf('|');
        return Long.parseLong(bar < 0 ? value : value.substring(0, bar));
    }

    /** Remembers an acknowledged write made outside the load (a scenario's own probe). */
    void track(String key, long version) {
        ackedAt.put(key, System.nanoTime());
        acked.merge(key, version, Math::max);
    }

    /** Runs {@code op} until the load stops, at most {@code opsPerSecondPerThread} times a second. */
    private void paced(Runnable op) {
        long pace = TimeUnit.SECONDS.toNanos(1) / config.opsPerSecondPerThread();
        while (running) {
            long start = System.nanoTime();
            op.run();
            long left = start + pace - System.nanoTime();
            if (left > 0) {
                LockSupport.parkNanos(left);
            }
        }
    }

    private void hcWrite(Writer w) {
        int[] slot = {0};
        paced(() -> {
            long start = System.nanoTime();
            String key = w.key(slot[0]);
            long seq = ++w.seq;
            try {
                cache.put(key, value(seq));
                ackedAt.put(key, System.nanoTime());
                acked.put(key, seq);
                hcWriteOk.increment();
            } catch (RuntimeException e) {
                hcWriteFail.increment();
                cause("hearth-client write", e);
                w.gens.incrementAndGet(slot[0]);
            }
            long took = System.nanoTime() - start;
            worst(worstHcWrite, took);
            overDeadline(took);
            slot[0] = (slot[0] + 1) % config.keysPerWriter();
        });
    }

    private void hcRead() {
        paced(() -> {
            String key = randomKey();
            if (key == null) {
                return;
            }
            Long before = acked.get(key);
            long start = System.nanoTime();
            try {
                String v = cache.get(key);
                hcReadOk.increment();
                checkFresh(before, v);
            } catch (RuntimeException e) {
                hcReadFail.increment();
                cause("hearth-client read", e);
            }
            long took = System.nanoTime() - start;
            worst(worstHcRead, took);
            overDeadline(took);
        });
    }

    private void mcWrite(Writer w) {
        int[] slot = {0};
        try (McClient mc = new McClient(cluster.memcachedAddresses(), config.mcFailoverAfterMillis(),
                config.mcWriteTimeoutMillis())) {
            paced(() -> {
                long start = System.nanoTime();
                String key = w.key(slot[0]);
                long seq = ++w.seq;
                try {
                    int node = mc.set(TENANT + ":" + key, value(seq), w.index % cluster.size());
                    ackedAt.put(key, System.nanoTime());
                    acked.put(key, seq);
                    lastAckNode.put(key, node);
                    mcWriteOk.increment();
                } catch (IOException e) {
                    mcWriteFail.increment();
                    cause("memcached write", e);
                    w.gens.incrementAndGet(slot[0]);
                }
                worst(worstMcWrite, System.nanoTime() - start);
                slot[0] = (slot[0] + 1) % config.keysPerWriter();
            });
        }
    }

    private void mcRead() {
        try (McClient mc = new McClient(cluster.memcachedAddresses(), config.mcFailoverAfterMillis(),
                config.mcWriteTimeoutMillis())) {
            paced(() -> {
                String key = randomKey();
                if (key == null) {
                    return;
                }
                Long before = acked.get(key);
                long start = System.nanoTime();
                int preferred = ThreadLocalRandom.current().nextInt(cluster.size());
                try {
                    McClient.Read r = mc.get(TENANT + ":" + key, preferred);
                    mcReadOk.increment();
                    if (r.node() != preferred) {
                        mcReadFailedOver.increment();
                    }
                    checkFresh(before, r.value());
                } catch (IOException e) {
                    mcReadFail.increment();
                    cause("memcached read", e);
                }
                long took = System.nanoTime() - start;
                worst(worstMcRead, took);
                if (took > TimeUnit.MILLISECONDS.toNanos(250)) {
                    mcReadsOver250.increment();
                }
            });
        }
    }

    /**
     * A read that returned an older version than had been acknowledged before it started is stale; one that found
     * nothing is a miss (a cache may miss while it refills, but must never answer an old value).
     */
    private void checkFresh(Long ackedBefore, String value) {
        if (ackedBefore == null) {
            return;
        }
        if (value == null) {
            ackedMisses.increment();
        } else if (version(value) < ackedBefore) {
            staleReads.increment();
        }
    }

    private String randomKey() {
        if (writers.isEmpty()) {
            return null;
        }
        ThreadLocalRandom r = ThreadLocalRandom.current();
        Writer w = writers.get(r.nextInt(writers.size()));
        return w.key(r.nextInt(config.keysPerWriter()));
    }

    private void overDeadline(long nanos) {
        if (nanos > config.deadline().toNanos() + TimeUnit.MILLISECONDS.toNanos(20)) {
            hcOverDeadline.increment();
        }
    }

    private static void worst(AtomicLong worst, long nanos) {
        worst.accumulateAndGet(nanos, Math::max);
    }

    private void cause(String where, Throwable e) {
        String msg = String.valueOf(e.getMessage());
        // Numbers (ages, millis) vary per failure; without them the same cause adds up to one line.
        msg = msg.replaceAll("\\d+", "#");
        msg = msg.length() > 90 ? msg.substring(0, 90) : msg;
        failureCauses.computeIfAbsent(where + ": " + e.getClass().getSimpleName() + ": " + msg,
                k -> new LongAdder()).increment();
    }

    /** Stops the load threads (each finishes its current call, bounded by its deadline). */
    void stop() {
        running = false;
        for (Thread t : threads) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (t.isAlive()) {
                cause("load thread", new IllegalStateException(t.getName() + " still running 10 s after stop"));
            }
        }
    }

    /** What reading every acknowledged key back found. */
    record Verification(int keys, int lost, int divergent, int unreadable, List<String> examples) {
    }

    /**
     * Reads every acknowledged key back through hearth-client (a fresh client, 5 s deadline: the healthy path) and
     * through each node's memcached port: lost = missing or older than acknowledged on the healthy path; divergent
     * = the nodes' answers differ from one another (a node answers from its own copy when it holds the key).
     */
    Verification verify() throws IOException {
        List<String> keys = new ArrayList<>(new TreeMap<>(acked).keySet());
        int lost = 0;
        int divergent = 0;
        int unreadable = 0;
        List<String> examples = new ArrayList<>();
        try (HearthClient verifier = HearthClient.builder().addresses(cluster.thinClientAddresses())
                .timeout(Duration.ofSeconds(5)).build();
                McClient mc = new McClient(cluster.memcachedAddresses(), 5_000, 5_000)) {
            TenantCache<String> c = verifier.tenant(TENANT, Codec.utf8());
            for (int from = 0; from < keys.size(); from += 200) {
                List<String> batch = keys.subList(from, Math.min(keys.size(), from + 200));
                Map<String, String> healthy = readBatch(c, batch);
                List<Map<String, String>> perNode = new ArrayList<>();
                for (int i = 0; i < cluster.size(); i++) {
                    List<String> mkeys = batch.stream().map(k -> TENANT + ":" + k).toList();
                    Map<String, String> m = new HashMap<>();
                    mc.getMulti(i, mkeys, 5_000).forEach((k, v) -> m.put(k.substring(TENANT.length() + 1), v));
                    perNode.add(m);
                }
                for (String k : batch) {
                    long want = acked.get(k);
                    String got = healthy == null ? null : healthy.get(k);
                    if (healthy == null) {
                        unreadable++;
                    } else if (got == null || version(got) < want) {
                        lost++;
                        Integer via = lastAckNode.get(k);
                        example(examples, String.format("lost %s: acked %d at %.1fs%s, read %s", k, want,
                                cluster.elapsed(ackedAt.getOrDefault(k, 0L)), via == null ? "" : " by n" + via,
                                got == null ? "nothing" : Long.toString(version(got))));
                    }
                    String first = perNode.get(0).get(k);
                    for (int i = 1; i < perNode.size(); i++) {
                        if (!Objects.equals(first, perNode.get(i).get(k))) {
                            divergent++;
                            example(examples, "divergent " + k + ": " + describe(perNode, k));
                            break;
                        }
                    }
                }
            }
        }
        return new Verification(keys.size(), lost, divergent, unreadable, examples);
    }

    private static String describe(List<Map<String, String>> perNode, String k) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < perNode.size(); i++) {
            String v = perNode.get(i).get(k);
            b.append(" n").append(i).append('=').append(v == null ? "-" : Long.toString(version(v)));
        }
        return b.toString().trim();
    }

    private static void example(List<String> examples, String what) {
        if (examples.size() < 10) {
            examples.add(what);
        }
    }

    /** The healthy path's answer for a batch, or null when three tries all failed (counted as unreadable). */
    private Map<String, String> readBatch(TenantCache<String> c, List<String> batch) {
        RuntimeException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                return c.getAll(batch);
            } catch (RuntimeException e) {
                last = e;
                cause("verification read", e);
            }
        }
        System.err.println("verification: a batch of " + batch.size() + " keys unreadable: " + last);
        return null;
    }

    int ackedKeys() {
        return acked.size();
    }

    /** Failure causes, most frequent first. */
    List<String> failureCauses() {
        return failureCauses.entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue().sum(), a.getValue().sum()))
                .map(e -> e.getValue().sum() + " x " + e.getKey()).limit(12).toList();
    }

    /** The load's counts into a report. */
    void addTo(ChaosReport r) {
        long ms = 1_000_000L;
        r.metric("hearth-client writes ok/failed", hcWriteOk.sum() + "/" + hcWriteFail.sum());
        r.metric("hearth-client reads ok/failed", hcReadOk.sum() + "/" + hcReadFail.sum());
        r.metric("memcached writes ok/failed", mcWriteOk.sum() + "/" + mcWriteFail.sum());
        r.metric("memcached reads ok/failed (failed over)",
                mcReadOk.sum() + "/" + mcReadFail.sum() + " (" + mcReadFailedOver.sum() + ")");
        r.metric("stale reads (older value than acked)", staleReads.sum());
        r.metric("reads that missed an acked key", ackedMisses.sum());
        r.metric("worst hearth-client write ms (deadline " + config.deadline().toMillis() + ")",
                worstHcWrite.get() / ms);
        r.metric("worst hearth-client read ms (deadline " + config.deadline().toMillis() + ")",
                worstHcRead.get() / ms);
        r.metric("hearth-client calls over deadline+20ms", hcOverDeadline.sum());
        r.metric("worst memcached read ms", worstMcRead.get() / ms);
        r.metric("memcached reads over 250 ms", mcReadsOver250.sum());
        r.metric("worst memcached write ms", worstMcWrite.get() / ms);
        for (String c : failureCauses()) {
            r.note("failure: " + c);
        }
    }

    @Override
    public void close() {
        running = false;
        client.close();
    }
}
