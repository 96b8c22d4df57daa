package dev.hearth.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hearth.storage.CacheNames;
import dev.hearth.storage.registry.RegistryJson;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * The client's reading of the tenant registry (cache {@link CacheNames#REGISTRY}, String keys and JSON String values;
 * the format is the storage contract's, {@link RegistryJson}, and docs/design/tenants-and-integrity.md). It checks
 * each record more strictly than the node needs to, because a bad record must never route a tenant's keys
 * somewhere else: a record that fails keeps its previous reading.: where each tenant's keys live and whether it is in
 * maintenance. A {@link View} is immutable apart from its route memo, so the hot path reads it without locks.
 */
public final class Registry {
    /** The zone of tenants without a record when the cluster has no placement record (the node's own default). */
    public static final String DEFAULT_ZONE = "default";
    /** Routes of tenants without a record are memoized up to this many per view (tenant names are unbounded). */
    static final int MAX_MEMO = 65_536;
    private static final ObjectMapper JSON = new ObjectMapper();

    private Registry() {
    }

    /** What a tenant in maintenance gets: misses and dropped writes, or {@code TenantUnavailableException}. */
    public enum MaintenanceMode { MISS, REJECT }

    /**
     * The {@code placement} record: {@code mode} "zone" (every tenant without a record in {@code zone}) or "hash"
     * ({@code zones} sorted by name, see {@link dev.hearth.storage.registry.Placement#hashIndex}).
     */
    public record Placement(String mode, String zone, List<String> zones, MaintenanceMode maintenanceMode) {
        static final Placement DEFAULT = new Placement("zone", DEFAULT_ZONE, List.of(), MaintenanceMode.MISS);

        String zoneOf(String tenant) {
            return "hash".equals(mode) ? zones.get(dev.hearth.storage.registry.Placement.hashIndex(tenant,
                    zones.size())) : zone;
        }
    }

    /** A {@code tenant/<name>} record, as far as routing needs it. */
    public record TenantRecord(String tenant, String zone, boolean maintenance, String movingFrom) {
    }

    /**
     * Where one tenant's operations go now: {@code zone}, and while a move runs also {@code movingFrom} (reads look
     * there second, writes remove the key there). {@code maintenance} is the tenant's effective state; {@code reject}
     * says what maintenance means (true: fail the operation; false: answer as an empty cache that drops writes).
     */
    public record Route(String tenant, String zone, String movingFrom, boolean maintenance, boolean reject) {
        /** Maintenance in mode miss: the operation is answered without touching the cache. */
        public boolean bypass() {
            return maintenance && !reject;
        }
    }

    /**
     * One reading of the registry.
     *
     * @param loaded false only for the view a client starts with, before its first successful read
     * @param exists false if the cluster has no registry cache (nodes from before the registry): every tenant then
     *     goes to the default zone and is active
     * @param badRecords records that could not be parsed; each keeps its previous reading (or is ignored)
     */
    public record View(boolean loaded, boolean exists, Placement placement, Map<String, TenantRecord> tenants,
            Map<String, Boolean> zoneMaintenance, Map<String, JsonNode> raw, int badRecords, long readAtMillis,
            long readAtNanos, String pinnedZone, Map<String, Route> memo) {

        public static View initial(String pinnedZone) {
            return new View(false, false, Placement.DEFAULT, Map.of(), Map.of(), Map.of(), 0, 0, System.nanoTime(),
                    pinnedZone, new ConcurrentHashMap<>());
        }

        /** The route of {@code tenant}: one map read when memoized. */
        public Route route(String tenant) {
            Route r = memo.get(tenant);
            if (r == null) {
                r = compute(tenant);
                if (memo.size() < MAX_MEMO) {
                    memo.put(tenant, r);
                }
            }
            return r;
        }

        Route compute(String tenant) {
            boolean reject = placement.maintenanceMode() == MaintenanceMode.REJECT;
            TenantRecord t = tenants.get(tenant);
            if (pinnedZone != null) {
                boolean maintenance = t != null ? t.maintenance()
                        : zoneMaintenance.getOrDefault(pinnedZone, false);
                return new Route(tenant, pinnedZone, null, maintenance, reject);
            }
            if (t != null) {
                return new Route(tenant, t.zone(), t.movingFrom(), t.maintenance(), reject);
            }
            String zone = placement.zoneOf(tenant);
            return new Route(tenant, zone, null, zoneMaintenance.getOrDefault(zone, false), reject);
        }
    }

    /**
     * Reads the registry's entries into a view. A record that cannot be parsed keeps its reading from
     * {@code previous} (or is left out if it had none) and is reported to {@code onBad}; it never stops the other
     * records from being read.
     *
     * @param entries key -> value as read from the cache (values should be JSON strings)
     * @param scanStartNanos the client's {@link dev.hearth.client.Ticker} reading when the read began: the reading
     *     shows at least every change committed before then
     */
    public static View parse(Map<String, ?> entries, View previous, long nowMillis, long scanStartNanos,
            BiConsumer<String, String> onBad) {
        Map<String, JsonNode> raw = new HashMap<>();
        int bad = 0;
        Placement placement = Placement.DEFAULT;
        Map<String, TenantRecord> tenants = new HashMap<>();
        Map<String, Boolean> zones = new HashMap<>();
        for (Map.Entry<String, ?> e : entries.entrySet()) {
            String key = e.getKey();
            if (!key.equals(RegistryJson.PLACEMENT) && !key.startsWith(RegistryJson.TENANT_PREFIX) && !key.startsWith(RegistryJson.ZONE_PREFIX)) {
                continue; // other keys belong to the nodes (jobs, future records)
            }
            try {
                if (!(e.getValue() instanceof String s)) {
                    throw new IllegalArgumentException("value is " + (e.getValue() == null ? "null"
                            : e.getValue().getClass().getName()) + ", not a JSON string");
                }
                JsonNode node = JSON.readTree(s);
                if (node == null || !node.isObject()) {
                    throw new IllegalArgumentException("not a JSON object");
                }
                apply(key, node, tenants, zones);
                if (key.equals(RegistryJson.PLACEMENT)) {
                    placement = placement(node);
                }
                raw.put(key, node);
            } catch (Exception ex) {
                bad++;
                onBad.accept(key, ex.getMessage());
                JsonNode old = previous.raw().get(key);
                if (old != null) {
                    raw.put(key, old);
                    try {
                        apply(key, old, tenants, zones);
                        if (key.equals(RegistryJson.PLACEMENT)) {
                            placement = placement(old);
                        }
                    } catch (RuntimeException impossible) {
                        // It was accepted once with the same code.
                        throw new IllegalStateException(impossible);
                    }
                }
            }
        }
        return new View(true, true, placement, Collections.unmodifiableMap(tenants),
                Collections.unmodifiableMap(zones), Collections.unmodifiableMap(raw), bad, nowMillis, scanStartNanos,
                previous.pinnedZone(), new ConcurrentHashMap<>());
    }

    /**
     * {@code previous} read again with the same records: its routes (and their memo) at the new reading's time. Every
     * client reads the registry each second, and it rarely changes; parsing every record anew each time showed as 3%
     * of a loaded client's CPU samples.
     */
    public static View reread(View previous, long nowMillis, long scanStartNanos) {
        return new View(previous.loaded(), previous.exists(), previous.placement(), previous.tenants(),
                previous.zoneMaintenance(), previous.raw(), previous.badRecords(), nowMillis, scanStartNanos,
                previous.pinnedZone(), previous.memo());
    }

    /** The view of a cluster without a registry cache. */
    public static View absent(View previous, long nowMillis, long scanStartNanos) {
        return new View(true, false, Placement.DEFAULT, Map.of(), Map.of(), Map.of(), 0, nowMillis, scanStartNanos,
                previous.pinnedZone(), new ConcurrentHashMap<>());
    }

    private static void apply(String key, JsonNode node, Map<String, TenantRecord> tenants,
            Map<String, Boolean> zones) {
        if (key.equals(RegistryJson.PLACEMENT)) {
            placement(node); // validates
        } else if (key.startsWith(RegistryJson.TENANT_PREFIX)) {
            String name = key.substring(RegistryJson.TENANT_PREFIX.length());
            TenantRecord t = tenant(name, node);
            tenants.put(name, t);
        } else {
            String name = key.substring(RegistryJson.ZONE_PREFIX.length());
            zones.put(name, zone(name, node));
        }
    }

    static Placement placement(JsonNode n) {
        MaintenanceMode mm = switch (text(n, "maintenanceMode", "miss")) {
            case "miss" -> MaintenanceMode.MISS;
            case "reject" -> MaintenanceMode.REJECT;
            default -> throw new IllegalArgumentException("maintenanceMode must be miss or reject: "
                    + n.get("maintenanceMode"));
        };
        String mode = text(n, "mode", null);
        if ("zone".equals(mode)) {
            return new Placement("zone", zoneName(n, "zone"), List.of(), mm);
        }
        if ("hash".equals(mode)) {
            JsonNode zs = n.get("zones");
            if (zs == null || !zs.isArray() || zs.isEmpty()) {
                throw new IllegalArgumentException("hash placement needs a non-empty zones array");
            }
            List<String> zones = new ArrayList<>();
            for (JsonNode z : zs) {
                if (!z.isTextual() || z.asText().isEmpty()) {
                    throw new IllegalArgumentException("zones must be names: " + zs);
                }
                if (!zones.contains(z.asText())) {
                    zones.add(z.asText());
                }
            }
            Collections.sort(zones); // String order, as the document says "sorted by name"
            return new Placement("hash", null, List.copyOf(zones), mm);
        }
        throw new IllegalArgumentException("mode must be zone or hash: " + n.get("mode"));
    }

    static TenantRecord tenant(String name, JsonNode n) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("empty tenant name");
        }
        String recorded = text(n, "tenant", name);
        if (!recorded.equals(name)) {
            throw new IllegalArgumentException("record names tenant '" + recorded + "' under key tenant/" + name);
        }
        String zone = zoneName(n, "zone");
        boolean maintenance = switch (text(n, "state", null)) {
            case "active" -> false;
            case "maintenance" -> true;
            default -> throw new IllegalArgumentException("state must be active or maintenance: " + n.get("state"));
        };
        JsonNode mf = n.get("movingFrom");
        String movingFrom = null;
        if (mf != null && !mf.isNull()) {
            if (!mf.isTextual() || mf.asText().isEmpty()) {
                throw new IllegalArgumentException("movingFrom must be a zone name or null: " + mf);
            }
            movingFrom = mf.asText().equals(zone) ? null : mf.asText();
        }
        return new TenantRecord(name, zone, maintenance, movingFrom);
    }

    static boolean zone(String name, JsonNode n) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("empty zone name");
        }
        JsonNode m = n.get("maintenance");
        if (m == null || !m.isBoolean()) {
            throw new IllegalArgumentException("maintenance must be true or false: " + m);
        }
        return m.asBoolean();
    }

    private static String zoneName(JsonNode n, String field) {
        JsonNode z = n.get(field);
        if (z == null || !z.isTextual() || z.asText().isEmpty()) {
            throw new IllegalArgumentException(field + " must be a zone name: " + z);
        }
        return z.asText();
    }

    private static String text(JsonNode n, String field, String dflt) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (dflt == null) {
                throw new IllegalArgumentException("missing " + field);
            }
            return dflt;
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException(field + " must be a string: " + v);
        }
        return v.asText();
    }
}
