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
    private final ConcurrentHashMap<String, LongAdder> memcachedAuthFailures = new ConcurrentHashMap<>();

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

    private final ConcurrentHashMap<Closed, LongAdder> memcachedClosed = new ConcurrentHashMap<>();

    /** The node closed a memcached connection. */
    public void memcachedClosed(Closed reason) {
        memcachedClosed.computeIfAbsent(reason, k -> new LongAdder()).increment();
    }

    /** Memcached connections the node closed, by reason (every reason, 0 included; lower case), sorted. */
    public Map<String, Long> memcachedClosed() {
        Map<String, Long> out = new TreeMap<>();
        for (Closed r : Closed.values()) {
            LongAdder a = memcachedClosed.get(r);
            out.put(r.name().toLowerCase(java.util.Locale.ROOT), a == null ? 0 : a.sum());
        }
        return out;
    }

    /** A memcached SASL authentication failed. */
    public void memcachedAuthFailure(AuthFailure reason) {
        memcachedAuthFailures.computeIfAbsent(reason.name().toLowerCase(java.util.Locale.ROOT),
                k -> new LongAdder()).increment();
    }

    /** Failed memcached SASL authentications by reason (every reason, 0 included), sorted. */
    public Map<String, Long> memcachedAuthFailures() {
        Map<String, Long> out = new TreeMap<>();
        for (AuthFailure r : AuthFailure.values()) {
            LongAdder a = memcachedAuthFailures.get(r.name().toLowerCase(java.util.Locale.ROOT));
            out.put(r.name().toLowerCase(java.util.Locale.ROOT), a == null ? 0 : a.sum());
        }
        return out;
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
