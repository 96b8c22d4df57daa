package dev.hearth.storage.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The registry's records as every reader (node, hearth-client, hearthctl) reads them: the hash formula, the JSON. */
@Timeout(60)
class PlacementTest {
    @Test
    void hashPlacementFollowsTheDocumentedFormula() {
        Placement p = Placement.hash(List.of("c", "a", "b"));
        assertEquals(List.of("a", "b", "c"), p.zones());
        CRC32 crc = new CRC32();
        crc.update("store-42".getBytes(StandardCharsets.UTF_8));
        // Worked by hand from the design note: zones sorted, floorMod(crc32, 3).
        String expected = List.of("a", "b", "c").get((int) (crc.getValue() % 3));
        assertEquals(expected, p.zoneOf("store-42"));
    }

    @Test
    void hashPlacementSpreadsTenantsOverEveryZone() {
        Placement p = Placement.hash(List.of("a", "b", "c"));
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 3000; i++) {
            counts.merge(p.zoneOf("tenant-" + i), 1, Integer::sum);
        }
        assertEquals(3, counts.size());
        counts.values().forEach(n -> assertTrue(n > 800 && n < 1200, "uneven spread: " + counts));
    }

    @Test
    void placementJsonMatchesTheContract() {
        assertEquals("{\"mode\":\"zone\",\"zone\":\"default\"}", RegistryJson.write(Placement.single("default")));
        assertEquals("{\"mode\":\"hash\",\"zones\":[\"a\",\"b\"]}",
                RegistryJson.write(Placement.hash(List.of("b", "a"))));
        // What the nodes write: the maintenance mode rides along for the clients.
        assertEquals("{\"mode\":\"hash\",\"zones\":[\"a\",\"b\"],\"maintenanceMode\":\"reject\"}",
                RegistryJson.write(Placement.fromConfig("hash", List.of("b", "a"), "reject")));
        assertEquals("{\"mode\":\"zone\",\"zone\":\"z1\",\"maintenanceMode\":\"miss\"}",
                RegistryJson.write(Placement.fromConfig("z1", List.of("z1"), "miss")));
        TenantRecord r = new TenantRecord("store-42", "z1", "active", 1, 2, "ops", null);
        assertEquals("{\"tenant\":\"store-42\",\"zone\":\"z1\",\"state\":\"active\",\"createdAt\":1,\"changedAt\":2,"
                + "\"changedBy\":\"ops\",\"movingFrom\":null}", RegistryJson.write(r));
        assertEquals(r, RegistryJson.read(RegistryJson.write(r), TenantRecord.class));
        assertEquals("{\"zone\":\"z1\",\"maintenance\":true,\"changedAt\":5,\"changedBy\":\"me\"}",
                RegistryJson.write(new ZoneState("z1", true, 5, "me")));
    }

    @Test
    void hashPlacementMatchesTheDocumentsTestVectors() {
        // Zones ["a","b","c"]: the document's vectors, including one where an int cast would differ.
        assertEquals(0, Placement.hashIndex("store-42", 3));
        assertEquals(2, Placement.hashIndex("store-7", 3));
        assertEquals(2, Placement.hashIndex("tenant-0001", 3));
        CRC32 crc = new CRC32();
        crc.update("store-7".getBytes(StandardCharsets.UTF_8));
        assertEquals(3699385535L, crc.getValue());
        assertEquals(1, Math.floorMod((int) crc.getValue(), 3), "the int cast the document warns about");
    }

    @Test
    void hashIndexIsTheUnsignedCrcModuloForManyNames() {
        for (int i = 0; i < 2000; i++) {
            String t = "tenant-" + i + "-\u00e9";
            CRC32 crc = new CRC32();
            crc.update(t.getBytes(StandardCharsets.UTF_8));
            for (int n = 1; n <= 7; n++) {
                assertEquals(crc.getValue() % n, Placement.hashIndex(t, n), t + " over " + n);
            }
        }
    }
}
