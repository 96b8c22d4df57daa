package dev.hearth.wire;

import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import org.apache.ignite.binary.BinaryObjectException;
import org.apache.ignite.binary.BinaryReader;
import org.apache.ignite.binary.BinaryWriter;
import org.apache.ignite.binary.Binarylizable;
import org.apache.ignite.lang.IgniteBiPredicate;

/**
 * A scan filter that keeps the entries whose key is one of a few given keys. hearth-client's read failover reads a key
 * out of one node's own copy with a local scan of the key's partition; without a filter the node sent the whole
 * partition, page by page, until the key came by (half a MiB per read at 512 entries of 1 KiB per partition), and
 * during a slow refill those scans took three quarters of the read rate. With it, the node runs the scan and only the
 * wanted entries cross the network.
 *
 * <p>Keys are storage keys (zone caches hold {@code String} keys only); values pass through untouched, whatever their
 * type. {@link Binarylizable}: marshalled field by field by the thin client and unmarshalled by the node without
 * reflection. The node must have this class: Ignite names a marshalled object by its class name.
 */
public final class KeyFilter<V> implements IgniteBiPredicate<String, V>, Binarylizable {
    private static final long serialVersionUID = 1L;

    private String[] keys;
    private transient Set<String> lookup;

    /** For the binary marshaller only. */
    public KeyFilter() {
        this.keys = new String[0];
        this.lookup = Set.of();
    }

    /** @param keys the storage keys to keep; at least one */
    public KeyFilter(Collection<String> keys) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("a key filter needs at least one key");
        }
        this.keys = keys.toArray(new String[0]);
        this.lookup = new HashSet<>(keys);
    }

    @Override
    public boolean apply(String key, V value) {
        return lookup.contains(key);
    }

    @Override
    public void writeBinary(BinaryWriter writer) throws BinaryObjectException {
        writer.writeStringArray("keys", keys);
    }

    @Override
    public void readBinary(BinaryReader reader) throws BinaryObjectException {
        String[] read = reader.readStringArray("keys");
        keys = read == null ? new String[0] : read;
        lookup = new HashSet<>(Arrays.asList(keys));
    }
}
