package dev.hearth.node.warmup;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * One zone's entries from one node, as written by a dump: gzip of
 *
 * <pre>
 * "HDUMP1\n"                       magic
 * repeated: u8 1, u32 keyLen, key (UTF-8 storage key), u32 valueLen, value (the stored envelope, whose own
 *           header carries flags, CAS version, absolute expiry and a CRC32C)
 * u8 0, u64 entries, u32 CRC32C of every record byte before the trailer
 * </pre>
 *
 * The trailer makes a truncated or damaged file detectable as a whole; each envelope's checksum still protects
 * each value.
 */
public final class DumpFile {
    static final byte[] MAGIC = "HDUMP1\n".getBytes(StandardCharsets.US_ASCII);
    static final int MAX_KEY = 64 * 1024;
    static final int MAX_VALUE = 256 << 20;

    private DumpFile() {
    }

    /** Writes records; {@link #close} writes the trailer. Not thread-safe. */
    public static final class Writer implements AutoCloseable {
        private final DataOutputStream out;
        private final CRC32C crc = new CRC32C();
        private long entries;
        private long bytes;

        public Writer(Path file) throws IOException {
            OutputStream raw = Files.newOutputStream(file);
            out = new DataOutputStream(new BufferedOutputStream(new GZIPOutputStream(raw, 64 * 1024), 64 * 1024));
            out.write(MAGIC);
        }

        public void write(String key, byte[] value) throws IOException {
            byte[] k = key.getBytes(StandardCharsets.UTF_8);
            byte[] head = new byte[5];
            head[0] = 1;
            putInt(head, 1, k.length);
            byte[] vlen = new byte[4];
            putInt(vlen, 0, value.length);
            for (byte[] part : new byte[][] {head, k, vlen, value}) {
                out.write(part);
                crc.update(part);
            }
            entries++;
            bytes += k.length + value.length;
        }

        public long entries() {
            return entries;
        }

        /** Key and value bytes written (uncompressed). */
        public long bytes() {
            return bytes;
        }

        @Override
        public void close() throws IOException {
            out.writeByte(0);
            out.writeLong(entries);
            out.writeInt((int) crc.getValue());
            out.close();
        }
    }

    /** What a reader hands over for each record. */
    @FunctionalInterface
    public interface RecordConsumer {
        void accept(String key, byte[] value) throws IOException;
    }

    /** Result of reading a whole file. */
    public record Summary(long entries, long bytes) {
    }

    /**
     * Reads every record, then checks the trailer.
     *
     * @throws IOException if the file is not a dump, is truncated, or its trailer does not match its content
     */
    public static Summary read(Path file, RecordConsumer consumer) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
                DataInputStream in = new DataInputStream(new BufferedInputStream(new GZIPInputStream(raw, 64 * 1024),
                        64 * 1024))) {
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw new IOException(file + " is not a Hearth dump");
            }
            CRC32C crc = new CRC32C();
            long entries = 0;
            long bytes = 0;
            while (true) {
                int tag = in.readUnsignedByte();
                if (tag == 0) {
                    long count = in.readLong();
                    int sum = in.readInt();
                    if (count != entries || sum != (int) crc.getValue()) {
                        throw new IOException(file + " is damaged: trailer says " + count + " entries, read "
                                + entries + (sum != (int) crc.getValue() ? ", checksum mismatch" : ""));
                    }
                    return new Summary(entries, bytes);
                }
                if (tag != 1) {
                    throw new IOException(file + " is damaged: bad record tag " + tag + " after " + entries);
                }
                int klen = in.readInt();
                if (klen <= 0 || klen > MAX_KEY) {
                    throw new IOException(file + " is damaged: key length " + klen);
                }
                byte[] k = new byte[klen];
                in.readFully(k);
                int vlen = in.readInt();
                if (vlen < 0 || vlen > MAX_VALUE) {
                    throw new IOException(file + " is damaged: value length " + vlen);
                }
                byte[] v = new byte[vlen];
                in.readFully(v);
                byte[] head = new byte[5];
                head[0] = 1;
                putInt(head, 1, klen);
                byte[] vl = new byte[4];
                putInt(vl, 0, vlen);
                crc.update(head);
                crc.update(k);
                crc.update(vl);
                crc.update(v);
                entries++;
                bytes += klen + vlen;
                consumer.accept(new String(k, StandardCharsets.UTF_8), v);
            }
        } catch (EOFException e) {
            throw new IOException(file + " is truncated", e);
        }
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }
}
