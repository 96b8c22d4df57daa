package dev.hearth.cli.chaos;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** The knobs a chaos run takes from system properties, so that the lead can compare configurations. */
final class ChaosSettings {
    private ChaosSettings() {
    }

    /**
     * {@code -Dchaos.settings='key=value;key=value'}: extra {@code --set} settings of every node, after the suite's
     * own (so they win), e.g. {@code cluster.failureDetectionTimeout=20s}.
     */
    static List<String> extraNodeSettings() {
        String s = System.getProperty("chaos.settings", "").trim();
        if (s.isEmpty()) {
            return List.of();
        }
        return Arrays.stream(s.split(";")).map(String::trim).filter(x -> !x.isEmpty()).peek(x -> {
            if (!x.contains("=")) {
                throw new IllegalArgumentException("chaos.settings: '" + x + "' is not key=value");
            }
        }).toList();
    }

    static String describe() {
        String s = System.getProperty("chaos.settings", "").trim();
        return s.isEmpty() ? "(defaults)" : s;
    }

    static Duration seconds(String property, long dflt) {
        return Duration.ofSeconds(Long.getLong(property, dflt));
    }
}
