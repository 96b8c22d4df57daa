package dev.hearth.node.dump;

import dev.hearth.node.health.LogEvery;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A full disk under the node's data dir, met by one of its writers (the local copy, dumps): recognised, logged with
 * the figures (free and total bytes of that file system), and counted per writer for {@code /metrics}. The node
 * serves on from memory: a restart would not free the disk, so unlike memory exhaustion this is not a reason to exit;
 * the writer gives up its current round (a local copy tries again at its next interval, a dump fails and removes what
 * it had written) rather than trying file after file.
 */
public final class DiskSpace {
    /** The writers, as named in the metric's {@code use} label. */
    public static final String LOCAL_COPY = "local_copy";
    public static final String DUMP = "dump";

    private static final Logger LOG = LogManager.getLogger(DiskSpace.class);
    /** One line per writer a minute: a disk that stays full must not fill the log as well. */
    private final LogEvery logEvery = new LogEvery(Duration.ofMinutes(1));

    private final Map<String, LongAdder> full = new ConcurrentHashMap<>();

    public DiskSpace() {
        full.put(LOCAL_COPY, new LongAdder());
        full.put(DUMP, new LongAdder());
    }

    /**
     * Counts and logs {@code failure} of {@code use} writing under {@code dir} if it is a full disk.
     *
     * @return whether it was: the caller should stop its round
     */
    public boolean recordIfFull(String use, Path dir, Throwable failure) {
        if (!isFull(failure)) {
            return false;
        }
        LongAdder count = full.computeIfAbsent(use, u -> new LongAdder());
        count.increment();
        if (logEvery.allow(use)) {
            LOG.error("Disk full: {} under {} failed ({}); {}. The node serves on from memory; free space or give "
                    + "node.dataDir a larger volume ({} times so far)", use.replace('_', ' '), dir,
                    failure.getMessage(), figures(dir), count.sum());
        }
        return true;
    }

    /** How often each writer met a full disk since the node started. */
    public Map<String, Long> counts() {
        Map<String, Long> out = new TreeMap<>();
        full.forEach((use, n) -> out.put(use, n.sum()));
        return out;
    }

    /** Whether {@code e} (or a cause) is the operating system's "no space" (ENOSPC, or EDQUOT for a quota). */
    static boolean isFull(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String msg = t.getMessage();
            if (t instanceof IOException && msg != null
                    && (msg.contains("No space left on device") || msg.contains("Disk quota exceeded"))) {
                return true;
            }
        }
        return false;
    }

    /** "N bytes free of M on <file system>" for the file system holding {@code dir} (or its nearest parent). */
    static String figures(Path dir) {
        Path p = dir.toAbsolutePath();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        if (p == null) {
            return "free space unknown";
        }
        try {
            FileStore store = Files.getFileStore(p);
            return store.getUsableSpace() + " bytes free of " + store.getTotalSpace() + " on " + store;
        } catch (IOException e) {
            return "free space unknown (" + e.getMessage() + ")";
        }
    }
}
