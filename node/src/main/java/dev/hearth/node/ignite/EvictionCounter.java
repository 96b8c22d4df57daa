package dev.hearth.node.ignite;

import java.lang.reflect.Field;
import java.util.concurrent.atomic.LongAdder;
import org.apache.ignite.IgniteCheckedException;
import org.apache.ignite.internal.IgniteEx;
import org.apache.ignite.internal.processors.cache.persistence.DataRegion;
import org.apache.ignite.internal.processors.cache.persistence.evict.PageEvictionTracker;

/**
 * Counts the data pages Ignite evicts from one region. Page eviction fires no event and bumps no counter (only a
 * per-second rate), so the region's eviction tracker is wrapped in one that counts and delegates. Ignite evicts a
 * whole page at a time (every entry on it), so the count is of pages, not entries.
 */
final class EvictionCounter implements PageEvictionTracker {
    private final PageEvictionTracker delegate;
    private final LongAdder pages;

    private EvictionCounter(PageEvictionTracker delegate, LongAdder pages) {
        this.delegate = delegate;
        this.pages = pages;
    }

    /** Wraps the tracker of {@code regionName}; returns the counter, or null if Ignite's internals differ. */
    static LongAdder install(IgniteEx ignite, String regionName) {
        try {
            DataRegion region = ignite.context().cache().context().database().dataRegion(regionName);
            Field f = DataRegion.class.getDeclaredField("evictionTracker");
            f.setAccessible(true);
            PageEvictionTracker current = (PageEvictionTracker) f.get(region);
            if (current instanceof EvictionCounter counting) {
                return counting.pages;
            }
            LongAdder pages = new LongAdder();
            f.set(region, new EvictionCounter(current, pages));
            return pages;
        } catch (IgniteCheckedException | ReflectiveOperationException | RuntimeException e) {
            org.apache.logging.log4j.LogManager.getLogger(EvictionCounter.class)
                    .warn("Cannot count evictions of region {}: {}", regionName, e.toString());
            return null;
        }
    }

    @Override
    public void touchPage(long pageId) throws IgniteCheckedException {
        delegate.touchPage(pageId);
    }

    @Override
    public boolean evictionRequired() {
        return delegate.evictionRequired();
    }

    @Override
    public void evictDataPage() throws IgniteCheckedException {
        delegate.evictDataPage();
        pages.increment();
    }

    @Override
    public void forgetPage(long pageId) throws IgniteCheckedException {
        delegate.forgetPage(pageId);
    }

    @Override
    public void start() {
        delegate.start();
    }

    @Override
    public void stop() {
        delegate.stop();
    }
}
