package dev.hearth.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hearthctl bench}: one load generator for every system, so figures compare. Each thread holds one
 * connection (memcached) or shares one client (hearth-client, thin client), runs the workload for a warm-up and
 * then a measured period, and records the latency of each request (with pipelining: of its batch).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Drives a workload (default 90%% get / 10%% set, 100k keys, 100-byte values) against memcached,",
            "a Hearth cluster's memcached port, hearth-client or Ignite's thin client, and prints ops/s and p50/p99/p999."})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--target", required = true, description = "memcached (any memcached-protocol server: real "
            + "memcached or Hearth), client (hearth-client), thin (Ignite thin client, the baseline)")
    String target;

    @Option(names = "--servers", required = true, split = ",", paramLabel = "HOST:PORT",
            description = "memcached: the servers (threads spread over them); client/thin: thin-client addresses")
    List<String> servers;

    @Option(names = "--threads", split = ",", defaultValue = "4,16,64", description = "thread counts to run, in turn")
    List<Integer> threads;

    @Option(names = "--pipeline", split = ",", defaultValue = "1",
            description = "requests in flight per connection (memcached only), e.g. 1,16")
    List<Integer> pipeline;

    @Option(names = "--keys", defaultValue = "100000") int keys;
    @Option(names = "--value-size", defaultValue = "100") int valueSize;
    @Option(names = "--get-ratio", defaultValue = "0.9") double getRatio;
    @Option(names = "--warmup", defaultValue = "15", description = "seconds of warm-up before each measurement")
    int warmupSeconds;
    @Option(names = "--duration", defaultValue = "20", description = "measured seconds per run") int seconds;
    @Option(names = "--timeout", defaultValue = "1000", description = "client/thin: per-operation timeout, ms")
    int timeoutMs;
    @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table or json") String output;
    @Option(names = "--rate", defaultValue = "0", paramLabel = "OPS_PER_S",
            description = "fixed total request rate, spread evenly over the threads (0: as fast as each thread can go). "
                    + "Latency is then measured from when each request was due, so a stall counts for every request "
                    + "it delayed; compare CPU_US_OP and p99 of two clients at the same rate")
    double rate;
    @Option(names = "--compare", paramLabel = "TARGET",
            description = "client or thin: a second client run in the same process, in alternating slices with "
                    + "--target by the same threads (same machine state for both), and the difference printed")
    String compare;
    @Option(names = "--slice", defaultValue = "2", paramLabel = "SECONDS",
            description = "with --compare: seconds per slice (each client gets --duration seconds in all)")
    double sliceSeconds;
    @Option(names = "--server-pids", split = ",", paramLabel = "PID",
            description = "server processes on this machine whose CPU time (/proc/PID/stat) over the measured "
                    + "window is divided by the operations: SRV_CPU_US_OP")
    List<Long> serverPids = new ArrayList<>();
    @Option(names = "--tls-ca", paramLabel = "PEM",
            description = "with TLS on the nodes (tls.enabled): the cluster CA to trust; every target then speaks TLS")
    java.nio.file.Path tlsCa;
    @Option(names = "--tls-cert", paramLabel = "PEM", description = "with --tls-ca: the client certificate (mutual TLS)")
    java.nio.file.Path tlsCert;
    @Option(names = "--tls-key", paramLabel = "PEM", description = "with --tls-cert: its PKCS#8 key")
    java.nio.file.Path tlsKey;
    @Option(names = "--timeline", paramLabel = "FILE",
            description = "append each run's measured window to FILE as CSV, in 100 ms windows by when each request "
                    + "was due: requests, those over 2 ms, the slowest, with wall-clock times to line up with the "
                    + "servers' logs; a summary line says whether the slow requests were bunched or spread")
    java.nio.file.Path timeline;
    @Option(names = "--load-threads", defaultValue = "16",
            description = "threads that write every key before the runs (one blocking write at a time each)")
    int loadThreads;

    /** The TLS files when --tls-ca is given, else null. */
    ClientDrivers.TlsFiles tlsFiles() {
        if (tlsCa == null) {
            return null;
        }
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--tls-cert and --tls-key go together");
        }
        return new ClientDrivers.TlsFiles(tlsCa, tlsCert, tlsKey);
    }

    private javax.net.ssl.SSLContext tlsContext;

    /** One context for every connection of the run, or null without --tls-ca. */
    synchronized javax.net.ssl.SSLContext tls() {
        ClientDrivers.TlsFiles f = tlsFiles();
        if (f != null && tlsContext == null) {
            tlsContext = dev.hearth.tls.ClientTls.context(f.ca(), f.cert(), f.key());
        }
        return tlsContext;
    }

    /** What the Java clients' failed operations were, per run (printed with the run; not with --compare). */
    private final FailureCauses causes = new FailureCauses();

    /**
     * One measured run. The percentiles are of every operation (gets and sets; with a pipeline, of batches);
     * {@code getP99Ms} is the p99 of the gets alone (with a pipeline, of the batches that held only gets; NaN where not
     * measured), the figure a read-heavy API server's latency goal is about: a set costs the cluster many times a get.
     */
    public record Result(String target, int threads, int pipeline, long ops, long failed, double opsPerSecond,
            double p50Ms, double p99Ms, double p999Ms, double maxMs, double cpuMicrosPerOp, double rate,
            double serverCpuMicrosPerOp, double getP99Ms) {
    }

    @Override
    public Integer call() throws Exception {
        if (!List.of("memcached", "client", "thin").contains(target)) {
            System.err.println("hearthctl bench: --target must be memcached, client or thin");
            return 2;
        }
        if (rate < 0 || Double.isNaN(rate) || Double.isInfinite(rate)) {
            System.err.println("hearthctl bench: --rate must be a number >= 0 (ops/s), got " + rate);
            return 2;
        }
        if (compare != null) {
            if (!List.of("client", "thin").contains(target) || !List.of("client", "thin").contains(compare)
                    || compare.equals(target)) {
                System.err.println("hearthctl bench: --compare needs --target client --compare thin (or the reverse)");
                return 2;
            }
            if (rate > 0 || pipeline.stream().anyMatch(p -> p != 1) || !(sliceSeconds >= 0.1) || timeline != null) {
                System.err.println("hearthctl bench: --compare runs closed-loop (no --rate, no --pipeline, no "
                        + "--timeline) with --slice >= 0.1");
                return 2;
            }
            return compare();
        }
        if (!target.equals("memcached") && pipeline.stream().anyMatch(p -> p != 1)) {
            System.err.println("hearthctl bench: --pipeline applies to --target memcached only");
            return 2;
        }
        Workload w = new Workload(keys, valueSize, getRatio);
        List<Result> results = new ArrayList<>();
        List<AutoCloseable> shared = new ArrayList<>();
        Supplier<Driver> factory;
        if (target.equals("memcached")) {
            // Called from every loader thread at once.
            java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
            factory = () -> {
                try {
                    return new MemcachedDriver(servers.get(next.getAndIncrement() % servers.size()), tls());
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            };
        } else {
            factory = javaClient(target, "bench:", shared);
        }
        try {
            load(w, factory);
            for (int p : pipeline) {
                for (int t : threads) {
                    causes.clear();
                    Result r = run(w, factory, t, p);
                    results.add(r);
                    System.err.printf(Locale.ROOT, "%s threads=%d pipeline=%d: %.0f ops/s p99 %.2f ms%n",
                            target, t, p, r.opsPerSecond(), r.p99Ms());
                    String failures = causes.summary();
                    if (!failures.isEmpty()) {
                        System.err.println("  failed operations by cause: " + failures);
                    }
                }
            }
        } finally {
            for (AutoCloseable c : shared) {
                c.close();
            }
        }
        print(results, System.out);
        return results.stream().anyMatch(r -> r.failed() > 0) ? 1 : 0;
    }

    /**
     * One shared Java client (hearth-client or the raw thin client, whose keys start with {@code thinPrefix}),
     * added to {@code owned} for closing; its drivers.
     */
    private Supplier<Driver> javaClient(String name, String thinPrefix, List<AutoCloseable> owned) {
        if (name.equals("client")) {
            ClientDrivers.Hearth h = new ClientDrivers.Hearth(servers, Duration.ofMillis(timeoutMs), tlsFiles());
            owned.add(h);
            return () -> h.driver(causes);
        }
        ClientDrivers.Thin t = new ClientDrivers.Thin(servers, Duration.ofMillis(timeoutMs), thinPrefix, tls());
        owned.add(t);
        return () -> t.driver(causes);
    }

    /** --target and --compare in one process: see {@link Alternating}. */
    private int compare() throws Exception {
        Workload w = new Workload(keys, valueSize, getRatio);
        String[] names = {target, compare};
        List<AutoCloseable> shared = new ArrayList<>();
        List<Result> results = new ArrayList<>();
        List<String> verdicts = new ArrayList<>();
        try {
            List<Supplier<Driver>> factories = new ArrayList<>();
            for (String name : names) {
                factories.add(javaClient(name, "thinb:", shared));
                load(w, factories.get(factories.size() - 1));
            }
            boolean cpuKnown = processCpuNanos() >= 0;
            for (int t : threads) {
                List<Alternating.Side> sides = new Alternating(w, t, warmupSeconds, seconds, sliceSeconds,
                        new ServerCpu(serverPids)).run(names, factories);
                Result[] pair = new Result[2];
                for (int i = 0; i < 2; i++) {
                    Alternating.Side x = sides.get(i);
                    pair[i] = new Result(x.target(), t, 1, x.ops(), x.failed(), x.ops() / x.seconds(),
                            x.latency().getValueAtPercentile(50) / 1e6, x.latency().getValueAtPercentile(99) / 1e6,
                            x.latency().getValueAtPercentile(99.9) / 1e6, x.latency().getMaxValue() / 1e6,
                            x.ops() == 0 || !cpuKnown ? Double.NaN : x.cpuNanos() / 1e3 / x.ops(), 0,
                            x.ops() == 0 || x.serverCpuNanos() < 0 ? Double.NaN : x.serverCpuNanos() / 1e3 / x.ops(),
                            Double.NaN);
                    results.add(pair[i]);
                }
                String verdict = String.format(Locale.ROOT,
                        "%s vs %s, %d threads: throughput %+.1f%%, p50 %+.1f%%, p99 %+.1f%%, CPU per operation %+.1f%%"
                                + (serverPids.isEmpty() ? "" : ", servers' CPU per operation %+.1f%%"),
                        target, compare, t, 100 * (pair[0].opsPerSecond() / pair[1].opsPerSecond() - 1),
                        100 * (pair[0].p50Ms() / pair[1].p50Ms() - 1), 100 * (pair[0].p99Ms() / pair[1].p99Ms() - 1),
                        100 * (pair[0].cpuMicrosPerOp() / pair[1].cpuMicrosPerOp() - 1),
                        100 * (pair[0].serverCpuMicrosPerOp() / pair[1].serverCpuMicrosPerOp() - 1));
                verdicts.add(verdict);
                System.err.println(verdict);
            }
        } finally {
            for (AutoCloseable c : shared) {
                c.close();
            }
        }
        print(results, System.out);
        if (!output.equals("json")) {
            verdicts.forEach(System.out::println);
        }
        return results.stream().anyMatch(r -> r.failed() > 0) ? 1 : 0;
    }

    /** Writes every key once, split over {@code --load-threads} drivers: one blocking writer took minutes. */
    private void load(Workload w, Supplier<Driver> factory) throws Exception {
        int n = Math.max(1, Math.min(loadThreads, keys));
        System.err.printf("loading %d keys with %d threads...%n", keys, n);
        List<Thread> loaders = new ArrayList<>();
        Throwable[] error = new Throwable[1];
        for (int i = 0; i < n; i++) {
            int from = (int) ((long) keys * i / n);
            int to = (int) ((long) keys * (i + 1) / n);
            Thread t = new Thread(() -> {
                try (Driver d = factory.get()) {
                    d.load(w, from, to);
                } catch (Throwable e) {
                    synchronized (error) {
                        error[0] = e;
                    }
                }
            }, "bench-load-" + i);
            loaders.add(t);
            t.start();
        }
        for (Thread t : loaders) {
            t.join();
        }
        if (error[0] != null) {
            throw new IllegalStateException("loading the keys failed: " + error[0], error[0]);
        }
    }

    private Result run(Workload w, Supplier<Driver> factory, int threads, int pipe) throws Exception {
        List<Driver> drivers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            drivers.add(factory.get());
        }
        Histogram all = new Histogram(60_000_000_000L, 3);
        AtomicLong ops = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long warmEnd = System.nanoTime() + warmupSeconds * 1_000_000_000L;
        long end = warmEnd + seconds * 1_000_000_000L;
        List<Thread> workers = new ArrayList<>();
        List<Histogram> histograms = new ArrayList<>();
        List<Histogram> getHistograms = new ArrayList<>();
        List<Timeline> timelines = new ArrayList<>();
        Throwable[] error = new Throwable[1];
        // With --rate each thread sends a batch every `interval`, the threads staggered over it.
        long interval = rate > 0 ? Math.max(1, (long) (1e9 * threads * pipe / rate)) : 0;
        long first = System.nanoTime();
        for (int i = 0; i < threads; i++) {
            Driver d = drivers.get(i);
            Histogram h = new Histogram(60_000_000_000L, 3);
            histograms.add(h);
            Histogram gh = new Histogram(60_000_000_000L, 3);
            getHistograms.add(gh);
            int[] keys = new int[pipe];
            boolean[] gets = new boolean[pipe];
            Timeline tl = timeline == null ? null : new Timeline(warmEnd, seconds);
            if (tl != null) {
                timelines.add(tl);
            }
            SplittableRandom rnd = new SplittableRandom(42 + i);
            long offset = interval * i / threads;
            Thread t = new Thread(() -> {
                try {
                    long due = first + offset;
                    long now;
                    while ((now = System.nanoTime()) < end) {
                        if (interval > 0) {
                            // Late batches are sent at once, not skipped: their wait is part of their latency.
                            while (due - now > 0) {
                                java.util.concurrent.locks.LockSupport.parkNanos(due - now);
                                now = System.nanoTime();
                            }
                            now = due;
                            due += interval;
                            if (now >= end) {
                                break;
                            }
                        }
                        int g = w.draw(rnd, keys, gets, pipe);
                        int f = d.batch(w, keys, gets, pipe);
                        long took = Math.max(1, System.nanoTime() - now);
                        if (now >= warmEnd) {
                            h.recordValueWithCount(took, pipe);
                            if (g == pipe) {
                                gh.recordValueWithCount(took, pipe);
                            }
                            if (tl != null) {
                                tl.record(now, took, pipe);
                            }
                            ops.addAndGet(pipe);
                            failed.addAndGet(f);
                        }
                    }
                } catch (Throwable e) {
                    synchronized (error) {
                        error[0] = e;
                    }
                }
            }, "bench-" + i);
            workers.add(t);
            t.start();
        }
        // This process's CPU per operation over the measured window: unlike ops/s on a shared machine, it barely
        // moves from run to run, so it shows what one client costs against another (everything the process does:
        // the caller threads, the client's network threads, the timers).
        ServerCpu servers = new ServerCpu(serverPids);
        long cpuStart = sleepUntilThenCpu(warmEnd);
        causes.counting(true);
        long serverStart = servers.nanos();
        for (Thread t : workers) {
            t.join();
        }
        causes.counting(false);
        long cpuNanos = processCpuNanos() - cpuStart;
        long serverNanos = servers.nanos() - serverStart;
        for (Driver d : drivers) {
            d.close();
        }
        if (error[0] instanceof java.io.IOException io) {
            // Not a bug of hearthctl: a server went away. Said plainly, without a stack trace.
            throw dev.hearth.cli.CliException.failed("a " + target + " bench thread lost its server: " + io.getMessage()
                    + ". The bench's memcached connections are not re-opened, so a node that stops or restarts ends "
                    + "the run; --target client (hearth-client) carries on through node restarts");
        }
        if (error[0] != null) {
            throw new IllegalStateException("a bench thread failed: " + error[0], error[0]);
        }
        histograms.forEach(all::add);
        Histogram allGets = new Histogram(60_000_000_000L, 3);
        getHistograms.forEach(allGets::add);
        if (timeline != null) {
            Timeline merged = timelines.get(0);
            timelines.subList(1, timelines.size()).forEach(merged::add);
            long warmEndEpochMillis = System.currentTimeMillis() - (System.nanoTime() - warmEnd) / 1_000_000;
            merged.append(timeline, target + "/" + threads + "/" + pipe, warmEndEpochMillis);
            System.err.println("timeline " + target + " threads=" + threads + " pipeline=" + pipe + ": "
                    + merged.concentration() + " (" + timeline + ")");
        }
        return new Result(target, threads, pipe, ops.get(), failed.get(), ops.get() / (double) seconds,
                all.getValueAtPercentile(50) / 1e6, all.getValueAtPercentile(99) / 1e6,
                all.getValueAtPercentile(99.9) / 1e6, all.getMaxValue() / 1e6,
                ops.get() == 0 || cpuStart < 0 ? Double.NaN : cpuNanos / 1e3 / ops.get(), rate,
                ops.get() == 0 || serverStart < 0 ? Double.NaN : serverNanos / 1e3 / ops.get(),
                allGets.getTotalCount() == 0 ? Double.NaN : allGets.getValueAtPercentile(99) / 1e6);
    }

    private static long sleepUntilThenCpu(long deadlineNanos) throws InterruptedException {
        long left;
        while ((left = deadlineNanos - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
        return processCpuNanos();
    }

    /** -1 where the JVM cannot tell (then the figure is printed as NaN, never made up). */
    static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
    }

    private void print(List<Result> results, PrintStream out) throws Exception {
        if (output.equals("json")) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("workload", Map.of("keys", keys, "valueSize", valueSize, "getRatio", getRatio,
                    "warmupSeconds", warmupSeconds, "seconds", seconds, "rate", rate));
            doc.put("results", results);
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc));
            return;
        }
        // GET_P99_MS last: scripts read the other columns by position.
        out.printf("%-10s %8s %9s %12s %9s %9s %9s %9s %8s %10s %10s %14s %11s%n", "TARGET", "THREADS", "PIPELINE",
                "OPS/S", "P50_MS", "P99_MS", "P999_MS", "MAX_MS", "FAILED", "CPU_US_OP", "RATE", "SRV_CPU_US_OP",
                "GET_P99_MS");
        for (Result r : results) {
            out.printf(Locale.ROOT, "%-10s %8d %9d %12.0f %9.3f %9.3f %9.3f %9.1f %8d %10.1f %10s %14.1f %11.3f%n",
                    r.target(), r.threads(), r.pipeline(), r.opsPerSecond(), r.p50Ms(), r.p99Ms(), r.p999Ms(),
                    r.maxMs(), r.failed(), r.cpuMicrosPerOp(),
                    r.rate() > 0 ? String.format(Locale.ROOT, "%.0f", r.rate()) : "max", r.serverCpuMicrosPerOp(),
                    r.getP99Ms());
        }
    }
}
