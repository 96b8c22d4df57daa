package dev.hearth.node.ignite;

import dev.hearth.node.HearthVersion;
import dev.hearth.node.config.ConfigLoader;
import dev.hearth.node.config.HearthConfig;
import dev.hearth.node.membership.HttpPeerProbe;
import dev.hearth.node.membership.MembersJson;
import dev.hearth.node.membership.Membership;
import dev.hearth.node.security.ClusterSecret;
import dev.hearth.node.security.NodeTls;
import dev.hearth.storage.CacheNames;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.ignite.ShutdownPolicy;
import org.apache.ignite.cache.CacheAtomicityMode;
import org.apache.ignite.cache.CacheMode;
import org.apache.ignite.cache.CacheWriteSynchronizationMode;
import org.apache.ignite.cache.PartitionLossPolicy;
import org.apache.ignite.cache.affinity.rendezvous.ClusterNodeAttributeAffinityBackupFilter;
import org.apache.ignite.cache.affinity.rendezvous.RendezvousAffinityFunction;
import org.apache.ignite.configuration.CacheConfiguration;
import org.apache.ignite.configuration.ClientConnectorConfiguration;
import org.apache.ignite.configuration.DataPageEvictionMode;
import org.apache.ignite.configuration.DataRegionConfiguration;
import org.apache.ignite.configuration.DataStorageConfiguration;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.configuration.TransactionConfiguration;
import org.apache.ignite.events.EventType;
import org.apache.ignite.failure.StopNodeOrHaltFailureHandler;
import org.apache.ignite.kubernetes.configuration.KubernetesConnectionConfiguration;
import org.apache.ignite.logger.log4j2.Log4J2Logger;
import org.apache.ignite.spi.communication.tcp.TcpCommunicationSpi;
import org.apache.ignite.spi.discovery.tcp.TcpDiscoverySpi;
import org.apache.ignite.spi.discovery.tcp.ipfinder.TcpDiscoveryIpFinder;
import org.apache.ignite.spi.discovery.tcp.ipfinder.kubernetes.TcpDiscoveryKubernetesIpFinder;
import org.apache.ignite.spi.discovery.tcp.ipfinder.vm.TcpDiscoveryVmIpFinder;

/** Turns a {@link HearthConfig} into Ignite's configuration. Every Ignite default Hearth disagrees with is here. */
public final class IgniteConfigFactory {
    static final int PAGE_SIZE = 4096;
    /** Room in a stored entry beyond its value: the key (up to 250 bytes in memcached) and the envelope. */
    static final long ENTRY_OVERHEAD_BYTES = 64 * 1024;
    /** A data page's room for a fragment of a row: the page less its header, rounded down. */
    static final int PAGE_PAYLOAD = PAGE_SIZE - 64;
    /** Empty pages a region keeps beyond two largest entries, and the fewest it keeps. */
    static final int POOL_SLACK = 64;
    static final int MIN_POOL = 100;
    /** Share of a zone's region in use at which Ignite starts evicting. */
    static final double EVICTION_THRESHOLD = 0.9;

    private IgniteConfigFactory() {
    }

    /**
     * Longest a transaction may hold up a partition exchange before Ignite rolls it back. Hearth's only transactions
     * are the tenant registry's, which take milliseconds; one left open (a stalled caller, a paused node) would
     * otherwise block every cache operation of the cluster for as long as it stays open.
     */
    static final long TX_TIMEOUT_ON_EXCHANGE_MS = 5_000;

    public static IgniteConfiguration build(HearthConfig config, ResolvedPorts ports, int memcachedPort,
            int adminPort, URL logConfig) {
        return build(config, ports, memcachedPort, adminPort, logConfig,
                Membership.open(null, config.node().name(), config.cluster().expectedSize()));
    }

    public static IgniteConfiguration build(HearthConfig config, ResolvedPorts ports, int memcachedPort,
            int adminPort, URL logConfig, Membership membership) {
        return build(config, ports, memcachedPort, adminPort, logConfig, membership, QuorumFence.LOG_ONLY);
    }

    /** Threads serving thin-client requests on each node (see where it is set). */
    static final int THIN_CLIENT_THREADS = 64;
    /** Per peer connection and direction, kernel memory (Linux doubles it): see where it is set. */
    static final int PEER_SOCKET_BUFFER = 1 << 20;

    /** @param fence what to do when failed members take this node's topology below a quorum ({@link QuorumFence}) */
    public static IgniteConfiguration build(HearthConfig config, ResolvedPorts ports, int memcachedPort,
            int adminPort, URL logConfig, Membership membership, QuorumFence.Action fence) {
        return build(config, ports, memcachedPort, adminPort, logConfig, membership, fence, null);
    }

    /**
     * @param fence what to do when failed members take this node's topology below a quorum ({@link QuorumFence})
     * @param tls the node's TLS (null when tls.enabled is false): then discovery, communication and the thin-client
     *        port speak TLS with this node's certificate and accept only peers and clients the cluster CA signed
     */
    public static IgniteConfiguration build(HearthConfig config, ResolvedPorts ports, int memcachedPort,
            int adminPort, URL logConfig, Membership membership, QuorumFence.Action fence, NodeTls tls) {
        IgniteConfiguration ic = new IgniteConfiguration();
        String name = config.node().name();
        ic.setIgniteInstanceName(name);
        // A stable consistent id gives a restarted node the same partitions back (less data to move).
        ic.setConsistentId(name);
        ic.setLocalHost(config.cluster().bindAddress());
        // Ignite's legacy REST/memcached connector binds 11211 by default: that port is ours.
        ic.setConnectorConfiguration(null);
        ClientConnectorConfiguration thin = new ClientConnectorConfiguration();
        if (tls != null) {
            // Ignite has no thin-client authentication without native persistence: a client certificate from the
            // cluster CA is what lets an application in (docs/security.md, "Thin-client access").
            thin.setSslEnabled(true)
                    .setUseIgniteSslContextFactory(false)
                    .setSslContextFactory(new SslFactory(tls, false))
                    .setSslClientAuth(true);
            // Discovery and communication: Ignite demands a peer certificate on both (needClientAuth is fixed), so
            // only nodes with a node certificate from the cluster CA can join or connect (NodeTls.peerContext).
            ic.setSslContextFactory(new SslFactory(tls, true));
        }
        ic.setClientConnectorConfiguration(thin
                .setHost(config.cluster().bindAddress())
                .setPort(ports.thinClient())
                .setPortRange(0)
                // Ignite runs a thin client's ATOMIC cache request on one of these threads until the primary answers.
                // A frozen primary answers only when it is dropped (cluster.failureDetectionTimeout), so at Ignite's
                // default of 8 threads, 8 writes to its keys held every thin-client request on the node, reads of
                // healthy partitions included. Idle threads cost a stack reservation, not CPU.
                .setThreadPoolSize(THIN_CLIENT_THREADS));
        // Continuations of async cache operations (every memcached request's answer) run on the thread that
        // completed the operation: by default Ignite hands each one to the common fork-join pool, which has a single
        // thread on 2 cores, so every answer of the node queued behind one thread and paid a thread hop. The node's
        // continuations never block: they decode, start further async operations and write to Netty channels.
        ic.setAsyncContinuationExecutor(Runnable::run);
        // Ignite's defaults are at least 8 striped threads and 4 selectors whatever the cores: see halfTheCores.
        ic.setStripedPoolSize(config.cluster().stripedThreads());
        ic.setPeerClassLoadingEnabled(false);
        ic.setMetricsLogFrequency(0);
        // Must stay below the failure detection timeout, or Ignite warns that status checks are late.
        ic.setMetricsUpdateFrequency(Math.min(1000, config.cluster().failureDetectionTimeout().toMillis() / 2));
        ic.setWorkDirectory(java.nio.file.Path.of(config.node().dataDir(), "ignite").toAbsolutePath().toString());
        ic.setShutdownPolicy(ShutdownPolicy.GRACEFUL);
        ic.setFailureDetectionTimeout(config.cluster().failureDetectionTimeout().toMillis());
        ic.setClientFailureDetectionTimeout(Math.max(5000, config.cluster().failureDetectionTimeout().toMillis()));
        // A node Ignite considers broken (e.g. out of memory) halts, and its supervisor restarts it clean.
        ic.setFailureHandler(new StopNodeOrHaltFailureHandler(true, 0));
        ic.setRebalanceThrottle(config.cluster().rebalanceThrottle().toMillis());
        ic.setRebalanceBatchSize((int) Math.min(Integer.MAX_VALUE, config.cluster().rebalanceBatchSize().bytes()));
        ic.setIncludeEventTypes(EventType.EVT_CACHE_OBJECT_EXPIRED);
        ic.setTransactionConfiguration(new TransactionConfiguration()
                .setTxTimeoutOnPartitionMapExchange(TX_TIMEOUT_ON_EXCHANGE_MS));
        ic.setPluginProviders(new HearthPlugin(config.cluster().name(), membership,
                ClusterSecret.of(ConfigLoader.clusterSecret(config.cluster()))));
        if (logConfig != null) {
            try {
                ic.setGridLogger(new Log4J2Logger(logConfig));
            } catch (Exception e) {
                throw new IllegalStateException("cannot set up Ignite's logger from " + logConfig, e);
            }
        }

        Map<String, Object> attrs = new HashMap<>();
        attrs.put(NodeAttributes.NAME, name);
        attrs.put(NodeAttributes.FAILURE_DOMAIN, config.node().failureDomain());
        attrs.put(NodeAttributes.ADMIN_PORT, adminPort);
        attrs.put(NodeAttributes.MEMCACHED_PORT, memcachedPort);
        attrs.put(NodeAttributes.THIN_CLIENT_PORT, ports.thinClient());
        attrs.put(NodeAttributes.VERSION, HearthVersion.get());
        attrs.put(NodeAttributes.CLUSTER_NAME, config.cluster().name());
        attrs.put(NodeAttributes.WIRE_GENERATION, Integer.toString(HearthPlugin.WIRE_GENERATION));
        attrs.put(NodeAttributes.ADMIN_HOST, config.cluster().bindAddress());
        attrs.put(NodeAttributes.MEMBERS, MembersJson.encode(membership.members()));
        attrs.put(NodeAttributes.STARTED_AT, Long.toString(System.currentTimeMillis()));
        config.node().attributes().forEach((k, v) -> attrs.put(NodeAttributes.USER_PREFIX + k, v));
        ic.setUserAttributes(attrs);

        // The confirm window is short of the failure detection timeout: a cut-off node fences sooner than Ignite
        // would drop its last peers, and a machine-wide stall ends before the last probe (see QuorumFence).
        Duration confirm = Duration.ofMillis(Math.min(5_000, config.cluster().failureDetectionTimeout().toMillis() / 4));
        TcpDiscoverySpi disco = new QuorumFence(membership, fence,
                new HttpPeerProbe(Duration.ofSeconds(1), tls == null ? null : tls.sslContext()), confirm)
                .discoverySpi()
                .setLocalAddress(config.cluster().bindAddress())
                .setLocalPort(ports.discovery())
                .setLocalPortRange(0)
                .setIpFinder(ipFinder(config, ports));
        ic.setDiscoverySpi(disco);
        TcpCommunicationSpi comm = new TcpCommunicationSpi();
        comm.setLocalAddress(config.cluster().bindAddress());
        comm.setLocalPort(ports.communication());
        comm.setLocalPortRange(0);
        // Bounded queues: a slow peer makes senders wait instead of growing the heap without limit.
        comm.setMessageQueueLimit(4096);
        // Ignite's default of 32 KiB pins each peer connection's TCP window at 64 KiB; with the delayed ACKs of a
        // busy 2-core host (40 ms) a link moved 2 MB/s, and a backup update queued behind a warm-up's streamer
        // batches waited 25 s: reads and writes of a whole node pair stalled during a full-cluster refill.
        comm.setSocketSendBuffer(PEER_SOCKET_BUFFER);
        comm.setSocketReceiveBuffer(PEER_SOCKET_BUFFER);
        comm.setSelectorsCount(config.cluster().selectorThreads());
        ic.setCommunicationSpi(comm);

        ic.setDataStorageConfiguration(storage(config));
        return ic;
    }

    /**
     * The node's one TLS context, handed to Ignite. Ignite keeps its configuration's factories in a Serializable
     * field; this one is never sent anywhere (node configurations are not marshalled), hence the transient context.
     */
    static final class SslFactory implements javax.cache.configuration.Factory<javax.net.ssl.SSLContext> {
        private static final long serialVersionUID = 1L;
        private final transient NodeTls tls;
        private final boolean peers;

        /** @param peers discovery and communication (a peer must be a node), else the thin-client port */
        SslFactory(NodeTls tls, boolean peers) {
            this.tls = tls;
            this.peers = peers;
        }

        @Override
        public javax.net.ssl.SSLContext create() {
            if (tls == null) {
                throw new IllegalStateException("the node's TLS context does not travel between JVMs");
            }
            return peers ? tls.peerContext() : tls.sslContext();
        }
    }

    private static TcpDiscoveryIpFinder ipFinder(HearthConfig config, ResolvedPorts ports) {
        if (config.cluster().discovery().equals("kubernetes")) {
            var k = config.cluster().kubernetes();
            KubernetesConnectionConfiguration kc = new KubernetesConnectionConfiguration()
                    .setNamespace(k.namespace())
                    .setServiceName(k.service())
                    .setDiscoveryPort(ports.discovery())
                    // Peers join before they are ready (readiness needs the join): discovery must see them.
                    .setIncludeNotReadyAddresses(true);
            if (!k.masterUrl().isBlank()) {
                kc.setMasterUrl(k.masterUrl());
            }
            return new TcpDiscoveryKubernetesIpFinder(kc);
        }
        TcpDiscoveryVmIpFinder finder = new TcpDiscoveryVmIpFinder(true);
        finder.setAddresses(config.cluster().addresses());
        return finder;
    }

    private static DataStorageConfiguration storage(HearthConfig config) {
        DataStorageConfiguration ds = new DataStorageConfiguration();
        ds.setPageSize(PAGE_SIZE);
        ds.setSystemDataRegionConfiguration(new org.apache.ignite.configuration.SystemDataRegionConfiguration()
                .setInitialSize(Math.min(config.memory().systemRegion().bytes(), 16L << 20))
                .setMaxSize(config.memory().systemRegion().bytes()));
        // The default region hosts what is not in a zone: the tenant registry. No page eviction: an evicted registry
        // record would silently move its tenant; the registry refuses new records before the region fills up.
        ds.setDefaultDataRegionConfiguration(new DataRegionConfiguration()
                .setName(Zones.SYSTEM_REGION)
                .setInitialSize(16L << 20)
                .setMaxSize(systemRegionBytes(config))
                .setPageEvictionMode(DataPageEvictionMode.DISABLED)
                .setMetricsEnabled(true));
        List<DataRegionConfiguration> regions = new ArrayList<>();
        config.zones().forEach((zone, z) -> regions.add(zoneRegion(zone, z.memory().bytes(), maxEntryBytes(config))));
        ds.setDataRegionConfigurations(regions.toArray(new DataRegionConfiguration[0]));
        return ds;
    }

    /** Size of the {@code hearth-system} region (the tenant registry's). */
    public static long systemRegionBytes(HearthConfig config) {
        return Math.max(16L << 20, config.memory().systemRegion().bytes() / 2);
    }

    static DataRegionConfiguration zoneRegion(String zone, long maxBytes, long maxEntryBytes) {
        return new DataRegionConfiguration()
                .setName(Zones.regionName(zone))
                .setInitialSize(Math.min(maxBytes, 32L << 20))
                .setMaxSize(maxBytes)
                .setPageEvictionMode(DataPageEvictionMode.RANDOM_2_LRU)
                .setEvictionThreshold(EVICTION_THRESHOLD)
                .setEmptyPagesPoolSize(emptyPagesPool(maxBytes, maxEntryBytes))
                .setMetricsEnabled(true);
    }

    /**
     * Pages a zone's region keeps empty: before each insert Ignite evicts until this many are, and a row of many
     * pages takes them from here. Enough for two of the largest entries at once, within what Ignite allows (below
     * the region's last 10%, the share above the eviction threshold).
     */
    static int emptyPagesPool(long regionBytes, long maxEntryBytes) {
        long pages = regionBytes / PAGE_SIZE;
        long wanted = Math.max(MIN_POOL, 2 * pagesOf(maxEntryBytes) + POOL_SLACK);
        return (int) Math.min(wanted, (long) (pages * (1 - EVICTION_THRESHOLD)) - 1);
    }

    /**
     * The largest entry a zone of {@code regionBytes} stores: {@code wantedBytes} (the item limit plus overhead)
     * where its pool holds two of them, else what two fit in the pool it can have.
     */
    static long zoneMaxEntryBytes(long regionBytes, long wantedBytes) {
        int pool = emptyPagesPool(regionBytes, wantedBytes);
        long fits = (long) Math.max(0, (pool - POOL_SLACK) / 2) * PAGE_PAYLOAD;
        return Math.min(wantedBytes, fits);
    }

    private static long pagesOf(long bytes) {
        return (bytes + PAGE_PAYLOAD - 1) / PAGE_PAYLOAD;
    }

    /** The largest entry the config asks for: memcached.maxItemSize and room for the key and envelope. */
    public static long maxEntryBytes(HearthConfig config) {
        return config.memcached().maxItemSize().bytes() + ENTRY_OVERHEAD_BYTES;
    }

    /**
     * The zone's cache: partitioned, atomic, synchronous backups, in the zone's own region, refusing entries larger
     * than the region can make room for ({@link EntrySizeGuard}); with a non-empty {@code nodeFilter} only on the
     * nodes whose attributes match it.
     */
    public static CacheConfiguration<String, byte[]> zoneCache(HearthConfig config, String zone, boolean failureDomains) {
        HearthConfig.Zone z = config.zones().get(zone);
        java.util.Map<String, String> nodeFilter = z.nodeFilter();
        int backups = z.backups();
        RendezvousAffinityFunction affinity = new RendezvousAffinityFunction(false, CacheNames.ZONE_PARTITIONS);
        if (failureDomains) {
            affinity.setAffinityBackupFilter(new ClusterNodeAttributeAffinityBackupFilter(NodeAttributes.FAILURE_DOMAIN));
        }
        CacheConfiguration<String, byte[]> cc = new CacheConfiguration<String, byte[]>(CacheNames.zoneCache(zone));
        if (!nodeFilter.isEmpty()) {
            cc.setNodeFilter(new ZoneNodeFilter(nodeFilter));
        }
        return cc
                .setCacheMode(CacheMode.PARTITIONED)
                .setAtomicityMode(CacheAtomicityMode.ATOMIC)
                .setBackups(backups)
                // A write is acknowledged only once every copy has it: kill -9 of one node loses nothing.
                .setWriteSynchronizationMode(CacheWriteSynchronizationMode.FULL_SYNC)
                .setReadFromBackup(true)
                .setDataRegionName(Zones.regionName(zone))
                .setAffinity(affinity)
                // A cache that lost every copy of a partition serves misses, not errors.
                .setPartitionLossPolicy(PartitionLossPolicy.IGNORE)
                .setEagerTtl(true)
                .setInterceptor(new EntrySizeGuard(zone, zoneMaxEntryBytes(z.memory().bytes(), maxEntryBytes(config))))
                // Nothing reads Ignite's per-cache statistics (the node counts its own operations, OperationStats),
                // and with them on every get and put pays for timestamps and shared counters, and every metrics
                // update carries a snapshot of each cache's statistics.
                .setStatisticsEnabled(false);
    }
}
