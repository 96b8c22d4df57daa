package dev.hearth.storage;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * What a delete during a tenant move leaves in the old zone instead of nothing, so that a copy of the key that was in
 * flight (read before the delete) sees the delete and takes its copy back: a deleted key stays deleted. It is not an
 * envelope: a reader takes it for an absent entry, and nothing may remove it as damaged. The move removes every
 * tombstone when it ends; {@link #TTL_MILLIS} bounds one that a stopped move left behind.
 */
public final class MoveTombstone {
    private static final byte[] VALUE = "hearth:deleted-during-move".getBytes(StandardCharsets.US_ASCII);
    /** How long a tombstone lives at most; longer than any move runs. */
    public static final long TTL_MILLIS = TimeUnit.HOURS.toMillis(24);

    private MoveTombstone() {
    }

    /** The stored value of a tombstone (a fresh copy: callers may hand it to a cache that keeps it). */
    public static byte[] value() {
        return VALUE.clone();
    }

    /** Whether {@code stored} is a tombstone rather than an envelope. */
    public static boolean is(byte[] stored) {
        return stored != null && Arrays.equals(stored, VALUE);
    }
}
