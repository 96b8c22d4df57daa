package dev.hearth.client.internal;

import dev.hearth.storage.CacheNames;
import dev.hearth.wire.KeyFilter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.ignite.Ignition;
import org.apache.ignite.cache.affinity.rendezvous.RendezvousAffinityFunction;
import org.apache.ignite.cache.query.QueryCursor;
import org.apache.ignite.cache.query.ScanQuery;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.ClientRetryNonePolicy;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.client.IgniteClientFuture;
import org.apache.ignite.configuration.ClientConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thin-client connection per node (one address each, partition awareness off), for reads around a node that does
 * not answer. The main client sends a get to the key's primary copy; when the primary is frozen (a paused process, a
 * cut link: it stays in the cluster until failure detection drops it, 20 s by default) that get gets no answer. The read is
 * then also made on the other nodes, each reading only its own copy: a local scan of the key's partition
 * ({@link ScanQuery#setLocal}, {@link ScanQuery#setPartition}), filtered on the node ({@link KeyFilter}). A node that
 * owns the partition (primary or backup) answers from its copy at once; one that does not refuses ("No queryable
 * nodes for partition").
 *
 * <p>Why not a plain get on the other nodes: a node that holds no copy forwards the get to an owner, maybe the frozen
 * one, and waits for it in one of its 8 thin-client connector threads (zone caches are atomic, whose requests Ignite
 * serves synchronously). Measured: with one of three nodes frozen, a few dozen such gets took all 8 connector threads
 * of both live nodes within half a second, and every request of every client to those nodes then waited too.
 *
 * <p>A local scan that did not find the key proves it absent only if the client computes partitions as the cluster
 * does (Rendezvous affinity, {@link CacheNames#ZONE_PARTITIONS} partitions, the key's {@code String.hashCode}): until
 * a hedged read of a cache found a key where it looked for it, its hedged misses do not answer (the primary still
 * may).
 *
 * <p>Connections are made in the background (connecting waits for a handshake, up to the request timeout), never on
 * a caller's thread; a node not connected yet is skipped and connected for next time. A node that has not answered a
 * hedged read for longer than the failover budget while one is outstanding (the frozen one) is skipped until it
 * answers or its request times out, so that it does not hold up the pool's threads.
 */
final class NodeLinks implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeLinks.class);
    /** Do not reconnect to a node more often than this: a dead node refuses at once, and would be retried per read. */
    private static final long RECONNECT_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private static final int THREADS_PER_NODE = 2;

    private final List<Link> links = new ArrayList<>();
    /** Caches for which a hedged read found its key in the computed partition: their hedged misses are answers. */
    private final Set<String> verified = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final long suspectAfterNanos;
    private volatile boolean closed;

    /** A connection to one node, made on demand. */
    private final class Link {
        final String address;
        volatile IgniteClient client;
        final AtomicBoolean connecting = new AtomicBoolean();
        /**
         * Connects and runs this node's requests (scans are blocking calls). One pool per node: a frozen node's
         * requests wait up to the request timeout each, and in a shared pool they took every thread, so that the
         * live nodes' answers waited behind them.
         */
        final ThreadPoolExecutor pool = new ThreadPoolExecutor(THREADS_PER_NODE, THREADS_PER_NODE, 30,
                TimeUnit.SECONDS, new ArrayBlockingQueue<>(4096),
                ClientThreads.daemonFactory("hearth-failover", ClientThreads.ThreadKind.MAY_BLOCK));
        /**
         * The registry scans' own thread for this node. On the read pool they waited behind the hedged reads of a
         * large getAll (one scan per partition and node: a getAll of 1,234 keys queued about 2,000), the registry
         * reading aged past maxRegistryAge, and every write was refused for a while.
         */
        final ThreadPoolExecutor registryPool = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(4), ClientThreads.daemonFactory("hearth-failover-registry",
                        ClientThreads.ThreadKind.MAY_BLOCK));
        volatile long lastAttemptNanos = System.nanoTime() - RECONNECT_PAUSE_NANOS;
        /**
         * Requests running and not yet settled, and when this node last answered one or, if it was idle, when the
         * first of them started (see {@link #suspect}).
         */
        final AtomicInteger inFlight = new AtomicInteger();
        volatile long lastAnswerNanos = System.nanoTime();
        /** Cache handles of this link, by cache name (a handle costs no network call). */
        final Map<String, ClientCache<String, byte[]>> caches = new java.util.concurrent.ConcurrentHashMap<>();

        Link(String address) {
            this.address = address;
            pool.allowCoreThreadTimeOut(true);
            registryPool.allowCoreThreadTimeOut(true);
        }

        /** The client if connected; otherwise starts connecting in the background and returns null. */
        IgniteClient clientOrConnect() {
            IgniteClient c = client;
            if (c != null || closed) {
                return c;
            }
            if (System.nanoTime() - lastAttemptNanos >= RECONNECT_PAUSE_NANOS && connecting.compareAndSet(false, true)) {
                try {
                    pool.execute(this::connect);
                } catch (RejectedExecutionException e) {
                    connecting.set(false);
                }
            }
            return null;
        }

        private void connect() {
            try {
                lastAttemptNanos = System.nanoTime();
                ClientConfiguration cfg = new ClientConfiguration();
                customizer.accept(cfg); // SSL, authentication; what follows is Hearth's
                cfg.setAddresses(address)
                        .setPartitionAwarenessEnabled(false)
                        .setTimeout(requestTimeoutMillis)
                        .setAsyncContinuationExecutor(ClientThreads.INLINE)
                        .setRetryPolicy(new ClientRetryNonePolicy())
                        .setReconnectThrottlingPeriod(0)
                        .setReconnectThrottlingRetries(0);
                IgniteClient c = Ignition.startClient(cfg);
                // A class's first marshalling registers its name cluster-wide through discovery, which a frozen node
                // holds up until it is dropped: the first failed-over read after a freeze then waited for it, and
                // the circuit opened (FrozenNodeReadFailoverIT). Registered here, while the cluster answers.
                try {
                    c.binary().toBinary(new KeyFilter<>(Set.of("")));
                } catch (RuntimeException e) {
                    c.close();
                    throw e;
                }
                synchronized (NodeLinks.this) {
                    if (closed) {
                        c.close();
                        return;
                    }
                    client = c;
                }
            } catch (RuntimeException e) {
                LOG.debug("read failover: cannot connect to " + address, e);
            } finally {
                connecting.set(false);
            }
        }

        ClientCache<String, byte[]> cache(IgniteClient c, String name) {
            return caches.computeIfAbsent(name, c::cache);
        }

        /** Has had a request outstanding and no answer for longer than the budget: frozen, most likely. */
        boolean suspect() {
            return inFlight.get() > 0 && System.nanoTime() - lastAnswerNanos > suspectAfterNanos;
        }

        /** Runs a blocking request to this node, keeping {@link #suspect}'s books. */
        <T> T call(Function<IgniteClient, T> step, IgniteClient c) {
            if (inFlight.getAndIncrement() == 0) {
                // Idle until now: the wait for an answer starts here, not at the last answer (which may be old).
                lastAnswerNanos = System.nanoTime();
            }
            try {
                T r = step.apply(c);
                lastAnswerNanos = System.nanoTime();
                return r;
            } catch (RuntimeException e) {
                if (!Failures.isTimeout(e)) {
                    lastAnswerNanos = System.nanoTime(); // an error is an answer
                }
                throw e;
            } finally {
                inFlight.decrementAndGet();
            }
        }
    }

    private final int requestTimeoutMillis;
    private final Consumer<ClientConfiguration> customizer;

    NodeLinks(List<String> addresses, int requestTimeoutMillis, Consumer<ClientConfiguration> customizer,
            long suspectAfterNanos) {
        this.requestTimeoutMillis = requestTimeoutMillis;
        this.suspectAfterNanos = suspectAfterNanos;
        this.customizer = customizer;
        for (String a : new java.util.LinkedHashSet<>(addresses)) {
            links.add(new Link(a));
        }
    }

    /** Connects to every node in the background, so that the first failover finds the connections made. */
    void warm() {
        links.forEach(Link::clientOrConnect);
    }

    /** The partition of a storage key, as the zone caches' Rendezvous affinity computes it. */
    static int partition(String sk) {
        return RendezvousAffinityFunction.calculatePartition(sk, CacheNames.ZONE_PARTITIONS - 1,
                CacheNames.ZONE_PARTITIONS);
    }

    /**
     * Reads {@code keys} from each connected node's own copy at once (keys grouped by partition, one local scan per
     * partition and node); completes with the values found (absent keys left out) once every partition has an
     * owner's answer; fails once some partition has none from any node (each node asked either refused, failed or
     * found nothing in a cache not yet verified).
     *
     * @return 1 if the read was sent ({@code onFailure} is then called at most once), 0 if no node was connected
     *     and trusted (nothing sent)
     */
    int hedge(String cacheName, Set<String> keys, CompletableFuture<Map<String, byte[]>> out,
            Consumer<Throwable> onFailure) {
        Map<Integer, Set<String>> byPartition = new HashMap<>();
        for (String k : keys) {
            byPartition.computeIfAbsent(partition(k), p -> new java.util.HashSet<>()).add(k);
        }
        List<Link> asked = new ArrayList<>();
        for (Link l : links) {
            if (l.clientOrConnect() != null && !l.suspect()) {
                asked.add(l);
            }
        }
        if (asked.isEmpty() || byPartition.isEmpty()) {
            if (byPartition.isEmpty()) {
                out.complete(new HashMap<>());
            }
            return byPartition.isEmpty() ? 1 : 0;
        }
        Map<String, byte[]> found = new java.util.concurrent.ConcurrentHashMap<>();
        AtomicInteger partitionsLeft = new AtomicInteger(byPartition.size());
        AtomicBoolean failed = new AtomicBoolean();
        for (Map.Entry<Integer, Set<String>> e : byPartition.entrySet()) {
            int part = e.getKey();
            Set<String> wanted = e.getValue();
            AtomicBoolean answered = new AtomicBoolean();
            AtomicInteger pending = new AtomicInteger(asked.size());
            for (Link l : asked) {
                IgniteClient c = l.client;
                Runnable task = () -> {
                    if (out.isDone() || answered.get()) {
                        return;
                    }
                    Map<String, byte[]> got;
                    try {
                        got = l.call(cl -> scan(l.cache(cl, cacheName), part, wanted), c);
                    } catch (RuntimeException ex) {
                        lostOne(ex, pending, failed, out, onFailure);
                        return;
                    }
                    if (got.size() < wanted.size() && !verified.contains(cacheName)) {
                        lostOne(new IllegalStateException("not found in partition " + part + " (not verified)"),
                                pending, failed, out, onFailure);
                        return;
                    }
                    if (!got.isEmpty()) {
                        verified.add(cacheName);
                    }
                    if (answered.compareAndSet(false, true)) {
                        found.putAll(got);
                        if (partitionsLeft.decrementAndGet() == 0) {
                            out.complete(new HashMap<>(found));
                        }
                    }
                };
                try {
                    l.pool.execute(task);
                } catch (RejectedExecutionException ex) {
                    lostOne(ex, pending, failed, out, onFailure);
                }
            }
        }
        return 1;
    }

    /** One node's read of one partition failed; the last one to fail fails the hedge (once). */
    private static void lostOne(Throwable e, AtomicInteger pending, AtomicBoolean failed,
            CompletableFuture<?> out, Consumer<Throwable> onFailure) {
        if (pending.decrementAndGet() == 0 && failed.compareAndSet(false, true) && !out.isDone()) {
            onFailure.accept(e);
        }
    }

    /**
     * The wanted keys found in this node's own copy of partition {@code part} (refused if it holds none). The node
     * filters ({@link KeyFilter}): only the wanted entries cross the network, not the partition.
     */
    private static Map<String, byte[]> scan(ClientCache<String, byte[]> cache, int part, Set<String> wanted) {
        Map<String, byte[]> got = new HashMap<>();
        ScanQuery<String, byte[]> q = new ScanQuery<String, byte[]>(new KeyFilter<>(wanted)).setPartition(part)
                .setLocal(true);
        try (QueryCursor<javax.cache.Cache.Entry<String, byte[]>> cursor = cache.query(q)) {
            for (javax.cache.Cache.Entry<String, byte[]> e : cursor) {
                if (wanted.contains(e.getKey())) {
                    got.put(e.getKey(), e.getValue());
                    if (got.size() == wanted.size()) {
                        break;
                    }
                }
            }
        }
        return got;
    }

    @Override
    public void close() {
        List<IgniteClient> open = new ArrayList<>();
        synchronized (this) {
            closed = true;
            for (Link l : links) {
                if (l.client != null) {
                    open.add(l.client);
                }
            }
        }
        links.forEach(l -> {
            l.pool.shutdownNow();
            l.registryPool.shutdownNow();
        });
        for (IgniteClient c : open) {
            try {
                c.close();
            } catch (RuntimeException e) {
                LOG.debug("closing a read-failover connection", e);
            }
        }
    }

    /**
     * Runs a blocking step on every connected node at once, for the registry scan, on the nodes' registry threads
     * (never behind hedged reads); first success wins.
     */
    <T> CompletableFuture<T> anyNode(Function<IgniteClient, T> step) {
        CompletableFuture<T> out = new CompletableFuture<>();
        AtomicInteger pending = new AtomicInteger(Integer.MAX_VALUE);
        int sent = 0;
        for (Link l : links) {
            IgniteClient c = l.clientOrConnect();
            if (c == null || l.suspect()) {
                continue;
            }
            try {
                l.registryPool.execute(() -> {
                    try {
                        out.complete(l.call(step, c));
                    } catch (RuntimeException e) {
                        if (pending.decrementAndGet() == 0) {
                            out.completeExceptionally(e);
                        }
                    }
                });
                sent++;
            } catch (RejectedExecutionException e) {
                // not asked this time
            }
        }
        if (pending.addAndGet(sent - Integer.MAX_VALUE) == 0) {
            out.completeExceptionally(new IllegalStateException("no node connected for read failover"));
        }
        return out;
    }
}
