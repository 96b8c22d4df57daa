package dev.hearth.client.internal;

import java.nio.charset.StandardCharsets;

/** memcached's incr/decr arithmetic, as the node's {@code Mutation}. */
final class Numbers {
    private Numbers() {
    }

    /** Up to 20 digits, trailing spaces/CR/LF allowed (memcached's decr leaves spaces behind). */
    static long parseUnsigned(byte[] value) {
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

    /** incr wraps at 2^64; decr stops at 0. */
    static long apply(long number, long delta, boolean decrement) {
        if (!decrement) {
            return number + delta;
        }
        return Long.compareUnsigned(delta, number) >= 0 ? 0 : number - delta;
    }
}
