package dev.hearth.storage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The stored form of a value: a 26-byte header and the value's bytes, in one {@code byte[]} (the cheapest value
 * type for Ignite to store and ship). Layout, big-endian:
 *
 * <pre>
 * 0  u8   format (1)
 * 1  u8   bits: 0x01 stale, 0x02 win token issued (meta W/Z), 0x04 fetched (meta h); other bits 0
 * 2  u32  client flags
 * 6  u64  version (CAS)
 * 14 u64  expireAt, unix ms, 0 = never
 * 22 u32  CRC32C of: tenant (UTF-8), ':', key bytes, header bytes 0..21, value
 * 26 ...  value
 * </pre>
 *
 * The checksum covers the key, so a value copied onto the wrong key is caught as well as flipped bits. The node and
 * hearth-client both write and read through this class, so either side reads what the other wrote; nothing else
 * reads the header's bytes.
 */
public final class Envelope {
    public static final int FORMAT = 1;
    public static final int HEADER = 26;
    private static final int CRC_OFFSET = 22;
    private static final int BIT_STALE = 0x01;
    private static final int BIT_TOKEN_SENT = 0x02;
    private static final int BIT_FETCHED = 0x04;

    private Envelope() {
    }

    public static byte[] encode(TenantKey key, Item item) {
        return encode(key.tenant(), key.key(), item);
    }

    /** As {@link #encode(TenantKey, Item)}, for a tenant and key already checked ({@link TenantKey#of}). */
    public static byte[] encode(String tenant, byte[] key, Item item) {
        byte[] value = item.value();
        byte[] out = new byte[HEADER + value.length];
        ByteBuffer b = ByteBuffer.wrap(out);
        b.put((byte) FORMAT);
        b.put((byte) ((item.stale() ? BIT_STALE : 0) | (item.tokenSent() ? BIT_TOKEN_SENT : 0)
                | (item.fetched() ? BIT_FETCHED : 0)));
        b.putInt(item.flags());
        b.putLong(item.version());
        b.putLong(item.expireAt());
        b.putInt(0);
        System.arraycopy(value, 0, out, HEADER, value.length);
        b.putInt(CRC_OFFSET, checksum(tenant, key, out));
        return out;
    }

    /**
     * @return the item, or null if the stored bytes are damaged: wrong format, too short, or a checksum that does
     *     not match the key and content
     */
    public static Item decode(TenantKey key, byte[] stored) {
        return decode(key.tenant(), key.key(), stored);
    }

    /** As {@link #decode(TenantKey, byte[])}, for a tenant and key already checked. */
    public static Item decode(String tenant, byte[] key, byte[] stored) {
        if (stored == null || stored.length < HEADER || stored[0] != FORMAT) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(stored);
        if (b.getInt(CRC_OFFSET) != checksum(tenant, key, stored)) {
            return null;
        }
        byte[] value = new byte[stored.length - HEADER];
        System.arraycopy(stored, HEADER, value, 0, value.length);
        return new Item(value, b.getInt(2), b.getLong(6), b.getLong(14), (stored[1] & BIT_STALE) != 0,
                (stored[1] & BIT_TOKEN_SENT) != 0, (stored[1] & BIT_FETCHED) != 0);
    }

    /**
     * The version in the stored bytes' header, without checking the checksum: for comparing two copies of one key,
     * where the one with the greater version was written later (versions grow with wall time, {@link VersionClock}).
     *
     * @return the version, or -1 for bytes that are not an envelope of this format (a move's tombstone, damage)
     */
    public static long version(byte[] stored) {
        return stored != null && stored.length >= HEADER && stored[0] == FORMAT ? ByteBuffer.wrap(stored).getLong(6)
                : -1;
    }

    /**
     * A fingerprint of the stored bytes, without reading their value: the version and the checksum, which covers the
     * tenant, the key, the header and the value. For telling two copies' sets of entries apart (a local copy's digest)
     * at the cost of two reads per entry.
     *
     * @return the fingerprint, or 0 for bytes that are not an envelope of this format (the caller hashes those itself)
     */
    public static long fingerprint(byte[] stored) {
        if (stored == null || stored.length < HEADER || stored[0] != FORMAT) {
            return 0;
        }
        ByteBuffer b = ByteBuffer.wrap(stored);
        return b.getLong(6) * 0x9E3779B97F4A7C15L ^ (b.getInt(CRC_OFFSET) & 0xFFFFFFFFL) ^ 1L << 63;
    }

    /**
     * The expiry time in the stored bytes' header (unix ms, 0 = never), without checking the checksum: for skipping
     * what expired while a dump or a local copy sat on disk.
     *
     * @return the expiry, or 0 for bytes that are not an envelope of this format
     */
    public static long expireAt(byte[] stored) {
        return stored != null && stored.length >= HEADER && stored[0] == FORMAT ? ByteBuffer.wrap(stored).getLong(14)
                : 0;
    }

    /** True when the stored bytes are a well-formed envelope whose checksum matches. */
    public static boolean isIntact(TenantKey key, byte[] stored) {
        return stored != null && stored.length >= HEADER && stored[0] == FORMAT
                && ByteBuffer.wrap(stored).getInt(CRC_OFFSET) == checksum(key.tenant(), key.key(), stored);
    }

    private static int checksum(String tenant, byte[] key, byte[] stored) {
        CRC32C crc = new CRC32C();
        crc.update(tenant.getBytes(StandardCharsets.UTF_8));
        crc.update(':');
        crc.update(key);
        crc.update(stored, 0, CRC_OFFSET);
        crc.update(stored, HEADER, stored.length - HEADER);
        return (int) crc.getValue();
    }
}
