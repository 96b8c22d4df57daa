package dev.hearth.node.integrity;

import java.util.List;
import java.util.Map;

/** Damages copies held by this node only (the test hook). Implemented over Ignite internals in the cluster package. */
public interface Damager {
    enum Kind { flip, drop, change }

    /**
     * @param tenant only keys of this tenant; null for any
     * @return one map per damaged copy: storage key, kind, whether this node is the key's primary
     */
    List<Map<String, Object>> damage(String zone, Kind kind, int count, String tenant);
}
