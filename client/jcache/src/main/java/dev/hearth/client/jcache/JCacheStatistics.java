package dev.hearth.client.jcache;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import javax.cache.management.CacheStatisticsMXBean;

/**
 * One cache's JSR-107 statistics, as counted by this JVM's calls (other JVMs' calls on the same tenant count in
 * theirs). Counted only while statistics are enabled; times are averages in microseconds, as the MXBean defines.
 * Evictions are always 0 here: Hearth's nodes evict, and they count it ({@code hearth_evicted_pages}, in 4 KiB pages).
 */
final class JCacheStatistics implements CacheStatisticsMXBean {
    final LongAdder hits = new LongAdder();
    final LongAdder misses = new LongAdder();
    final LongAdder puts = new LongAdder();
    final LongAdder removals = new LongAdder();
    private final LongAdder getNanos = new LongAdder();
    private final LongAdder putNanos = new LongAdder();
    private final LongAdder removeNanos = new LongAdder();

    void gotten(long startNanos) {
        getNanos.add(System.nanoTime() - startNanos);
    }

    void put(long startNanos) {
        putNanos.add(System.nanoTime() - startNanos);
    }

    void removed(long startNanos) {
        removeNanos.add(System.nanoTime() - startNanos);
    }

    @Override
    public void clear() {
        hits.reset();
        misses.reset();
        puts.reset();
        removals.reset();
        getNanos.reset();
        putNanos.reset();
        removeNanos.reset();
    }

    @Override
    public long getCacheHits() {
        return hits.sum();
    }

    @Override
    public float getCacheHitPercentage() {
        long gets = getCacheGets();
        return gets == 0 ? 0 : hits.sum() * 100f / gets;
    }

    @Override
    public long getCacheMisses() {
        return misses.sum();
    }

    @Override
    public float getCacheMissPercentage() {
        long gets = getCacheGets();
        return gets == 0 ? 0 : misses.sum() * 100f / gets;
    }

    @Override
    public long getCacheGets() {
        return hits.sum() + misses.sum();
    }

    @Override
    public long getCachePuts() {
        return puts.sum();
    }

    @Override
    public long getCacheRemovals() {
        return removals.sum();
    }

    @Override
    public long getCacheEvictions() {
        return 0;
    }

    @Override
    public float getAverageGetTime() {
        return average(getNanos.sum(), getCacheGets());
    }

    @Override
    public float getAveragePutTime() {
        return average(putNanos.sum(), puts.sum());
    }

    @Override
    public float getAverageRemoveTime() {
        return average(removeNanos.sum(), removals.sum());
    }

    private static float average(long nanos, long count) {
        return count == 0 ? 0 : (float) TimeUnit.NANOSECONDS.toMicros(nanos) / count;
    }
}
