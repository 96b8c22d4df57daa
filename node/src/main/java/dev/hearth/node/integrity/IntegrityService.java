package dev.hearth.node.integrity;

import dev.hearth.storage.TenantKey;
import dev.hearth.wire.admin.DamageReport;
import dev.hearth.wire.admin.IntegrityCounts;
import dev.hearth.node.health.NodeActivity;
import dev.hearth.wire.admin.JobList;
import dev.hearth.wire.admin.JobProgress;
import dev.hearth.wire.admin.JobSummary;
import dev.hearth.wire.admin.RecoverJobStatus;
import dev.hearth.wire.admin.RecoveryTenant;
import dev.hearth.wire.admin.VerifyJobStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Verify and recover jobs run by this node (the coordinator of the job: it asks every node for its copies), and the
 * damage test hook. Jobs live in this node's memory; their ids are only known here.
 */
public final class IntegrityService implements IntegrityOperations {
    private static final Logger LOG = LogManager.getLogger(IntegrityService.class);
    private static final int KEEP_JOBS = 32;
    private static final int MAX_DAMAGE = 100_000;

    private final String nodeName;
    private final Set<String> zones;
    private final Function<String, String> zoneOfTenant;
    private final Damager damager;
    private final ExecutorService executor;
    private final Verifier verifier;
    private final ClusterCopies cluster;
    private volatile MaintenanceControl maintenance;
    private final Map<String, Job> jobs = new LinkedHashMap<>();
    private final Map<String, String> recoveringZones = new ConcurrentHashMap<>();
    private final AtomicInteger seq = new AtomicInteger();

    /**
     * @param damager null when the test hook is disabled (config {@code testing.damageEndpoint: false})
     * @param executor runs the jobs; a single thread keeps a verify from taking more than one core
     */
    public IntegrityService(String nodeName, ClusterCopies cluster, Set<String> zones,
            Function<String, String> zoneOfTenant, Damager damager, MaintenanceControl maintenance,
            ExecutorService executor) {
        this.nodeName = nodeName;
        this.cluster = cluster;
        this.verifier = new Verifier(cluster);
        this.zones = Set.copyOf(zones);
        this.zoneOfTenant = zoneOfTenant;
        this.damager = damager;
        this.maintenance = maintenance;
        this.executor = executor;
    }

    /** Replaces what {@code zone recover} drives (the tenant registry, once it is wired). */
    public void maintenance(MaintenanceControl control) {
        this.maintenance = control;
    }

    public MaintenanceControl maintenance() {
        return maintenance;
    }

    @Override
    public VerifyJobStatus startVerify(String zone, String tenant, boolean repair, long rate) {
        if (rate < 0) {
            throw new IllegalArgumentException("rate must be 0 (unlimited) or a positive number of entries/s");
        }
        List<String> targets;
        if (tenant != null && !TenantKey.isValidTenant(tenant)) {
            throw new IllegalArgumentException("invalid tenant name '" + tenant + "'");
        }
        if (zone != null) {
            requireZone(zone);
            targets = List.of(zone);
        } else if (tenant != null) {
            targets = List.of(zoneOfTenant.apply(tenant));
        } else {
            targets = new ArrayList<>(new java.util.TreeSet<>(zones));
        }
        requireVerifiable(targets);
        VerifyJob job = new VerifyJob("verify-" + seq.incrementAndGet(), targets, tenant, repair, rate);
        submit(job, () -> {
            for (String z : targets) {
                Map<String, TenantReport> reports = job.reportsOf(z);
                verifier.pass(z, tenant == null ? null : Set.of(tenant), repair, rate, job.progress, reports,
                        job::cancelled);
            }
        });
        return job.snapshot();
    }

    /** Refuses (409) rather than report the copies of moving partitions as damage. */
    private void requireVerifiable(List<String> targets) {
        for (String z : targets) {
            String reason = cluster.notVerifiable(z);
            if (reason != null) {
                throw new IllegalStateException("cannot verify zone " + z + " now: " + reason);
            }
        }
    }

    @Override
    public JobList verifyJobs() {
        List<JobSummary> list = new ArrayList<>();
        synchronized (jobs) {
            jobs.values().forEach(j -> list.add(j.summary()));
        }
        return new JobList(nodeName, list);
    }

    @Override
    public VerifyJobStatus verifyJob(String id) {
        return job(id, VerifyJob.class).snapshot();
    }

    @Override
    public RecoverJobStatus startRecover(String zone, long rate, String by) {
        requireZone(zone);
        if (rate < 0) {
            throw new IllegalArgumentException("rate must be 0 (unlimited) or a positive number of entries/s");
        }
        requireVerifiable(List.of(zone));
        String who = by == null ? "hearth-recover@" + nodeName : by;
        String id = "recover-" + seq.incrementAndGet();
        String running = recoveringZones.putIfAbsent(zone, id);
        if (running != null) {
            throw new IllegalStateException("zone " + zone + " is already being recovered by job " + running);
        }
        RecoverJob job = new RecoverJob(id, zone, rate, who);
        try {
            submit(job, () -> {
                try {
                    new ZoneRecovery(verifier, cluster, maintenance, job).run();
                } finally {
                    recoveringZones.remove(zone, id);
                }
            });
        } catch (RuntimeException e) {
            recoveringZones.remove(zone, id);
            throw e;
        }
        return job.snapshot();
    }

    @Override
    public RecoverJobStatus recoverJob(String id) {
        return job(id, RecoverJob.class).snapshot();
    }

    @Override
    public VerifyJobStatus cancelVerify(String id) {
        VerifyJob job = job(id, VerifyJob.class);
        job.cancel();
        return job.snapshot();
    }

    @Override
    public RecoverJobStatus cancelRecover(String id) {
        RecoverJob job = job(id, RecoverJob.class);
        job.cancel();
        return job.snapshot();
    }

    /** The newest job of {@code kind} ({@code verify} or {@code recover}) and its progress, for metrics. */
    public NodeActivity.Job latest(String kind) {
        Job newest = null;
        synchronized (jobs) {
            for (Job j : jobs.values()) {
                if ((kind.equals("verify") ? j instanceof VerifyJob : j instanceof RecoverJob)
                        && (newest == null || j.startedAt >= newest.startedAt)) {
                    newest = j;
                }
            }
        }
        if (newest == null) {
            return NodeActivity.Job.NONE;
        }
        JobProgress p = newest.progress.snapshot();
        return NodeActivity.Job.of(newest.state.equals("running"), p.partitionsDone(), p.partitionsTotal());
    }

    @Override
    public DamageReport damage(String zone, String kind, long count, String tenant, String node) {
        if (damager == null) {
            throw new NoSuchElementException("no such path: /admin/test/damage (exists only with "
                    + "testing.damageEndpoint: true)");
        }
        if (zone == null) {
            throw new IllegalArgumentException("parameter zone is required");
        }
        requireZone(zone);
        Damager.Kind k;
        try {
            k = Damager.Kind.valueOf(kind == null ? "" : kind.toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("parameter kind='" + kind + "' must be flip, drop or change");
        }
        if (count < 1 || count > MAX_DAMAGE) {
            throw new IllegalArgumentException("parameter count must be 1.." + MAX_DAMAGE);
        }
        if (tenant != null && !TenantKey.isValidTenant(tenant)) {
            throw new IllegalArgumentException("invalid tenant name '" + tenant + "'");
        }
        if (node != null && !node.equals(nodeName)) {
            throw new IllegalArgumentException("this request damages copies on the node that receives it ("
                    + nodeName + "), not " + node + ": send it to " + node + "'s admin port");
        }
        List<DamageReport.DamagedCopy> damaged = damager.damage(zone, k, (int) count, tenant);
        LOG.warn("TEST HOOK: damaged {} cop{} ({}) of zone {} on node {}", damaged.size(),
                damaged.size() == 1 ? "y" : "ies", k, zone, nodeName);
        return new DamageReport(nodeName, zone, k.name(), count, damaged.size(), damaged);
    }

    private void requireZone(String zone) {
        if (!zones.contains(zone)) {
            throw new NoSuchElementException("no zone named '" + zone + "' (zones: "
                    + String.join(", ", new java.util.TreeSet<>(zones)) + ")");
        }
    }

    private <T extends Job> T job(String id, Class<T> type) {
        Job j;
        synchronized (jobs) {
            j = jobs.get(id);
        }
        if (!type.isInstance(j)) {
            throw new NoSuchElementException("no " + (type == VerifyJob.class ? "verify" : "recover") + " job '" + id
                    + "' on " + nodeName + " (jobs are kept by the node that started them)");
        }
        return type.cast(j);
    }

    interface Work {
        void run() throws Exception;
    }

    private void submit(Job job, Work work) {
        synchronized (jobs) {
            jobs.put(job.id, job);
            if (jobs.size() > KEEP_JOBS) {
                jobs.entrySet().removeIf(e -> jobs.size() > KEEP_JOBS && !e.getValue().state.equals("running"));
            }
        }
        try {
            executor.execute(() -> {
                try {
                    work.run();
                    job.finish("complete", null);
                } catch (InterruptedException e) {
                    job.finish("cancelled", e.getMessage());
                    Thread.currentThread().interrupt();
                } catch (Exception e) {
                    LOG.warn("{} failed", job.id, e);
                    job.finish("failed", e.toString());
                }
            });
        } catch (RejectedExecutionException e) {
            synchronized (jobs) {
                jobs.remove(job.id);
            }
            throw new IllegalStateException("the node is stopping: no new jobs");
        }
    }

    /** Common state of a job. */
    abstract static class Job {
        final String id;
        final long startedAt = System.currentTimeMillis();
        volatile long finishedAt;
        volatile String state = "running";
        volatile String error;
        final PassProgress progress = new PassProgress();

        Job(String id) {
            this.id = id;
        }

        /**
         * Set by an operator's cancel. A flag rather than an interrupt: interrupting a thread inside an Ignite call
         * can fail that call half-done; the job stops between batches, where nothing is half-done.
         */
        private volatile boolean cancelRequested;

        boolean cancelled() {
            return cancelRequested || Thread.currentThread().isInterrupted();
        }

        /** Asks the job to stop at its next batch; no effect on a job that has ended. */
        void cancel() {
            cancelRequested = true;
        }

        void finish(String state, String error) {
            this.error = error;
            this.finishedAt = System.currentTimeMillis();
            this.state = state;
        }

        Long finished() {
            return finishedAt == 0 ? null : finishedAt;
        }

        long elapsedMillis() {
            return (finishedAt == 0 ? System.currentTimeMillis() : finishedAt) - startedAt;
        }

        abstract JobSummary summary();
    }

    /** A verify (and optionally repair) of one or more zones. */
    static final class VerifyJob extends Job {
        final List<String> zones;
        final String tenant;
        final boolean repair;
        final long rate;
        final Map<String, Map<String, TenantReport>> reports = new ConcurrentHashMap<>();

        VerifyJob(String id, List<String> zones, String tenant, boolean repair, long rate) {
            super(id);
            this.zones = zones;
            this.tenant = tenant;
            this.repair = repair;
            this.rate = rate;
        }

        Map<String, TenantReport> reportsOf(String zone) {
            return reports.computeIfAbsent(zone, z -> new ConcurrentHashMap<>());
        }

        @Override
        JobSummary summary() {
            return new JobSummary(id, state, startedAt, finished(), elapsedMillis(), error, "verify", zones, tenant,
                    repair);
        }

        VerifyJobStatus snapshot() {
            TenantReport total = new TenantReport(null, null);
            List<IntegrityCounts> tenants = new ArrayList<>();
            Map<String, TenantReport> sorted = new TreeMap<>();
            reports.forEach((zone, byTenant) -> byTenant.forEach((t, r) -> sorted.put(zone + '\0' + t, r)));
            for (TenantReport r : sorted.values()) {
                r.addTo(total);
                tenants.add(r.counts(true));
            }
            return new VerifyJobStatus(id, state, startedAt, finished(), elapsedMillis(), error, "verify", zones,
                    tenant, repair, rate, progress.snapshot(), total.counts(false), total.clean(), tenants);
        }
    }

    /** A zone recovery (see {@link ZoneRecovery}). */
    static final class RecoverJob extends Job {
        final String zone;
        final long rate;
        final String by;
        volatile String phase = "starting";
        volatile int passes;
        final Map<String, ZoneRecovery.TenantState> tenants = new ConcurrentHashMap<>();

        RecoverJob(String id, String zone, long rate, String by) {
            super(id);
            this.zone = zone;
            this.rate = rate;
            this.by = by;
        }

        @Override
        JobSummary summary() {
            return new JobSummary(id, state, startedAt, finished(), elapsedMillis(), error, "recover", List.of(zone),
                    null, null);
        }

        RecoverJobStatus snapshot() {
            List<ZoneRecovery.TenantState> list = new ArrayList<>(tenants.values());
            list.sort(Comparator.comparingLong((ZoneRecovery.TenantState t) -> t.entries).thenComparing(t -> t.tenant));
            List<RecoveryTenant> out = new ArrayList<>();
            List<String> damaged = new ArrayList<>();
            List<String> notRecovered = new ArrayList<>();
            int active = 0;
            for (ZoneRecovery.TenantState t : list) {
                out.add(t.view());
                if (t.damaged) {
                    damaged.add(t.tenant);
                }
                if (t.state.equals("active")) {
                    active++;
                } else if (state.equals("complete")) {
                    notRecovered.add(t.tenant);
                }
            }
            return new RecoverJobStatus(id, state, startedAt, finished(), elapsedMillis(), error, "recover", zone, by,
                    rate, phase, passes, progress.snapshot(), list.size(), active, damaged, notRecovered, out);
        }
    }
}
