package dev.hearth.node.ignite;

import dev.hearth.node.HearthVersion;
import dev.hearth.node.membership.Membership;
import dev.hearth.node.security.ClusterSecret;
import dev.hearth.storage.CacheNames;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.configuration.TopologyValidator;
import org.apache.ignite.plugin.CachePluginContext;
import org.apache.ignite.plugin.CachePluginProvider;
import org.apache.ignite.plugin.CacheTopologyValidatorProvider;
import org.apache.ignite.plugin.ExtensionRegistry;
import org.apache.ignite.plugin.IgnitePlugin;
import org.apache.ignite.plugin.PluginConfiguration;
import org.apache.ignite.plugin.PluginContext;
import org.apache.ignite.plugin.PluginProvider;
import org.apache.ignite.plugin.PluginValidationException;

/**
 * Hearth's hooks into Ignite's membership, as an Ignite plugin (node-local: nothing here is sent to other nodes).
 * <ul>
 *   <li>A joining node of another {@link #WIRE_GENERATION} is refused: it could not read what the members send
 *       each other by class name.</li>
 *   <li>A joining node whose {@code cluster.name} differs is refused (Ignite's node validation, run where the join is
 *       decided): two clusters whose discovery addresses overlap stay two.</li>
 *   <li>With a cluster secret ({@code cluster.secret}), a joining node must prove it knows the same one
 *       ({@link ClusterSecret}: an HMAC of its node id, sent in its join request as this plugin's discovery data);
 *       a node without it, or with another, is refused. A node with a secret is refused by a cluster without one
 *       too: the two were configured for different clusters.</li>
 *   <li>Each zone cache gets a topology validator: a topology without a quorum of the expected members
 *       ({@link Membership}) accepts no writes, whoever sends them (memcached, hearth-client, a raw thin client).
 *       Ignite evaluates it when servers join or leave.</li>
 * </ul>
 */
public final class HearthPlugin implements PluginProvider<PluginConfiguration> {
    private static final org.apache.logging.log4j.Logger LOG =
            org.apache.logging.log4j.LogManager.getLogger(HearthPlugin.class);
    /**
     * Nodes send each other Hearth classes by name: entry processors ({@link MutationProcessor}, {@link MoveEntries}),
     * the expiry policy ({@link dev.hearth.storage.Expiry}), the zones' node filter inside cache configurations. A
     * node whose build names or serializes them differently cannot read them, and would fail in the middle of a
     * partition exchange instead of at its join. Raise this number when such a class moves, is renamed or changes its
     * fields; a cluster then moves to the new build by a full restart (its local copies bring the data back), not a
     * rolling one. Builds before the number existed are generation 1 (they publish none).
     */
    public static final int WIRE_GENERATION = 2;
    private final String clusterName;
    private final Membership membership;
    private final ClusterSecret secret;
    private volatile PluginContext context;

    public HearthPlugin(String clusterName, Membership membership) {
        this(clusterName, membership, null);
    }

    /** @param secret the cluster secret joining nodes must prove, or null for none */
    public HearthPlugin(String clusterName, Membership membership, ClusterSecret secret) {
        this.clusterName = Objects.requireNonNull(clusterName);
        this.membership = Objects.requireNonNull(membership);
        this.secret = secret;
    }

    /** The node names of the server nodes among {@code nodes}. */
    static List<String> serverNames(Collection<ClusterNode> nodes) {
        List<String> names = new ArrayList<>();
        for (ClusterNode n : nodes) {
            if (!n.isClient()) {
                Object name = n.attribute(NodeAttributes.NAME);
                names.add(name != null ? name.toString() : String.valueOf(n.consistentId()));
            }
        }
        return names;
    }

    @Override
    public String name() {
        return "hearth";
    }

    @Override
    public String version() {
        return HearthVersion.get();
    }

    @Override
    public String copyright() {
        return "";
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends IgnitePlugin> T plugin() {
        return (T) new IgnitePlugin() {
        };
    }

    @Override
    public void initExtensions(PluginContext ctx, ExtensionRegistry registry) {
        this.context = ctx;
        registry.registerExtension(CacheTopologyValidatorProvider.class, this::validatorFor);
    }

    private TopologyValidator validatorFor(String cacheOrGroupName) {
        if (!cacheOrGroupName.startsWith(CacheNames.ZONE_CACHE_PREFIX)) {
            return null;
        }
        return nodes -> {
            List<String> names = serverNames(nodes);
            boolean valid = membership.hasQuorum(names);
            if (!valid) {
                LOG.warn("Zone cache {}: topology {} has no quorum of the expected members {}: writes are refused",
                        cacheOrGroupName, names, membership.members().admins().keySet());
            }
            return valid;
        };
    }

    @Override
    public <T> T createComponent(PluginContext ctx, Class<T> cls) {
        return null;
    }

    @Override
    public CachePluginProvider createCacheProvider(CachePluginContext ctx) {
        return null;
    }

    @Override
    public void start(PluginContext ctx) {
        // nothing to start
    }

    @Override
    public void stop(boolean cancel) {
        // nothing to stop
    }

    @Override
    public void onIgniteStart() {
        // nothing to do
    }

    @Override
    public void onIgniteStop(boolean cancel) {
        // nothing to do
    }

    /**
     * The join proof, on the joining node only: Ignite also asks every member for data about a joining node, which
     * has nothing to prove.
     */
    @Override
    public Serializable provideDiscoveryData(UUID nodeId) {
        if (secret == null) {
            return null;
        }
        ClusterNode local = context == null ? null : context.localNode();
        if (local == null || !local.id().equals(nodeId)) {
            return null;
        }
        return secret.proofFor(nodeId, clusterName);
    }

    @Override
    public void receiveDiscoveryData(UUID nodeId, Serializable data) {
        // none
    }

    @Override
    @Deprecated
    public void validateNewNode(ClusterNode node) throws PluginValidationException {
        Object generation = node.attribute(NodeAttributes.WIRE_GENERATION);
        String theirGeneration = generation == null ? "1" : generation.toString();
        if (!Integer.toString(WIRE_GENERATION).equals(theirGeneration)) {
            refuse(node, "node " + node.attribute(NodeAttributes.NAME) + " runs Hearth " + node.attribute(
                    NodeAttributes.VERSION) + " of wire generation " + theirGeneration + ", this cluster's nodes run "
                    + "generation " + WIRE_GENERATION + ": the two cannot exchange entries; move a cluster across "
                    + "generations by a full restart (docs/operations.md, Upgrades): refused");
        }
        Object theirs = node.attribute(NodeAttributes.CLUSTER_NAME);
        if (!clusterName.equals(theirs)) {
            refuse(node, "node " + node.attribute(NodeAttributes.NAME) + " belongs to cluster '" + theirs
                    + "', this is cluster '" + clusterName + "' (cluster.name): refused");
        }
    }

    /** Runs where the join is decided; {@code data} is what the joining node's {@link #provideDiscoveryData} sent. */
    @Override
    public void validateNewNode(ClusterNode node, Serializable data) {
        validateNewNode(node);
        Object name = node.attribute(NodeAttributes.NAME);
        if (secret != null && data == null) {
            refuse(node, "node " + name + " has no cluster secret, cluster '" + clusterName + "' requires one "
                    + "(cluster.secret / cluster.secretFile): refused");
        }
        if (secret != null && !secret.verify(node.id(), clusterName, data)) {
            refuse(node, "node " + name + " does not know the cluster secret of cluster '" + clusterName
                    + "' (cluster.secret / cluster.secretFile differ): refused");
        }
        if (secret == null && data != null) {
            refuse(node, "node " + name + " has a cluster secret, cluster '" + clusterName + "' has none "
                    + "(cluster.secret / cluster.secretFile): refused");
        }
    }

    /**
     * Logs the refusal here and throws it to Ignite, which sends the message to the joining node: its start fails
     * with the same reason, so both logs say why.
     */
    private static void refuse(ClusterNode node, String why) {
        LOG.warn("Refused a join from {}: {}", node.addresses(), why);
        throw new PluginValidationException(why, why, node.id());
    }
}
