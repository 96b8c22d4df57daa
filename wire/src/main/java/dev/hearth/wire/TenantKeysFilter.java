package dev.hearth.wire;

import dev.hearth.storage.MoveTombstone;
import dev.hearth.storage.TenantKey;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Consumer;
import javax.cache.Cache;
import org.apache.ignite.binary.BinaryObjectException;
import org.apache.ignite.binary.BinaryReader;
import org.apache.ignite.binary.BinaryWriter;
import org.apache.ignite.binary.Binarylizable;
import org.apache.ignite.lang.IgniteBiPredicate;

/**
 * A scan filter that keeps one tenant's entries (storage keys start with {@code tenant:}), and the rule by which a
 * tenant's keys are removed: the node's {@code tenant flush} and hearth-client's {@code flush} both scan with this
 * filter and remove through {@link #removeAll}. {@link Binarylizable} for the same reason as {@link KeyFilter}: a
 * thin client sends it field by field and the node must have this class.
 */
public final class TenantKeysFilter<V> implements IgniteBiPredicate<String, V>, Binarylizable {
    private static final long serialVersionUID = 1L;

    /** Keys removed per call: a batch is one round trip and holds its keys' locks briefly. */
    public static final int REMOVE_BATCH = 500;

    private String prefix;

    /** For the binary marshaller only. */
    public TenantKeysFilter() {
        this.prefix = null;
    }

    /** @param tenant a valid tenant name ({@code TenantKey.isValidTenant}) */
    public TenantKeysFilter(String tenant) {
        if (!TenantKey.isValidTenant(tenant)) {
            throw new IllegalArgumentException("not a tenant name: " + tenant);
        }
        this.prefix = TenantKey.prefix(tenant);
    }

    @Override
    public boolean apply(String key, V value) {
        return prefix != null && key.startsWith(prefix);
    }

    @Override
    public void writeBinary(BinaryWriter writer) throws BinaryObjectException {
        writer.writeString("prefix", prefix);
    }

    @Override
    public void readBinary(BinaryReader reader) throws BinaryObjectException {
        prefix = reader.readString("prefix");
    }

    /**
     * Removes every entry {@code scan} yields, {@link #REMOVE_BATCH} keys at a time, each batch's keys sorted: Ignite
     * locks a batch's keys in order, so two batches cannot deadlock each other.
     *
     * @param removeBatch removes the given keys; the set is not used after the call returns
     * @return how many of the entries were live values (a move's tombstones are removed but not counted)
     */
    public static long removeAll(Iterable<? extends Cache.Entry<String, byte[]>> scan,
            Consumer<TreeSet<String>> removeBatch) {
        long live = 0;
        List<String> batch = new ArrayList<>(REMOVE_BATCH);
        for (Cache.Entry<String, byte[]> e : scan) {
            if (!MoveTombstone.is(e.getValue())) {
                live++;
            }
            batch.add(e.getKey());
            if (batch.size() >= REMOVE_BATCH) {
                removeBatch.accept(new TreeSet<>(batch));
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            removeBatch.accept(new TreeSet<>(batch));
        }
        return live;
    }
}
