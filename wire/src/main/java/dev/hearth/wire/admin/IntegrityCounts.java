package dev.hearth.wire.admin;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What a verify found, for one tenant of one zone or in total (the report classes of
 * docs/design/tenants-and-integrity.md).
 *
 * @param tenant null in the totals (then not written)
 * @param zone null in the totals (then not written)
 * @param skippedRewritten entries rewritten by clients while the pass compared their copies (not damage)
 * @param damagedKeys the first damaged keys (at most 1,000), null in the totals (then not written)
 */
public record IntegrityCounts(@JsonInclude(JsonInclude.Include.NON_NULL) String tenant,
        @JsonInclude(JsonInclude.Include.NON_NULL) String zone, long entriesChecked, long bytes, long damagedEntries,
        long copiesMissing, long copiesEvicted, long copiesDiffer, long checksumFailures, long repaired, long removed,
        long skippedRewritten, @JsonInclude(JsonInclude.Include.NON_NULL) List<String> damagedKeys) {
}
