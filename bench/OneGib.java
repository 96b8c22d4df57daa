// Load generator for bench/one-gib.sh (one Java source file, not part of the Maven build; the script compiles it
// with javac against the hearthctl distribution). It talks to the cluster through hearth-client:
//   OneGib load SERVERS ENTRIES VALUE_SIZE
//   OneGib read SERVERS ENTRIES VALUE_SIZE STOP_FILE THREADS [START_FILE]
//   OneGib write SERVERS ENTRIES VALUE_SIZE STOP_FILE THREADS ACKED_FILE
//   OneGib verify SERVERS ENTRIES VALUE_SIZE ACKED_FILE KILL_EPOCH_MS INTERVAL_MS
// load: writes ENTRIES keys (bench1g:<i>) of VALUE_SIZE bytes, 256 writes in flight; prints entries/s and MB/s.
// read: until STOP_FILE exists, THREADS threads read random keys (10% of operations rewrite the key with its same
// deterministic value); every hit is compared byte for byte. Prints one line per second (hit ratio, p99 and max of
// that second) and a summary: operations, failures, wrong values, overall hit ratio, p99, p99.9, max, and the first
// second (counted from the start) whose hit ratio reached 99% and stayed there. With START_FILE, the threads read
// from the first moment but nothing is counted until START_FILE exists (an operation counts if it began after): an API
// server's JVM is warm when the cache restarts under it, so the reader's own start-up (its JIT) stays out of the
// figures.
// write: until STOP_FILE exists, THREADS threads write new keys (bench1g-w:<thread>:<seq>, the value of seq); each
// acknowledged write goes to ACKED_FILE as "key epochMs" when it was acknowledged.
// verify: reads back every key of ACKED_FILE; a write acknowledged more than INTERVAL_MS before KILL_EPOCH_MS (the
// local copy's interval) must be there with its value. Prints how many were back, by age.
// With MEMCACHED=HOST:PORT,... read goes through the nodes' memcached ports instead (text protocol, key
// bench1g:k<i>, each key to one port by its hash, as a memcached client spreads keys), one connection per thread and
// port: what a memcached client sees of the same data.
import dev.hearth.client.ClientStats;
import dev.hearth.client.HearthClient;
import dev.hearth.client.TenantCache;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

public class OneGib {
    static final String TENANT = "bench1g";

    static byte[] value(int i, int size) {
        byte[] v = new byte[size];
        long x = i * 0x9E3779B97F4A7C15L + 1;
        for (int j = 0; j < size; j++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            v[j] = (byte) x;
        }
        return v;
    }

    static String key(int i) {
        return "k" + i;
    }

    /** What a read thread reads and rewrites through: hearth-client, or the memcached ports. */
    interface Store {
        byte[] get(String key);

        void put(String key, byte[] value);
    }

    /** One thread's connections to the memcached ports; a broken one is opened again at the next call. */
    static final class Memcached implements Store {
        private final String[] servers;
        private final Socket[] sockets;
        private final InputStream[] ins;
        private final OutputStream[] outs;

        Memcached(String[] servers) {
            this.servers = servers;
            sockets = new Socket[servers.length];
            ins = new InputStream[servers.length];
            outs = new OutputStream[servers.length];
        }

        private int open(String key) throws IOException {
            int n = Math.floorMod(key.hashCode() * 0x9E3779B9, servers.length);
            if (sockets[n] == null) {
                String[] hp = servers[n].split(":");
                Socket so = new Socket();
                so.connect(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])), 5000);
                so.setSoTimeout(5000);
                so.setTcpNoDelay(true);
                sockets[n] = so;
                ins[n] = new BufferedInputStream(so.getInputStream(), 16384);
                outs[n] = new BufferedOutputStream(so.getOutputStream(), 16384);
            }
            return n;
        }

        private void broken(int n) {
            if (n >= 0 && sockets[n] != null) {
                try {
                    sockets[n].close();
                } catch (IOException e) {
                    // closing a broken connection: nothing left to save
                }
                sockets[n] = null;
            }
        }

        private static String line(InputStream in) throws IOException {
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) {
                    throw new IOException("connection closed");
                }
                if (c != '\r') {
                    b.append((char) c);
                }
            }
            return b.toString();
        }

        @Override
        public byte[] get(String key) {
            int n = -1;
            try {
                n = open(key);
                outs[n].write(("get " + TENANT + ":" + key + "\r\n").getBytes(StandardCharsets.US_ASCII));
                outs[n].flush();
                String head = line(ins[n]);
                if (head.equals("END")) {
                    return null;
                }
                if (!head.startsWith("VALUE ")) {
                    throw new IllegalStateException("get " + key + ": " + head);
                }
                int len = Integer.parseInt(head.substring(head.lastIndexOf(' ') + 1));
                byte[] v = ins[n].readNBytes(len);
                line(ins[n]);
                String end = line(ins[n]);
                if (v.length != len || !end.equals("END")) {
                    throw new IOException("get " + key + ": a short answer");
                }
                return v;
            } catch (IOException e) {
                broken(n);
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void put(String key, byte[] value) {
            int n = -1;
            try {
                n = open(key);
                outs[n].write(("set " + TENANT + ":" + key + " 0 0 " + value.length + "\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                outs[n].write(value);
                outs[n].write('\r');
                outs[n].write('\n');
                outs[n].flush();
                String answer = line(ins[n]);
                if (!answer.equals("STORED")) {
                    throw new IllegalStateException("set " + key + ": " + answer);
                }
            } catch (IOException e) {
                broken(n);
                throw new UncheckedIOException(e);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        String[] servers = args[1].split(",");
        int entries = Integer.parseInt(args[2]);
        int size = Integer.parseInt(args[3]);
        try (HearthClient client = HearthClient.builder().addresses(servers).timeout(Duration.ofSeconds(5))
                .readFailoverAfter(Duration.ofMillis(Long.parseLong(System.getenv().getOrDefault("READ_FAILOVER_MS",
                        "100")))).build()) {
            TenantCache<byte[]> cache = client.tenant(TENANT);
            if (mode.equals("load")) {
                load(cache, entries, size);
            } else if (mode.equals("write")) {
                write(cache, size, Path.of(args[4]), Integer.parseInt(args[5]), Path.of(args[6]));
            } else if (mode.equals("verify")) {
                verify(cache, size, Path.of(args[4]), Long.parseLong(args[5]), Long.parseLong(args[6]));
            } else {
                read(cache, entries, size, Path.of(args[4]), Integer.parseInt(args[5]),
                        args.length > 6 ? Path.of(args[6]) : null);
                // Reads whose primary copy was slow past readFailoverAfter, and those another node's copy answered
                // (hearth-client's reads only: with MEMCACHED the reads go through the nodes' memcached ports).
                if (System.getenv("MEMCACHED") == null) {
                    ClientStats st = client.stats();
                    System.out.printf("CLIENT readFailovers=%d readFailoverAnswers=%d timeouts=%d%n",
                            st.readFailovers(), st.readFailoverAnswers(), st.timeouts());
                }
            }
        }
    }

    static void load(TenantCache<byte[]> cache, int entries, int size) throws Exception {
        Semaphore inFlight = new Semaphore(256);
        AtomicLong failed = new AtomicLong();
        AtomicReference<Throwable> first = new AtomicReference<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < entries; i++) {
            inFlight.acquire();
            CompletableFuture<Void> f = cache.async().put(key(i), value(i, size));
            f.whenComplete((r, e) -> {
                if (e != null) {
                    failed.incrementAndGet();
                    first.compareAndSet(null, e);
                }
                inFlight.release();
            });
            if (i > 0 && i % 100_000 == 0) {
                System.err.printf("loaded %d/%d%n", i, entries);
            }
        }
        inFlight.acquire(256);
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("LOAD entries=%d valueBytes=%d seconds=%.1f entriesPerSecond=%.0f mbPerSecond=%.1f failed=%d%n",
                entries, (long) entries * size, s, entries / s, (double) entries * size / 1e6 / s, failed.get());
        if (first.get() != null) {
            System.out.println("first failure: " + first.get());
        }
    }

    static String writtenKey(int thread, int seq) {
        return "w" + thread + ":" + seq;
    }

    static void write(TenantCache<byte[]> cache, int size, Path stop, int threads, Path ackedFile) throws Exception {
        AtomicLong failed = new AtomicLong();
        List<Thread> ts = new ArrayList<>();
        List<StringBuilder> acked = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            int id = t;
            StringBuilder mine = new StringBuilder();
            acked.add(mine);
            Thread th = new Thread(() -> {
                for (int seq = 0; !Files.exists(stop); seq++) {
                    String k = writtenKey(id, seq);
                    try {
                        cache.put(k, value(seq, size));
                        mine.append(k).append(' ').append(System.currentTimeMillis()).append('\n');
                    } catch (RuntimeException e) {
                        failed.incrementAndGet();
                    }
                }
            }, "write-" + t);
            th.start();
            ts.add(th);
        }
        StringBuilder out = new StringBuilder();
        for (int t = 0; t < threads; t++) {
            ts.get(t).join();
            out.append(acked.get(t));
        }
        long n = out.chars().filter(c -> c == '\n').count();
        Files.writeString(ackedFile, out);
        System.out.printf("WRITE seconds=%.1f acked=%d failed=%d%n", (System.nanoTime() - t0) / 1e9, n, failed.get());
    }

    static void verify(TenantCache<byte[]> cache, int size, Path ackedFile, long killAt, long intervalMs)
            throws Exception {
        long old = 0;
        long oldBack = 0;
        long recent = 0;
        long recentBack = 0;
        long wrong = 0;
        List<String> batch = new ArrayList<>();
        List<Long> at = new ArrayList<>();
        List<String> lines = Files.readAllLines(ackedFile);
        for (int i = 0; i <= lines.size(); i++) {
            if (i < lines.size()) {
                String[] f = lines.get(i).split(" ");
                batch.add(f[0]);
                at.add(Long.parseLong(f[1]));
            }
            if (batch.size() == 500 || i == lines.size() && !batch.isEmpty()) {
                java.util.Map<String, byte[]> got = cache.getAll(batch);
                for (int j = 0; j < batch.size(); j++) {
                    String k = batch.get(j);
                    int seq = Integer.parseInt(k.substring(k.indexOf(':') + 1));
                    byte[] v = got.get(k);
                    boolean back = v != null && Arrays.equals(v, value(seq, size));
                    if (v != null && !back) {
                        wrong++;
                    }
                    if (killAt - at.get(j) > intervalMs) {
                        old++;
                        oldBack += back ? 1 : 0;
                    } else {
                        recent++;
                        recentBack += back ? 1 : 0;
                    }
                }
                batch.clear();
                at.clear();
            }
        }
        System.out.printf("VERIFY acked=%d back=%d (%.4f); acked more than %d ms before the kill: %d, back %d, lost %d; "
                + "in the last %d ms: %d, back %d; wrong values %d%n", old + recent, oldBack + recentBack,
                old + recent == 0 ? 1.0 : (double) (oldBack + recentBack) / (old + recent), intervalMs, old, oldBack,
                old - oldBack, intervalMs, recent, recentBack, wrong);
    }

    static void read(TenantCache<byte[]> cache, int entries, int size, Path stop, int threads, Path startFile)
            throws Exception {
        ConcurrentHistogram all = new ConcurrentHistogram(3);
        AtomicLong gets = new AtomicLong();
        AtomicLong hits = new AtomicLong();
        AtomicLong puts = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong wrong = new AtomicLong();
        AtomicReference<Throwable> firstFailure = new AtomicReference<>();
        AtomicReference<ConcurrentHistogram> window = new AtomicReference<>(new ConcurrentHistogram(3));
        List<Thread> ts = new ArrayList<>();
        AtomicBoolean counting = new AtomicBoolean(startFile == null);
        for (int t = 0; t < threads; t++) {
            int seed = t;
            String memcached = System.getenv("MEMCACHED");
            Store store = memcached != null ? new Memcached(memcached.split(",")) : new Store() {
                @Override
                public byte[] get(String key) {
                    return cache.get(key);
                }

                @Override
                public void put(String key, byte[] value) {
                    cache.put(key, value);
                }
            };
            Thread th = new Thread(() -> {
                SplittableRandom rnd = new SplittableRandom(seed * 7919L + System.nanoTime());
                while (!Files.exists(stop)) {
                    int i = rnd.nextInt(entries);
                    boolean counted = counting.get();
                    long s0 = System.nanoTime();
                    try {
                        if (rnd.nextInt(10) == 0) {
                            store.put(key(i), value(i, size));
                            if (counted) {
                                puts.incrementAndGet();
                            }
                        } else {
                            byte[] got = store.get(key(i));
                            // A wrong value counts whenever it is read: outside the window it is as wrong.
                            if (got != null && !Arrays.equals(got, value(i, size))) {
                                wrong.incrementAndGet();
                            }
                            if (counted) {
                                gets.incrementAndGet();
                                if (got != null) {
                                    hits.incrementAndGet();
                                }
                            }
                        }
                    } catch (RuntimeException e) {
                        if (counted) {
                            failed.incrementAndGet();
                            firstFailure.compareAndSet(null, e);
                        } else {
                            // The cluster is down before the measured window: no busy loop beside starting nodes.
                            LockSupport.parkNanos(10_000_000L);
                        }
                    }
                    if (!counted) {
                        continue;
                    }
                    long us = Math.max(1, (System.nanoTime() - s0) / 1000);
                    all.recordValue(us);
                    window.get().recordValue(us);
                }
            }, "read-" + t);
            th.start();
            ts.add(th);
        }
        while (startFile != null && !Files.exists(startFile) && !Files.exists(stop)) {
            Thread.sleep(10);
        }
        System.out.println("START epochMs=" + System.currentTimeMillis());
        long t0 = System.nanoTime();
        counting.set(true);
        long lastGets = 0;
        long lastHits = 0;
        int second = 0;
        int recoveredAt = -1;
        while (!Files.exists(stop)) {
            Thread.sleep(1000);
            second++;
            Histogram w = window.getAndSet(new ConcurrentHistogram(3));
            long g = gets.get();
            long h = hits.get();
            long dg = g - lastGets;
            double ratio = dg == 0 ? 0 : (double) (h - lastHits) / dg;
            lastGets = g;
            lastHits = h;
            if (ratio >= 0.99 && dg > 0) {
                if (recoveredAt < 0) {
                    recoveredAt = second;
                }
            } else {
                recoveredAt = -1;
            }
            // The max comes last: one-gib.sh reads the hit ratio as the line's 7th field.
            System.out.printf("second %d: %d gets, hit ratio %.4f, p99 %.1f ms, max %.1f ms%n", second, dg, ratio,
                    w.getValueAtPercentile(99) / 1000.0, w.getMaxValue() / 1000.0);
        }
        for (Thread th : ts) {
            th.join();
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("READ seconds=%.1f gets=%d puts=%d failed=%d wrongValues=%d hitRatio=%.5f p50ms=%.2f p99ms=%.2f "
                + "p999ms=%.2f maxms=%.1f hitRatio99ReachedAtSecond=%d%n", s, gets.get(), puts.get(), failed.get(),
                wrong.get(), gets.get() == 0 ? 0 : (double) hits.get() / gets.get(),
                all.getValueAtPercentile(50) / 1000.0, all.getValueAtPercentile(99) / 1000.0,
                all.getValueAtPercentile(99.9) / 1000.0, all.getMaxValue() / 1000.0, recoveredAt);
        if (firstFailure.get() != null) {
            System.out.println("first failure: " + firstFailure.get());
        }
    }
}
