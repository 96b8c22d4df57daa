package dev.hearth.node.dump;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What does not compress is stored, what does is compressed, and the result is plain gzip either way. */
@Timeout(60)
class AdaptiveGzipTest {
    private static final int CHUNK = 16 << 10;
    private static final long WINDOW = 256 << 10;

    private static byte[] random(long seed) {
        byte[] b = new byte[CHUNK];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] text(int i) {
        StringBuilder s = new StringBuilder();
        while (s.length() < CHUNK) {
            s.append("{\"id\":").append(i).append(",\"name\":\"product ").append(s.length()).append("\"}\n");
        }
        return s.substring(0, CHUNK).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] gunzip(byte[] gz) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        }
    }

    @Test
    void incompressibleInputIsStoredAfterTheFirstWindow() throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        ByteArrayOutputStream input = new ByteArrayOutputStream();
        boolean storedOnce = false;
        try (AdaptiveGzip gz = new AdaptiveGzip(sink, CHUNK, WINDOW)) {
            for (int i = 0; i < 3 * WINDOW / CHUNK; i++) {
                byte[] b = random(i);
                gz.write(b, 0, b.length);
                input.write(b);
                storedOnce |= gz.storing();
            }
        }
        assertTrue(storedOnce, "random bytes kept their size in the first window");
        assertTrue(sink.size() <= input.size() * 1.01, sink.size() + " bytes for " + input.size());
        assertArrayEquals(input.toByteArray(), gunzip(sink.toByteArray()));
    }

    @Test
    void compressibleInputStaysCompressedAndCompressionResumesAfterStoredData() throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        ByteArrayOutputStream input = new ByteArrayOutputStream();
        try (AdaptiveGzip gz = new AdaptiveGzip(sink, CHUNK, WINDOW)) {
            for (int i = 0; i < 2 * WINDOW / CHUNK; i++) {
                byte[] b = text(i);
                gz.write(b, 0, b.length);
                input.write(b);
                assertFalse(gz.storing(), "text is never stored");
            }
            long compressed = sink.size();
            assertTrue(compressed < input.size() / 5, compressed + " bytes for " + input.size());
            // Incompressible data, then text again: after the stored windows, text is compressed once more.
            for (int i = 0; i < 2 * WINDOW / CHUNK; i++) {
                byte[] b = random(i);
                gz.write(b, 0, b.length);
                input.write(b);
            }
            assertTrue(gz.storing());
            for (int i = 0; i < (AdaptiveGzip.STORED_WINDOWS + 3) * WINDOW / CHUNK; i++) {
                byte[] b = text(i);
                gz.write(b, 0, b.length);
                input.write(b);
            }
            assertFalse(gz.storing(), "compressing again once text has followed for the stored windows");
        }
        assertArrayEquals(input.toByteArray(), gunzip(sink.toByteArray()));
    }
}
