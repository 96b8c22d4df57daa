package dev.hearth.client.internal;

import dev.hearth.client.AsyncTenantCache;
import dev.hearth.client.CacheLoader;
import dev.hearth.client.CasResult;
import dev.hearth.client.Codec;
import dev.hearth.client.HearthException;
import dev.hearth.client.Operation;
import dev.hearth.client.TenantCache;
import dev.hearth.client.Versioned;
import dev.hearth.client.internal.ClientCore.Ctx;
import dev.hearth.client.internal.Registry.Route;
import dev.hearth.storage.Envelope;
import dev.hearth.storage.Expiry;
import dev.hearth.storage.Item;
import dev.hearth.storage.MoveTombstone;
import dev.hearth.storage.Mutation;
import dev.hearth.storage.Numbers;
import dev.hearth.storage.TenantKey;
import dev.hearth.storage.VersionClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A tenant handle. Read-modify-write operations (add, replace, cas, incr, append, touch, versioned delete) run as
 * optimistic loops over the thin client's atomic primitives: read the stored bytes, compute the new envelope, then
 * {@code replace(key, storedBytes, newBytes)} (Ignite compares the bytes), and start over if someone else wrote in
 * between. Every new envelope carries a fresh version, so after an attempt whose answer was lost, finding exactly the
 * bytes it tried to write proves that it was applied.
 *
 * <p>Each operation first takes the tenant's {@link Registry.Route route} (one map read): its zone, and while the
 * tenant moves, the zone it leaves. Moving, with the same protocol as the node's {@code IgniteCacheService}: reads
 * look in the new zone, then the old, then the new again (the background copy may have moved the key in between);
 * plain writes go to the new zone and remove the key from the old; the other writes first pull the key over (copy
 * into the new zone if absent there, with its remaining TTL, then remove it from the old if unchanged) and then run
 * in the new zone; deletes also leave a tombstone in the old zone, so that a copy in flight is taken back. In
 * maintenance (mode miss) the tenant answers as an empty cache that drops writes.
 */
final class AsyncTenantCacheImpl<V> implements AsyncTenantCache<V> {
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final ClientCore core;
    private final String tenant;
    private final Codec<V> codec;
    private final Duration timeout;
    /**
     * How this handle's operations run: {@link ExecutionMode#ASYNC} for the async view, and
     * {@link ExecutionMode#CALLER_WAITS} for the handle behind the sync view, whose results are awaited with a bound
     * (so no timers) and decoded on the caller's thread.
     */
    private final ExecutionMode mode;
    private final SyncTenantCacheImpl<V> sync;
    private final Loader<V> readThrough;

    AsyncTenantCacheImpl(ClientCore core, String tenant, Codec<V> codec, Duration timeout) {
        this(core, tenant, codec, timeout, ExecutionMode.ASYNC);
    }

    private AsyncTenantCacheImpl(ClientCore core, String tenant, Codec<V> codec, Duration timeout,
            ExecutionMode mode) {
        this.core = core;
        this.tenant = tenant;
        this.codec = codec;
        this.timeout = timeout;
        this.mode = mode;
        this.readThrough = new Loader<>(this, core, tenant, timeout);
        this.sync = mode == ExecutionMode.CALLER_WAITS ? null : new SyncTenantCacheImpl<>(
                new AsyncTenantCacheImpl<>(core, tenant, codec, timeout, ExecutionMode.CALLER_WAITS), this, core.ticker);
    }

    @Override
    public String tenant() {
        return tenant;
    }

    @Override
    public Duration timeout() {
        return timeout;
    }

    @Override
    public AsyncTenantCache<V> withTimeout(Duration newTimeout) {
        Objects.requireNonNull(newTimeout, "timeout");
        if (newTimeout.isNegative() || newTimeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + newTimeout);
        }
        return new AsyncTenantCacheImpl<>(core, tenant, codec, newTimeout);
    }

    @Override
    public TenantCache<V> sync() {
        if (mode == ExecutionMode.CALLER_WAITS) {
            throw new IllegalStateException("internal view");
        }
        return sync;
    }

    // ---------------------------------------------------------------- helpers

    /** The last route computed by this handle and the registry reading it came from. */
    private record RouteMemo(Registry.View view, Route route) {
    }

    private volatile RouteMemo routeMemo;

    /** This tenant's route per the latest registry reading; recomputed only when a new reading replaced it. */
    Route route() {
        Registry.View v = core.registryView();
        RouteMemo m = routeMemo;
        if (m != null && m.view() == v) {
            return m.route();
        }
        Route r = v.route(tenant);
        routeMemo = new RouteMemo(v, r);
        return r;
    }

    String sk(byte[] kb) {
        return TenantKey.storageKey(tenant, kb);
    }

    /** Wall-clock milliseconds, the client's clock's: TTLs and a value's age count from it. */
    long now() {
        return core.clock.millis();
    }

    private static long expireAt(Duration ttl, long now) {
        checkTtl(ttl);
        return ttl.isZero() ? 0 : now + ttl.toMillis();
    }

    static void checkTtl(Duration ttl) {
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("ttl must not be negative: " + ttl);
        }
    }

    byte[] encodeValue(V value) {
        Objects.requireNonNull(value, "value");
        byte[] bytes = Objects.requireNonNull(codec.encode(value), "codec returned null");
        checkSize(bytes.length, "a value");
        return bytes;
    }

    /** Refuses what the nodes would refuse, with the reason they cannot give a thin client (see the builder). */
    private void checkSize(long bytes, String what) {
        int max = core.settings.maxValueSize();
        if (bytes > max) {
            throw new IllegalArgumentException(what + " of " + bytes + " bytes is larger than maxValueSize (" + max
                    + " bytes; the nodes' memcached.maxItemSize bounds what a zone stores)");
        }
    }

    V decode(byte[] kb, Item item) {
        try {
            return codec.decode(item.value());
        } catch (RuntimeException e) {
            throw new HearthException("cannot decode the value of key '" + new String(kb, StandardCharsets.UTF_8)
                    + "' of tenant " + tenant + " with " + codec + ": " + e.getMessage(), e);
        }
    }

    byte[] envelope(byte[] kb, Item item) {
        return Envelope.encode(tenant, kb, item);
    }

    Item fresh(byte[] value, long expireAt) {
        return new Item(value, 0, VersionClock.shared().next(), expireAt, false);
    }

    /**
     * Decodes stored bytes read from {@code zone}; damaged ones are removed (only if still the same bytes) and read
     * as absent.
     */
    private Item live(String zone, String sk, byte[] kb, byte[] stored) {
        if (stored == null || MoveTombstone.is(stored)) {
            return null;
        }
        Item item = Envelope.decode(tenant, kb, stored);
        if (item == null) {
            core.run(null, timeout, ExecutionMode.ASYNC, ctx -> core.removeRaw(ctx, zone, sk, stored));
            return null;
        }
        return item.isExpired(now()) ? null : item;
    }

    Item nearGet(String sk) {
        if (core.near == null) {
            return null;
        }
        Item item = core.near.getIfPresent(sk);
        return item == null || item.isExpired(now()) ? null : item;
    }

    void nearInvalidate(String sk) {
        if (core.near != null) {
            core.near.invalidate(sk);
        }
    }

    /**
     * A read-modify-write on one key: answers {@code whenBypassed} at once while the tenant is in maintenance (an
     * empty cache that drops writes), else runs {@code loop} on the tenant's zone as a write, after pulling the key
     * out of the zone the tenant is leaving, and drops the key from the near cache.
     */
    private <T> CompletableFuture<T> readModifyWrite(String sk, byte[] kb, T whenBypassed,
            java.util.function.BiFunction<Ctx, String, CompletableFuture<T>> loop) {
        Route r = route();
        if (bypass(r)) {
            return done(whenBypassed);
        }
        return invalidating(sk, core.runWrite(r, timeout, mode,
                ctx -> pull(ctx, r, sk, kb).thenCompose(x -> loop.apply(ctx, r.zone()))));
    }

    private <T> CompletableFuture<T> invalidating(String sk, CompletableFuture<T> f) {
        if (core.near == null) {
            return f;
        }
        nearInvalidate(sk);
        f.whenComplete((r, e) -> nearInvalidate(sk));
        return f;
    }

    /** As {@link #invalidating(String, CompletableFuture)} for the keys of a multi-key write. */
    private <T> CompletableFuture<T> invalidatingAll(Collection<String> sks, CompletableFuture<T> f) {
        if (core.near == null) {
            return f;
        }
        sks.forEach(this::nearInvalidate);
        f.whenComplete((r, e) -> sks.forEach(this::nearInvalidate));
        return f;
    }

    /** Stored bytes and the zone they were read from. */
    private record Raw(String zone, byte[] bytes) {
    }

    /**
     * The key's stored bytes: from the tenant's zone; while it moves and the key is not there, from the old zone, and
     * if not there either (or deleted there: a tombstone), from the new zone again.
     */
    private CompletableFuture<Raw> readRouted(Ctx ctx, Route r, String sk) {
        if (r.movingFrom() == null) {
            return core.readRaw(ctx, r.zone(), sk).thenApply(b -> new Raw(r.zone(), b));
        }
        return core.readRaw(ctx, r.zone(), sk).thenCompose(b -> {
            if (b != null || r.movingFrom() == null) {
                return done(new Raw(r.zone(), b));
            }
            return core.readRaw(ctx, r.movingFrom(), sk).thenCompose(old -> old == null
                    || MoveTombstone.is(old) ? core.readRaw(ctx, r.zone(), sk).thenApply(b2 -> new Raw(r.zone(),
                    b2)) : done(new Raw(r.movingFrom(), old)));
        });
    }

    /**
     * While the tenant moves: brings the key into the new zone (if absent there, with its remaining TTL) and removes
     * it from the old one (only if unchanged), so that a read-modify-write then sees it where it writes.
     */
    private CompletableFuture<Void> pull(Ctx ctx, Route r, String sk, byte[] kb) {
        if (r.movingFrom() == null) {
            return DONE;
        }
        String from = r.movingFrom();
        return core.readRaw(ctx, from, sk).thenCompose(old -> {
            if (old == null || MoveTombstone.is(old)) {
                return DONE;
            }
            Item item = Envelope.decode(tenant, kb, old);
            long now = now();
            if (item == null || item.isExpired(now)) {
                return core.removeRaw(ctx, from, sk, old).thenApply(x -> null);
            }
            return core.putIfAbsentRaw(ctx, r.zone(), sk, old, Expiry.of(item.expireAt(), now))
                    .thenCompose(inserted -> core.removeRaw(ctx, from, sk, old).thenCompose(removed -> {
                        if (removed || !inserted) {
                            return DONE;
                        }
                        // Not removed: changed meanwhile. If a delete left its tombstone, take our copy back.
                        return core.readRaw(ctx, from, sk).thenCompose(now2 -> MoveTombstone.is(now2)
                                ? core.removeRaw(ctx, r.zone(), sk, old).thenApply(x -> null) : DONE);
                    }));
        });
    }

    /** While the tenant moves, a delete leaves a tombstone in the old zone (after pulling the key over). */
    private CompletableFuture<Void> tombstoneOld(Ctx ctx, Route r, String sk) {
        long now = now();
        return core.putRaw(ctx, r.movingFrom(), sk, MoveTombstone.value(),
                Expiry.of(now + MoveTombstone.TTL_MILLIS, now));
    }

    /** While the tenant moves, a plain write also removes the key from the old zone. */
    private <T> CompletableFuture<T> alsoRemoveOld(Ctx ctx, Route r, String sk, CompletableFuture<T> write) {
        if (r.movingFrom() == null) {
            return write;
        }
        return write.thenCompose(v -> core.removeRaw(ctx, r.movingFrom(), sk).thenApply(x -> v));
    }

    /** Maintenance in mode miss: the operation is answered without the cache (and counted). */
    private boolean bypass(Route r) {
        if (r.bypass()) {
            core.stats.bypassed.increment();
            return true;
        }
        return false;
    }

    CompletableFuture<Item> readItem(Ctx ctx, Route r, String sk, byte[] kb) {
        return readRouted(ctx, r, sk).thenApply(raw -> found(raw, sk, kb));
    }

    /** A read's stored bytes as a live item (or null), counted as a hit or a miss, and kept in the near cache. */
    private Item found(Raw raw, String sk, byte[] kb) {
        Item item = raw == null ? null : live(raw.zone(), sk, kb, raw.bytes());
        if (item == null) {
            core.lookedUp(tenant, false);
        } else {
            core.lookedUp(tenant, true);
            if (core.near != null) {
                core.near.put(sk, item);
            }
        }
        return item;
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    // ---------------------------------------------------------------- reads

    /**
     * A read in two parts: {@code io}, the network step, which may complete on Ignite's network thread (the blocking
     * view's does), and {@code finish}, which decodes with the user's codec: run by the thread that wants the value,
     * never by Ignite's.
     */
    record Read<R, T>(CompletableFuture<R> io, Function<R, T> finish) {
        CompletableFuture<T> future() {
            return io.thenApply(finish);
        }
    }

    /** A read as operation {@code op} for the listeners: its network step is what they observe. */
    private <R, T> Read<R, T> observedRead(Operation op, java.util.function.Supplier<Read<R, T>> make) {
        @SuppressWarnings("unchecked")
        Read<R, T>[] made = new Read[1];
        CompletableFuture<R> io = core.observers.observe(op, tenant, () -> {
            made[0] = make.get();
            return made[0].io();
        });
        return new Read<>(io, made[0].finish());
    }

    /** A single key's network step. */
    private CompletableFuture<Raw> readIo(Route r, String sk) {
        return oneKey(r, false, ctx -> readRouted(ctx, r, sk));
    }

    /**
     * Runs {@code body} as an operation (a write: {@code write}) on one key, through the runner: never through
     * Ignite's blocking API, whose calls can outlive any deadline after a node's kill -9 and restart (issue #13).
     */
    private <T> CompletableFuture<T> oneKey(Route r, boolean write, Function<Ctx, CompletableFuture<T>> body) {
        return write ? core.runWrite(r, timeout, mode, body) : core.run(r, timeout, mode, body);
    }

    @Override
    public CompletableFuture<V> get(String key) {
        return read(key).future();
    }

    Read<Raw, V> read(String key) {
        return keyRead(Operation.GET, key, true, this::decode);
    }

    @Override
    public CompletableFuture<Versioned<V>> gets(String key) {
        return readVersioned(key).future();
    }

    Read<Raw, Versioned<V>> readVersioned(String key) {
        // Never from the near cache: a version read is for a cas, which must see the cluster's current version.
        return keyRead(Operation.GETS, key, false, (kb, item) -> new Versioned<>(decode(kb, item), item.version(),
                item.flags(), item.expireAt()));
    }

    /**
     * One key's read as {@code op}: the value {@code view} makes of its live entry, or null (absent, expired,
     * damaged, or the tenant bypassed).
     */
    private <T> Read<Raw, T> keyRead(Operation op, String key, boolean fromNear,
            java.util.function.BiFunction<byte[], Item, T> view) {
        return observedRead(op, () -> {
            byte[] kb = TenantKey.keyBytes(key);
            String sk = sk(kb);
            Route r = route();
            if (bypass(r)) {
                return new Read<>(done(null), raw -> null);
            }
            if (fromNear) {
                Item cached = nearGet(sk);
                if (cached != null && !r.maintenance() && core.isUserAvailable(tenant)) {
                    core.lookedUp(tenant, true);
                    return new Read<>(done(null), none -> view.apply(kb, cached));
                }
            }
            // Only the stored bytes come back through the network step; checking the envelope and counting the hit
            // happen in finish, on the thread that wants the value (for the blocking view: the caller's, not Ignite's
            // single network thread, which every answer of every caller goes through).
            return new Read<>(readIo(r, sk), raw -> {
                Item item = found(raw, sk, kb);
                return item == null ? null : view.apply(kb, item);
            });
        });
    }

    @Override
    public CompletableFuture<Map<String, V>> getAll(Collection<String> keys) {
        return readAll(keys).future();
    }

    Read<Map<String, Raw>, Map<String, V>> readAll(Collection<String> keys) {
        return observedRead(Operation.GET_ALL, () -> {
            Objects.requireNonNull(keys, "keys");
            Map<String, String> byStorageKey = new LinkedHashMap<>();
            Map<String, byte[]> keyBytes = new HashMap<>();
            for (String key : keys) {
                byte[] kb = TenantKey.keyBytes(key);
                String sk = sk(kb);
                byStorageKey.put(sk, key);
                keyBytes.put(sk, kb);
            }
            if (byStorageKey.isEmpty()) {
                return new Read<>(done(Map.of()), found -> Map.of());
            }
            Function<Map<String, Raw>, Map<String, V>> finish = found -> {
                Map<String, V> out = new HashMap<>();
                byStorageKey.forEach((sk, key) -> {
                    Raw raw = found.get(sk);
                    Item item = raw == null ? null : live(raw.zone(), sk, keyBytes.get(sk), raw.bytes());
                    if (item == null) {
                        core.lookedUp(tenant, false);
                    } else {
                        core.lookedUp(tenant, true);
                        out.put(key, decode(keyBytes.get(sk), item));
                    }
                });
                return out;
            };
            Route r = route();
            if (bypass(r)) {
                return new Read<>(done(new HashMap<>()), finish);
            }
            return new Read<>(core.run(r, timeout, mode, ctx -> readAllRouted(ctx, r, byStorageKey.keySet())), finish);
        });
    }

    private CompletableFuture<Map<String, Raw>> readAllRouted(Ctx ctx, Route r, java.util.Set<String> sks) {
        return core.readAllRaw(ctx, r.zone(), sks).thenCompose(found -> {
            Map<String, Raw> out = new HashMap<>();
            found.forEach((sk, b) -> {
                if (b != null) {
                    out.put(sk, new Raw(r.zone(), b));
                }
            });
            if (r.movingFrom() == null || out.size() == sks.size()) {
                return done(out);
            }
            java.util.Set<String> rest = new java.util.HashSet<>(sks);
            rest.removeAll(out.keySet());
            return core.readAllRaw(ctx, r.movingFrom(), rest).thenCompose(old -> {
                old.forEach((sk, b) -> {
                    if (b != null && !MoveTombstone.is(b)) {
                        out.put(sk, new Raw(r.movingFrom(), b));
                    }
                });
                java.util.Set<String> again = new java.util.HashSet<>(sks);
                again.removeAll(out.keySet());
                if (again.isEmpty()) {
                    return done(out);
                }
                // Moved by the background copy between our two reads, or deleted: look in the new zone again.
                return core.readAllRaw(ctx, r.zone(), again).thenApply(found2 -> {
                    found2.forEach((sk, b) -> {
                        if (b != null) {
                            out.put(sk, new Raw(r.zone(), b));
                        }
                    });
                    return out;
                });
            });
        });
    }

    // ---------------------------------------------------------------- plain writes

    @Override
    public CompletableFuture<Void> put(String key, V value) {
        return put(key, value, Duration.ZERO);
    }

    @Override
    public CompletableFuture<Void> put(String key, V value, Duration ttl) {
        return core.observers.observe(Operation.PUT, tenant, () -> {
            byte[] kb = TenantKey.keyBytes(key);
            String sk = sk(kb);
            long now = now();
            long exp = expireAt(ttl, now);
            byte[] env = envelope(kb, fresh(encodeValue(value), exp));
            Expiry expiry = Expiry.of(exp, now);
            Route r = route();
            if (bypass(r)) {
                return DONE;
            }
            return invalidating(sk, oneKey(r, true, ctx -> alsoRemoveOld(ctx, r, sk, core.putRaw(ctx, r.zone(), sk, env, expiry))));
        });
    }

    @Override
    public CompletableFuture<Void> putAll(Map<String, ? extends V> entries, Duration ttl) {
        return core.observers.observe(Operation.PUT_ALL, tenant, () -> {
            Objects.requireNonNull(entries, "entries");
            long now = now();
            long exp = expireAt(ttl, now);
            Expiry expiry = Expiry.of(exp, now);
            // Every key and value is checked and encoded before anything is sent: a bad one fails the call, not half of it.
            Map<String, byte[]> envelopes = new LinkedHashMap<>();
            entries.forEach((key, value) -> {
                byte[] kb = TenantKey.keyBytes(key);
                envelopes.put(sk(kb), envelope(kb, fresh(encodeValue(value), exp)));
            });
            Route r = route();
            if (envelopes.isEmpty() || bypass(r)) {
                return DONE;
            }
            // One request, sent again whole if its answer is lost: the same bytes again, so a repeat changes nothing.
            return invalidatingAll(envelopes.keySet(), core.runWrite(r, timeout, mode, ctx -> {
                CompletableFuture<Void> put = core.putAllRaw(ctx, r.zone(), envelopes, expiry);
                return r.movingFrom() == null ? put
                        : put.thenCompose(x -> core.removeAllRaw(ctx, r.movingFrom(), envelopes.keySet()));
            }));
        });
    }

    @Override
    public CompletableFuture<Boolean> putIfAbsent(String key, V value, Duration ttl) {
        return core.observers.observe(Operation.PUT_IF_ABSENT, tenant, () -> {
            byte[] kb = TenantKey.keyBytes(key);
            String sk = sk(kb);
            long exp = expireAt(ttl, now());
            Written w = written(kb, value, exp);
            Mutation add = Mutation.add(w.item().value(), 0, exp);
            // In maintenance: an empty cache stores an add. Most adds find the key absent: try the insert first.
            return readModifyWrite(sk, kb, true, (ctx, zone) -> core.putIfAbsentRaw(ctx, zone, sk, w.bytes(),
                    Expiry.of(exp, now())).thenCompose(stored -> stored ? done(true)
                            : mutate(ctx, zone, sk, kb, add, w, true).thenApply(o -> o.status() == Mutation.Status.STORED)));
        });
    }

    @Override
    public CompletableFuture<Boolean> replace(String key, V value, Duration ttl) {
        return core.observers.observe(Operation.REPLACE, tenant, () -> {
            byte[] kb = TenantKey.keyBytes(key);
            String sk = sk(kb);
            long exp = expireAt(ttl, now());
            Written w = written(kb, value, exp);
            Mutation replace = Mutation.replace(w.item().value(), 0, exp);
            // In maintenance: nothing to replace in an empty cache.
            return readModifyWrite(sk, kb, false, (ctx, zone) -> mutate(ctx, zone, sk, kb, replace, w, true)
                    .thenApply(o -> o.status() == Mutation.Status.STORED));
        });
    }

    @Override
    public CompletableFuture<CasResult> cas(String key, V value, long version, Duration ttl) {
        return core.observers.observe(Operation.CAS, tenant, () -> {
            byte[] kb = TenantKey.keyBytes(key);
            String sk = sk(kb);
            long exp = expireAt(ttl, now());
            Written w = written(kb, value, exp);
            Mutation cas = Mutation.cas(w.item().value(), 0, exp, version);
            return readModifyWrite(sk, kb, CasResult.NOT_FOUND, (ctx, zone) -> mutate(ctx, zone, sk, kb, cas, w, true)
                    .thenApply(o -> CasResult.valueOf(o.status().name())));
        });
    }

    /** What a write stores whatever the key held (add, replace, cas): its item and its envelope, made once. */
    private record Written(Item item, byte[] bytes) {
    }

    private Written written(byte[] kb, V value, long expireAt) {
        Item item = fresh(encodeValue(value), expireAt);
        return new Written(item, envelope(kb, item));
    }

    /**
     * Applies {@code m} to the key as the node's entry processor does ({@code MutationProcessor}), over the thin
     * client's compare-and-set, which is all a thin client has: reads the stored bytes, lets the storage contract's
     * {@link Mutation} decide, and stores the outcome only if the key still holds the bytes it read, else reads
     * again. So the rules of every conditional write are the node's, in one place.
     *
     * @param ours what this call stores whatever the key held (add, replace, cas), made once with one version: an
     *     attempt sent again after its answer was lost finds its own earlier write and answers STORED; null for the
     *     writes whose result depends on the value read (those are not sent again, see {@code retrySafe})
     * @param retrySafe whether a write attempt whose answer was lost may be sent again: not for incr and append,
     *     which would then apply twice
     */
    private CompletableFuture<Mutation.Outcome> mutate(Ctx ctx, String zone, String sk, byte[] kb, Mutation m,
            Written ours, boolean retrySafe) {
        return core.readRaw(ctx, zone, sk).thenCompose(cur -> {
            if (ours != null && cur != null && Arrays.equals(cur, ours.bytes())) {
                return done(new Mutation.Outcome(Mutation.Status.STORED, ours.item(), Mutation.Action.KEEP));
            }
            Item current = cur == null ? null : Envelope.decode(tenant, kb, cur);
            long now = now();
            Mutation.Outcome o = m.apply(current, now, ours != null ? ours.item().version()
                    : VersionClock.shared().next());
            Expiry expiry = Expiry.of(m.createExpireAt(), m.newExpireAt(), now);
            switch (o.action()) {
                case WRITE: {
                    byte[] env = ours != null ? ours.bytes() : envelope(kb, o.toStore());
                    if (cur == null) {
                        return core.putIfAbsentRaw(ctx, zone, sk, env, expiry).thenCompose(ok -> ok ? done(o)
                                : mutate(ctx, zone, sk, kb, m, ours, retrySafe));
                    }
                    if (Arrays.equals(cur, env)) {
                        // The same bytes (a touch to the instant already stored): only Ignite's TTL is to change.
                        return core.putRaw(ctx, zone, sk, env, expiry).thenApply(v -> o);
                    }
                    // Over an expired or damaged entry too: it is replaced only if still the same bytes.
                    return core.replaceRaw(ctx, zone, retrySafe, sk, cur, env, expiry).thenCompose(ok -> ok
                            ? done(o) : mutate(ctx, zone, sk, kb, m, ours, retrySafe));
                }
                case REMOVE:
                    return core.removeRaw(ctx, zone, sk, cur).thenCompose(ok -> ok ? done(o)
                            : mutate(ctx, zone, sk, kb, m, ours, retrySafe));
                default:
                    return done(o);
            }
        });
    }

    @Override
    public CompletableFuture<Boolean> delete(String key) {
        return core.observers.observe(Operation.DELETE, tenant, () -> {
            byte[] kb = TenantKey.keyBytes(key);
            String sk = sk(kb);
            Route r = route();
            if (bypass(r)) {
                return done(false);
            }
            return invalidating(sk, oneKey(r, true, ctx -> remove(ctx, r, sk, kb)));
        });
    }

    @Override
    public CompletableFuture<Integer> deleteAll(Collection<String> keys) {
        return core.observers.observe(Operation.DELETE_ALL, tenant, () -> {
            Objects.requireNonNull(keys, "keys");
            Map<String, byte[]> keyBytes = new LinkedHashMap<>();
            for (String key : keys) {
                byte[] kb = TenantKey.keyBytes(key);
                keyBytes.put(sk(kb), kb);
            }
            Route r = route();
            if (keyBytes.isEmpty() || bypass(r)) {
                return done(0);
            }
            return invalidatingAll(keyBytes.keySet(), core.runWrite(r, timeout, mode, ctx -> {
                List<CompletableFuture<Boolean>> each = new ArrayList<>(keyBytes.size());
                keyBytes.forEach((sk, kb) -> each.add(remove(ctx, r, sk, kb)));
                return CompletableFuture.allOf(each.toArray(CompletableFuture<?>[]::new))
                        .thenApply(x -> (int) each.stream().filter(CompletableFuture::join).count());
            }));
        });
    }

    @Override
    public CompletableFuture<Long> flush() {
        return core.observers.observe(Operation.FLUSH, tenant, () -> {
            Route r = route();
            if (bypass(r)) {
                return done(0L);
            }
            if (r.movingFrom() != null) {
                // As the node's flush: while the keys move, a removal here could race the copy and leave some behind.
                return CompletableFuture.failedFuture(new HearthException("tenant " + tenant + " is moving from zone "
                        + r.movingFrom() + " to " + r.zone() + "; flush it after the move"));
            }
            core.nearInvalidateTenant(tenant);
            CompletableFuture<Long> f = core.runWrite(r, timeout, mode, ctx -> core.removeTenantRaw(ctx, r.zone(), tenant));
            f.whenComplete((n, e) -> core.nearInvalidateTenant(tenant));
            return f;
        });
    }

    @Override
    public CompletableFuture<List<String>> keys(int max) {
        return core.observers.observe(Operation.KEYS, tenant, () -> {
            if (max < 0) {
                throw new IllegalArgumentException("max must be 0 or more: " + max);
            }
            Route r = route();
            if (bypass(r) || max == 0) {
                return done(List.of());
            }
            // While the tenant moves, keys not yet copied are still only in the old zone: scan both, the new first.
            return core.run(r, timeout, mode, ctx -> {
                CompletableFuture<Map<String, byte[]>> found = core.scanTenantRaw(ctx, r.zone(), tenant, max);
                if (r.movingFrom() != null) {
                    found = found.thenCompose(inNew -> core.scanTenantRaw(ctx, r.movingFrom(), tenant, max)
                            .thenApply(inOld -> {
                                inOld.forEach(inNew::putIfAbsent);
                                return inNew;
                            }));
                }
                return found.thenApply(this::liveKeys);
            }).thenApply(keys -> keys.size() > max ? keys.subList(0, max) : keys);
        });
    }

    private List<String> liveKeys(Map<String, byte[]> scanned) {
        long now = now();
        List<String> keys = new ArrayList<>(scanned.size());
        scanned.forEach((sk, stored) -> {
            byte[] kb = TenantKey.fromStorageKey(sk).key();
            Item item = stored == null || MoveTombstone.is(stored) ? null : Envelope.decode(tenant, kb, stored);
            if (item != null && !item.isExpired(now)) {
                keys.add(new String(kb, StandardCharsets.UTF_8));
            }
        });
        return keys;
    }

    /** One key's removal: whether it held a live value; while the tenant moves, also out of the old zone. */
    private CompletableFuture<Boolean> remove(Ctx ctx, Route r, String sk, byte[] kb) {
        if (r.movingFrom() == null) {
            return core.getAndRemoveRaw(ctx, r.zone(), sk).thenApply(old -> wasLive(kb, old));
        }
        return pull(ctx, r, sk, kb).thenCompose(x -> tombstoneOld(ctx, r, sk))
                .thenCompose(x -> core.getAndRemoveRaw(ctx, r.zone(), sk)).thenApply(old -> wasLive(kb, old));
    }

    private boolean wasLive(byte[] kb, byte[] stored) {
        Item item = stored == null ? null : Envelope.decode(tenant, kb, stored);
        return item != null && !item.isExpired(now());
    }

    @Override
    public CompletableFuture<CasResult> delete(String key, long version) {
        return core.observers.observe(Operation.DELETE_VERSION, tenant, () -> {
            byte[] kb = TenantKey.keyBytes(key);
            String sk = sk(kb);
            Route r = route();
            if (bypass(r)) {
                return done(CasResult.NOT_FOUND);
            }
            Mutation delete = Mutation.delete(version);
            return invalidating(sk, core.runWrite(r, timeout, mode, ctx -> pull(ctx, r, sk, kb)
                    .thenCompose(x -> r.movingFrom() == null ? DONE : tombstoneOld(ctx, r, sk))
                    .thenCompose(x -> mutate(ctx, r.zone(), sk, kb, delete, null, true))
                    .thenApply(o -> o.status() == Mutation.Status.DELETED ? CasResult.STORED
                            : CasResult.valueOf(o.status().name()))));
        });
    }

    // ---------------------------------------------------------------- read-modify-write

    @Override
    public CompletableFuture<OptionalLong> incr(String key, long delta) {
        return core.observers.observe(Operation.INCR, tenant, () -> {
            return delta(key, delta, false);
        });
    }

    @Override
    public CompletableFuture<OptionalLong> decr(String key, long delta) {
        return core.observers.observe(Operation.DECR, tenant, () -> {
            return delta(key, delta, true);
        });
    }

    private CompletableFuture<OptionalLong> delta(String key, long delta, boolean decrement) {
        byte[] kb = TenantKey.keyBytes(key);
        String sk = sk(kb);
        Mutation m = Mutation.delta(delta, decrement);
        return readModifyWrite(sk, kb, OptionalLong.empty(), (ctx, zone) -> mutate(ctx, zone, sk, kb, m, null, false)
                .thenCompose(o -> switch (o.status()) {
                    case STORED -> done(OptionalLong.of(Numbers.parseUnsigned(o.item().value())));
                    case NON_NUMERIC -> CompletableFuture.failedFuture(new HearthException("cannot "
                            + (decrement ? "decr" : "incr") + " key '" + new String(kb, StandardCharsets.UTF_8)
                            + "': not a decimal number"));
                    default -> done(OptionalLong.empty());
                }));
    }

    @Override
    public CompletableFuture<Boolean> append(String key, V suffix) {
        return core.observers.observe(Operation.APPEND, tenant, () -> {
            return concat(key, suffix, true);
        });
    }

    @Override
    public CompletableFuture<Boolean> prepend(String key, V prefix) {
        return core.observers.observe(Operation.PREPEND, tenant, () -> {
            return concat(key, prefix, false);
        });
    }

    private CompletableFuture<Boolean> concat(String key, V part, boolean append) {
        byte[] kb = TenantKey.keyBytes(key);
        String sk = sk(kb);
        byte[] data = encodeValue(part);
        Mutation m = Mutation.concat(data, append, 0, core.settings.maxValueSize());
        return readModifyWrite(sk, kb, false, (ctx, zone) -> mutate(ctx, zone, sk, kb, m, null, false)
                .thenApply(o -> {
                    if (o.status() == Mutation.Status.NOT_STORED && o.item() != null) {
                        // Present but refused: the result would pass the size limit.
                        checkSize((long) o.item().value().length + data.length,
                                append ? "the appended value" : "the prepended value");
                    }
                    return o.status() == Mutation.Status.STORED;
                }));
    }

    @Override
    public CompletableFuture<Boolean> touch(String key, Duration ttl) {
        return core.observers.observe(Operation.TOUCH, tenant, () -> {
            byte[] kb = TenantKey.keyBytes(key);
            String sk = sk(kb);
            Mutation touch = Mutation.touch(expireAt(ttl, now()));
            return readModifyWrite(sk, kb, false, (ctx, zone) -> mutate(ctx, zone, sk, kb, touch, null, true)
                    .thenApply(o -> o.status() == Mutation.Status.TOUCHED));
        });
    }

    // ---------------------------------------------------------------- getOrLoad

    @Override
    public CompletableFuture<V> getOrLoad(String key, CacheLoader<? extends V> loader, Duration ttl) {
        return core.observers.observe(Operation.GET_OR_LOAD, tenant, () -> {
            return readThrough.getOrLoad(key, loader, ttl);
        });
    }
}
