package dev.hearth.node.cluster;

import dev.hearth.node.membership.Membership;
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
 *   <li>A joining node whose {@code cluster.name} differs is refused (Ignite's node validation, run where the join is
 *       decided): two clusters whose discovery addresses overlap stay two.</li>
 *   <li>Each zone cache gets a topology validator: a topology without a quorum of the expected members
 *       ({@link Membership}) accepts no writes, whoever sends them (memcached, hearth-client, a raw thin client).
 *       Ignite evaluates it when servers join or leave.</li>
 * </ul>
 */
public final class HearthPlugin implements PluginProvider<PluginConfiguration> {
    private static final org.apache.logging.log4j.Logger LOG =
            org.apache.logging.log4j.LogManager.getLogger(HearthPlugin.class);
    private final String clusterName;
    private final Membership membership;

    public HearthPlugin(String clusterName, Membership membership) {
        this.clusterName = Objects.requireNonNull(clusterName);
        this.membership = Objects.requireNonNull(membership);
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
        registry.registerExtension(CacheTopologyValidatorProvider.class, this::validatorFor);
    }

    private TopologyValidator validatorFor(String cacheOrGroupName) {
        if (!cacheOrGroupName.startsWith(Zones.CACHE_PREFIX)) {
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

    @Override
    public Serializable provideDiscoveryData(UUID nodeId) {
        return null;
    }

    @Override
    public void receiveDiscoveryData(UUID nodeId, Serializable data) {
        // none
    }

    @Override
    @Deprecated
    public void validateNewNode(ClusterNode node) throws PluginValidationException {
        Object theirs = node.attribute(NodeAttributes.CLUSTER_NAME);
        if (!clusterName.equals(theirs)) {
            String why = "node " + node.attribute(NodeAttributes.NAME) + " belongs to cluster '" + theirs
                    + "', this is cluster '" + clusterName + "' (cluster.name): refused";
            throw new PluginValidationException(why, why, node.id());
        }
    }

    @Override
    public void validateNewNode(ClusterNode node, Serializable data) {
        validateNewNode(node);
    }
}
