package dev.hearth.node.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.node.HearthNode;
import dev.hearth.node.TestNodes;
import dev.hearth.storage.CacheNames;
import dev.hearth.storage.TenantKey;
import dev.hearth.testing.FreePorts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** tenants.placement=hash on a real node: each unregistered tenant's keys land in the zone the formula picks. */
@Timeout(60)
class HashPlacementClusterTest {
    @TempDir
    Path dir;

    @Test
    void keysLandInTheHashedZone() throws Exception {
        try (HearthNode node = HearthNode.start(TestNodes.config("tenants-br-hash", 0, FreePorts.several(1), dir,
                "tenants.placement=hash", "zones.a.memory=16m", "zones.b.memory=16m", "zones.c.memory=16m"),
                null)) {
            assertEquals("{\"mode\":\"hash\",\"zones\":[\"a\",\"b\",\"c\",\"default\"],\"maintenanceMode\":\"miss\"}",
                    node.ignite().<String, String>cache(CacheNames.REGISTRY).get("placement"));
            List<String> zones = List.of("a", "b", "c", "default");
            Set<String> used = new HashSet<>();
            for (int t = 0; t < 40; t++) {
                String tenant = "shop-" + t;
                node.cache().set(TenantKey.of(tenant, "k"), "v".getBytes(StandardCharsets.UTF_8), 0, 0).join();
                CRC32 crc = new CRC32();
                crc.update(tenant.getBytes(StandardCharsets.UTF_8));
                String expected = zones.get((int) (crc.getValue() % zones.size()));
                used.add(expected);
                for (String z : zones) {
                    boolean there = node.ignite().cache(CacheNames.zoneCache(z)).containsKey(tenant + ":k");
                    assertEquals(z.equals(expected), there, tenant + " in zone " + z);
                }
            }
            assertTrue(used.size() > 1, "40 tenants all hashed to one zone: " + used);
        }
    }
}
