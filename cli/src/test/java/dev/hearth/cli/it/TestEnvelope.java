package dev.hearth.cli.it;

import dev.hearth.storage.Envelope;
import dev.hearth.storage.TenantKey;

/** The tests' short way to the storage contract: text keys, no flags, not stale. */
final class TestEnvelope {
    record Item(byte[] value, long version, long expireAt) {
    }

    private TestEnvelope() {
    }

    static String storageKey(String tenant, String key) {
        return TenantKey.of(tenant, key).storageKey();
    }

    static byte[] encode(String tenant, String key, byte[] value, long version, long expireAt) {
        return Envelope.encode(TenantKey.of(tenant, key), new dev.hearth.storage.Item(value, 0, version, expireAt,
                false));
    }

    /** @return the item, or null when the bytes are not an intact envelope for this key */
    static Item decode(String tenant, String key, byte[] stored) {
        dev.hearth.storage.Item item = Envelope.decode(TenantKey.of(tenant, key), stored);
        return item == null ? null : new Item(item.value(), item.version(), item.expireAt());
    }
}
