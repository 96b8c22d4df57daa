package dev.hearth.client.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.ClientException;
import org.apache.ignite.client.IgniteClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a single-key get or put from its caller's thread, straight on the open connection to the key's primary node,
 * or answers null at once when it cannot do so without waiting.
 *
 * <p>Why not Ignite's own async call from the caller: in ignite-core 2.17.0 it goes through {@code ReliableChannel},
 * which can block its caller (it fetches the partition map with a blocking request to each node in turn after a
 * topology change, connects and waits for the handshake on a closed channel, and takes locks that a reconnecting
 * thread holds). Reading that state just before the call, as this client's earlier {@code sendFromCaller} did, left a
 * window in which the call still blocked. This class never enters {@code ReliableChannel}'s paths: it reads the
 * partition map and the node's channel (plain reads of Ignite's state, no locks), and only when the map is current
 * and the channel open does it hand the request to that channel ({@code TcpClientChannel.serviceAsync}: a request id,
 * the request written into a buffer and queued to Ignite's network thread; the channel's own lock is held only by
 * its close, for as long as it takes to fail its pending requests). Everything else, and every call this class
 * declines, goes through the client's io threads as before.
 *
 * <p>The request is written by the cache handle's own methods ({@code TcpClientCache.writeCacheInfo}, {@code
 * writeObject}, {@code readObject}), so its format, flags and expiry policy are exactly those of Ignite's
 * {@code getAsync} and {@code putAsync}; keys and values are {@code String} and {@code byte[]}, which need no binary
 * metadata (that would be a blocking request). A topology change still reaches Ignite: it reads the topology version
 * from every answer on the channel, whoever sent the request. A failed connection is left to the retry, which goes
 * through the io threads and {@code ReliableChannel}, where Ignite notices the closed channel and reconnects.
 *
 * <p>Built for ignite-core 2.17.0, the version this build pins. If its internals differ, {@link #of} logs once and
 * returns null, and every call goes through the io threads.
 */
final class DirectSender {
    private static final Logger LOG = LoggerFactory.getLogger(ClientCore.class);
    private static final String PKG = "org.apache.ignite.internal.client.thin.";

    // Static and of erased types, so that the JIT binds them like direct calls: as instance fields they cost 5% of a
    // loaded client's CPU samples. Null when this Ignite's internals are not the expected (WHY says what differed).
    private static final MethodHandle RELIABLE_CHANNEL;
    private static final MethodHandle AFFINITY_CONTEXT;
    private static final MethodHandle PARTITION_AWARE;
    private static final MethodHandle NODE_CHANNELS;
    private static final MethodHandle HOLDER_CHANNEL;
    private static final MethodHandle HOLDER_CLOSING;
    private static final MethodHandle CHANNEL_CLOSED;
    private static final MethodHandle UPDATE_REQUIRED;
    private static final MethodHandle AFFINITY_NODE;
    private static final MethodHandle CACHE_ID;
    private static final MethodHandle SERVICE_ASYNC;
    private static final MethodHandle WRITE_CACHE_INFO;
    private static final MethodHandle WRITE_OBJECT;
    private static final MethodHandle READ_OBJECT;
    private static final Object OP_GET;
    private static final Object OP_PUT;
    private static final Throwable WHY;

    static {
        MethodHandle[] h = new MethodHandle[14];
        Object get = null;
        Object put = null;
        Throwable why = null;
        try {
            MethodHandles.Lookup me = MethodHandles.lookup();
            Class<?> tcpClient = Class.forName(PKG + "TcpIgniteClient");
            Class<?> reliable = Class.forName(PKG + "ReliableChannel");
            Class<?> holder = Class.forName(PKG + "ReliableChannel$ClientChannelHolder");
            Class<?> clientChannel = Class.forName(PKG + "ClientChannel");
            Class<?> affinityCtx = Class.forName(PKG + "ClientCacheAffinityContext");
            Class<?> tcpCache = Class.forName(PKG + "TcpClientCache");
            Class<?> operation = Class.forName(PKG + "ClientOperation");
            Class<?> payloadOut = Class.forName(PKG + "PayloadOutputChannel");
            Class<?> payloadIn = Class.forName(PKG + "PayloadInputChannel");
            Class<?> tx = Class.forName(PKG + "TcpClientTransactions$TcpClientTransaction");
            MethodHandles.Lookup inReliable = MethodHandles.privateLookupIn(reliable, me);
            MethodHandles.Lookup inHolder = MethodHandles.privateLookupIn(holder, me);
            MethodHandles.Lookup inChannel = MethodHandles.privateLookupIn(clientChannel, me);
            MethodHandles.Lookup inCache = MethodHandles.privateLookupIn(tcpCache, me);
            h[0] = MethodHandles.privateLookupIn(tcpClient, me).findVirtual(tcpClient, "reliableChannel",
                    MethodType.methodType(reliable));
            h[1] = inReliable.findVirtual(reliable, "affinityContext", MethodType.methodType(affinityCtx));
            h[2] = inReliable.findGetter(reliable, "partitionAwarenessEnabled", boolean.class);
            h[3] = inReliable.findVirtual(reliable, "getNodeChannels", MethodType.methodType(Map.class));
            h[4] = inHolder.findGetter(holder, "ch", clientChannel);
            h[5] = inHolder.findGetter(holder, "close", boolean.class);
            h[6] = inChannel.findVirtual(clientChannel, "closed", MethodType.methodType(boolean.class));
            MethodHandles.Lookup inAffinity = MethodHandles.privateLookupIn(affinityCtx, me);
            h[7] = inAffinity.findVirtual(affinityCtx, "affinityUpdateRequired",
                    MethodType.methodType(boolean.class, int.class));
            h[8] = inAffinity.findVirtual(affinityCtx, "affinityNode",
                    MethodType.methodType(java.util.UUID.class, int.class, Object.class));
            h[9] = inCache.findGetter(tcpCache, "cacheId", int.class);
            h[10] = inChannel.findVirtual(clientChannel, "serviceAsync", MethodType.methodType(
                    CompletableFuture.class, operation, Consumer.class, Function.class));
            h[11] = inCache.findVirtual(tcpCache, "writeCacheInfo", MethodType.methodType(void.class, payloadOut, tx));
            h[12] = inCache.findVirtual(tcpCache, "writeObject",
                    MethodType.methodType(void.class, payloadOut, Object.class));
            h[13] = inCache.findVirtual(tcpCache, "readObject", MethodType.methodType(Object.class, payloadIn));
            for (int i = 0; i < h.length; i++) {
                MethodType t = h[i].type();
                MethodType erased = t.changeReturnType(t.returnType().isPrimitive() ? t.returnType() : Object.class);
                for (int p = 0; p < t.parameterCount(); p++) {
                    if (!t.parameterType(p).isPrimitive()) {
                        erased = erased.changeParameterType(p, Object.class);
                    }
                }
                h[i] = h[i].asType(erased);
            }
            get = enumConstant(operation, "CACHE_GET");
            put = enumConstant(operation, "CACHE_PUT");
        } catch (Throwable e) {
            java.util.Arrays.fill(h, null);
            why = e;
        }
        RELIABLE_CHANNEL = h[0];
        AFFINITY_CONTEXT = h[1];
        PARTITION_AWARE = h[2];
        NODE_CHANNELS = h[3];
        HOLDER_CHANNEL = h[4];
        HOLDER_CLOSING = h[5];
        CHANNEL_CLOSED = h[6];
        UPDATE_REQUIRED = h[7];
        AFFINITY_NODE = h[8];
        CACHE_ID = h[9];
        SERVICE_ASYNC = h[10];
        WRITE_CACHE_INFO = h[11];
        WRITE_OBJECT = h[12];
        READ_OBJECT = h[13];
        OP_GET = get;
        OP_PUT = put;
        WHY = why;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object enumConstant(Class<?> type, String name) {
        return Enum.valueOf((Class) type, name);
    }

    private final Map<?, ?> nodeChannels;
    private final Object affinity;

    private DirectSender(Map<?, ?> nodeChannels, Object affinity) {
        this.nodeChannels = nodeChannels;
        this.affinity = affinity;
    }

    /**
     * A sender over {@code client}'s connections, or null (logged) if this Ignite's internals are not the expected or
     * its partition awareness is off (then every call has to go where Ignite's default channel is).
     */
    static DirectSender of(IgniteClient client) {
        try {
            if (WHY != null) {
                throw WHY;
            }
            Object channel = (Object) RELIABLE_CHANNEL.invokeExact((Object) client);
            if (!(boolean) PARTITION_AWARE.invokeExact(channel)) {
                return null;
            }
            // The map Ignite keeps its node channels in, for good: read once, like the affinity context.
            Map<?, ?> nodes = (Map<?, ?>) (Object) NODE_CHANNELS.invokeExact(channel);
            DirectSender s = new DirectSender(nodes, (Object) AFFINITY_CONTEXT.invokeExact(channel));
            // The readings once, so that a mismatch shows here and not as a sender that always declines.
            for (Object holder : nodes.values()) {
                s.open(holder);
            }
            return s;
        } catch (Throwable e) {
            LOG.warn("Hearth client: this Ignite thin client's internals are not those of ignite-core 2.17.0; every "
                    + "call is sent from an io thread (sendFromCaller has no effect)", e);
            return null;
        }
    }

    /** The cache id Ignite routes {@code cache}'s calls by, or 0 if {@code cache} is not Ignite's thin-client cache. */
    static int cacheId(ClientCache<?, ?> cache) {
        try {
            return CACHE_ID == null ? 0 : (int) CACHE_ID.invokeExact((Object) cache);
        } catch (Throwable e) {
            return 0;
        }
    }

    /**
     * Sends {@code call}, if it is a get or a put ({@link IgniteCall.Get}, {@link IgniteCall.Put}: the two calls that
     * carry an API server's load), on {@code cache} (the handle whose flags and expiry policy the request carries) to
     * the key's primary node, without waiting for anything.
     *
     * @param cacheId {@link #cacheId} of {@code cache}; 0 (unknown) is never sent
     * @return the answer to come (a get's stored bytes or null; a put's null), failed as Ignite's own call would fail;
     *     or null, at once, when it is another call, the partition map is not current or the primary's connection is
     *     not open
     */
    CompletableFuture<Object> send(ClientCache<String, byte[]> cache, int cacheId, IgniteCall<?> call) {
        String key;
        byte[] value;
        if (call instanceof IgniteCall.Get g) {
            key = g.key();
            value = null;
        } else if (call instanceof IgniteCall.Put p) {
            key = p.key();
            value = p.value();
        } else {
            return null;
        }
        Object ch;
        try {
            if (cacheId == 0 || (boolean) UPDATE_REQUIRED.invokeExact(affinity, cacheId)) {
                return null;
            }
            Object node = (Object) AFFINITY_NODE.invokeExact(affinity, cacheId, (Object) key);
            Object holder = node == null ? null : nodeChannels.get(node);
            ch = holder == null ? null : open(holder);
            if (ch == null) {
                return null;
            }
        } catch (Throwable e) {
            return null;
        }
        boolean get = value == null;
        Consumer<Object> writer = out -> write(cache, out, key, value);
        Function<Object, Object> reader = get ? in -> read(cache, in) : null;
        CompletableFuture<Object> sent;
        try {
            @SuppressWarnings("unchecked")
            CompletableFuture<Object> f = (CompletableFuture<Object>) (Object) SERVICE_ASYNC.invokeExact(ch,
                    get ? OP_GET : OP_PUT, (Object) writer, (Object) reader);
            sent = f;
        } catch (Throwable e) {
            // serviceAsync fails its future rather than throw; only a mismatch of its own type could land here.
            return CompletableFuture.failedFuture(likeIgnite(e));
        }
        return sent;
    }

    /** Whether {@link #send} sends such a call at all (a get or a put), whatever the cluster's state. */
    static boolean sends(IgniteCall<?> call) {
        return call instanceof IgniteCall.Get || call instanceof IgniteCall.Put;
    }

    /**
     * A failure of a direct request as Ignite's own call reports it: {@code ReliableChannel} passes its client
     * exceptions on and wraps anything else (a server's error among them) in a {@link ClientException}.
     */
    static Throwable likeIgnite(Throwable e) {
        Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        return c instanceof ClientException ? c : new ClientException(c);
    }

    /** The holder's channel if it is open and not being closed, else null. */
    private static Object open(Object holder) throws Throwable {
        if ((boolean) HOLDER_CLOSING.invokeExact(holder)) {
            return null;
        }
        Object ch = (Object) HOLDER_CHANNEL.invokeExact(holder);
        return ch == null || (boolean) CHANNEL_CLOSED.invokeExact(ch) ? null : ch;
    }

    /** The request's payload, as Ignite's getAsync ({@code value} null) or putAsync writes it. */
    private static void write(ClientCache<String, byte[]> cache, Object out, String key, byte[] value) {
        try {
            WRITE_CACHE_INFO.invokeExact((Object) cache, out, (Object) null);
            WRITE_OBJECT.invokeExact((Object) cache, out, (Object) key);
            if (value != null) {
                WRITE_OBJECT.invokeExact((Object) cache, out, (Object) value);
            }
        } catch (Throwable e) {
            throw unchecked(e);
        }
    }

    private static Object read(ClientCache<String, byte[]> cache, Object in) {
        try {
            return (Object) READ_OBJECT.invokeExact((Object) cache, in);
        } catch (Throwable e) {
            throw unchecked(e);
        }
    }

    /**
     * What a payload writer or reader throws for {@code e}: Ignite's network thread fails the request with it, so an
     * unchecked failure passes as it is and a checked one (a method handle's declared {@code Throwable}) is wrapped.
     */
    private static RuntimeException unchecked(Throwable e) {
        if (e instanceof Error err) {
            throw err;
        }
        return e instanceof RuntimeException re ? re : new ClientException(e);
    }
}
