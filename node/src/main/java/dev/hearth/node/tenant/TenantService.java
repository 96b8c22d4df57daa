package dev.hearth.node.tenant;

import dev.hearth.node.config.HearthConfig;
import dev.hearth.storage.TenantKey;
import dev.hearth.storage.registry.TenantRecord;
import dev.hearth.storage.registry.ZoneState;
import dev.hearth.wire.admin.FlushResult;
import dev.hearth.wire.admin.MoveJobStatus;
import dev.hearth.wire.admin.TenantDetail;
import dev.hearth.wire.admin.TenantList;
import dev.hearth.wire.admin.TenantSummary;
import dev.hearth.wire.admin.ZoneDetail;
import dev.hearth.wire.admin.ZoneList;
import dev.hearth.wire.admin.ZoneSummary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Zone and tenant administration: the registry changes, tenant moves (a background job on the node that received
 * the request), flush, and the views the admin port and /metrics show.
 */
public final class TenantService implements TenantOperations {
    private static final Logger LOG = LogManager.getLogger(TenantService.class);
    /** Passes over the old zone before a move ends; the second normally finds nothing left. */
    private static final int MAX_PASSES = 5;
    /**
     * How long a move waits, after every node has the new record, before it copies: hearth-client routes by a
     * reading of the registry and refuses writes once that reading is older than its maxRegistryAge (default 3 s),
     * so after this long no client write routed by the old record can still land in the old zone behind the copy
     * (docs/design/tenants-and-integrity.md, "Tenant move"). 2 s above the client's default for the write itself.
     */
    static final long CLIENT_GRACE_MS = 5_000;
    private static final java.util.regex.Pattern WHO = java.util.regex.Pattern.compile("[\\p{Graph} ]{1,128}");

    private final String nodeName;
    private final Map<String, HearthConfig.Zone> zoneConfig;
    private final TenantRegistry registry;
    private final TenantStore store;
    private final TenantStats stats;
    private final int metricsTenants;
    private final ExecutorService executor;
    private final ConcurrentHashMap<String, MoveJob> moves = new ConcurrentHashMap<>();

    public TenantService(String nodeName, Map<String, HearthConfig.Zone> zoneConfig, TenantRegistry registry,
            TenantStore store, TenantStats stats, int metricsTenants, ExecutorService executor) {
        this.nodeName = nodeName;
        this.zoneConfig = Map.copyOf(zoneConfig);
        this.registry = registry;
        this.store = store;
        this.stats = stats;
        this.metricsTenants = metricsTenants;
        this.executor = executor;
    }

    /** Progress of a move run by this node. */
    public static final class MoveJob {
        public final String tenant;
        public final String from;
        public final String to;
        public final String by;
        public final long startedAt = System.currentTimeMillis();
        public volatile String state = "running";
        public volatile long finishedAt;
        public volatile int passes;
        public final AtomicLong keysHandled = new AtomicLong();
        public final AtomicLong keysMoved = new AtomicLong();
        public volatile long leftoversRemoved;
        public volatile String error;

        MoveJob(String tenant, String from, String to, String by) {
            this.tenant = tenant;
            this.from = from;
            this.to = to;
            this.by = by;
        }

        MoveJobStatus view(String node) {
            return new MoveJobStatus(node, from, to, by, state, startedAt, finishedAt == 0 ? null : finishedAt, passes,
                    keysHandled.get(), keysMoved.get(), leftoversRemoved, error);
        }
    }

    private static String who(String by) {
        if (by == null) {
            return "admin";
        }
        if (!WHO.matcher(by).matches()) {
            throw new IllegalArgumentException("parameter by='" + by + "' must be 1-128 printable characters");
        }
        return by;
    }

    private static void checkTenant(String tenant) {
        if (!TenantKey.isValidTenant(tenant)) {
            throw new IllegalArgumentException("invalid tenant name '" + tenant + "': 1-64 letters, digits, '.', "
                    + "'_' or '-', starting with a letter or digit");
        }
    }

    private void checkZone(String zone) {
        if (zone == null) {
            throw new IllegalArgumentException("parameter zone is required; zones: "
                    + String.join(", ", registry.zones()));
        }
        if (!zoneConfig.containsKey(zone)) {
            throw new NoSuchElementException("no zone named '" + zone + "'; zones: "
                    + String.join(", ", registry.zones()));
        }
    }

    private ZoneSummary zoneSummary(String zone) {
        ZoneDetail d = zoneDetail(zone);
        return new ZoneSummary(d.name(), d.memory(), d.backups(), d.nodeFilter(), d.nodes(), d.maintenance(),
                d.maintenanceChangedAt(), d.maintenanceChangedBy(), d.tenants().size(), d.entries(), d.bytes());
    }

    private ZoneDetail zoneDetail(String zone) {
        HearthConfig.Zone z = zoneConfig.get(zone);
        ZoneState st = registry.zoneStates().get(zone);
        return new ZoneDetail(zone, z.memory().bytes(), z.backups(), new TreeMap<>(z.nodeFilter()), store.nodes(zone),
                st != null && st.maintenance(), st == null ? null : st.changedAt(), st == null ? null : st.changedBy(),
                tenantsIn(zone), store.entries(zone), store.approximateBytes(zone));
    }

    /** Registered tenants of the zone, plus tenants this node served that the placement puts there. */
    private List<String> tenantsIn(String zone) {
        TreeSet<String> out = new TreeSet<>();
        for (TenantRecord r : registry.list()) {
            if (r.zone().equals(zone) || zone.equals(r.movingFrom())) {
                out.add(r.tenant());
            }
        }
        for (String t : stats.seen()) {
            if (registry.route(t).zone().equals(zone)) {
                out.add(t);
            }
        }
        return new ArrayList<>(out);
    }

    @Override
    public ZoneList zones() {
        List<ZoneSummary> out = new ArrayList<>();
        for (String z : registry.zones()) {
            out.add(zoneSummary(z));
        }
        return new ZoneList(registry.placement(), out);
    }

    @Override
    public ZoneDetail zone(String zone) {
        checkZone(zone);
        return zoneDetail(zone);
    }

    @Override
    public ZoneState zoneMaintenance(String zone, boolean on, String by) {
        checkZone(zone);
        ZoneState z = registry.setZoneMaintenance(zone, on, who(by));
        LOG.info("Zone {} maintenance {} by {}", zone, on ? "on" : "off", z.changedBy());
        return z;
    }

    private TenantDetail tenantDetail(String tenant) {
        TenantRecord r = registry.get(tenant).orElse(null);
        Route route = registry.route(tenant);
        TenantStats.Figures f = stats.of(tenant);
        MoveJob job = moves.get(tenant);
        return new TenantDetail(tenant, r != null, route.zone(),
                route.maintenance() ? TenantRecord.MAINTENANCE : TenantRecord.ACTIVE, route.movingFrom(), r, f.ops(),
                f.hits(), f.misses(), job == null ? null : job.view(nodeName));
    }

    @Override
    public TenantList tenants() {
        TreeSet<String> names = new TreeSet<>(stats.seen());
        registry.list().forEach(r -> names.add(r.tenant()));
        List<TenantSummary> out = new ArrayList<>();
        for (String t : names) {
            TenantDetail d = tenantDetail(t);
            out.add(new TenantSummary(d.tenant(), d.registered(), d.zone(), d.state(), d.movingFrom(), d.record(),
                    d.ops(), d.hits(), d.misses()));
        }
        return new TenantList(out);
    }

    @Override
    public TenantDetail tenant(String tenant) {
        checkTenant(tenant);
        return tenantDetail(tenant);
    }

    @Override
    public TenantRecord assign(String tenant, String zone, String by) {
        checkTenant(tenant);
        checkZone(zone);
        String who = who(by);
        Route route = registry.route(tenant);
        if (route.moving()) {
            throw new IllegalStateException("tenant " + tenant + " is moving from " + route.movingFrom() + " to "
                    + route.zone() + "; wait for the move to finish");
        }
        for (String other : registry.zones()) {
            if (!other.equals(zone) && !store.keys(other, tenant, 1).isEmpty()) {
                throw new IllegalStateException("tenant " + tenant + " has keys in zone " + other
                        + "; assigning it to " + zone + " would hide them: use move (or flush first)");
            }
        }
        TenantRecord r = registry.assign(tenant, zone, who);
        LOG.info("Tenant {} assigned to zone {} by {}", tenant, zone, who);
        return r;
    }

    @Override
    public MoveJobStatus move(String tenant, String zone, String by) {
        checkTenant(tenant);
        checkZone(zone);
        String who = who(by);
        MoveJob running = moves.get(tenant);
        if (running != null && running.state.equals("running")) {
            throw new IllegalStateException("tenant " + tenant + " is already moving (to " + running.to + ")");
        }
        TenantRecord current = registry.get(tenant).orElse(null);
        TenantRecord started;
        if (current != null && current.movingFrom() != null && current.zone().equals(zone)) {
            // A move that stopped half way (its node failed): finish it from here.
            started = current;
        } else {
            started = registry.startMove(tenant, zone, who);
        }
        MoveJob job = new MoveJob(tenant, started.movingFrom(), zone, who);
        moves.put(tenant, job);
        LOG.info("Moving tenant {} from zone {} to {} (by {})", tenant, job.from, zone, who);
        executor.execute(() -> runMove(job, started));
        return job.view(nodeName);
    }

    private void runMove(MoveJob job, TenantRecord started) {
        try {
            // Nobody may still write to the old zone by the old record before the copy starts.
            registry.awaitEverywhere(started);
            // And every client: none may still write by the old record once the copy runs.
            Thread.sleep(CLIENT_GRACE_MS);
            long live;
            do {
                job.passes++;
                long before = job.keysHandled.get();
                live = store.migrateAll(job.tenant, job.from, job.to, n -> job.keysHandled.set(before + n));
                job.keysMoved.addAndGet(live);
            } while (live > 0 && job.passes < MAX_PASSES);
            if (live > 0) {
                // Nothing should write to the old zone any more; finishing now would hide these entries. Staying
                // "moving" is safe (requests look in both zones) and the move can be run again.
                throw new IllegalStateException(live + " entries still appeared in zone " + job.from + " after "
                        + job.passes + " passes");
            }
            TenantRecord done = registry.finishMove(job.tenant, job.by);
            registry.awaitEverywhere(done);
            // Only tombstones of deletes made during the move should be left; anything else was never reachable.
            job.leftoversRemoved = store.removeAll(job.from, job.tenant);
            if (job.leftoversRemoved > 0) {
                LOG.warn("Move of tenant {}: {} entries were still in zone {} after {} passes and were removed",
                        job.tenant, job.leftoversRemoved, job.from, job.passes);
            }
            job.state = "done";
            LOG.info("Tenant {} moved from zone {} to {}: {} keys in {} passes", job.tenant, job.from, job.to,
                    job.keysMoved.get(), job.passes);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            job.error = "interrupted (node stopping)";
            job.state = "failed";
            LOG.warn("Move of tenant {} from {} to {} interrupted; reads still look in both zones. Run the move again "
                    + "to finish it", job.tenant, job.from, job.to);
        } catch (RuntimeException e) {
            job.error = e.toString();
            job.state = "failed";
            LOG.error("Move of tenant {} from {} to {} failed; reads still look in both zones. Run the move again "
                    + "to finish it", job.tenant, job.from, job.to, e);
        } finally {
            job.finishedAt = System.currentTimeMillis();
        }
    }

    @Override
    public FlushResult flush(String tenant, String by) {
        checkTenant(tenant);
        String who = who(by);
        Route route = registry.route(tenant);
        if (route.moving()) {
            throw new IllegalStateException("tenant " + tenant + " is moving; flush it after the move");
        }
        long removed = store.removeAll(route.zone(), tenant);
        LOG.info("Tenant {} flushed by {}: {} entries removed from zone {}", tenant, who, removed, route.zone());
        return new FlushResult(tenant, route.zone(), removed, who);
    }

    @Override
    public TenantRecord tenantMaintenance(String tenant, boolean on, String by) {
        checkTenant(tenant);
        TenantRecord r = registry.setMaintenance(tenant, on, who(by));
        LOG.info("Tenant {} maintenance {} by {}", tenant, on ? "on" : "off", r.changedBy());
        return r;
    }

    @Override
    public Figures figures() {
        Map<String, long[]> tenants = new LinkedHashMap<>();
        stats.top(metricsTenants).forEach((t, f) -> tenants.put(t, new long[] {f.ops(), f.hits(), f.misses()}));
        Map<String, Long> zoneMaintenance = new TreeMap<>();
        Map<String, Long> zoneBytes = new TreeMap<>();
        for (String z : registry.zones()) {
            ZoneState st = registry.zoneStates().get(z);
            zoneMaintenance.put(z, st != null && st.maintenance() ? 1L : 0L);
            zoneBytes.put(z, store.approximateBytes(z));
        }
        TreeSet<String> names = new TreeSet<>(stats.seen());
        registry.list().forEach(r -> names.add(r.tenant()));
        long inMaintenance = names.stream().filter(t -> registry.route(t).maintenance()).count();
        return new Figures(tenants, zoneMaintenance, zoneBytes, inMaintenance);
    }
}
