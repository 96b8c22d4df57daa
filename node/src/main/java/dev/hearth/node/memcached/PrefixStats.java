package dev.hearth.node.memcached;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * memcached's per-prefix counters ({@code stats detail on|off|dump}) for one listener. The prefix is the key as the
 * client sent it (tenant prefix included) up to the first ':'; a key without ':' (or with a NUL byte before it)
 * is not counted, as in memcached. Counting is off until a client turns it on.
 *
 * <p>Unlike memcached, the number of prefixes is capped: clients choose the keys, so without a cap a client could
 * make the node keep any number of prefixes. Past the cap, operations on a prefix not yet tracked are not counted
 * per prefix, only in {@link #untracked()}; prefixes already tracked go on counting. {@code stats reset} clears it.
 */
final class PrefixStats {
    static final int MAX_PREFIXES = 1024;
    private static final byte DELIMITER = ':';

    private final int maxPrefixes;
    private final Map<String, Counters> prefixes = new ConcurrentHashMap<>();
    private final LongAdder untracked = new LongAdder();
    private volatile boolean enabled;

    private static final class Counters {
        final AtomicLong gets = new AtomicLong();
        final AtomicLong hits = new AtomicLong();
        final AtomicLong sets = new AtomicLong();
        final AtomicLong deletes = new AtomicLong();
    }

    PrefixStats(int maxPrefixes) {
        this.maxPrefixes = maxPrefixes;
    }

    boolean enabled() {
        return enabled;
    }

    void enable(boolean on) {
        enabled = on;
    }

    void recordGet(byte[] key, boolean hit) {
        Counters c = counters(key);
        if (c != null) {
            c.gets.incrementAndGet();
            if (hit) {
                c.hits.incrementAndGet();
            }
        }
    }

    void recordSet(byte[] key) {
        Counters c = counters(key);
        if (c != null) {
            c.sets.incrementAndGet();
        }
    }

    void recordDelete(byte[] key) {
        Counters c = counters(key);
        if (c != null) {
            c.deletes.incrementAndGet();
        }
    }

    /** Operations not counted per prefix because {@link #MAX_PREFIXES} prefixes were already tracked. */
    long untracked() {
        return untracked.sum();
    }

    int size() {
        return prefixes.size();
    }

    /** {@code stats reset}: forgets every prefix (memcached's stats_prefix_clear). */
    synchronized void clear() {
        prefixes.clear();
        untracked.reset();
    }

    /** memcached's {@code stats detail dump}: a "PREFIX" line per prefix, sorted by prefix, then "END". */
    byte[] dump() {
        List<Map.Entry<String, Counters>> entries = new ArrayList<>(prefixes.entrySet());
        entries.sort(Map.Entry.comparingByKey());
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + entries.size() * 64);
        for (Map.Entry<String, Counters> e : entries) {
            Counters c = e.getValue();
            String line = "PREFIX " + e.getKey() + " get " + c.gets.get() + " hit " + c.hits.get() + " set "
                    + c.sets.get() + " del " + c.deletes.get() + "\r\n";
            out.writeBytes(line.getBytes(StandardCharsets.ISO_8859_1));
        }
        out.writeBytes("END\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private Counters counters(byte[] key) {
        if (!enabled) {
            return null;
        }
        int end = -1;
        for (int i = 0; i < key.length; i++) {
            if (key[i] == DELIMITER) {
                end = i;
                break;
            }
            if (key[i] == 0) { // memcached's C string ends here, before any delimiter
                return null;
            }
        }
        if (end < 0) {
            return null;
        }
        // ISO-8859-1 maps each byte to one char, so the dump writes back exactly the bytes the client sent.
        String prefix = new String(key, 0, end, StandardCharsets.ISO_8859_1);
        Counters c = prefixes.get(prefix);
        return c != null ? c : track(prefix);
    }

    /** Adds a prefix unless the cap is reached; synchronized so that the cap is exact and clear() is atomic. */
    private synchronized Counters track(String prefix) {
        Counters c = prefixes.get(prefix);
        if (c == null) {
            if (prefixes.size() >= maxPrefixes) {
                untracked.increment();
                return null;
            }
            c = new Counters();
            prefixes.put(prefix, c);
        }
        return c;
    }
}
