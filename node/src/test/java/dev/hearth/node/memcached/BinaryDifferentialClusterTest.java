package dev.hearth.node.memcached;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The binary protocol, frame by frame against real memcached 1.6. CAS values are normalised (CAS#1, CAS#2... in
 * order of appearance); a request whose cas field is {@link #LAST_CAS} carries the last CAS that server returned.
 */
@Timeout(300)
class BinaryDifferentialClusterTest extends DifferentialFixture {
    static final long LAST_CAS = -2;
    private static final int SENTINEL_OPAQUE = 0x5e5e5e5e;

    static byte[] frame(int opcode, byte[] extras, String key, byte[] value, int opaque, long cas) {
        byte[] k = key.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(24 + extras.length + k.length + value.length);
        b.put((byte) 0x80).put((byte) opcode).putShort((short) k.length).put((byte) extras.length).put((byte) 0)
                .putShort((short) 0).putInt(extras.length + k.length + value.length).putInt(opaque).putLong(cas)
                .put(extras).put(k).put(value);
        return b.array();
    }

    static byte[] frame(int opcode, byte[] extras, String key, String value, long cas) {
        return frame(opcode, extras, key, value.getBytes(StandardCharsets.ISO_8859_1), 0x01020304, cas);
    }

    static byte[] set(int opcode, String key, String value, int flags, int exp, long cas) {
        return frame(opcode, ByteBuffer.allocate(8).putInt(flags).putInt(exp).array(), key, value, cas);
    }

    static byte[] get(int opcode, String key) {
        return frame(opcode, new byte[0], key, "", 0);
    }

    static byte[] incr(int opcode, String key, long delta, long initial, int exp) {
        return frame(opcode, ByteBuffer.allocate(20).putLong(delta).putLong(initial).putInt(exp).array(), key, "",
                0);
    }

    static byte[] touch(int opcode, String key, int exp) {
        return frame(opcode, ByteBuffer.allocate(4).putInt(exp).array(), key, "", 0);
    }

    static byte[] bare(int opcode) {
        return frame(opcode, new byte[0], "", "", 0);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    /** Sends each step followed by a NOOP and returns the normalised frames answered before the NOOP's answer. */
    static List<String> run(int port, List<byte[]> steps) throws IOException {
        List<String> out = new ArrayList<>();
        Map<Long, String> names = new LinkedHashMap<>();
        long lastCas = 0;
        try (Wire w = new Wire(port)) {
            for (byte[] step : steps) {
                if (w.closed) {
                    out.add(Wire.CLOSED);
                    continue;
                }
                byte[] s = step.clone();
                if (s.length >= 24 && ByteBuffer.wrap(s).getLong(16) == LAST_CAS) {
                    ByteBuffer.wrap(s).putLong(16, lastCas);
                }
                w.send(s);
                w.send(frame(Binary.NOOP, new byte[0], "", new byte[0], SENTINEL_OPAQUE, 0));
                StringBuilder sb = new StringBuilder();
                while (true) {
                    byte[] h = w.readN(24);
                    if (h.length < 24) {
                        sb.append(Wire.CLOSED);
                        break;
                    }
                    ByteBuffer hb = ByteBuffer.wrap(h);
                    int bodylen = hb.getInt(8);
                    byte[] body = w.readN(bodylen);
                    long cas = hb.getLong(16);
                    if ((h[1] & 0xff) == Binary.NOOP && hb.getInt(12) == SENTINEL_OPAQUE) {
                        break;
                    }
                    if (cas != 0) {
                        lastCas = cas;
                    }
                    String casName = cas == 0 ? "0" : names.computeIfAbsent(cas, c -> "CAS#" + (names.size() + 1));
                    hb.putLong(16, 0);
                    sb.append(HexFormat.of().formatHex(h, 0, 16)).append(" cas=").append(casName).append(" body=")
                            .append(printable(body)).append('\n');
                }
                out.add(sb.toString());
            }
        }
        return out;
    }

    static String printable(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(x >= 0x20 && x < 0x7f ? String.valueOf((char) x) : String.format("\\x%02x", x & 0xff));
        }
        return s.toString();
    }

    static void same(byte[]... steps) throws IOException {
        List<byte[]> list = List.of(steps);
        List<String> expected = run(memcached.port, list);
        List<String> actual = run(hearth.memcachedPort(0), list);
        for (int i = 0; i < list.size(); i++) {
            assertEquals(expected.get(i), actual.get(i), "step " + i + " (opcode 0x"
                    + Integer.toHexString(list.get(i).length > 1 ? list.get(i)[1] & 0xff : -1) + ")");
        }
    }

    @Test
    void storageAndRetrieval() throws IOException {
        same(set(Binary.SET, "b1:k", "hello", 42, 0, 0), get(Binary.GET, "b1:k"), get(Binary.GETK, "b1:k"),
                get(Binary.GET, "b1:none"), get(Binary.GETK, "b1:none"), get(Binary.GETQ, "b1:none"),
                get(Binary.GETKQ, "b1:none"), get(Binary.GETQ, "b1:k"), get(Binary.GETKQ, "b1:k"),
                set(Binary.ADD, "b1:k", "x", 0, 0, 0), set(Binary.ADD, "b1:k2", "x", 1, 0, 0),
                set(Binary.ADDQ, "b1:k", "x", 0, 0, 0), set(Binary.ADDQ, "b1:k3", "x", 0, 0, 0),
                set(Binary.REPLACE, "b1:none", "x", 0, 0, 0), set(Binary.REPLACE, "b1:k", "world", 7, 0, 0),
                set(Binary.REPLACEQ, "b1:k", "world!", 7, 0, 0), get(Binary.GET, "b1:k"),
                frame(Binary.APPEND, new byte[0], "b1:k", "++", 0), frame(Binary.PREPEND, new byte[0], "b1:k", "--", 0),
                frame(Binary.APPENDQ, new byte[0], "b1:k", "a", 0), frame(Binary.APPEND, new byte[0], "b1:no", "a", 0),
                get(Binary.GET, "b1:k"), get(Binary.DELETE, "b1:k"), get(Binary.DELETE, "b1:k"),
                get(Binary.DELETEQ, "b1:k2"), get(Binary.DELETEQ, "b1:k2"), set(Binary.SETQ, "b1:q", "v", 0, 0, 0),
                get(Binary.GET, "b1:q"), set(Binary.SET, "b1:neg", "v", 0, -1, 0), get(Binary.GET, "b1:neg"));
    }

    @Test
    void casCountersAndTouch() throws IOException {
        same(set(Binary.SET, "b2:c", "1", 0, 0, 0), get(Binary.GET, "b2:c"), set(Binary.SET, "b2:c", "2", 0, 0, 987654321),
                set(Binary.SET, "b2:c", "3", 0, 0, LAST_CAS), get(Binary.GET, "b2:c"),
                set(Binary.REPLACE, "b2:none", "3", 0, 0, 5), set(Binary.ADD, "b2:c", "3", 0, 0, 5),
                frame(Binary.DELETE, new byte[0], "b2:c", "", 987654321), frame(Binary.DELETE, new byte[0], "b2:c", "",
                        LAST_CAS), get(Binary.GET, "b2:c"),
                incr(Binary.INCREMENT, "b2:n", 1, 10, 0), incr(Binary.INCREMENT, "b2:n", 5, 10, 0),
                incr(Binary.DECREMENT, "b2:n", 100, 10, 0), get(Binary.GET, "b2:n"),
                incr(Binary.INCREMENT, "b2:m", 1, 10, -1), incr(Binary.INCREMENTQ, "b2:n", 1, 0, 0),
                incr(Binary.DECREMENTQ, "b2:none", 1, 0, -1), get(Binary.GET, "b2:n"),
                set(Binary.SET, "b2:s", "abc", 0, 0, 0), incr(Binary.INCREMENT, "b2:s", 1, 0, 0),
                incr(Binary.INCREMENT, "b2:n", -1L, 0, 0), set(Binary.SET, "b2:t", "tt", 9, 0, 0),
                touch(Binary.TOUCH, "b2:t", 100), touch(Binary.TOUCH, "b2:none", 100), touch(Binary.GAT, "b2:t", 0),
                touch(Binary.GATK, "b2:t", 0), touch(Binary.GATQ, "b2:none", 0), touch(Binary.GATKQ, "b2:t", 0),
                touch(Binary.GAT, "b2:none", 0), touch(Binary.GAT, "b2:t", -1), get(Binary.GET, "b2:t"));
    }

    @Test
    void misc() throws IOException {
        same(bare(Binary.VERSION), bare(Binary.NOOP), frame(0x50, new byte[0], "", "", 0),
                frame(0x50, new byte[0], "", "xyz", 0), bare(Binary.SASL_LIST_MECHS),
                frame(Binary.SASL_AUTH, new byte[0], "PLAIN", "\0a\0b", 0), bare(Binary.VERSION),
                frame(Binary.FLUSHQ, ByteBuffer.allocate(4).putInt(3600).array(), "", "", 0));
        same(bare(Binary.QUIT), bare(Binary.NOOP));
        same(bare(Binary.QUITQ));
    }

    @Test
    void aRefusedSetRemovesTheOldValue() throws IOException {
        String big = "v".repeat(2 * 1024 * 1024);
        byte[] old = set(Binary.SET, "b4:k", "old", 0, 0, 0);
        byte[] get = get(Binary.GET, "b4:k");
        // SET, quiet or not, with or without CAS: the old value goes (memcached unlinks it)
        same(old, set(Binary.SET, "b4:k", big, 0, 0, 0), get, old, set(Binary.SETQ, "b4:k", big, 0, 0, 0), get,
                old, get, set(Binary.SET, "b4:k", big, 0, 0, LAST_CAS), get,
                // the others keep it
                old, set(Binary.ADD, "b4:k", big, 0, 0, 0), set(Binary.REPLACE, "b4:k", big, 0, 0, 0),
                set(Binary.REPLACEQ, "b4:k", big, 0, 0, 0), set(Binary.ADDQ, "b4:k", big, 0, 0, 0),
                frame(Binary.APPEND, new byte[0], "b4:k", big, 0), frame(Binary.PREPENDQ, new byte[0], "b4:k", big, 0),
                get);
    }

    @Test
    void aHugeDeclaredBodyRemovesTheOldValueBeforeTheValueArrives() throws IOException {
        int length = 64 << 20;
        List<String> answers = new ArrayList<>();
        for (int port : List.of(memcached.port, hearth.memcachedPort(0))) {
            assertEquals(List.of(""), run(port, List.of(set(Binary.SETQ, "b5:k", "old", 0, 0, 0))));
            try (Wire w = new Wire(port)) {
                // The header promises a 64 MiB value; first only the extras and key follow.
                byte[] header = set(Binary.SET, "b5:k", "", 0, 0, 0);
                ByteBuffer.wrap(header).putInt(8, header.length - 24 + length);
                w.send(header);
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(
                        run(memcached.port, List.of(get(Binary.GET, "b5:none"))),
                        run(port, List.of(get(Binary.GET, "b5:k"))), "port " + port));
                w.send(new byte[length]);
                w.send(bare(Binary.NOOP));
                byte[] h = w.readN(24);
                byte[] body = w.readN(ByteBuffer.wrap(h).getInt(8));
                answers.add(HexFormat.of().formatHex(h) + " " + printable(body) + " then "
                        + HexFormat.of().formatHex(w.readN(24)));
            }
        }
        assertEquals(answers.get(0), answers.get(1));
    }

    @Test
    void appendCannotGrowPastTheItemSizeLimit() throws IOException {
        byte[] part = "x".repeat(600 * 1024).getBytes(StandardCharsets.US_ASCII);
        same(set(Binary.SET, "b6:k", "abc", 3, 0, 0), frame(Binary.APPEND, new byte[0], "b6:k", part, 1, 0),
                frame(Binary.APPEND, new byte[0], "b6:k", part, 2, 0),
                frame(Binary.APPENDQ, new byte[0], "b6:k", part, 3, 0),
                frame(Binary.PREPEND, new byte[0], "b6:k", part, 4, 0),
                frame(Binary.PREPENDQ, new byte[0], "b6:k", part, 5, 0), get(Binary.GET, "b6:k"),
                frame(Binary.APPEND, new byte[0], "b6:k", "!", 0), get(Binary.GET, "b6:k"));
    }

    @Test
    void badFrames() throws IOException {
        byte[] big = new byte[2 * 1024 * 1024];
        same(set(Binary.SET, "b3:big", new String(big, StandardCharsets.ISO_8859_1), 0, 0, 0), get(Binary.GET,
                "b3:big"), frame(Binary.APPEND, new byte[0], "b3:big", big, 1, 0), bare(Binary.VERSION));
        // lengths that lie: key longer than the body
        byte[] lying = get(Binary.GET, "b3:k");
        ByteBuffer.wrap(lying).putInt(8, 1);
        same(lying);
        // wrong shape for the opcode: GET with extras
        same(frame(Binary.GET, new byte[4], "b3:k", "", 0));
        same(frame(Binary.VERSION, new byte[0], "k", "", 0));
        same(frame(Binary.INCREMENT, new byte[4], "b3:k", "", 0));
        same(frame(Binary.GET, new byte[0], "k".repeat(251), "", 0));
        same(frame(Binary.SET, new byte[0], "b3:k", "x", 0));
        // a wrong magic byte after a good frame
        byte[] bad = bare(Binary.NOOP);
        bad[0] = (byte) 0x81;
        same(bare(Binary.VERSION), bad);
    }
}
