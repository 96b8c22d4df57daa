package dev.hearth.node.ignite;

import dev.hearth.node.HearthVersion;
import dev.hearth.node.config.HearthConfig;
import dev.hearth.node.health.NodeStatus;
import dev.hearth.node.membership.Membership;
import dev.hearth.storage.CacheNames;
import dev.hearth.wire.StopSafety;
import dev.hearth.wire.ZoneStatus;
import dev.hearth.wire.status.LocalCopyStatus;
import dev.hearth.wire.status.NodeSnapshot;
import dev.hearth.wire.status.NodeSnapshot.Jvm;
import dev.hearth.wire.status.NodeSnapshot.LocalNode;
import dev.hearth.wire.status.NodeSnapshot.Member;
import dev.hearth.wire.status.NodeSnapshot.Region;
import dev.hearth.wire.status.Readiness;
import dev.hearth.wire.status.Refill;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import org.apache.ignite.DataRegionMetrics;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.CachePeekMode;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.events.CacheEvent;
import org.apache.ignite.events.EventType;
import org.apache.ignite.internal.IgniteEx;
import org.apache.ignite.internal.processors.cache.IgniteInternalCache;
import org.apache.ignite.internal.processors.cache.distributed.dht.topology.GridDhtLocalPartition;
import org.apache.ignite.internal.processors.cache.distributed.dht.topology.GridDhtPartitionState;
import org.apache.ignite.internal.processors.cache.distributed.dht.topology.GridDhtPartitionTopology;
import org.apache.ignite.spi.metric.BooleanMetric;
import org.apache.ignite.spi.metric.LongMetric;

/**
 * {@link NodeStatus} read from Ignite. Partition state comes from Ignite's internal partition topology: the public
 * API cannot tell "assigned to this node" from "owned by this node", and readiness hinges on exactly that.
 */
public final class IgniteNodeStatus implements NodeStatus {
    private static final long COUNT_TIMEOUT_MS = 2000;
    /**
     * Exchanges block cache operations for about a second (0.5-1.2 s after a kill on loopback); five times that and
     * the node does not serve, whatever it says otherwise.
     */
    static final long EXCHANGE_NOT_READY_MILLIS = 5000;

    private final IgniteEx ignite;
    private final HearthConfig config;
    private final Map<String, Integer> ports;
    private final BooleanSupplier endpointsAccepting;
    private final BooleanSupplier stopping;
    private final Membership membership;
    private final long startedAt = System.currentTimeMillis();
    /** The local copy's figures; null while the node starts or when localCopy.enabled is false. */
    private volatile java.util.function.Supplier<LocalCopyStatus> localCopy;
    private volatile java.util.function.Supplier<java.util.Map<String, Long>> diskFull = java.util.Map::of;
    private volatile java.util.function.Supplier<java.util.Map<String, Long>> exhaustionExits = java.util.Map::of;
    private volatile java.util.function.Supplier<Refill> refill;
    private final Map<String, LongAdder> evictions = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> expirations = new ConcurrentHashMap<>();
    /** Ignite's pme.CacheOperationsBlockedDuration, looked up once it exists. */
    private volatile LongMetric exchangeBlocked;

    public IgniteNodeStatus(Ignite ignite, HearthConfig config, Map<String, Integer> ports,
            BooleanSupplier endpointsAccepting, BooleanSupplier stopping, Membership membership) {
        this.membership = membership;
        this.ignite = (IgniteEx) ignite;
        this.config = config;
        this.ports = Map.copyOf(ports);
        this.endpointsAccepting = endpointsAccepting;
        this.stopping = stopping;
        for (String zone : config.zones().keySet()) {
            LongAdder pages = EvictionCounter.install(this.ignite, Zones.regionName(zone));
            evictions.put(CacheNames.zoneCache(zone), pages != null ? pages : new LongAdder());
            expirations.put(CacheNames.zoneCache(zone), new LongAdder());
        }
        ignite.events().localListen(evt -> {
            LongAdder counter = expirations.get(((CacheEvent) evt).cacheName());
            if (counter != null) {
                counter.increment();
            }
            return true;
        }, EventType.EVT_CACHE_OBJECT_EXPIRED);
    }

    @Override
    public Readiness readiness() {
        if (stopping.getAsBoolean()) {
            return new Readiness(false, "stopping");
        }
        if (!endpointsAccepting.getAsBoolean()) {
            return new Readiness(false, "endpoints not accepting yet");
        }
        if (!membership.hasQuorum()) {
            return new Readiness(false, membership.noQuorumReason());
        }
        long blocked = exchangeBlockedMillis();
        if (blocked >= EXCHANGE_NOT_READY_MILLIS) {
            return new Readiness(false, "a partition exchange has blocked cache operations for " + blocked / 1000
                    + " s");
        }
        int moving = 0;
        for (String zone : config.zones().keySet()) {
            moving += movingPartitions(zone);
        }
        if (moving > 0) {
            return new Readiness(false, "rebalancing: " + moving + " partitions still arriving");
        }
        Refill refilling = refill == null ? null : refill.get();
        if (refilling != null && refilling.running()) {
            // Still ready: turning a serving node away would send every read to the database, where a refill in
            // progress only turns some of them into misses. The reason says so, for the operator and the probes' logs.
            return new Readiness(true, "ready; refilling from " + refilling.source() + (refilling.fraction() >= 0
                    ? String.format(java.util.Locale.ROOT, " (%.0f%%)", refilling.fraction() * 100) : ""));
        }
        return new Readiness(true, "ready");
    }

    private GridDhtPartitionTopology topology(String zone) {
        IgniteInternalCache<Object, Object> c = ignite.cachex(CacheNames.zoneCache(zone));
        return c == null ? null : c.context().topology();
    }

    private int movingPartitions(String zone) {
        GridDhtPartitionTopology top = topology(zone);
        if (top == null) {
            return Integer.MAX_VALUE / 4;
        }
        int moving = 0;
        for (GridDhtLocalPartition p : top.localPartitions()) {
            if (p.state() == GridDhtPartitionState.MOVING) {
                moving++;
            }
        }
        return moving;
    }

    @Override
    public NodeSnapshot snapshot() {
        Readiness r = readiness();
        ClusterNode local = ignite.cluster().localNode();
        LocalNode node = new LocalNode(local.id().toString(), config.node().name(), config.node().failureDomain(),
                HearthVersion.get(), startedAt, System.currentTimeMillis() - startedAt, r.ready(), r.reason(),
                stopping.getAsBoolean(), ports, exchangeBlockedMillis());
        List<Member> members = new ArrayList<>();
        for (ClusterNode n : ignite.cluster().forServers().nodes()) {
            members.add(new Member(n.id().toString(), str(n.attribute(NodeAttributes.NAME)),
                    str(n.attribute(NodeAttributes.FAILURE_DOMAIN)), List.copyOf(n.addresses()),
                    num(n.attribute(NodeAttributes.ADMIN_PORT)), num(n.attribute(NodeAttributes.MEMCACHED_PORT)),
                    num(n.attribute(NodeAttributes.THIN_CLIENT_PORT)), n.order(), n.isLocal()));
        }
        members.sort(Comparator.comparingLong(Member::order));
        List<ZoneStatus> zones = new ArrayList<>();
        config.zones().forEach((name, z) -> zones.add(zone(name, z)));
        zones.sort(Comparator.comparing(ZoneStatus::name));
        List<Region> regions = new ArrayList<>();
        for (DataRegionMetrics m : ignite.dataRegionMetrics()) {
            long limit = regionLimit(m.getName());
            if (limit > 0) {
                regions.add(new Region(m.getName(), m.getTotalUsedSize(), m.getTotalAllocatedSize(), limit));
            }
        }
        regions.sort(Comparator.comparing(Region::name));
        return new NodeSnapshot(node, ignite.cluster().topologyVersion(), members, clusterRebalanced(), zones, regions,
                jvm(), safety(), membership.view(), localCopy == null ? null : localCopy.get(),
                refill == null ? null : refill.get(), diskFull.get(), exhaustionExits.get());
    }

    /** Where the counts of this node's exits for exhausted memory come from (across restarts; none until set). */
    public void exhaustionExits(java.util.function.Supplier<java.util.Map<String, Long>> counts) {
        this.exhaustionExits = counts;
    }

    /** Where the node's full-disk counts come from (none until it is set). */
    public void diskFull(java.util.function.Supplier<java.util.Map<String, Long>> counts) {
        this.diskFull = counts;
    }

    public void localCopy(java.util.function.Supplier<LocalCopyStatus> figures) {
        this.localCopy = figures;
    }

    /** The refill to report: this node's local-copy load or warm-up, running or last; the supplier may give null. */
    public void refill(java.util.function.Supplier<Refill> progress) {
        this.refill = progress;
    }

    private long regionLimit(String region) {
        if (region.equals(Zones.SYSTEM_REGION)) {
            return Math.max(16L << 20, config.memory().systemRegion().bytes() / 2);
        }
        for (var e : config.zones().entrySet()) {
            if (Zones.regionName(e.getKey()).equals(region)) {
                return e.getValue().memory().bytes();
            }
        }
        return 0; // Ignite's internal regions (sysMemPlc, metastore...) are accounted under memory.systemRegion.
    }

    private ZoneStatus zone(String name, HearthConfig.Zone z) {
        String cacheName = CacheNames.zoneCache(name);
        IgniteCache<String, byte[]> cache = ignite.cache(cacheName);
        long entries;
        try {
            entries = cache.sizeLongAsync(CachePeekMode.PRIMARY).get(COUNT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            entries = -1;
        }
        GridDhtPartitionTopology top = topology(name);
        int partitions = CacheNames.ZONE_PARTITIONS;
        int minCopies = Integer.MAX_VALUE;
        int missing = 0;
        if (top != null) {
            for (int p = 0; p < partitions; p++) {
                int owners = top.owners(p).size();
                minCopies = Math.min(minCopies, owners);
                if (owners < z.backups() + 1) {
                    missing++;
                }
            }
        } else {
            minCopies = 0;
        }
        return new ZoneStatus(name, z.backups(), entries, cache.localSizeLong(CachePeekMode.PRIMARY),
                cache.localSizeLong(CachePeekMode.BACKUP), partitions, minCopies, missing, movingPartitions(name),
                evictions.get(cacheName).sum(), expirations.get(cacheName).sum(), z.memory().bytes());
    }

    @Override
    public StopSafety safety() {
        List<String> reasons = new ArrayList<>();
        ClusterNode local = ignite.cluster().localNode();
        int servers = ignite.cluster().forServers().nodes().size();
        if (servers < 2) {
            reasons.add("this is the only node: stopping it loses every entry");
        }
        var m = membership.view();
        if (!m.hasQuorum()) {
            reasons.add(membership.noQuorumReason());
        } else if (servers >= 2 && m.present().size() - 1 < m.quorum()) {
            reasons.add("without this node the cluster would have " + (m.present().size() - 1) + " of "
                    + m.expectedSize() + " expected members, fewer than the " + m.quorum() + " it needs to accept "
                    + "writes (missing: " + m.missing() + ")");
        }
        config.zones().forEach((zone, z) -> {
            if (z.backups() == 0) {
                reasons.add("zone " + zone + " keeps no backup copy: this node's partitions of it would be lost");
            }
            GridDhtPartitionTopology top = topology(zone);
            if (top == null) {
                if (ZoneNodeFilter.matches(z.nodeFilter(), config.node().attributes())) {
                    reasons.add("zone " + zone + " is not started on this node");
                }
                return;
            }
            int onlyHere = 0;
            int missing = 0;
            for (int p = 0; p < CacheNames.ZONE_PARTITIONS; p++) {
                List<ClusterNode> owners = top.owners(p);
                if (owners.size() < z.backups() + 1) {
                    missing++;
                }
                if (owners.size() == 1 && owners.get(0).id().equals(local.id())) {
                    onlyHere++;
                }
            }
            if (onlyHere > 0 && z.backups() > 0) {
                reasons.add("zone " + zone + ": " + onlyHere + " partitions have their only copy on this node");
            }
            if (missing > 0 && z.backups() > 0) {
                reasons.add("zone " + zone + ": " + missing + " partitions lack copies (a node is down or "
                        + "rebalancing)");
            }
            int moving = movingPartitions(zone);
            if (moving > 0) {
                reasons.add("zone " + zone + ": this node is still receiving " + moving + " partitions");
            }
        });
        if (!clusterRebalanced()) {
            reasons.add("the cluster is rebalancing");
        }
        return new StopSafety(reasons.isEmpty(), List.copyOf(reasons));
    }

    private boolean clusterRebalanced() {
        return clusterRebalanced(ignite);
    }

    @Override
    public long exchangeBlockedMillis() {
        if (exchangeBlocked == null) {
            exchangeBlocked = ignite.context().metric().registry("pme").findMetric("CacheOperationsBlockedDuration");
        }
        return exchangeBlocked == null ? 0 : exchangeBlocked.value();
    }

    /** Ignite's own cluster-wide verdict: every partition of every cache is where affinity wants it. */
    static boolean clusterRebalanced(org.apache.ignite.internal.IgniteEx ignite) {
        var registry = ignite.context().metric().registry("cluster");
        BooleanMetric m = registry.findMetric("Rebalanced");
        return m != null && m.value();
    }

    private Jvm jvm() {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        long direct = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                direct = pool.getMemoryUsed();
            }
        }
        return new Jvm(heap.getUsed(), heap.getMax(), direct, config.memory().directMemory().bytes(), rss());
    }

    static long rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private static String str(Object o) {
        return o == null ? "" : o.toString();
    }

    private static int num(Object o) {
        return o instanceof Number n ? n.intValue() : -1;
    }
}
