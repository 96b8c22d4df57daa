package dev.hearth.node.memcached;

/**
 * Number parsing exactly as memcached's {@code safe_strto*} helpers do it (C's strtol family: leading white space
 * and a sign allowed, the digits must end at white space or the end of the token), so that the same bad numbers get
 * the same errors. Each method throws {@link NumberFormatException} where memcached's returns false.
 */
final class Numbers {
    private Numbers() {
    }

    /** safe_strtoull: unsigned 64-bit; a '-' is rejected only when the result would look negative. */
    static long strtoull(byte[] t) {
        return dev.hearth.storage.Numbers.strtoull(t);
    }

    /** safe_strtoul: as strtoull, then truncated to 32 bits (memcached stores it in a uint32_t). */
    static int strtoul(byte[] t) {
        return (int) strtoull(t);
    }

    /** safe_strtol: signed 64-bit (C long), then truncated to 32 bits. */
    static int strtol(byte[] t) {
        int i = 0;
        while (i < t.length && isSpace(t[i])) {
            i++;
        }
        boolean negative = false;
        if (i < t.length && (t[i] == '+' || t[i] == '-')) {
            negative = t[i] == '-';
            i++;
        }
        int start = i;
        while (i < t.length && t[i] >= '0' && t[i] <= '9') {
            i++;
        }
        if (i == start || (i < t.length && !isSpace(t[i]))) {
            throw new NumberFormatException();
        }
        String digits = new String(t, start, i - start, java.nio.charset.StandardCharsets.US_ASCII);
        long v = Long.parseLong(negative ? "-" + digits : digits); // throws on C's ERANGE too
        return (int) v;
    }

    static boolean isSpace(byte b) {
        return dev.hearth.storage.Numbers.isSpace(b);
    }
}
