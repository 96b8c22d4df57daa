package dev.hearth.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class NumbersTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void classicIncrDecrReadsDigitsWithTrailingSpaces() {
        assertEquals(42, Numbers.parseUnsigned(b("42  ")));
        assertEquals(-1L, Numbers.parseUnsigned(b("18446744073709551615")));
        assertThrows(NumberFormatException.class, () -> Numbers.parseUnsigned(b("4x")));
        assertThrows(NumberFormatException.class, () -> Numbers.parseUnsigned(b(" 4")));
        assertThrows(NumberFormatException.class, () -> Numbers.parseUnsigned(new byte[0]));
        assertThrows(NumberFormatException.class, () -> Numbers.parseUnsigned(b("184467440737095516150")));
    }

    @Test
    void strtoullFollowsMemcached() {
        assertEquals(7, Numbers.strtoull(b("  +7")));
        assertEquals(7, Numbers.strtoull(b("7 ")));
        assertEquals(0, Numbers.strtoull(b("-0")));
        assertEquals(-1L, Numbers.strtoull(b("18446744073709551615")));
        assertThrows(NumberFormatException.class, () -> Numbers.strtoull(b("18446744073709551616")));
        assertThrows(NumberFormatException.class, () -> Numbers.strtoull(b("-1")));
        assertThrows(NumberFormatException.class, () -> Numbers.strtoull(b("1x")));
        assertThrows(NumberFormatException.class, () -> Numbers.strtoull(b("")));
    }

    @Test
    void incrWrapsAndDecrStopsAtZero() {
        assertEquals(0, Numbers.apply(-1L, 1, false));
        assertEquals(0, Numbers.apply(5, 10, true));
        assertEquals(0, Numbers.apply(5, 5, true));
        assertEquals(3, Numbers.apply(5, 2, true));
        assertEquals(-2L, Numbers.apply(-1L, 1, true), "unsigned: 2^64-1 minus 1");
    }
}
