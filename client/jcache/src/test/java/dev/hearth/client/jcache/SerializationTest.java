package dev.hearth.client.jcache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Strings take a short way through Serialization, which must give Java serialization's bytes exactly. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SerializationTest {
    private final Serialization ser = new Serialization(SerializationTest.class.getClassLoader());

    private static byte[] javaSerialized(Object o) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ObjectOutputStream oos = new ObjectOutputStream(out)) {
            oos.writeObject(o);
        }
        return out.toByteArray();
    }

    @Test
    void shortStringsAreWrittenAsJavaSerializationWritesThem() throws IOException {
        for (String s : List.of("", "v", "value-1", "x".repeat(100), "nul\0inside", "é ß 日本", "emoji \uD83D\uDE00",
                "a".repeat(65_535), "é".repeat(30_000))) {
            byte[] expected = javaSerialized(s);
            assertArrayEquals(expected, Serialization.stringBytes(s), () -> "length " + s.length());
            assertArrayEquals(expected, ser.bytes(s));
            assertEquals(s, Serialization.stringOf(expected));
            assertEquals(s, ser.object(expected));
        }
    }

    @Test
    void longStringsAndOtherValuesGoThroughJavaSerialization() throws IOException {
        String longAscii = "a".repeat(65_536);
        String longUtf = "é".repeat(40_000); // 80,000 bytes of UTF-8 in 40,000 chars
        for (String s : List.of(longAscii, longUtf)) {
            assertNull(Serialization.stringBytes(s));
            byte[] expected = javaSerialized(s);
            assertArrayEquals(expected, ser.bytes(s));
            assertNull(Serialization.stringOf(expected));
            assertEquals(s, ser.object(expected));
        }
        for (Object o : List.of(42, 4.5d, List.of("a", "b"))) {
            byte[] b = ser.bytes(o);
            assertArrayEquals(javaSerialized(o), b);
            assertNull(Serialization.stringOf(b));
            assertEquals(o, ser.object(b));
        }
        // A string header whose length does not match what follows is not taken for a string.
        byte[] truncated = javaSerialized("abc");
        assertNull(Serialization.stringOf(java.util.Arrays.copyOf(truncated, truncated.length - 1)));
    }
}
