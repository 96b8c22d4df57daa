package dev.hearth.node.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A byte count written as {@code 512m}, {@code 1g}, {@code 64k} or a plain number of bytes (binary units). */
public record ByteSize(long bytes) {
    private static final Pattern FORM = Pattern.compile("(\\d+)\\s*([kmgt]?)i?b?", Pattern.CASE_INSENSITIVE);

    public ByteSize {
        if (bytes < 0) {
            throw new IllegalArgumentException("a size cannot be negative");
        }
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static ByteSize parse(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size (expected e.g. 64k, 512m, 2g or bytes)");
        }
        long n = Long.parseLong(m.group(1));
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        if (shift > 0 && n > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
        return new ByteSize(n << shift);
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static ByteSize ofBytes(long bytes) {
        return new ByteSize(bytes);
    }

    public static ByteSize ofMebibytes(long mib) {
        return new ByteSize(mib << 20);
    }

    /** The shortest exact form, e.g. {@code 256m}. */
    @JsonValue
    @Override
    public String toString() {
        if (bytes != 0) {
            for (var unit : new Object[][] {{40, "t"}, {30, "g"}, {20, "m"}, {10, "k"}}) {
                int shift = (Integer) unit[0];
                if (bytes % (1L << shift) == 0) {
                    return (bytes >> shift) + (String) unit[1];
                }
            }
        }
        return Long.toString(bytes);
    }
}
