package dev.hearth.storage;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issues CAS versions: {@code millis since 2024 (41 bits) | process salt (10 bits) | sequence (12 bits)}, strictly
 * increasing within a process; nodes and hearth-client issue them the same way. Versions grow with wall time, so a
 * dump's entries are older than anything written after it; the per-process salt keeps two writers of the same key in
 * the same millisecond from issuing the same version (a collision needs equal salts, 1 in 1024, and the same
 * millisecond and sequence), which hearth-client relies on to recognise its own write after an ambiguous timeout.
 */
public final class VersionClock {
    private static final long EPOCH = 1_704_067_200_000L;
    private static final VersionClock SHARED = new VersionClock(new SecureRandom().nextInt(1024));

    private final long salt;
    private final AtomicLong last = new AtomicLong();

    VersionClock(int salt) {
        this.salt = (long) (salt & 0x3ff) << 12;
    }

    /** The wall-clock millisecond (unix ms) a version was issued at, by whichever node or client. */
    public static long millisOf(long version) {
        return (version >>> 22) + EPOCH;
    }

    public static VersionClock shared() {
        return SHARED;
    }

    public long next() {
        long now = (System.currentTimeMillis() - EPOCH) << 22 | salt;
        while (true) {
            long prev = last.get();
            long candidate = now > prev ? now : nextAfter(prev);
            if (last.compareAndSet(prev, candidate)) {
                return candidate;
            }
        }
    }

    private long nextAfter(long prev) {
        long seq = prev & 0xfff;
        if (seq < 0xfff) {
            return prev + 1;
        }
        // Sequence exhausted within this millisecond: borrow the next millisecond.
        return ((prev >>> 22) + 1) << 22 | salt;
    }
}
