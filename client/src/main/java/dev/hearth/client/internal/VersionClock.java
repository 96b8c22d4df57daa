package dev.hearth.client.internal;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * CAS versions in the node's format: {@code millis since 2024 (41 bits) | salt (10 bits) | sequence (12 bits)},
 * strictly increasing within this process. The salt is random per process, as on the nodes, so a version written
 * by this client is distinct from any other writer's with overwhelming probability; the client relies on that to
 * recognise its own write after an ambiguous timeout.
 */
public final class VersionClock {
    static final long EPOCH = 1_704_067_200_000L;
    private static final VersionClock SHARED = new VersionClock(new SecureRandom().nextInt(1024));

    private final long salt;
    private final AtomicLong last = new AtomicLong();

    VersionClock(int salt) {
        this.salt = (long) (salt & 0x3ff) << 12;
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

    /** The wall-clock time (unix ms) at which {@code version} was issued, by whichever node or client. */
    public static long writtenAt(long version) {
        return (version >>> 22) + EPOCH;
    }

    private long nextAfter(long prev) {
        long seq = prev & 0xfff;
        if (seq < 0xfff) {
            return prev + 1;
        }
        return ((prev >>> 22) + 1) << 22 | salt;
    }
}
