package dev.hearth.node.tenant;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Per-tenant operation counters with bounded memory: the first {@link #MAX_TRACKED} tenants seen get their own
 * counters, later ones share "other". {@link #top} reports the busiest N and folds the rest into "other", which
 * bounds the metrics' cardinality whatever the number of tenants.
 */
public final class TenantStats {
    public static final String OTHER = "other";
    static final int MAX_TRACKED = 10_000;

    /** ops, hits, misses of one tenant. */
    public record Figures(long ops, long hits, long misses) {
    }

    private static final class Counters {
        final LongAdder ops = new LongAdder();
        final LongAdder hits = new LongAdder();
        final LongAdder misses = new LongAdder();

        Figures figures() {
            return new Figures(ops.sum(), hits.sum(), misses.sum());
        }
    }

    private final ConcurrentHashMap<String, Counters> byTenant = new ConcurrentHashMap<>();
    private final Counters other = new Counters();

    private Counters counters(String tenant) {
        Counters c = byTenant.get(tenant);
        if (c == null) {
            if (byTenant.size() >= MAX_TRACKED) {
                return other;
            }
            c = byTenant.computeIfAbsent(tenant, t -> new Counters());
        }
        return c;
    }

    /** One operation; {@code result} "hit" and "miss" also count as a hit or a miss. */
    public void record(String tenant, String result) {
        Counters c = counters(tenant);
        c.ops.increment();
        if ("hit".equals(result)) {
            c.hits.increment();
        } else if ("miss".equals(result)) {
            c.misses.increment();
        }
    }

    /** Tenants seen by this node (up to {@link #MAX_TRACKED}). */
    public List<String> seen() {
        return byTenant.keySet().stream().sorted().toList();
    }

    public Figures of(String tenant) {
        Counters c = byTenant.get(tenant);
        return c == null ? new Figures(0, 0, 0) : c.figures();
    }

    /** The {@code n} busiest tenants by ops, then "other" (everything else), in that order. */
    public Map<String, Figures> top(int n) {
        List<Map.Entry<String, Figures>> all = new ArrayList<>();
        byTenant.forEach((t, c) -> all.add(Map.entry(t, c.figures())));
        all.sort(Comparator.comparingLong((Map.Entry<String, Figures> e) -> e.getValue().ops()).reversed()
                .thenComparing(Map.Entry::getKey));
        Map<String, Figures> out = new LinkedHashMap<>();
        Figures rest = other.figures();
        for (int i = 0; i < all.size(); i++) {
            Map.Entry<String, Figures> e = all.get(i);
            if (i < n && !e.getKey().equals(OTHER)) {
                out.put(e.getKey(), e.getValue());
            } else {
                Figures f = e.getValue();
                rest = new Figures(rest.ops() + f.ops(), rest.hits() + f.hits(), rest.misses() + f.misses());
            }
        }
        out.put(OTHER, rest);
        return out;
    }
}
