package dev.hearth.node.cache;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Live counters of operations by type and result, and of damaged entries found, on this node. */
public final class OperationStats {
    private final ConcurrentHashMap<String, LongAdder> byOpAndResult = new ConcurrentHashMap<>();
    private final LongAdder checksumFailures = new LongAdder();
    private final LongAdder readFailovers = new LongAdder();
    private final LongAdder readFailoverAnswers = new LongAdder();
    private final Map<AuthFailure, LongAdder> memcachedAuthFailures = adders(AuthFailure.class);

    /** Why a memcached SASL authentication failed: wrong user or password (or a malformed request), or no TLS. */
    public enum AuthFailure {
        CREDENTIALS, PLAINTEXT
    }

    /** Why the node closed a memcached connection. */
    public enum Closed {
        /** Its incomplete request would have passed memcached.inputMemory. */
        INPUT_MEMORY,
        /** Its request stayed incomplete for memcached.requestTimeout. */
        REQUEST_TIMEOUT
    }

    private final Map<Closed, LongAdder> memcachedClosed = adders(Closed.class);

    /** One counter per reason, all there from the start (read without locks; never grows). */
    private static <E extends Enum<E>> Map<E, LongAdder> adders(Class<E> reasons) {
        Map<E, LongAdder> m = new java.util.EnumMap<>(reasons);
        for (E r : reasons.getEnumConstants()) {
            m.put(r, new LongAdder());
        }
        return m;
    }

    /** Counts by reason, every reason included (0 too), named in lower case, sorted. */
    private static Map<String, Long> byReason(Map<? extends Enum<?>, LongAdder> counts) {
        Map<String, Long> out = new TreeMap<>();
        counts.forEach((r, a) -> out.put(r.name().toLowerCase(java.util.Locale.ROOT), a.sum()));
        return out;
    }

    /** The node closed a memcached connection. */
    public void memcachedClosed(Closed reason) {
        memcachedClosed.get(reason).increment();
    }

    /** Memcached connections the node closed, by reason. */
    public Map<String, Long> memcachedClosed() {
        return byReason(memcachedClosed);
    }

    /** A memcached SASL authentication failed. */
    public void memcachedAuthFailure(AuthFailure reason) {
        memcachedAuthFailures.get(reason).increment();
    }

    /** Failed memcached SASL authentications by reason. */
    public Map<String, Long> memcachedAuthFailures() {
        return byReason(memcachedAuthFailures);
    }

    /** A read whose primary copy was slow to answer asked the key's backup copies too. */
    public void readFailover() {
        readFailovers.increment();
    }

    /** ... and a backup copy answered first. */
    public void readFailoverAnswered() {
        readFailoverAnswers.increment();
    }

    public long readFailovers() {
        return readFailovers.sum();
    }

    public long readFailoverAnswers() {
        return readFailoverAnswers.sum();
    }

    public void record(String op, String result) {
        byOpAndResult.computeIfAbsent(op + '\t' + result, k -> new LongAdder()).increment();
    }

    private final ConcurrentHashMap<String, LatencyHistogram> latencies = new ConcurrentHashMap<>();

    /**
     * Counts how long one cache operation took, from the endpoint's call to the cluster's answer (or failure).
     * {@code op} names come from code, never from a client, so the map stays small.
     */
    public void timed(String op, long nanos) {
        LatencyHistogram h = latencies.get(op);
        if (h == null) {
            h = latencies.computeIfAbsent(op, k -> new LatencyHistogram());
        }
        h.record(nanos);
    }

    /** op -> its durations so far, sorted for stable output. */
    public Map<String, LatencyHistogram.Snapshot> latencies() {
        Map<String, LatencyHistogram.Snapshot> out = new TreeMap<>();
        latencies.forEach((op, h) -> out.put(op, h.snapshot()));
        return out;
    }

    public void checksumFailure() {
        checksumFailures.increment();
    }

    public long checksumFailures() {
        return checksumFailures.sum();
    }

    /** op -> result -> count, a snapshot sorted for stable output. */
    public Map<String, Map<String, Long>> snapshot() {
        Map<String, Map<String, Long>> out = new TreeMap<>();
        byOpAndResult.forEach((k, v) -> {
            int tab = k.indexOf('\t');
            out.computeIfAbsent(k.substring(0, tab), x -> new TreeMap<>()).put(k.substring(tab + 1), v.sum());
        });
        return out;
    }

    public long count(String op, String result) {
        LongAdder a = byOpAndResult.get(op + '\t' + result);
        return a == null ? 0 : a.sum();
    }
}
