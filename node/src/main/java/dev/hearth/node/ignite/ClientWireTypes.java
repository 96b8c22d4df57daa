package dev.hearth.node.ignite;

import dev.hearth.wire.KeyFilter;
import dev.hearth.wire.TenantKeysFilter;
import java.util.Set;
import org.apache.ignite.Ignite;

/**
 * The classes that hearth-client sends to the nodes as objects (its scan filters), registered with the cluster by each
 * node as it starts.
 *
 * <p>A thin client registers a class's binary type with the cluster the first time it marshals one, and never again
 * in its life. The cluster keeps binary types in memory only, so after a restart of every node a client that stayed
 * up sent filters whose schema no node knew: Ignite held each such request on one of the node's thin-client threads
 * for its 30 s wait for the schema, then failed it (seen in a 1 GiB full restart: hearth-client's read-failover scans
 * queued on the restarted nodes' thin-client threads, "Schema is missing ... typeId=1194673633", the
 * {@link KeyFilter}). Registered by the nodes, the types exist as soon as the cluster does.
 */
public final class ClientWireTypes {
    private ClientWireTypes() {
    }

    /** Registers the types with the cluster; the first node of a cluster registers them, later ones find them. */
    public static void register(Ignite ignite) {
        ignite.binary().toBinary(new KeyFilter<>(Set.of("")));
        ignite.binary().toBinary(new TenantKeysFilter<>("t"));
    }
}
