package dev.hearth.node.integrity;

import dev.hearth.wire.admin.DamageReport;
import java.util.List;

/** Damages copies held by this node only (the test hook). Implemented over Ignite internals in the ignite.testhook package. */
public interface Damager {
    enum Kind { flip, drop, change }

    /**
     * @param tenant only keys of this tenant; null for any
     * @return each damaged copy: storage key, kind, whether this node holds the key's primary or a backup
     */
    List<DamageReport.DamagedCopy> damage(String zone, Kind kind, int count, String tenant);
}
