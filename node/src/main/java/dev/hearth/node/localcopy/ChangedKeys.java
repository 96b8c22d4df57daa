package dev.hearth.node.localcopy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Which keys of each partition this node's copy changed since the local copy last took that partition, so that a
 * round appends those keys' values to the partition's file ({@link LocalCopyService}) instead of rewriting it whole.
 * Fed by the node's storage with every write and removal of a primary or backup copy, each of which moves the
 * partition's update counter once; drained by the rounds, which append only where the updates counted since the last
 * drain match the counter's move (an update this log never saw, such as a clear, makes the partition rewritten whole).
 *
 * <p>Bounded: once {@code maxKeys} keys are held over all partitions, a partition that takes another key forgets its
 * set instead and is rewritten whole at its next write (a node whose rounds cannot keep up, e.g. on a full disk, holds
 * no more than that). Thread-safe; {@link #updated} is called on the storage's update threads and only takes the
 * partition's own lock.
 */
public final class ChangedKeys {
    /**
     * What changed in one partition since its last drain: {@code keys} written or removed, and how many updates that
     * was (a key updated twice counts twice). Not {@code complete} when some update's key is not known (the set was
     * forgotten for the bound, or a key was not a storage key): the partition must then be rewritten whole.
     */
    public record Changes(List<String> keys, long updates, boolean complete) {
        public Changes {
            // Wrapped, not copied: a drain hands over a list nothing else holds, of up to the whole log's keys.
            keys = java.util.Collections.unmodifiableList(keys);
        }
    }

    private static final Changes NONE = new Changes(List.of(), 0, true);

    /**
     * A storage key hashed with its hash code's bits reversed. Ignite places a key in the partition given by the low
     * bits of its (spread) hash code, and a {@code HashSet} picks a bucket from the same low bits: every key of one
     * partition fell into one bucket, a tree bin (a node's profile under a write load: 2-3% of its CPU in that set).
     */
    private record Key(String value) {
        @Override
        public int hashCode() {
            return Integer.reverse(value.hashCode());
        }
    }

    private final long maxKeys;
    private final AtomicLong held = new AtomicLong();
    private final Map<String, Map<Integer, Partition>> zones = new ConcurrentHashMap<>();

    /** @param maxKeys keys held over all partitions at most */
    public ChangedKeys(long maxKeys) {
        if (maxKeys < 1) {
            throw new IllegalArgumentException("maxKeys " + maxKeys);
        }
        this.maxKeys = maxKeys;
    }

    /** A key of the zone's partition was written or removed in this node's copy. */
    public void updated(String zone, int partition, String key) {
        Partition p = partition(zone, partition);
        synchronized (p) {
            p.updates++;
            if (!p.complete) {
                return;
            }
            // One lookup on the path of every write; past the bound, forget lets the key just added go too.
            if (p.keys.add(new Key(key)) && held.incrementAndGet() > maxKeys) {
                forget(p);
            }
        }
    }

    /** An update of the zone's partition whose key this log cannot hold: the partition is rewritten whole. */
    public void unknown(String zone, int partition) {
        Partition p = partition(zone, partition);
        synchronized (p) {
            p.updates++;
            forget(p);
        }
    }

    /** Whether the partition took an update since its last drain. */
    public boolean pending(String zone, int partition) {
        Partition p = existing(zone, partition);
        if (p == null) {
            return false;
        }
        synchronized (p) {
            return p.updates > 0;
        }
    }

    /** What changed in the partition since its last drain, which starts afresh now. */
    public Changes drain(String zone, int partition) {
        Partition p = existing(zone, partition);
        if (p == null) {
            return NONE;
        }
        synchronized (p) {
            if (p.updates == 0 && p.complete) {
                return NONE;
            }
            List<String> keys = new ArrayList<>(p.keys.size());
            p.keys.forEach(k -> keys.add(k.value()));
            Changes out = new Changes(keys, p.updates, p.complete);
            held.addAndGet(-p.keys.size());
            p.keys = new HashSet<>();
            p.updates = 0;
            p.complete = true;
            return out;
        }
    }

    /**
     * Forgets the keys of the zone's partitions this node no longer holds: they would otherwise stay counted against
     * the bound, and a partition that comes back is rewritten whole anyway.
     */
    public void retain(String zone, Set<Integer> holding) {
        Map<Integer, Partition> z = zones.get(zone);
        if (z == null) {
            return;
        }
        // Kept in the map, only emptied: an update racing with this call then still counts where a drain sees it.
        z.forEach((partition, p) -> {
            if (!holding.contains(partition)) {
                synchronized (p) {
                    if (p.complete && !p.keys.isEmpty()) {
                        forget(p);
                    }
                }
            }
        });
    }

    /** Keys held now over all partitions. */
    public long held() {
        return held.get();
    }

    private void forget(Partition p) {
        held.addAndGet(-p.keys.size());
        p.keys = new HashSet<>();
        p.complete = false;
    }

    private Partition partition(String zone, int partition) {
        Map<Integer, Partition> z = zones.get(zone);
        if (z == null) {
            z = zones.computeIfAbsent(zone, name -> new ConcurrentHashMap<>());
        }
        Partition p = z.get(partition);
        return p != null ? p : z.computeIfAbsent(partition, n -> new Partition());
    }

    private Partition existing(String zone, int partition) {
        Map<Integer, Partition> z = zones.get(zone);
        return z == null ? null : z.get(partition);
    }

    private static final class Partition {
        private Set<Key> keys = new HashSet<>();
        private long updates;
        private boolean complete = true;
    }
}
