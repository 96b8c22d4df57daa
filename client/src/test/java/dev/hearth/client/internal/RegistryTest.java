package dev.hearth.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.client.internal.Registry.Route;
import dev.hearth.client.internal.Registry.View;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Parsing of the registry records exactly as docs/design/tenants-and-integrity.md writes them, and placement. */
@Timeout(60)
class RegistryTest {
    private final List<String> bad = new ArrayList<>();

    private View parse(Map<String, ?> entries) {
        return parse(entries, View.initial(null));
    }

    private View parse(Map<String, ?> entries, View previous) {
        return Registry.parse(entries, previous, 1000, System.nanoTime(), (k, why) -> bad.add(k + ": " + why));
    }

    @Test
    void hashPlacementSortsZonesByName() {
        View v = parse(Map.of("placement", "{\"mode\":\"hash\",\"zones\":[\"c\",\"a\",\"b\"]}"));
        assertEquals(List.of("a", "b", "c"), v.placement().zones());
        assertEquals("a", v.route("store-42").zone());
        assertEquals("c", v.route("store-7").zone());
        assertEquals("c", v.route("tenant-0001").zone());
        assertFalse(v.route("store-42").maintenance());
        assertTrue(bad.isEmpty(), bad.toString());
    }

    @Test
    void documentRecordsParse() {
        Map<String, String> e = new HashMap<>();
        e.put("placement", "{\"mode\":\"zone\",\"zone\":\"default\"}");
        e.put("tenant/store-42", "{\"tenant\":\"store-42\",\"zone\":\"z1\",\"state\":\"active\",\"createdAt\":"
                + "1763770000000,\"changedAt\":1763770000001,\"changedBy\":\"alice@ops-1\",\"movingFrom\":null}");
        e.put("tenant/store-9", "{\"tenant\":\"store-9\",\"zone\":\"z1\",\"state\":\"maintenance\",\"createdAt\":"
                + "1763770000000,\"changedAt\":1763770000001,\"changedBy\":\"bob@ops-2\",\"movingFrom\":null}");
        e.put("tenant/store-5", "{\"tenant\":\"store-5\",\"zone\":\"z2\",\"state\":\"active\",\"createdAt\":"
                + "1763770000000,\"changedAt\":1763770000001,\"changedBy\":\"bob@ops-2\",\"movingFrom\":\"z1\"}");
        e.put("zone/z1", "{\"zone\":\"z1\",\"maintenance\":true,\"changedAt\":1763770000002,\"changedBy\":\"x@y\"}");
        e.put("zone/default", "{\"zone\":\"default\",\"maintenance\":false,\"changedAt\":1,\"changedBy\":\"x@y\"}");
        View v = parse(e);
        assertTrue(bad.isEmpty(), bad.toString());
        assertTrue(v.loaded() && v.exists());
        assertEquals(Registry.MaintenanceMode.MISS, v.placement().maintenanceMode(), "missing field means miss");

        Route r42 = v.route("store-42");
        assertEquals("z1", r42.zone());
        assertNull(r42.movingFrom());
        assertFalse(r42.maintenance(), "a tenant with a record follows its own state even if its zone's flag is on");

        assertTrue(v.route("store-9").maintenance());
        assertTrue(v.route("store-9").bypass());

        Route r5 = v.route("store-5");
        assertEquals("z2", r5.zone());
        assertEquals("z1", r5.movingFrom());

        Route other = v.route("unregistered");
        assertEquals("default", other.zone());
        assertFalse(other.maintenance());
    }

    @Test
    void tenantWithoutRecordInAFlaggedZoneIsInMaintenance() {
        View v = parse(Map.of(
                "placement", "{\"mode\":\"zone\",\"zone\":\"z1\",\"maintenanceMode\":\"reject\"}",
                "zone/z1", "{\"zone\":\"z1\",\"maintenance\":true,\"changedAt\":1,\"changedBy\":\"me\"}"));
        Route r = v.route("anyone");
        assertEquals("z1", r.zone());
        assertTrue(r.maintenance());
        assertTrue(r.reject());
        assertFalse(r.bypass(), "mode reject fails operations instead of answering them");
        assertSame(r, v.route("anyone"), "memoized: one map read per operation");
    }

    @Test
    void aBadRecordKeepsItsPreviousReadingAndDoesNotStopTheOthers() {
        View first = parse(Map.of(
                "tenant/t1", "{\"tenant\":\"t1\",\"zone\":\"z1\",\"state\":\"active\"}",
                "tenant/t2", "{\"tenant\":\"t2\",\"zone\":\"z2\",\"state\":\"active\"}"));
        assertTrue(bad.isEmpty(), bad.toString());
        View second = parse(Map.of(
                "tenant/t1", "{\"tenant\":\"t1\",\"zone\":\"z1\",\"state\":\"sleeping\"}",
                "tenant/t2", "{\"tenant\":\"t2\",\"zone\":\"z3\",\"state\":\"maintenance\"}",
                "tenant/t3", "not json"), first);
        assertEquals(2, second.badRecords());
        assertEquals(2, bad.size(), bad.toString());
        assertEquals("z1", second.route("t1").zone(), "previous reading kept");
        assertFalse(second.route("t1").maintenance());
        assertEquals("z3", second.route("t2").zone(), "good records are read");
        assertTrue(second.route("t2").maintenance());
        assertEquals("default", second.route("t3").zone(), "a bad record without a previous reading is ignored");
    }

    @Test
    void invalidRecordsAreRejectedWithAReason() {
        String[][] cases = {
            {"placement", "{\"mode\":\"hash\",\"zones\":[]}"},
            {"placement", "{\"mode\":\"ring\"}"},
            {"placement", "{\"mode\":\"zone\",\"zone\":\"z\",\"maintenanceMode\":\"ignore\"}"},
            {"tenant/t", "{\"tenant\":\"u\",\"zone\":\"z\",\"state\":\"active\"}"},
            {"tenant/t", "{\"tenant\":\"t\",\"state\":\"active\"}"},
            {"tenant/t", "{\"tenant\":\"t\",\"zone\":\"z\",\"state\":\"active\",\"movingFrom\":7}"},
            {"zone/z", "{\"zone\":\"z\",\"maintenance\":\"yes\"}"},
            {"zone/z", "[1,2]"},
        };
        for (String[] c : cases) {
            bad.clear();
            View v = parse(Map.of(c[0], c[1]));
            assertEquals(1, v.badRecords(), c[1]);
            assertEquals(1, bad.size(), c[1]);
        }
        bad.clear();
        View v = parse(Map.of("tenant/t", 42));
        assertEquals(1, v.badRecords(), "a value that is not a String");
    }

    @Test
    void unknownKeysAndFieldsAreIgnored() {
        View v = parse(Map.of(
                "job/verify-1", "whatever the nodes keep there",
                "tenant/t", "{\"tenant\":\"t\",\"zone\":\"z\",\"state\":\"active\",\"quota\":5}"));
        assertEquals(0, v.badRecords(), bad.toString());
        assertEquals("z", v.route("t").zone());
    }

    @Test
    void movingFromTheSameZoneIsNoMove() {
        View v = parse(Map.of("tenant/t", "{\"tenant\":\"t\",\"zone\":\"z\",\"state\":\"active\",\"movingFrom\":\"z\"}"));
        assertNull(v.route("t").movingFrom());
    }

    @Test
    void aPinnedClientIgnoresPlacementAndMovesButNotMaintenance() {
        Map<String, String> e = Map.of(
                "placement", "{\"mode\":\"hash\",\"zones\":[\"a\",\"b\"]}",
                "tenant/t", "{\"tenant\":\"t\",\"zone\":\"b\",\"state\":\"maintenance\",\"movingFrom\":\"a\"}",
                "zone/p", "{\"zone\":\"p\",\"maintenance\":true}");
        View v = parse(e, View.initial("p"));
        assertEquals("p", v.route("t").zone());
        assertNull(v.route("t").movingFrom());
        assertTrue(v.route("t").maintenance());
        assertEquals("p", v.route("u").zone());
        assertTrue(v.route("u").maintenance(), "the pinned zone's flag applies to tenants without a record");
    }

    @Test
    void absentRegistryRoutesEveryoneToDefault() {
        View v = Registry.absent(View.initial(null), 5, System.nanoTime());
        assertTrue(v.loaded());
        assertFalse(v.exists());
        assertEquals("default", v.route("x").zone());
        assertFalse(View.initial(null).loaded());
    }
}
