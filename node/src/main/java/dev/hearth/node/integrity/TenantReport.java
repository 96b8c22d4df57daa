package dev.hearth.node.integrity;

import dev.hearth.wire.admin.IntegrityCounts;
import java.util.ArrayList;
import java.util.List;

/** What one verify pass found for one tenant (the report classes of docs/design/tenants-and-integrity.md). */
public final class TenantReport {
    /** Damaged keys listed per tenant at most; the counters are always complete. */
    public static final int MAX_KEYS = 1000;

    private final String tenant;
    private final String zone;
    long entriesChecked;
    long bytes;
    long copiesMissing;
    long copiesEvicted;
    long copiesDiffer;
    long checksumFailures;
    long damagedEntries;
    long repaired;
    long removed;
    long skippedRewritten;
    final List<String> damagedKeys = new ArrayList<>();

    TenantReport(String tenant, String zone) {
        this.tenant = tenant;
        this.zone = zone;
    }

    public String tenant() {
        return tenant;
    }

    public String zone() {
        return zone;
    }

    public synchronized long entriesChecked() {
        return entriesChecked;
    }

    public synchronized long damagedEntries() {
        return damagedEntries;
    }

    public synchronized long copiesMissing() {
        return copiesMissing;
    }

    public synchronized long copiesDiffer() {
        return copiesDiffer;
    }

    public synchronized long checksumFailures() {
        return checksumFailures;
    }

    public synchronized long repaired() {
        return repaired;
    }

    public synchronized long removed() {
        return removed;
    }

    /** No damage found: eviction is not damage (a copy dropped to keep a zone within its memory). */
    public synchronized boolean clean() {
        return damagedEntries == 0;
    }

    public synchronized List<String> damagedKeys() {
        return List.copyOf(damagedKeys);
    }

    synchronized void addTo(TenantReport total) {
        synchronized (total) {
            total.entriesChecked += entriesChecked;
            total.bytes += bytes;
            total.copiesMissing += copiesMissing;
            total.copiesEvicted += copiesEvicted;
            total.copiesDiffer += copiesDiffer;
            total.checksumFailures += checksumFailures;
            total.damagedEntries += damagedEntries;
            total.repaired += repaired;
            total.removed += removed;
            total.skippedRewritten += skippedRewritten;
        }
    }

    /** @param withKeys whether to list the damaged keys (a job's per-tenant reports do, its totals do not) */
    public synchronized IntegrityCounts counts(boolean withKeys) {
        return new IntegrityCounts(tenant, zone, entriesChecked, bytes, damagedEntries, copiesMissing, copiesEvicted,
                copiesDiffer, checksumFailures, repaired, removed, skippedRewritten,
                withKeys ? List.copyOf(damagedKeys) : null);
    }
}
