package dev.hearth.node.ignite;

import dev.hearth.storage.Envelope;
import dev.hearth.storage.TenantKey;
import javax.cache.processor.MutableEntry;
import org.apache.ignite.cache.CacheEntryProcessor;

/** Removes an entry only if it is still damaged, so a good value written meanwhile survives. */
final class RemoveIfDamaged implements CacheEntryProcessor<String, byte[], Boolean> {
    private static final long serialVersionUID = 1L;

    @Override
    public Boolean process(MutableEntry<String, byte[]> entry, Object... args) {
        if (entry.exists() && !Envelope.isIntact(TenantKey.fromStorageKey(entry.getKey()), entry.getValue())) {
            entry.remove();
            return true;
        }
        return false;
    }
}
