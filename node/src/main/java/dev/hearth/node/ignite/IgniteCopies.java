package dev.hearth.node.ignite;

import dev.hearth.node.integrity.ClusterCopies;
import dev.hearth.node.integrity.Copy;
import dev.hearth.node.integrity.NodeCopies;
import dev.hearth.storage.CacheNames;
import dev.hearth.storage.Envelope;
import dev.hearth.storage.Expiry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.cache.Cache;
import javax.cache.processor.MutableEntry;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.CacheEntryProcessor;
import org.apache.ignite.cache.CachePeekMode;
import org.apache.ignite.cache.affinity.Affinity;
import org.apache.ignite.cache.query.QueryCursor;
import org.apache.ignite.cache.query.ScanQuery;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.internal.IgniteEx;
import org.apache.ignite.lang.IgniteCallable;
import org.apache.ignite.lang.IgniteFuture;
import org.apache.ignite.resources.IgniteInstanceResource;

/**
 * {@link ClusterCopies} over Ignite: affinity says which nodes own a partition (primary first); small compute jobs
 * run on each owner and read its local copies only (a local scan per partition, {@code localPeek} for one key), so
 * every copy is seen as that node stores it, not as a normal read (which would only ever see the primary's).
 * Repairs go through the cache: an entry processor runs on the primary only, and in ATOMIC caches Ignite sends the
 * backups the value it produced, not the processor (Ignite 2.17's {@code GridDhtAtomicUpdateFuture} builds its
 * backup requests with {@code forceTransformBackups=false}), so every copy ends up with the same bytes.
 */
public final class IgniteCopies implements ClusterCopies {
    private static final long EVICTION_CACHE_MS = 1_000;

    private final Ignite ignite;
    private final Map<String, long[]> evictions = new ConcurrentHashMap<>();

    public IgniteCopies(Ignite ignite) {
        this.ignite = ignite;
    }

    @Override
    public String notVerifiable(String zone) {
        return IgniteNodeStatus.clusterRebalanced((IgniteEx) ignite) ? null
                : "the cluster is rebalancing (partitions are moving between nodes, so copies that have not arrived "
                        + "yet would look missing); verify again once `hearthctl status` shows it rebalanced";
    }

    private Affinity<String> affinity(String zone) {
        return ignite.affinity(CacheNames.zoneCache(zone));
    }

    private IgniteCache<String, byte[]> cache(String zone) {
        IgniteCache<String, byte[]> c = ignite.cache(CacheNames.zoneCache(zone));
        if (c == null) {
            throw new IllegalStateException("zone cache " + CacheNames.zoneCache(zone) + " is not started");
        }
        return c;
    }

    @Override
    public int partitions(String zone) {
        return affinity(zone).partitions();
    }

    @Override
    public List<String> owners(String zone, int partition) {
        List<String> names = new ArrayList<>();
        for (ClusterNode n : affinity(zone).mapPartitionToPrimaryAndBackups(partition)) {
            names.add(n.consistentId().toString());
        }
        return names;
    }

    @Override
    public int partition(String zone, String storageKey) {
        return affinity(zone).partition(storageKey);
    }

    @Override
    public long size(String zone) {
        return cache(zone).sizeLong(CachePeekMode.PRIMARY);
    }

    private ClusterNode node(String name) {
        ClusterNode n = NodeAttributes.server(ignite, name);
        if (n == null) {
            throw new IllegalStateException("node " + name + " left the cluster");
        }
        return n;
    }

    @Override
    public Map<String, NodeCopies> scan(String zone, int[] partitions, Set<String> tenants) {
        Map<String, List<Integer>> byNode = new LinkedHashMap<>();
        for (int p : partitions) {
            for (String owner : owners(zone, p)) {
                byNode.computeIfAbsent(owner, o -> new ArrayList<>()).add(p);
            }
        }
        String[] filter = tenants == null ? null : tenants.toArray(new String[0]);
        Map<String, IgniteFuture<NodeCopies>> pending = new LinkedHashMap<>();
        byNode.forEach((name, parts) -> pending.put(name, ignite.compute(ignite.cluster().forNode(node(name)))
                .callAsync(new ScanJob(CacheNames.zoneCache(zone), parts.stream().mapToInt(Integer::intValue).toArray(),
                        filter))));
        Map<String, NodeCopies> out = new HashMap<>();
        pending.forEach((name, f) -> out.put(name, f.get()));
        return out;
    }

    @Override
    public Map<String, Map<String, byte[]>> read(String zone, java.util.Collection<String> storageKeys) {
        Map<String, List<String>> byNode = new LinkedHashMap<>();
        for (String key : storageKeys) {
            for (String owner : owners(zone, partition(zone, key))) {
                byNode.computeIfAbsent(owner, o -> new ArrayList<>()).add(key);
            }
        }
        Map<String, IgniteFuture<byte[][]>> pending = new LinkedHashMap<>();
        byNode.forEach((name, keys) -> pending.put(name, ignite.compute(ignite.cluster().forNode(node(name)))
                .callAsync(new ReadJob(CacheNames.zoneCache(zone), keys.toArray(new String[0])))));
        Map<String, Map<String, byte[]>> out = new HashMap<>();
        pending.forEach((name, f) -> {
            byte[][] values = f.get();
            List<String> keys = byNode.get(name);
            for (int i = 0; i < values.length; i++) {
                if (values[i] != null) {
                    out.computeIfAbsent(keys.get(i), k -> new HashMap<>()).put(name, values[i]);
                }
            }
        });
        return out;
    }

    @Override
    public long evictedPages(String zone, String node) {
        String k = zone + '\0' + node;
        long now = System.currentTimeMillis();
        long[] cached = evictions.get(k);
        if (cached != null && now - cached[1] < EVICTION_CACHE_MS) {
            return cached[0];
        }
        long pages = ignite.compute(ignite.cluster().forNode(node(node))).call(new EvictionJob(Zones.regionName(zone)));
        evictions.put(k, new long[] {pages, now});
        return pages;
    }

    @Override
    public Map<String, Long> tenantCounts(String zone) {
        Map<String, Long> total = new HashMap<>();
        for (HashMap<String, Long> part : ignite.compute(ignite.cluster().forServers())
                .broadcast(new TenantCountJob(CacheNames.zoneCache(zone)))) {
            part.forEach((t, n) -> total.merge(t, n, Long::sum));
        }
        return total;
    }

    @Override
    public boolean writeBack(String zone, String storageKey, byte[] healthy, long expectedPrimary) {
        long now = System.currentTimeMillis();
        long expireAt = Envelope.expireAt(healthy);
        if (expireAt != 0 && expireAt <= now) {
            return false;
        }
        return cache(zone).withExpiryPolicy(Expiry.of(expireAt, now))
                .invoke(storageKey, new WriteIfUnchanged(healthy, expectedPrimary));
    }

    @Override
    public boolean removeIfUnchanged(String zone, String storageKey, long expectedPrimary) {
        IgniteCache<String, byte[]> cache = cache(zone);
        if (expectedPrimary == Copy.ABSENT) {
            // Removing a key the primary does not hold would not reach the backups' (bad) copies: first give the
            // primary a copy, an empty value that no reader accepts (its checksum cannot match), then remove it.
            if (!cache.invoke(storageKey, new WriteIfUnchanged(PLACEHOLDER, Copy.ABSENT))) {
                return false;
            }
            expectedPrimary = Copy.digest(PLACEHOLDER);
        }
        return cache.invoke(storageKey, new RemoveIfUnchanged(expectedPrimary));
    }

    private static final byte[] PLACEHOLDER = new byte[0];

    /** This node's copies of some partitions (primary or backup: whatever it stores), optionally one tenant's. */
    static final class ScanJob implements IgniteCallable<NodeCopies> {
        private static final long serialVersionUID = 1L;
        @IgniteInstanceResource
        private transient Ignite ignite;
        private final String cacheName;
        private final int[] partitions;
        private final String[] tenants;

        ScanJob(String cacheName, int[] partitions, String[] tenants) {
            this.cacheName = cacheName;
            this.partitions = partitions;
            this.tenants = tenants;
        }

        @Override
        public NodeCopies call() {
            IgniteCache<String, byte[]> cache = ignite.cache(cacheName);
            Set<String> only = tenants == null ? null : new HashSet<>(Arrays.asList(tenants));
            NodeCopies out = new NodeCopies();
            for (int p : partitions) {
                // A local scan of one partition reads this node's own copy of it, primary or backup.
                try (QueryCursor<Cache.Entry<String, byte[]>> cur = cache.query(
                        new ScanQuery<String, byte[]>().setPartition(p).setLocal(true))) {
                    for (Cache.Entry<String, byte[]> e : cur) {
                        if (only == null || only.contains(Copy.tenantOf(e.getKey()))) {
                            out.add(p, e.getKey(), e.getValue());
                        }
                    }
                }
            }
            return out;
        }
    }

    /** This node's copies of some keys (null where it holds none), as it stores them. */
    static final class ReadJob implements IgniteCallable<byte[][]> {
        private static final long serialVersionUID = 1L;
        @IgniteInstanceResource
        private transient Ignite ignite;
        private final String cacheName;
        private final String[] keys;

        ReadJob(String cacheName, String[] keys) {
            this.cacheName = cacheName;
            this.keys = keys;
        }

        @Override
        public byte[][] call() {
            IgniteCache<String, byte[]> cache = ignite.cache(cacheName);
            byte[][] out = new byte[keys.length][];
            for (int i = 0; i < keys.length; i++) {
                out[i] = cache.localPeek(keys[i], CachePeekMode.PRIMARY, CachePeekMode.BACKUP);
            }
            return out;
        }
    }

    /** Pages this node's region evicted since it started. */
    static final class EvictionJob implements IgniteCallable<Long> {
        private static final long serialVersionUID = 1L;
        @IgniteInstanceResource
        private transient Ignite ignite;
        private final String region;

        EvictionJob(String region) {
            this.region = region;
        }

        @Override
        public Long call() {
            var counter = EvictionCounter.install((IgniteEx) ignite, region);
            return counter == null ? 0L : counter.sum();
        }
    }

    /** Entries per tenant among this node's primary copies. */
    static final class TenantCountJob implements IgniteCallable<HashMap<String, Long>> {
        private static final long serialVersionUID = 1L;
        @IgniteInstanceResource
        private transient Ignite ignite;
        private final String cacheName;

        TenantCountJob(String cacheName) {
            this.cacheName = cacheName;
        }

        @Override
        public HashMap<String, Long> call() {
            HashMap<String, Long> out = new HashMap<>();
            for (Cache.Entry<String, byte[]> e : ignite.<String, byte[]>cache(cacheName)
                    .localEntries(CachePeekMode.PRIMARY)) {
                out.merge(Copy.tenantOf(e.getKey()), 1L, Long::sum);
            }
            return out;
        }
    }

    /** On the primary: writes the value only if the primary's copy is still the one expected. */
    static final class WriteIfUnchanged implements CacheEntryProcessor<String, byte[], Boolean> {
        private static final long serialVersionUID = 1L;
        private final byte[] value;
        private final long expected;

        WriteIfUnchanged(byte[] value, long expected) {
            this.value = value;
            this.expected = expected;
        }

        @Override
        public Boolean process(MutableEntry<String, byte[]> entry, Object... args) {
            if (Copy.digest(entry.exists() ? entry.getValue() : null) != expected) {
                return false;
            }
            entry.setValue(value);
            return true;
        }
    }

    /** On the primary: removes the entry (everywhere) only if the primary's copy is still the one expected. */
    static final class RemoveIfUnchanged implements CacheEntryProcessor<String, byte[], Boolean> {
        private static final long serialVersionUID = 1L;
        private final long expected;

        RemoveIfUnchanged(long expected) {
            this.expected = expected;
        }

        @Override
        public Boolean process(MutableEntry<String, byte[]> entry, Object... args) {
            if (!entry.exists() || Copy.digest(entry.getValue()) != expected) {
                return false;
            }
            entry.remove();
            return true;
        }
    }
}
