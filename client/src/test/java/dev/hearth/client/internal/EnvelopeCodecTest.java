package dev.hearth.client.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class EnvelopeCodecTest {
    private static final byte[] KEY = "user:1".getBytes(StandardCharsets.UTF_8);
    /**
     * Produced by the node's {@code Envelope.encode(TenantKey.of("store-42", "user:1"), new Item("héllo" UTF-8, 7,
     * 0x0123456789abcdefL, 1893456000000L, true))}: the client must write exactly these bytes.
     */
    private static final String NODE_GOLDEN =
            "0101000000070123456789abcdef000001b8dac5b40075862c8068c3a96c6c6f";

    private static StoredItem item() {
        return new StoredItem("héllo".getBytes(StandardCharsets.UTF_8), 7, 0x0123456789abcdefL, 1893456000000L, true);
    }

    @Test
    void matchesTheNodesBytesExactly() {
        assertEquals(NODE_GOLDEN, HexFormat.of().formatHex(EnvelopeCodec.encode("store-42", KEY, item())));
    }

    @Test
    void decodesTheNodesBytes() {
        StoredItem d = EnvelopeCodec.decode("store-42", KEY, HexFormat.of().parseHex(NODE_GOLDEN));
        assertArrayEquals(item().value(), d.value());
        assertEquals(7, d.flags());
        assertEquals(0x0123456789abcdefL, d.version());
        assertEquals(1893456000000L, d.expireAt());
        assertTrue(d.stale());
    }

    @Test
    void layoutAndChecksum() {
        byte[] out = EnvelopeCodec.encode("t", KEY, new StoredItem(new byte[] {9, 8}, -1, 5, 0, false));
        assertEquals(EnvelopeCodec.HEADER + 2, out.length);
        ByteBuffer b = ByteBuffer.wrap(out);
        assertEquals(1, out[0]);
        assertEquals(0, out[1]);
        assertEquals(-1, b.getInt(2));
        assertEquals(5, b.getLong(6));
        assertEquals(0, b.getLong(14));
        CRC32C crc = new CRC32C();
        crc.update("t:user:1".getBytes(StandardCharsets.UTF_8));
        crc.update(out, 0, 22);
        crc.update(new byte[] {9, 8});
        assertEquals((int) crc.getValue(), b.getInt(22));
    }

    @Test
    void damageIsDetected() {
        byte[] good = EnvelopeCodec.encode("t", KEY, item());
        for (int i = 0; i < good.length; i++) {
            byte[] bad = good.clone();
            bad[i] ^= 0x10;
            assertNull(EnvelopeCodec.decode("t", KEY, bad), "flipped byte " + i);
        }
        assertNull(EnvelopeCodec.decode("u", KEY, good), "other tenant");
        assertNull(EnvelopeCodec.decode("t", "user:2".getBytes(StandardCharsets.UTF_8), good), "other key");
        assertNull(EnvelopeCodec.decode("t", KEY, new byte[10]), "too short");
        assertNull(EnvelopeCodec.decode("t", KEY, null));
    }
}
