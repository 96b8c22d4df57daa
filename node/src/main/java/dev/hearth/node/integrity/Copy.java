package dev.hearth.node.integrity;

import dev.hearth.storage.Envelope;
import dev.hearth.storage.TenantKey;
import java.io.Serializable;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/**
 * What verify needs to know about one stored copy of an entry, without its bytes: a 64-bit digest of the stored
 * bytes (to tell copies apart), whether its envelope checksum holds, and the envelope's version and expiry (only
 * meaningful when {@code valid}).
 *
 * @param digest CRC32C and CRC32 of the whole stored form, side by side: two different copies collide with odds
 *     of about 2^-64, and both are hardware-assisted so a scan stays cheap
 */
public record Copy(long digest, boolean valid, long version, long expireAt, int size) implements Serializable {
    /** The digest of an absent copy, so "absent" can be expected like any other state. */
    public static final long ABSENT = 0L;

    public static Copy of(String storageKey, byte[] stored) {
        boolean valid;
        try {
            valid = Envelope.isIntact(TenantKey.fromStorageKey(storageKey), stored);
        } catch (IllegalArgumentException e) {
            // Not a Hearth key at all: nothing in a zone cache should look like that, so it is damage.
            valid = false;
        }
        long version = 0;
        long expireAt = 0;
        if (valid) {
            version = Envelope.version(stored);
            expireAt = Envelope.expireAt(stored);
        }
        return new Copy(digest(stored), valid, version, expireAt, stored.length);
    }

    public static long digest(byte[] stored) {
        if (stored == null) {
            return ABSENT;
        }
        CRC32C c = new CRC32C();
        c.update(stored);
        CRC32 d = new CRC32();
        d.update(stored);
        long digest = (c.getValue() << 32) | d.getValue();
        // 0 is reserved for "absent"; a real copy hashing to it is remapped (still a fixed function of the bytes).
        return digest == ABSENT ? 1 : digest;
    }

    /** The tenant of a storage key ({@code tenant:key}), or {@code "?"} for a key that is not a Hearth key. */
    public static String tenantOf(String storageKey) {
        int colon = storageKey.indexOf(':');
        return colon <= 0 ? "?" : storageKey.substring(0, colon);
    }
}
