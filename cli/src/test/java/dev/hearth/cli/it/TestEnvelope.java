package dev.hearth.cli.it;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The node's stored value format (node cache/Envelope.java), re-implemented for the tests: a 26-byte header
 * (format 1, bits, u32 flags, u64 version, u64 expireAt, u32 CRC32C of tenant ':' key header[0..22) value) then the
 * value. Keys are stored as {@code tenant + ':' + key}.
 */
final class TestEnvelope {
    static final int HEADER = 26;

    record Item(byte[] value, long version, long expireAt) {
    }

    private TestEnvelope() {
    }

    static String storageKey(String tenant, String key) {
        return tenant + ':' + key;
    }

    static byte[] encode(String tenant, String key, byte[] value, long version, long expireAt) {
        byte[] out = new byte[HEADER + value.length];
        ByteBuffer b = ByteBuffer.wrap(out);
        b.put((byte) 1).put((byte) 0).putInt(0).putLong(version).putLong(expireAt).putInt(0);
        System.arraycopy(value, 0, out, HEADER, value.length);
        b.putInt(22, crc(tenant, key, out));
        return out;
    }

    /** @return the item, or null when the bytes are not an intact envelope for this key */
    static Item decode(String tenant, String key, byte[] stored) {
        if (stored == null || stored.length < HEADER || stored[0] != 1) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(stored);
        if (b.getInt(22) != crc(tenant, key, stored)) {
            return null;
        }
        byte[] v = new byte[stored.length - HEADER];
        System.arraycopy(stored, HEADER, v, 0, v.length);
        return new Item(v, b.getLong(6), b.getLong(14));
    }

    private static int crc(String tenant, String key, byte[] stored) {
        CRC32C c = new CRC32C();
        c.update(tenant.getBytes(StandardCharsets.UTF_8));
        c.update(':');
        c.update(key.getBytes(StandardCharsets.ISO_8859_1));
        c.update(stored, 0, 22);
        c.update(stored, HEADER, stored.length - HEADER);
        return (int) c.getValue();
    }
}
