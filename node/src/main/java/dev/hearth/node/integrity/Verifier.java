package dev.hearth.node.integrity;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * One verify pass over a zone: compares every entry's copies on its owners, partition batch by partition batch (so
 * memory is bounded by a batch, not the zone), and optionally repairs what it finds.
 *
 * <p>A copy set that looks wrong is read again before it is reported: a write in flight (primary updated, backup
 * not yet) or an entry expiring between the two nodes' scans looks exactly like damage for a moment. A batch's
 * suspects are re-read together (one round trip per node) over about a second; only a key whose copies stay
 * inconsistent and unchanged through every re-read, with no copy about to expire, is reported. A second covers a
 * write delayed by a starved thread or a GC pause; real damage does not go away by itself.
 */
public final class Verifier {
    /** Entries whose newest valid copy expires this close to now are left alone: expiry, not damage. */
    static final long EXPIRY_GRACE_MS = 2_000;
    /** Entries per batch of partitions (all their copies are held by the coordinator at once). */
    static final long BATCH_ENTRIES = 50_000;
    /** Pauses before each re-read of a batch's suspects (the first re-read is at once). */
    private static final long[] REREAD_PAUSE_MS = {0, 100, 300, 600};

    private final ClusterCopies cluster;

    public Verifier(ClusterCopies cluster) {
        this.cluster = cluster;
    }

    /**
     * @param tenants only these tenants' keys; null for all
     * @param rate entries per second at most, 0 for unlimited
     * @param reports per-tenant results, added to (tenants are created as their keys are met)
     * @param cancelled checked between batches
     */
    public void pass(String zone, Set<String> tenants, boolean repair, long rate, PassProgress progress,
            Map<String, TenantReport> reports, BooleanSupplier cancelled) throws InterruptedException {
        int parts = cluster.partitions(zone);
        long total = cluster.size(zone);
        progress.zone = zone;
        progress.entriesTotal.addAndGet(total);
        progress.partitionsTotal.addAndGet(parts);
        // A batch holds about BATCH_ENTRIES entries whatever the zone's size: memory stays bounded on a big zone,
        // and a small zone is done in a few round trips instead of one per 32 partitions. With a rate, a batch is
        // about one second's work, so the pacing stays smooth.
        long perBatch = rate > 0 ? Math.min(rate, BATCH_ENTRIES) : BATCH_ENTRIES;
        int batch = total <= 0 ? parts : (int) Math.max(1, Math.min(parts, perBatch * parts / total));
        long t0 = System.nanoTime();
        long done = 0;
        for (int first = 0; first < parts; first += batch) {
            if (cancelled.getAsBoolean()) {
                throw new InterruptedException("verify cancelled");
            }
            int n = Math.min(batch, parts - first);
            int[] batchParts = new int[n];
            for (int i = 0; i < n; i++) {
                batchParts[i] = first + i;
            }
            done += checkBatch(zone, batchParts, tenants, repair, progress, reports);
            progress.partitionsDone.addAndGet(n);
            if (rate > 0) {
                long dueNanos = (long) (done * 1e9 / rate);
                long ahead = dueNanos - (System.nanoTime() - t0);
                if (ahead > 0) {
                    Thread.sleep(ahead / 1_000_000, (int) (ahead % 1_000_000));
                }
            }
        }
    }

    private long checkBatch(String zone, int[] parts, Set<String> tenants, boolean repair, PassProgress progress,
            Map<String, TenantReport> reports) throws InterruptedException {
        Map<Integer, List<String>> owners = new HashMap<>();
        for (int p : parts) {
            owners.put(p, cluster.owners(zone, p));
        }
        Map<String, NodeCopies> scanned = cluster.scan(zone, parts, tenants);
        Map<String, Copy[]> byKey = new HashMap<>();
        Map<String, Integer> partOf = new HashMap<>();
        for (Map.Entry<String, NodeCopies> e : scanned.entrySet()) {
            NodeCopies nc = e.getValue();
            for (int i = 0; i < nc.size(); i++) {
                List<String> own = owners.get(nc.partition(i));
                int idx = own == null ? -1 : own.indexOf(e.getKey());
                if (idx < 0) {
                    continue; // not an owner (any more): its copy is not one that reads are served from
                }
                Copy[] copies = byKey.computeIfAbsent(nc.key(i), k -> new Copy[own.size()]);
                copies[idx] = nc.copy(i);
                partOf.put(nc.key(i), nc.partition(i));
            }
        }
        List<String> suspects = new ArrayList<>();
        for (Map.Entry<String, Copy[]> e : byKey.entrySet()) {
            String key = e.getKey();
            Copy[] copies = e.getValue();
            TenantReport r = reports.computeIfAbsent(Copy.tenantOf(key), t -> new TenantReport(t, zone));
            long size = 0;
            for (Copy c : copies) {
                size += c == null ? 0 : c.size();
            }
            synchronized (r) {
                r.entriesChecked++;
                r.bytes += size;
            }
            progress.bytes.addAndGet(size);
            progress.entriesDone.incrementAndGet();
            if (!consistent(copies)) {
                suspects.add(key);
            }
        }
        if (!suspects.isEmpty()) {
            for (Observation o : confirm(zone, suspects)) {
                record(zone, o.key, o, reports.get(Copy.tenantOf(o.key)), repair);
            }
        }
        return byKey.size();
    }

    private static boolean consistent(Copy[] copies) {
        Copy first = copies[0];
        if (first == null || !first.valid()) {
            return false;
        }
        for (Copy c : copies) {
            if (c == null || !c.valid() || c.digest() != first.digest()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Re-reads the suspects; returns those whose copies were inconsistent and identical on every re-read. A key
     * that becomes consistent, changes between reads (being rewritten) or has a copy about to expire is dropped.
     */
    List<Observation> confirm(String zone, List<String> keys) throws InterruptedException {
        Map<String, Observation> last = new HashMap<>();
        List<String> pending = new ArrayList<>(keys);
        for (long pause : REREAD_PAUSE_MS) {
            if (pending.isEmpty()) {
                break;
            }
            if (pause > 0) {
                Thread.sleep(pause);
            }
            Map<String, Map<String, byte[]>> read = cluster.read(zone, pending);
            long now = System.currentTimeMillis();
            List<String> still = new ArrayList<>();
            for (String key : pending) {
                List<String> owners = cluster.owners(zone, cluster.partition(zone, key));
                Observation o = new Observation(key, owners, read.getOrDefault(key, Map.of()));
                if (consistent(o.copies) || o.gone() || o.expiringSoon(now)) {
                    continue;
                }
                Observation before = last.put(key, o);
                if (before != null && !o.sameAs(before)) {
                    continue; // changed between two reads: being rewritten right now, which is not damage
                }
                still.add(key);
            }
            pending = still;
        }
        List<Observation> confirmed = new ArrayList<>();
        for (String key : pending) {
            confirmed.add(last.get(key));
        }
        return confirmed;
    }

    private void record(String zone, String key, Observation o, TenantReport r, boolean repair) {
        int missing = 0;
        int evicted = 0;
        int invalid = 0;
        int differ = 0;
        Integer healthy = o.healthy();
        int valid = 0;
        for (int i = 0; i < o.copies.length; i++) {
            Copy c = o.copies[i];
            if (c == null) {
                if (cluster.evictedPages(zone, o.owners.get(i)) > 0) {
                    evicted++;
                } else {
                    missing++;
                }
            } else if (!c.valid()) {
                invalid++;
            } else {
                valid++;
                if (healthy != null && c.digest() != o.copies[healthy].digest()) {
                    differ++;
                }
            }
        }
        if (healthy == null && valid > 1) {
            differ = valid - 1; // no copy can be trusted over the others; one of them may be right
        }
        boolean damaged = missing + invalid + differ > 0;
        synchronized (r) {
            r.copiesMissing += missing;
            r.copiesEvicted += evicted;
            r.checksumFailures += invalid;
            r.copiesDiffer += differ;
            if (damaged) {
                r.damagedEntries++;
                if (r.damagedKeys.size() < TenantReport.MAX_KEYS) {
                    r.damagedKeys.add(key);
                }
            }
        }
        if (!damaged || !repair) {
            return;
        }
        long primary = o.copies[0] == null ? Copy.ABSENT : o.copies[0].digest();
        boolean done;
        if (healthy != null) {
            done = cluster.writeBack(zone, key, o.bytes[healthy], primary);
        } else {
            done = cluster.removeIfUnchanged(zone, key, primary);
        }
        synchronized (r) {
            if (!done) {
                r.skippedRewritten++;
            } else if (healthy != null) {
                r.repaired++;
            } else {
                r.removed++;
            }
        }
    }

    /** One reading of all owners' copies of a key. */
    static final class Observation {
        final String key;
        final List<String> owners;
        final Copy[] copies;
        final byte[][] bytes;

        Observation(String key, List<String> owners, Map<String, byte[]> read) {
            this.key = key;
            this.owners = owners;
            this.copies = new Copy[owners.size()];
            this.bytes = new byte[owners.size()][];
            for (int i = 0; i < owners.size(); i++) {
                byte[] b = read.get(owners.get(i));
                bytes[i] = b;
                copies[i] = b == null ? null : Copy.of(key, b);
            }
        }

        boolean sameAs(Observation other) {
            if (!owners.equals(other.owners)) {
                return false;
            }
            for (int i = 0; i < copies.length; i++) {
                long a = copies[i] == null ? Copy.ABSENT : copies[i].digest();
                long b = other.copies[i] == null ? Copy.ABSENT : other.copies[i].digest();
                if (a != b) {
                    return false;
                }
            }
            return true;
        }

        /** No owner holds a copy any more: the entry was deleted or expired since the scan, which is not damage. */
        boolean gone() {
            for (Copy c : copies) {
                if (c != null) {
                    return false;
                }
            }
            return true;
        }

        /** True if a checksum-valid copy expires within the grace period (or already has). */
        boolean expiringSoon(long now) {
            for (Copy c : copies) {
                if (c != null && c.valid() && c.expireAt() != 0 && c.expireAt() <= now + EXPIRY_GRACE_MS) {
                    return true;
                }
            }
            return false;
        }

        /**
         * The copy to repair from: checksum valid, newest envelope version; among different copies of that same
         * version, one held by a strict majority of them. Null if there is none (no valid copy, or a tie nobody
         * can break: then the entry is removed rather than risk serving a wrong value).
         */
        Integer healthy() {
            long newest = Long.MIN_VALUE;
            for (Copy c : copies) {
                if (c != null && c.valid() && c.version() > newest) {
                    newest = c.version();
                }
            }
            if (newest == Long.MIN_VALUE) {
                return null;
            }
            Map<Long, List<Integer>> groups = new HashMap<>();
            int candidates = 0;
            for (int i = 0; i < copies.length; i++) {
                Copy c = copies[i];
                if (c != null && c.valid() && c.version() == newest) {
                    groups.computeIfAbsent(c.digest(), d -> new ArrayList<>()).add(i);
                    candidates++;
                }
            }
            for (List<Integer> g : groups.values()) {
                if (g.size() * 2 > candidates) {
                    return g.get(0);
                }
            }
            return null;
        }
    }
}
