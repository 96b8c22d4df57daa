package dev.hearth.node.ignite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.storage.Envelope;
import dev.hearth.storage.Item;
import dev.hearth.storage.MoveTombstone;
import dev.hearth.storage.TenantKey;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The warm-up receiver's batches (one invokeAll per expiry bucket, expired entries left out) and the rule each entry
 * is stored by: where absent or older, never over a newer version.
 */
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

    private static byte[] stored(String key, long version) {
        TenantKey k = TenantKey.of("t", key);
        return Envelope.encode(k, new Item(("v" + version).getBytes(java.nio.charset.StandardCharsets.UTF_8), 0,
                version, 0, false));
    }

    /** What an entry holds after the warm-up's processor ran on it with {@code loaded}. */
    private static byte[] afterLoad(byte[] present, byte[] loaded) {
        byte[][] value = {present};
        javax.cache.processor.MutableEntry<String, byte[]> e = new javax.cache.processor.MutableEntry<>() {
            @Override
            public boolean exists() {
                return value[0] != null;
            }

            @Override
            public void remove() {
                value[0] = null;
            }

            @Override
            public void setValue(byte[] v) {
                value[0] = v;
            }

            @Override
            public String getKey() {
                return sk("k");
            }

            @Override
            public byte[] getValue() {
                return value[0];
            }

            @Override
            public <T> T unwrap(Class<T> clazz) {
                throw new IllegalArgumentException();
            }
        };
        new IgniteDumpSupport.InsertAbsent(loaded).process(e);
        return value[0];
    }

    @Test
    void anEntryIsStoredWhereAbsentOrOlderAndNeverOverANewerVersion() {
        byte[] v5 = stored("k", 5);
        byte[] v9 = stored("k", 9);
        assertEquals(v5, afterLoad(null, v5), "absent: stored");
        // Two copies of one partition that differ: the newer wins whichever loads first.
        assertEquals(v9, afterLoad(v5, v9), "older present: replaced");
        assertEquals(v9, afterLoad(v9, v5), "newer present: kept");
        assertEquals(v9, afterLoad(v9, stored("k", 9)), "same version: kept");
        byte[] tombstone = MoveTombstone.value();
        assertEquals(tombstone, afterLoad(tombstone, v9), "a move's tombstone is not replaced");
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
