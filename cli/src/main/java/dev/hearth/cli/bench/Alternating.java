package dev.hearth.cli.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;

/**
 * Two clients in one process, measured in alternating slices by the same threads: A for a slice, then B, then A...
 * Separate processes run one after the other differed by up to 50% from run to run on a shared 2-core machine
 * (JIT state, GC, whatever else ran meanwhile); slices of a few seconds each put both clients under the same
 * conditions, so a difference of a few percent becomes visible.
 */
final class Alternating {
    /** What one client did over all its measured slices. */
    record Side(String target, long ops, long failed, double seconds, Histogram latency, long cpuNanos,
            long serverCpuNanos) {
    }

    private final Workload w;
    private final int threads;
    private final double warmupSeconds;
    private final double seconds;
    private final double sliceSeconds;
    private final ServerCpu servers;

    /** -1 stops the workers; 0 or 1 selects the client. */
    private volatile int phase;
    private volatile boolean recording;

    /** @param servers the server processes whose CPU each slice adds to its client's side (none: -1 per side) */
    Alternating(Workload w, int threads, double warmupSeconds, double seconds, double sliceSeconds,
            ServerCpu servers) {
        this.w = w;
        this.threads = threads;
        this.warmupSeconds = warmupSeconds;
        this.seconds = seconds;
        this.sliceSeconds = sliceSeconds;
        this.servers = servers;
    }

    /** Runs A and B ({@code seconds} each, in slices) and returns what each did. */
    List<Side> run(String[] targets, List<Supplier<Driver>> factories) throws Exception {
        Histogram[][] hist = new Histogram[2][threads];
        AtomicLong[] ops = {new AtomicLong(), new AtomicLong()};
        AtomicLong[] failed = {new AtomicLong(), new AtomicLong()};
        List<Thread> workers = new ArrayList<>();
        List<Driver[]> drivers = new ArrayList<>();
        Throwable[] error = new Throwable[1];
        phase = 0;
        for (int i = 0; i < threads; i++) {
            Driver[] d = {factories.get(0).get(), factories.get(1).get()};
            drivers.add(d);
            hist[0][i] = new Histogram(60_000_000_000L, 3);
            hist[1][i] = new Histogram(60_000_000_000L, 3);
            Histogram[] mine = {hist[0][i], hist[1][i]};
            SplittableRandom rnd = new SplittableRandom(42 + i);
            int[] key = new int[1];
            boolean[] get = new boolean[1];
            Thread t = new Thread(() -> {
                try {
                    int p;
                    while ((p = phase) >= 0) {
                        boolean rec = recording;
                        w.draw(rnd, key, get, 1);
                        long start = System.nanoTime();
                        int f = d[p].batch(w, key, get, 1);
                        long took = System.nanoTime() - start;
                        // Counted only if the whole operation ran inside one measured slice of its own client.
                        if (rec && recording && phase == p) {
                            mine[p].recordValue(Math.max(1, took));
                            ops[p].incrementAndGet();
                            failed[p].addAndGet(f);
                        }
                    }
                } catch (Throwable e) {
                    synchronized (error) {
                        error[0] = e;
                    }
                    phase = -1;
                }
            }, "bench-" + i);
            workers.add(t);
            t.start();
        }
        long[] cpu = new long[2];
        long[] serverCpu = new long[2];
        boolean serversKnown = servers.nanos() >= 0;
        double[] measured = new double[2];
        try {
            long sliceNanos = (long) (sliceSeconds * 1e9);
            // Warm-up: both clients, alternating, nothing recorded.
            long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
            for (int s = 0; System.nanoTime() < warmEnd && error[0] == null; s++) {
                phase = s % 2;
                sleep(Math.min(sliceNanos, warmEnd - System.nanoTime()));
            }
            // Pairs of slices, A B or B A at random: a fixed A B B A repeated every 4-5 s, and a node's periodic
            // work (local-copy rounds every 10 s) can fall on the same side for minutes (bench/Layers.java saw a
            // fixed order of four layers swing them by 10% per round that way).
            int slices = Math.max(2, (int) Math.round(2 * seconds / sliceSeconds));
            long settle = Math.min(sliceNanos / 4, TimeUnit.MILLISECONDS.toNanos(200));
            SplittableRandom order = new SplittableRandom(1);
            int first = 0;
            for (int s = 0; s < slices && error[0] == null; s++) {
                if (s % 2 == 0) {
                    first = order.nextInt(2);
                }
                int p = s % 2 == 0 ? first : 1 - first;
                if (s == 0 || p != phase) {
                    recording = false;
                    phase = p;
                    sleep(settle); // operations of the other client still in flight finish first
                }
                long c0 = BenchCommand.processCpuNanos();
                long s0 = servers.nanos();
                long t0 = System.nanoTime();
                recording = true;
                sleep(sliceNanos);
                recording = false;
                measured[p] += (System.nanoTime() - t0) / 1e9;
                cpu[p] += BenchCommand.processCpuNanos() - c0;
                serverCpu[p] += servers.nanos() - s0;
            }
        } finally {
            phase = -1;
            for (Thread t : workers) {
                t.join();
            }
            for (Driver[] d : drivers) {
                d[0].close();
                d[1].close();
            }
        }
        if (error[0] != null) {
            throw new IllegalStateException("a bench thread failed: " + error[0], error[0]);
        }
        List<Side> out = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            Histogram all = new Histogram(60_000_000_000L, 3);
            for (Histogram h : hist[p]) {
                all.add(h);
            }
            out.add(new Side(targets[p], ops[p].get(), failed[p].get(), measured[p], all, cpu[p],
                    serversKnown ? serverCpu[p] : -1));
        }
        return out;
    }

    private static void sleep(long nanos) throws InterruptedException {
        long end = System.nanoTime() + nanos;
        long left;
        while ((left = end - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }
}
