package dev.hearth.node.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hearth.node.cache.Envelope;
import dev.hearth.node.cache.Item;
import dev.hearth.node.cache.TenantKey;
import java.util.AbstractMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The warm-up receiver's batches: one group per expiry second, expired entries left out. */
@Timeout(10)
class InsertGroupsTest {
    private static Map.Entry<String, byte[]> entry(String key, long expireAt) {
        TenantKey k = TenantKey.of("t", key);
        return new AbstractMap.SimpleEntry<>(k.storageKey(),
                Envelope.encode(k, new Item(new byte[] {1}, 0, 1, expireAt, false)));
    }

    @Test
    void entriesAreGroupedByTheSecondTheyExpireInAndExpiredOnesAreDropped() {
        long now = 1_000_000_500L;
        Map<Long, Map<String, IgniteDumpSupport.InsertAbsent>> groups = IgniteDumpSupport.InsertIfAbsent
                .groupByExpirySecond(List.of(entry("never", 0), entry("gone", now - 1), entry("now", now),
                        entry("a", now + 100), entry("b", now + 499), entry("c", now + 500), entry("d", now + 501)),
                        now);
        assertEquals(Set.of(0L, 1_000_001L, 1_000_002L), groups.keySet());
        assertEquals(Set.of(TenantKey.of("t", "never").storageKey()), groups.get(0L).keySet());
        assertEquals(Set.of(TenantKey.of("t", "a").storageKey(), TenantKey.of("t", "b").storageKey(),
                TenantKey.of("t", "c").storageKey()), groups.get(1_000_001L).keySet(),
                "expiring up to the end of a second: that second, rounded up, never earlier than the envelope says");
        assertEquals(Set.of(TenantKey.of("t", "d").storageKey()), groups.get(1_000_002L).keySet());
    }
}
