package dev.hearth.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Config keys of zones and tenants: placement, maintenance mode, node attributes, zone node filters. */
@Timeout(60)
class TenantConfigTest {
    @TempDir
    Path dir;

    private HearthConfig load(String yaml, String... sets) throws IOException {
        Path file = null;
        if (yaml != null) {
            file = dir.resolve("hearth.yaml");
            Files.writeString(file, yaml);
        }
        return new ConfigLoader().load(file, Map.of(), List.of(sets));
    }

    private ConfigException fails(String yaml, String... sets) {
        return assertThrows(ConfigException.class, () -> load(yaml, sets));
    }

    @Test
    void defaults() throws IOException {
        HearthConfig c = load(null);
        assertEquals("default", c.tenants().placement());
        assertEquals("miss", c.tenants().maintenanceMode());
        assertEquals(20, c.tenants().metricsTenants());
        assertEquals(Map.of(), c.node().attributes());
        assertEquals(Map.of(), c.zones().get("default").nodeFilter());
    }

    @Test
    void attributesAndFiltersFromFileAndSet() throws IOException {
        HearthConfig c = load("""
                node: {attributes: {rack: a, dc: east}}
                zones:
                  hot: {memory: 32m, nodeFilter: {rack: a}}
                tenants: {placement: hash, maintenanceMode: reject}
                """, "zones.cold.nodeFilter.rack=b", "node.attributes.dc=west");
        assertEquals(Map.of("rack", "a", "dc", "west"), c.node().attributes());
        assertEquals(Map.of("rack", "a"), c.zones().get("hot").nodeFilter());
        assertEquals(Map.of("rack", "b"), c.zones().get("cold").nodeFilter());
        assertEquals("hash", c.tenants().placement());
        assertEquals("reject", c.tenants().maintenanceMode());
    }

    @Test
    void placementMustNameAZoneOrHash() {
        ConfigException e = fails(null, "tenants.placement=nowhere");
        assertEquals("tenants.placement", e.key());
        assertTrue(e.getMessage().contains("neither 'hash' nor a configured zone"), e.getMessage());
        assertTrue(e.getMessage().contains("default"), e.getMessage());
    }

    @Test
    void placementMayNameAConfiguredZone() throws IOException {
        assertEquals("z2", load(null, "zones.z2.memory=32m", "tenants.placement=z2").tenants().placement());
    }

    @Test
    void badValuesAreNamed() {
        assertEquals("tenants.maintenanceMode", fails(null, "tenants.maintenanceMode=drop").key());
        assertEquals("tenants.metricsTenants", fails(null, "tenants.metricsTenants=-1").key());
        assertEquals("zones.hot.nodeFilter.rack", fails(null, "zones.hot.nodeFilter.rack=a b").key());
        assertEquals("node.attributes.rack", fails(null, "node.attributes.rack=a/b").key());
        ConfigException e = fails("zones: {hot: {nodeFilter: {'bad key': a}}}");
        assertTrue(e.getMessage().contains("attribute name"), e.getMessage());
        ConfigException list = fails("zones: {hot: {nodeFilter: [rack]}}");
        assertTrue(list.getMessage().contains("nodeFilter"), list.getMessage());
    }
}
