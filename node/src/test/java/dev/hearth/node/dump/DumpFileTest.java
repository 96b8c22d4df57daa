package dev.hearth.node.dump;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class DumpFileTest {
    @TempDir
    Path dir;

    private Path write(int n) throws IOException {
        Path f = dir.resolve("z.hdump");
        try (DumpFile.Writer w = new DumpFile.Writer(f)) {
            for (int i = 0; i < n; i++) {
                w.write("t:k" + i, new byte[] {(byte) i, 2, 3});
            }
        }
        return f;
    }

    @Test
    void roundTrips() throws IOException {
        Path f = write(1000);
        List<String> keys = new ArrayList<>();
        DumpFile.Summary s = DumpFile.read(f, (k, v) -> {
            keys.add(k);
            assertArrayEquals(new byte[] {(byte) Integer.parseInt(k.substring(3)), 2, 3}, v);
        });
        assertEquals(1000, s.entries());
        assertEquals(1000, keys.size());
        assertEquals("t:k999", keys.get(999));
    }

    @Test
    void truncatedOrDamagedFilesAreDetected() throws IOException {
        Path f = write(5000);
        byte[] all = Files.readAllBytes(f);
        Path cut = dir.resolve("cut.hdump");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length / 2));
        IOException e = assertThrows(IOException.class, () -> DumpFile.read(cut, (k, v) -> { }));
        assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("damaged")
                || e.getMessage().contains("Unexpected end"), e.getMessage());
        Path junk = dir.resolve("junk.hdump");
        Files.writeString(junk, "not a dump");
        assertThrows(IOException.class, () -> DumpFile.read(junk, (k, v) -> { }));
    }

    @Test
    void rawLocalCopyFilesCarryTheirHeaderAndRefuseDamage() throws IOException {
        Path f = dir.resolve("p-7.hcopy");
        try (DumpFile.Writer w = new DumpFile.Writer(f, java.util.Map.of("zone", "default", "counter", "42"))) {
            for (int i = 0; i < 500; i++) {
                w.write("t:k" + i, new byte[] {(byte) i, 2, 3});
            }
            w.close();
        }
        byte[] bytes = Files.readAllBytes(f);
        assertEquals('H', bytes[0], "raw, not gzip");
        // Both readers of raw files: whole in memory (the default up to WHOLE_READ_MAX) and streamed (larger ones).
        for (long wholeReadMax : new long[] {DumpFile.WHOLE_READ_MAX, 0}) {
            Files.write(f, bytes);
            java.util.Map<String, String> seen = new java.util.HashMap<>();
            List<String> keys = new ArrayList<>();
            List<byte[]> values = new ArrayList<>();
            DumpFile.Summary s = DumpFile.read(f, seen::putAll, (k, v) -> {
                keys.add(k);
                values.add(v);
            }, wholeReadMax);
            assertEquals(500, s.entries());
            assertEquals(500L * ("t:k".length() + 3) + keys.stream().mapToInt(k -> k.length() - 3).sum(), s.bytes());
            assertEquals("42", seen.get("counter"));
            assertEquals("default", s.header().get("zone"));
            assertEquals("t:k499", keys.get(499));
            assertArrayEquals(new byte[] {(byte) 499, 2, 3}, values.get(499));

            byte[] flipped = bytes.clone();
            flipped[flipped.length / 2] ^= 0x10;
            Files.write(f, flipped);
            IOException e = assertThrows(IOException.class, () -> DumpFile.read(f, h -> { }, (k, v) -> { },
                    wholeReadMax));
            assertTrue(e.getMessage().startsWith(f.toString() + " is damaged"), e.getMessage());

            Files.write(f, java.util.Arrays.copyOf(bytes, bytes.length - 5));
            e = assertThrows(IOException.class, () -> DumpFile.read(f, h -> { }, (k, v) -> { }, wholeReadMax));
            assertEquals(f + " is truncated", e.getMessage());
        }
    }

    private static Map<String, byte[]> readAll(Path f, Map<String, String> header) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        DumpFile.Summary s = DumpFile.read(f, header::putAll, (k, v) -> assertNull(out.put(k, v), "twice: " + k));
        assertEquals(out.size(), s.entries());
        return out;
    }

    private Path base(int n) throws IOException {
        Path f = dir.resolve("p-3.hcopy");
        try (DumpFile.Writer w = new DumpFile.Writer(f, Map.of("zone", "z", "counter", "10", "cluster", "c"))) {
            for (int i = 0; i < n; i++) {
                w.write("t:k" + i, new byte[] {(byte) i});
            }
            w.close();
        }
        return f;
    }

    @Test
    void appendedSegmentsAreAppliedInOrderUnderTheLastHeader() throws IOException {
        Path f = base(100);
        try (DumpFile.SegmentWriter w = new DumpFile.SegmentWriter(f, Map.of("counter", "14", "unsettled", "a"))) {
            w.write("t:k1", new byte[] {42});
            w.delete("t:k2");
            w.write("t:new", new byte[] {7});
            w.delete("t:never-there");
            assertEquals(4, w.records());
        }
        try (DumpFile.SegmentWriter w = new DumpFile.SegmentWriter(f, Map.of("counter", "15"))) {
            w.delete("t:new");
            w.write("t:k2", new byte[] {2, 2});
        }
        new DumpFile.SegmentWriter(f, Map.of("digest", "d1")).close();
        Map<String, String> header = new LinkedHashMap<>();
        Map<String, byte[]> held = readAll(f, header);
        assertEquals("d1", header.get("digest"), "a segment of header fields only");
        assertEquals(held.entrySet().stream().mapToLong(e -> e.getKey().length() + e.getValue().length).sum(),
                DumpFile.read(f, (k, v) -> { }).bytes(), "the key and value bytes of what the file holds");
        assertEquals(100, held.size());
        assertArrayEquals(new byte[] {42}, held.get("t:k1"));
        assertArrayEquals(new byte[] {2, 2}, held.get("t:k2"));
        assertArrayEquals(new byte[] {99}, held.get("t:k99"));
        assertFalse(held.containsKey("t:new"));
        assertEquals("15", header.get("counter"));
        assertEquals("a", header.get("unsettled"), "a field no later segment names is kept");
        assertEquals("z", header.get("zone"));
        // A file that the whole read does not take is refused rather than read without its segments.
        IOException e = assertThrows(IOException.class, () -> DumpFile.read(f, h -> { }, (k, v) -> { }, 0));
        assertTrue(e.getMessage().contains("bytes after its trailer"), e.getMessage());
    }

    @Test
    void aSegmentCutShortIsIgnoredAndADamagedOneRefusesTheFile() throws IOException {
        Path f = base(50);
        try (DumpFile.SegmentWriter w = new DumpFile.SegmentWriter(f, Map.of("counter", "11"))) {
            w.delete("t:k0");
        }
        long complete = Files.size(f);
        try (DumpFile.SegmentWriter w = new DumpFile.SegmentWriter(f, Map.of("counter", "12"))) {
            w.delete("t:k1");
            w.write("t:k2", new byte[100]);
        }
        byte[] bytes = Files.readAllBytes(f);
        for (long cut = complete + 1; cut < bytes.length; cut += 7) {
            Files.write(f, Arrays.copyOf(bytes, (int) cut));
            Map<String, String> header = new LinkedHashMap<>();
            Map<String, byte[]> held = readAll(f, header);
            assertEquals(49, held.size(), "cut at " + cut);
            assertTrue(held.containsKey("t:k1"));
            assertEquals("11", header.get("counter"), "cut at " + cut);
        }
        byte[] flipped = bytes.clone();
        flipped[bytes.length - 20] ^= 0x10;
        Files.write(f, flipped);
        IOException e = assertThrows(IOException.class, () -> readAll(f, new LinkedHashMap<>()));
        assertTrue(e.getMessage().startsWith(f + " is damaged: segment at byte " + complete), e.getMessage());
        byte[] junk = Arrays.copyOf(bytes, bytes.length + 20);
        Files.write(f, junk);
        e = assertThrows(IOException.class, () -> readAll(f, new LinkedHashMap<>()));
        assertTrue(e.getMessage().contains("no segment magic"), e.getMessage());
    }

    @Test
    void anAbandonedSegmentLeavesTheFileAsItWas() throws IOException {
        Path f = base(10);
        byte[] before = Files.readAllBytes(f);
        DumpFile.SegmentWriter w = new DumpFile.SegmentWriter(f, Map.of("counter", "99"));
        for (int i = 0; i < 10_000; i++) {
            w.write("t:k" + i, new byte[64]);
        }
        w.abandon();
        w.close();
        assertArrayEquals(before, Files.readAllBytes(f));
        assertEquals("10", DumpFile.read(f, (k, v) -> { }).header().get("counter"));
    }
}
