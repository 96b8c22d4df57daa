package dev.hearth.node.security;

import dev.hearth.node.health.LogEvery;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Connections a TLS port refused, by port and reason ({@link #PLAINTEXT}: the client did not speak TLS;
 * {@link #HANDSHAKE}: the handshake failed, e.g. no client certificate or one from another CA; Ignite's ports count
 * both as a failed handshake). Each refusal of memcached and admin is
 * counted; the log gets at most one line per port every {@link #LOG_EVERY} (with the remote address and how many
 * were not logged), so a scanner or a misconfigured client fleet cannot flood it.
 */
public final class TlsRefusals {
    public static final String PLAINTEXT = "plaintext";
    public static final String HANDSHAKE = "handshake";
    static final Duration LOG_EVERY = Duration.ofSeconds(10);
    private static final Logger LOG = LogManager.getLogger(TlsRefusals.class);

    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final LogEvery logEvery = new LogEvery(LOG_EVERY);
    private final Map<String, LongAdder> notLogged = new ConcurrentHashMap<>();

    /** Counts one refused connection of {@code port} (memcached, admin) and logs it unless one was logged lately. */
    public void refused(String port, String reason, SocketAddress remote, Throwable cause) {
        counts.computeIfAbsent(port + "\0" + reason, k -> new LongAdder()).increment();
        LongAdder skipped = notLogged.computeIfAbsent(port, k -> new LongAdder());
        if (logEvery.allow(port)) {
            long others = skipped.sumThenReset();
            String what = reason.equals(PLAINTEXT) ? "a plaintext connection (this port requires TLS)"
                    : "a TLS handshake";
            LOG.warn("{} port refused {} from {}: {}{}", port, what, remote, cause == null ? "" : cause.getMessage(),
                    others == 0 ? "" : " (" + others + " more refusal(s) on this port since the last line)");
        } else {
            skipped.increment();
        }
    }

    /**
     * Adds refusals counted elsewhere (Ignite counts the failed TLS sessions of its own ports) under {@code port} and
     * {@code reason}; they are not logged here.
     */
    public void countedElsewhere(String port, String reason, java.util.function.LongSupplier count) {
        external.put(port + "\0" + reason, count);
    }

    private final Map<String, java.util.function.LongSupplier> external = new ConcurrentHashMap<>();

    /** Refusals so far: port -> reason -> count. */
    public Map<String, Map<String, Long>> snapshot() {
        Map<String, Map<String, Long>> out = new TreeMap<>();
        counts.forEach((k, v) -> put(out, k, v.sum()));
        external.forEach((k, v) -> put(out, k, v.getAsLong()));
        return out;
    }

    private static void put(Map<String, Map<String, Long>> out, String key, long n) {
        int sep = key.indexOf('\0');
        out.computeIfAbsent(key.substring(0, sep), p -> new TreeMap<>()).merge(key.substring(sep + 1), n, Long::sum);
    }
}
