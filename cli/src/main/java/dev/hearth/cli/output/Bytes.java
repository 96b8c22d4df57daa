package dev.hearth.cli.output;

import java.util.Locale;

/** Human-readable byte counts: 512B, 3.2KiB, 96.0MiB, 1.5GiB. */
public final class Bytes {
    private Bytes() {
    }

    public static String format(long bytes) {
        if (bytes < 0) {
            return "-";
        }
        if (bytes < 1024) {
            return bytes + "B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f%s", v, units[u]);
    }
}
