package dev.hearth.node.ignite;

import dev.hearth.node.membership.Members;
import dev.hearth.node.membership.MembersJson;
import dev.hearth.node.membership.Membership;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.CacheAtomicityMode;
import org.apache.ignite.cache.CacheMode;
import org.apache.ignite.cache.CacheWriteSynchronizationMode;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.configuration.CacheConfiguration;
import org.apache.ignite.events.EventType;
import org.apache.ignite.internal.IgniteEx;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Feeds {@link Membership} from Ignite: the server nodes of each new topology, the records peers brought when they
 * started (their {@link NodeAttributes#MEMBERS} attribute), and a cluster-wide copy of the record in a small
 * replicated cache, through which a node that joins learns members that are down at the time, and a node that was
 * down during a forget learns of it.
 */
public final class IgniteMembership {
    private static final Logger LOG = LogManager.getLogger(IgniteMembership.class);
    public static final String CACHE = "hearth-membership";
    private static final String KEY = "members";
    private static final long TIMEOUT_MS = 2_000;
    private static final long RESYNC_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Ignite ignite;
    private final Membership membership;
    private volatile long seenTopologyVersion = -1;
    private long lastSyncNanos = System.nanoTime() - RESYNC_NANOS;
    private final Object topologyLock = new Object();

    public IgniteMembership(Ignite ignite, Membership membership) {
        this.ignite = ignite;
        this.membership = membership;
        // Every read of the view first takes in a topology it has not seen: status, readiness, safety and the
        // memcached write path never answer from a view older than Ignite's own (a poll a second behind, or
        // delayed by a slow sync, showed a just-started cluster as missing a node in CI).
        membership.refreshWith(this::refresh);
    }

    /** The replicated cache of the cluster-wide record: in the system region, with no topology validator. */
    public static CacheConfiguration<String, String> cacheConfig() {
        return new CacheConfiguration<String, String>(CACHE)
                .setCacheMode(CacheMode.REPLICATED)
                .setAtomicityMode(CacheAtomicityMode.ATOMIC)
                .setWriteSynchronizationMode(CacheWriteSynchronizationMode.FULL_SYNC)
                .setDataRegionName(Zones.SYSTEM_REGION);
    }

    public Membership membership() {
        return membership;
    }

    /**
     * Takes in Ignite's current topology if it has not yet: cheap when nothing changed (one volatile read), never
     * waits on the cluster, so any thread may call it.
     */
    public void refresh() {
        if (ignite.cluster().topologyVersion() == seenTopologyVersion) {
            return;
        }
        boolean membersChanged;
        synchronized (topologyLock) {
            long v = ignite.cluster().topologyVersion();
            if (v == seenTopologyVersion) {
                return;
            }
            Members before = membership.members();
            observe();
            seenTopologyVersion = v; // after observe: a reader that sees this version sees its servers
            membersChanged = !membership.members().equals(before);
        }
        if (membersChanged) {
            ZoneValidation.revalidate((IgniteEx) ignite);
        }
    }

    /**
     * Takes in a new topology, if there is one, and keeps the cluster-wide copy in step. Call periodically from one
     * thread; blocks at most a few seconds.
     */
    public synchronized void poll() {
        long seen = seenTopologyVersion;
        refresh();
        boolean changed = seenTopologyVersion != seen;
        Members before = membership.members();
        if (changed || System.nanoTime() - lastSyncNanos > RESYNC_NANOS) {
            sync();
        }
        if (!membership.members().equals(before)) {
            ZoneValidation.revalidate((IgniteEx) ignite);
        }
    }

    /**
     * Runs {@code action} on Ignite's discovery notification thread after every server or client joins, leaves or
     * fails, once the new topology is in place. The action must not block: it should hand {@link #poll} to another
     * thread. Without it a poll interval passes before status, readiness and the split watch see the new topology,
     * and a cluster just started looked split in that interval.
     */
    public void onTopologyChange(Runnable action) {
        ignite.events().localListen(evt -> {
            action.run();
            return true;
        }, EventType.EVT_NODE_JOINED, EventType.EVT_NODE_LEFT, EventType.EVT_NODE_FAILED);
    }

    /**
     * Forgets {@code name} here and in the cluster-wide copy (the operator sends it to every node).
     *
     * @see Membership#forget
     */
    public synchronized Members forget(String name) {
        Members m = membership.forget(name);
        sync();
        ZoneValidation.revalidate((IgniteEx) ignite);
        return m;
    }

    private void observe() {
        Map<String, String> servers = new LinkedHashMap<>();
        for (ClusterNode n : ignite.cluster().forServers().nodes()) {
            Object name = n.attribute(NodeAttributes.NAME);
            if (name == null) {
                continue;
            }
            servers.put(name.toString(), adminAddress(n));
            Object record = n.attribute(NodeAttributes.MEMBERS);
            if (record != null) {
                try {
                    membership.merge(MembersJson.decode(record.toString()));
                } catch (IllegalArgumentException e) {
                    LOG.warn("Node {} published an unreadable members record: {}", name, e.getMessage());
                }
            }
        }
        if (membership.observe(servers)) {
            LOG.info("Expected members: {} (generation {})", membership.members().admins().keySet(),
                    membership.members().generation());
        }
    }

    /** Where peers reach a node's admin port: its bind address, or its first non-loopback address if it binds all. */
    static String adminAddress(ClusterNode n) {
        Object port = n.attribute(NodeAttributes.ADMIN_PORT);
        if (!(port instanceof Number p) || p.intValue() <= 0) {
            return "";
        }
        Object host = n.attribute(NodeAttributes.ADMIN_HOST);
        String h = host == null ? "" : host.toString();
        if (h.isEmpty() || h.equals("0.0.0.0") || h.equals("::") || h.equals("[::]")) {
            h = "";
            for (String a : n.addresses()) {
                boolean loopback = a.startsWith("127.") || a.equals("0:0:0:0:0:0:0:1");
                if (!loopback) {
                    h = a;
                    break;
                }
                if (h.isEmpty()) {
                    h = a;
                }
            }
        }
        if (h.isEmpty()) {
            return "";
        }
        return (h.contains(":") ? "[" + h + "]" : h) + ":" + p.intValue();
    }

    private void sync() {
        lastSyncNanos = System.nanoTime();
        IgniteCache<String, String> cache = ignite.cache(CACHE);
        if (cache == null) {
            return;
        }
        try {
            String stored = cache.getAsync(KEY).get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            if (stored != null) {
                membership.merge(MembersJson.decode(stored));
            }
            String mine = MembersJson.encode(membership.members());
            if (stored == null) {
                cache.putIfAbsentAsync(KEY, mine).get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            } else if (!mine.equals(stored)) {
                cache.replaceAsync(KEY, stored, mine).get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            }
        } catch (RuntimeException e) {
            // The copy is only a courier between nodes; the next round tries again.
            LOG.debug("Could not sync the cluster-wide members record: {}", e.toString());
        }
    }
}
