package dev.hearth.node.cluster;

import dev.hearth.node.cache.CacheService;
import dev.hearth.node.cache.Envelope;
import dev.hearth.node.cache.Item;
import dev.hearth.node.cache.Mutation;
import dev.hearth.node.cache.OperationStats;
import dev.hearth.node.cache.TenantKey;
import dev.hearth.node.cache.VersionClock;
import dev.hearth.node.tenant.TenantDirectory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/** {@link CacheService} over one Ignite cache per zone, using only Ignite's async operations. */
public final class IgniteCacheService implements CacheService {
    private static final Logger LOG = LogManager.getLogger(IgniteCacheService.class);
    private static final long DAMAGE_LOG_INTERVAL_MS = 10_000;

    private final Map<String, IgniteCache<String, byte[]>> zones;
    private final TenantDirectory tenants;
    private final OperationStats stats;
    private final AtomicLong lastDamageLog = new AtomicLong();

    public IgniteCacheService(Ignite ignite, Iterable<String> zoneNames, TenantDirectory tenants,
            OperationStats stats) {
        this.stats = stats;
        Map<String, IgniteCache<String, byte[]>> m = new HashMap<>();
        for (String zone : zoneNames) {
            IgniteCache<String, byte[]> cache = ignite.cache(Zones.cacheName(zone));
            if (cache == null) {
                throw new IllegalStateException("zone cache " + Zones.cacheName(zone) + " is not started");
            }
            m.put(zone, cache);
        }
        this.zones = Map.copyOf(m);
        this.tenants = tenants;
    }

    private IgniteCache<String, byte[]> cacheFor(TenantKey key) {
        String zone = tenants.zoneOf(key.tenant());
        IgniteCache<String, byte[]> cache = zones.get(zone);
        if (cache == null) {
            throw new IllegalStateException("tenant " + key.tenant() + " maps to unknown zone " + zone);
        }
        return cache;
    }

    @Override
    public CompletableFuture<Item> get(TenantKey key) {
        IgniteCache<String, byte[]> cache = cacheFor(key);
        return track("get", IgniteFutures.toCompletable(cache.getAsync(key.storageKey()))
                .thenApply(stored -> readStored(cache, key, stored)), item -> item == null ? "miss" : "hit");
    }

    @Override
    public CompletableFuture<Map<TenantKey, Item>> getMulti(List<TenantKey> keys) {
        Map<IgniteCache<String, byte[]>, Map<String, TenantKey>> byZone = new LinkedHashMap<>();
        for (TenantKey k : keys) {
            byZone.computeIfAbsent(cacheFor(k), c -> new LinkedHashMap<>()).put(k.storageKey(), k);
        }
        List<CompletableFuture<Map<TenantKey, Item>>> parts = new ArrayList<>();
        byZone.forEach((cache, storageKeys) -> parts.add(
                IgniteFutures.toCompletable(cache.getAllAsync(storageKeys.keySet())).thenApply(found -> {
                    Map<TenantKey, Item> out = new HashMap<>();
                    storageKeys.forEach((sk, tk) -> {
                        Item item = readStored(cache, tk, found.get(sk));
                        stats.record("get", item == null ? "miss" : "hit");
                        if (item != null) {
                            out.put(tk, item);
                        }
                    });
                    return out;
                })));
        return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0])).thenApply(v -> {
            Map<TenantKey, Item> all = new HashMap<>();
            parts.forEach(p -> all.putAll(p.join()));
            return all;
        }).whenComplete((r, e) -> {
            if (e != null) {
                stats.record("get", "error");
            }
        });
    }

    private Item readStored(IgniteCache<String, byte[]> cache, TenantKey key, byte[] stored) {
        if (stored == null) {
            return null;
        }
        Item item = Envelope.decode(key, stored);
        if (item == null) {
            onDamaged(cache, key);
            return null;
        }
        return item.isExpired(System.currentTimeMillis()) ? null : item;
    }

    private void onDamaged(IgniteCache<String, byte[]> cache, TenantKey key) {
        stats.checksumFailure();
        long now = System.currentTimeMillis();
        long last = lastDamageLog.get();
        if (now - last >= DAMAGE_LOG_INTERVAL_MS && lastDamageLog.compareAndSet(last, now)) {
            LOG.warn("Damaged entry (checksum mismatch) for key {} in {}: removed and served as a miss "
                    + "({} damaged entries found by this node so far)", key, cache.getName(),
                    stats.checksumFailures());
        }
        cache.invokeAsync(key.storageKey(), new RemoveIfDamaged()).listen(f -> {
            try {
                f.get();
            } catch (RuntimeException e) {
                LOG.warn("Could not remove damaged entry {}: {}", key, e.toString());
            }
        });
    }

    @Override
    public CompletableFuture<Item> set(TenantKey key, byte[] value, int flags, long expireAt) {
        IgniteCache<String, byte[]> cache = cacheFor(key);
        long now = System.currentTimeMillis();
        Item item = new Item(value, flags, VersionClock.shared().next(), expireAt, false);
        if (expireAt != 0 && expireAt <= now) {
            // memcached stores an already-expired item and then never returns it: the same as removing the key.
            return track("set", IgniteFutures.toCompletable(cache.removeAsync(key.storageKey())).thenApply(r -> item),
                    r -> "stored");
        }
        IgniteCache<String, byte[]> target = cache.withExpiryPolicy(HearthExpiry.of(expireAt, now));
        return track("set", IgniteFutures.toCompletable(target.putAsync(key.storageKey(), Envelope.encode(key, item)))
                .thenApply(v -> item), r -> "stored");
    }

    @Override
    public CompletableFuture<Mutation.Outcome> mutate(TenantKey key, Mutation mutation) {
        IgniteCache<String, byte[]> cache = cacheFor(key);
        IgniteCache<String, byte[]> target = cache.withExpiryPolicy(HearthExpiry.of(mutation.createExpireAt(),
                mutation.newExpireAt(), System.currentTimeMillis()));
        String op = mutation.op().name().toLowerCase(Locale.ROOT);
        return track(op, IgniteFutures.toCompletable(
                target.invokeAsync(key.storageKey(), new MutationProcessor(mutation))).thenApply(bytes -> {
                    MutationProcessor.Result r = MutationProcessor.decodeResult(key, bytes);
                    if (r.damaged()) {
                        stats.checksumFailure();
                    }
                    return r.outcome();
                }), o -> o.status().name().toLowerCase(Locale.ROOT));
    }

    @Override
    public CompletableFuture<Item> getAndTouch(TenantKey key, long expireAt) {
        return mutate(key, Mutation.touch(expireAt))
                .thenApply(o -> o.status() == Mutation.Status.TOUCHED ? o.item() : null);
    }

    @Override
    public CompletableFuture<Void> flushAll() {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        zones.values().forEach(c -> all.add(IgniteFutures.toCompletable(c.clearAsync())));
        return track("flush", CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])), v -> "ok");
    }

    @Override
    public OperationStats stats() {
        return stats;
    }

    private <T> CompletableFuture<T> track(String op, CompletableFuture<T> f,
            java.util.function.Function<T, String> result) {
        return f.whenComplete((r, e) -> stats.record(op, e != null ? "error" : result.apply(r)));
    }
}
