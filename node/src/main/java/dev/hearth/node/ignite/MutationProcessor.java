package dev.hearth.node.ignite;

import dev.hearth.storage.Envelope;
import dev.hearth.storage.Item;
import dev.hearth.storage.Mutation;
import dev.hearth.storage.TenantKey;
import dev.hearth.storage.VersionClock;
import java.nio.ByteBuffer;
import javax.cache.processor.MutableEntry;
import org.apache.ignite.cache.CacheEntryProcessor;

/**
 * Runs a {@link Mutation} on the key's primary copy. Ignite (ATOMIC mode) then ships the resulting value, not the
 * processor, to the backups. The result crosses the network as bytes: status, a damaged-entry flag, and the
 * envelope of the resulting item, so no record type has to go through Ignite's marshaller.
 */
final class MutationProcessor implements CacheEntryProcessor<String, byte[], byte[]> {
    private static final long serialVersionUID = 1L;

    private final Mutation mutation;

    MutationProcessor(Mutation mutation) {
        this.mutation = mutation;
    }

    @Override
    public byte[] process(MutableEntry<String, byte[]> entry, Object... args) {
        TenantKey key = TenantKey.fromStorageKey(entry.getKey());
        byte[] stored = entry.exists() ? entry.getValue() : null;
        Item current = stored == null ? null : Envelope.decode(key, stored);
        boolean damaged = stored != null && current == null;
        Mutation.Outcome o = mutation.apply(current, System.currentTimeMillis(), VersionClock.shared().next());
        switch (o.action()) {
            case WRITE -> entry.setValue(Envelope.encode(key, o.toStore()));
            case REMOVE -> entry.remove();
            default -> {
                if (damaged) {
                    entry.remove();
                }
            }
        }
        return encodeResult(key, o, damaged);
    }

    static byte[] encodeResult(TenantKey key, Mutation.Outcome o, boolean damaged) {
        byte[] item = o.item() == null ? new byte[0] : Envelope.encode(key, o.item());
        return ByteBuffer.allocate(2 + item.length)
                .put((byte) o.status().ordinal())
                .put((byte) (damaged ? 1 : 0))
                .put(item)
                .array();
    }

    /** Decodes a result; the boolean half tells whether the entry had been damaged. */
    static Result decodeResult(TenantKey key, byte[] bytes) {
        Mutation.Status status = Mutation.Status.values()[bytes[0]];
        Item item = null;
        if (bytes.length > 2) {
            byte[] env = new byte[bytes.length - 2];
            System.arraycopy(bytes, 2, env, 0, env.length);
            item = Envelope.decode(key, env);
        }
        return new Result(new Mutation.Outcome(status, item, Mutation.Action.KEEP), bytes[1] == 1);
    }

    record Result(Mutation.Outcome outcome, boolean damaged) {
    }
}
