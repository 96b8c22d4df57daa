package dev.hearth.node.cluster;

import javax.cache.Cache;
import org.apache.ignite.IgniteException;
import org.apache.ignite.cache.CacheInterceptorAdapter;

/**
 * Refuses, on the primary copy and before Ignite takes any page for it, an entry larger than its zone can always make
 * room for. Ignite 2.17 does not survive such an entry: under page eviction a row that needs more pages than the
 * region keeps empty runs the region out of pages, and the out-of-memory is a critical failure that halts the node;
 * every copy's node in turn, for one write. Every write path passes here (memcached, hearth-client, any thin client,
 * the results of entry processors), so one rule bounds them all; the memcached endpoint's item limit answers
 * earlier, in memcached's words.
 */
final class EntrySizeGuard extends CacheInterceptorAdapter<String, byte[]> {
    private static final long serialVersionUID = 1L;
    private static final org.apache.logging.log4j.Logger LOG =
            org.apache.logging.log4j.LogManager.getLogger(EntrySizeGuard.class);
    /** One line a minute at most: a client looping over a too-large value must not flood the log. */
    private static final long LOG_EVERY_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(1);
    private static final java.util.concurrent.atomic.AtomicLong LAST_LOG =
            new java.util.concurrent.atomic.AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);
    private static final java.util.concurrent.atomic.LongAdder REFUSED = new java.util.concurrent.atomic.LongAdder();

    private final String zone;
    private final long maxBytes;

    EntrySizeGuard(String zone, long maxBytes) {
        this.zone = zone;
        this.maxBytes = maxBytes;
    }

    @Override
    public byte[] onBeforePut(Cache.Entry<String, byte[]> entry, byte[] newVal) {
        if (newVal != null && newVal.length > maxBytes) {
            String why = message(newVal.length);
            REFUSED.increment();
            long now = System.nanoTime();
            long prev = LAST_LOG.get();
            if (now - prev >= LOG_EVERY_NANOS && LAST_LOG.compareAndSet(prev, now)) {
                LOG.warn("refused a write: {} ({} refused since the node started)", why, REFUSED.sum());
            }
            throw new IgniteException(why);
        }
        return newVal;
    }

    /** How every refusal's message starts: the node finds it in Ignite's exception to answer as "too large". */
    static final String PREFIX = "entry too large: ";

    /** The refusal: what was too large, the bound, and which settings move it. */
    String message(long bytes) {
        return PREFIX + bytes + " bytes, zone '" + zone + "' stores entries of at most " + maxBytes
                + " bytes (memcached.maxItemSize plus the key, bounded by zones." + zone + ".memory)";
    }

    long maxBytes() {
        return maxBytes;
    }

    /**
     * The guard's refusal inside an Ignite failure ({@code e}, its causes and suppressed exceptions: Ignite reports a
     * refused atomic update as a partial update failure with the refusal suppressed), as Hearth's exception; null if
     * none is there.
     */
    static dev.hearth.node.cache.EntryTooLargeException find(Throwable e) {
        java.util.ArrayDeque<Throwable> todo = new java.util.ArrayDeque<>();
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        todo.add(e);
        while (!todo.isEmpty()) {
            Throwable t = todo.poll();
            if (!seen.add(t)) {
                continue;
            }
            String msg = t.getMessage();
            if (msg != null && msg.contains(PREFIX)) {
                return new dev.hearth.node.cache.EntryTooLargeException(msg.substring(msg.indexOf(PREFIX)));
            }
            if (t.getCause() != null) {
                todo.add(t.getCause());
            }
            todo.addAll(java.util.Arrays.asList(t.getSuppressed()));
        }
        return null;
    }
}
