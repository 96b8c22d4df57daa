package dev.hearth.client.internal;

import dev.hearth.storage.CacheNames;
import dev.hearth.storage.Expiry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.ignite.Ignition;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.ClientConnectionException;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.client.SslMode;
import org.apache.ignite.configuration.ClientConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's Ignite thin client: made by {@link #connect()} (at start, then by the prober until it succeeds), and
 * the zone caches' handles on it. Once {@link #markClosed() closed} it connects no more. Before it is connected,
 * {@link #client()} and {@link #caches} answer null and {@link #lastFailure()} says why.
 */
final class Connection {
    /** ClientCore's logger, as before the connection had its own class: logging configurations name it. */
    private static final Logger LOG = LoggerFactory.getLogger(ClientCore.class);

    private final List<String> addresses;
    private final int requestTimeoutMillis;
    private final Consumer<ClientConfiguration> igniteCustomizer;
    /** Connecting and closing exclude each other: no client is made after close. */
    private final Object lock = new Object();
    private volatile IgniteClient ignite;
    /** Why the last connection attempt failed (null after a success): said again by operations refused meanwhile. */
    private volatile String lastFailure;
    private volatile boolean closed;
    /** Each zone's cache views, made on first use (a thin-client cache handle costs no network call). */
    private final Map<String, Caches> zoneCaches = new ConcurrentHashMap<>();
    /** The zone caches used last (see {@link #caches}). */
    private volatile Caches lastCaches;
    /** Whether gets and puts may be sent from their caller's thread ({@link DirectSender}). */
    private final boolean sendFromCaller;
    /** Null when {@link #sendFromCaller} is off or this Ignite is not 2.17.0's. */
    private volatile DirectSender direct;

    /** The zone cache and its views with the two fixed expiry policies. */
    record Caches(String zone, ClientCache<String, byte[]> plain, ClientCache<String, byte[]> eternal,
            ClientCache<String, byte[]> keep, int cacheId) {
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

    /**
     * @param igniteCustomizer applied to the Ignite configuration last (TLS, tests), before the retry policy is
     *     wrapped in {@link BlockingThreadsOnlyRetryPolicy}
     */
    Connection(List<String> addresses, int requestTimeoutMillis, Consumer<ClientConfiguration> igniteCustomizer,
            boolean sendFromCaller) {
        this.sendFromCaller = sendFromCaller;
        this.addresses = addresses;
        this.requestTimeoutMillis = requestTimeoutMillis;
        this.igniteCustomizer = igniteCustomizer;
    }

    /**
     * Connects, unless connected or closed already. Blocks up to Ignite's handshake.
     *
     * @throws ClientConnectionException if no node could be reached, with {@link #lastFailure()} as its message
     */
    void connect() {
        synchronized (lock) {
            if (ignite != null || closed) {
                return;
            }
            ClientConfiguration cfg = new ClientConfiguration()
                    .setAddresses(addresses.toArray(new String[0]))
                    .setPartitionAwarenessEnabled(true)
                    .setTimeout(requestTimeoutMillis)
                    .setAsyncContinuationExecutor(ClientThreads.INLINE)
                    // The circuit breaker throttles; Ignite's own throttling would delay recovery by up to 30 s.
                    .setReconnectThrottlingPeriod(0)
                    .setReconnectThrottlingRetries(0);
            igniteCustomizer.accept(cfg);
            cfg.setRetryPolicy(new BlockingThreadsOnlyRetryPolicy(cfg.getRetryPolicy()));
            try {
                IgniteClient c = Ignition.startClient(cfg);
                if (sendFromCaller) {
                    direct = DirectSender.of(c); // before the client is published, so that no call misses it
                }
                ignite = c;
                lastFailure = null;
            } catch (ClientConnectionException e) {
                lastFailure = Failures.connectFailure(e, cfg.getSslMode() == SslMode.REQUIRED);
                throw new ClientConnectionException(lastFailure, e);
            }
        }
    }

    /** The Ignite client, or null while not connected. */
    IgniteClient client() {
        return ignite;
    }

    boolean connected() {
        return ignite != null;
    }

    /** Why the last connection attempt failed, or null. */
    String lastFailure() {
        return lastFailure;
    }

    boolean isClosed() {
        return closed;
    }

    /**
     * {@code zone}'s cache handles, or null while not connected. Most clients use one zone: the last one answers
     * without the map lookup, which showed as 10% of the client's own CPU samples at 64 callers.
     */
    Caches caches(String zone) {
        IgniteClient c = ignite;
        if (c == null) {
            return null;
        }
        Caches last = lastCaches;
        if (last != null && last.zone().equals(zone)) {
            return last;
        }
        Caches x = zoneCaches.get(zone);
        if (x == null) {
            x = zoneCaches.computeIfAbsent(zone, z -> {
                ClientCache<String, byte[]> plain = c.cache(CacheNames.zoneCache(z));
                return new Caches(z, plain, plain.withExpirePolicy(Expiry.ETERNAL),
                        plain.withExpirePolicy(Expiry.KEEP), DirectSender.cacheId(plain));
            });
        }
        lastCaches = x;
        return x;
    }

    /** Whether gets and puts may be sent from their caller's thread at all ({@link #sendDirect}). */
    boolean sendsFromCaller() {
        return direct != null;
    }

    /**
     * Sends a get or a put on {@code caches} with {@code expiry} from the calling thread without waiting for anything
     * ({@link DirectSender#send}), or returns null at once when it cannot.
     */
    CompletableFuture<Object> sendDirect(Caches caches, Expiry expiry, IgniteCall<?> call) {
        DirectSender d = direct;
        // Checked first: a handle with a custom expiry is a new object, not to be made for a call sent elsewhere.
        return d == null || !DirectSender.sends(call) ? null : d.send(caches.with(expiry), caches.cacheId(), call);
    }

    /** Stops connecting; true for the first call only. The Ignite client stays open until {@link #close()}. */
    boolean markClosed() {
        synchronized (lock) {
            if (closed) {
                return false;
            }
            closed = true;
            return true;
        }
    }

    /** Closes the Ignite client, if any; call after {@link #markClosed()}. */
    void close() {
        IgniteClient c = ignite;
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("closing Ignite client", e);
            }
        }
    }
}
