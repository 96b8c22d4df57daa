package dev.hearth.node.membership;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The members a cluster expects, by node name, with the admin address each was last seen at ("host:port", or ""
 * when unknown). Immutable. Records only grow within a generation: every name a node ever saw in its topology is
 * added ({@link #with}); only {@link #without} (an operator's "forget") removes one, and it starts a new generation,
 * so that an older record (a node that was down during the forget, a peer's attribute from its start) cannot bring
 * the name back: {@link #merge} keeps the newer generation, and unites two records of the same one.
 *
 * @param generation starts at 0; bumped by each forget
 * @param admins node name to its last known admin address
 */
public record Members(long generation, SortedMap<String, String> admins) {
    public static final Members EMPTY = new Members(0, new TreeMap<>());

    public Members {
        if (generation < 0) {
            throw new IllegalArgumentException("generation must not be negative: " + generation);
        }
        admins = Collections.unmodifiableSortedMap(new TreeMap<>(Objects.requireNonNull(admins, "admins")));
    }

    public int size() {
        return admins.size();
    }

    public boolean contains(String name) {
        return admins.containsKey(name);
    }

    /**
     * This record with every one of {@code seen} (name to admin address) added, in the same generation; a known
     * name's address is updated when {@code seen} gives a non-empty one. Returns this very record when nothing
     * changes.
     */
    public Members with(Map<String, String> seen) {
        TreeMap<String, String> out = new TreeMap<>(admins);
        boolean changed = false;
        for (Map.Entry<String, String> e : seen.entrySet()) {
            String address = e.getValue() == null ? "" : e.getValue();
            String old = out.get(e.getKey());
            if (old == null || (!address.isEmpty() && !address.equals(old))) {
                out.put(e.getKey(), address.isEmpty() && old != null ? old : address);
                changed = true;
            }
        }
        return changed ? new Members(generation, out) : this;
    }

    /** This record without {@code name}, as a new generation. */
    public Members without(String name) {
        TreeMap<String, String> out = new TreeMap<>(admins);
        out.remove(name);
        return new Members(generation + 1, out);
    }

    /**
     * The newer of the two generations; for equal generations, the union (this record's addresses win for names
     * both know, unless empty). Returns this very record when {@code other} adds nothing.
     */
    public Members merge(Members other) {
        if (other.generation < generation) {
            return this;
        }
        if (other.generation > generation) {
            return other;
        }
        TreeMap<String, String> add = new TreeMap<>();
        other.admins.forEach((name, address) -> {
            String mine = admins.get(name);
            if (mine == null || (mine.isEmpty() && !address.isEmpty())) {
                add.put(name, address);
            }
        });
        return add.isEmpty() ? this : with(add);
    }
}
