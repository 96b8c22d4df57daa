package dev.hearth.storage;

import java.nio.charset.StandardCharsets;

/**
 * memcached's rules for a stored value used as a number (incr, decr and the meta arithmetic), shared by the node's
 * conditional writes and hearth-client's, so that both treat the same stored bytes the same way. Each parser throws
 * {@link NumberFormatException} where memcached answers "non-numeric value".
 */
public final class Numbers {
    private Numbers() {
    }

    /**
     * The classic incr/decr's reading of a stored value: up to 20 digits, with the trailing spaces memcached's decr
     * leaves behind (and CR/LF) allowed, nothing else.
     */
    public static long parseUnsigned(byte[] value) {
        int end = value.length;
        while (end > 0 && (value[end - 1] == ' ' || value[end - 1] == '\r' || value[end - 1] == '\n')) {
            end--;
        }
        if (end == 0 || end > 20) {
            throw new NumberFormatException();
        }
        for (int i = 0; i < end; i++) {
            if (value[i] < '0' || value[i] > '9') {
                throw new NumberFormatException();
            }
        }
        return Long.parseUnsignedLong(new String(value, 0, end, StandardCharsets.US_ASCII));
    }

    /**
     * memcached's {@code safe_strtoull}: leading white space and a sign are allowed, the digits must end at white
     * space or the end, and no value may overflow 64 bits; a '-' is refused only when the result would look negative.
     */
    public static long strtoull(byte[] value) {
        if (value.length == 0) {
            throw new NumberFormatException();
        }
        int i = 0;
        while (i < value.length && isSpace(value[i])) {
            i++;
        }
        boolean negative = false;
        if (i < value.length && (value[i] == '+' || value[i] == '-')) {
            negative = value[i] == '-';
            i++;
        }
        int start = i;
        long v = 0;
        while (i < value.length && value[i] >= '0' && value[i] <= '9') {
            int d = value[i] - '0';
            if (Long.compareUnsigned(v, Long.divideUnsigned(-1L - d, 10)) > 0) {
                throw new NumberFormatException("overflow");
            }
            v = v * 10 + d;
            i++;
        }
        if (i == start || (i < value.length && !isSpace(value[i]))) {
            throw new NumberFormatException();
        }
        if (negative) {
            v = -v;
            if (v < 0) {
                throw new NumberFormatException("negative");
            }
        }
        return v;
    }

    /** C's isspace. */
    public static boolean isSpace(byte b) {
        return b == ' ' || (b >= '\t' && b <= '\r');
    }

    /** incr wraps at 2^64; decr stops at 0 (both unsigned). */
    public static long apply(long number, long delta, boolean decrement) {
        if (!decrement) {
            return number + delta;
        }
        return Long.compareUnsigned(delta, number) >= 0 ? 0 : number - delta;
    }
}
