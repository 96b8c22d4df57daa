package dev.hearth.client.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.hearth.client.CircuitOpenException;
import dev.hearth.client.CircuitState;
import dev.hearth.client.ClientStats;
import dev.hearth.client.Codec;
import dev.hearth.client.HearthClient;
import dev.hearth.client.HearthException;
import dev.hearth.client.HearthTimeoutException;
import dev.hearth.client.OperationListener;
import dev.hearth.client.TenantAvailability;
import dev.hearth.client.TenantCache;
import dev.hearth.client.TenantUnavailableException;
import dev.hearth.client.Ticker;
import java.time.Clock;
import dev.hearth.storage.CacheNames;
import dev.hearth.storage.Expiry;
import dev.hearth.storage.Item;
import dev.hearth.storage.TenantKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import dev.hearth.wire.TenantKeysFilter;
import org.apache.ignite.cache.query.QueryCursor;
import org.apache.ignite.cache.query.ScanQuery;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.IgniteClientFuture;
import org.apache.ignite.configuration.ClientConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's engine: owns the circuit breaker, the stats and the coalescer, and runs the operations. Every cache
 * operation runs through {@link #run}: availability and circuit checks, a deadline, latency and outcome accounting.
 * Each network step runs through {@link #attempt}, which retries retriable failures within the deadline. Its helpers
 * each have one role: {@link Connection} (the Ignite client), {@link ClientThreads} (the pools), {@link Failures}
 * (what a failure means), {@link RegistryPoller} (where tenants live), {@link Prober} (closing the circuit again),
 * {@link ReadFailover} (reads around an unresponsive primary).
 */
public final class ClientCore implements HearthClient {
    private static final Logger LOG = LoggerFactory.getLogger(ClientCore.class);
    private static final long MIN_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    /** Everything the builder collected. */
    public record Settings(List<String> addresses, Duration timeout, Duration requestTimeout, String pinnedZone,
            Duration registryRefreshInterval, Duration maxRegistryAge, int ioThreads, int callbackThreads, int maxConcurrentLoads, int maxQueuedLoads,
            int circuitFailureThreshold, Duration circuitProbeInterval, Duration staleWhileRevalidate,
            Duration staleIfError, Duration nearCacheTtl, long nearCacheMaxEntries, TenantAvailability availability,
            Consumer<ClientConfiguration> igniteCustomizer, Duration readFailoverAfter, boolean sendFromCaller,
            int maxValueSize,
            Ticker ticker, Clock clock, List<OperationListener> listeners) {
    }

    final Settings settings;
    /** Measures deadlines, latencies and the registry reading's age (see {@link Ticker}). */
    final Ticker ticker;
    /** The builder's listeners around each operation. */
    final Observers observers;
    /** Wall-clock time: what TTLs count from and what a value's age is measured against. */
    final Clock clock;
    final StatsRecorder stats = new StatsRecorder();
    final CircuitBreaker breaker;
    final Coalescer<String> coalescer = new Coalescer<>();
    final Coalescer<String> refreshes = new Coalescer<>();
    final Cache<String, Item> near;
    final long staleWindowMillis;
    private final Set<String> unavailable = ConcurrentHashMap.newKeySet();
    final ClientThreads threads;
    private final Prober prober;
    /** The Ignite thin client and the zone caches' handles. */
    private final Connection connection;
    /** The tenant registry's latest reading, read once per operation. */
    private final RegistryPoller registry;
    /** Per-node connections for reads around an unresponsive primary; null when read failover is off. */
    private final NodeLinks links;
    /** Sends reads around an unresponsive primary; null when read failover is off. */
    private final ReadFailover failover;


    public ClientCore(Settings settings) {
        this.settings = settings;
        this.ticker = settings.ticker();
        this.observers = new Observers(settings.listeners(), ticker);
        this.clock = settings.clock();
        this.breaker = new CircuitBreaker(settings.circuitFailureThreshold());
        this.staleWindowMillis = Math.max(settings.staleWhileRevalidate().toMillis(),
                settings.staleIfError().toMillis());
        this.near = settings.nearCacheTtl().isZero() ? null : Caffeine.newBuilder()
                .expireAfterWrite(settings.nearCacheTtl())
                .maximumSize(settings.nearCacheMaxEntries())
                .build();
        this.connection = new Connection(settings.addresses(), requestTimeoutMillis(), settings.igniteCustomizer(),
                settings.sendFromCaller());
        this.threads = new ClientThreads(settings.ioThreads(), settings.callbackThreads(),
                settings.maxConcurrentLoads(), settings.maxQueuedLoads());
        if (settings.readFailoverAfter().isZero()) {
            this.links = null;
            this.failover = null;
        } else {
            this.links = new NodeLinks(settings.addresses(), requestTimeoutMillis(), settings.igniteCustomizer(),
                    settings.readFailoverAfter().toNanos());
            this.failover = new ReadFailover(settings.readFailoverAfter().toNanos(), stats, connection::isClosed);
            links.warm();
        }
        this.registry = new RegistryPoller(connection::client, links, stats, ticker,
                settings.registryRefreshInterval(), settings.pinnedZone(), requestTimeoutMillis());
        this.prober = new Prober(breaker, registry, connection::connect, connection::connected,
                (timeout, zone) -> readRaw(new Ctx(timeout, ticker), zone, StorageKeys.PROBE_KEY),
                settings.pinnedZone(), settings.requestTimeout(), settings.circuitProbeInterval());
        try {
            connection.connect();
        } catch (RuntimeException e) {
            LOG.warn("Hearth client: no node reachable at " + settings.addresses()
                    + "; starting with the circuit open, probing every " + settings.circuitProbeInterval(), e);
            breaker.forceOpen();
        }
        if (connection.connected()) {
            // Bounded; afterwards operations are refused until the poller reads the registry.
            registry.readFirst(INITIAL_REGISTRY_WAIT_NANOS);
        }
        prober.start();
        registry.start();
    }

    /** How long {@code build()} waits for the first reading of the registry when the cluster answers. */
    static final long INITIAL_REGISTRY_WAIT_NANOS = TimeUnit.SECONDS.toNanos(3);

    private int requestTimeoutMillis() {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, settings.requestTimeout().toMillis()));
    }

    // ---------------------------------------------------------------- HearthClient

    @Override
    public TenantCache<byte[]> tenant(String tenant) {
        return tenant(tenant, Codec.bytes());
    }

    @Override
    public <V> TenantCache<V> tenant(String tenant, Codec<V> codec) {
        if (!TenantKey.isValidTenant(tenant)) {
            throw new IllegalArgumentException("invalid tenant name '" + tenant
                    + "': 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        java.util.Objects.requireNonNull(codec, "codec");
        return new AsyncTenantCacheImpl<>(this, tenant, codec, settings.timeout()).sync();
    }

    @Override
    public ClientStats stats() {
        Registry.View v = registry.view();
        return stats.snapshot(coalescer.joined(), breaker.state(),
                v.loaded() ? Math.max(0, System.currentTimeMillis() - v.readAtMillis()) : -1, registryTooOld(v));
    }

    @Override
    public CircuitState circuitState() {
        return breaker.state();
    }

    @Override
    public void markUnavailable(String tenant) {
        unavailable.add(tenant);
    }

    @Override
    public void markAvailable(String tenant) {
        unavailable.remove(tenant);
    }

    @Override
    public boolean isAvailable(String tenant) {
        return isUserAvailable(tenant) && !route(tenant).maintenance();
    }

    /** Not excluded by {@link #markUnavailable} nor by the builder's hook (the registry aside). */
    boolean isUserAvailable(String tenant) {
        return !unavailable.contains(tenant) && settings.availability().isAvailable(tenant);
    }

    /** Where {@code tenant}'s operations go and its effective state, per the latest registry reading. */
    public Registry.Route route(String tenant) {
        return registry.view().route(tenant);
    }

    /** The latest registry reading (tests, diagnostics). */
    public Registry.View registryView() {
        return registry.view();
    }

    @Override
    public void close() {
        if (!connection.markClosed()) {
            return;
        }
        prober.close();
        registry.close();
        connection.close();
        if (links != null) {
            links.close();
            failover.stop();
        }
        threads.shutdown();
    }

    // ---------------------------------------------------------------- operation machinery

    /**
     * One operation's deadline, on the client's {@link Ticker}; and, for an operation a caller waits for
     * ({@link ExecutionMode#CALLER_WAITS}), the read failover that caller fires itself ({@link ReadFailover}).
     */
    static final class Ctx {
        private final Ticker ticker;
        final long start;
        final long deadline;
        final long timeoutNanos;
        /** The thread that waits for this operation's result ({@link SyncTenantCacheImpl}), or null. */
        final Thread waiter;
        private long slowReadAt;
        private volatile Runnable slowRead;

        Ctx(Duration timeout, Ticker ticker) {
            this(timeout, ticker, null);
        }

        Ctx(Duration timeout, Ticker ticker, Thread waiter) {
            this.ticker = ticker;
            this.start = ticker.read();
            this.timeoutNanos = timeout.toNanos();
            this.deadline = start + timeoutNanos;
            this.waiter = waiter;
        }

        long remaining() {
            return deadline - ticker.read();
        }

        /** Leaves {@code failover} to the waiter, to be fired if the read has no answer {@code afterNanos} from now. */
        void leaveReadFailover(Runnable failover, long afterNanos) {
            slowReadAt = ticker.read() + afterNanos;
            slowRead = failover;
        }

        /** Nanoseconds until the read failover left to the waiter is due, or -1 if none was left. */
        long untilReadFailover() {
            return slowRead == null ? -1 : Math.max(0, slowReadAt - ticker.read());
        }

        /** Fires the read failover left to the waiter, once ({@link ReadFailover#fire}). */
        void fireReadFailover() {
            Runnable r = slowRead;
            slowRead = null;
            if (r != null) {
                ReadFailover.fire(r);
            }
        }
    }

    /**
     * The result of an operation a caller waits for: it carries the operation's {@link Ctx}, and whoever settles it
     * (the work's completion, or the caller giving up at its deadline) accounts for the operation right after,
     * exactly once. Not a dependent stage: those ran on Ignite's single network thread, which carries every answer.
     */
    static final class Waited<T> extends CompletableFuture<T> {
        final Ctx ctx;
        private final BiConsumer<Ctx, Throwable> account;

        Waited(Ctx ctx, BiConsumer<Ctx, Throwable> account) {
            this.ctx = ctx;
            this.account = account;
        }

        @Override
        public boolean complete(T value) {
            return accounted(super.complete(value), null);
        }

        @Override
        public boolean completeExceptionally(Throwable error) {
            return accounted(super.completeExceptionally(error), error);
        }

        private boolean accounted(boolean settledNow, Throwable error) {
            if (settledNow) {
                account.accept(ctx, error);
            }
            return settledNow;
        }
    }

    /**
     * Runs one operation: rejects it at once if the tenant is unavailable or the circuit open, fails it at its
     * deadline, records its latency and outcome.
     *
     * @param mode how the result is delivered: bounded by a timer and completed on a callback thread
     *     ({@link ExecutionMode#ASYNC}), or for a caller that waits with {@link SyncTenantCacheImpl}
     *     ({@link ExecutionMode#CALLER_WAITS})
     */
    <T> CompletableFuture<T> run(Registry.Route route, Duration timeout, ExecutionMode mode,
            Function<Ctx, CompletableFuture<T>> body) {
        Throwable refused = refusal(route);
        if (refused != null) {
            return CompletableFuture.failedFuture(refused);
        }
        if (mode == ExecutionMode.CALLER_WAITS) {
            Ctx ctx = new Ctx(timeout, ticker, Thread.currentThread());
            return accountedSync(ctx, start(body, ctx));
        }
        Ctx ctx = new Ctx(timeout, ticker);
        CompletableFuture<T> result = new CompletableFuture<>();
        ScheduledFuture<?> armed;
        try {
            armed = threads.scheduler.schedule(() -> {
                if (!result.isDone()) {
                    completeOnCallback(result, null, new HearthTimeoutException("no answer within the deadline of "
                            + timeout.toMillis() + " ms"));
                }
            }, ctx.timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new HearthException("client is closed"));
        }
        CompletableFuture<T> work = start(body, ctx);
        work.whenComplete((r, e) -> {
            armed.cancel(false);
            completeOnCallback(result, r, e == null ? null : Failures.map(e));
        });
        result.whenComplete((r, e) -> account(ctx, e));
        return result;
    }

    private static <T> CompletableFuture<T> start(Function<Ctx, CompletableFuture<T>> body, Ctx ctx) {
        try {
            return body.apply(ctx);
        } catch (Throwable t) {
            return CompletableFuture.failedFuture(t);
        }
    }

    /**
     * The {@link ExecutionMode#CALLER_WAITS} completion: one stage, since it runs on the thread that completed the
     * work, usually Ignite's single network thread, which carries every answer of every caller.
     */
    private <T> CompletableFuture<T> accountedSync(Ctx ctx, CompletableFuture<T> work) {
        // Accounted when the result is settled, by the work or by the caller giving up at its deadline (await): a
        // request to a frozen node never completes (Ignite's async requests have no timeout), and it must still
        // count as a timeout, for the stats and the circuit breaker.
        Waited<T> result = new Waited<>(ctx, this::account);
        work.whenComplete((r, e) -> complete(result, r, e == null ? null : Failures.map(e)));
        return result;
    }

    /**
     * Why an operation may not start now (closed client, unavailable tenant, open circuit, registry never read), or
     * null; a refusal is counted as rejected.
     */
    private Throwable refusal(Registry.Route route) {
        if (connection.isClosed()) {
            return new HearthException("client is closed"); // not counted: the caller's mistake, not the cluster's
        }
        Throwable refused = null;
        if (route != null) {
            refused = tenantRefusal(route);
        }
        if (refused == null && !breaker.allowRequest()) {
            String why = connection.connected() ? null : connection.lastFailure();
            refused = new CircuitOpenException("circuit open: the Hearth cluster was unreachable"
                    + (why == null ? "" : " (" + why + ")") + "; probing every "
                    + settings.circuitProbeInterval().toMillis() + " ms");
        }
        if (refused == null && route != null && !registry.view().loaded() && settings.pinnedZone() == null) {
            // Guessing the zone could put a write where no reader looks: refuse until the registry was read.
            refused = new HearthException("the tenant registry (cache " + CacheNames.REGISTRY + ") has not been read yet, "
                    + "so tenant " + route.tenant() + "'s zone is unknown; retrying every "
                    + settings.registryRefreshInterval().toMillis() + " ms");
        }
        if (refused != null) {
            stats.rejected.increment();
        }
        return refused;
    }

    /**
     * Runs a write: as {@link #run}, but refused if the registry reading is older than
     * {@code maxRegistryAge}. A move starts copying a tenant's keys only that long (plus a margin) after it began,
     * so a write routed by a reading from before the move can never land in the old zone behind the copy.
     */
    <T> CompletableFuture<T> runWrite(Registry.Route route, Duration timeout, ExecutionMode mode,
            Function<Ctx, CompletableFuture<T>> body) {
        Throwable stale = staleRegistry(route);
        if (stale != null) {
            return CompletableFuture.failedFuture(stale);
        }
        return run(route, timeout, mode, body);
    }

    /** Whether writes are refused now: the reading in use is older than maxRegistryAge (no zone pinned). */
    private boolean registryTooOld(Registry.View v) {
        return settings.pinnedZone() == null && v.loaded()
                && ticker.read() - v.readAtNanos() > settings.maxRegistryAge().toNanos();
    }

    /** Why a write may not be routed by the current registry reading (it is too old), or null. */
    private Throwable staleRegistry(Registry.Route route) {
        Registry.View v = registry.view();
        if (!registryTooOld(v)) {
            return null;
        }
        stats.rejected.increment();
        return new HearthException("the tenant registry was last read "
                + TimeUnit.NANOSECONDS.toMillis(ticker.read() - v.readAtNanos()) + " ms ago (more than maxRegistryAge "
                + settings.maxRegistryAge().toMillis() + " ms): tenant " + route.tenant() + " may have "
                + "moved since, so writes wait for a fresh reading");
    }

    /** Why an operation of this route may not run now, or null. Maintenance in mode miss is the caller's. */
    private Throwable tenantRefusal(Registry.Route route) {
        if (!isUserAvailable(route.tenant())) {
            return new TenantUnavailableException("tenant " + route.tenant() + " is unavailable (maintenance)");
        }
        if (route.maintenance() && route.reject()) {
            return new TenantUnavailableException("tenant " + route.tenant() + " is in maintenance");
        }
        return null;
    }

    private void account(Ctx ctx, Throwable e) {
        stats.latencyNanos(ticker.read() - ctx.start);
        if (e == null) {
            breaker.onSuccess();
            return;
        }
        Throwable c = Failures.unwrap(e);
        if (c instanceof HearthTimeoutException) {
            stats.timeouts.increment();
            onUnreachable();
        } else {
            stats.errors.increment();
            if (Failures.isConnectivity(c)) {
                onUnreachable();
            }
        }
    }

    private void onUnreachable() {
        if (breaker.onUnreachable()) {
            // Logged from the scheduler, not here: this runs on the caller's thread when it gives up at its deadline,
            // and a console handler writing to a busy stderr held one caller 34 ms past the deadline + 20 ms bound.
            String msg = "Hearth client: circuit opened after " + settings.circuitFailureThreshold()
                    + " consecutive failures to reach the cluster; failing fast and probing";
            try {
                threads.scheduler.execute(() -> LOG.warn(msg));
            } catch (RejectedExecutionException closing) {
                LOG.debug(msg, closing);
            }
        }
    }

    private <T> void completeOnCallback(CompletableFuture<T> f, T value, Throwable error) {
        if (ClientThreads.currentIs(ClientThreads.ThreadKind.CALLBACK)) {
            complete(f, value, error);
        } else {
            try {
                threads.callbacks.execute(() -> complete(f, value, error));
            } catch (RejectedExecutionException e) {
                complete(f, value, error);
            }
        }
    }

    private static <T> void complete(CompletableFuture<T> f, T value, Throwable error) {
        if (error == null) {
            f.complete(value);
        } else {
            f.completeExceptionally(error);
        }
    }

    /**
     * One network step against the zone cache. Retriable failures (no answer, lost connection) are retried while the
     * deadline allows when {@code idempotent}; other failures fail the step.
     */
    <T> CompletableFuture<T> attempt(Ctx ctx, String zone, boolean idempotent,
            IgniteCall<T> call, Expiry expiry) {
        CompletableFuture<T> out = new CompletableFuture<>();
        attemptInto(out, ctx, zone, idempotent, call, expiry, 0);
        return out;
    }

    private <T> void attemptInto(CompletableFuture<T> out, Ctx ctx, String zone, boolean idempotent,
            IgniteCall<T> call, Expiry expiry, int tries) {
        if (ctx.remaining() <= 0) {
            out.completeExceptionally(new HearthTimeoutException("deadline passed"));
            return;
        }
        Connection.Caches c = connection.caches(zone);
        if (c == null) {
            out.completeExceptionally(new HearthException("not connected to the Hearth cluster"));
            return;
        }
        Runnable send = () -> {
            IgniteClientFuture<T> f;
            try {
                f = call.on(c.with(expiry));
            } catch (Throwable t) {
                onAttemptFailure(out, ctx, zone, idempotent, call, expiry, tries, t);
                return;
            }
            f.whenComplete((r, e) -> {
                if (e == null) {
                    out.complete(r);
                } else {
                    onAttemptFailure(out, ctx, zone, idempotent, call, expiry, tries, e);
                }
            });
        };
        // From the io threads, not the caller's: Ignite's async calls are not always quick to return. On a topology
        // change the first call fetches the partition map with a blocking request to each node in turn, and a call
        // on a closed channel reconnects and waits for the handshake, each up to the request timeout (which is the
        // deadline by default); nor from inside a completion, which runs on Ignite's network thread. The exception
        // (sendFromCaller, on by default): a first try of a get or a put from an application thread, which
        // DirectSender sends on the primary's open channel without entering any of those paths, or declines at once.
        if (tries == 0 && connection.sendsFromCaller()
                && !(Thread.currentThread() instanceof ClientThreads.HearthThread)
                && !ClientThreads.inCompletion()) {
            CompletableFuture<Object> direct = connection.sendDirect(c, expiry, call);
            if (direct != null) {
                stats.sentFromCaller.increment();
                direct.whenComplete((r, e) -> {
                    if (e == null) {
                        @SuppressWarnings("unchecked")
                        T value = (T) r;
                        out.complete(value);
                    } else {
                        onAttemptFailure(out, ctx, zone, idempotent, call, expiry, tries, DirectSender.likeIgnite(e));
                    }
                });
                return;
            }
        }
        try {
            threads.io.execute(send);
        } catch (RejectedExecutionException e) {
            out.completeExceptionally(ioRefused());
        }
    }

    private <T> void onAttemptFailure(CompletableFuture<T> out, Ctx ctx, String zone, boolean idempotent,
            IgniteCall<T> call, Expiry expiry, int tries,
            Throwable e) {
        Throwable c = Failures.unwrap(e);
        long remaining = ctx.remaining();
        if (idempotent && Failures.isConnectivity(c) && remaining > MIN_RETRY_NANOS && !connection.isClosed()) {
            stats.retries.increment();
            // Back off a little: a refused connection fails in microseconds and would otherwise spin.
            long backoff = Math.min(remaining / 2, TimeUnit.MILLISECONDS.toNanos(Math.min(20, 1L << Math.min(tries, 4))));
            try {
                threads.scheduler.schedule(() -> attemptInto(out, ctx, zone, idempotent, call, expiry, tries + 1), backoff,
                        TimeUnit.NANOSECONDS);
                return;
            } catch (RejectedExecutionException ignored) {
                // closed: fall through
            }
        }
        out.completeExceptionally(c);
    }

    // ---------------------------------------------------------------- raw steps used by the tenant handles

    /**
     * Removes every key of {@code tenant} from {@code zone} by the node's own flush rule ({@link TenantKeysFilter}): a
     * scan filtered on the nodes, then removals in sorted batches. Ignite's scans and bulk removals block, so this
     * runs on an io thread (a thread Ignite's retries may block), and it stops before the next batch once the
     * deadline passed; the operation itself fails at the deadline whatever this is doing.
     *
     * @return how many live values were removed
     */
    CompletableFuture<Long> removeTenantRaw(Ctx ctx, String zone, String tenant) {
        return blockingOnIo(zone, c -> {
            ClientCache<String, byte[]> cache = c.plain();
            try (QueryCursor<javax.cache.Cache.Entry<String, byte[]>> cursor = cache.query(
                    new ScanQuery<String, byte[]>(new TenantKeysFilter<>(tenant)))) {
                return TenantKeysFilter.removeAll(cursor, batch -> {
                    if (ctx.remaining() <= 0) {
                        throw new HearthTimeoutException("deadline passed while flushing tenant " + tenant);
                    }
                    cache.removeAll(batch);
                });
            }
        });
    }

    /**
     * Up to {@code max} of a tenant's stored entries in one zone (storage key to stored bytes, live or not): a scan
     * filtered on the nodes by {@link TenantKeysFilter}, on an io thread, stopped at the deadline.
     */
    CompletableFuture<Map<String, byte[]>> scanTenantRaw(Ctx ctx, String zone, String tenant, int max) {
        return blockingOnIo(zone, c -> {
            Map<String, byte[]> out = new java.util.LinkedHashMap<>();
            ScanQuery<String, byte[]> scan = new ScanQuery<String, byte[]>(new TenantKeysFilter<>(tenant))
                    .setPageSize(Math.max(1, Math.min(max, 1024)));
            try (QueryCursor<javax.cache.Cache.Entry<String, byte[]>> cursor = c.plain().query(scan)) {
                for (javax.cache.Cache.Entry<String, byte[]> e : cursor) {
                    if (ctx.remaining() <= 0) {
                        throw new HearthTimeoutException("deadline passed while listing tenant " + tenant);
                    }
                    out.put(e.getKey(), e.getValue());
                    if (out.size() >= max) {
                        break;
                    }
                }
            }
            return out;
        });
    }

    /**
     * Blocking Ignite work on a zone's caches (scans, bulk removals), run on an io thread: never the caller's, never
     * Ignite's network thread.
     */
    private <T> CompletableFuture<T> blockingOnIo(String zone, Function<Connection.Caches, T> work) {
        Connection.Caches c = connection.caches(zone);
        if (c == null) {
            return CompletableFuture.failedFuture(new HearthException("not connected to the Hearth cluster"));
        }
        try {
            return CompletableFuture.supplyAsync(() -> work.apply(c), threads.io);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(ioRefused());
        }
    }

    /** Why the io pool refused a task: the client is closed, or its queue is full. */
    private HearthException ioRefused() {
        return connection.isClosed() ? new HearthException("client is closed")
                : new HearthException("client overloaded: too many requests queued");
    }

    /** One key of a read was found live or not: a hit or a miss in the stats and for the listeners. */
    void lookedUp(String tenant, boolean hit) {
        (hit ? stats.hits : stats.misses).increment();
        observers.lookedUp(tenant, hit);
    }

    /** Drops a tenant's keys from the near cache, if there is one. */
    void nearInvalidateTenant(String tenant) {
        if (near != null) {
            String prefix = TenantKey.prefix(tenant);
            near.asMap().keySet().removeIf(k -> k.startsWith(prefix));
        }
    }

    CompletableFuture<byte[]> readRaw(Ctx ctx, String zone, String sk) {
        CompletableFuture<byte[]> primary = attempt(ctx, zone, true, new IgniteCall.Get(sk), null);
        if (failover == null) {
            return primary;
        }
        return failover.around(ctx, primary, (out, failed) -> {
            CompletableFuture<Map<String, byte[]>> all = new CompletableFuture<>();
            all.whenComplete((m, e) -> {
                if (e == null) {
                    out.complete(m.get(sk));
                }
            });
            return links.hedge(CacheNames.zoneCache(zone), Set.of(sk), all, failed);
        });
    }

    /**
     * Several keys: one get per key, each sent by partition awareness to the key's primary copy, which reads its own
     * copy. Not Ignite's getAll: that goes to any one node, which forwards the keys it does not own to their
     * primaries and waits for them in one of its 8 thin-client connector threads (zone caches are atomic, served
     * synchronously). With one node frozen, readers doing getAll took every connector thread of the live nodes
     * within a second, and those nodes then answered no client at all.
     */
    CompletableFuture<Map<String, byte[]>> readAllRaw(Ctx ctx, String zone, Set<String> sks) {
        CompletableFuture<Map<String, byte[]>> primaries;
        if (sks.size() == 1) {
            String only = sks.iterator().next();
            primaries = attempt(ctx, zone, true, new IgniteCall.Get(only), null).thenApply(v -> {
                Map<String, byte[]> m = new java.util.HashMap<>(2);
                if (v != null) {
                    m.put(only, v);
                }
                return m;
            });
        } else {
            Map<String, byte[]> found = new ConcurrentHashMap<>();
            CompletableFuture<?>[] each = new CompletableFuture<?>[sks.size()];
            int i = 0;
            for (String sk : sks) {
                each[i++] = attempt(ctx, zone, true, new IgniteCall.Get(sk), null).thenAccept(v -> {
                    if (v != null) {
                        found.put(sk, v);
                    }
                });
            }
            primaries = CompletableFuture.allOf(each).thenApply(x -> new java.util.HashMap<>(found));
        }
        if (failover == null) {
            return primaries;
        }
        return failover.around(ctx, primaries,
                (out, failed) -> links.hedge(CacheNames.zoneCache(zone), sks, out, failed));
    }

    CompletableFuture<Void> putRaw(Ctx ctx, String zone, String sk, byte[] bytes, Expiry expiry) {
        return attempt(ctx, zone, true, new IgniteCall.Put(sk, bytes), expiry);
    }

    CompletableFuture<Boolean> putIfAbsentRaw(Ctx ctx, String zone, String sk, byte[] bytes, Expiry expiry) {
        return attempt(ctx, zone, true, c -> c.putIfAbsentAsync(sk, bytes), expiry);
    }

    CompletableFuture<Boolean> replaceRaw(Ctx ctx, String zone, boolean idempotent, String sk, byte[] old,
            byte[] bytes, Expiry expiry) {
        return attempt(ctx, zone, idempotent, c -> c.replaceAsync(sk, old, bytes), expiry);
    }

    /** One putAll request with the entries' expiry (idempotent: retried within the deadline). */
    CompletableFuture<Void> putAllRaw(Ctx ctx, String zone, Map<String, byte[]> entries, Expiry expiry) {
        return attempt(ctx, zone, true, c -> c.putAllAsync(entries), expiry);
    }

    /** One removeAll request (idempotent: retried within the deadline). */
    CompletableFuture<Void> removeAllRaw(Ctx ctx, String zone, Set<String> sks) {
        return attempt(ctx, zone, true, c -> c.removeAllAsync(sks), null);
    }

    CompletableFuture<byte[]> getAndRemoveRaw(Ctx ctx, String zone, String sk) {
        return attempt(ctx, zone, true, c -> c.getAndRemoveAsync(sk), null);
    }

    CompletableFuture<Boolean> removeRaw(Ctx ctx, String zone, String sk, byte[] old) {
        return attempt(ctx, zone, true, c -> c.removeAsync(sk, old), null);
    }

    CompletableFuture<Boolean> removeRaw(Ctx ctx, String zone, String sk) {
        return attempt(ctx, zone, true, c -> c.removeAsync(sk), null);
    }

    /** Runs a loader on the bounded load pool. */
    <T> CompletableFuture<T> submitLoad(Supplier<T> work) {
        return CompletableFuture.supplyAsync(work, threads.loads);
    }
}
