package dev.hearth.node.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.storage.registry.Placement;
import dev.hearth.storage.registry.RegistryJson;
import dev.hearth.storage.registry.TenantRecord;
import dev.hearth.storage.registry.ZoneState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The node's reading of the registry (a tenant's effective state) and its per-tenant figures. */
@Timeout(30)
class RegistryMirrorTest {
    @Test
    void effectiveStateFollowsTheRecordElseTheZoneFlag() {
        RegistryMirror m = new RegistryMirror(Placement.single("default"));
        m.apply("zone/default", RegistryJson.write(new ZoneState("default", true, 1, "x")));
        assertTrue(m.route("unregistered").maintenance());
        m.apply("tenant/back", RegistryJson.write(new TenantRecord("back", "default", "active", 1, 1, "x", null)));
        assertEquals(false, m.route("back").maintenance());
        m.apply("tenant/down", RegistryJson.write(new TenantRecord("down", "other", "maintenance", 1, 1, "x", null)));
        assertTrue(m.route("down").maintenance());
        assertEquals("other", m.route("down").zone());
        // A malformed value is skipped, not fatal.
        m.apply("tenant/bad", "{not json");
        assertEquals("default", m.route("bad").zone());
    }

    @Test
    void tenantStatsKeepTheBusiestAndFoldTheRest() {
        TenantStats s = new TenantStats();
        for (int t = 0; t < 5; t++) {
            for (int i = 0; i <= t; i++) {
                s.record("t" + t, i % 2 == 0 ? "hit" : "miss");
            }
        }
        Map<String, TenantStats.Figures> top = s.top(2);
        assertEquals(List.of("t4", "t3", "other"), List.copyOf(top.keySet()));
        assertEquals(5, top.get("t4").ops());
        assertEquals(3, top.get("t4").hits());
        assertEquals(1 + 2 + 3, top.get("other").ops());
    }
}
