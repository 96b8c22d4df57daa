package dev.hearth.node.health;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The exits this node took for exhausted memory, kept in {@code <node.dataDir>/exhaustion-exits} across restarts, so
 * that the restarted node can say why its predecessor left and count it in {@code /metrics}: a process that ran out
 * of memory cannot report it itself once it is gone. One line per exit (kind, time, message), the newest
 * {@link #KEEP} kept.
 */
public final class ExhaustionLog {
    static final int KEEP = 100;
    static final String FILE = "exhaustion-exits";

    /** One recorded exit. */
    public record Exit(String kind, long atMillis, String message) {
    }

    private final Path file;

    public ExhaustionLog(Path dataDir) {
        this.file = dataDir.resolve(FILE);
    }

    /** Appends an exit, keeping the newest {@link #KEEP}; written whole and moved into place. */
    public synchronized void record(String kind, String message) throws IOException {
        List<String> lines = new ArrayList<>(Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8)
                : List.of());
        lines.add(kind + "\t" + System.currentTimeMillis() + "\t" + message.replaceAll("[\\t\\r\\n]+", " "));
        List<String> kept = lines.subList(Math.max(0, lines.size() - KEEP), lines.size());
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(FILE + ".tmp");
        Files.write(tmp, kept, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The recorded exits, oldest first; lines that do not parse are skipped. */
    public List<Exit> exits() throws IOException {
        List<Exit> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String[] f = line.split("\t", 3);
            if (f.length == 3 && f[1].matches("\\d{1,19}")) {
                out.add(new Exit(f[0], Long.parseLong(f[1]), f[2]));
            }
        }
        return out;
    }

    /** Exits per kind. */
    public static Map<String, Long> counts(List<Exit> exits) {
        Map<String, Long> out = new TreeMap<>();
        exits.forEach(e -> out.merge(e.kind(), 1L, Long::sum));
        return out;
    }
}
