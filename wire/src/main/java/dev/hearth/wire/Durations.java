package dev.hearth.wire;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as Hearth writes them, in the node's config and on hearthctl's command line: {@code 500ms}, {@code 2s},
 * {@code 5m}, {@code 1h}. One syntax for both, so a value copied from one works in the other.
 */
public final class Durations {
    private static final Pattern FORM = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

    private Durations() {
    }

    /** @throws IllegalArgumentException if {@code text} is not a duration in this syntax */
    public static Duration parse(String text) {
        return tryParse(text).orElseThrow(() -> new IllegalArgumentException("'" + text
                + "' is not a duration (expected e.g. 500ms, 2s, 5m, 1h)"));
    }

    /** {@code text} as a duration, or empty if it is not one in this syntax (or too large). */
    public static Optional<Duration> tryParse(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.trim());
        if (!m.matches() || m.group(1).length() > 18) {
            return Optional.empty();
        }
        long n = Long.parseLong(m.group(1));
        return Optional.of(switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        });
    }

    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms != 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms != 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
