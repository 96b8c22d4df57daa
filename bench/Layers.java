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
 * client (the baseline), hearth-client (as built by default; "io": with sendFromCaller off, every call through an io
 * thread; "io1": that with one io thread),
 * hearth-jcache and hearth-spring's Spring Cache, each with the same threads, keys, value size and 90% gets, in
 * interleaved rounds (thin, client, jcache, spring; client, jcache, spring, thin; ...: each round starts one layer
 * later) so that whatever else the machine does hits all alike. Prints each layer's median ops/s and p99 over the
 * rounds and its ratio to the thin
 * client's. Values: 100-byte strings (the thin client stores 100 + 26 bytes, the size of hearth-client's envelope).
 *
 * <p>Run by {@code bench/layers.sh} against a running cluster ({@code bin/hearthctl local up}).
 * Args: ADDRESSES [THREADS=16] [SECONDS=10] [ROUNDS=5] [KEYS=10000]. Env: LAYERS (which, in order), SEND_FROM_CALLER,
 * IO_THREADS, SERVER_PIDS (the nodes' pids: their CPU per operation from /proc is printed next to this JVM's).
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
        for (int k = 0; k < keys; k++) {
            byte[] v = value(k).getBytes(java.nio.charset.StandardCharsets.UTF_8);
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
                hearthClient("client", tenant, clientValues),
                hearthClient("io", io, clientValues),
                hearthClient("io1", io1, clientValues),
                new Variant("jcache", (k, get) -> {
                    if (get) {
                        jcache.get("k" + k);
                    } else {
                        jcache.put("k" + k, value(k));
                    }
                }),
                new Variant("spring", (k, get) -> {
                    if (get) {
                        spring.get("k" + k);
                    } else {
                        spring.put("k" + k, value(k));
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
            measure(variants, threads, seconds, rounds, keys);
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

    static void measure(List<Variant> variants, int threads, int seconds, int rounds, int keys) throws Exception {
        for (Variant v : variants) {
            for (int k = 0; k < keys; k++) {
                v.op().run(k, false);
            }
        }
        Map<String, List<Round>> results = new LinkedHashMap<>();
        // Round 0 warms every layer up (JIT) and is not counted. Each round starts one layer later (thin, client,
        // jcache; client, jcache, thin; ...): with a fixed order, the same layer always followed the same one and took
        // the same share of whatever the nodes do periodically (the servers' CPU per operation, the same work for
        // every layer, differed by up to 14% between layers in one run of 8 rounds).
        for (int r = 0; r <= rounds; r++) {
            for (int i = 0; i < variants.size(); i++) {
                Variant v = variants.get((i + r) % variants.size());
                Round x = run(v, threads, r == 0 ? Math.max(3, seconds / 2) : seconds, keys);
                System.err.printf("round %d %-7s %9.0f ops/s  p99 %6.2f ms  failed %d  cpu/op client %.1f us, "
                        + "servers %.1f us%n", r, v.name(), x.opsPerSecond(), x.p99Ms(), x.failed(),
                        x.clientCpuUsPerOp(), x.serverCpuUsPerOp());
                if (r > 0) {
                    results.computeIfAbsent(v.name(), n -> new ArrayList<>()).add(x);
                }
            }
        }
        // Without the thin layer (LAYERS) there is no baseline: the ratios print as NaN.
        List<Round> thin = results.getOrDefault("thin", List.of());
        double thinOps = thin.isEmpty() ? Double.NaN : median(thin, Round::opsPerSecond);
        double thinP99 = thin.isEmpty() ? Double.NaN : median(thin, Round::p99Ms);
        double thinClientCpu = thin.isEmpty() ? Double.NaN : median(thin, Round::clientCpuUsPerOp);
        double thinServerCpu = thin.isEmpty() ? Double.NaN : median(thin, Round::serverCpuUsPerOp);
        // CPU per operation in microseconds, medians: the load JVM's own (client side) and the servers' (SERVER_PIDS).
        System.out.printf("%-8s %8s %7s %10s %8s %12s %12s %10s %10s %10s %10s%n", "LAYER", "THREADS", "ROUNDS",
                "OPS/S", "P99_MS", "OPS_VS_THIN", "P99_VS_THIN", "CLI_US_OP", "VS_THIN", "SRV_US_OP", "VS_THIN");
        results.forEach((name, rs) -> {
            double ops = median(rs, Round::opsPerSecond);
            double p99 = median(rs, Round::p99Ms);
            double cli = median(rs, Round::clientCpuUsPerOp);
            double srv = median(rs, Round::serverCpuUsPerOp);
            long failed = rs.stream().mapToLong(Round::failed).sum();
            System.out.printf("%-8s %8d %7d %10.0f %8.2f %11.1f%% %11.1f%% %10.1f %9.1f%% %10.1f %9.1f%%%s%n", name,
                    threads, rs.size(), ops, p99, 100 * (ops / thinOps - 1), 100 * (p99 / thinP99 - 1), cli,
                    100 * (cli / thinClientCpu - 1), srv, 100 * (srv / thinServerCpu - 1),
                    failed > 0 ? "  failed " + failed : "");
        });
    }

    static double median(List<Round> rs, java.util.function.ToDoubleFunction<Round> f) {
        double[] a = rs.stream().mapToDouble(f).sorted().toArray();
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
