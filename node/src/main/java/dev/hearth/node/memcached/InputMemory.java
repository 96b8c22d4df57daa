package dev.hearth.node.memcached;

import java.util.HashMap;
import java.util.Map;

/**
 * The bytes that incomplete memcached requests hold in the decoders' buffers, node-wide, against
 * memcached.inputMemory. A request that arrives whole costs nothing here; one that arrives in pieces holds its
 * decoder's buffer (direct memory) until its last byte comes. Without a bound, 60 connections that each sent most of
 * a 1 MB set and then nothing ran a node with 32 MiB of direct memory out of it, and it left.
 *
 * <p>When a connection's growth takes the node past the bound, the connection holding the most goes: usually one of
 * many half-sent large values, not a client whose small request happened to arrive in two reads. Thread-safe: the
 * connections' event loops share it; only connections whose holding changes take its lock, and a request that
 * arrives whole changes nothing.
 */
final class InputMemory {
    private final long limit;
    /** Connections holding bytes now, and how many; guarded by this. */
    private final Map<IncompleteRequests, Long> holders = new HashMap<>();
    private long held;

    /** @param limit bytes all connections' incomplete requests may hold together; Long.MAX_VALUE = no bound */
    InputMemory(long limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1: " + limit);
        }
        this.limit = limit;
    }

    /** For decoders used on their own (tests): no bound. */
    static InputMemory unbounded() {
        return new InputMemory(Long.MAX_VALUE);
    }

    /**
     * {@code who}'s buffer now holds {@code now} bytes.
     *
     * @return the connection to close, already no longer counted: null while the node is within the bound, else
     *     the largest holder ({@code who} when it is one of the largest)
     */
    synchronized IncompleteRequests change(IncompleteRequests who, long now) {
        Long was = now == 0 ? holders.remove(who) : holders.put(who, now);
        long before = was == null ? 0 : was;
        held += now - before;
        if (now <= before || held <= limit) {
            return null;
        }
        IncompleteRequests largest = who;
        long most = now;
        for (Map.Entry<IncompleteRequests, Long> e : holders.entrySet()) {
            if (e.getValue() > most) {
                largest = e.getKey();
                most = e.getValue();
            }
        }
        holders.remove(largest);
        held -= most;
        return largest;
    }

    /** {@code who} holds nothing any more (its connection closed). */
    synchronized void release(IncompleteRequests who) {
        Long was = holders.remove(who);
        if (was != null) {
            held -= was;
        }
    }

    synchronized long held() {
        return held;
    }

    long limit() {
        return limit;
    }
}
