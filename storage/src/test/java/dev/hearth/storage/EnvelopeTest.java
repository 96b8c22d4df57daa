package dev.hearth.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class EnvelopeTest {
    private static final TenantKey KEY = TenantKey.of("store-42", "user:1");

    @Test
    void roundTripsEveryField() {
        Item item = new Item("hello".getBytes(StandardCharsets.UTF_8), 0xCAFEBABE, 1234567890123L, 1_800_000_000_000L,
                true);
        Item back = Envelope.decode(KEY, Envelope.encode(KEY, item));
        assertArrayEquals(item.value(), back.value());
        assertEquals(item.flags(), back.flags());
        assertEquals(item.version(), back.version());
        assertEquals(item.expireAt(), back.expireAt());
        assertTrue(back.stale());
        assertEquals(Envelope.HEADER + 5, Envelope.encode(KEY, item).length);
    }

    @Test
    void everySingleBitFlipIsCaught() {
        byte[] stored = Envelope.encode(KEY, new Item(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, 7, 99, 0, false));
        for (int i = 0; i < stored.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] damaged = stored.clone();
                damaged[i] ^= (byte) (1 << bit);
                assertNull(Envelope.decode(KEY, damaged), "flip of bit " + bit + " in byte " + i);
                assertFalse(Envelope.isIntact(KEY, damaged));
            }
        }
        assertTrue(Envelope.isIntact(KEY, stored));
    }

    private static long fingerprint(TenantKey key, Item item) {
        return Envelope.fingerprint(Envelope.encode(key, item));
    }

    @Test
    void theFingerprintTellsAnyDifferenceInKeyVersionFlagsOrValueAndIsZeroForForeignBytes() {
        Item item = new Item(new byte[] {1, 2, 3}, 7, 99, 0, false);
        long f = fingerprint(KEY, item);
        assertNotEquals(0, f);
        assertEquals(f, fingerprint(KEY, item), "the same stored bytes, the same fingerprint");
        Set<Long> seen = new HashSet<>(Set.of(f));
        assertTrue(seen.add(fingerprint(TenantKey.of("store-42", "user:2"), item)), "key");
        assertTrue(seen.add(fingerprint(KEY, new Item(new byte[] {1, 2, 3}, 7, 100, 0, false))), "version");
        assertTrue(seen.add(fingerprint(KEY, new Item(new byte[] {1, 2, 3}, 7, 99, 0, true))), "stale bit");
        assertTrue(seen.add(fingerprint(KEY, new Item(new byte[] {1, 2, 4}, 7, 99, 0, false))), "value");
        assertEquals(0, Envelope.fingerprint(new byte[] {9, 9, 9}));
        assertEquals(0, Envelope.fingerprint(null));
    }

    @Test
    void aValueCopiedOntoAnotherKeyOrTenantIsCaught() {
        byte[] stored = Envelope.encode(KEY, new Item(new byte[] {42}, 0, 1, 0, false));
        assertNull(Envelope.decode(TenantKey.of("store-42", "user:2"), stored));
        assertNull(Envelope.decode(TenantKey.of("store-43", "user:1"), stored));
    }

    @Test
    void truncatedOrForeignBytesAreDamagedNotErrors() {
        assertNull(Envelope.decode(KEY, new byte[0]));
        assertNull(Envelope.decode(KEY, new byte[Envelope.HEADER - 1]));
        byte[] stored = Envelope.encode(KEY, new Item(new byte[] {1, 2, 3}, 0, 1, 0, false));
        byte[] cut = new byte[stored.length - 1];
        System.arraycopy(stored, 0, cut, 0, cut.length);
        assertNull(Envelope.decode(KEY, cut));
        assertNull(Envelope.decode(KEY, "plain memcached value".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void tenantsNeverShareAStorageKey() {
        TenantKey a = TenantKey.of("a", "b:c");
        TenantKey b = TenantKey.of("a", "b:c".getBytes(StandardCharsets.UTF_8));
        assertEquals(a, b);
        assertEquals(a.storageKey(), b.storageKey());
        // "a" + "b:c" and a hypothetical "a:b" + "c" cannot both exist: tenant names have no ':'.
        assertThrows(IllegalArgumentException.class, () -> TenantKey.of("a:b", "c"));
        assertNotEquals(TenantKey.of("t1", "k").storageKey(), TenantKey.of("t2", "k").storageKey());
        Set<String> seen = new HashSet<>();
        for (String t : new String[] {"x", "x.y", "x-y", "x_y"}) {
            assertTrue(seen.add(TenantKey.of(t, "k").storageKey()));
        }
    }

    @Test
    void binaryKeysSurviveTheStorageKeyRoundTrip() {
        byte[] raw = new byte[256];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (byte) i;
        }
        TenantKey k = TenantKey.of("t", raw);
        TenantKey back = TenantKey.fromStorageKey(k.storageKey());
        assertEquals(k, back);
        assertArrayEquals(raw, back.key());
    }

    @Test
    void invalidTenantsAndEmptyKeysAreRejected() {
        for (String bad : new String[] {"", "-x", "a b", "a/b", "ä", "x".repeat(65)}) {
            assertThrows(IllegalArgumentException.class, () -> TenantKey.of(bad, "k"), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> TenantKey.of("t", new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> TenantKey.fromStorageKey("nocolon"));
    }

    /**
     * The format is pinned: these bytes were written by the node before the node and hearth-client shared this class,
     * and stores, dumps and local copies hold such bytes. A change here breaks every stored value.
     */
    @Test
    void theStoredBytesArePinned() {
        String golden = "0101000000070123456789abcdef000001b8dac5b40075862c8068c3a96c6c6f";
        Item item = new Item("héllo".getBytes(StandardCharsets.UTF_8), 7, 0x0123456789abcdefL, 1893456000000L, true);
        byte[] out = Envelope.encode(KEY, item);
        assertEquals(golden, java.util.HexFormat.of().formatHex(out));
        assertArrayEquals(out, Envelope.encode("store-42", "user:1".getBytes(StandardCharsets.UTF_8), item));
        Item back = Envelope.decode("store-42", "user:1".getBytes(StandardCharsets.UTF_8),
                java.util.HexFormat.of().parseHex(golden));
        assertEquals(0x0123456789abcdefL, back.version());
        assertEquals(1893456000000L, back.expireAt());
        assertEquals(0x0123456789abcdefL, Envelope.version(out));
        assertEquals(1893456000000L, Envelope.expireAt(out));
        assertEquals(-1, Envelope.version(new byte[3]));
        assertEquals(0, Envelope.expireAt(null));
    }

    @Test
    void aRewriteKeepsFlagsExpiryAndStaleAndATouchKeepsEverythingButTheExpiry() {
        Item item = new Item(new byte[] {1}, 9, 5, 100, true, true, true);
        Item rewritten = item.withValue(new byte[] {2}, 6);
        assertArrayEquals(new byte[] {2}, rewritten.value());
        assertEquals(9, rewritten.flags());
        assertEquals(6, rewritten.version());
        assertEquals(100, rewritten.expireAt());
        assertTrue(rewritten.stale());
        assertFalse(rewritten.tokenSent() || rewritten.fetched(), "a rewritten value ends the win token");
        Item touched = item.withExpireAt(200);
        assertEquals(5, touched.version());
        assertEquals(200, touched.expireAt());
        assertTrue(touched.stale() && touched.tokenSent() && touched.fetched());
    }
}
