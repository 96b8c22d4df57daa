package dev.hearth.node;

import dev.hearth.node.admin.AdminServer;
import dev.hearth.node.admin.AdminToken;
import dev.hearth.node.cache.CacheService;
import dev.hearth.node.cache.OperationStats;
import dev.hearth.node.config.ConfigException;
import dev.hearth.node.config.HearthConfig;
import dev.hearth.node.dump.DiskSpace;
import dev.hearth.node.dump.DumpService;
import dev.hearth.node.health.ExhaustionLog;
import dev.hearth.node.health.HeapWatch;
import dev.hearth.node.health.LogEvery;
import dev.hearth.node.health.NodeActivity;
import dev.hearth.node.health.NodeStatus;
import dev.hearth.node.ignite.ClientWireTypes;
import dev.hearth.node.ignite.IgniteCacheService;
import dev.hearth.node.ignite.IgniteConfigFactory;
import dev.hearth.node.ignite.IgniteCopies;
import dev.hearth.node.ignite.IgniteDumpSupport;
import dev.hearth.node.ignite.IgniteLocalCopy;
import dev.hearth.node.ignite.IgniteLocalInstall;
import dev.hearth.node.ignite.IgniteMembership;
import dev.hearth.node.ignite.IgniteNodeStatus;
import dev.hearth.node.ignite.IgniteTenantRegistry;
import dev.hearth.node.ignite.IgniteTenantStore;
import dev.hearth.node.ignite.IgniteTlsRefusals;
import dev.hearth.node.ignite.QuorumFence;
import dev.hearth.node.ignite.ReadProbe;
import dev.hearth.node.ignite.ResolvedPorts;
import dev.hearth.node.ignite.WorkerWatchdog;
import dev.hearth.node.ignite.testhook.DamageInjector;
import dev.hearth.node.integrity.IntegrityService;
import dev.hearth.node.integrity.RegistryMaintenance;
import dev.hearth.node.localcopy.ChangedKeys;
import dev.hearth.node.localcopy.LocalCopyService;
import dev.hearth.node.membership.HttpPeerProbe;
import dev.hearth.node.membership.Membership;
import dev.hearth.node.membership.PeerWatch;
import dev.hearth.node.membership.SplitWatch;
import dev.hearth.node.memcached.MemcachedServer;
import dev.hearth.node.security.NodeTls;
import dev.hearth.node.tenant.InFlight;
import dev.hearth.node.tenant.MaintenanceMode;
import dev.hearth.node.tenant.TenantService;
import dev.hearth.node.tenant.TenantStats;
import dev.hearth.node.warmup.AutoWarmup;
import dev.hearth.node.warmup.LastCluster;
import dev.hearth.node.warmup.WarmupService;
import dev.hearth.storage.registry.Placement;
import dev.hearth.tls.PemException;
import dev.hearth.wire.StopSafety;
import dev.hearth.wire.status.MembershipView;
import dev.hearth.wire.status.NodeSnapshot;
import dev.hearth.wire.status.Readiness;
import dev.hearth.wire.status.Refill;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteState;
import org.apache.ignite.Ignition;
import org.apache.ignite.IgnitionListener;
import org.apache.ignite.ShutdownPolicy;
import org.apache.ignite.internal.IgnitionEx;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One running Hearth node: an Ignite server node with a cache per zone, the cache service over it, and the
 * endpoints. Start with {@link #start}; {@link #close} stops gracefully (endpoints first, then Ignite with the
 * GRACEFUL policy, so no partition loses its last copy), bounded by {@code shutdown.timeout}.
 */
public final class HearthNode implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(HearthNode.class);

    private final HearthConfig config;
    private final Ignite ignite;
    private final IgniteCacheService cache;
    private final IgniteNodeStatus status;
    private final AdminServer admin;
    /** What this node presents to its peers' admin ports (the split and peer watches): the cluster's admin token. */
    private volatile AdminToken adminToken = AdminToken.none();
    /** The node's TLS (null when off); set once start has succeeded, closed when the node stops. */
    private volatile NodeTls tls;
    private final MemcachedServer memcached;
    private final Map<String, Integer> ports;
    private final AtomicBoolean stopping;
    private final AtomicBoolean accepting;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private volatile boolean failed;
    /**
     * Registered with Ignition, whose listener set is static: until the stop removes it, it keeps this node, and the
     * Ignite instance it holds, reachable (a test JVM that starts hundreds of nodes ran out of heap).
     */
    private volatile IgnitionListener igniteStateListener;
    private static final String SCHEDULED_PREFIX = "scheduled-";
    /**
     * Longest wait for the memcached connections to answer what they received before they are closed. Answers take
     * milliseconds; the bound only matters for a connection whose client stopped reading its answers.
     */
    private static final Duration MEMCACHED_DRAIN = Duration.ofSeconds(2);
    /** Longest a stop waits for the membership record or a start-up load to end. */
    private static final Duration DATA_DIR_WRITERS_WAIT = Duration.ofSeconds(5);
    private final java.util.concurrent.ExecutorService opsExecutor = java.util.concurrent.Executors
            .newFixedThreadPool(2, daemonThreads("hearth-ops"));
    private final java.util.concurrent.ScheduledExecutorService scheduler = java.util.concurrent.Executors
            .newSingleThreadScheduledExecutor(daemonThreads("hearth-scheduler"));
    // Verify and recover jobs get a thread of their own: a long verify must not hold up dumps or warm-ups.
    private final java.util.concurrent.ExecutorService integrityExecutor = java.util.concurrent.Executors
            .newSingleThreadExecutor(daemonThreads("hearth-integrity"));
    private volatile IntegrityService integrity;
    /** Tenant moves: long-running, one thread so two moves never compete for the cluster. */
    private final java.util.concurrent.ExecutorService tenantExecutor = java.util.concurrent.Executors
            .newSingleThreadExecutor(daemonThreads("hearth-tenant-move"));
    private volatile IgniteTenantRegistry registry;
    private volatile TenantService tenants;
    private volatile DumpService dumps;
    private volatile WarmupService warmup;
    /** Refill rates that yield to reads (warmup.readLatencyTarget). */
    private volatile dev.hearth.node.warmup.AdaptiveRate.Factory paces;
    /**
     * The local copy's periodic writes: a thread of their own, since a write of a large node takes seconds and must
     * never hold up the stuck-exchange watch on {@link #scheduler} (a write stuck behind a wedged exchange would keep
     * the node from ever exiting).
     */
    private final java.util.concurrent.ScheduledExecutorService localCopyExecutor = java.util.concurrent.Executors
            .newSingleThreadScheduledExecutor(daemonThreads("hearth-local-copy"));
    /**
     * The blocked-worker watch ({@link WorkerWatchdog}): a thread of its own, so that nothing else this node schedules
     * can delay it into seeing a pause where there was none, or keep it from running at all.
     */
    private final java.util.concurrent.ScheduledExecutorService watchdogExecutor = java.util.concurrent.Executors
            .newSingleThreadScheduledExecutor(daemonThreads("hearth-watchdog"));
    /** Null when localCopy.enabled is false. */
    private volatile LocalCopyService localCopy;
    /** A slow local-copy round is logged at most once in this long. */
    private final LogEvery slowLocalCopyLog = new LogEvery(Duration.ofMinutes(10));
    /** Full-disk counts and log lines of the local copy and the dumps. */
    private final DiskSpace disk = new DiskSpace();
    /**
     * Keys changed since the local copy's last write of their partition. Bounded at about 13 MB of heap: past that a
     * partition is rewritten whole (a round appends a few thousand keys per node under a benchmark's write load).
     */
    private static final long MAX_CHANGED_KEYS = 131_072;
    /** Fed by Ignite from its start on (null when appends are off); read by the local copy's rounds. */
    private ChangedKeys changedKeys;
    /** Old generation share of the heap, after a collection, at which the node leaves before the heap runs out. */
    static final double HEAP_EXIT_THRESHOLD = 0.95;
    private volatile ExhaustionLog exhaustion;
    private volatile Map<String, Long> exhaustionExits = Map.of();
    private volatile HeapWatch heapWatch;
    /**
     * Set once the start-up load decision is done: before that, writing would replace the files still to be loaded
     * with partitions that are empty or still arriving.
     */
    private volatile boolean localCopyWritable;
    /** Run by Ignite's discovery thread when it learns this node was segmented, before Ignite stops the node. */
    private final java.util.concurrent.atomic.AtomicReference<Runnable> beforeSegmentedStop =
            new java.util.concurrent.atomic.AtomicReference<>();
    private volatile Runnable shutdownAction = this::stopGracefully;
    private volatile IgniteMembership membership;
    /** Read-failover and operation-timeout timers of the cache service: never blocked by anything else. */
    private volatile io.netty.util.HashedWheelTimer failoverTimer;
    /** The split watch's probes wait on other nodes' admin ports: a thread of their own. */
    private final java.util.concurrent.ScheduledExecutorService membershipExecutor = java.util.concurrent.Executors
            .newSingleThreadScheduledExecutor(daemonThreads("hearth-membership"));
    /**
     * Sends the backup reads of gets whose primary is slow: two threads, and a bounded queue past which a get just
     * waits for its primary. Shared by the nodes of one JVM (tests): it holds no node's state.
     */
    private static final java.util.concurrent.ThreadPoolExecutor FAILOVER_ASKER =
            new java.util.concurrent.ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS,
                    new java.util.concurrent.ArrayBlockingQueue<>(4096), daemonThreads("hearth-failover"));

    static {
        FAILOVER_ASKER.allowCoreThreadTimeOut(true);
    }

    /** How often the split watch asks the missing members where they are. */
    private static final Duration SPLIT_CHECK_INTERVAL = Duration.ofSeconds(2);
    /**
     * How long a peer of this node's topology may not answer before it stops counting toward the quorum (see
     * PeerWatch): a cut-off node refuses writes within seconds rather than at the failure detection timeout.
     */
    private static final Duration PEER_SILENCE = Duration.ofSeconds(3);
    /** Its own thread: a round waits up to a second per silent peer, and must not delay the membership poll. */
    private final java.util.concurrent.ScheduledExecutorService peerWatchExecutor = java.util.concurrent.Executors
            .newSingleThreadScheduledExecutor(daemonThreads("hearth-peer-watch"));
    /** The peer watch's probes, side by side: threads come and go with the peers that must be asked. */
    private final java.util.concurrent.ExecutorService peerProbes = java.util.concurrent.Executors
            .newCachedThreadPool(daemonThreads("hearth-peer-probe"));

    private HearthNode(HearthConfig config, Ignite ignite, IgniteCacheService cache, IgniteNodeStatus status,
            AdminServer admin, MemcachedServer memcached, Map<String, Integer> ports, AtomicBoolean stopping,
            AtomicBoolean accepting) {
        this.config = config;
        this.ignite = ignite;
        this.cache = cache;
        this.status = status;
        this.admin = admin;
        this.memcached = memcached;
        this.ports = ports;
        this.stopping = stopping;
        this.accepting = accepting;
    }

    /**
     * Joins (or forms) the cluster, creates the zones' caches and opens the endpoints.
     *
     * @param logConfig the log4j2 configuration Ignite should log through, or null for Ignite's default
     */
    public static HearthNode start(HearthConfig config, URL logConfig) throws InterruptedException {
        return start(config, logConfig, QuorumFence.LOG_ONLY);
    }

    /**
     * As {@link #start(HearthConfig, URL)}.
     *
     * @param fence what to do when failed members take the node's topology below a quorum (the node process halts)
     */
    public static HearthNode start(HearthConfig config, URL logConfig, QuorumFence.Action fence)
            throws InterruptedException {
        NodeTls tls;
        try {
            tls = NodeTls.fromConfig(config.tls());
        } catch (PemException e) {
            throw new ConfigException("tls", e.getMessage());
        }
        try {
            return start(config, logConfig, fence, tls);
        } catch (RuntimeException | InterruptedException e) {
            if (tls != null) {
                tls.close();
            }
            throw e;
        }
    }

    private static HearthNode start(HearthConfig config, URL logConfig, QuorumFence.Action fence, NodeTls tls)
            throws InterruptedException {
        long t0 = System.nanoTime();
        String bind = config.cluster().bindAddress();
        AtomicBoolean stopping = new AtomicBoolean();
        AtomicBoolean accepting = new AtomicBoolean();
        OperationStats stats = new OperationStats();
        // The admin port opens before Ignite starts: liveness answers while the node joins (readiness says
        // "starting"), and its real port goes into the node's attributes for peers and hearthctl to find.
        StartingStatus starting = new StartingStatus();
        AdminToken adminToken = AdminToken.from(config.admin());
        AdminServer admin = new AdminServer(starting, stats, adminToken, config.admin().openMetrics(), tls);
        int adminPort = admin.start(bind, config.ports().admin());
        logAdminAccess(config, adminToken, bind, adminPort);
        // The memcached port is reserved now too (its real port goes into the node attributes) but listens only
        // once the cache service exists (MemcachedServer.ready): a client is refused while the node joins and
        // moves to another server, rather than waiting unanswered.
        MemcachedServer memcached = reserveMemcached(config, stats, tls, bind, admin);
        int memcachedPort = memcached == null ? -1 : memcached.port();
        // Ignite's ports last, while the admin and memcached ports are held: a port 0 resolved earlier is free again
        // until Ignite binds it, and the kernel could hand it to one of those two (seen in CI: "Address already in
        // use" when memcached opened on the port the thin-client connector had taken meanwhile).
        ResolvedPorts rp;
        try {
            rp = ResolvedPorts.resolve(bind, config.ports().discovery(), config.ports().communication(),
                    config.ports().thinClient());
        } catch (RuntimeException e) {
            if (memcached != null) {
                memcached.close();
            }
            admin.close();
            throw e;
        }
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("discovery", rp.discovery());
        ports.put("communication", rp.communication());
        ports.put("thinClient", rp.thinClient());
        ports.put("memcached", memcachedPort);
        ports.put("admin", adminPort);
        Membership membership = Membership.open(Path.of(config.node().dataDir()), config.node().name(),
                config.cluster().expectedSize());
        boolean knewPeers = membership.members().size() > 1;
        Ignite ignite;
        java.util.concurrent.atomic.AtomicReference<Runnable> segmented = new java.util.concurrent.atomic.AtomicReference<>();
        ChangedKeys changedKeys = config.localCopy().enabled() && config.localCopy().appendChanges()
                ? new ChangedKeys(MAX_CHANGED_KEYS) : null;
        // A fenced node halts, and its data with it: its local copy is written first (bounded), while the fence
        // still holds Ignite's discovery thread, so no write waiting on the failed members is acknowledged meanwhile.
        // (One whose send to a backup failed outright was acknowledged already: Ignite counts a failed send as an
        // answer. It lives on this node, and the copy written here holds it.)
        java.util.concurrent.atomic.AtomicReference<Runnable> beforeFence = new java.util.concurrent.atomic.AtomicReference<>();
        QuorumFence.Action fenceAfterCopy = reason -> {
            Runnable copy = beforeFence.get();
            if (copy != null) {
                copy.run();
            }
            fence.fence(reason);
        };
        try {
            org.apache.ignite.configuration.IgniteConfiguration ic = IgniteConfigFactory.build(config, rp, memcachedPort,
                    adminPort, logConfig, membership, fenceAfterCopy, tls);
            if (config.localCopy().enabled()) {
                IgniteLocalCopy.onSegmented(ic, segmented);
                if (changedKeys != null) {
                    IgniteLocalCopy.trackChanges(ic, config.zones().keySet(), changedKeys);
                }
            }
            ignite = Ignition.start(ic);
        } catch (RuntimeException e) {
            if (memcached != null) {
                memcached.close();
            }
            admin.close();
            throw e;
        }
        try {
            if (tls != null) {
                IgniteTlsRefusals.register((org.apache.ignite.internal.IgniteEx) ignite, tls.refusals());
            }
            ClientWireTypes.register(ignite);
            boolean domains = !config.node().failureDomain().isEmpty();
            config.zones().keySet().forEach(zone -> ignite.getOrCreateCache(
                    IgniteConfigFactory.zoneCache(config, zone, domains)));
            ignite.getOrCreateCache(IgniteMembership.cacheConfig());
            IgniteMembership igniteMembership = new IgniteMembership(ignite, membership);
            igniteMembership.poll();
            InFlight inFlight = new InFlight();
            IgniteTenantRegistry registry = new IgniteTenantRegistry(ignite, config.zones().keySet(),
                    Placement.fromConfig(config.tenants().placement(), config.zones().keySet(),
                            MaintenanceMode.of(config.tenants().maintenanceMode()).name().toLowerCase(
                                    java.util.Locale.ROOT)), inFlight,
                    IgniteConfigFactory.systemRegionBytes(config));
            TenantStats tenantStats = new TenantStats();
            // The node's local copy, which exists only once the node has started: until its start-up load is
            // over, gets read primary copies (LocalCopyService.backupsMayLag).
            java.util.concurrent.atomic.AtomicReference<HearthNode> self =
                    new java.util.concurrent.atomic.AtomicReference<>();
            // 10 ms ticks: the failover delay (100 ms) and the operation timeout (2 s) need no finer grain.
            io.netty.util.HashedWheelTimer failoverTimer = new io.netty.util.HashedWheelTimer(
                    daemonThreads("hearth-timer"), 10, TimeUnit.MILLISECONDS, 512);
            IgniteCacheService cache = new IgniteCacheService(ignite, config.zones().keySet(), registry, inFlight,
                    MaintenanceMode.of(config.tenants().maintenanceMode()), stats, tenantStats,
                    new IgniteCacheService.Resilience(config.memcached().readFailoverAfter(),
                            config.memcached().operationTimeout(),
                            () -> membership.hasQuorum() ? null : membership.noQuorumReason(), failoverTimer,
                            FAILOVER_ASKER, () -> {
                                HearthNode n = self.get();
                                LocalCopyService c = n == null ? null : n.localCopy;
                                return c != null && c.backupsMayLag();
                            }));
            MemcachedServer mc = memcached;
            IgniteNodeStatus status = new IgniteNodeStatus(ignite, config, ports,
                    () -> accepting.get() && (mc == null || mc.accepting()), stopping::get, membership);
            starting.delegate = status;
            if (memcached != null) {
                memcached.ready(cache);
            }
            accepting.set(true);
            HearthNode node = new HearthNode(config, ignite, cache, status, admin, memcached, ports, stopping,
                    accepting);
            self.set(node);
            node.registry = registry;
            node.adminToken = adminToken;
            node.tls = tls;
            node.membership = igniteMembership;
            node.failoverTimer = failoverTimer;
            node.changedKeys = changedKeys;
            segmented.set(node::writeLocalCopyBeforeSegmentedStop);
            beforeFence.set(() -> node.writeFinalLocalCopy("before its fence: members failed and this node has no quorum"));
            node.tenants = new TenantService(config.node().name(), config.zones(), registry,
                    new IgniteTenantStore(ignite, cache), tenantStats, config.tenants().metricsTenants(),
                    node.tenantExecutor);
            admin.tenantOperations(node.tenants);
            if (memcached != null) {
                TenantService tenants = node.tenants;
                memcached.tenantFlush(tenants::flush);
            }
            node.igniteStateListener = node::onIgniteState;
            Ignition.addListener(node.igniteStateListener);
            node.startOperations();
            warnIfAlone(config, ignite, knewPeers);
            LOG.info("Hearth node {} started in {} ms: cluster of {} node(s), ports {}", config.node().name(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), ignite.cluster().forServers().nodes().size(),
                    ports);
            return node;
        } catch (RuntimeException e) {
            if (memcached != null) {
                memcached.close();
            }
            admin.close();
            Ignition.stop(ignite.name(), true);
            throw e;
        }
    }

    /** Says at start who may use the admin port: with the token, or (a warning) anyone who reaches it. */
    private static void logAdminAccess(HearthConfig config, AdminToken adminToken, String bind, int adminPort) {
        if (adminToken.required()) {
            LOG.info("Admin port {}: actions and cluster reads need the admin token ({}; fingerprint {}); /metrics {}",
                    adminPort, config.admin().tokenFile() != null ? "file " + config.admin().tokenFile()
                            : "admin.token", adminToken.fingerprint(),
                    config.admin().openMetrics() ? "open" : "needs it too");
        } else {
            LOG.warn("Admin port {} is open: anyone who reaches {}:{} can shut nodes down, flush tenants and read the "
                    + "cluster's internals. Set admin.token or admin.tokenFile (docs/security.md, \"Admin "
                    + "authentication\")", adminPort, bind, adminPort);
        }
    }

    /**
     * The memcached port reserved (its real port goes into the node attributes), or null when memcached is off;
     * closes {@code admin} if it cannot be.
     */
    private static MemcachedServer reserveMemcached(HearthConfig config, OperationStats stats, NodeTls tls,
            String bind, AdminServer admin) {
        if (!config.memcached().enabled()) {
            return null;
        }
        MemcachedServer memcached;
        try {
            memcached = new MemcachedServer(config.memcached(), stats, tls);
        } catch (RuntimeException e) {
            admin.close();
            throw e;
        }
        try {
            memcached.start(bind, config.ports().memcached());
        } catch (RuntimeException e) {
            memcached.close();
            admin.close();
            throw e;
        }
        return memcached;
    }

    /** A node that formed a cluster alone though other addresses were configured is probably cut off: say so. */
    private static void warnIfAlone(HearthConfig config, Ignite ignite, boolean knewPeers) {
        if (ignite.cluster().forServers().nodes().size() == 1 && !knewPeers
                && config.cluster().expectedSize() == 0 && config.cluster().discovery().equals("static")
                && config.cluster().addresses().size() > 1) {
            LOG.warn("Node {} formed a new cluster on its own: no other address of cluster.addresses {} answered. "
                    + "If this node should have joined a running cluster, check the network and the other nodes; "
                    + "set cluster.expectedSize so that a node alone is never ready", config.node().name(),
                    config.cluster().addresses());
        }
    }

    /** The context peers' admin ports are asked with: HTTPS with this node's certificate when TLS is on. */
    private javax.net.ssl.SSLContext peerTls() {
        return tls == null ? null : tls.sslContext();
    }

    private void startOperations() {
        Path dataDir = Path.of(config.node().dataDir());
        exhaustion = new ExhaustionLog(dataDir);
        try {
            List<ExhaustionLog.Exit> exits = exhaustion.exits();
            exhaustionExits = ExhaustionLog.counts(exits);
            if (!exits.isEmpty()) {
                ExhaustionLog.Exit last = exits.get(exits.size() - 1);
                LOG.warn("Node {} has left {} time(s) for exhausted memory ({}); the last, at {}: {}",
                        config.node().name(), exits.size(), exhaustionExits, java.time.Instant.ofEpochMilli(
                                last.atMillis()), last.message());
            }
        } catch (IOException e) {
            LOG.warn("Cannot read {}: {}", dataDir.resolve("exhaustion-exits"), e.toString());
        }
        status.exhaustionExits(() -> exhaustionExits);
        if (memcached != null) {
            memcached.onExhausted(why -> exhaustedSoon("direct", why));
        }
        dumps = new DumpService(dataDir, config.node().name(), config.zones().keySet(),
                IgniteDumpSupport.localEntries(ignite), opsExecutor, disk);
        status.diskFull(disk::counts);
        paces = ReadProbe.paces(ignite, config.zones().keySet(), config.warmup().readLatencyTarget());
        warmup = new WarmupService(dumps, IgniteDumpSupport.loader(ignite, config.warmup().batchTimeout()), opsExecutor,
                paces);
        admin.operations(new NodeOperations(config.node().name(), status, dumps, warmup,
                () -> shutdownAction.run()));
        integrity = new IntegrityService(config.node().name(), new IgniteCopies(ignite), config.zones().keySet(),
                registry::zoneOf, config.testing().damageEndpoint() ? new DamageInjector(ignite) : null,
                new RegistryMaintenance(registry), integrityExecutor);
        admin.integrity(integrity);
        admin.activity(this::activity);
        admin.membership(new dev.hearth.node.admin.MembershipOperations() {
            @Override
            public String self() {
                return config.node().name();
            }

            @Override
            public MembershipView view() {
                return membership.membership().view();
            }

            @Override
            public MembershipView forget(String node) {
                membership.forget(node);
                return membership.membership().view();
            }
        });
        // A topology change is taken in at once: status, readiness and the split watch read this view, and a view a
        // poll interval behind showed a freshly started cluster as split. The poll stays for the periodic re-sync.
        membership.onTopologyChange(() -> {
            try {
                membershipExecutor.execute(this::pollMembership);
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                LOG.debug("Topology changed while the node stops: not polling the members");
            }
        });
        membershipExecutor.scheduleWithFixedDelay(this::pollMembership, 1, 1, TimeUnit.SECONDS);
        SplitWatch watch = new SplitWatch(membership.membership(),
                new HttpPeerProbe(Duration.ofSeconds(1), peerTls(), adminToken::authorization),
                why -> failForSupervisor(why + " (node " + config.node().name() + ")"));
        membershipExecutor.scheduleWithFixedDelay(() -> checkSplit(watch), SPLIT_CHECK_INTERVAL.toMillis(),
                SPLIT_CHECK_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        PeerWatch peers = new PeerWatch(membership.membership(),
                new HttpPeerProbe(Duration.ofSeconds(1), peerTls(), adminToken::authorization),
                PEER_SILENCE, System::nanoTime, peerProbes);
        peerWatchExecutor.scheduleWithFixedDelay(() -> checkPeers(peers), 1, 1, TimeUnit.SECONDS);
        Duration every = config.dump().interval();
        if (!every.isZero()) {
            scheduler.scheduleWithFixedDelay(this::scheduledDump, every.toMillis(), every.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        if (!config.cluster().stuckExchangeTimeout().isZero()) {
            scheduler.scheduleWithFixedDelay(this::checkExchange, 1, 1, TimeUnit.SECONDS);
        }
        if (!config.cluster().workerBlockedTimeout().isZero()) {
            WorkerWatchdog watchdog = new WorkerWatchdog(WorkerWatchdog.of(ignite),
                    config.cluster().workerBlockedTimeout(), System::currentTimeMillis, (w, blockedMillis) -> {
                        LOG.error("Ignite system worker {} has been inside one task for {} s (more than "
                                + "cluster.workerBlockedTimeout {} s, counting only time this node was running); its "
                                + "stack:{}", w.name(), String.format("%.1f", blockedMillis / 1000.0),
                                config.cluster().workerBlockedTimeout().toSeconds(), WorkerWatchdog.stack(w));
                        failForSupervisor("Ignite system worker " + w.name() + " blocked for " + blockedMillis / 1000
                                + " s");
                    });
            long period = WorkerWatchdog.PERIOD.toMillis();
            watchdogExecutor.scheduleWithFixedDelay(() -> {
                try {
                    watchdog.check();
                } catch (RuntimeException e) {
                    // Thrown out of a fixed-delay task, it would end the watch for good, without a word.
                    LOG.warn("Blocked-worker watch: {}", e.toString());
                }
            }, period, period, TimeUnit.MILLISECONDS);
        }
        if (config.localCopy().enabled()) {
            localCopy = new LocalCopyService(dataDir, config.zones().keySet(), new IgniteLocalCopy(ignite), disk,
                    changedKeys);
            LocalCopyService lc = localCopy;
            status.localCopy(() -> lc.status(true));
        }
        // Other nodes' install requests wait for this (a cluster that formed empty installs files locally).
        IgniteLocalInstall.publish(ignite, localCopy);
        LocalCopyService copy = localCopy;
        WarmupService dumpWarmup = warmup;
        status.refill(() -> Refill.current(
                copy == null ? null : copy.status(true).lastLoad().refill(), dumpWarmup.refill()));
        if (config.warmup().auto() || localCopy != null) {
            WarmupService.ClusterLoader loader = IgniteDumpSupport.loader(ignite, config.warmup().batchTimeout());
            opsExecutor.execute(() -> {
                try {
                    IgniteMembership members = membership;
                    IgniteLocalCopy cluster = new IgniteLocalCopy(ignite, () -> members == null ? List.of()
                            : members.membership().view().missing());
                    AutoWarmup.maybeStart(cluster, Clock.systemUTC(), config.zones().keySet(), warmup,
                            config.warmup().rate(), localCopy, loader, config.warmup().auto(), paces,
                            new LastCluster(dataDir));
                } catch (RuntimeException e) {
                    LOG.error("Start-up load of the local copy or dump failed; the node serves without it", e);
                } finally {
                    if (localCopy != null) {
                        localCopy.startUpLoadOver();
                    }
                    startLocalCopyWrites();
                }
            });
        }
    }

    /** Connections, the newest dump and job progress, for /metrics. */
    private NodeActivity activity() {
        MemcachedServer mc = memcached;
        long lastDump = dumps.newestCompletedAt();
        WarmupService.Status w = warmup.status();
        Map<String, NodeActivity.Job> jobs = new java.util.HashMap<>();
        if (!w.state().equals("idle")) {
            jobs.put("warmup", NodeActivity.Job.of(w.state().equals("running"), w.entriesRead(), w.entriesTotal()));
        }
        jobs.put("verify", integrity.latest("verify"));
        jobs.put("recover", integrity.latest("recover"));
        return new NodeActivity(mc == null ? 0 : mc.connections(),
                mc == null ? 0 : config.memcached().maxConnections(), lastDump, jobs);
    }

    private void startLocalCopyWrites() {
        if (localCopy == null || stopping.get() || failed) {
            return;
        }
        localCopyWritable = true;
        long every = config.localCopy().interval().toMillis();
        // Rounds start every interval, not an interval after the last one ended: a partition is scanned at about
        // the same point of each round, so a write reaches the disk within one interval. With a fixed delay it took
        // the interval plus a round, and a round of 1 GiB under writes takes 4-6 s: a kill -9 of every node lost
        // 3.7% of the writes older than the interval (bench/one-gib.sh STEPS=kill9).
        // The first round at once, the later ones at a phase of this node's own: nodes that started together (a
        // whole cluster, or every node of one machine) would otherwise write their rounds in step, and their CPU
        // would come in bursts on a shared machine instead of evenly.
        localCopyExecutor.execute(() -> writeLocalCopy(every));
        long phase = 1 + java.util.concurrent.ThreadLocalRandom.current().nextLong(every);
        localCopyExecutor.scheduleAtFixedRate(() -> writeLocalCopy(every), phase, every, TimeUnit.MILLISECONDS);
    }

    private void writeLocalCopy(long every) {
        if (failed || stopping.get()) {
            // Ignite may be stopping underneath: what it shows now could be emptier than the files on disk.
            return;
        }
        try {
            localCopy.writeChanged(config.localCopy().spread());
        } catch (java.util.concurrent.CancellationException interrupted) {
            // The stop interrupted a paced round's wait: the final write follows.
            return;
        } catch (RuntimeException e) {
            // Thrown out of a periodic task, it would end the writes for good, without a word.
            LOG.warn("Local copy write failed: {}", e.toString());
        }
        // The round's work, without the waits of a paced round.
        long took = localCopy.lastRoundWorkMillis();
        if (took > every / 2 && slowLocalCopyLog.allow("round")) {
            LOG.warn("Local copy: a round took {} ms, more than half of localCopy.interval ({} ms): a crash may "
                    + "lose, at worst, writes up to about {} ms old, not {}. A round rewrites whole the partitions "
                    + "most of whose entries changed (a bulk load) and appends the changes of the others; a longer "
                    + "interval or less data per node shortens them", took, every, every + took, every);
        }
    }

    /** Ends the periodic local-copy writes, waiting (bounded) for one in progress to finish. */
    private void stopLocalCopyWrites() {
        localCopyExecutor.shutdownNow();
        try {
            if (!localCopyExecutor.awaitTermination(config.localCopy().finalWriteTimeout().toMillis(),
                    TimeUnit.MILLISECONDS)) {
                LOG.warn("Local copy: a periodic write still runs {} s after the stop began",
                        config.localCopy().finalWriteTimeout().toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The final write of a node that leaves while Ignite still holds its data (stop, segmented, wedged). */
    private void writeFinalLocalCopy(String why) {
        if (localCopy != null && localCopyWritable) {
            IgniteLocalCopy.writeBounded(localCopy, config.localCopy().finalWriteTimeout(), why);
        }
    }

    private void writeLocalCopyBeforeSegmentedStop() {
        if (stopping.get()) {
            return;
        }
        writeFinalLocalCopy("before leaving: the node was segmented");
    }

    private void pollMembership() {
        try {
            membership.poll();
        } catch (RuntimeException e) {
            // Thrown out of a fixed-delay task, it would end the polling for good, without a word.
            LOG.warn("Could not read the cluster's members: {}", e.toString());
        }
    }

    private void checkPeers(PeerWatch watch) {
        if (stopping.get() || failed) {
            return;
        }
        try {
            watch.check();
        } catch (RuntimeException e) {
            // Thrown out of a fixed-delay task, it would end the watch for good, without a word.
            LOG.warn("Peer check failed: {}", e.toString());
        }
    }

    private void checkSplit(SplitWatch watch) {
        if (stopping.get() || failed) {
            return;
        }
        try {
            watch.check();
        } catch (RuntimeException e) {
            LOG.warn("Split check failed: {}", e.toString());
        }
    }

    private void scheduledDump() {
        try {
            String name = SCHEDULED_PREFIX + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                    .withZone(java.time.ZoneOffset.UTC).format(java.time.Instant.now());
            dumps.start(name, List.of());
            dumps.prune(SCHEDULED_PREFIX, config.dump().keep());
        } catch (RuntimeException e) {
            LOG.warn("Scheduled dump skipped: {}", e.getMessage());
        }
    }

    /**
     * What an admin shutdown request does once accepted. Defaults to a graceful stop of this node; the process
     * entry point replaces it with an exit so the supervisor restarts the process.
     */
    public void onShutdownRequest(Runnable action) {
        this.shutdownAction = action;
    }

    public DumpService dumps() {
        return dumps;
    }

    /** Verify, repair and zone recovery run from this node. */
    public IntegrityService integrity() {
        return integrity;
    }

    public TenantService tenants() {
        return tenants;
    }

    public IgniteTenantRegistry registry() {
        return registry;
    }

    /** This node's local copy, or null when localCopy.enabled is false. */
    public LocalCopyService localCopy() {
        return localCopy;
    }

    public WarmupService warmup() {
        return warmup;
    }

    public CacheService cache() {
        return cache;
    }

    public NodeStatus status() {
        return status;
    }

    public Ignite ignite() {
        return ignite;
    }

    /** Whom this node expects in its cluster, and the operator's forget. */
    public IgniteMembership membership() {
        return membership;
    }

    /** Actual ports by name: discovery, communication, thinClient, memcached, admin. */
    public Map<String, Integer> ports() {
        return Map.copyOf(ports);
    }

    public HearthConfig config() {
        return config;
    }

    /**
     * Ignite can stop on its own: segmented from the cluster (e.g. after being frozen longer than the failure
     * detection timeout) or on a critical failure. A process whose Ignite is gone must not linger with its admin
     * port up, so the node reports itself stopped and failed; {@code Main} then exits non-zero for the supervisor.
     */
    private void onIgniteState(String name, IgniteState state) {
        if (!ignite.name().equals(name) || state == IgniteState.STARTED || stopping.get()) {
            return;
        }
        failForSupervisor("Ignite stopped underneath node " + config.node().name() + " (" + state
                + "): the node left the cluster");
    }

    /**
     * A wedged node: after a pause of the whole cluster (every node frozen past the failure detection timeout), one
     * node's exchange was seen waiting for acknowledgements that never came, while a peer went on sending to a member
     * that had dropped it: over 90 s with no end in sight. Ignite has no timeout for that wait. In the pause drill
     * (bench/whole-cluster-pause.py) the stuck node's exit released the peer within 2 s (it found itself dropped and
     * exited too), and the restarted nodes formed a serving cluster again.
     */
    private void checkExchange() {
        long blocked;
        try {
            blocked = status.exchangeBlockedMillis();
        } catch (RuntimeException e) {
            // Thrown out of a fixed-delay task, it would end the watch for good, without a word.
            LOG.warn("Could not read how long the partition exchange has blocked cache operations: {}", e.toString());
            return;
        }
        Duration timeout = config.cluster().stuckExchangeTimeout();
        if (blocked < timeout.toMillis() || stopping.get() || failed) {
            return;
        }
        // A stuck exchange blocks every node at once. Were every node to leave when the timeout passes, the cluster
        // would lose every copy at once (and restart empty); one at a time, youngest first, the first exit usually
        // releases the others (seen in the pause drill: within 2 s).
        int younger = youngerServers();
        long limit = timeout.toMillis() * (1 + younger);
        if (blocked >= limit) {
            failForSupervisor("a partition exchange has blocked cache operations on node " + config.node().name()
                    + " for " + blocked / 1000 + " s (cluster.stuckExchangeTimeout is " + timeout.toSeconds()
                    + " s, times " + (1 + younger) + " for this node, which has " + younger + " younger server(s) "
                    + "that leave first): the node is wedged");
        }
    }

    /** Server nodes that joined after this one (their leaving comes first when an exchange is stuck). */
    private int youngerServers() {
        long mine = ignite.cluster().localNode().order();
        int n = 0;
        for (org.apache.ignite.cluster.ClusterNode other : ignite.cluster().forServers().nodes()) {
            if (other.order() > mine) {
                n++;
            }
        }
        return n;
    }

    /**
     * Makes this node leave, with the figures, when the heap is nearly exhausted ({@link HeapWatch}). For a node that
     * is its whole process ({@code Main}): the heap is the JVM's, and nodes sharing one JVM (tests) would all leave
     * for whatever else fills it.
     */
    public void watchHeap() {
        if (heapWatch == null) {
            heapWatch = new HeapWatch(HEAP_EXIT_THRESHOLD, why -> exhaustedSoon("heap", why));
        }
    }

    private final AtomicBoolean exhausting = new AtomicBoolean();

    /**
     * {@link #exhausted} on a thread of its own: the report comes on an event loop or the JVM's notification thread,
     * and leaving writes the local copy first, which takes seconds.
     */
    private void exhaustedSoon(String kind, String why) {
        // Once: a burst of failing connections reports the same exhaustion many times, and the restarted node must
        // count one exit, not one per report.
        if (!exhausting.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(() -> exhausted(kind, why), "hearth-exhausted");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Memory of {@code kind} ran out: the figures go to the log and to {@link ExhaustionLog} (so the restarted node
     * counts this exit), then the node leaves for its supervisor to restart it.
     */
    private void exhausted(String kind, String why) {
        // Recorded before it is logged: the heap may still run out (the JVM then exits at once), and a log line
        // saying why without the recorded exit would leave the restarted node counting none.
        try {
            exhaustion.record(kind, why);
        } catch (IOException | RuntimeException e) {
            LOG.error("Cannot record the {} exhaustion in {}: {}", kind, config.node().dataDir(), e.toString());
        }
        LOG.error("Node {}: {}", config.node().name(), why);
        failForSupervisor(why);
    }

    /** Reports the node stopped and failed; {@code Main} then exits non-zero for the supervisor to restart it. */
    private synchronized void failForSupervisor(String why) {
        if (failed) {
            return;
        }
        failed = true;
        accepting.set(false);
        LOG.error("{}; it will exit so that its supervisor restarts it", why);
        if (Ignition.state(ignite.name()) == IgniteState.STARTED) {
            // Wedged or without quorum: Ignite still holds this node's partitions, so they go to disk first.
            writeFinalLocalCopy("before leaving: " + why);
        }
        stopped.complete(null);
    }

    /** True when Ignite stopped on its own (segmentation, critical failure) rather than by {@link #close}. */
    public boolean failed() {
        return failed;
    }

    /** Completes once the node has stopped. */
    public CompletableFuture<Void> stopped() {
        return stopped;
    }

    /**
     * Graceful stop: readiness turns false and endpoints stop accepting, then Ignite leaves the cluster once every
     * partition it holds has another copy. If that takes longer than {@code shutdown.timeout}, the node stops
     * anyway and says so.
     *
     * @return true if the stop was graceful within the timeout; false means Ignite is still stopping and the
     *     process should exit (halt) now
     */
    public boolean stopGracefully() {
        if (failed) {
            stopping.set(true);
            if (memcached != null) {
                memcached.close();
            }
            // Ignite is gone or going: nothing periodic may run on after this returns (a local-copy write in
            // progress would go on creating files in the data directory a test, or the next start, is using).
            scheduler.shutdownNow();
            watchdogExecutor.shutdownNow();
            closeHeapWatch();
            stopLocalCopyWrites();
            membershipExecutor.shutdownNow();
            peerWatchExecutor.shutdownNow();
            peerProbes.shutdownNow();
            opsExecutor.shutdownNow();
            awaitDataDirWriters();
            admin.close();
            if (tls != null) {
                tls.close();
            }
            forgetIgniteState();
            return false;
        }
        if (!stopping.compareAndSet(false, true)) {
            stopped.join();
            return !failed;
        }
        Duration timeout = config.shutdown().timeout();
        long t0 = System.nanoTime();
        LOG.info("Stopping node {} gracefully (up to {} s)", config.node().name(), timeout.toSeconds());
        accepting.set(false);
        // Endpoints first, while Ignite still serves: no new memcached connections, and each open one is closed
        // once it has answered every request it received, so its client moves on to other nodes without losing an
        // answer while this node hands its partitions over.
        if (memcached != null) {
            memcached.drain(MEMCACHED_DRAIN);
            memcached.close();
        }
        scheduler.shutdownNow();
        stopLocalCopyWrites();
        watchdogExecutor.shutdownNow();
        closeHeapWatch();
        // With the endpoints closed nothing changes any more: this copy is the node's last state.
        writeFinalLocalCopy("at a graceful stop");
        membershipExecutor.shutdownNow();
        peerWatchExecutor.shutdownNow();
        peerProbes.shutdownNow();
        opsExecutor.shutdownNow();
        integrityExecutor.shutdownNow();
        tenantExecutor.shutdownNow();
        awaitDataDirWriters();
        if (registry != null) {
            registry.close();
        }
        // Alone, there is nobody to hand partitions to: GRACEFUL would wait forever for a copy that cannot appear.
        boolean alone = ignite.cluster().forServers().nodes().size() <= 1;
        ShutdownPolicy policy = alone ? ShutdownPolicy.IMMEDIATE : ShutdownPolicy.GRACEFUL;
        CompletableFuture<Void> igniteStop = CompletableFuture.runAsync(
                () -> IgnitionEx.stop(ignite.name(), false, policy, false), r -> {
                    Thread t = new Thread(r, "hearth-ignite-stop");
                    t.setDaemon(true);
                    t.start();
                });
        boolean graceful = true;
        try {
            igniteStop.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            graceful = false;
            LOG.error("Graceful stop did not finish in {} s: other nodes could not take over this node's partitions "
                    + "(are they stopping too?). Exiting without waiting; partitions whose last copy is here are lost",
                    timeout.toSeconds());
        } catch (Exception e) {
            LOG.warn("Ignite stop failed", e);
        }
        if (failoverTimer != null) {
            failoverTimer.stop();
        }
        admin.close();
        if (tls != null) {
            tls.close();
        }
        forgetIgniteState();
        LOG.info("Node {} stopped in {} ms", config.node().name(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        stopped.complete(null);
        return graceful;
    }

    private void forgetIgniteState() {
        IgnitionListener l = igniteStateListener;
        if (l != null) {
            Ignition.removeListener(l);
        }
    }

    @Override
    public void close() {
        stopGracefully();
    }

    /**
     * Waits (bounded) for a task already running on the executors that write under node.dataDir (the membership
     * record, a start-up load) to end once they were shut down: one still running after the stop created files in a
     * data directory a test was deleting (StuckExchangeClusterTest, once in CI), or that the next start uses.
     */
    private void awaitDataDirWriters() {
        long deadline = System.nanoTime() + DATA_DIR_WRITERS_WAIT.toNanos();
        for (java.util.concurrent.ExecutorService e : List.of(membershipExecutor, opsExecutor)) {
            try {
                if (!e.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    LOG.warn("A task under node.dataDir still runs {} s after the stop began",
                            DATA_DIR_WRITERS_WAIT.toSeconds());
                    return;
                }
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void closeHeapWatch() {
        HeapWatch w = heapWatch;
        if (w != null) {
            w.close();
        }
    }

    private static java.util.concurrent.ThreadFactory daemonThreads(String name) {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Answers for the node until Ignite has started, then for the real status. */
    private static final class StartingStatus implements NodeStatus {
        private volatile NodeStatus delegate;

        @Override
        public Readiness readiness() {
            NodeStatus d = delegate;
            return d == null ? new Readiness(false, "starting: joining the cluster") : d.readiness();
        }

        @Override
        public StopSafety safety() {
            NodeStatus d = delegate;
            return d == null ? new StopSafety(false, List.of(Readiness.STILL_STARTING)) : d.safety();
        }

        @Override
        public long exchangeBlockedMillis() {
            NodeStatus d = delegate;
            return d == null ? 0 : d.exchangeBlockedMillis();
        }

        @Override
        public NodeSnapshot snapshot() {
            NodeStatus d = delegate;
            if (d == null) {
                throw new IllegalStateException(Readiness.STILL_STARTING);
            }
            return d.snapshot();
        }
    }
}
