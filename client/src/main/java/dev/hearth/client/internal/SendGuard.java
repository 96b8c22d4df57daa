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

    private final Object channel;
    private final Object affinity;
    private final boolean partitionAware;
    private final MethodHandle holders;
    private final MethodHandle nodeChannels;
    private final MethodHandle holderChannel;
    private final MethodHandle holderClosing;
    private final MethodHandle channelClosed;
    private final MethodHandle updateRequired;
    private final MethodHandle cacheId;

    private SendGuard(Object channel, Object affinity, boolean partitionAware, MethodHandle holders,
            MethodHandle nodeChannels, MethodHandle holderChannel, MethodHandle holderClosing,
            MethodHandle channelClosed, MethodHandle updateRequired, MethodHandle cacheId) {
        this.channel = channel;
        this.affinity = affinity;
        this.partitionAware = partitionAware;
        this.holders = holders;
        this.nodeChannels = nodeChannels;
        this.holderChannel = holderChannel;
        this.holderClosing = holderClosing;
        this.channelClosed = channelClosed;
        this.updateRequired = updateRequired;
        this.cacheId = cacheId;
    }

    /** A guard over {@code client}'s channels, or null (logged) if this Ignite's internals are not the expected. */
    static SendGuard of(IgniteClient client) {
        try {
            MethodHandles.Lookup me = MethodHandles.lookup();
            Class<?> tcpClient = Class.forName(PKG + "TcpIgniteClient");
            Class<?> reliable = Class.forName(PKG + "ReliableChannel");
            Class<?> holder = Class.forName(PKG + "ReliableChannel$ClientChannelHolder");
            Class<?> clientChannel = Class.forName(PKG + "ClientChannel");
            Class<?> affinityCtx = Class.forName(PKG + "ClientCacheAffinityContext");
            Class<?> tcpCache = Class.forName(PKG + "TcpClientCache");
            MethodHandles.Lookup inClient = MethodHandles.privateLookupIn(tcpClient, me);
            Object channel = inClient.findVirtual(tcpClient, "reliableChannel", MethodType.methodType(reliable))
                    .invoke(client);
            MethodHandles.Lookup inReliable = MethodHandles.privateLookupIn(reliable, me);
            Object affinity = inReliable.findVirtual(reliable, "affinityContext", MethodType.methodType(affinityCtx))
                    .invoke(channel);
            boolean partitionAware = (boolean) inReliable.findGetter(reliable, "partitionAwarenessEnabled",
                    boolean.class).invoke(channel);
            MethodHandles.Lookup inHolder = MethodHandles.privateLookupIn(holder, me);
            SendGuard g = new SendGuard(channel, affinity, partitionAware,
                    inReliable.findVirtual(reliable, "getChannelHolders", MethodType.methodType(List.class)),
                    inReliable.findVirtual(reliable, "getNodeChannels", MethodType.methodType(Map.class)),
                    inHolder.findGetter(holder, "ch", clientChannel),
                    inHolder.findGetter(holder, "close", boolean.class),
                    MethodHandles.privateLookupIn(clientChannel, me).findVirtual(clientChannel, "closed",
                            MethodType.methodType(boolean.class)),
                    MethodHandles.privateLookupIn(affinityCtx, me).findVirtual(affinityCtx,
                            "affinityUpdateRequired", MethodType.methodType(boolean.class, int.class)),
                    MethodHandles.privateLookupIn(tcpCache, me).findGetter(tcpCache, "cacheId", int.class));
            // Every handle once, so that a mismatch shows here and not as a guard that is never quiet.
            g.allOpen((Collection<?>) g.holders.invoke(channel));
            g.allOpen(((Map<?, ?>) g.nodeChannels.invoke(channel)).values());
            return g;
        } catch (Throwable e) {
            LOG.warn("Hearth client: sendFromCaller is on, but this Ignite thin client's internals are not those of "
                    + "ignite-core 2.17.0; every call is sent from an io thread instead", e);
            return null;
        }
    }

    /** The cache id Ignite routes {@code cache}'s calls by, or 0 if {@code cache} is not Ignite's thin-client cache. */
    int cacheId(ClientCache<?, ?> cache) {
        try {
            return (int) cacheId.invoke(cache);
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
            if (cacheId == 0 || (partitionAware && (boolean) updateRequired.invoke(affinity, cacheId))) {
                return false;
            }
            if (!allOpen((Collection<?>) holders.invoke(channel))) {
                return false;
            }
            // With no node channels yet, Ignite sends by the default channel, which allOpen has checked.
            return !partitionAware || allOpen(((Map<?, ?>) nodeChannels.invoke(channel)).values());
        } catch (Throwable e) {
            return false;
        }
    }

    private boolean allOpen(Collection<?> hs) throws Throwable {
        for (Object h : hs) {
            if ((boolean) holderClosing.invoke(h)) {
                return false;
            }
            Object ch = holderChannel.invoke(h);
            if (ch == null || (boolean) channelClosed.invoke(ch)) {
                return false;
            }
        }
        return true;
    }
}
