package dev.hearth.node.integrity;

import dev.hearth.wire.admin.RecoveryTenant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code zone recover}: the incident procedure as one job. The zone goes into maintenance, then every tenant found
 * in it gets maintenance of its own (so tenants can come back one by one while the zone flag is still on). Rounds
 * of: two verify passes over the tenants still pending; every tenant both passes found clean comes back to active,
 * smallest first; a repair pass over the rest. A tenant that is not clean after {@link #MAX_ROUNDS} rounds stays
 * in maintenance and is reported. The zone flag goes off at the end.
 *
 * <p>Passes cover all pending tenants at once: a tenant's keys are spread over every partition, so checking one
 * tenant costs a scan of the whole zone anyway.
 */
final class ZoneRecovery {
    static final int MAX_ROUNDS = 4;

    private final Verifier verifier;
    private final ClusterCopies cluster;
    private final MaintenanceControl maintenance;
    private final IntegrityService.RecoverJob job;

    ZoneRecovery(Verifier verifier, ClusterCopies cluster, MaintenanceControl maintenance,
            IntegrityService.RecoverJob job) {
        this.verifier = verifier;
        this.cluster = cluster;
        this.maintenance = maintenance;
        this.job = job;
    }

    void run() throws InterruptedException {
        String zone = job.zone;
        job.phase = "zone maintenance on";
        maintenance.zoneMaintenance(zone, true, job.by);
        job.phase = "finding tenants";
        Map<String, Long> counts = cluster.tenantCounts(zone);
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            job.tenants.put(e.getKey(), new TenantState(e.getKey(), e.getValue()));
            maintenance.tenantMaintenance(e.getKey(), true, job.by);
        }
        Set<String> pending = new HashSet<>(counts.keySet());
        for (int round = 1; round <= MAX_ROUNDS && !pending.isEmpty(); round++) {
            job.phase = "round " + round + ": verify pass 1 of 2";
            Map<String, TenantReport> first = pass(zone, pending, false);
            job.phase = "round " + round + ": verify pass 2 of 2";
            Map<String, TenantReport> second = pass(zone, pending, false);
            List<TenantState> clean = new ArrayList<>();
            for (String t : pending) {
                TenantState st = job.tenants.get(t);
                TenantReport a = first.get(t);
                TenantReport b = second.get(t);
                boolean ok = (a == null || a.clean()) && (b == null || b.clean());
                st.passes += 2;
                if (!ok) {
                    st.damaged = true;
                    st.found(a);
                    st.found(b);
                } else {
                    clean.add(st);
                }
            }
            clean.sort(Comparator.comparingLong((TenantState s) -> s.entries).thenComparing(s -> s.tenant));
            job.phase = "round " + round + ": bringing " + clean.size() + " tenant(s) back";
            for (TenantState st : clean) {
                maintenance.tenantMaintenance(st.tenant, false, job.by);
                st.state = "active";
                st.activeAfterMillis = System.currentTimeMillis() - job.startedAt;
                pending.remove(st.tenant);
            }
            if (pending.isEmpty()) {
                break;
            }
            job.phase = "round " + round + ": repairing " + pending.size() + " tenant(s)";
            Map<String, TenantReport> repair = pass(zone, pending, true);
            for (String t : pending) {
                TenantReport r = repair.get(t);
                if (r != null) {
                    TenantState st = job.tenants.get(t);
                    st.repaired += r.repaired();
                    st.removed += r.removed();
                    st.passes++;
                }
            }
        }
        for (String t : pending) {
            job.tenants.get(t).state = "maintenance";
        }
        job.phase = "zone maintenance off";
        maintenance.zoneMaintenance(zone, false, job.by);
        job.phase = pending.isEmpty() ? "done" : "done: " + pending.size() + " tenant(s) left in maintenance";
    }

    private Map<String, TenantReport> pass(String zone, Set<String> tenants, boolean repair)
            throws InterruptedException {
        Map<String, TenantReport> reports = new ConcurrentHashMap<>();
        verifier.pass(zone, Set.copyOf(tenants), repair, job.rate, job.progress, reports, job::cancelled);
        job.passes++;
        return reports;
    }

    /** Where one tenant of the zone stands. */
    static final class TenantState {
        final String tenant;
        final long entries;
        volatile String state = "maintenance";
        volatile boolean damaged;
        volatile int passes;
        volatile long damagedEntries;
        volatile long copiesMissing;
        volatile long copiesDiffer;
        volatile long checksumFailures;
        volatile long repaired;
        volatile long removed;
        volatile long activeAfterMillis = -1;

        TenantState(String tenant, long entries) {
            this.tenant = tenant;
            this.entries = entries;
        }

        /** Keeps the larger of two passes' findings (both passes see the same damage). */
        void found(TenantReport r) {
            if (r == null) {
                return;
            }
            damagedEntries = Math.max(damagedEntries, r.damagedEntries());
            copiesMissing = Math.max(copiesMissing, r.copiesMissing());
            copiesDiffer = Math.max(copiesDiffer, r.copiesDiffer());
            checksumFailures = Math.max(checksumFailures, r.checksumFailures());
        }

        RecoveryTenant view() {
            return new RecoveryTenant(tenant, entries, state, damaged, passes, damagedEntries, copiesMissing,
                    copiesDiffer, checksumFailures, repaired, removed, activeAfterMillis < 0 ? null : activeAfterMillis);
        }
    }
}
