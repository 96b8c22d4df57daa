package dev.hearth.node.dump;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import java.util.zip.GZIPInputStream;

/**
 * One zone's entries from one node, as written by a dump (gzip; stretches that do not compress are stored, see
 * {@link AdaptiveGzip}), or one partition's entries as kept in a node's local copy (raw: deflate costs ~45 MB/s per
 * core on incompressible values, a raw write runs at disk speed). Both share one record
 * format:
 *
 * <pre>
 * "HDUMP1\n"                       magic of a dump, the whole file gzip-compressed; or
 * "HCOPY1\n" u32 len, header       magic of a local copy, uncompressed, then a header (UTF-8 "name=value" lines,
 *                                  covered by the trailer's CRC) saying which partition and update counter it holds
 * repeated: u8 1, u32 keyLen, key (UTF-8 storage key), u32 valueLen, value (the stored envelope, whose own
 *           header carries flags, CAS version, absolute expiry and a CRC32C)
 * u8 0, u64 entries, u32 CRC32C of every record byte before the trailer
 * then, in a local copy only, any number of appended segments ({@link SegmentWriter}):
 *   "HCSEG1\n" u32 len, header    name=value lines that replace the file's header fields of the same names
 *   repeated: u8 1 as above (the key's value now), or u8 2, u32 keyLen, key (the key is gone)
 *   u8 0, u64 records, u32 CRC32C of the segment's bytes after its magic
 * </pre>
 *
 * The trailer makes a truncated or damaged file detectable as a whole; each envelope's checksum still protects
 * each value. A reader applies the segments in order and hands over what the file holds then, under the header the
 * last segment left. A segment cut short at the end of the file (the process died while appending it) is ignored:
 * the file then says what it said before that append.
 */
public final class DumpFile {
    private static final org.apache.logging.log4j.Logger LOG = org.apache.logging.log4j.LogManager.getLogger(
            DumpFile.class);
    static final byte[] MAGIC = "HDUMP1\n".getBytes(StandardCharsets.US_ASCII);
    static final byte[] RAW_MAGIC = "HCOPY1\n".getBytes(StandardCharsets.US_ASCII);
    static final byte[] SEGMENT_MAGIC = "HCSEG1\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte UPSERT = 1;
    private static final byte DELETE = 2;
    static final int MAX_HEADER = 64 * 1024;
    static final int MAX_KEY = 64 * 1024;
    static final int MAX_VALUE = 256 << 20;

    private DumpFile() {
    }

    /**
     * Records and their running checksum, as a file's base and each of its segments write them: a header, records
     * (a deletion where the value is null), and a trailer with the count and the checksum of everything after the
     * magic.
     */
    private static final class Records {
        private final DataOutputStream out;
        private final CRC32C crc = new CRC32C();
        private long count;
        private long bytes;

        Records(DataOutputStream out) {
            this.out = out;
        }

        void header(Map<String, String> header) throws IOException {
            byte[] h = headerBytes(header);
            byte[] len = new byte[4];
            putInt(len, 0, h.length);
            write(len);
            write(h);
        }

        void record(String key, byte[] value) throws IOException {
            byte[] k = key.getBytes(StandardCharsets.UTF_8);
            byte[] head = new byte[5];
            head[0] = value == null ? DELETE : UPSERT;
            putInt(head, 1, k.length);
            write(head);
            write(k);
            bytes += k.length;
            if (value != null) {
                byte[] vlen = new byte[4];
                putInt(vlen, 0, value.length);
                write(vlen);
                write(value);
                bytes += value.length;
            }
            count++;
        }

        void trailer() throws IOException {
            out.writeByte(0);
            out.writeLong(count);
            out.writeInt((int) crc.getValue());
        }

        private void write(byte[] part) throws IOException {
            out.write(part);
            crc.update(part);
        }
    }

    /** Writes records; {@link #close} writes the trailer. Not thread-safe. */
    public static final class Writer implements AutoCloseable {
        private final DataOutputStream out;
        private final Records records;
        private boolean closed;

        /** A gzip dump file. */
        public Writer(Path file) throws IOException {
            OutputStream raw = Files.newOutputStream(file);
            out = new DataOutputStream(new BufferedOutputStream(new AdaptiveGzip(raw, 64 * 1024), 64 * 1024));
            out.write(MAGIC);
            records = new Records(out);
        }

        /** An uncompressed file with a header (a local copy's partition file). */
        public Writer(Path file, Map<String, String> header) throws IOException {
            out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 256 * 1024));
            out.write(RAW_MAGIC);
            records = new Records(out);
            records.header(header);
        }

        public void write(String key, byte[] value) throws IOException {
            records.record(key, value);
        }

        public long entries() {
            return records.count;
        }

        /** Key and value bytes written (uncompressed). */
        public long bytes() {
            return records.bytes;
        }

        /** Writes the trailer once; closing again does nothing (callers close explicitly inside try-with-resources). */
        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            records.trailer();
            out.close();
        }
    }

    /**
     * Appends one segment to a local copy's file: the values of keys written since and the keys removed since, which
     * a reader applies over what the file held. Nothing else may write the file meanwhile, and the file must end with
     * a complete base or segment. {@link #close} completes the segment; {@link #abandon} takes it back off the file,
     * so that a failed append never leaves a half segment that a later one would follow. Not thread-safe.
     */
    public static final class SegmentWriter implements AutoCloseable {
        private final FileChannel channel;
        private final long start;
        private final DataOutputStream out;
        private final Records records;
        private boolean done;

        /** @param header fields that replace the file's header fields of the same names from this segment on */
        public SegmentWriter(Path file, Map<String, String> header) throws IOException {
            channel = FileChannel.open(file, StandardOpenOption.WRITE);
            try {
                start = channel.size();
                channel.position(start);
                out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel), 64 * 1024));
                out.write(SEGMENT_MAGIC);
                records = new Records(out);
                records.header(header);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        }

        /** The key's value now. */
        public void write(String key, byte[] value) throws IOException {
            records.record(key, java.util.Objects.requireNonNull(value));
        }

        /** The key is gone. */
        public void delete(String key) throws IOException {
            records.record(key, null);
        }

        /** Records written: values and deletions. */
        public long records() {
            return records.count;
        }

        /** Key and value bytes written. */
        public long bytes() {
            return records.bytes;
        }

        /** Completes the segment once; closing again, or after {@link #abandon}, does nothing. */
        @Override
        public void close() throws IOException {
            if (done) {
                return;
            }
            done = true;
            try {
                records.trailer();
                out.flush();
            } catch (IOException | RuntimeException e) {
                try {
                    channel.truncate(start);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
                channel.close();
                throw e;
            }
            channel.close();
        }

        /** Takes the segment back off the file, as if it had never been started. */
        public void abandon() throws IOException {
            if (done) {
                return;
            }
            done = true;
            try {
                channel.truncate(start);
            } finally {
                channel.close();
            }
        }
    }

    private static byte[] headerBytes(Map<String, String> header) {
        StringBuilder text = new StringBuilder();
        header.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** What a reader hands over for each record. */
    @FunctionalInterface
    public interface RecordConsumer {
        void accept(String key, byte[] value) throws IOException;
    }

    /** Result of reading a whole file; {@code header} is empty for a dump. */
    public record Summary(long entries, long bytes, Map<String, String> header) {
    }

    /** What a reader hands over first: the header of a local copy's file (empty for a dump). */
    @FunctionalInterface
    public interface HeaderCheck {
        /** @throws IOException to refuse the file before any record is handed over */
        void accept(Map<String, String> header) throws IOException;
    }

    public static Summary read(Path file, RecordConsumer consumer) throws IOException {
        return read(file, h -> { }, consumer);
    }

    /**
     * Reads every record, then checks the trailer.
     *
     * @throws IOException if the file is not a dump, is truncated, or its trailer does not match its content
     */
    public static Summary read(Path file, HeaderCheck headerCheck, RecordConsumer consumer) throws IOException {
        return read(file, headerCheck, consumer, WHOLE_READ_MAX);
    }

    /** As {@link #read(Path, HeaderCheck, RecordConsumer)}, reading raw files up to {@code wholeReadMax} whole. */
    static Summary read(Path file, HeaderCheck headerCheck, RecordConsumer consumer, long wholeReadMax)
            throws IOException {
        if (Files.size(file) <= wholeReadMax && startsWith(file, RAW_MAGIC)) {
            return readRaw(file, Files.readAllBytes(file), headerCheck, consumer);
        }
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 256 * 1024);
        raw.mark(2);
        boolean gzip = raw.read() == 0x1f && raw.read() == 0x8b;
        raw.reset();
        try (DataInputStream in = new DataInputStream(gzip
                ? new BufferedInputStream(new GZIPInputStream(raw, 64 * 1024), 64 * 1024) : raw)) {
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            CRC32C crc = new CRC32C();
            Map<String, String> header = new LinkedHashMap<>();
            if (gzip && java.util.Arrays.equals(magic, MAGIC)) {
                headerCheck.accept(header);
            } else if (!gzip && java.util.Arrays.equals(magic, RAW_MAGIC)) {
                int hlen = in.readInt();
                if (hlen < 0 || hlen > MAX_HEADER) {
                    throw new IOException(file + " is damaged: header length " + hlen);
                }
                byte[] h = new byte[hlen];
                in.readFully(h);
                byte[] len = new byte[4];
                putInt(len, 0, hlen);
                crc.update(len);
                crc.update(h);
                parseHeader(h, header);
                headerCheck.accept(header);
            } else {
                throw new IOException(file + " is not a Hearth dump or local copy (bad magic)");
            }
            long entries = 0;
            long bytes = 0;
            while (true) {
                int tag = in.readUnsignedByte();
                if (tag == 0) {
                    Summary s = trailer(file, in.readLong(), in.readInt(), crc, entries, bytes, header);
                    if (!gzip && in.read() != -1) {
                        // Appends stop below WHOLE_READ_MAX (appendable), so only the whole read applies segments.
                        throw new IOException(file + " is damaged: bytes after its trailer in a file of over "
                                + WHOLE_READ_MAX + " bytes");
                    }
                    return s;
                }
                checkTag(file, tag, entries);
                int klen = keyLength(file, in.readInt());
                byte[] k = new byte[klen];
                in.readFully(k);
                int vlen = valueLength(file, in.readInt());
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

    /**
     * Raw files (local copies) up to this size are read into memory at once and parsed there, with one checksum pass
     * over the whole: reading them field by field through a stream cost more than half of a local-copy install. A
     * load holds a whole file's entries in memory anyway.
     */
    static final long WHOLE_READ_MAX = 64L << 20;

    /**
     * Whether a local copy's file may grow to {@code size} bytes by appending segments: readers apply segments only
     * to files they read whole.
     */
    public static boolean appendable(long size) {
        return size <= WHOLE_READ_MAX;
    }

    private static boolean startsWith(Path file, byte[] magic) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return java.util.Arrays.equals(in.readNBytes(magic.length), magic);
        }
    }

    private static void parseHeader(byte[] h, Map<String, String> header) {
        for (String line : new String(h, StandardCharsets.UTF_8).split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                header.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
    }

    /**
     * {@link #read} of a raw file (a local copy's) whose bytes are already in memory, such as one another node sent:
     * the same records, checks and messages. Appended segments are applied: the header check sees the header the
     * last segment left, and the consumer gets each key the file holds once, with its last value.
     *
     * @param file the file's name where it was read, for the messages
     */
    public static Summary readRaw(Path file, byte[] all, HeaderCheck headerCheck, RecordConsumer consumer)
            throws IOException {
        if (all.length < RAW_MAGIC.length
                || !java.util.Arrays.equals(all, 0, RAW_MAGIC.length, RAW_MAGIC, 0, RAW_MAGIC.length)) {
            throw new IOException(file + " is not a Hearth local copy (bad magic)");
        }
        ByteBuffer b = ByteBuffer.wrap(all);
        try {
            b.position(RAW_MAGIC.length);
            int covered = b.position();
            Map<String, String> header = new LinkedHashMap<>();
            readHeader(file, b, header);
            int records = b.position();
            skipRecords(file, b, false);
            List<Integer> segments = new ArrayList<>();
            while (b.hasRemaining()) {
                int at = b.position();
                int segment = segment(file, b, header);
                if (segment < 0) {
                    LOG.info("{}: its last append, at byte {} of {}, was cut short (the process ended while writing "
                            + "it); read as it was before that append", file, at, all.length);
                    break;
                }
                // A segment of header fields only (a whole write's digest) leaves the records as they are.
                if (all[segment] != 0) {
                    segments.add(segment);
                }
            }
            headerCheck.accept(header);
            b.position(records);
            if (segments.isEmpty()) {
                return readBase(file, all, b, covered, header, consumer);
            }
            Map<String, byte[]> held = new LinkedHashMap<>();
            // Key and value bytes of what the file holds, kept as the segments apply (a key's length is only known
            // where it is read).
            long bytes = readBase(file, all, b, covered, header, held::put).bytes();
            for (int segment : segments) {
                b.position(segment);
                while (true) {
                    int tag = b.get() & 0xFF;
                    if (tag == 0) {
                        break;
                    }
                    int at = b.position();
                    String key = key(file, all, b);
                    int klen = b.position() - at - 4;
                    byte[] value = tag == UPSERT ? value(file, b) : null;
                    byte[] before = value != null ? held.put(key, value) : held.remove(key);
                    if (before != null) {
                        bytes -= klen + before.length;
                    }
                    if (value != null) {
                        bytes += klen + value.length;
                    }
                }
            }
            for (Map.Entry<String, byte[]> e : held.entrySet()) {
                consumer.accept(e.getKey(), e.getValue());
            }
            return new Summary(held.size(), bytes, header);
        } catch (java.nio.BufferUnderflowException e) {
            throw new IOException(file + " is truncated", e);
        }
    }

    private static void readHeader(Path file, ByteBuffer b, Map<String, String> header) throws IOException {
        int hlen = b.getInt();
        if (hlen < 0 || hlen > MAX_HEADER) {
            throw new IOException(file + " is damaged: header length " + hlen);
        }
        byte[] h = new byte[hlen];
        b.get(h);
        parseHeader(h, header);
    }

    /**
     * Walks over records (lengths only) up to and including a trailer.
     *
     * @param segment whether deletions may occur (a segment's records)
     * @return the records walked over; the buffer is left after the trailer
     * @throws java.nio.BufferUnderflowException where the records end early
     */
    private static long skipRecords(Path file, ByteBuffer b, boolean segment) throws IOException {
        long entries = 0;
        while (true) {
            int tag = b.get() & 0xFF;
            if (tag == 0) {
                skip(b, 12);
                return entries;
            }
            if (tag != UPSERT && !(segment && tag == DELETE)) {
                checkTag(file, tag, entries);
            }
            skip(b, keyLength(file, b.getInt()));
            if (tag == UPSERT) {
                skip(b, valueLength(file, b.getInt()));
            }
            entries++;
        }
    }

    private static void skip(ByteBuffer b, int n) {
        if (n > b.remaining()) {
            throw new java.nio.BufferUnderflowException();
        }
        b.position(b.position() + n);
    }

    /**
     * Checks the segment at the buffer's position and applies its header fields to {@code header}.
     *
     * @return the position of its first record, the buffer left after it; or -1 if it is cut short by the end of the
     *     file (an append the process did not finish): it and whatever follows are ignored
     * @throws IOException if it is not a segment, or its trailer does not match its records
     */
    private static int segment(Path file, ByteBuffer b, Map<String, String> header) throws IOException {
        int start = b.position();
        if (b.remaining() < SEGMENT_MAGIC.length) {
            return -1;
        }
        if (!java.util.Arrays.equals(b.array(), start, start + SEGMENT_MAGIC.length, SEGMENT_MAGIC, 0,
                SEGMENT_MAGIC.length)) {
            throw new IOException(file + " is damaged: no segment magic at byte " + start);
        }
        b.position(start + SEGMENT_MAGIC.length);
        Map<String, String> fields = new LinkedHashMap<>();
        int first;
        int end;
        long counted;
        try {
            readHeader(file, b, fields);
            first = b.position();
            counted = skipRecords(file, b, true);
            end = b.position();
        } catch (java.nio.BufferUnderflowException cutShort) {
            return -1;
        }
        b.position(end - 12);
        long records = b.getLong();
        CRC32C crc = new CRC32C();
        crc.update(b.array(), start + SEGMENT_MAGIC.length, end - 13 - start - SEGMENT_MAGIC.length);
        int sum = b.getInt();
        if (records != counted || sum != (int) crc.getValue()) {
            throw new IOException(file + " is damaged: segment at byte " + start + " says " + records + " records, read "
                    + counted + (sum != (int) crc.getValue() ? ", checksum mismatch" : ""));
        }
        header.putAll(fields);
        return first;
    }

    /** Hands over the base records from the buffer's position and checks the base's trailer. */
    private static Summary readBase(Path file, byte[] all, ByteBuffer b, int covered, Map<String, String> header,
            RecordConsumer consumer) throws IOException {
        long entries = 0;
        long bytes = 0;
        while (true) {
            int tag = b.get() & 0xFF;
            if (tag == 0) {
                CRC32C crc = new CRC32C();
                crc.update(all, covered, b.position() - 1 - covered);
                return trailer(file, b.getLong(), b.getInt(), crc, entries, bytes, header);
            }
            checkTag(file, tag, entries);
            int at = b.position();
            String key = key(file, all, b);
            byte[] v = value(file, b);
            entries++;
            bytes += b.position() - at - 8;
            consumer.accept(key, v);
        }
    }

    private static String key(Path file, byte[] all, ByteBuffer b) throws IOException {
        int klen = keyLength(file, b.getInt());
        if (klen > b.remaining()) {
            throw new java.nio.BufferUnderflowException();
        }
        String key = new String(all, b.position(), klen, StandardCharsets.UTF_8);
        b.position(b.position() + klen);
        return key;
    }

    private static byte[] value(Path file, ByteBuffer b) throws IOException {
        int vlen = valueLength(file, b.getInt());
        if (vlen > b.remaining()) {
            throw new java.nio.BufferUnderflowException();
        }
        byte[] v = new byte[vlen];
        b.get(v);
        return v;
    }

    /** The end of a file: the trailer's entry count and checksum must match what was read. */
    private static Summary trailer(Path file, long count, int sum, CRC32C crc, long entries, long bytes,
            Map<String, String> header) throws IOException {
        if (count != entries || sum != (int) crc.getValue()) {
            throw new IOException(file + " is damaged: trailer says " + count + " entries, read " + entries
                    + (sum != (int) crc.getValue() ? ", checksum mismatch" : ""));
        }
        return new Summary(entries, bytes, header);
    }

    private static void checkTag(Path file, int tag, long entries) throws IOException {
        if (tag != 1) {
            throw new IOException(file + " is damaged: bad record tag " + tag + " after " + entries);
        }
    }

    private static int keyLength(Path file, int klen) throws IOException {
        if (klen <= 0 || klen > MAX_KEY) {
            throw new IOException(file + " is damaged: key length " + klen);
        }
        return klen;
    }

    private static int valueLength(Path file, int vlen) throws IOException {
        if (vlen < 0 || vlen > MAX_VALUE) {
            throw new IOException(file + " is damaged: value length " + vlen);
        }
        return vlen;
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }
}
