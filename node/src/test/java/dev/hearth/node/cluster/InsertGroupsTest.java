package dev.hearth.node.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.node.cache.Envelope;
import dev.hearth.node.cache.Item;
import dev.hearth.node.cache.TenantKey;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The warm-up receiver's batches: one invokeAll per expiry bucket, expired entries left out. */
@Timeout(10)
class InsertGroupsTest {
    private static final long NOW = 1_000_000_500L;

    private static Map.Entry<String, byte[]> entry(String key, long expireAt) {
        TenantKey k = TenantKey.of("t", key);
        return new AbstractMap.SimpleEntry<>(k.storageKey(),
                Envelope.encode(k, new Item(new byte[] {1}, 0, 1, expireAt, false)));
    }

    private static String sk(String key) {
        return TenantKey.of("t", key).storageKey();
    }

    @Test
    void neverExpiringEntriesShareOneGroupAndExpiredOnesAreDropped() {
        Map<Long, Map<String, IgniteDumpSupport.InsertAbsent>> groups = IgniteDumpSupport.InsertIfAbsent
                .groupByExpiry(List.of(entry("never", 0), entry("also-never", 0), entry("gone", NOW - 1),
                        entry("now", NOW)), NOW, bytes -> true);
        assertEquals(Set.of(0L), groups.keySet());
        assertEquals(Set.of(sk("never"), sk("also-never")), groups.get(0L).keySet());
    }

    @Test
    void entriesTheZoneDoesNotStoreAreDropped() {
        Map.Entry<String, byte[]> small = entry("small", 0);
        Map.Entry<String, byte[]> large = Map.entry(sk("large"), new byte[small.getValue().length + 1]);
        Map<Long, Map<String, IgniteDumpSupport.InsertAbsent>> groups = IgniteDumpSupport.InsertIfAbsent
                .groupByExpiry(List.of(small, large), NOW, bytes -> bytes <= small.getValue().length);
        assertEquals(Set.of(sk("small")), groups.get(0L).keySet());
    }

    @Test
    void aBucketNeverEndsBeforeItsEntriesNorLongAfter() {
        Random rnd = new Random(3);
        for (int i = 0; i < 10_000; i++) {
            long left = 1 + (long) (rnd.nextDouble() * rnd.nextDouble() * 30L * 24 * 3_600_000);
            long expireAt = NOW + left;
            long end = IgniteDumpSupport.InsertIfAbsent.expiryBucket(expireAt, NOW);
            assertTrue(end >= expireAt, "never earlier than the envelope says: " + left);
            assertTrue(end - expireAt < Math.max(1024, left / 32), "late by less than 1/32 of what was left: " + left);
        }
    }

    @Test
    void entriesWrittenOverTenMinutesWithAnHourTtlShareAFewBuckets() {
        List<Map.Entry<String, byte[]>> entries = new ArrayList<>();
        for (int i = 0; i < 512; i++) {
            entries.add(entry("k" + i, NOW + 3_600_000 + i * 600_000L / 512));
        }
        Map<Long, Map<String, IgniteDumpSupport.InsertAbsent>> groups = IgniteDumpSupport.InsertIfAbsent
                .groupByExpiry(entries, NOW, bytes -> true);
        // An hour left: buckets of 65.5 s (2^16 ms), so ten minutes of writes fill at most 11 of them.
        assertTrue(groups.size() <= 11, "buckets: " + groups.size());
        assertEquals(512, groups.values().stream().mapToInt(Map::size).sum());
    }
}
