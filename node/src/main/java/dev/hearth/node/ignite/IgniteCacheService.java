package dev.hearth.node.ignite;

import dev.hearth.node.cache.CacheService;
import dev.hearth.node.cache.EntryTooLargeException;
import dev.hearth.node.cache.OperationStats;
import dev.hearth.node.cache.TenantUnavailableException;
import dev.hearth.node.cache.UnavailableException;
import dev.hearth.node.tenant.InFlight;
import dev.hearth.node.tenant.MaintenanceMode;
import dev.hearth.node.tenant.Route;
import dev.hearth.node.tenant.TenantRegistry;
import dev.hearth.node.tenant.TenantStats;
import dev.hearth.storage.CacheNames;
import dev.hearth.storage.Envelope;
import dev.hearth.storage.Expiry;
import dev.hearth.storage.Item;
import dev.hearth.storage.MoveTombstone;
import dev.hearth.storage.Mutation;
import dev.hearth.storage.TenantKey;
import dev.hearth.storage.VersionClock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.internal.IgniteEx;
import org.apache.ignite.internal.processors.cache.IgniteCacheFutureImpl;
import org.apache.ignite.internal.processors.cache.IgniteInternalCache;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * {@link CacheService} over one Ignite cache per zone, using only Ignite's async operations. Each request reads its
 * tenant's {@link Route} from the registry mirror: the zone, whether the tenant is in maintenance, and whether it is
 * moving (then reads look in the new zone, then the old; writes go to the new zone and leave the old one; see
 * docs/design/tenants-and-integrity.md and {@link #migrate}).
 */
public final class IgniteCacheService implements CacheService {
    private static final Logger LOG = LogManager.getLogger(IgniteCacheService.class);
    private static final long DAMAGE_LOG_INTERVAL_MS = 10_000;
    /** Tombstones outlive any sane move; the move removes them when it ends, this only bounds a crashed one. */

    private final Map<String, IgniteCache<String, byte[]>> zones;
    private final TenantRegistry registry;
    private final InFlight inFlight;
    private final MaintenanceMode mode;
    private final OperationStats stats;
    private final TenantStats tenantStats;
    private final AtomicLong lastDamageLog = new AtomicLong();
    /**
     * Where a continuation that starts another cache operation runs. Continuations run on the thread that completed
     * the operation before (IgniteConfigFactory: no continuation pool), often one of Ignite's striped threads; an
     * async operation can block its caller while the cache has maxConcurrentAsyncOperations in flight, and a striped
     * thread blocked there could hold up the very completions that would free a permit. Only the rarer chains (a
     * tenant being moved, a damaged entry) start a second operation, so they hop to the common pool.
     */
    private static final java.util.concurrent.Executor OFF_STRIPE = java.util.concurrent.ForkJoinPool.commonPool();
    private final BackupReads backupReads;
    private final long operationTimeoutNanos;
    private final Supplier<String> writeRefusal;
    private final io.netty.util.Timer timer;
    private final BooleanSupplier primaryReads;
    /** The zones' caches as Ignite's internal API has them: only it can ask for a key's primary copy. */
    private final Map<String, IgniteInternalCache<String, byte[]>> internal;

    /**
     * How the service meets an unresponsive or cut-off cluster.
     *
     * @param readFailoverAfter a get whose primary copy has not answered by then also asks the backups (0 = never)
     * @param operationTimeout every request is answered by then, with {@link UnavailableException} if need be
     * @param writeRefusal why writes are refused now (no quorum), or null when they are not; called per write
     * @param asker sends the backup reads (off the timer's thread: sending may block)
     * @param timer runs the read-failover and timeout timers: one per request, so a timer wheel (O(1) to arm and
     *     cancel), not a scheduled executor's heap
     * @param primaryReads asked per read: while true, gets read each key's primary copy and never a backup's, and
     *     ask no backups when the primary is slow (a cluster that formed empty installs its backups' copies after
     *     every primary, {@code LocalCopyService.backupsMayLag}); while false, Ignite reads this node's own copy
     *     where it holds one and balances the others among the key's copies
     */
    public record Resilience(java.time.Duration readFailoverAfter, java.time.Duration operationTimeout,
            Supplier<String> writeRefusal, io.netty.util.Timer timer, java.util.concurrent.Executor asker,
            BooleanSupplier primaryReads) {
        /** No failover reads, no write gate, a long timeout, any copy read: a single node, tests. */
        public static Resilience none() {
            return new Resilience(java.time.Duration.ZERO, java.time.Duration.ofMinutes(10), () -> null, null, null,
                    () -> false);
        }
    }

    public IgniteCacheService(Ignite ignite, Iterable<String> zoneNames, TenantRegistry registry, InFlight inFlight,
            MaintenanceMode mode, OperationStats stats, TenantStats tenantStats) {
        this(ignite, zoneNames, registry, inFlight, mode, stats, tenantStats, Resilience.none());
    }

    public IgniteCacheService(Ignite ignite, Iterable<String> zoneNames, TenantRegistry registry, InFlight inFlight,
            MaintenanceMode mode, OperationStats stats, TenantStats tenantStats, Resilience resilience) {
        this.backupReads = resilience.readFailoverAfter().isZero() ? null
                : new BackupReads(ignite, resilience.readFailoverAfter(), resilience.timer(),
                        resilience.asker(), stats);
        this.operationTimeoutNanos = resilience.operationTimeout().toNanos();
        this.writeRefusal = resilience.writeRefusal();
        this.timer = resilience.timer();
        this.primaryReads = resilience.primaryReads();
        this.stats = stats;
        this.tenantStats = tenantStats;
        Map<String, IgniteCache<String, byte[]>> m = new HashMap<>();
        Map<String, IgniteInternalCache<String, byte[]>> in = new HashMap<>();
        for (String zone : zoneNames) {
            IgniteCache<String, byte[]> cache = ignite.cache(CacheNames.zoneCache(zone));
            if (cache == null) {
                throw new IllegalStateException("zone cache " + CacheNames.zoneCache(zone) + " is not started");
            }
            m.put(zone, cache);
            in.put(cache.getName(), ((IgniteEx) ignite).cachex(cache.getName()));
        }
        this.zones = Map.copyOf(m);
        this.internal = Map.copyOf(in);
        this.registry = registry;
        this.inFlight = inFlight;
        this.mode = mode;
    }

    public TenantStats tenantStats() {
        return tenantStats;
    }

    IgniteCache<String, byte[]> zone(String zone) {
        IgniteCache<String, byte[]> cache = zones.get(zone);
        if (cache == null) {
            throw new IllegalStateException("the registry places this tenant in zone '" + zone
                    + "', which this node does not have; configure the same zones on every node");
        }
        return cache;
    }

    private static Throwable cause(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    /**
     * Runs one request: routes it, answers for a tenant in maintenance ({@code inMaintenance} in miss mode, a
     * {@link TenantUnavailableException} in reject mode), else runs {@code body}; counts the result per operation
     * and per tenant. The request stays "in flight" (see {@link InFlight}) until its future completes.
     */
    private <T> CompletableFuture<T> run(String op, String tenant, Supplier<T> inMaintenance,
            Function<Route, CompletableFuture<T>> body, Function<T, String> result) {
        long started = System.nanoTime();
        int generation = inFlight.begin();
        CompletableFuture<T> f;
        try {
            Route r = registry.route(tenant);
            if (r.maintenance()) {
                f = mode == MaintenanceMode.REJECT
                        ? CompletableFuture.failedFuture(new TenantUnavailableException(tenant))
                        : CompletableFuture.completedFuture(inMaintenance.get());
            } else {
                f = withTimeout(body.apply(r), op);
            }
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        // One stage per request, as before the size guard: its refusal is translated here, on the failure path only.
        return f.handle((v, e) -> {
            inFlight.end(generation);
            Throwable c = e == null ? null : translated(cause(e));
            String res = e == null ? result.apply(v)
                    : c instanceof TenantUnavailableException || c instanceof UnavailableException ? "rejected"
                    : "error";
            stats.record(op, res);
            stats.timed(op, System.nanoTime() - started);
            tenantStats.record(tenant, res);
            if (c != null) {
                throw c instanceof CompletionException ce ? ce : new CompletionException(c);
            }
            return v;
        });
    }

    /** {@code c}, or {@link EntryTooLargeException} where it is the refusal of the zone's size bound. */
    private static Throwable translated(Throwable c) {
        EntryTooLargeException tooLarge = EntrySizeGuard.find(c);
        return tooLarge != null ? tooLarge : c;
    }

    /**
     * Answers {@code f}, or {@link UnavailableException} once the operation timeout has passed: a key whose primary
     * copy is frozen or cut off gets no answer until that node is dropped from the cluster.
     */
    private <T> CompletableFuture<T> withTimeout(CompletableFuture<T> f, String op) {
        if (f.isDone() || timer == null) {
            return f;
        }
        CompletableFuture<T> out = new CompletableFuture<>();
        io.netty.util.Timeout armed = timer.newTimeout(t -> out.completeExceptionally(new UnavailableException(
                "no answer from the cluster within " + TimeUnit.NANOSECONDS.toMillis(operationTimeoutNanos)
                        + " ms (memcached.operationTimeout): the key's primary copy may be frozen or cut off"
                        + (op.equals("get") ? "" : "; the " + op + " may still be applied"))),
                operationTimeoutNanos, TimeUnit.NANOSECONDS);
        f.whenComplete((v, e) -> {
            armed.cancel();
            if (e == null) {
                out.complete(v);
            } else {
                out.completeExceptionally(e);
            }
        });
        return out;
    }

    /** Fails at once with the reason when this node's part of the cluster may not accept writes (no quorum). */
    private <T> CompletableFuture<T> refused() {
        String why = writeRefusal.get();
        return why == null ? null : CompletableFuture.failedFuture(new UnavailableException(why));
    }

    /**
     * A stored value, asking the backups too if the primary is slow to answer; only the primary copy while backup
     * copies may lag (see {@link Resilience#primaryReads}).
     */
    private CompletableFuture<byte[]> stored(IgniteCache<String, byte[]> cache, String storageKey) {
        if (primaryReads.getAsBoolean()) {
            return fromPrimary(cache, storageKey);
        }
        CompletableFuture<byte[]> primary = IgniteFutures.toCompletable(cache.getAsync(storageKey));
        return backupReads == null ? primary
                : backupReads.race(cache.getName(), storageKey, primary, operationTimeoutNanos);
    }

    private CompletableFuture<Map<String, byte[]>> storedAll(IgniteCache<String, byte[]> cache, Set<String> keys) {
        if (primaryReads.getAsBoolean()) {
            // One get per key: Ignite's internal API asks primaries for one key only. Only while the start-up load
            // installs backup copies.
            Map<String, CompletableFuture<byte[]>> each = new HashMap<>();
            for (String k : keys) {
                each.put(k, fromPrimary(cache, k));
            }
            return IgniteFutures.allFound(each);
        }
        CompletableFuture<Map<String, byte[]>> batch = IgniteFutures.toCompletable(cache.getAllAsync(keys));
        return backupReads == null ? batch : backupReads.raceAll(cache.getName(), keys, batch, operationTimeoutNanos);
    }

    /**
     * The key's primary copy, wherever this node's own copy and Ignite's balancing would have read it. Wrapped as the
     * public cache API wraps its futures (no executor: listeners run where it completes, as the node's continuation
     * executor has them), so that its failures read as a getAsync's do.
     */
    private CompletableFuture<byte[]> fromPrimary(IgniteCache<String, byte[]> cache, String storageKey) {
        return IgniteFutures.toCompletable(new IgniteCacheFutureImpl<>(
                internal.get(cache.getName()).getForcePrimaryAsync(storageKey), null));
    }

    private static String hitOrMiss(Item item) {
        return item == null ? "miss" : "hit";
    }

    @Override
    public CompletableFuture<Item> get(TenantKey key) {
        return run("get", key.tenant(), () -> null,
                r -> r.moving() ? movingGet(r, key) : read(zone(r.zone()), key), IgniteCacheService::hitOrMiss);
    }

    private CompletableFuture<Item> read(IgniteCache<String, byte[]> cache, TenantKey key) {
        return stored(cache, key.storageKey()).thenApply(stored -> readStored(cache, key, stored));
    }

    /** New zone, then old zone, then the new one again (the background copy may have moved it in between). */
    private CompletableFuture<Item> movingGet(Route r, TenantKey key) {
        IgniteCache<String, byte[]> to = zone(r.zone());
        IgniteCache<String, byte[]> from = zone(r.movingFrom());
        return read(to, key).thenComposeAsync(item -> item != null ? CompletableFuture.completedFuture(item)
                : stored(from, key.storageKey()).thenComposeAsync(old ->
                        old == null || MoveTombstone.is(old) ? read(to, key)
                                : CompletableFuture.completedFuture(readStored(from, key, old)), OFF_STRIPE),
                OFF_STRIPE);
    }

    @Override
    public CompletableFuture<Map<TenantKey, Item>> getMulti(List<TenantKey> keys) {
        long started = System.nanoTime();
        int generation = inFlight.begin();
        try {
            Map<String, Route> routes = new HashMap<>();
            for (TenantKey k : keys) {
                Route r = routes.computeIfAbsent(k.tenant(), registry::route);
                if (r.maintenance() && mode == MaintenanceMode.REJECT) {
                    stats.record("get", "rejected");
                    tenantStats.record(k.tenant(), "rejected");
                    inFlight.end(generation);
                    return CompletableFuture.failedFuture(new TenantUnavailableException(k.tenant()));
                }
            }
            Map<IgniteCache<String, byte[]>, Map<String, TenantKey>> byZone = new LinkedHashMap<>();
            List<CompletableFuture<Map<TenantKey, Item>>> parts = new ArrayList<>();
            for (TenantKey k : keys) {
                Route r = routes.get(k.tenant());
                if (r.maintenance()) {
                    stats.record("get", "miss");
                    tenantStats.record(k.tenant(), "miss");
                } else if (r.moving()) {
                    parts.add(movingGet(r, k).thenApply(item -> {
                        stats.record("get", hitOrMiss(item));
                        tenantStats.record(k.tenant(), hitOrMiss(item));
                        Map<TenantKey, Item> one = new HashMap<>();
                        if (item != null) {
                            one.put(k, item);
                        }
                        return one;
                    }));
                } else {
                    byZone.computeIfAbsent(zone(r.zone()), c -> new LinkedHashMap<>()).put(k.storageKey(), k);
                }
            }
            byZone.forEach((cache, storageKeys) -> parts.add(
                    storedAll(cache, storageKeys.keySet()).thenApply(found -> {
                        Map<TenantKey, Item> out = new HashMap<>();
                        storageKeys.forEach((sk, tk) -> {
                            Item item = readStored(cache, tk, found.get(sk));
                            stats.record("get", hitOrMiss(item));
                            tenantStats.record(tk.tenant(), hitOrMiss(item));
                            if (item != null) {
                                out.put(tk, item);
                            }
                        });
                        return out;
                    })));
            return withTimeout(CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0])).thenApply(v -> {
                Map<TenantKey, Item> all = new HashMap<>();
                parts.forEach(p -> all.putAll(p.join()));
                return all;
            }), "get").whenComplete((r, e) -> {
                inFlight.end(generation);
                // One duration per request, whatever its key count: what its client waited for.
                stats.timed("get_multi", System.nanoTime() - started);
                if (e != null) {
                    stats.record("get", "error");
                }
            });
        } catch (RuntimeException e) {
            inFlight.end(generation);
            stats.record("get", "error");
            return CompletableFuture.failedFuture(e);
        }
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
        OFF_STRIPE.execute(() -> cache.invokeAsync(key.storageKey(), new RemoveIfDamaged()).listen(f -> {
            try {
                f.get();
            } catch (RuntimeException e) {
                LOG.warn("Could not remove damaged entry {}: {}", key, e.toString());
            }
        }));
    }

    @Override
    public CompletableFuture<Item> set(TenantKey key, byte[] value, int flags, long expireAt) {
        long now = System.currentTimeMillis();
        Item item = new Item(value, flags, VersionClock.shared().next(), expireAt, false);
        return run("set", key.tenant(), () -> item, r -> {
            CompletableFuture<Item> refused = refused();
            if (refused != null) {
                return refused;
            }
            CompletableFuture<Item> written = write(zone(r.zone()), key, item, now);
            if (!r.moving()) {
                return written;
            }
            // The old zone must not keep an older value that a read could still find there.
            IgniteCache<String, byte[]> from = zone(r.movingFrom());
            return written.thenComposeAsync(it -> IgniteFutures.toCompletable(from.removeAsync(key.storageKey()))
                    .thenApply(x -> it), OFF_STRIPE);
        }, r -> "stored");
    }

    private CompletableFuture<Item> write(IgniteCache<String, byte[]> cache, TenantKey key, Item item, long now) {
        if (item.expireAt() != 0 && item.expireAt() <= now) {
            // memcached stores an already-expired item and then never returns it: the same as removing the key.
            return IgniteFutures.toCompletable(cache.removeAsync(key.storageKey())).thenApply(r -> item);
        }
        IgniteCache<String, byte[]> target = cache.withExpiryPolicy(Expiry.of(item.expireAt(), now));
        return IgniteFutures.toCompletable(target.putAsync(key.storageKey(), Envelope.encode(key, item)))
                .thenApply(v -> item);
    }

    @Override
    public CompletableFuture<Mutation.Outcome> mutate(TenantKey key, Mutation mutation) {
        String op = mutation.op().name().toLowerCase(Locale.ROOT);
        // In miss mode the tenant's keys are absent: the answer a missing key gets, nothing stored.
        return run(op, key.tenant(), () -> mutation.apply(null, System.currentTimeMillis(),
                VersionClock.shared().next()), r -> {
                    CompletableFuture<Mutation.Outcome> refused = refused();
                    if (refused != null) {
                        return refused;
                    }
                    IgniteCache<String, byte[]> to = zone(r.zone());
                    if (!r.moving()) {
                        return applyMutation(to, key, mutation);
                    }
                    IgniteCache<String, byte[]> from = zone(r.movingFrom());
                    // The mutation needs the current value: bring the key over first, then apply it in the new zone.
                    CompletableFuture<Void> ready = migrate(from, to, key);
                    if (mutation.op() == Mutation.Op.DELETE) {
                        ready = ready.thenComposeAsync(v -> IgniteFutures.toCompletable(
                                from.withExpiryPolicy(new CreatedExpiryPolicy(new Duration(TimeUnit.MILLISECONDS, MoveTombstone.TTL_MILLIS)))
                                        .invokeAsync(key.storageKey(), new MoveEntries.Tombstone())), OFF_STRIPE);
                    }
                    return ready.thenComposeAsync(v -> applyMutation(to, key, mutation), OFF_STRIPE);
                }, o -> o.status().name().toLowerCase(Locale.ROOT));
    }

    private CompletableFuture<Mutation.Outcome> applyMutation(IgniteCache<String, byte[]> cache, TenantKey key,
            Mutation mutation) {
        IgniteCache<String, byte[]> target = cache.withExpiryPolicy(Expiry.of(mutation.createExpireAt(),
                mutation.newExpireAt(), System.currentTimeMillis()));
        return IgniteFutures.toCompletable(target.invokeAsync(key.storageKey(), new MutationProcessor(mutation)))
                .thenApply(bytes -> {
                    MutationProcessor.Result r = MutationProcessor.decodeResult(key, bytes);
                    if (r.damaged()) {
                        stats.checksumFailure();
                    }
                    return r.outcome();
                });
    }

    /**
     * Moves one key of a moving tenant from the old zone to the new one: copy it if the new zone has nothing
     * (keeping its remaining TTL), then remove it from the old zone only if it still holds the copied bytes. If a
     * delete ran meanwhile (it leaves a tombstone in the old zone), the copy is taken back: a deleted key stays
     * deleted. Safe to run concurrently for one key (the background copy and requests): whoever inserted either
     * removes the original or, on a tombstone, its own copy; a newer value written to the new zone always wins.
     */
    CompletableFuture<Void> migrate(IgniteCache<String, byte[]> from, IgniteCache<String, byte[]> to, TenantKey key) {
        String sk = key.storageKey();
        return IgniteFutures.toCompletable(from.getAsync(sk)).thenComposeAsync(v -> {
            if (v == null || MoveTombstone.is(v)) {
                return CompletableFuture.completedFuture(null);
            }
            long now = System.currentTimeMillis();
            Item item = Envelope.decode(key, v);
            if (item == null || item.isExpired(now)) {
                if (item == null) {
                    stats.checksumFailure();
                }
                return IgniteFutures.toCompletable(from.invokeAsync(sk, new MoveEntries.RemoveIfSame(v)))
                        .thenApply(x -> (Void) null);
            }
            return IgniteFutures.toCompletable(to.withExpiryPolicy(Expiry.of(item.expireAt(), now))
                    .putIfAbsentAsync(sk, v)).thenComposeAsync(inserted -> IgniteFutures.toCompletable(
                            from.invokeAsync(sk, new MoveEntries.RemoveIfSame(v))).thenComposeAsync(res -> {
                                if (inserted && res == MoveEntries.TOMBSTONED) {
                                    return IgniteFutures.toCompletable(to.invokeAsync(sk,
                                            new MoveEntries.RemoveIfSame(v))).thenApply(x -> (Void) null);
                                }
                                return CompletableFuture.completedFuture(null);
                            }, OFF_STRIPE), OFF_STRIPE);
        }, OFF_STRIPE);
    }

    @Override
    public CompletableFuture<Item> getAndTouch(TenantKey key, long expireAt) {
        return mutate(key, Mutation.touch(expireAt))
                .thenApply(o -> o.status() == Mutation.Status.TOUCHED ? o.item() : null);
    }

    @Override
    public CompletableFuture<Void> flushAll() {
        CompletableFuture<Void> refused = refused();
        if (refused != null) {
            stats.record("flush", "rejected");
            return refused;
        }
        List<CompletableFuture<Void>> all = new ArrayList<>();
        zones.values().forEach(c -> all.add(IgniteFutures.toCompletable(c.clearAsync())));
        return CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]))
                .whenComplete((v, e) -> stats.record("flush", e != null ? "error" : "ok"));
    }

    @Override
    public OperationStats stats() {
        return stats;
    }
}
