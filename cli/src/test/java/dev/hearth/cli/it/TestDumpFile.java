package dev.hearth.cli.it;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * The node's dump file format (node warmup/DumpFile.java), read again for the tests: gzip of "HDUMP1\n", then records
 * {@code u8 1, u32 keyLen, key, u32 valueLen, value}, then {@code u8 0, u64 entries, u32 crc}. The tests use it to
 * know exactly which keys each node's dump holds.
 */
final class TestDumpFile {
    private static final byte[] MAGIC = "HDUMP1\n".getBytes(StandardCharsets.US_ASCII);

    private TestDumpFile() {
    }

    /** Every storage key and stored value of one zone's file of a node's dump, in file order. */
    static Map<String, byte[]> read(Path nodeDataDir, String dump, String zone) throws IOException {
        Path file = nodeDataDir.resolve("dumps").resolve(dump).resolve(zone + ".hdump");
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(new GZIPInputStream(
                Files.newInputStream(file), 64 * 1024)))) {
            byte[] magic = in.readNBytes(MAGIC.length);
            if (!Arrays.equals(MAGIC, magic)) {
                throw new IOException(file + " is not a dump file");
            }
            while (in.readByte() == 1) {
                byte[] k = in.readNBytes(in.readInt());
                byte[] v = in.readNBytes(in.readInt());
                out.put(new String(k, StandardCharsets.UTF_8), v);
            }
            long entries = in.readLong();
            if (entries != out.size()) {
                throw new IOException(file + ": trailer says " + entries + " entries, read " + out.size());
            }
        }
        return out;
    }
}
