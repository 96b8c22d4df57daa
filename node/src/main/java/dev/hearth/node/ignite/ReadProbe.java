package dev.hearth.node.ignite;

import dev.hearth.node.warmup.AdaptiveRate;
import dev.hearth.storage.CacheNames;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;

/**
 * Measures what a reader of the cluster waits for while a refill runs: a thread reads an absent key every
 * {@link #EVERY} through the zones' caches, a different partition each time, so that every primary's queue and the
 * CPU this machine can give are in the figure. Reads from memcached and thin clients are not seen one by one (the
 * thin clients' reads never pass through Hearth's code); a probe read waits in the same queues they do.
 *
 * <p>A read that does not come back is counted while it waits: a wedged cluster reads as slow at once, not when the
 * read finally returns.
 */
public final class ReadProbe implements AdaptiveRate.Latency {
    static final long EVERY = TimeUnit.MILLISECONDS.toNanos(10);
    /** Keys read in turn: enough to land on every partition of a zone (1,024 by default) several times over. */
    private static final int KEYS = 4096;

    private final Thread thread;
    private final AtomicLong worst = new AtomicLong(-1);
    /** When the read in flight started, 0 when none is. */
    private volatile long inFlightSince;
    private volatile boolean closed;

    /**
     * Rates that adapt to this probe, one probe per refill.
     *
     * @param target the read latency to keep below; zero for rates that only follow their ceiling
     */
    public static AdaptiveRate.Factory paces(Ignite ignite, java.util.Collection<String> zones, java.time.Duration target) {
        if (target.isZero()) {
            return AdaptiveRate.Factory.FIXED;
        }
        List<String> list = List.copyOf(zones);
        return ceiling -> new AdaptiveRate(ceiling, target.toNanos(), new ReadProbe(ignite, list), System::nanoTime,
                LockSupport::parkNanos);
    }

    ReadProbe(Ignite ignite, List<String> zones) {
        List<IgniteCache<String, byte[]>> caches = zones.stream()
                .map(z -> ignite.<String, byte[]>cache(CacheNames.zoneCache(z))).toList();
        thread = new Thread(() -> run(caches), "hearth-read-probe");
        thread.setDaemon(true);
        thread.start();
    }

    private void run(List<IgniteCache<String, byte[]>> caches) {
        int i = 0;
        while (!closed) {
            IgniteCache<String, byte[]> cache = caches.get(i % caches.size());
            String key = "\u0000hearth-read-probe-" + (i % KEYS);
            i++;
            long t0 = System.nanoTime();
            inFlightSince = t0;
            try {
                cache.get(key);
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                // A failed read (node left, cluster stopping) waited as long as it took: that is the signal.
            }
            long took = System.nanoTime() - t0;
            inFlightSince = 0;
            worst.accumulateAndGet(took, Math::max);
            LockSupport.parkNanos(EVERY);
        }
    }

    @Override
    public long worstNanos() {
        long since = inFlightSince;
        long waiting = since == 0 ? -1 : System.nanoTime() - since;
        return Math.max(worst.getAndSet(-1), waiting);
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
