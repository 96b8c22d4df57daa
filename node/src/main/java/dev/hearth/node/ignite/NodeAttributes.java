package dev.hearth.node.ignite;

import org.apache.ignite.Ignite;
import org.apache.ignite.cluster.ClusterNode;

/**
 * User attributes every Hearth node publishes in the topology, so that any node can tell operators (and hearthctl)
 * where its peers' endpoints are and which failure domain each is in.
 */
public final class NodeAttributes {
    public static final String NAME = "hearth.name";
    public static final String FAILURE_DOMAIN = "hearth.failureDomain";
    public static final String ADMIN_PORT = "hearth.port.admin";
    public static final String MEMCACHED_PORT = "hearth.port.memcached";
    public static final String THIN_CLIENT_PORT = "hearth.port.thinClient";
    public static final String VERSION = "hearth.version";
    /** {@link HearthPlugin#WIRE_GENERATION} of the node's build: a node of another generation is refused at join. */
    public static final String WIRE_GENERATION = "hearth.wireGeneration";
    /** {@code cluster.name}: a node whose name differs is refused at join ({@link HearthPlugin}). */
    public static final String CLUSTER_NAME = "hearth.cluster";
    /** The host the admin port listens on, as peers reach it (the split watch asks missing members there). */
    public static final String ADMIN_HOST = "hearth.adminHost";
    /** The node's expected members when it started ({@code MembersJson}): how a joining node learns them. */
    public static final String MEMBERS = "hearth.members";
    /**
     * When the node started (epoch millis, as text): the node with topology order 1 formed the cluster, so its start
     * is when the cluster formed, which every node can read at once ({@link IgniteLocalCopy#formedAt}).
     */
    public static final String STARTED_AT = "hearth.startedAt";
    /** Prefix of the operator's {@code node.attributes} (matched by a zone's {@code nodeFilter}). */
    public static final String USER_PREFIX = "hearth.attr.";

    private NodeAttributes() {
    }

    /** The server node of that name (its consistent id) in this node's topology, or null if it is not there. */
    static ClusterNode server(Ignite ignite, String name) {
        for (ClusterNode n : ignite.cluster().forServers().nodes()) {
            if (n.consistentId().toString().equals(name)) {
                return n;
            }
        }
        return null;
    }
}
