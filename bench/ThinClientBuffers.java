import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.ignite.Ignition;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.configuration.ClientConfiguration;

/**
 * Ignite thin-client socket buffers side by side in one run, for docs/benchmarks.md: Ignite's default of 32 KiB
 * (which fixes the TCP window and turns off the kernel's tuning) against 1 MiB, reading values of 4 KiB, 64 KiB and
 * 1 MiB from a running cluster, several threads, three rounds alternating the two clients. Writes raw values under
 * keys of its own ({@code bench-...}) into the default zone's cache of a throwaway cluster, and removes them at the
 * end. (Not a cache of its own: a cache a client creates lands in the node's 32 MiB system region, and filling it
 * halted the node with IgniteOutOfMemoryException.)
 *
 * <p>Run against a local cluster ({@code bin/hearthctl local up}): {@code java @bin/jvm.options -cp
 * "cli/target/hearth-cli.jar:cli/target/lib/*" bench/ThinClientBuffers.java 127.0.0.1:10800 [THREADS] [SECONDS]}.
 */
public class ThinClientBuffers {
    private static final String CACHE = "hearth-zone-default";

    static String key(int size, int k) {
        return "bench-" + size + "-" + k;
    }

    public static void main(String[] args) throws Exception {
        String[] addresses = args[0].split(",");
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 5;
        int[] buffers = {32 * 1024, 1 << 20};
        IgniteClient[] clients = new IgniteClient[buffers.length];
        for (int i = 0; i < buffers.length; i++) {
            clients[i] = Ignition.startClient(new ClientConfiguration().setAddresses(addresses)
                    .setSendBufferSize(buffers[i]).setReceiveBufferSize(buffers[i]).setTimeout(30_000));
        }
        try {
            ClientCache<String, byte[]> setup = clients[1].cache(CACHE);
            for (int size : new int[] {4 << 10, 64 << 10, 1 << 20}) {
                int keys = (int) Math.max(16, Math.min(1024, (16L << 20) / size));
                byte[] value = new byte[size];
                ThreadLocalRandom.current().nextBytes(value);
                for (int k = 0; k < keys; k++) {
                    setup.put(key(size, k), value);
                }
                for (int round = 1; round <= 3; round++) {
                    for (int i = 0; i < buffers.length; i++) {
                        ClientCache<String, byte[]> cache = clients[i].cache(CACHE);
                        double[] r = run(cache, size, keys, threads, seconds);
                        System.out.printf("value %7d B  buffers %7d B  round %d: %8.0f gets/s  %7.1f MB/s  p99 %6.1f ms%n",
                                size, buffers[i], round, r[0], r[0] * size / 1e6, r[1]);
                    }
                }
            }
            for (int size : new int[] {4 << 10, 64 << 10, 1 << 20}) {
                int keys = (int) Math.max(16, Math.min(1024, (16L << 20) / size));
                for (int k = 0; k < keys; k++) {
                    setup.remove(key(size, k));
                }
            }
        } finally {
            for (IgniteClient c : clients) {
                c.close();
            }
        }
    }

    /** Gets of random keys from {@code threads} threads for {@code seconds}: gets per second and p99 in ms. */
    static double[] run(ClientCache<String, byte[]> cache, int size, int keys, int threads, double seconds)
            throws InterruptedException {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        List<long[]> lat = new ArrayList<>();
        List<Thread> ts = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            long[] mine = new long[1_000_000];
            lat.add(mine);
            Thread th = new Thread(() -> {
                int n = 0;
                while (System.nanoTime() < end && n < mine.length - 1) {
                    long s = System.nanoTime();
                    byte[] v = cache.get(key(size, ThreadLocalRandom.current().nextInt(keys)));
                    if (v == null || v.length != size) {
                        throw new IllegalStateException("wrong value");
                    }
                    mine[++n] = System.nanoTime() - s;
                }
                mine[0] = n;
            });
            th.start();
            ts.add(th);
        }
        for (Thread th : ts) {
            th.join();
        }
        double elapsed = (System.nanoTime() - t0) / 1e9;
        int total = 0;
        for (long[] l : lat) {
            total += (int) l[0];
        }
        long[] all = new long[total];
        int at = 0;
        for (long[] l : lat) {
            System.arraycopy(l, 1, all, at, (int) l[0]);
            at += (int) l[0];
        }
        Arrays.sort(all);
        double p99 = total == 0 ? 0 : all[Math.min(total - 1, (int) (total * 0.99))] / 1e6;
        return new double[] {total / elapsed, p99};
    }
}
