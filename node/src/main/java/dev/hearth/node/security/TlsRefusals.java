package dev.hearth.node.security;

import java.net.SocketAddress;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Connections a TLS port refused, by port and reason ({@link #PLAINTEXT}: the client did not speak TLS;
 * {@link #HANDSHAKE}: the handshake failed, e.g. no client certificate or one from another CA). Each refusal is
 * counted; the log gets at most one line per port every {@link #LOG_EVERY_NANOS} (with the remote address and how many
 * were not logged), so a scanner or a misconfigured client fleet cannot flood it.
 */
public final class TlsRefusals {
    public static final String PLAINTEXT = "plaintext";
    public static final String HANDSHAKE = "handshake";
    static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final Logger LOG = LogManager.getLogger(TlsRefusals.class);

    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> lastLog = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> notLogged = new ConcurrentHashMap<>();

    /** Counts one refused connection of {@code port} (memcached, admin) and logs it unless one was logged lately. */
    public void refused(String port, String reason, SocketAddress remote, Throwable cause) {
        counts.computeIfAbsent(port + "\0" + reason, k -> new LongAdder()).increment();
        AtomicLong last = lastLog.computeIfAbsent(port, k -> new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS));
        LongAdder skipped = notLogged.computeIfAbsent(port, k -> new LongAdder());
        long now = System.nanoTime();
        long prev = last.get();
        if (now - prev >= LOG_EVERY_NANOS && last.compareAndSet(prev, now)) {
            long others = skipped.sumThenReset();
            String what = reason.equals(PLAINTEXT) ? "a plaintext connection (this port requires TLS)"
                    : "a TLS handshake";
            LOG.warn("{} port refused {} from {}: {}{}", port, what, remote, cause == null ? "" : cause.getMessage(),
                    others == 0 ? "" : " (" + others + " more refusal(s) on this port since the last line)");
        } else {
            skipped.increment();
        }
    }

    /** Refusals so far: port -> reason -> count. */
    public Map<String, Map<String, Long>> snapshot() {
        Map<String, Map<String, Long>> out = new TreeMap<>();
        counts.forEach((k, v) -> {
            int sep = k.indexOf('\0');
            out.computeIfAbsent(k.substring(0, sep), p -> new TreeMap<>()).put(k.substring(sep + 1), v.sum());
        });
        return out;
    }
}
