package dev.hearth.client.testing;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counts a deadline test asserts on: calls, failures by kind, the worst latency, calls over the bound, and
 * successful calls per second (to see whether callers made progress in a given window). Also watches the calls in
 * flight: a call that hangs never returns to be timed, so {@link #worstInFlightNanos} reads the oldest start, and
 * the first call past {@link #dumpAfterNanos} prints every thread's stack once (what a hang is made of).
 */
public final class CallBook {
    private final long boundNanos;
    private final long dumpAfterNanos;
    private final long t0 = System.nanoTime();
    private final LongAdder ok = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder overBound = new LongAdder();
    private final AtomicLong worst = new AtomicLong();
    private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
    /** The longest call per outcome ("ok" or the failure's class): which kind of call ran over. */
    private final Map<String, AtomicLong> worstBy = new ConcurrentHashMap<>();
    /** Successful calls per second since this book was made. */
    private final AtomicLongArray okPerSecond = new AtomicLongArray(600);
    /** Start of the call each caller has in flight, 0 when idle; indexed by caller. */
    private final AtomicLongArray inFlight;
    private final AtomicBoolean dumped = new AtomicBoolean();
    /** The worst scheduling delay per second, measured by {@link #startCanary}'s thread. */
    private final AtomicLongArray stallPerSecond = new AtomicLongArray(600);
    /**
     * The worst scheduling delay per second seen by the callers themselves ({@link #pause}). A lone canary that
     * barely runs is favoured by the scheduler; the callers are many and wake together (16 writers released by one
     * closing circuit), so they queue for the two cores behind each other: on the tracker's machine one caller woke
     * 27 ms late in a second where the canary's worst was under 10 ms.
     */
    private final AtomicLongArray callerStallPerSecond = new AtomicLongArray(600);
    /** Calls over the bound: second, by how much (ns), and the outcome, compared with the stall in that second. */
    private final java.util.concurrent.ConcurrentLinkedQueue<Overrun> overruns =
            new java.util.concurrent.ConcurrentLinkedQueue<>();

    private record Overrun(int second, long overNanos, String outcome) {
    }

    /** A caller's pause after a failure: an API server answers its caller and takes the next request, no spinning. */
    public static final long FAILURE_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    /** A caller's pause after a success: short, there only to measure the caller's own scheduling delay. */
    public static final long SUCCESS_PAUSE_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

    public CallBook(int callers, long boundNanos, long dumpAfterNanos) {
        this.inFlight = new AtomicLongArray(callers);
        this.boundNanos = boundNanos;
        this.dumpAfterNanos = dumpAfterNanos;
    }

    public long begin(int caller) {
        long s = System.nanoTime();
        inFlight.set(caller, s);
        return s;
    }

    /** Records a returned call; {@code failure} null if it succeeded. */
    public void end(int caller, long start, Throwable failure) {
        long now = System.nanoTime();
        inFlight.set(caller, 0);
        long took = now - start;
        worst.accumulateAndGet(took, Math::max);
        String outcome = failure == null ? "ok" : failure.getClass().getSimpleName();
        worstBy.computeIfAbsent(outcome, k -> new AtomicLong()).accumulateAndGet(took, Math::max);
        if (took > boundNanos) {
            overBound.increment();
            overruns.add(new Overrun((int) TimeUnit.NANOSECONDS.toSeconds(now - t0), took - boundNanos, outcome));
        }
        if (failure == null) {
            ok.increment();
            int sec = (int) TimeUnit.NANOSECONDS.toSeconds(now - t0);
            if (sec < okPerSecond.length()) {
                okPerSecond.incrementAndGet(sec);
            }
        } else {
            failed.increment();
            failures.computeIfAbsent(failure.getClass().getSimpleName() + ": " + firstLine(failure.getMessage()),
                    k -> new LongAdder()).increment();
        }
    }

    private static String firstLine(String m) {
        if (m == null) {
            return "";
        }
        int nl = m.indexOf('\n');
        String s = nl < 0 ? m : m.substring(0, nl);
        return s.length() > 160 ? s.substring(0, 160) : s;
    }

    /** Age of the oldest call in flight now (0 if none); prints every stack once when one is past the dump age. */
    public long worstInFlightNanos() {
        long now = System.nanoTime();
        long oldest = 0;
        for (int i = 0; i < inFlight.length(); i++) {
            long s = inFlight.get(i);
            if (s != 0) {
                oldest = Math.max(oldest, now - s);
            }
        }
        if (oldest > dumpAfterNanos && dumped.compareAndSet(false, true)) {
            dumpThreads("a call is in flight for " + TimeUnit.NANOSECONDS.toMillis(oldest) + " ms");
        }
        return oldest;
    }

    /** Prints every thread's stack (what a hang is made of). */
    public static void dumpThreads(String why) {
        StringBuilder b = new StringBuilder("[CallBook] " + why + "; threads:\n");
        Thread.getAllStackTraces().forEach((t, st) -> {
            b.append('"').append(t.getName()).append("\" ").append(t.getState()).append('\n');
            for (int i = 0; i < Math.min(st.length, 40); i++) {
                b.append("    at ").append(st[i]).append('\n');
            }
        });
        System.out.println(b);
    }

    /**
     * Starts a thread that sleeps 5 ms at a time and records how late it wakes: the machine's scheduling delay (a
     * thread woken at its deadline runs only when a core is free; on the shared 2-core machine, at load average 13,
     * that took tens of ms). Ends with {@code stop}.
     */
    public Thread startCanary(AtomicBoolean stop) {
        Thread t = new Thread(() -> {
            long step = TimeUnit.MILLISECONDS.toNanos(5);
            while (!stop.get()) {
                parkMeasured(step, stallPerSecond);
            }
        }, "scheduling-canary");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * A caller's pause between calls (an API server does not spin on failures), which also measures how late this
     * caller's own thread is woken: the machine's scheduling delay as the callers see it.
     */
    public void pause(long nanos) {
        parkMeasured(nanos, callerStallPerSecond);
    }

    /** Parks for {@code nanos} and records how late the thread woke, as the worst of its second in {@code worst}. */
    private void parkMeasured(long nanos, AtomicLongArray worst) {
        long before = System.nanoTime();
        java.util.concurrent.locks.LockSupport.parkNanos(nanos);
        long after = System.nanoTime();
        int sec = (int) TimeUnit.NANOSECONDS.toSeconds(after - t0);
        if (sec < worst.length()) {
            worst.accumulateAndGet(sec, Math.max(0, after - before - nanos), Math::max);
        }
    }

    /** The worst scheduling delay the canary or a caller's {@link #pause} saw in seconds [from, to]. */
    public long stallNanos(int from, int to) {
        return Math.max(worstIn(stallPerSecond, from, to), worstIn(callerStallPerSecond, from, to));
    }

    private static long worstIn(AtomicLongArray perSecond, int from, int to) {
        long m = 0;
        for (int s = Math.max(0, from); s <= Math.min(to, perSecond.length() - 1); s++) {
            m = Math.max(m, perSecond.get(s));
        }
        return m;
    }

    /**
     * Calls over the bound by more than the machine's own scheduling delay around that moment (the worst the canary
     * or the callers' pauses saw in the same second or the ones either side): overruns the client caused.
     */
    public long overBoundBeyondStall() {
        return overruns.stream().filter(o -> o.overNanos() > stallNanos(o.second() - 1, o.second() + 1)).count();
    }

    /** The worst scheduling delay over the whole run. */
    public long worstStallNanos() {
        return stallNanos(0, stallPerSecond.length() - 1);
    }

    /** Each call over the bound (the first 10): when, by how much, and the delays the canary and callers saw then. */
    public String overrunDetails() {
        StringBuilder b = new StringBuilder();
        overruns.stream().limit(10).forEach(o -> b.append(String.format("%n  at %d s: %s over by %.1f ms; canary "
                + "%.1f ms, callers %.1f ms", o.second(), o.outcome(), o.overNanos() / 1e6,
                worstIn(stallPerSecond, o.second() - 1, o.second() + 1) / 1e6,
                worstIn(callerStallPerSecond, o.second() - 1, o.second() + 1) / 1e6)));
        return b.toString();
    }

    /** Seconds since this book was made. */
    public int secondsNow() {
        return (int) TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
    }

    /** Successful calls in seconds [from, to). */
    public long okBetween(int from, int to) {
        long n = 0;
        for (int s = Math.max(0, from); s < Math.min(to, okPerSecond.length()); s++) {
            n += okPerSecond.get(s);
        }
        return n;
    }

    public long ok() {
        return ok.sum();
    }

    public long failed() {
        return failed.sum();
    }

    public long overBound() {
        return overBound.sum();
    }

    public long worstNanos() {
        return worst.get();
    }

    public Map<String, Long> failures() {
        Map<String, Long> out = new java.util.TreeMap<>();
        failures.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    public String summary() {
        Map<String, String> worstMs = new java.util.TreeMap<>();
        worstBy.forEach((k, v) -> worstMs.put(k, String.format("%.1f ms", v.get() / 1e6)));
        return String.format("ok %d, failed %d, over the bound %d (%d beyond the machine's scheduling delay, worst "
                + "%.1f ms), worst %.1f ms (by outcome %s), failures %s", ok(), failed(), overBound(),
                overBoundBeyondStall(), worstStallNanos() / 1e6, worstNanos() / 1e6, worstMs, failures())
                + overrunDetails();
    }
}
