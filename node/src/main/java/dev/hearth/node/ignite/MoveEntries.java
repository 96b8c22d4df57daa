package dev.hearth.node.ignite;

import dev.hearth.storage.MoveTombstone;
import java.util.Arrays;
import javax.cache.processor.MutableEntry;
import org.apache.ignite.cache.CacheEntryProcessor;

/** Entry processors and filters of the tenant move and flush (classes present on every node). */
final class MoveEntries {

    static final int REMOVED = 0;
    static final int TOMBSTONED = 1;
    static final int CHANGED = 2;

    private MoveEntries() {
    }

    /** Removes the entry if it still holds exactly {@code expected}; says whether a tombstone stood there instead. */
    static final class RemoveIfSame implements CacheEntryProcessor<String, byte[], Integer> {
        private static final long serialVersionUID = 1L;
        private final byte[] expected;

        RemoveIfSame(byte[] expected) {
            this.expected = expected;
        }

        @Override
        public Integer process(MutableEntry<String, byte[]> entry, Object... args) {
            if (!entry.exists()) {
                return CHANGED;
            }
            byte[] v = entry.getValue();
            if (Arrays.equals(v, expected)) {
                entry.remove();
                return REMOVED;
            }
            return MoveTombstone.is(v) ? TOMBSTONED : CHANGED;
        }
    }

    /** Replaces whatever is there by the {@link MoveTombstone}. */
    static final class Tombstone implements CacheEntryProcessor<String, byte[], Void> {
        private static final long serialVersionUID = 1L;

        @Override
        public Void process(MutableEntry<String, byte[]> entry, Object... args) {
            entry.setValue(MoveTombstone.value());
            return null;
        }
    }
}
