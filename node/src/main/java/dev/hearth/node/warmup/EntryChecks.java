package dev.hearth.node.warmup;

import dev.hearth.storage.Envelope;
import dev.hearth.storage.Item;
import dev.hearth.storage.TenantKey;

/** Checks on dumped entries, in the cache's own terms. */
final class EntryChecks {
    private EntryChecks() {
    }

    static boolean intact(String storageKey, byte[] value) {
        return decode(storageKey, value) != null;
    }

    /** The entry, or null when the key is malformed or the value fails its checksum. */
    static Item decode(String storageKey, byte[] value) {
        try {
            return Envelope.decode(TenantKey.fromStorageKey(storageKey), value);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
