package dev.hearth.node.ignite;

import dev.hearth.node.cache.EntryTooLargeException;
import dev.hearth.node.health.LogEvery;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongPredicate;
import javax.cache.Cache;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.IgniteException;
import org.apache.ignite.cache.CacheInterceptorAdapter;
import org.apache.ignite.configuration.CacheConfiguration;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

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
    private static final Logger LOG = LogManager.getLogger(EntrySizeGuard.class);
    /** One line a minute at most: a client looping over a too-large value must not flood the log. */
    private static final LogEvery LOG_EVERY = new LogEvery(Duration.ofMinutes(1));
    private static final LongAdder REFUSED = new LongAdder();

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
            if (LOG_EVERY.allow("refused")) {
                LOG.warn("refused a write: {} ({} refused since the node started)", why, REFUSED.sum());
            }
            throw new IgniteException(why);
        }
        return newVal;
    }

    /**
     * Which entry sizes {@code cache}'s zone stores; a refused one is counted and logged as skipped by {@code who}.
     * For writers that must not fail a batch for one entry (a warm-up loading a dump or a local copy written under a
     * larger limit): they skip it instead of putting it and hearing the refusal. Reads the cache's configuration
     * once: take one per batch.
     */
    static LongPredicate admission(IgniteCache<?, ?> cache, String who) {
        Object i = cache.getConfiguration(CacheConfiguration.class).getInterceptor();
        if (!(i instanceof EntrySizeGuard guard)) {
            return bytes -> true;
        }
        return bytes -> {
            if (bytes <= guard.maxBytes) {
                return true;
            }
            REFUSED.increment();
            if (LOG_EVERY.allow("skipped")) {
                LOG.warn("{} skipped an entry: {} ({} refused since the node started)", who, guard.message(bytes),
                        REFUSED.sum());
            }
            return false;
        };
    }

    /** Entries refused or skipped on this node since it started (all zones). */
    static long refusedSoFar() {
        return REFUSED.sum();
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
    static EntryTooLargeException find(Throwable e) {
        ArrayDeque<Throwable> todo = new ArrayDeque<>();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        todo.add(e);
        while (!todo.isEmpty()) {
            Throwable t = todo.poll();
            if (!seen.add(t)) {
                continue;
            }
            String msg = t.getMessage();
            if (msg != null && msg.contains(PREFIX)) {
                return new EntryTooLargeException(msg.substring(msg.indexOf(PREFIX)));
            }
            if (t.getCause() != null) {
                todo.add(t.getCause());
            }
            todo.addAll(Arrays.asList(t.getSuppressed()));
        }
        return null;
    }
}
