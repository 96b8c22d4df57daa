package dev.hearth.client;

import dev.hearth.client.internal.ClientCore;
import dev.hearth.client.internal.JvmAccess;
import dev.hearth.client.internal.TlsSettings;
import dev.hearth.tls.ClientTls;
import dev.hearth.tls.PemException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import org.apache.ignite.configuration.ClientConfiguration;

/**
 * Builds a {@link HearthClient} ({@link HearthClient#builder()}). Every setting has a default except
 * {@link #addresses}.
 */
public final class HearthClientBuilder {
    private final List<String> addresses = new ArrayList<>();
    private Duration timeout = Duration.ofMillis(100);
    private Duration requestTimeout;
    private String zone;
    private Duration registryRefreshInterval = Duration.ofSeconds(1);
    private Duration maxRegistryAge = Duration.ofSeconds(3);
    private int ioThreads = 4;
    private int callbackThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
    private int maxConcurrentLoads = 16;
    private int maxQueuedLoads = 10_000;
    private int circuitFailureThreshold = 5;
    private Duration circuitProbeInterval = Duration.ofMillis(250);
    private Duration staleWhileRevalidate = Duration.ZERO;
    private Duration staleIfError = Duration.ZERO;
    private Duration nearCacheTtl = Duration.ZERO;
    private long nearCacheMaxEntries = 10_000;
    private TenantAvailability availability = TenantAvailability.ALWAYS;
    private Duration readFailoverAfter;
    private Boolean sendFromCaller;
    private int maxValueSize = DEFAULT_MAX_VALUE_SIZE;
    private Path tlsCaFile;
    private Path tlsCertFile;
    private Path tlsKeyFile;
    private boolean tls;
    private SSLContext tlsContext;
    private final List<OperationListener> listeners = new ArrayList<>();
    private Ticker ticker = Ticker.system();
    private Clock clock = Clock.systemUTC();

    /** See {@link #maxValueSize}: the nodes' default {@code memcached.maxItemSize}. */
    public static final int DEFAULT_MAX_VALUE_SIZE = 1 << 20;

    /** See {@link #readFailoverAfter}. */
    public static final Duration DEFAULT_READ_FAILOVER_AFTER = Duration.ofMillis(100);

    HearthClientBuilder() {
    }

    /** The thin-client addresses ({@code host:port}) of the cluster's nodes; give all of them. Required. */
    public HearthClientBuilder addresses(String... addresses) {
        return addresses(Arrays.asList(addresses));
    }

    /** @see #addresses(String...) */
    public HearthClientBuilder addresses(Collection<String> addresses) {
        addresses.forEach(a -> this.addresses.add(Objects.requireNonNull(a, "address")));
        return this;
    }

    /** Default deadline of every operation (100 ms). Override per call with {@link TenantCache#withTimeout}. */
    public HearthClientBuilder timeout(Duration timeout) {
        this.timeout = positive(timeout, "timeout");
        return this;
    }

    /**
     * How long one attempt waits for a node's answer before it is abandoned and, if time is left, retried
     * (Ignite's {@code ClientConfiguration.setTimeout}, also its connection handshake timeout). Default: the
     * {@link #timeout} deadline.
     */
    public HearthClientBuilder requestTimeout(Duration requestTimeout) {
        this.requestTimeout = positive(requestTimeout, "requestTimeout");
        return this;
    }

    /**
     * Pins every tenant to one zone's cache ({@code hearth-zone-<zone>}), overriding the tenant registry's
     * placement, tenant records and moves; maintenance states from the registry still apply. Meant for tests and
     * single-zone setups. Default: not pinned, each tenant goes where the registry says.
     */
    public HearthClientBuilder zone(String zone) {
        this.zone = Objects.requireNonNull(zone, "zone");
        if (zone.isEmpty()) {
            throw new IllegalArgumentException("zone must not be empty");
        }
        return this;
    }

    /**
     * How often the client re-reads the tenant registry (zones of tenants, moves, maintenance); 1 s. A change
     * made with hearthctl reaches this client within about this interval. Reads happen on a background thread;
     * a failed read keeps the previous reading ({@link ClientStats#registryRefreshFailures}).
     */
    public HearthClientBuilder registryRefreshInterval(Duration interval) {
        this.registryRefreshInterval = positive(interval, "registryRefreshInterval");
        return this;
    }

    /**
     * Writes are refused ({@link HearthException}) while the client's reading of the tenant registry is older
     * than this (3 s; at least twice {@link #registryRefreshInterval}): a tenant may have started moving since,
     * and a write by the old reading could be lost. The nodes wait longer than this after a move begins before
     * they copy the tenant's keys. Reads go on with the old reading. Pinned clients ({@link #zone}) are exempt.
     */
    public HearthClientBuilder maxRegistryAge(Duration age) {
        this.maxRegistryAge = positive(age, "maxRegistryAge");
        return this;
    }

    /** Threads that hand requests to Ignite (4). They never run user code. */
    public HearthClientBuilder ioThreads(int n) {
        this.ioThreads = atLeastOne(n, "ioThreads");
        return this;
    }

    /**
     * Threads that complete the async view's futures, so that callbacks attached to them never run on Ignite's
     * network thread; default max(2, cores). The blocking view does not use them: its caller is woken by the
     * thread that received the answer.
     */
    public HearthClientBuilder callbackThreads(int n) {
        this.callbackThreads = atLeastOne(n, "callbackThreads");
        return this;
    }

    /**
     * The largest value, in bytes after the codec, that a write stores (1 MiB, the nodes' default
     * {@code memcached.maxItemSize}; set it to the nodes' value when that is changed). A write of a larger value
     * fails with {@link IllegalArgumentException} naming the size and this limit before anything is sent (the
     * nodes bound what a zone stores by the same setting, and their refusal reaches a thin client only as
     * "Failed to update keys"); an append or prepend whose result would be larger fails the same way and leaves
     * the value as it was; a loaded value that is larger is returned by {@code getOrLoad} and not cached.
     */
    public HearthClientBuilder maxValueSize(int bytes) {
        this.maxValueSize = atLeastOne(bytes, "maxValueSize");
        return this;
    }

    /** At most this many loaders run at once, client-wide (16); further loads wait in a queue. */
    public HearthClientBuilder maxConcurrentLoads(int n) {
        this.maxConcurrentLoads = atLeastOne(n, "maxConcurrentLoads");
        return this;
    }

    /** Loads waiting for a slot (10,000); beyond that {@code getOrLoad} fails with {@link LoadException}. */
    public HearthClientBuilder maxQueuedLoads(int n) {
        this.maxQueuedLoads = atLeastOne(n, "maxQueuedLoads");
        return this;
    }

    /**
     * The circuit opens after this many consecutive operations failed for lack of an answer (timeouts,
     * connection failures); 5. Any success resets the count.
     */
    public HearthClientBuilder circuitFailureThreshold(int n) {
        this.circuitFailureThreshold = atLeastOne(n, "circuitFailureThreshold");
        return this;
    }

    /** While the circuit is open, a background probe checks the cluster this often (250 ms). */
    public HearthClientBuilder circuitProbeInterval(Duration interval) {
        this.circuitProbeInterval = positive(interval, "circuitProbeInterval");
        return this;
    }

    /**
     * For {@code getOrLoad}: keep values this much longer than their TTL, and answer with a value older than its
     * TTL at once while a background load refreshes it. Default 0 (off). Values so kept are also returned by
     * {@code get} (to every client of the tenant) until TTL + window.
     */
    public HearthClientBuilder staleWhileRevalidate(Duration window) {
        this.staleWhileRevalidate = notNegative(window, "staleWhileRevalidate");
        return this;
    }

    /**
     * For {@code getOrLoad}: keep values this much longer than their TTL, and answer with a value older than its
     * TTL when the loader fails. Default 0 (off).
     */
    public HearthClientBuilder staleIfError(Duration window) {
        this.staleIfError = notNegative(window, "staleIfError");
        return this;
    }

    /**
     * Turns on a near cache (Caffeine, in this JVM) for {@code get}, {@code gets} and {@code getOrLoad}: a value
     * read or loaded here is served locally for up to {@code ttl}. Writes through this client invalidate it;
     * writes by other clients are seen only after {@code ttl}. Off by default.
     */
    public HearthClientBuilder nearCache(Duration ttl, long maxEntries) {
        this.nearCacheTtl = positive(ttl, "nearCache ttl");
        if (maxEntries < 1) {
            throw new IllegalArgumentException("nearCache maxEntries must be positive");
        }
        this.nearCacheMaxEntries = maxEntries;
        return this;
    }

    /** The maintenance hook, consulted on every operation (default: every tenant available). */
    public HearthClientBuilder availability(TenantAvailability availability) {
        this.availability = Objects.requireNonNull(availability, "availability");
        return this;
    }

    /**
     * Read failover: a read (get, getAll, gets, getOrLoad's lookup, the read step of incr, cas, append, ...)
     * whose primary copy has not answered after this budget is also sent to every other node, and the first
     * answer wins: a node that holds a backup copy answers from it. This is what keeps reads answering while a
     * node is frozen (a paused process, a cut link), which the cluster notices only after its failure detection
     * timeout (10 s). Default 100 ms; {@link Duration#ZERO} turns it off (no per-node connections are made).
     * A budget at or beyond an operation's deadline never fires for it. Writes do not fail over: a write to an
     * unresponsive primary fails at its deadline ({@link HearthTimeoutException}). Each node gets one extra
     * connection for this, made in the background.
     *
     * @throws IllegalStateException if already set on this builder
     */
    public HearthClientBuilder readFailoverAfter(Duration budget) {
        if (readFailoverAfter != null) {
            throw new IllegalStateException("readFailoverAfter is already set (" + readFailoverAfter + ")");
        }
        this.readFailoverAfter = notNegative(budget, "readFailoverAfter");
        return this;
    }

    /**
     * Whether a get or a put is sent from its caller's thread, straight on the connection to the key's primary node,
     * when the partition map is current and that connection open. On by default; off, every call is handed to one of
     * the {@link #ioThreads}.
     *
     * <p>Ignite's own async calls can block their caller: the first call after a topology change fetches the
     * partition map (a blocking request to each node in turn), and a call on a closed connection reconnects and waits
     * for the handshake, each for up to {@link #requestTimeout}. So every call that may meet those steps is written
     * from an io thread, and its caller only waits for the answer, up to its deadline. That hand-off costs a thread
     * wake-up per call: measured side by side on 2 cores with 16 callers, 12-18% of the raw thin client's throughput
     * (docs/benchmarks.md). A get or a put sent directly goes to the primary's open connection without entering those
     * steps at all (it reads the partition map and the connection's state, and queues the request to Ignite's network
     * thread), and where it cannot (map not current, connection closed or not yet made) it goes to the io threads
     * at once: the deadline holds on this path as on the other. Retries, other operations, calls made from callbacks
     * or loaders and the client's own threads always use the io threads; {@link ClientStats#sentFromCaller} counts
     * the direct sends. Needs ignite-core 2.17.0's internals (read by method handles, no JVM flag); with other
     * internals the client logs a warning and uses the io threads for everything.
     *
     * @throws IllegalStateException if already set on this builder
     */
    public HearthClientBuilder sendFromCaller(boolean on) {
        if (sendFromCaller != null) {
            throw new IllegalStateException("sendFromCaller is already set (" + sendFromCaller + ")");
        }
        this.sendFromCaller = on;
        return this;
    }

    /**
     * Connects over TLS, trusting nodes whose certificate chains to {@code caFile} (PEM; null: the JVM's default
     * trust store). For a cluster with {@code tls.enabled}. Such a cluster also requires a client certificate:
     * use {@link #tls(Path, Path, Path)}.
     */
    public HearthClientBuilder tls(Path caFile) {
        return tls(caFile, null, null);
    }

    /**
     * Connects over TLS (Ignite's {@code SslMode.REQUIRED}), trusting nodes whose certificate chains to
     * {@code caFile}, and presenting {@code certFile} with its key {@code keyFile} (PEM; the key unencrypted
     * PKCS#8, RSA or EC): the application's certificate, signed by the cluster CA, that a node with
     * {@code tls.caFile} demands. The files are read by {@link #build}.
     *
     * @throws IllegalArgumentException if only one of {@code certFile} and {@code keyFile} is given
     */
    public HearthClientBuilder tls(Path caFile, Path certFile, Path keyFile) {
        if (tls) {
            throw new IllegalStateException("tls is already set");
        }
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException("tls: a client certificate and its key go together (got "
                    + (certFile == null ? "only the key " + keyFile : "only the certificate " + certFile) + ")");
        }
        this.tls = true;
        this.tlsCaFile = caFile;
        this.tlsCertFile = certFile;
        this.tlsKeyFile = keyFile;
        return this;
    }

    /**
     * Connects over TLS with a context the application made itself (keys from a keystore, an HSM or a secrets
     * manager; trust as it decides), in place of {@link #tls(Path, Path, Path)}'s PEM files. The context must trust
     * the nodes' certificates and, for a cluster with {@code tls.caFile}, present a certificate the cluster CA signed.
     *
     * @throws IllegalStateException if TLS is already set on this builder
     */
    public HearthClientBuilder tls(SSLContext context) {
        Objects.requireNonNull(context, "context");
        if (tls) {
            throw new IllegalStateException("tls is already set");
        }
        this.tls = true;
        this.tlsContext = context;
        return this;
    }

    /**
     * Adds a listener that hears the start and the end of every operation (metrics, tracing); see
     * {@link OperationListener}. Listeners are called in the order added. None by default, and then observing costs
     * nothing.
     */
    public HearthClientBuilder addListener(OperationListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /**
     * The time source for deadlines, latencies and the registry reading's age ({@link Ticker#system()}); tests
     * inject a fake one to make time pass without waiting.
     */
    public HearthClientBuilder ticker(Ticker ticker) {
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        return this;
    }

    /**
     * The wall clock TTLs are counted from and against which {@code getOrLoad} tells a fresh value from a stale
     * one ({@link Clock#systemUTC()}). Expiry itself happens on the nodes, by their clocks: a test that moves this
     * clock ahead makes values look older to this client without waiting, while the nodes keep them.
     */
    public HearthClientBuilder clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    /**
     * Starts the client. If no node can be reached now, the client still starts, with its circuit open: its
     * operations fail fast (and {@code getOrLoad} serves from the loader) until a background probe connects.
     *
     * @throws IllegalArgumentException if no address was given
     * @throws IllegalStateException if the JVM lacks {@code --add-opens=java.base/java.nio=ALL-UNNAMED}, the one
     *     flag Ignite's thin client needs (the message says where it may go)
     */
    public HearthClient build() {
        JvmAccess.check();
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("no addresses: give every node's host:thinClientPort");
        }
        if (maxRegistryAge.compareTo(registryRefreshInterval.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("maxRegistryAge (" + maxRegistryAge + ") must be at least twice "
                    + "registryRefreshInterval (" + registryRefreshInterval + ")");
        }
        // No logger for Ignite's thin client (it then logs nothing): given one, it logged each failed reconnect as a
        // WARN with a stack trace, thousands per minute while a node was down, from the io threads, on the
        // deadline's path. The client's own WARNs (circuit opened, registry unreadable) report those events once.
        Consumer<ClientConfiguration> ignite = c -> { };
        if (tls) {
            SSLContext context = tlsContext;
            if (context == null) {
                try {
                    context = ClientTls.context(tlsCaFile, tlsCertFile, tlsKeyFile);
                } catch (PemException e) {
                    throw new IllegalArgumentException("tls: " + e.getMessage(), e);
                }
            }
            ignite = ignite.andThen(TlsSettings.applying(context));
        }
        return new ClientCore(new ClientCore.Settings(List.copyOf(addresses), timeout,
                requestTimeout != null ? requestTimeout : timeout, zone, registryRefreshInterval, maxRegistryAge,
                ioThreads,
                callbackThreads,
                maxConcurrentLoads, maxQueuedLoads, circuitFailureThreshold, circuitProbeInterval,
                staleWhileRevalidate, staleIfError, nearCacheTtl, nearCacheMaxEntries, availability,
                ignite, readFailoverAfter != null ? readFailoverAfter : DEFAULT_READ_FAILOVER_AFTER,
                !Boolean.FALSE.equals(sendFromCaller), maxValueSize, ticker, clock, List.copyOf(listeners)));
    }

    private static Duration positive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive: " + d);
        }
        return d;
    }

    private static Duration notNegative(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative()) {
            throw new IllegalArgumentException(what + " must not be negative: " + d);
        }
        return d;
    }

    private static int atLeastOne(int n, String what) {
        if (n < 1) {
            throw new IllegalArgumentException(what + " must be at least 1: " + n);
        }
        return n;
    }
}
