package dev.hearth.client.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.IgniteClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether one of Ignite's async cache calls would return at once if made now, read from the thin client's internal
 * state: the partition map of the cache is current and every channel is open. Ignite's async call blocks on its
 * caller's thread in exactly two cases (read from ignite-core 2.17.0's {@code ReliableChannel}): it fetches the
 * partition map first when the topology changed ({@code affinityInfoIsUpToDate}, a blocking request to each node in
 * turn), and it connects and waits for the handshake when the channel it picked is closed
 * ({@code ClientChannelHolder.getOrCreateChannel}). With neither pending, the call writes its request and returns.
 *
 * <p>The answer is a reading, not a lock: the topology may change, or a channel close, between {@link #quiet} and the
 * call. Hence opt-in only ({@code HearthClientBuilder.sendFromCaller}, see docs/client.md): by default every call is
 * sent from an io thread, which keeps the deadline whatever Ignite does.
 *
 * <p>Built for ignite-core 2.17.0, the version this build pins. If its internals differ, {@link #of} logs once and
 * returns null, and every call goes through the io threads as without the option.
 */
final class SendGuard {
    private static final Logger LOG = LoggerFactory.getLogger(ClientCore.class);
    private static final String PKG = "org.apache.ignite.internal.client.thin.";

    // Static and of erased types, so that the JIT binds them like direct calls: as instance fields they cost 5% of a
    // loaded client's CPU samples. Null when this Ignite's internals are not the expected (WHY says what differed).
    private static final MethodHandle RELIABLE_CHANNEL;
    private static final MethodHandle AFFINITY_CONTEXT;
    private static final MethodHandle PARTITION_AWARE;
    private static final MethodHandle HOLDERS;
    private static final MethodHandle NODE_CHANNELS;
    private static final MethodHandle HOLDER_CHANNEL;
    private static final MethodHandle HOLDER_CLOSING;
    private static final MethodHandle CHANNEL_CLOSED;
    private static final MethodHandle UPDATE_REQUIRED;
    private static final MethodHandle CACHE_ID;
    private static final Throwable WHY;

    static {
        MethodHandle[] h = new MethodHandle[10];
        Throwable why = null;
        try {
            MethodHandles.Lookup me = MethodHandles.lookup();
            Class<?> tcpClient = Class.forName(PKG + "TcpIgniteClient");
            Class<?> reliable = Class.forName(PKG + "ReliableChannel");
            Class<?> holder = Class.forName(PKG + "ReliableChannel$ClientChannelHolder");
            Class<?> clientChannel = Class.forName(PKG + "ClientChannel");
            Class<?> affinityCtx = Class.forName(PKG + "ClientCacheAffinityContext");
            Class<?> tcpCache = Class.forName(PKG + "TcpClientCache");
            MethodHandles.Lookup inReliable = MethodHandles.privateLookupIn(reliable, me);
            MethodHandles.Lookup inHolder = MethodHandles.privateLookupIn(holder, me);
            h[0] = MethodHandles.privateLookupIn(tcpClient, me).findVirtual(tcpClient, "reliableChannel",
                    MethodType.methodType(reliable));
            h[1] = inReliable.findVirtual(reliable, "affinityContext", MethodType.methodType(affinityCtx));
            h[2] = inReliable.findGetter(reliable, "partitionAwarenessEnabled", boolean.class);
            h[3] = inReliable.findVirtual(reliable, "getChannelHolders", MethodType.methodType(List.class));
            h[4] = inReliable.findVirtual(reliable, "getNodeChannels", MethodType.methodType(Map.class));
            h[5] = inHolder.findGetter(holder, "ch", clientChannel);
            h[6] = inHolder.findGetter(holder, "close", boolean.class);
            h[7] = MethodHandles.privateLookupIn(clientChannel, me).findVirtual(clientChannel, "closed",
                    MethodType.methodType(boolean.class));
            h[8] = MethodHandles.privateLookupIn(affinityCtx, me).findVirtual(affinityCtx, "affinityUpdateRequired",
                    MethodType.methodType(boolean.class, int.class));
            h[9] = MethodHandles.privateLookupIn(tcpCache, me).findGetter(tcpCache, "cacheId", int.class);
            for (int i = 0; i < h.length; i++) {
                MethodType t = h[i].type();
                h[i] = h[i].asType(t.changeReturnType(t.returnType().isPrimitive() ? t.returnType() : Object.class)
                        .changeParameterType(0, Object.class));
            }
        } catch (Throwable e) {
            java.util.Arrays.fill(h, null);
            why = e;
        }
        RELIABLE_CHANNEL = h[0];
        AFFINITY_CONTEXT = h[1];
        PARTITION_AWARE = h[2];
        HOLDERS = h[3];
        NODE_CHANNELS = h[4];
        HOLDER_CHANNEL = h[5];
        HOLDER_CLOSING = h[6];
        CHANNEL_CLOSED = h[7];
        UPDATE_REQUIRED = h[8];
        CACHE_ID = h[9];
        WHY = why;
    }

    private final Object channel;
    private final Object affinity;
    private final boolean partitionAware;

    private SendGuard(Object channel, Object affinity, boolean partitionAware) {
        this.channel = channel;
        this.affinity = affinity;
        this.partitionAware = partitionAware;
    }

    /** A guard over {@code client}'s channels, or null (logged) if this Ignite's internals are not the expected. */
    static SendGuard of(IgniteClient client) {
        try {
            if (WHY != null) {
                throw WHY;
            }
            Object channel = (Object) RELIABLE_CHANNEL.invokeExact((Object) client);
            SendGuard g = new SendGuard(channel, (Object) AFFINITY_CONTEXT.invokeExact(channel),
                    (boolean) PARTITION_AWARE.invokeExact(channel));
            // Every handle once, so that a mismatch shows here and not as a guard that is never quiet.
            g.allOpen((Collection<?>) (Object) HOLDERS.invokeExact(channel));
            g.allOpen(((Map<?, ?>) (Object) NODE_CHANNELS.invokeExact(channel)).values());
            return g;
        } catch (Throwable e) {
            LOG.warn("Hearth client: sendFromCaller is on, but this Ignite thin client's internals are not those of "
                    + "ignite-core 2.17.0; every call is sent from an io thread instead", e);
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
     * True if an async call on the cache with id {@code cacheId} would neither fetch a partition map nor connect if
     * made now; false whenever in doubt (any failure to read the state included).
     *
     * @param cacheId from {@link #cacheId}; 0 (unknown) is never quiet
     */
    boolean quiet(int cacheId) {
        try {
            // Ignite's own check, made one step earlier: true when the topology moved past the partition map or the
            // cache has none yet (in which case it also marks the cache for the next fetch, as the call would).
            if (cacheId == 0 || (partitionAware && (boolean) UPDATE_REQUIRED.invokeExact(affinity, cacheId))) {
                return false;
            }
            if (!allOpen((Collection<?>) (Object) HOLDERS.invokeExact(channel))) {
                return false;
            }
            // With no node channels yet, Ignite sends by the default channel, which allOpen has checked.
            return !partitionAware || allOpen(((Map<?, ?>) (Object) NODE_CHANNELS.invokeExact(channel)).values());
        } catch (Throwable e) {
            return false;
        }
    }

    private static boolean allOpen(Collection<?> hs) throws Throwable {
        for (Object h : hs) {
            if ((boolean) HOLDER_CLOSING.invokeExact(h)) {
                return false;
            }
            Object ch = (Object) HOLDER_CHANNEL.invokeExact(h);
            if (ch == null || (boolean) CHANNEL_CLOSED.invokeExact(ch)) {
                return false;
            }
        }
        return true;
    }
}
