package dev.hearth.node.dump;

import dev.hearth.storage.Envelope;
import dev.hearth.storage.Item;
import dev.hearth.storage.TenantKey;

/** Checks on dumped entries, in the cache's own terms. */
public final class EntryChecks {
    private EntryChecks() {
    }

    /** Whether the key is well formed and the value passes its checksum; cheaper than {@link #decode} (no copy). */
    public static boolean intact(String storageKey, byte[] value) {
        try {
            return Envelope.isIntact(TenantKey.fromStorageKey(storageKey), value);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The entry, or null when the key is malformed or the value fails its checksum. */
    public static Item decode(String storageKey, byte[] value) {
        try {
            return Envelope.decode(TenantKey.fromStorageKey(storageKey), value);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
