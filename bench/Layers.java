import dev.hearth.client.HearthClient;
import dev.hearth.client.HearthClientBuilder;
import dev.hearth.client.TenantCache;
import dev.hearth.client.spring.HearthCacheManager;
import dev.hearth.client.spring.TypedJsonCodec;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.ignite.Ignition;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.configuration.ClientConfiguration;

/**
 * What each client layer costs against Ignite's raw thin client, side by side in one JVM and one run: the raw thin
 * client (the baseline; "thinttl": writing with hearth-client's eternal expiry policy), hearth-client (as built by
 * default; "io": with sendFromCaller off, every call through an io thread; "io1": that with one io thread),
 * hearth-jcache and hearth-spring's Spring Cache, each with the same threads, keys, value size and 90% gets. By
 * default the same threads switch layer every second within each round ({@link Sliced}), so that whatever else the
 * machine does hits all alike; SLICE=0 runs each layer alone for a whole window per round instead ({@link #rounds}).
 * Prints each layer's medians over the rounds, the median of its per-round differences to the thin client and in how
 * many rounds it was within 5% of it in both throughput and p99. Values: 100-byte strings (the thin client stores
 * 100 + 26 bytes, the size of hearth-client's envelope).
 *
 * <p>Run by {@code bench/layers.sh} against a running cluster ({@code bin/hearthctl local up}).
 * Args: ADDRESSES [THREADS=16] [SECONDS=10] [ROUNDS=5] [KEYS=10000]. Env: LAYERS (which, in order), SEND_FROM_CALLER,
 * IO_THREADS, SERVER_PIDS (the nodes' pids: their CPU per operation from /proc is printed next to this JVM's), SLICE.
 * SECONDS is each layer's measured time per round.
 */
public class Layers {
    interface Op {
        void run(int key, boolean get);
    }

    record Variant(String name, Op op) {
    }

    /**
     * One round of one layer. CPU per operation, in microseconds: this JVM's (the layer's own cost, what the client
     * side adds) and the servers' (SERVER_PIDS; NaN without), each over the round's window.
     */
    record Round(double opsPerSecond, double p99Ms, long failed, double clientCpuUsPerOp, double serverCpuUsPerOp) {
    }

    /** The nodes' pids (env SERVER_PIDS, comma-separated), whose CPU from /proc is counted per round. */
    static final long[] SERVER_PIDS = java.util.Arrays.stream(System.getenv().getOrDefault("SERVER_PIDS", "")
            .split(",")).filter(x -> !x.isBlank()).mapToLong(x -> Long.parseLong(x.trim())).toArray();

    /** User plus system CPU of the server pids so far, in clock ticks (1/100 s on Linux); -1 without pids. */
    static long serverTicks() {
        if (SERVER_PIDS.length == 0) {
            return -1;
        }
        long sum = 0;
        for (long pid : SERVER_PIDS) {
            try {
                String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
                // Fields after the command, which ends at the last ')': state is field 3, utime 14, stime 15.
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                sum += Long.parseLong(f[11]) + Long.parseLong(f[12]);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("SERVER_PIDS: cannot read /proc/" + pid + "/stat", e);
            }
        }
        return sum;
    }

    static long ownCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static String value(int k) {
        String s = "v" + k + "-";
        return (s + "x".repeat(100)).substring(0, 100);
    }

    public static void main(String[] args) throws Exception {
        String addresses = args[0];
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        int keys = args.length > 4 ? Integer.parseInt(args[4]) : 10_000;
        String[] list = addresses.split(",");

        IgniteClient thin = Ignition.startClient(new ClientConfiguration().setAddresses(list)
                .setPartitionAwarenessEnabled(true).setTimeout(1000));
        ClientCache<String, byte[]> raw = thin.cache("hearth-zone-default");
        ClientCache<String, byte[]> eternal = raw.withExpirePolicy(dev.hearth.storage.Expiry.ETERNAL);
        // SEND_FROM_CALLER=false builds every Hearth layer's client without sendFromCaller (layer "io" never has it).
        boolean fromCaller = !"false".equalsIgnoreCase(System.getenv("SEND_FROM_CALLER"));
        HearthClientBuilder clientBuilder = HearthClient.builder().addresses(list).timeout(Duration.ofSeconds(1))
                .sendFromCaller(fromCaller);
        if (System.getenv("IO_THREADS") != null) { // the client layers' io threads (default 4)
            clientBuilder.ioThreads(Integer.parseInt(System.getenv("IO_THREADS")));
        }
        HearthClient client = clientBuilder.build();
        TenantCache<byte[]> tenant = client.tenant("layers-client");
        // The same client with sendFromCaller off, every call handed to an io thread: layer "io".
        HearthClient ioClient = HearthClient.builder().addresses(list).timeout(Duration.ofSeconds(1))
                .sendFromCaller(false).build();
        TenantCache<byte[]> io = ioClient.tenant("layers-io");
        // That with one io thread (layer "io1"): fewer threads to wake per hand-off.
        HearthClient io1Client = HearthClient.builder().addresses(list).timeout(Duration.ofSeconds(1)).ioThreads(1)
                .sendFromCaller(false).build();
        TenantCache<byte[]> io1 = io1Client.tenant("layers-io1");
        Properties p = new Properties();
        p.setProperty("hearth.addresses", addresses);
        p.setProperty("hearth.send-from-caller", Boolean.toString(fromCaller));
        CacheManager jm = Caching.getCachingProvider("dev.hearth.client.jcache.HearthCachingProvider")
                .getCacheManager(URI.create("hearth:default"), Layers.class.getClassLoader(), p);
        Cache<String, String> jcache = jm.createCache("layers-jcache",
                new MutableConfiguration<String, String>().setTypes(String.class, String.class));
        HearthCacheManager sm = HearthCacheManager.builder(client).codec(TypedJsonCodec.trusting("java.lang")).build();
        org.springframework.cache.Cache spring = sm.getCache("layers-spring");

        // The thin client's keys have the length of hearth-client's stored keys ("layers-client:k1"): with shorter
        // ones the servers' CPU per operation came out 3-9% lower for the thin client than for every Hearth layer.
        String thinPrefix = "layers-thin00:k";
        byte[][] rawValues = new byte[keys][];
        byte[][] clientValues = new byte[keys][];
        // Made once, as the byte values are: building a value per put was load-JVM CPU only the JCache and Spring
        // layers paid.
        String[] stringValues = new String[keys];
        for (int k = 0; k < keys; k++) {
            stringValues[k] = value(k);
            byte[] v = stringValues[k].getBytes(java.nio.charset.StandardCharsets.UTF_8);
            clientValues[k] = v;
            rawValues[k] = Arrays.copyOf(new byte[26], 26 + v.length);
            System.arraycopy(v, 0, rawValues[k], 26, v.length);
        }
        List<Variant> all = List.of(
                new Variant("thin", (k, get) -> {
                    if (get) {
                        raw.get(thinPrefix + k);
                    } else {
                        raw.put(thinPrefix + k, rawValues[k]);
                    }
                }),
                // The thin client writing as hearth-client does: every put with an explicit eternal expiry policy
                // (a put must clear a TTL the entry had). Measures what that policy costs the nodes.
                new Variant("thinttl", (k, get) -> {
                    if (get) {
                        raw.get(thinPrefix + k);
                    } else {
                        eternal.put(thinPrefix + k, rawValues[k]);
                    }
                }),
                hearthClient("client", tenant, clientValues),
                hearthClient("io", io, clientValues),
                hearthClient("io1", io1, clientValues),
                new Variant("jcache", (k, get) -> {
                    if (get) {
                        jcache.get("k" + k);
                    } else {
                        jcache.put("k" + k, stringValues[k]);
                    }
                }),
                new Variant("spring", (k, get) -> {
                    if (get) {
                        spring.get("k" + k);
                    } else {
                        spring.put("k" + k, stringValues[k]);
                    }
                }));
        List<Variant> variants = all;
        // LAYERS=thin,client (optional) measures only those layers, in that order.
        String only = System.getenv("LAYERS");
        if (only != null && !only.isBlank()) {
            List<String> names = List.of(only.split(","));
            variants = names.stream().map(n -> all.stream().filter(v -> v.name().equals(n)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no layer " + n))).toList();
        }
        try {
            preload(variants, keys);
            // SLICE (seconds, default 1): the layers alternate in slices of that length within each round; 0: each
            // layer runs alone for SECONDS per round, in turn (the method of the runs before 2026-12-07).
            double slice = Double.parseDouble(System.getenv().getOrDefault("SLICE", "1"));
            summary(slice > 0 ? sliced(variants, threads, seconds, rounds, keys, slice)
                    : rounds(variants, threads, seconds, rounds, keys), threads);
        } finally {
            // Cleanup failures must not leave the JVM running (Ignite's client threads are not daemons).
            try {
                jm.destroyCache("layers-jcache");
                jm.close();
                tenant.withTimeout(Duration.ofSeconds(30)).flush();
                io.withTimeout(Duration.ofSeconds(30)).flush();
                io1.withTimeout(Duration.ofSeconds(30)).flush();
                client.tenant("layers-spring").withTimeout(Duration.ofSeconds(30)).flush();
                for (int k = 0; k < keys; k++) {
                    raw.remove(thinPrefix + k);
                }
            } finally {
                System.err.println("client: " + client.stats());
                System.err.println("io client: " + ioClient.stats());
                client.close();
                ioClient.close();
                io1Client.close();
                thin.close();
            }
        }
    }

    /** A hearth-client layer: gets and puts of {@code values} by key {@code "k" + index}. */
    static Variant hearthClient(String name, TenantCache<byte[]> cache, byte[][] values) {
        return new Variant(name, (k, get) -> {
            if (get) {
                cache.get("k" + k);
            } else {
                cache.put("k" + k, values[k]);
            }
        });
    }

    /** Each layer writes every key once, so that gets hit from the start. */
    static void preload(List<Variant> variants, int keys) {
        for (Variant v : variants) {
            for (int k = 0; k < keys; k++) {
                v.op().run(k, false);
            }
        }
    }

    /**
     * Whole rounds: each layer runs alone for {@code seconds} with its own threads, in turn. Separate windows of a few
     * seconds moved by 2x on a shared machine; {@link Sliced} is the steadier way and the default.
     */
    static Map<String, List<Round>> rounds(List<Variant> variants, int threads, int seconds, int rounds, int keys)
            throws Exception {
        Map<String, List<Round>> results = new LinkedHashMap<>();
        // Round 0 warms every layer up (JIT) and is not counted. Each round starts one layer later (thin, client,
        // jcache; client, jcache, thin; ...): with a fixed order, the same layer always followed the same one and took
        // the same share of whatever the nodes do periodically (the servers' CPU per operation, the same work for
        // every layer, differed by up to 14% between layers in one run of 8 rounds).
        for (int r = 0; r <= rounds; r++) {
            for (int i = 0; i < variants.size(); i++) {
                Variant v = variants.get((i + r) % variants.size());
                Round x = run(v, threads, r == 0 ? Math.max(3, seconds / 2) : seconds, keys);
                print(r, v.name(), x);
                if (r > 0) {
                    results.computeIfAbsent(v.name(), n -> new ArrayList<>()).add(x);
                }
            }
        }
        return results;
    }

    static void print(int round, String layer, Round x) {
        System.err.printf("round %d %-7s %9.0f ops/s  p99 %6.2f ms  failed %d  cpu/op client %.1f us, "
                + "servers %.1f us%n",
                round, layer, x.opsPerSecond(), x.p99Ms(), x.failed(), x.clientCpuUsPerOp(), x.serverCpuUsPerOp());
    }

    /**
     * Every layer in one round, driven by the same threads, which switch layer every {@code slice} seconds: each
     * layer once per cycle of slices, in a new random order every cycle. Whatever the machine does during a round
     * then falls on every layer alike, as with {@code hearthctl bench --compare} for two clients: rounds of whole
     * windows per layer moved by up to 2x on this machine, so that differences of a few percent were lost in them.
     */
    static final class Sliced {
        private final List<Variant> layers;
        private final double slice;
        private final int keys;
        private final Recorder[] latency;
        private final LongAdder[] failed;
        private final List<Thread> workers = new ArrayList<>();
        /** The layer the workers run; -1 stops them. */
        private volatile int phase;
        private volatile boolean recording;
        private volatile Throwable error;
        private final SplittableRandom orderRandom = new SplittableRandom(1);

        Sliced(List<Variant> layers, int threads, double slice, int keys) {
            this.layers = layers;
            this.slice = slice;
            this.keys = keys;
            latency = new Recorder[layers.size()];
            failed = new LongAdder[layers.size()];
            for (int i = 0; i < layers.size(); i++) {
                latency[i] = new Recorder(3);
                failed[i] = new LongAdder();
            }
            for (int t = 0; t < threads; t++) {
                SplittableRandom rnd = new SplittableRandom(t * 7919L + System.nanoTime());
                Thread th = new Thread(() -> work(rnd), "layers-" + t);
                th.setDaemon(true);
                workers.add(th);
                th.start();
            }
        }

        private void work(SplittableRandom rnd) {
            try {
                int p;
                while ((p = phase) >= 0) {
                    int k = rnd.nextInt(keys);
                    boolean get = rnd.nextInt(10) != 0;
                    boolean rec = recording;
                    long s = System.nanoTime();
                    boolean ok = true;
                    try {
                        layers.get(p).op().run(k, get);
                    } catch (RuntimeException e) {
                        ok = false;
                    }
                    long took = System.nanoTime() - s;
                    // Counted only if the whole operation ran inside a measured slice of its own layer.
                    if (rec && recording && phase == p) {
                        latency[p].recordValue(Math.max(1, took / 1000));
                        if (!ok) {
                            failed[p].increment();
                        }
                    }
                }
            } catch (Throwable e) {
                error = e;
                phase = -1;
            }
        }

        /** One round: {@code seconds} measured per layer, in slices; what each layer did in it, by layer. */
        List<Round> round(double seconds) throws InterruptedException {
            int n = layers.size();
            double[] measured = new double[n];
            long[] cpu = new long[n];
            long[] serverTicks = new long[n];
            for (int i = 0; i < n; i++) {
                latency[i].reset();
                failed[i].reset();
            }
            int perLayer = Math.max(1, (int) Math.round(seconds / slice));
            long sliceNanos = (long) (slice * 1e9);
            long settleNanos = Math.min(sliceNanos / 4, 200_000_000L);
            int[] order = new int[n];
            for (int s = 0; s < perLayer * n && error == null; s++) {
                if (s % n == 0) {
                    shuffle(order);
                }
                int p = order[s % n];
                if (p != phase) {
                    recording = false;
                    phase = p;
                    sleepNanos(settleNanos); // operations of the previous layer still running finish first
                }
                long c0 = ownCpuNanos();
                long s0 = serverTicks();
                long t0 = System.nanoTime();
                recording = true;
                sleepNanos(sliceNanos);
                recording = false;
                measured[p] += (System.nanoTime() - t0) / 1e9;
                cpu[p] += ownCpuNanos() - c0;
                serverTicks[p] += s0 < 0 ? 0 : serverTicks() - s0;
            }
            if (error != null) {
                throw new IllegalStateException("a load thread failed: " + error, error);
            }
            List<Round> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Histogram h = latency[i].getIntervalHistogram();
                long ops = Math.max(1, h.getTotalCount());
                out.add(new Round((h.getTotalCount() - failed[i].sum()) / measured[i],
                        h.getValueAtPercentile(99) / 1000.0, failed[i].sum(), cpu[i] / 1e3 / ops,
                        SERVER_PIDS.length == 0 ? Double.NaN : serverTicks[i] * 10_000.0 / ops));
            }
            return out;
        }

        void stop() throws InterruptedException {
            phase = -1;
            for (Thread t : workers) {
                t.join();
            }
        }

        /**
         * A new random order of the layers for the next cycle. A fixed order (thin, client, jcache, spring, spring,
         * ...) repeated every 9.6 s beside the nodes' local-copy rounds every 10 s: for minutes the same layers met
         * the rounds' writes, and the JCache and Spring layers came out 10-12% behind the thin client in one 80 s
         * round and 5% ahead in the next.
         */
        private void shuffle(int[] order) {
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            for (int i = order.length - 1; i > 0; i--) {
                int j = orderRandom.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }

        static void sleepNanos(long nanos) throws InterruptedException {
            long end = System.nanoTime() + nanos;
            long left;
            while ((left = end - System.nanoTime()) > 0) {
                java.util.concurrent.TimeUnit.NANOSECONDS.sleep(left);
            }
        }
    }

    static Map<String, List<Round>> sliced(List<Variant> variants, int threads, int seconds, int rounds, int keys,
            double slice) throws Exception {
        Map<String, List<Round>> results = new LinkedHashMap<>();
        Sliced load = new Sliced(variants, threads, slice, keys);
        try {
            // Round 0 warms every layer up (JIT) and is not counted: as long as the others, since with half of that
            // the first counted round still had the JCache and Spring layers 12-15% behind, and the next ones not.
            for (int r = 0; r <= rounds; r++) {
                List<Round> round = load.round(seconds);
                for (int i = 0; i < variants.size(); i++) {
                    print(r, variants.get(i).name(), round.get(i));
                    if (r > 0) {
                        results.computeIfAbsent(variants.get(i).name(), n -> new ArrayList<>()).add(round.get(i));
                    }
                }
            }
        } finally {
            load.stop();
        }
        return results;
    }

    /**
     * Each layer's medians over the rounds and, against the thin layer, the median of the per-round differences (a
     * round's layers ran under the same conditions) and in how many rounds both throughput and p99 were within #19's
     * 5%. Without the thin layer (LAYERS) there is no baseline: the differences print as NaN.
     */
    static void summary(Map<String, List<Round>> results, int threads) {
        List<Round> thin = results.getOrDefault("thin", List.of());
        System.out.printf("%-8s %8s %7s %10s %8s %12s %12s %10s %10s %10s %10s %9s%n", "LAYER", "THREADS", "ROUNDS",
                "OPS/S", "P99_MS", "OPS_VS_THIN", "P99_VS_THIN", "CLI_US_OP", "VS_THIN", "SRV_US_OP", "VS_THIN",
                "WITHIN_5%");
        results.forEach((name, rs) -> {
            List<double[]> d = new ArrayList<>(); // per round: ops, p99, client CPU, servers' CPU, each vs thin
            int within = 0;
            for (int r = 0; r < rs.size() && r < thin.size(); r++) {
                Round x = rs.get(r);
                Round t = thin.get(r);
                double[] v = {pct(x.opsPerSecond(), t.opsPerSecond()), pct(x.p99Ms(), t.p99Ms()),
                        pct(x.clientCpuUsPerOp(), t.clientCpuUsPerOp()),
                        pct(x.serverCpuUsPerOp(), t.serverCpuUsPerOp())};
                d.add(v);
                within += v[0] >= -5 && v[1] <= 5 ? 1 : 0;
            }
            long failedOps = rs.stream().mapToLong(Round::failed).sum();
            System.out.printf("%-8s %8d %7d %10.0f %8.2f %11.1f%% %11.1f%% %10.1f %9.1f%% %10.1f %9.1f%% %9s%s%n",
                    name, threads, rs.size(), median(rs, Round::opsPerSecond), median(rs, Round::p99Ms),
                    medianOf(d, 0), medianOf(d, 1), median(rs, Round::clientCpuUsPerOp), medianOf(d, 2),
                    median(rs, Round::serverCpuUsPerOp), medianOf(d, 3),
                    d.isEmpty() ? "n/a" : within + "/" + d.size(), failedOps > 0 ? "  failed " + failedOps : "");
        });
    }

    static double pct(double x, double base) {
        return 100 * (x / base - 1);
    }

    static double medianOf(List<double[]> rows, int column) {
        return median(rows.stream().mapToDouble(r -> r[column]).toArray());
    }

    static double median(List<Round> rs, java.util.function.ToDoubleFunction<Round> f) {
        return median(rs.stream().mapToDouble(f).toArray());
    }

    static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] a = values.clone();
        Arrays.sort(a);
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    static Round run(Variant v, int threads, int seconds, int keys) throws InterruptedException {
        Recorder recorder = new Recorder(3);
        LongAdder ops = new LongAdder();
        LongAdder failed = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(threads);
        long t0 = System.nanoTime();
        long cpu0 = ownCpuNanos();
        long ticks0 = serverTicks();
        for (int t = 0; t < threads; t++) {
            long seed = t * 7919L + System.nanoTime();
            Thread th = new Thread(() -> {
                SplittableRandom rnd = new SplittableRandom(seed);
                while (!stop.get()) {
                    int k = rnd.nextInt(keys);
                    boolean get = rnd.nextInt(10) != 0;
                    long s = System.nanoTime();
                    try {
                        v.op().run(k, get);
                        ops.increment();
                    } catch (RuntimeException e) {
                        failed.increment();
                    }
                    recorder.recordValue(Math.max(1, (System.nanoTime() - s) / 1000));
                }
                done.countDown();
            });
            th.setDaemon(true);
            th.start();
        }
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        done.await();
        double elapsed = (System.nanoTime() - t0) / 1e9;
        long n = Math.max(1, ops.sum() + failed.sum());
        double clientCpu = (ownCpuNanos() - cpu0) / 1e3 / n;
        double serverCpu = ticks0 < 0 ? Double.NaN : (serverTicks() - ticks0) * 10_000.0 / n;
        Histogram h = recorder.getIntervalHistogram();
        return new Round(ops.sum() / elapsed, h.getValueAtPercentile(99) / 1000.0, failed.sum(), clientCpu, serverCpu);
    }
}
