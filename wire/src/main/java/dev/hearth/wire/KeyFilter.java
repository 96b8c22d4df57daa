package dev.hearth.wire;

import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteException;
import org.apache.ignite.IgniteIllegalStateException;
import org.apache.ignite.IgniteLogger;
import org.apache.ignite.Ignition;
import org.apache.ignite.binary.BinaryObjectException;
import org.apache.ignite.binary.BinaryReader;
import org.apache.ignite.binary.BinaryWriter;
import org.apache.ignite.binary.Binarylizable;
import org.apache.ignite.lang.IgniteBiPredicate;
import org.apache.ignite.resources.LoggerResource;

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

    /**
     * The entry of a node's node-local map ({@code ignite.cluster().nodeLocalMap()}) that holds a
     * {@link BooleanSupplier}: true while the node's copies may lack keys their primaries hold (a full restart's local
     * install puts every primary in before any backup). While it is, the node refuses the scan: a failover read's
     * miss from such a copy would be wrong, and refused, the read waits for the key's primary instead.
     */
    public static final String COPIES_MAY_LAG = "hearth.copiesMayLag";

    private String[] keys;
    private transient Set<String> lookup;
    /** Why the node refused this scan, once it did. */
    private transient String refusal;

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

    /**
     * Ignite calls this on the node before the scan starts (it injects the node's logger, which is not used). The
     * refusal is made here, not in {@link #apply}: a scan of a partition this node's copy holds nothing of (a backup
     * not installed yet) never calls {@code apply}. The logger, not the node, is what is injected because Ignite
     * names the injected object in the refusal that the client and the node's log get, and a node's own description
     * runs to several KiB.
     *
     * @throws IgniteException while the node's copies may lag ({@link #COPIES_MAY_LAG}): the scan fails
     */
    @LoggerResource
    public void onNode(IgniteLogger unused) {
        Ignite node;
        try {
            node = Ignition.localIgnite();
        } catch (IgniteIllegalStateException notOnANodesThread) {
            // Injected outside a node's own threads (a client-side or embedded use): no node's copies to speak for.
            return;
        }
        Object lag = node.cluster().nodeLocalMap().get(COPIES_MAY_LAG);
        if (lag instanceof BooleanSupplier s && s.getAsBoolean()) {
            refusal = "node " + node.cluster().localNode().consistentId() + " refuses to read its own copy: its "
                    + "copies may lack keys their primaries hold until its start-up load is over (a full restart's "
                    + "local install); read the key's primary";
            throw new IgniteException(refusal);
        }
    }

    /** Names the refusal, if any: Ignite's message for a failed injection is made of this. */
    @Override
    public String toString() {
        return "KeyFilter[" + keys.length + " key(s)" + (refusal == null ? "" : "; " + refusal) + "]";
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
