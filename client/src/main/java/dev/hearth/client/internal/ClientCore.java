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
import dev.hearth.client.TenantAvailability;
import dev.hearth.client.TenantCache;
import dev.hearth.client.TenantUnavailableException;
import dev.hearth.storage.CacheNames;
import dev.hearth.storage.Expiry;
import dev.hearth.storage.Item;
import dev.hearth.storage.TenantKey;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.ignite.Ignition;
import org.apache.ignite.cache.query.QueryCursor;
import org.apache.ignite.cache.query.ScanQuery;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.ClientConnectionException;
import org.apache.ignite.client.ClientException;
import org.apache.ignite.client.ClientRetryPolicy;
import org.apache.ignite.client.ClientRetryPolicyContext;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.client.IgniteClientFuture;
import org.apache.ignite.configuration.ClientConfiguration;

/**
 * The client's engine: owns the Ignite thin client, the threads, the circuit breaker, the stats and the coalescer.
 * Every cache operation runs through {@link #run}: availability and circuit checks, a deadline, latency and outcome
 * accounting. Each network step runs through {@link #attempt}, which retries retriable failures within the deadline.
 */
public final class ClientCore implements HearthClient {
    private static final Logger LOG = Logger.getLogger(ClientCore.class.getName());
    /**
     * Sync callers give up this long after the deadline: a little slack for an answer that is being delivered, small
     * against the contract's 20 ms (the wake-up itself can be late on a busy machine).
     */
    static final long SYNC_MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    private static final long MIN_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    /**
     * True while this thread runs one of Ignite's completions ({@link #INLINE}): usually Ignite's network thread,
     * which must never block (it would hold up every answer) nor call Ignite (a reconnect there waits for a
     * handshake only that same thread can read).
     */
    private static final ThreadLocal<boolean[]> IN_COMPLETION = ThreadLocal.withInitial(() -> new boolean[1]);
    /**
     * Ignite's async continuation executor: runs completions on the thread that has the answer (Ignite's network
     * thread), as Ignite's own blocking calls do. With a pool here, every answer took one more thread hop (network
     * thread, pool thread, then the waiting caller), and at 64 callers on 2 cores the 2-thread pool was the
     * bottleneck: 22% less throughput and +39% p99 than the raw thin client. What runs inline is short and never
     * blocks: envelope decoding and accounting; the sync view decodes values on the caller's thread, the async view
     * hands results to {@link #callbacks} ({@link #completeOnCallback}), and new network steps started from a
     * completion go through {@link #io} ({@link #attemptInto}). {@link BlockingThreadsOnlyRetryPolicy} keeps Ignite's own
     * failover (which may connect and wait) off this thread. No view calls Ignite's blocking API on a caller's
     * thread: such calls did not return for over a minute after kill -9 and restart of one node (issue #13).
     */
    static final Executor INLINE = r -> {
        boolean[] flag = IN_COMPLETION.get();
        boolean outer = flag[0];
        flag[0] = true;
        try {
            r.run();
        } finally {
            flag[0] = outer;
        }
    };

    /** Everything the builder collected. */
    public record Settings(List<String> addresses, Duration timeout, Duration requestTimeout, String pinnedZone,
            Duration registryRefreshInterval, Duration maxRegistryAge, int ioThreads, int callbackThreads, int maxConcurrentLoads, int maxQueuedLoads,
            int circuitFailureThreshold, Duration circuitProbeInterval, Duration staleWhileRevalidate,
            Duration staleIfError, Duration nearCacheTtl, long nearCacheMaxEntries, TenantAvailability availability,
            Consumer<ClientConfiguration> igniteCustomizer, Duration readFailoverAfter, int maxValueSize) {
    }

    final Settings settings;
    final StatsRecorder stats = new StatsRecorder();
    final CircuitBreaker breaker;
    final Coalescer<String> coalescer = new Coalescer<>();
    final Coalescer<String> refreshes = new Coalescer<>();
    final Cache<String, Item> near;
    final long staleWindowMillis;
    private final Set<String> unavailable = ConcurrentHashMap.newKeySet();
    private final ThreadPoolExecutor io;
    final ThreadPoolExecutor callbacks;
    final ThreadPoolExecutor loads;
    private final ScheduledThreadPoolExecutor scheduler;
    /** Separate from the scheduler: connecting or probing may block, deadlines must not wait for it. */
    private final ScheduledThreadPoolExecutor prober;
    private final Object connectLock = new Object();
    private volatile IgniteClient ignite;
    /** Each zone's cache views, made on first use (a thin-client cache handle costs no network call). */
    private final Map<String, Caches> zoneCaches = new ConcurrentHashMap<>();
    /** The latest reading of the tenant registry; replaced whole by each refresh, read once per operation. */
    private volatile Registry.View view;
    /** Polls the registry; its own thread because a scan blocks, and operations must never wait for it. */
    private final ScheduledThreadPoolExecutor registryPoller;
    /** Whether the last registry read failed: failures are logged at WARNING once per streak, not every second. */
    private volatile boolean registryFailing;
    private final Object registryLock = new Object();
    private volatile boolean closed;
    /** Per-node connections for reads around an unresponsive primary; null when read failover is off. */
    private final NodeLinks links;
    /** Reads not answered yet, oldest first, for the failover timer; null when read failover is off. */
    private final FailoverTimer failoverTimer;


    /** The zone cache and its views with the two fixed expiry policies. */
    record Caches(String zone, ClientCache<String, byte[]> plain, ClientCache<String, byte[]> eternal,
            ClientCache<String, byte[]> keep) {
        ClientCache<String, byte[]> with(Expiry e) {
            if (e == null) {
                return plain;
            }
            if (e == Expiry.ETERNAL) {
                return eternal;
            }
            if (e == Expiry.KEEP) {
                return keep;
            }
            return plain.withExpirePolicy(e);
        }
    }

    public ClientCore(Settings settings) {
        this.settings = settings;
        this.breaker = new CircuitBreaker(settings.circuitFailureThreshold());
        this.staleWindowMillis = Math.max(settings.staleWhileRevalidate().toMillis(),
                settings.staleIfError().toMillis());
        this.near = settings.nearCacheTtl().isZero() ? null : Caffeine.newBuilder()
                .expireAfterWrite(settings.nearCacheTtl())
                .maximumSize(settings.nearCacheMaxEntries())
                .build();
        this.io = pool("hearth-io", settings.ioThreads(), new ArrayBlockingQueue<>(65_536), ThreadKind.MAY_BLOCK);
        this.callbacks = pool("hearth-callback", settings.callbackThreads(), new LinkedBlockingQueue<>(),
                ThreadKind.CALLBACK);
        this.loads = pool("hearth-load", settings.maxConcurrentLoads(),
                new ArrayBlockingQueue<>(settings.maxQueuedLoads()), ThreadKind.OTHER);
        this.scheduler = new ScheduledThreadPoolExecutor(1, daemonFactory("hearth-scheduler", ThreadKind.OTHER));
        this.scheduler.setRemoveOnCancelPolicy(true);
        this.prober = new ScheduledThreadPoolExecutor(1, daemonFactory("hearth-probe", ThreadKind.MAY_BLOCK));
        this.registryPoller = new ScheduledThreadPoolExecutor(1, daemonFactory("hearth-registry",
                ThreadKind.MAY_BLOCK));
        this.view = Registry.View.initial(settings.pinnedZone());
        if (settings.readFailoverAfter().isZero()) {
            this.links = null;
            this.failoverTimer = null;
        } else {
            this.links = new NodeLinks(settings.addresses(), requestTimeoutMillis(), settings.igniteCustomizer(),
                    settings.readFailoverAfter().toNanos());
            this.failoverTimer = new FailoverTimer(settings.readFailoverAfter().toNanos());
            links.warm();
        }
        try {
            connect();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Hearth client: no node reachable at " + settings.addresses()
                    + "; starting with the circuit open, probing every " + settings.circuitProbeInterval(), e);
            breaker.forceOpen();
        }
        if (ignite != null) {
            // Routing needs the registry: wait for the first reading here rather than send the first operations to
            // a guessed zone. Bounded; afterwards operations are refused until the poller reads it.
            long end = System.nanoTime() + INITIAL_REGISTRY_WAIT_NANOS;
            while (!refreshRegistry() && System.nanoTime() < end && !closed) {
                sleepQuietly(50);
            }
        }
        long probeMs = settings.circuitProbeInterval().toMillis();
        prober.scheduleWithFixedDelay(this::probe, probeMs, probeMs, TimeUnit.MILLISECONDS);
        registryPoller.schedule(this::pollRegistry, registryPollMillis(), TimeUnit.MILLISECONDS);
    }

    private long registryPollMillis() {
        return Math.max(1, settings.registryRefreshInterval().toMillis());
    }

    /**
     * Reads the registry, then schedules the next reading: after the refresh interval, or after 100 ms if this one
     * failed. A failed reading (say, every node paused in a partition map exchange) took up to the request timeout;
     * waiting the full interval on top of it aged the reading past maxRegistryAge, and writes were refused for longer
     * than the cluster was unavailable.
     */
    private void pollRegistry() {
        boolean read = false;
        try {
            read = refreshRegistry();
        } finally {
            if (!closed) {
                long next = read ? registryPollMillis() : Math.min(registryPollMillis(), 100);
                try {
                    registryPoller.schedule(this::pollRegistry, next, TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException e) {
                    LOG.log(Level.FINE, "registry poller stopped (client closing)", e);
                }
            }
        }
    }

    /** How long {@code build()} waits for the first reading of the registry when the cluster answers. */
    static final long INITIAL_REGISTRY_WAIT_NANOS = TimeUnit.SECONDS.toNanos(3);

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void connect() {
        synchronized (connectLock) {
            if (ignite != null || closed) {
                return;
            }
            ClientConfiguration cfg = new ClientConfiguration()
                    .setAddresses(settings.addresses().toArray(new String[0]))
                    .setPartitionAwarenessEnabled(true)
                    .setTimeout(requestTimeoutMillis())
                    .setAsyncContinuationExecutor(INLINE)
                    // The circuit breaker throttles; Ignite's own throttling would delay recovery by up to 30 s.
                    .setReconnectThrottlingPeriod(0)
                    .setReconnectThrottlingRetries(0);
            settings.igniteCustomizer().accept(cfg);
            cfg.setRetryPolicy(new BlockingThreadsOnlyRetryPolicy(cfg.getRetryPolicy()));
            try {
                ignite = Ignition.startClient(cfg);
                lastConnectFailure = null;
            } catch (ClientConnectionException e) {
                lastConnectFailure = connectFailure(e, cfg.getSslMode() == org.apache.ignite.client.SslMode.REQUIRED);
                throw new ClientConnectionException(lastConnectFailure, e);
            }
        }
    }

    /** Why the last connection attempt failed (null after a success): said again by operations refused meanwhile. */
    private volatile String lastConnectFailure;

    /**
     * Ignite reports a node that closed the connection during the handshake as "Channel is closed". When something
     * answered at all (no ConnectException), a TLS mismatch is the usual reason: say which side to check.
     */
    static String connectFailure(Throwable e, boolean tls) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException) {
                return "no node answered: " + e.getMessage();
            }
        }
        return tls
                ? "a node closed the connection during the TLS handshake (" + e.getMessage() + "): the client "
                        + "certificate must be signed by the cluster CA (the nodes' tls.caFile), and the CA file given "
                        + "to HearthClient.Builder.tls must hold the CA that signed the nodes' certificates"
                : "a node closed the connection during the handshake (" + e.getMessage() + "): if the cluster has "
                        + "tls.enabled, connect with HearthClient.Builder.tls(caFile, certFile, keyFile)";
    }

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
        Registry.View v = view;
        return stats.snapshot(coalescer.joined(), breaker.state(),
                v.loaded() ? Math.max(0, System.currentTimeMillis() - v.readAtMillis()) : -1);
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
        return view.route(tenant);
    }

    /** The latest registry reading (tests, diagnostics). */
    public Registry.View registryView() {
        return view;
    }

    Caches cachesFor(String zone) {
        IgniteClient c = ignite;
        if (c == null) {
            return null;
        }
        // Most clients use one zone: the last one answers without the map lookup, which showed as 10% of the
        // client's own CPU samples at 64 callers.
        Caches last = lastCaches;
        if (last != null && last.zone().equals(zone)) {
            return last;
        }
        Caches x = zoneCaches.get(zone);
        if (x == null) {
            x = zoneCaches.computeIfAbsent(zone, z -> {
                ClientCache<String, byte[]> plain = c.cache(CacheNames.zoneCache(z));
                return new Caches(z, plain, plain.withExpirePolicy(Expiry.ETERNAL),
                        plain.withExpirePolicy(Expiry.KEEP));
            });
        }
        lastCaches = x;
        return x;
    }

    /** The zone caches used last (see {@link #cachesFor}). */
    private volatile Caches lastCaches;

    @Override
    public void close() {
        synchronized (connectLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        scheduler.shutdownNow();
        prober.shutdownNow();
        registryPoller.shutdownNow();
        IgniteClient c = ignite;
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.log(Level.FINE, "closing Ignite client", e);
            }
        }
        if (links != null) {
            links.close();
            failoverTimer.stop();
        }
        io.shutdownNow();
        loads.shutdownNow();
        callbacks.shutdown();
    }

    // ---------------------------------------------------------------- operation machinery

    /** One operation's deadline. */
    static final class Ctx {
        final long start = System.nanoTime();
        final long deadline;
        final long timeoutNanos;

        Ctx(Duration timeout) {
            this.timeoutNanos = timeout.toNanos();
            this.deadline = start + timeoutNanos;
        }

        long remaining() {
            return deadline - System.nanoTime();
        }
    }

    /**
     * Runs one operation: rejects it at once if the tenant is unavailable or the circuit open, fails it at its
     * deadline, records its latency and outcome. The returned future completes on a callback thread.
     */
    <T> CompletableFuture<T> run(Registry.Route route, Duration timeout, Function<Ctx, CompletableFuture<T>> body) {
        return run(route, timeout, false, body);
    }

    /**
     * @param sync the caller blocks on the result with {@link #await}, which bounds the wait itself: no deadline
     *     timer is scheduled (the work still stops at the deadline: attempts check it, and Ignite's request timeout
     *     is at most the default deadline), and the result completes on the thread that completed the work (often
     *     Ignite's network thread): the caller must not attach code that blocks or runs user code
     */
    <T> CompletableFuture<T> run(Registry.Route route, Duration timeout, boolean sync,
            Function<Ctx, CompletableFuture<T>> body) {
        Throwable refused = refusal(route);
        if (refused != null) {
            return CompletableFuture.failedFuture(refused);
        }
        Ctx ctx = new Ctx(timeout);
        if (sync) {
            return accountedSync(ctx, start(body, ctx));
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        ScheduledFuture<?> armed;
        try {
            armed = scheduler.schedule(() -> {
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
            completeOnCallback(result, r, e == null ? null : mapFailure(e));
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
     * The sync variant's completion: one stage, not two, since it runs on the thread that completed the work, usually
     * Ignite's single network thread, which carries every answer of every caller.
     */
    private <T> CompletableFuture<T> accountedSync(Ctx ctx, CompletableFuture<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        // Accounted when the result is settled, by the work or by the caller giving up at its deadline (await): a
        // request to a frozen node never completes (Ignite's async requests have no timeout), and it must still
        // count as a timeout, for the stats and the circuit breaker.
        result.whenComplete((r, e) -> account(ctx, e));
        work.whenComplete((r, e) -> complete(result, r, e == null ? null : mapFailure(e)));
        return result;
    }

    /**
     * Why an operation may not start now (closed client, unavailable tenant, open circuit, registry never read), or
     * null; a refusal is counted as rejected.
     */
    private Throwable refusal(Registry.Route route) {
        if (closed) {
            return new HearthException("client is closed"); // not counted: the caller's mistake, not the cluster's
        }
        Throwable refused = null;
        if (route != null) {
            refused = tenantRefusal(route);
        }
        if (refused == null && !breaker.allowRequest()) {
            String why = ignite == null ? lastConnectFailure : null;
            refused = new CircuitOpenException("circuit open: the Hearth cluster was unreachable"
                    + (why == null ? "" : " (" + why + ")") + "; probing every "
                    + settings.circuitProbeInterval().toMillis() + " ms");
        }
        if (refused == null && route != null && !view.loaded() && settings.pinnedZone() == null) {
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
    <T> CompletableFuture<T> runWrite(Registry.Route route, Duration timeout, boolean sync,
            Function<Ctx, CompletableFuture<T>> body) {
        Throwable stale = staleRegistry(route);
        if (stale != null) {
            return CompletableFuture.failedFuture(stale);
        }
        return run(route, timeout, sync, body);
    }

    /** Why a write may not be routed by the current registry reading (it is too old), or null. */
    private Throwable staleRegistry(Registry.Route route) {
        Registry.View v = view;
        if (settings.pinnedZone() == null && v.loaded()) {
            long age = System.nanoTime() - v.readAtNanos();
            if (age > settings.maxRegistryAge().toNanos()) {
                stats.rejected.increment();
                return new HearthException("the tenant registry was last read "
                        + TimeUnit.NANOSECONDS.toMillis(age) + " ms ago (more than maxRegistryAge "
                        + settings.maxRegistryAge().toMillis() + " ms): tenant " + route.tenant() + " may have "
                        + "moved since, so writes wait for a fresh reading");
            }
        }
        return null;
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
        stats.latencyNanos(System.nanoTime() - ctx.start);
        if (e == null) {
            breaker.onSuccess();
            return;
        }
        Throwable c = unwrap(e);
        if (c instanceof HearthTimeoutException) {
            stats.timeouts.increment();
            onUnreachable();
        } else {
            stats.errors.increment();
            if (isConnectivity(c)) {
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
                scheduler.execute(() -> LOG.warning(msg));
            } catch (RejectedExecutionException closing) {
                LOG.log(Level.FINE, msg, closing);
            }
        }
    }

    private <T> void completeOnCallback(CompletableFuture<T> f, T value, Throwable error) {
        if (Thread.currentThread() instanceof HearthThread t && t.kind == ThreadKind.CALLBACK) {
            complete(f, value, error);
        } else {
            try {
                callbacks.execute(() -> complete(f, value, error));
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
            Function<ClientCache<String, byte[]>, IgniteClientFuture<T>> call, Expiry expiry) {
        CompletableFuture<T> out = new CompletableFuture<>();
        attemptInto(out, ctx, zone, idempotent, call, expiry, 0);
        return out;
    }

    static boolean inCompletion() {
        return IN_COMPLETION.get()[0];
    }

    /**
     * Wraps the configured retry policy (Ignite's failover to another node within one call): it may run only on the
     * client's own threads that are allowed to block ({@link ThreadKind#MAY_BLOCK}: io, probe, registry). Failing
     * over may connect to node after node and wait for each handshake: on a caller's thread that runs far past a
     * deadline when every node is gone, and on Ignite's network thread (inside a completion, {@link #INLINE}) it
     * waits for a handshake that only that same thread can read. Refused, the failure reaches
     * {@link #onAttemptFailure}, which retries idempotent steps from the io threads within the
     * deadline, as for every other lost answer. Decided by the thread's class, not a thread-local flag: the lookup
     * would run on every call, and on threads Ignite has used it is slow (its many thread-locals crowd the map).
     */
    static final class BlockingThreadsOnlyRetryPolicy implements ClientRetryPolicy {
        private final ClientRetryPolicy delegate;

        BlockingThreadsOnlyRetryPolicy(ClientRetryPolicy delegate) {
            this.delegate = delegate;
        }

        @Override
        public boolean shouldRetry(ClientRetryPolicyContext context) {
            return Thread.currentThread() instanceof HearthThread t && t.kind == ThreadKind.MAY_BLOCK
                    && !inCompletion() && delegate != null && delegate.shouldRetry(context);
        }
    }

    private <T> void attemptInto(CompletableFuture<T> out, Ctx ctx, String zone, boolean idempotent,
            Function<ClientCache<String, byte[]>, IgniteClientFuture<T>> call, Expiry expiry, int tries) {
        if (ctx.remaining() <= 0) {
            out.completeExceptionally(new HearthTimeoutException("deadline passed"));
            return;
        }
        Caches c = cachesFor(zone);
        if (c == null) {
            out.completeExceptionally(new HearthException("not connected to the Hearth cluster"));
            return;
        }
        Runnable send = () -> {
            IgniteClientFuture<T> f;
            try {
                f = call.apply(c.with(expiry));
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
        // Always from the io threads, never the caller's: Ignite's async calls are not always quick to return. On a
        // topology change the first call fetches the partition map with a blocking request to each node in turn, and
        // a call on a closed channel reconnects and waits for the handshake, each up to the request timeout (which
        // is the deadline by default); nor from inside a completion, which runs on Ignite's network thread.
        try {
            io.execute(send);
        } catch (RejectedExecutionException e) {
            out.completeExceptionally(closed ? new HearthException("client is closed")
                    : new HearthException("client overloaded: too many requests queued"));
        }
    }

    private <T> void onAttemptFailure(CompletableFuture<T> out, Ctx ctx, String zone, boolean idempotent,
            Function<ClientCache<String, byte[]>, IgniteClientFuture<T>> call, Expiry expiry, int tries,
            Throwable e) {
        Throwable c = unwrap(e);
        long remaining = ctx.remaining();
        if (idempotent && isConnectivity(c) && remaining > MIN_RETRY_NANOS && !closed) {
            stats.retries.increment();
            // Back off a little: a refused connection fails in microseconds and would otherwise spin.
            long backoff = Math.min(remaining / 2, TimeUnit.MILLISECONDS.toNanos(Math.min(20, 1L << Math.min(tries, 4))));
            try {
                scheduler.schedule(() -> attemptInto(out, ctx, zone, idempotent, call, expiry, tries + 1), backoff,
                        TimeUnit.NANOSECONDS);
                return;
            } catch (RejectedExecutionException ignored) {
                // closed: fall through
            }
        }
        out.completeExceptionally(c);
    }

    /** Maps Ignite's and the JDK's failures onto the client's exception types. */
    static Throwable mapFailure(Throwable e) {
        Throwable c = unwrap(e);
        if (c instanceof HearthException || c instanceof IllegalArgumentException
                || c instanceof NullPointerException || c instanceof Error) {
            return c;
        }
        if (isTimeout(c)) {
            HearthTimeoutException t = new HearthTimeoutException("no answer from the cluster in time: " + c);
            t.initCause(c);
            return t;
        }
        if (isConnectivity(c)) {
            return new HearthException("Hearth cluster unreachable: " + c.getMessage(), c);
        }
        return new HearthException("cache operation failed: " + c, c);
    }

    static Throwable unwrap(Throwable e) {
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    static boolean isTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TimeoutException || t instanceof HearthTimeoutException) {
                return true;
            }
            String m = t.getMessage();
            if (t instanceof ClientException && m != null && m.contains("Timeout was reached")) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /** True for failures that mean "no answer from the cluster" (worth a retry, and counted by the breaker). */
    static boolean isConnectivity(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ClientConnectionException || t instanceof IOException
                    || t instanceof TimeoutException || t instanceof HearthTimeoutException) {
                return true;
            }
            String m = t.getMessage();
            if (t instanceof ClientException && m != null && (m.contains("Timeout was reached")
                    || m.contains("closed") || m.contains("onnect"))) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- probing

    private void probe() {
        if (closed) {
            return;
        }
        if (!breaker.tryStartProbe()) {
            return;
        }
        try {
            if (ignite == null) {
                connect();
            }
            Duration probeTimeout = settings.requestTimeout().compareTo(Duration.ofMillis(500)) > 0
                    ? settings.requestTimeout() : Duration.ofMillis(500);
            Ctx ctx = new Ctx(probeTimeout);
            // Any zone will do, and an answer that is an error (say, the zone does not exist) still is an answer.
            String zone = settings.pinnedZone() != null ? settings.pinnedZone() : view.placement().zoneOf(":probe");
            // Through the read path, failover included: with one node frozen, the probe key's primary may be that
            // node, and a probe asking only it would keep the circuit open until the node is dropped or wakes.
            CompletableFuture<byte[]> f = readRaw(ctx, zone, StorageKeys.PROBE_KEY);
            boolean reachable;
            try {
                f.get(probeTimeout.toMillis() + 50, TimeUnit.MILLISECONDS);
                reachable = true;
            } catch (ExecutionException e) {
                reachable = !isConnectivity(unwrap(e)) && ignite != null;
                if (!reachable) {
                    throw e;
                }
            }
            if (!view.loaded()) {
                refreshRegistry(); // the cluster is back: do not wait for the poller to learn where tenants go
            }
            breaker.onProbe(reachable);
            LOG.info("Hearth client: cluster reachable again; circuit closed");
        } catch (Exception e) {
            LOG.log(Level.FINE, "probe failed", e);
            breaker.onProbe(false);
        }
    }

    // ---------------------------------------------------------------- the tenant registry

    /**
     * Reads the whole registry (a scan of a small replicated cache) and replaces the view. On failure the last view
     * stays and the failure is counted. Runs on the poller thread (and once in the constructor and after a probe).
     *
     * @return whether the registry was read
     */
    boolean refreshRegistry() {
        IgniteClient c = ignite;
        if (closed) {
            return false;
        }
        synchronized (registryLock) { // the poller, the constructor and the prober may all call this
            long scanStart = System.nanoTime();
            try {
                if (c == null) {
                    throw new HearthException("not connected");
                }
                Map<String, Object> entries = viaNodeLinks();
                try {
                    if (entries == null) {
                        entries = scanRegistry(c);
                    }
                } catch (RuntimeException scanFailed) {
                    if (isConnectivity(scanFailed) || c.cacheNames().contains(CacheNames.REGISTRY)) {
                        throw scanFailed;
                    }
                    // Nodes from before the registry: there is nothing to route by.
                    if (view.exists() || !view.loaded()) {
                        LOG.info("Hearth client: the cluster has no tenant registry (cache " + CacheNames.REGISTRY
                                + "); every tenant goes to zone " + Registry.DEFAULT_ZONE + " and is active");
                    }
                    view = Registry.absent(view, System.currentTimeMillis(), scanStart);
                    stats.registryRefreshes.increment();
                    registryFailing = false;
                    return true;
                }
                view = Registry.parse(entries, view, System.currentTimeMillis(), scanStart, (key, why) -> {
                    if (!registryFailing) {
                        LOG.warning("Hearth client: registry record " + key + " is not valid (" + why
                                + "); it keeps its previous reading");
                    }
                });
                stats.registryRefreshes.increment();
                if (registryFailing) {
                    LOG.info("Hearth client: the tenant registry is readable again");
                }
                registryFailing = view.badRecords() > 0;
                return true;
            } catch (RuntimeException e) {
                stats.registryRefreshFailures.increment();
                if (!registryFailing) {
                    LOG.log(Level.WARNING, "Hearth client: cannot read the tenant registry (cache " + CacheNames.REGISTRY
                            + "); keeping the reading of " + (view.loaded() ? view.readAtMillis() + " (unix ms)"
                            : "never") + " and retrying every " + settings.registryRefreshInterval().toMillis()
                            + " ms", e);
                    registryFailing = true;
                } else {
                    LOG.log(Level.FINE, "registry read failed", e);
                }
                return false;
            }
        }
    }

    private static Map<String, Object> scanRegistry(IgniteClient c) {
        Map<String, Object> entries = new java.util.HashMap<>();
        ClientCache<String, Object> cache = c.cache(CacheNames.REGISTRY);
        try (QueryCursor<javax.cache.Cache.Entry<String, Object>> cursor = cache.query(new ScanQuery<String, Object>())) {
            for (javax.cache.Cache.Entry<String, Object> e : cursor) {
                entries.put(e.getKey(), e.getValue());
            }
        }
        return entries;
    }

    /**
     * The registry as scanned on every node at once through the per-node connections, the first complete answer;
     * null if that failed or there are no such connections (then the main client scans). The registry is replicated,
     * so each node scans its own copy: a frozen node holds up only its own scan, and the poller waits at most the
     * request timeout plus a margin, never for the frozen node. Through the main client alone, a scan sent to a
     * frozen node took the whole request timeout each round, and the reading aged past maxRegistryAge, refusing
     * every write for as long as the node was frozen.
     */
    private Map<String, Object> viaNodeLinks() {
        if (links == null) {
            return null;
        }
        CompletableFuture<Map<String, Object>> any = links.anyNode(ClientCore::scanRegistry);
        try {
            return any.get(requestTimeoutMillis() + 200L, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            LOG.log(Level.FINE, "registry scan through the per-node connections failed; trying the main client", e);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    // ---------------------------------------------------------------- raw steps used by the tenant handles

    CompletableFuture<byte[]> readRaw(Ctx ctx, String zone, String sk) {
        return failingOver(ctx, attempt(ctx, zone, true, c -> c.getAsync(sk), null), (out, failed) -> {
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
            primaries = attempt(ctx, zone, true, c -> c.getAsync(only), null).thenApply(v -> {
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
                each[i++] = attempt(ctx, zone, true, c -> c.getAsync(sk), null).thenAccept(v -> {
                    if (v != null) {
                        found.put(sk, v);
                    }
                });
            }
            primaries = CompletableFuture.allOf(each).thenApply(x -> new java.util.HashMap<>(found));
        }
        return failingOver(ctx, primaries,
                (out, failed) -> links.hedge(CacheNames.zoneCache(zone), sks, out, failed));
    }

    /**
     * Read failover: if {@code primary} (the read sent to the key's primary copy) has no answer after
     * {@code readFailoverAfter}, {@code hedge} sends the same read to the other nodes ({@link NodeLinks}); the first
     * answer wins. Fails when the primary and every hedged read failed.
     *
     * @param hedge sends the read, completing its first argument with an answer or calling its second once if no
     *     node answered; returns 1 if it sent the read, 0 if not
     */
    private <T> CompletableFuture<T> failingOver(Ctx ctx, CompletableFuture<T> primary,
            java.util.function.BiFunction<CompletableFuture<T>, Consumer<Throwable>, Integer> hedge) {
        if (links == null || primary.isDone()) {
            return primary;
        }
        CompletableFuture<T> out = new CompletableFuture<>();
        // Reads still waiting for an answer: the primary plus each hedged one; the last failure fails the read.
        AtomicInteger pending = new AtomicInteger(1);
        java.util.concurrent.atomic.AtomicReference<Throwable> firstFailure =
                new java.util.concurrent.atomic.AtomicReference<>();
        Consumer<Throwable> failed = e -> {
            firstFailure.compareAndSet(null, e);
            if (pending.decrementAndGet() == 0) {
                out.completeExceptionally(firstFailure.get());
            }
        };
        primary.whenComplete((r, e) -> {
            if (e == null) {
                out.complete(r);
            } else {
                failed.accept(e);
            }
        });
        failoverTimer.add(out, () -> {
            if (out.isDone() || ctx.remaining() <= 0 || closed) {
                return;
            }
            // Held up by a large count while sending, so that early failures cannot fail the read too soon.
            final int hold = 1 << 20;
            if (pending.getAndAdd(hold) == 0) {
                return; // already failed
            }
            CompletableFuture<T> hedged = new CompletableFuture<>();
            hedged.whenComplete((r, e) -> {
                if (e == null && out.complete(r)) {
                    stats.readFailoverAnswers.increment();
                }
            });
            int sent = hedge.apply(hedged, failed);
            if (sent > 0) {
                stats.readFailovers.increment();
            }
            if (pending.addAndGet(sent - hold) == 0) {
                out.completeExceptionally(firstFailure.get());
            }
        });
        return out;
    }

    /**
     * Fires each read's failover once its budget has passed without an answer. One thread and a FIFO queue (every
     * read has the same budget, so the queue is in due order): adding costs one CAS, where a scheduled executor's
     * heap took a lock per read.
     */
    final class FailoverTimer {
        private final long budgetNanos;
        private final java.util.concurrent.ConcurrentLinkedQueue<Due> queue =
                new java.util.concurrent.ConcurrentLinkedQueue<>();
        private final Thread thread;
        private volatile boolean stopped;

        private record Due(long atNanos, CompletableFuture<?> read, Runnable fire) {
        }

        FailoverTimer(long budgetNanos) {
            this.budgetNanos = budgetNanos;
            this.thread = new HearthThread(this::loop, "hearth-failover-timer", ThreadKind.OTHER);
            thread.start();
        }

        void add(CompletableFuture<?> read, Runnable fire) {
            queue.add(new Due(System.nanoTime() + budgetNanos, read, fire));
        }

        private void loop() {
            // Wakes at most every 2 ms under load: reads due within the same 2 ms fail over together.
            final long minPark = TimeUnit.MILLISECONDS.toNanos(2);
            while (!stopped) {
                Due d = queue.peek();
                if (d == null) {
                    java.util.concurrent.locks.LockSupport.parkNanos(Math.max(minPark, budgetNanos));
                    continue;
                }
                long wait = d.atNanos() - System.nanoTime();
                if (wait > 0 && !d.read().isDone()) {
                    java.util.concurrent.locks.LockSupport.parkNanos(Math.max(minPark, wait));
                    continue;
                }
                queue.poll();
                if (!d.read().isDone()) {
                    try {
                        d.fire().run();
                    } catch (RuntimeException e) {
                        LOG.log(Level.WARNING, "read failover failed to start", e);
                    }
                }
            }
        }

        void stop() {
            stopped = true;
            java.util.concurrent.locks.LockSupport.unpark(thread);
        }
    }

    CompletableFuture<Void> putRaw(Ctx ctx, String zone, String sk, byte[] bytes, Expiry expiry) {
        return attempt(ctx, zone, true, c -> c.putAsync(sk, bytes), expiry);
    }

    CompletableFuture<Boolean> putIfAbsentRaw(Ctx ctx, String zone, String sk, byte[] bytes, Expiry expiry) {
        return attempt(ctx, zone, true, c -> c.putIfAbsentAsync(sk, bytes), expiry);
    }

    CompletableFuture<Boolean> replaceRaw(Ctx ctx, String zone, boolean idempotent, String sk, byte[] old,
            byte[] bytes, Expiry expiry) {
        return attempt(ctx, zone, idempotent, c -> c.replaceAsync(sk, old, bytes), expiry);
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
        return CompletableFuture.supplyAsync(work, loads);
    }

    /**
     * Blocks for a sync view: never past {@code startNanos} (taken before the operation was started: sending may
     * already have used part of the time) plus the deadline plus a margin.
     */
    static <T> T await(long startNanos, CompletableFuture<T> f, Duration timeout) {
        if (f.isDone() && !f.isCompletedExceptionally()) {
            return f.getNow(null); // answered before the caller started waiting
        }
        if (f.isDone()) {
            // Already failed (open circuit, unavailable tenant): no ExecutionException, whose stack trace costs more
            // than the whole rejection.
            Throwable[] error = new Throwable[1];
            T value = f.handle((r, e) -> {
                error[0] = e;
                return r;
            }).getNow(null);
            if (error[0] != null) {
                throw rethrow(error[0]);
            }
            return value;
        }
        try {
            long wait = startNanos + timeout.toNanos() + SYNC_MARGIN_NANOS - System.nanoTime();
            return f.get(Math.max(0, wait), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            HearthTimeoutException late = new HearthTimeoutException("no answer within the deadline of "
                    + timeout.toMillis() + " ms");
            if (f.completeExceptionally(late)) {
                throw late;
            }
            return awaitDone(f); // answered just now
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HearthException("interrupted", e);
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    private static <T> T awaitDone(CompletableFuture<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HearthException("interrupted", e);
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    /** Blocks without a deadline (getOrLoad waits for its loader). */
    static <T> T awaitLoad(CompletableFuture<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HearthException("interrupted", e);
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    static RuntimeException rethrow(Throwable c) {
        c = unwrap(c);
        if (c instanceof RuntimeException r) {
            return r;
        }
        if (c instanceof Error err) {
            throw err;
        }
        return new HearthException(String.valueOf(c), c);
    }

    // ---------------------------------------------------------------- threads

    /** What a client thread is for: code asks its own thread's class, not a (slow) thread-local. */
    enum ThreadKind {
        /** Runs user callbacks of the async view. */
        CALLBACK,
        /** May wait on the network (connect, handshake): Ignite's failover may run here. */
        MAY_BLOCK,
        /** Timers and loaders. */
        OTHER
    }

    static final class HearthThread extends Thread {
        final ThreadKind kind;

        HearthThread(Runnable r, String name, ThreadKind kind) {
            super(r, name);
            this.kind = kind;
            setDaemon(true);
        }
    }

    static ThreadFactory daemonFactory(String prefix, ThreadKind kind) {
        AtomicInteger n = new AtomicInteger();
        return r -> new HearthThread(r, prefix + "-" + n.incrementAndGet(), kind);
    }

    private static ThreadPoolExecutor pool(String prefix, int threads,
            java.util.concurrent.BlockingQueue<Runnable> queue, ThreadKind kind) {
        ThreadPoolExecutor p = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, queue,
                daemonFactory(prefix, kind));
        p.allowCoreThreadTimeOut(true);
        return p;
    }
}
