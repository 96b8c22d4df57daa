package dev.hearth.node.ignite;

import dev.hearth.node.tenant.InFlight;
import dev.hearth.node.tenant.RegistryMirror;
import dev.hearth.node.tenant.Route;
import dev.hearth.node.tenant.TenantRegistry;
import dev.hearth.storage.CacheNames;
import dev.hearth.storage.TenantKey;
import dev.hearth.storage.registry.Placement;
import dev.hearth.storage.registry.RegistryJson;
import dev.hearth.storage.registry.TenantRecord;
import dev.hearth.storage.registry.ZoneState;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import javax.cache.Cache;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.EventType;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.CacheAtomicityMode;
import org.apache.ignite.cache.CacheMode;
import org.apache.ignite.cache.CacheWriteSynchronizationMode;
import org.apache.ignite.cache.query.ContinuousQuery;
import org.apache.ignite.cache.query.QueryCursor;
import org.apache.ignite.cache.query.ScanQuery;
import org.apache.ignite.configuration.CacheConfiguration;
import org.apache.ignite.lang.IgniteCallable;
import org.apache.ignite.resources.IgniteInstanceResource;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * {@link TenantRegistry} over the replicated {@code hearth-tenants} cache (String keys, JSON String values, see
 * docs/design/tenants-and-integrity.md). Every node keeps a {@link RegistryMirror} fed by a continuous query.
 * Writes are compare-and-set loops on the JSON text, so two admins changing one tenant at once never lose an update.
 */
public final class IgniteTenantRegistry implements TenantRegistry, AutoCloseable {
    /** Where {@link Barrier} jobs find this node's registry. */
    static final String NODE_LOCAL_KEY = "hearth.tenantRegistry";
    private static final Logger LOG = LogManager.getLogger(IgniteTenantRegistry.class);
    private static final long BARRIER_TIMEOUT_MS = 30_000;
    /** New tenant records are refused above this share of the region: it does not evict, a full one fails hard. */
    private static final double REGION_HIGH_WATER = 0.8;
    /** Joins that race ours settle within a few exchanges; 10 tries 0.5 s apart outlast them. */
    private static final int START_ATTEMPTS = 10;
    private static final long START_PAUSE_MS = 500;

    private final Ignite ignite;
    private final IgniteCache<String, String> cache;
    private final RegistryMirror mirror;
    private final InFlight inFlight;
    private final List<String> zones;
    private final long regionBytes;
    private final QueryCursor<Cache.Entry<String, String>> cursor;

    public static CacheConfiguration<String, String> cacheConfig() {
        return new CacheConfiguration<String, String>(CacheNames.REGISTRY)
                .setCacheMode(CacheMode.REPLICATED)
                .setAtomicityMode(CacheAtomicityMode.TRANSACTIONAL)
                .setWriteSynchronizationMode(CacheWriteSynchronizationMode.FULL_SYNC)
                .setDataRegionName(Zones.SYSTEM_REGION);
    }

    /** Creates (or joins) the registry, writes this node's placement and starts mirroring. */
    public IgniteTenantRegistry(Ignite ignite, Collection<String> zones, Placement configured, InFlight inFlight,
            long regionBytes) {
        this.ignite = ignite;
        this.regionBytes = regionBytes;
        this.zones = zones.stream().sorted().toList();
        this.inFlight = inFlight;
        this.cache = ignite.getOrCreateCache(cacheConfig());
        this.mirror = new RegistryMirror(configured);
        String placementJson = RegistryJson.write(configured);
        String previous = StartupRetry.run("writing this node's placement", START_ATTEMPTS, START_PAUSE_MS,
                () -> cache.getAndPut(RegistryJson.PLACEMENT, placementJson));
        if (previous != null && !previous.equals(placementJson)) {
            LOG.warn("tenants.placement of this node ({}) differs from the registry's ({}); this node's wins. Give "
                    + "every node the same tenants.placement", placementJson, previous);
        }
        cursor = StartupRetry.run("mirroring the tenant registry", START_ATTEMPTS, START_PAUSE_MS, this::mirrorAll);
        ignite.cluster().nodeLocalMap().put(NODE_LOCAL_KEY, this);
    }

    /** Starts the continuous query and applies its initial scan; a failed attempt leaves no query behind. */
    private QueryCursor<Cache.Entry<String, String>> mirrorAll() {
        ContinuousQuery<String, String> q = new ContinuousQuery<>();
        q.setLocalListener(events -> {
            for (CacheEntryEvent<? extends String, ? extends String> e : events) {
                mirror.apply(e.getKey(), e.getEventType() == EventType.REMOVED || e.getEventType() == EventType.EXPIRED
                        ? null : e.getValue());
            }
        });
        q.setInitialQuery(new ScanQuery<>());
        QueryCursor<Cache.Entry<String, String>> c = cache.query(q);
        try {
            for (Cache.Entry<String, String> e : c) {
                mirror.applyInitial(e.getKey(), e.getValue());
            }
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    public RegistryMirror mirror() {
        return mirror;
    }

    InFlight inFlight() {
        return inFlight;
    }

    @Override
    public Route route(String tenant) {
        return mirror.route(tenant);
    }

    @Override
    public Optional<TenantRecord> get(String tenant) {
        return Optional.ofNullable(mirror.tenant(tenant));
    }

    @Override
    public List<TenantRecord> list() {
        return mirror.tenants();
    }

    @Override
    public Map<String, ZoneState> zoneStates() {
        return mirror.zones();
    }

    @Override
    public Placement placement() {
        return mirror.placement();
    }

    @Override
    public List<String> zones() {
        return zones;
    }

    private void checkTenant(String tenant) {
        if (!TenantKey.isValidTenant(tenant)) {
            throw new IllegalArgumentException("invalid tenant name '" + tenant + "': 1-64 letters, digits, '.', "
                    + "'_' or '-', starting with a letter or digit");
        }
    }

    private void checkZone(String zone) {
        if (zone == null || !zones.contains(zone)) {
            throw new NoSuchElementException("no zone named '" + zone + "'; zones: " + String.join(", ", zones));
        }
    }

    /** Compare-and-set loop on one tenant record; {@code change} gets null when the tenant has no record. */
    private TenantRecord update(String tenant, UnaryOperator<TenantRecord> change) {
        String key = RegistryJson.tenantKey(tenant);
        for (int attempt = 0; attempt < 100; attempt++) {
            String old = cache.get(key);
            TenantRecord current = old == null ? null : RegistryJson.read(old, TenantRecord.class);
            TenantRecord next = change.apply(current);
            if (current == null) {
                checkRoom();
            }
            String json = RegistryJson.write(next);
            boolean ok = old == null ? cache.putIfAbsent(key, json) : cache.replace(key, old, json);
            if (ok) {
                // The writer sees its own change at once, whatever the change stream's delay.
                mirror.apply(key, json);
                return next;
            }
        }
        throw new IllegalStateException("tenant " + tenant + " is being changed concurrently; try again");
    }

    private void checkRoom() {
        var m = ignite.dataRegionMetrics(Zones.SYSTEM_REGION);
        if (m != null && m.getTotalUsedSize() > regionBytes * REGION_HIGH_WATER) {
            throw new IllegalStateException("the tenant registry's region is " + (int) (REGION_HIGH_WATER * 100)
                    + "% full (" + m.getTotalUsedSize() + " of " + regionBytes + " bytes): raise "
                    + "memory.systemRegion before registering more tenants");
        }
    }

    @Override
    public TenantRecord assign(String tenant, String zone, String by) {
        checkTenant(tenant);
        checkZone(zone);
        long now = System.currentTimeMillis();
        return update(tenant, cur -> {
            if (cur != null && cur.movingFrom() != null) {
                throw new IllegalStateException("tenant " + tenant + " is moving from " + cur.movingFrom() + " to "
                        + cur.zone() + "; wait for the move to finish");
            }
            return cur == null ? new TenantRecord(tenant, zone, TenantRecord.ACTIVE, now, now, by, null)
                    : cur.withZone(zone, null, now, by);
        });
    }

    @Override
    public TenantRecord setMaintenance(String tenant, boolean on, String by) {
        checkTenant(tenant);
        long now = System.currentTimeMillis();
        String state = on ? TenantRecord.MAINTENANCE : TenantRecord.ACTIVE;
        String zone = mirror.route(tenant).zone();
        return update(tenant, cur -> cur == null ? new TenantRecord(tenant, zone, state, now, now, by, null)
                : cur.withState(state, now, by));
    }

    @Override
    public ZoneState setZoneMaintenance(String zone, boolean on, String by) {
        checkZone(zone);
        ZoneState z = new ZoneState(zone, on, System.currentTimeMillis(), by);
        String json = RegistryJson.write(z);
        cache.put(RegistryJson.zoneKey(zone), json);
        mirror.apply(RegistryJson.zoneKey(zone), json);
        return z;
    }

    @Override
    public TenantRecord startMove(String tenant, String to, String by) {
        checkTenant(tenant);
        checkZone(to);
        long now = System.currentTimeMillis();
        String placed = mirror.route(tenant).zone();
        return update(tenant, cur -> {
            if (cur != null && cur.movingFrom() != null) {
                throw new IllegalStateException("tenant " + tenant + " is already moving from " + cur.movingFrom()
                        + " to " + cur.zone());
            }
            String from = cur == null ? placed : cur.zone();
            if (from.equals(to)) {
                throw new IllegalStateException("tenant " + tenant + " is already in zone " + to);
            }
            return cur == null ? new TenantRecord(tenant, to, TenantRecord.ACTIVE, now, now, by, from)
                    : cur.withZone(to, from, now, by);
        });
    }

    @Override
    public TenantRecord finishMove(String tenant, String by) {
        long now = System.currentTimeMillis();
        return update(tenant, cur -> {
            if (cur == null || cur.movingFrom() == null) {
                throw new IllegalStateException("tenant " + tenant + " is not moving");
            }
            return cur.withZone(cur.zone(), null, now, by);
        });
    }

    @Override
    public void awaitEverywhere(TenantRecord expected) {
        Collection<Boolean> answers = ignite.compute(ignite.cluster().forServers())
                .broadcast(new Barrier(expected.tenant(), RegistryJson.write(expected)));
        if (answers.contains(Boolean.FALSE)) {
            throw new IllegalStateException("not every node saw the new record of tenant " + expected.tenant()
                    + " within " + BARRIER_TIMEOUT_MS + " ms (or its requests did not finish)");
        }
    }

    @Override
    public void close() {
        ignite.cluster().nodeLocalMap().remove(NODE_LOCAL_KEY, this);
        cursor.close();
    }

    /**
     * Runs on every server node: waits until the local mirror shows the record, then until every request that
     * started before has finished. A node whose registry is not up yet reads the current record when it starts.
     */
    static final class Barrier implements IgniteCallable<Boolean> {
        private static final long serialVersionUID = 1L;
        private final String tenant;
        private final String json;
        @IgniteInstanceResource
        private transient Ignite local;

        Barrier(String tenant, String json) {
            this.tenant = tenant;
            this.json = json;
        }

        /** The expected record, or a later change of it (which implies this one was applied first). */
        private static boolean seen(TenantRecord current, TenantRecord expected) {
            return current != null && (Objects.equals(current, expected) || current.changedAt() > expected.changedAt());
        }

        @Override
        public Boolean call() throws InterruptedException {
            Object r = local.cluster().nodeLocalMap().get(NODE_LOCAL_KEY);
            if (!(r instanceof IgniteTenantRegistry registry)) {
                return true;
            }
            TenantRecord expected = RegistryJson.read(json, TenantRecord.class);
            long deadline = System.currentTimeMillis() + BARRIER_TIMEOUT_MS;
            while (!seen(registry.mirror.tenant(tenant), expected)) {
                if (System.currentTimeMillis() > deadline) {
                    return false;
                }
                Thread.sleep(2);
            }
            return registry.inFlight.drain(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
        }
    }
}
