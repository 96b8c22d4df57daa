package dev.hearth.node.admin;

import dev.hearth.node.cache.OperationStats;
import dev.hearth.node.security.TlsRefusals;
import dev.hearth.node.tenant.TenantOperations;
import dev.hearth.wire.ZoneStatus;
import dev.hearth.wire.status.NodeSnapshot;
import dev.hearth.node.health.NodeActivity;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Renders one scrape in Prometheus text format from a status snapshot and the operation counters. Built per
 * scrape from values already counted elsewhere, so nothing on the request path touches a metrics library.
 */
public final class MetricsRenderer {
    public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    /** The JVM's own figures (memory pools, GC, threads, classes, process CPU), in the names every JVM uses. */
    private final PrometheusRegistry jvm = new PrometheusRegistry();

    public MetricsRenderer() {
        JvmMetrics.builder().register(jvm);
    }

    /**
     * @param tenants per-tenant and per-zone figures, or null when the tenant service is not up yet
     * @param tlsRefusals connections the TLS ports refused, or null when TLS is off (no series then)
     * @param activity connections, dumps and jobs ({@link NodeActivity#NONE} while the node starts)
     */
    public byte[] render(NodeSnapshot s, OperationStats ops, TenantOperations.Figures tenants,
            TlsRefusals tlsRefusals, NodeActivity activity) {
        List<MetricSnapshot> out = new ArrayList<>();
        String node = s.node().name();
        // An info metric (exposed as hearth_build_info, always 1): the version in a label joins onto any series.
        out.add(io.prometheus.metrics.model.snapshots.InfoSnapshot.builder().name("hearth_build")
                .help("The Hearth version this node runs")
                .dataPoint(io.prometheus.metrics.model.snapshots.InfoSnapshot.InfoDataPointSnapshot.builder()
                        .labels(Labels.of("node", node, "version", s.node().version())).build())
                .build());
        if (tlsRefusals != null) {
            out.add(tlsRefused(node, tlsRefusals));
        }

        // Cluster-wide figures come from one node only, the oldest (Ignite's coordinator), so that sum() over the
        // nodes does not multiply them; hearth_coordinator says which node that is.
        boolean reporter = isOldest(s);
        out.add(GaugeSnapshot.builder().name("hearth_coordinator")
                .help("1 on the node that exports the cluster-wide figures (the oldest member of its topology)")
                .dataPoint(gauge(reporter ? 1 : 0, "node", node)).build());
        addOperations(out, node, ops);
        addLatencies(out, node, ops);
        addZones(out, s, reporter);
        addMemory(out, node, s);
        addLocalCopy(out, node, s);
        addRefill(out, node, s);
        addJvmAndCluster(out, node, s, reporter);
        addEndpoints(out, node, ops);
        addActivity(out, node, activity);
        out.add(GaugeSnapshot.builder().name("hearth_ready").help("1 when this node reports ready")
                .dataPoint(gauge(s.node().ready() ? 1 : 0, "node", node)).build());
        out.add(GaugeSnapshot.builder().name("hearth_uptime_seconds").help("Seconds since this node started")
                .dataPoint(gauge(s.node().uptimeMillis() / 1000.0, "node", node)).build());

        if (tenants != null) {
            addTenantMetrics(out, node, tenants, reporter);
        }
        jvm.scrape().forEach(out::add);

        ByteArrayOutputStream buf = new ByteArrayOutputStream(8192);
        try {
            writer.write(buf, new MetricSnapshots(out));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buf.toByteArray();
    }

    /** Reads and writes by operation and result, hits, misses, damaged entries. */
    private static void addOperations(List<MetricSnapshot> out, String node, OperationStats ops) {
        CounterSnapshot.Builder opCounter = CounterSnapshot.builder().name("hearth_operations")
                .help("Cache operations served by this node's endpoints, by operation and result");
        long hits = 0;
        long misses = 0;
        for (var op : ops.snapshot().entrySet()) {
            for (var result : op.getValue().entrySet()) {
                opCounter.dataPoint(counter(result.getValue(), "node", node, "op", op.getKey(), "result",
                        result.getKey()));
                if (op.getKey().equals("get")) {
                    if (result.getKey().equals("hit")) {
                        hits += result.getValue();
                    } else if (result.getKey().equals("miss")) {
                        misses += result.getValue();
                    }
                }
            }
        }
        out.add(opCounter.build());
        out.add(CounterSnapshot.builder().name("hearth_hits").help("Reads that found a live entry")
                .dataPoint(counter(hits, "node", node)).build());
        out.add(CounterSnapshot.builder().name("hearth_misses").help("Reads that found nothing")
                .dataPoint(counter(misses, "node", node)).build());
        out.add(CounterSnapshot.builder().name("hearth_checksum_failures")
                .help("Damaged entries found (checksum mismatch); each was removed and served as a miss")
                .dataPoint(counter(ops.checksumFailures(), "node", node)).build());
    }

    /** Per zone: evicted pages, expirations, entries, copies, rebalancing; cluster-wide ones on the reporter only. */
    private static void addZones(List<MetricSnapshot> out, NodeSnapshot s, boolean reporter) {
        // Named for what is counted: Ignite evicts a whole data page, with every entry on it, and says how many
        // pages but not how many entries.
        out.add(zoneCounter(s, "hearth_evicted_pages",
                "Data pages (4 KiB, each holding one or more entries) evicted to keep the zone within its memory",
                ZoneStatus::evictions));
        out.add(zoneCounter(s, "hearth_expirations", "Entries that expired on this node (every copy it held)",
                ZoneStatus::expirations));
        out.add(zoneGauge(s, "hearth_zone_local_entries", "Entries this node holds for the zone (all copies)",
                z -> z.localPrimaryEntries() + z.localBackupEntries()));
        if (reporter) {
            out.add(zoneGauge(s, "hearth_zone_entries", "Live entries in the zone, cluster-wide (primary copies; "
                    + "exported by the coordinator only)", ZoneStatus::entries));
            out.add(zoneGauge(s, "hearth_zone_min_copies", "Fewest copies any partition of the zone has "
                    + "(exported by the coordinator only)", ZoneStatus::minCopies));
            out.add(zoneGauge(s, "hearth_zone_partitions_missing_copies",
                    "Partitions with fewer copies than configured (exported by the coordinator only)",
                    ZoneStatus::partitionsMissingCopies));
        }
        out.add(zoneGauge(s, "hearth_rebalancing_partitions",
                "Partitions this node is still receiving (rebalance left)", ZoneStatus::localMovingPartitions));
    }

    /** Off-heap regions, full disks, exits for exhausted memory. */
    private static void addMemory(List<MetricSnapshot> out, String node, NodeSnapshot s) {
        GaugeSnapshot.Builder used = GaugeSnapshot.builder().name("hearth_memory_used_bytes")
                .help("Off-heap bytes used by each data region of this node");
        GaugeSnapshot.Builder limit = GaugeSnapshot.builder().name("hearth_memory_limit_bytes")
                .help("Off-heap budget of each data region of this node");
        for (NodeSnapshot.Region r : s.regions()) {
            used.dataPoint(gauge(r.usedBytes(), "node", node, "region", r.name()));
            limit.dataPoint(gauge(r.limitBytes(), "node", node, "region", r.name()));
        }
        out.add(used.build());
        out.add(limit.build());
        if (!s.diskFull().isEmpty()) {
            CounterSnapshot.Builder full = CounterSnapshot.builder().name("hearth_disk_full")
                    .help("Times a writer under node.dataDir met a full disk (use: local_copy, dump; see the log)");
            s.diskFull().forEach((use, n) -> full.dataPoint(counter(n, "node", node, "use", use)));
            out.add(full.build());
        }
        CounterSnapshot.Builder exits = CounterSnapshot.builder().name("hearth_exhaustion_exits")
                .help("Exits this node took for exhausted memory (kind: heap, direct), kept across restarts in "
                        + "node.dataDir; the figures are in the log");
        for (String kind : java.util.List.of("heap", "direct")) {
            exits.dataPoint(counter(s.exhaustionExits().getOrDefault(kind, 0L), "node", node, "kind", kind));
        }
        out.add(exits.build());
    }

    /** The local copy on disk and its last start-up load (no series before the first write). */
    private static void addLocalCopy(List<MetricSnapshot> out, String node, NodeSnapshot s) {
        var lc = s.localCopy();
        if (lc != null) {
            out.add(GaugeSnapshot.builder().name("hearth_local_copy_files")
                    .help("Partition files in this node's local copy").dataPoint(gauge(lc.files(), "node", node)).build());
            out.add(GaugeSnapshot.builder().name("hearth_local_copy_entries")
                    .help("Records in this node's local copy (a key appended again since its file was last written "
                            + "whole counts again)").dataPoint(gauge(lc.entries(), "node", node)).build());
            out.add(GaugeSnapshot.builder().name("hearth_local_copy_bytes")
                    .help("Bytes of this node's local copy on disk").dataPoint(gauge(lc.bytes(), "node", node)).build());
            out.add(GaugeSnapshot.builder().name("hearth_local_copy_last_write_timestamp_seconds")
                    .help("When the local copy was last brought up to date (0: not yet)")
                    .dataPoint(gauge(lc.lastWriteAt() / 1000.0, "node", node)).build());
            out.add(CounterSnapshot.builder().name("hearth_local_copy_written_bytes")
                    .help("Bytes of partition files written to the local copy")
                    .dataPoint(counter(lc.bytesWritten(), "node", node)).build());
            out.add(CounterSnapshot.builder().name("hearth_local_copy_segments_appended")
                    .help("Changes appended to partition files instead of rewriting them whole")
                    .dataPoint(counter(lc.segmentsAppended(), "node", node)).build());
            out.add(CounterSnapshot.builder().name("hearth_local_copy_write_failures")
                    .help("Writes of the local copy that failed (see the log)")
                    .dataPoint(counter(lc.writeFailures(), "node", node)).build());
            out.add(GaugeSnapshot.builder().name("hearth_local_copy_loaded_entries")
                    .help("Entries the start-up load of the local copy sent to the cluster (inserted where absent)")
                    .dataPoint(gauge(lc.lastLoad().entriesSent(), "node", node)).build());
            out.add(GaugeSnapshot.builder().name("hearth_local_copy_present_entries")
                    .help("Entries the start-up load of the local copy did not send: this node already held them")
                    .dataPoint(gauge(lc.lastLoad().skippedPresent(), "node", node)).build());
            out.add(GaugeSnapshot.builder().name("hearth_local_copy_refused_files")
                    .help("Local copy files refused at the start-up load (damaged)")
                    .dataPoint(gauge(lc.lastLoad().refusedFiles(), "node", node)).build());
        }
    }

    /** The refill from a local copy or a dump (no series while none ran). */
    private static void addRefill(List<MetricSnapshot> out, String node, NodeSnapshot s) {
        var refill = s.refill();
        if (refill != null) {
            out.add(GaugeSnapshot.builder().name("hearth_refill_running")
                    .help("1 while this node refills the cluster from its local copy or a dump")
                    .dataPoint(gauge(refill.running() ? 1 : 0, "node", node)).build());
            out.add(GaugeSnapshot.builder().name("hearth_refill_progress_ratio")
                    .help("Share of the current or last refill done, 0 to 1 (-1: not known)")
                    .dataPoint(gauge(refill.fraction(), "node", node)).build());
            out.add(GaugeSnapshot.builder().name("hearth_refill_read_bytes")
                    .help("Bytes the current or last refill has read")
                    .dataPoint(gauge(refill.bytesDone(), "node", node)).build());
            out.add(GaugeSnapshot.builder().name("hearth_refill_eta_seconds")
                    .help("Seconds the running refill still needs at its mean rate (-1: not running or not known)")
                    .dataPoint(gauge(refill.etaSeconds(), "node", node)).build());
            out.add(GaugeSnapshot.builder().name("hearth_refill_rate_limit")
                    .help("Entries per second the running refill is held to, lowered while reads are slow (0: none)")
                    .dataPoint(gauge(refill.rateLimit(), "node", node)).build());
        }
    }

    /** The JVM, the topology, the quorum and a split. */
    private static void addJvmAndCluster(List<MetricSnapshot> out, String node, NodeSnapshot s, boolean reporter) {
        out.add(GaugeSnapshot.builder().name("hearth_heap_used_bytes").help("JVM heap in use")
                .dataPoint(gauge(s.jvm().heapUsedBytes(), "node", node)).build());
        out.add(GaugeSnapshot.builder().name("hearth_heap_max_bytes").help("JVM heap limit")
                .dataPoint(gauge(s.jvm().heapMaxBytes(), "node", node)).build());
        out.add(GaugeSnapshot.builder().name("hearth_direct_used_bytes").help("Direct buffers in use")
                .dataPoint(gauge(s.jvm().directUsedBytes(), "node", node)).build());
        out.add(GaugeSnapshot.builder().name("hearth_process_resident_bytes").help("Resident set size of the process")
                .dataPoint(gauge(s.jvm().rssBytes(), "node", node)).build());
        if (reporter) {
            out.add(GaugeSnapshot.builder().name("hearth_cluster_size")
                    .help("Server nodes in the cluster (exported by the coordinator only)")
                    .dataPoint(gauge(s.members().size(), "node", node)).build());
            out.add(GaugeSnapshot.builder().name("hearth_cluster_rebalanced")
                    .help("1 when every node holds every partition assigned to it (exported by the coordinator only)")
                    .dataPoint(gauge(s.clusterRebalanced() ? 1 : 0, "node", node)).build());
        }
        out.add(GaugeSnapshot.builder().name("hearth_exchange_blocked_seconds")
                .help("How long the partition exchange in progress has blocked this node's cache operations (0: none)")
                .dataPoint(gauge(s.node().exchangeBlockedMillis() / 1000.0, "node", node)).build());
        var m = s.membership();
        out.add(GaugeSnapshot.builder().name("hearth_cluster_quorum")
                .help("1 when this node's part of the cluster holds a majority of the expected members (accepts "
                        + "writes)")
                .dataPoint(gauge(m.hasQuorum() ? 1 : 0, "node", node)).build());
        out.add(GaugeSnapshot.builder().name("hearth_cluster_expected_members")
                .help("Members the cluster is expected to have (learned, or cluster.expectedSize)")
                .dataPoint(gauge(m.expectedSize(), "node", node)).build());
        out.add(GaugeSnapshot.builder().name("hearth_cluster_missing_members")
                .help("Expected members not in this node's topology")
                .dataPoint(gauge(m.missing().size(), "node", node)).build());
        out.add(GaugeSnapshot.builder().name("hearth_cluster_split")
                .help("1 when a missing member runs in another topology (the cluster is split)")
                .dataPoint(gauge(m.elsewhere().isEmpty() ? 0 : 1, "node", node)).build());
    }

    /** Read failovers, memcached authentication failures and closed connections. */
    private static void addEndpoints(List<MetricSnapshot> out, String node, OperationStats ops) {
        out.add(CounterSnapshot.builder().name("hearth_read_failovers")
                .help("Gets whose primary copy was slow to answer, which asked the key's backup copies too")
                .dataPoint(counter(ops.readFailovers(), "node", node)).build());
        out.add(CounterSnapshot.builder().name("hearth_read_failover_answers")
                .help("Gets a backup copy answered before the primary")
                .dataPoint(counter(ops.readFailoverAnswers(), "node", node)).build());
        CounterSnapshot.Builder authFailures = CounterSnapshot.builder().name("hearth_memcached_auth_failures")
                .help("Failed memcached SASL authentications: reason credentials (wrong user or password) or "
                        + "plaintext (refused without TLS)");
        ops.memcachedAuthFailures().forEach((reason, n) -> authFailures.dataPoint(counter(n, "node", node,
                "reason", reason)));
        out.add(authFailures.build());
        CounterSnapshot.Builder closed = CounterSnapshot.builder().name("hearth_memcached_closed_connections")
                .help("memcached connections the node closed: reason input_memory (an incomplete request would "
                        + "have passed memcached.inputMemory) or request_timeout (incomplete for "
                        + "memcached.requestTimeout)");
        ops.memcachedClosed().forEach((reason, n) -> closed.dataPoint(counter(n, "node", node, "reason", reason)));
        out.add(closed.build());
    }

    private static void addTenantMetrics(List<MetricSnapshot> out, String node, TenantOperations.Figures f,
            boolean reporter) {
        CounterSnapshot.Builder ops = CounterSnapshot.builder().name("hearth_tenant_operations")
                .help("Cache operations this node served per tenant (the busiest tenants; the rest as \"other\")");
        CounterSnapshot.Builder hits = CounterSnapshot.builder().name("hearth_tenant_hits")
                .help("Reads that found a live entry, per tenant");
        CounterSnapshot.Builder misses = CounterSnapshot.builder().name("hearth_tenant_misses")
                .help("Reads that found nothing, per tenant");
        f.tenants().forEach((t, v) -> {
            ops.dataPoint(counter(v[0], "node", node, "tenant", t));
            hits.dataPoint(counter(v[1], "node", node, "tenant", t));
            misses.dataPoint(counter(v[2], "node", node, "tenant", t));
        });
        out.add(ops.build());
        out.add(hits.build());
        out.add(misses.build());
        if (reporter) {
            GaugeSnapshot.Builder bytes = GaugeSnapshot.builder().name("hearth_zone_bytes")
                    .help("Approximate bytes of the zone's data, one copy, cluster-wide (this node's region scaled; "
                            + "exported by the coordinator only)");
            f.zoneBytes().forEach((z, v) -> bytes.dataPoint(gauge(v, "node", node, "zone", z)));
            out.add(bytes.build());
            GaugeSnapshot.Builder maint = GaugeSnapshot.builder().name("hearth_zone_maintenance")
                    .help("1 when the zone's maintenance flag is on (exported by the coordinator only)");
            f.zoneMaintenance().forEach((z, v) -> maint.dataPoint(gauge(v, "node", node, "zone", z)));
            out.add(maint.build());
        }
        out.add(GaugeSnapshot.builder().name("hearth_tenants_in_maintenance")
                .help("Tenants (registered or served by this node) whose effective state is maintenance")
                .dataPoint(gauge(f.inMaintenance(), "node", node)).build());
    }

    /**
     * hearth_tls_refused_total{port, reason}: memcached and admin always have both reasons (0 until the first
     * refusal), so an alert on a rate has something to start from; Ignite's thin-client and communication ports
     * have their failed TLS sessions as Ignite counts them (reason handshake, plaintext included).
     */
    private static MetricSnapshot tlsRefused(String node, TlsRefusals refusals) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name("hearth_tls_refused")
                .help("Connections a TLS port refused: reason plaintext (no TLS) or handshake (e.g. no client "
                        + "certificate, or one the cluster CA did not sign)");
        java.util.Map<String, java.util.Map<String, Long>> counts = new java.util.TreeMap<>(refusals.snapshot());
        for (String port : List.of("admin", "memcached")) {
            java.util.Map<String, Long> reasons = new java.util.TreeMap<>(counts.getOrDefault(port, java.util.Map.of()));
            reasons.putIfAbsent(TlsRefusals.HANDSHAKE, 0L);
            reasons.putIfAbsent(TlsRefusals.PLAINTEXT, 0L);
            counts.put(port, reasons);
        }
        counts.forEach((port, reasons) -> reasons.forEach((reason, n) ->
                b.dataPoint(counter(n, "node", node, "port", port, "reason", reason))));
        return b.build();
    }

    /** Server-side durations per operation: a classic histogram, so a p99 can be alerted on across nodes. */
    private static void addLatencies(List<MetricSnapshot> out, String node, OperationStats ops) {
        HistogramSnapshot.Builder h = HistogramSnapshot.builder().name("hearth_operation_duration_seconds")
                .help("Time from an endpoint's call into the cache to the cluster's answer, per operation "
                        + "(get_multi: one multi-key get request)");
        ops.latencies().forEach((op, snap) -> {
            h.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                    .classicHistogramBuckets(ClassicHistogramBuckets.of(snap.upperBounds(), snap.counts()))
                    .sum(snap.sumSeconds()).labels(Labels.of("node", node, "op", op)).build());
        });
        out.add(h.build());
    }

    /** Connections, the last dump and background jobs: always every series, so alerts have a value to start from. */
    private static void addActivity(List<MetricSnapshot> out, String node, NodeActivity a) {
        out.add(GaugeSnapshot.builder().name("hearth_memcached_connections")
                .help("memcached connections open now").dataPoint(gauge(a.memcachedConnections(), "node", node))
                .build());
        out.add(GaugeSnapshot.builder().name("hearth_memcached_connections_limit")
                .help("memcached.maxConnections: connections beyond it are refused")
                .dataPoint(gauge(a.memcachedConnectionLimit(), "node", node)).build());
        out.add(GaugeSnapshot.builder().name("hearth_dump_last_success_timestamp_seconds")
                .help("When this node's newest complete dump finished (0: it has none)")
                .dataPoint(gauge(a.lastDumpCompletedMillis() / 1000.0, "node", node)).build());
        GaugeSnapshot.Builder running = GaugeSnapshot.builder().name("hearth_job_running")
                .help("1 while a job of the kind (warmup, verify, recover) runs on this node");
        GaugeSnapshot.Builder progress = GaugeSnapshot.builder().name("hearth_job_progress_ratio")
                .help("Share done, 0 to 1, of the newest job of the kind on this node (0: none ran)");
        for (String kind : NodeActivity.JOB_KINDS) {
            NodeActivity.Job j = a.jobs().getOrDefault(kind, NodeActivity.Job.NONE);
            running.dataPoint(gauge(j.running() ? 1 : 0, "node", node, "kind", kind));
            progress.dataPoint(gauge(j.fraction(), "node", node, "kind", kind));
        }
        out.add(running.build());
        out.add(progress.build());
    }

    /** Whether this node is the oldest member of its topology, the one that reports cluster-wide figures. */
    static boolean isOldest(NodeSnapshot s) {
        NodeSnapshot.Member oldest = null;
        for (NodeSnapshot.Member m : s.members()) {
            if (oldest == null || m.order() < oldest.order()) {
                oldest = m;
            }
        }
        return oldest != null && oldest.local();
    }

    private static MetricSnapshot zoneCounter(NodeSnapshot s, String name, String help,
            ToDoubleFunction<ZoneStatus> value) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
        for (ZoneStatus z : s.zones()) {
            b.dataPoint(counter(value.applyAsDouble(z), "node", s.node().name(), "zone", z.name()));
        }
        return b.build();
    }

    private static MetricSnapshot zoneGauge(NodeSnapshot s, String name, String help,
            ToDoubleFunction<ZoneStatus> value) {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
        for (ZoneStatus z : s.zones()) {
            b.dataPoint(gauge(value.applyAsDouble(z), "node", s.node().name(), "zone", z.name()));
        }
        return b.build();
    }

    private static CounterDataPointSnapshot counter(double v, String... labels) {
        return CounterDataPointSnapshot.builder().value(v).labels(Labels.of(labels)).build();
    }

    private static GaugeDataPointSnapshot gauge(double v, String... labels) {
        return GaugeDataPointSnapshot.builder().value(v).labels(Labels.of(labels)).build();
    }
}
