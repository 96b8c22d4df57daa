package dev.hearth.node.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The whole configuration of one node, as bound from {@code hearth-defaults.yaml} plus the operator's file,
 * env vars and {@code --set} overrides. Immutable; {@link ConfigLoader} is the only way to make a valid one.
 */
public record HearthConfig(
        Node node,
        Cluster cluster,
        Ports ports,
        Memory memory,
        Map<String, Zone> zones,
        Memcached memcached,
        Dump dump,
        Warmup warmup,
        Logging logging,
        Shutdown shutdown,
        Testing testing,
        Tenants tenants,
        LocalCopy localCopy,
        Admin admin,
        Tls tls) {

    /** {@code attributes}: free-form name -> value labels of this node, matched by a zone's {@code nodeFilter}. */
    public record Node(String name, String failureDomain, String dataDir, Map<String, String> attributes) {
    }

    public record Cluster(
            String name,
            String discovery,
            String bindAddress,
            List<String> addresses,
            Kubernetes kubernetes,
            Duration failureDetectionTimeout,
            Duration rebalanceThrottle,
            ByteSize rebalanceBatchSize,
            Duration stuckExchangeTimeout,
            Duration workerBlockedTimeout,
            int expectedSize,
            String secret,
            String secretFile,
            int stripedPoolSize,
            int communicationSelectors) {

        /** Threads of Ignite's striped pool (cache messages): {@code stripedPoolSize}, or {@link #halfTheCores()}. */
        public int stripedThreads() {
            return stripedPoolSize > 0 ? stripedPoolSize : halfTheCores();
        }

        /** Network threads between nodes: {@code communicationSelectors}, or {@link #halfTheCores()}. */
        public int selectorThreads() {
            return communicationSelectors > 0 ? communicationSelectors : halfTheCores();
        }
    }

    /**
     * The default size of the node's busy thread pools: one thread per two cores (the JVM's count, which follows a
     * container's CPU limit), at least 1. Every thread that takes a message wakes up for it; on 2 cores, Ignite's and
     * Netty's own defaults (8 striped threads, 4 selectors, 4 event loops per node) cost the memcached port 33-45% more
     * CPU per operation (docs/benchmarks.md, "Thread pools sized to the cores").
     */
    public static int halfTheCores() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    public record Kubernetes(String namespace, String service, String masterUrl) {
    }

    /** Port numbers; 0 means "pick a free one". */
    public record Ports(int discovery, int communication, int thinClient, int memcached, int admin) {
    }

    public record Memory(ByteSize heap, ByteSize directMemory, ByteSize systemRegion, ByteSize defaultZoneBudget) {
    }

    /**
     * A zone: one Ignite cache in its own data region. {@code memory} is null until defaults are applied.
     * {@code nodeFilter} (attribute -> value, empty = every node): the zone lives only on nodes whose
     * {@code node.attributes} hold every one of these pairs.
     */
    public record Zone(ByteSize memory, Integer backups, Map<String, String> nodeFilter) {
    }

    /**
     * Tenant placement and maintenance. {@code placement}: a zone name (every tenant without a registry record lives
     * there) or {@code hash} (spread over every zone by CRC32 of the name). {@code maintenanceMode}: miss or reject.
     * {@code metricsTenants}: tenants with their own series in /metrics; the rest are summed as "other".
     */
    public record Tenants(String placement, String maintenanceMode, int metricsTenants) {
    }

    /**
     * The memcached endpoint. {@code tenantMode} is prefix, fixed or authenticated. {@code users} (user -> password
     * hash or plain password) and {@code usersFile} (a file of {@code user:secret} lines, "" = none) are the SASL
     * users, one source or the other; {@code saslOverPlaintext} allows SASL on connections without TLS;
     * {@code maxAuthFailures} failed authentications close a connection.
     */
    public record Memcached(
            boolean enabled,
            String tenantMode,
            String tenant,
            ByteSize maxItemSize,
            int maxConnections,
            Duration idleTimeout,
            Duration readFailoverAfter,
            Duration operationTimeout,
            Map<String, String> users,
            ByteSize outputMemory,
            ByteSize connectionOutput,
            ByteSize inputMemory,
            Duration slowReaderTimeout,
            Duration requestTimeout,
            String usersFile,
            boolean saslOverPlaintext,
            int maxAuthFailures,
            int ioThreads) {

        /** Event-loop threads of the memcached port: {@code ioThreads}, or {@link HearthConfig#halfTheCores()}. */
        public int eventLoopThreads() {
            return ioThreads > 0 ? ioThreads : halfTheCores();
        }
    }

    /**
     * TLS on every port (memcached, admin, thin client, discovery, communication). Paths are empty when unset;
     * when {@code enabled}, {@code certFile}, {@code keyFile} and {@code caFile} are set (validated by the loader).
     * {@code reloadInterval}: how often the files are checked for changes.
     */
    public record Tls(boolean enabled, String certFile, String keyFile, String caFile, Duration reloadInterval) {
    }

    public record Dump(Duration interval, int keep) {
    }

    /**
     * {@code readLatencyTarget}: a refill (local-copy load or warm-up) slows down while it adds more than this to
     * reads, 0 to pace by {@code rate} only.
     */
    public record Warmup(boolean auto, long rate, Duration batchTimeout, Duration readLatencyTarget) {
    }

    /**
     * {@code interval}: how often the partitions that changed are written to {@code <dataDir>/local-copy/} (a crash
     * loses at most that much); {@code finalWriteTimeout}: longest a stop or a segmented node spends writing it;
     * {@code paced}: the periodic round spreads its writes over nine tenths of {@code interval} instead of writing
     * them as fast as it can (the write at a stop never waits); {@code appendChanges}: a partition file takes the
     * values of the keys that changed since its last write instead of being rewritten whole.
     */
    public record LocalCopy(boolean enabled, Duration interval, Duration finalWriteTimeout, boolean paced,
            boolean appendChanges) {
        /** How long a periodic round spreads its writes over. */
        public Duration spread() {
            // Not the whole interval: a tenth is left for a round that runs late to end before the next begins.
            return paced ? interval.multipliedBy(9).dividedBy(10) : Duration.ZERO;
        }
    }

    public record Logging(String format, String level) {
    }

    public record Shutdown(Duration timeout) {
    }

    /**
     * Who may use the admin port. {@code token} or {@code tokenFile} (never both; null = not set): the cluster's bearer
     * token, which every protected route needs (docs/security.md, "Admin authentication") and the nodes send each
     * other; with neither, the admin port is open. {@code tokens}: name -> token of operators, accepted too and named
     * in the audit log (needs token or tokenFile). {@code openMetrics}: {@code /metrics} answers without a token.
     */
    public record Admin(String token, String tokenFile, Map<String, String> tokens, boolean openMetrics) {
    }

    /** Hooks for tests only. {@code damageEndpoint}: POST /admin/test/damage exists (else 404). */
    public record Testing(boolean damageEndpoint) {
    }

    /** Total off-heap this node may allocate: the system region plus every zone's budget. */
    public long offHeapBudgetBytes() {
        long sum = memory.systemRegion().bytes();
        for (Zone z : zones.values()) {
            sum += z.memory().bytes();
        }
        return sum;
    }
}
