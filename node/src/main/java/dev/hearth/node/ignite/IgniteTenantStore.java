package dev.hearth.node.ignite;

import dev.hearth.node.tenant.TenantStore;
import dev.hearth.storage.CacheNames;
import dev.hearth.storage.MoveTombstone;
import dev.hearth.storage.TenantKey;
import dev.hearth.wire.TenantKeysFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
import javax.cache.Cache;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.CachePeekMode;
import org.apache.ignite.cache.query.QueryCursor;
import org.apache.ignite.cache.query.ScanQuery;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.configuration.CacheConfiguration;

/** {@link TenantStore} over the zones' Ignite caches: prefix scans, the per-key move, region sizes. */
public final class IgniteTenantStore implements TenantStore {
    /** Keys moved concurrently by one move: enough to hide round trips, few enough to spare the request path. */
    private static final int WINDOW = 32;
    private static final long KEY_TIMEOUT_S = 60;

    private final Ignite ignite;
    private final IgniteCacheService service;

    public IgniteTenantStore(Ignite ignite, IgniteCacheService service) {
        this.ignite = ignite;
        this.service = service;
    }

    private QueryCursor<Cache.Entry<String, byte[]>> scan(String zone, String tenant) {
        return service.zone(zone).query(new ScanQuery<String, byte[]>(new TenantKeysFilter<>(tenant)));
    }

    @Override
    public List<String> keys(String zone, String tenant, int limit) {
        List<String> out = new ArrayList<>();
        try (QueryCursor<Cache.Entry<String, byte[]>> c = scan(zone, tenant)) {
            for (Cache.Entry<String, byte[]> e : c) {
                if (out.size() >= limit) {
                    break;
                }
                if (!MoveTombstone.is(e.getValue())) {
                    out.add(e.getKey());
                }
            }
        }
        return out;
    }

    @Override
    public long migrateAll(String tenant, String from, String to, LongConsumer progress) {
        IgniteCache<String, byte[]> src = service.zone(from);
        IgniteCache<String, byte[]> dst = service.zone(to);
        Semaphore window = new Semaphore(WINDOW);
        AtomicLong handled = new AtomicLong();
        AtomicLong live = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (QueryCursor<Cache.Entry<String, byte[]>> c = scan(from, tenant)) {
            for (Cache.Entry<String, byte[]> e : c) {
                if (failure.get() != null) {
                    break;
                }
                if (!MoveTombstone.is(e.getValue())) {
                    live.incrementAndGet();
                }
                acquire(window);
                CompletableFuture<Void> f;
                try {
                    f = service.migrate(src, dst, TenantKey.fromStorageKey(e.getKey()));
                } catch (RuntimeException ex) {
                    window.release();
                    throw ex;
                }
                f.whenComplete((v, ex) -> {
                    if (ex != null) {
                        failure.compareAndSet(null, ex);
                    }
                    progress.accept(handled.incrementAndGet());
                    window.release();
                });
            }
        }
        acquire(window, WINDOW);
        if (failure.get() != null) {
            throw new IllegalStateException("moving a key of " + tenant + " failed: " + failure.get(), failure.get());
        }
        return live.get();
    }

    private static void acquire(Semaphore s) {
        acquire(s, 1);
    }

    private static void acquire(Semaphore s, int permits) {
        try {
            if (!s.tryAcquire(permits, KEY_TIMEOUT_S, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the cluster did not answer within " + KEY_TIMEOUT_S + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public long removeAll(String zone, String tenant) {
        IgniteCache<String, byte[]> cache = service.zone(zone);
        try (QueryCursor<Cache.Entry<String, byte[]>> c = scan(zone, tenant)) {
            return TenantKeysFilter.removeAll(c, cache::removeAll);
        }
    }

    @Override
    public long entries(String zone) {
        try {
            return service.zone(zone).sizeLongAsync(CachePeekMode.PRIMARY).get(2, TimeUnit.SECONDS);
        } catch (RuntimeException e) {
            return -1;
        }
    }

    @Override
    public long approximateBytes(String zone) {
        // This node's region holds primaries and backups of its share; scale by the zone's nodes and copies.
        List<String> nodes = nodes(zone);
        if (nodes.isEmpty()) {
            return -1;
        }
        String cacheName = CacheNames.zoneCache(zone);
        CacheConfiguration<?, ?> cc = service.zone(zone).getConfiguration(CacheConfiguration.class);
        var region = ignite.dataRegionMetrics(Zones.regionName(zone));
        boolean local = ignite.cluster().forDataNodes(cacheName).node(ignite.cluster().localNode().id()) != null;
        if (region == null || !local) {
            return -1;
        }
        return region.getTotalUsedSize() * nodes.size() / (cc.getBackups() + 1);
    }

    @Override
    public List<String> nodes(String zone) {
        List<String> out = new ArrayList<>();
        for (ClusterNode n : ignite.cluster().forDataNodes(CacheNames.zoneCache(zone)).nodes()) {
            Object name = n.attribute(NodeAttributes.NAME);
            out.add(name == null ? n.consistentId().toString() : name.toString());
        }
        out.sort(null);
        return out;
    }

}
