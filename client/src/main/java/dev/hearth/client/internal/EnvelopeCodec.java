package dev.hearth.client.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The stored value format, byte for byte the node's {@code dev.hearth.node.cache.Envelope} (re-implemented here so
 * that the client does not depend on the node). Layout, big-endian:
 *
 * <pre>
 * 0  u8   format (1)
 * 1  u8   bits: 0x01 stale
 * 2  u32  client flags
 * 6  u64  version (CAS)
 * 14 u64  expireAt, unix ms, 0 = never
 * 22 u32  CRC32C of: tenant (UTF-8), ':', key bytes, header bytes 0..21, value
 * 26 ...  value
 * </pre>
 */
public final class EnvelopeCodec {
    public static final int FORMAT = 1;
    public static final int HEADER = 26;
    static final int CRC_OFFSET = 22;
    private static final int BIT_STALE = 0x01;

    private EnvelopeCodec() {
    }

    public static byte[] encode(String tenant, byte[] key, StoredItem item) {
        byte[] value = item.value();
        byte[] out = new byte[HEADER + value.length];
        ByteBuffer b = ByteBuffer.wrap(out);
        b.put((byte) FORMAT);
        b.put((byte) (item.stale() ? BIT_STALE : 0));
        b.putInt(item.flags());
        b.putLong(item.version());
        b.putLong(item.expireAt());
        System.arraycopy(value, 0, out, HEADER, value.length);
        b.putInt(CRC_OFFSET, checksum(tenant, key, out));
        return out;
    }

    /** @return the item, or null when the bytes are damaged (format, length or checksum) */
    public static StoredItem decode(String tenant, byte[] key, byte[] stored) {
        if (stored == null || stored.length < HEADER || stored[0] != FORMAT) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(stored);
        if (b.getInt(CRC_OFFSET) != checksum(tenant, key, stored)) {
            return null;
        }
        byte[] value = new byte[stored.length - HEADER];
        System.arraycopy(stored, HEADER, value, 0, value.length);
        return new StoredItem(value, b.getInt(2), b.getLong(6), b.getLong(14), (stored[1] & BIT_STALE) != 0);
    }

    static int checksum(String tenant, byte[] key, byte[] stored) {
        CRC32C crc = new CRC32C();
        crc.update(tenant.getBytes(StandardCharsets.UTF_8));
        crc.update(':');
        crc.update(key);
        crc.update(stored, 0, CRC_OFFSET);
        crc.update(stored, HEADER, stored.length - HEADER);
        return (int) crc.getValue();
    }
}
