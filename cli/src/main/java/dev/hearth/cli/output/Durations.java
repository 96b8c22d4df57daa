package dev.hearth.cli.output;

import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine;

/** Durations on hearthctl's command line and in its output. */
public final class Durations {
    /**
     * Hearth's duration syntax ({@link dev.hearth.wire.Durations}, the node's config's: 90s, 5m, 1h, 500ms) in
     * either case, or ISO-8601 ({@code PT5M}).
     *
     * @throws CommandLine.TypeConversionException if it is neither, so that Picocli names the option
     */
    public static Duration parse(String value) {
        String v = value.trim();
        Optional<Duration> hearth = dev.hearth.wire.Durations.tryParse(v.toLowerCase(java.util.Locale.ROOT));
        if (hearth.isPresent()) {
            return hearth.get();
        }
        try {
            return Duration.parse(v.toUpperCase(java.util.Locale.ROOT));
        } catch (RuntimeException e) {
            throw new CommandLine.TypeConversionException("'" + value
                    + "' is not a duration (examples: 500ms, 90s, 5m, 1h)");
        }
    }

    /** 1h02m, 3m05s, 12.3s, 450ms. */
    public static String format(long millis) {
        if (millis < 0) {
            return "-";
        }
        if (millis < 1000) {
            return millis + "ms";
        }
        if (millis < 60_000) {
            return String.format(java.util.Locale.ROOT, "%.1fs", millis / 1000.0);
        }
        long s = millis / 1000;
        if (s < 3600) {
            return String.format(java.util.Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(java.util.Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }

    private Durations() {
    }

    /** Picocli needs a public no-arg constructor for converters. */
    public static final class Converter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return parse(value);
        }
    }
}
