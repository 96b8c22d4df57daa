package dev.hearth.client.internal;

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
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.ignite.Ignition;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.ClientRetryNonePolicy;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.client.IgniteClientFuture;
import org.apache.ignite.configuration.ClientConfiguration;

/**
 * One thin-client connection per node (one address each, partition awareness off), for reads around a node that does
 * not answer. The main client sends a get to the key's primary; when the primary is frozen (a paused process, a cut
 * link: it stays in the cluster until failure detection drops it, 10 s) that get gets no answer. The same get sent to
 * every other node is answered by the node that holds a backup copy: zone caches read from backups, so an owner
 * answers from its own copy. A node that holds no copy asks an owner, maybe the frozen one: hence every node, and the
 * first answer wins.
 *
 * <p>Connections are made in the background (connecting waits for a handshake, up to the request timeout), never on
 * a caller's thread; a node not connected yet is skipped and connected for next time.
 */
final class NodeLinks implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(NodeLinks.class.getName());
    /** Do not reconnect to a node more often than this: a dead node refuses at once, and would be retried per read. */
    private static final long RECONNECT_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final List<Link> links = new ArrayList<>();
    /**
     * Sends the hedged requests and connects: Ignite sends from the calling thread and, on a closed channel,
     * reconnects there first; so a node being reconnected holds up only this pool's thread, never a caller or the
     * main client's io threads.
     */
    private final ThreadPoolExecutor pool;
    private volatile boolean closed;

    /** A connection to one node, made on demand. */
    private final class Link {
        final String address;
        volatile IgniteClient client;
        final AtomicBoolean connecting = new AtomicBoolean();
        volatile long lastAttemptNanos = System.nanoTime() - RECONNECT_PAUSE_NANOS;
        /** Cache handles of this link, by cache name (a handle costs no network call). */
        final Map<String, ClientCache<String, byte[]>> caches = new java.util.concurrent.ConcurrentHashMap<>();

        Link(String address) {
            this.address = address;
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
                        .setAsyncContinuationExecutor(ClientCore.INLINE)
                        .setRetryPolicy(new ClientRetryNonePolicy())
                        .setReconnectThrottlingPeriod(0)
                        .setReconnectThrottlingRetries(0);
                IgniteClient c = Ignition.startClient(cfg);
                synchronized (NodeLinks.this) {
                    if (closed) {
                        c.close();
                        return;
                    }
                    client = c;
                }
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "read failover: cannot connect to " + address, e);
            } finally {
                connecting.set(false);
            }
        }

        ClientCache<String, byte[]> cache(IgniteClient c, String name) {
            return caches.computeIfAbsent(name, c::cache);
        }
    }

    private final int requestTimeoutMillis;
    private final Consumer<ClientConfiguration> customizer;

    NodeLinks(List<String> addresses, int requestTimeoutMillis, Consumer<ClientConfiguration> customizer) {
        this.requestTimeoutMillis = requestTimeoutMillis;
        this.customizer = customizer;
        for (String a : new java.util.LinkedHashSet<>(addresses)) {
            links.add(new Link(a));
        }
        int threads = Math.max(2, 2 * links.size());
        this.pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(16_384),
                ClientCore.daemonFactory("hearth-failover", ClientCore.ThreadKind.MAY_BLOCK));
        this.pool.allowCoreThreadTimeOut(true);
    }

    /** Connects to every node in the background, so that the first failover finds the connections made. */
    void warm() {
        links.forEach(Link::clientOrConnect);
    }

    /**
     * Sends {@code call} to every connected node's cache {@code cacheName}; the first success completes {@code out}.
     *
     * @return how many nodes it was sent to (or queued for)
     */
    <T> int hedge(String cacheName, Function<ClientCache<String, byte[]>, IgniteClientFuture<T>> call,
            CompletableFuture<T> out, Consumer<Throwable> onFailure) {
        int sent = 0;
        for (Link l : links) {
            IgniteClient c = l.clientOrConnect();
            if (c == null) {
                continue;
            }
            try {
                pool.execute(() -> {
                    if (out.isDone()) {
                        return;
                    }
                    IgniteClientFuture<T> f;
                    try {
                        f = call.apply(l.cache(c, cacheName));
                    } catch (RuntimeException e) {
                        onFailure.accept(e);
                        return;
                    }
                    f.whenComplete((r, e) -> {
                        if (e == null) {
                            out.complete(r);
                        } else {
                            onFailure.accept(e);
                        }
                    });
                });
                sent++;
            } catch (RejectedExecutionException e) {
                // the pool is full: this node is not asked this time
            }
        }
        return sent;
    }

    /**
     * Every key of {@code keys} read by a hedged get of its own (a getAll sent to one node would ask the frozen node
     * for the keys it holds no copy of); completes when each key has an answer, fails when one key had none.
     */
    CompletableFuture<Map<String, byte[]>> hedgeAll(String cacheName, Set<String> keys) {
        CompletableFuture<Map<String, byte[]>> out = new CompletableFuture<>();
        Map<String, byte[]> found = new HashMap<>();
        AtomicInteger left = new AtomicInteger(keys.size());
        if (keys.isEmpty()) {
            out.complete(found);
            return out;
        }
        for (String k : keys) {
            CompletableFuture<byte[]> one = new CompletableFuture<>();
            AtomicInteger pending = new AtomicInteger(Integer.MAX_VALUE);
            Consumer<Throwable> failed = e -> {
                if (pending.decrementAndGet() == 0) {
                    one.completeExceptionally(e);
                }
            };
            int sent = hedge(cacheName, c -> c.getAsync(k), one, failed);
            if (pending.addAndGet(sent - Integer.MAX_VALUE) == 0) {
                one.completeExceptionally(new IllegalStateException("no other node connected"));
            }
            one.whenComplete((v, e) -> {
                if (e != null) {
                    out.completeExceptionally(e);
                    return;
                }
                boolean last;
                synchronized (found) {
                    if (v != null) {
                        found.put(k, v);
                    }
                    last = left.decrementAndGet() == 0;
                }
                if (last) {
                    Map<String, byte[]> copy;
                    synchronized (found) {
                        copy = new HashMap<>(found);
                    }
                    out.complete(copy);
                }
            });
        }
        return out;
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
        pool.shutdownNow();
        for (IgniteClient c : open) {
            try {
                c.close();
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "closing a read-failover connection", e);
            }
        }
    }

    /** Runs a blocking step on every connected node at once, for the registry scan; first success wins. */
    <T> CompletableFuture<T> anyNode(Function<IgniteClient, T> step) {
        CompletableFuture<T> out = new CompletableFuture<>();
        AtomicInteger pending = new AtomicInteger(Integer.MAX_VALUE);
        int sent = 0;
        for (Link l : links) {
            IgniteClient c = l.clientOrConnect();
            if (c == null) {
                continue;
            }
            try {
                pool.execute(() -> {
                    try {
                        out.complete(step.apply(c));
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
