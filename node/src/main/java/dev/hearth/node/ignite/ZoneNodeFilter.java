package dev.hearth.node.ignite;

import java.util.Map;
import java.util.TreeMap;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.lang.IgnitePredicate;

/**
 * A zone's {@code nodeFilter}: the nodes whose {@code node.attributes} contain every required pair hold the zone.
 * Ignite ships this object to every node (it must be in every node's jar, as it is) and compares it on join, hence
 * equals/hashCode by value.
 */
public final class ZoneNodeFilter implements IgnitePredicate<ClusterNode> {
    private static final long serialVersionUID = 1L;
    private final TreeMap<String, String> required;

    public ZoneNodeFilter(Map<String, String> required) {
        this.required = new TreeMap<>(required);
    }

    public static boolean matches(Map<String, String> required, Map<String, String> attributes) {
        for (var e : required.entrySet()) {
            if (!e.getValue().equals(attributes.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean apply(ClusterNode node) {
        for (var e : required.entrySet()) {
            if (!e.getValue().equals(node.attribute(NodeAttributes.USER_PREFIX + e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ZoneNodeFilter f && f.required.equals(required);
    }

    @Override
    public int hashCode() {
        return required.hashCode();
    }

    @Override
    public String toString() {
        return "ZoneNodeFilter" + required;
    }
}
