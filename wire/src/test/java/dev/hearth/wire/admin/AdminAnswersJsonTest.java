package dev.hearth.wire.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hearth.storage.registry.TenantRecord;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The admin answers' JSON is a contract with hearthctl and with operators' scripts: field names, their order and which
 * absent fields are left out. Written here as the admin port writes it (Jackson, default settings).
 */
@Timeout(30)
class AdminAnswersJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String json(Object answer) throws Exception {
        return JSON.writeValueAsString(answer);
    }

    @Test
    void aTenantWithItsMoveKeepsItsFieldsInOrderAndWritesNulls() throws Exception {
        TenantRecord record = new TenantRecord("t1", "z2", "active", 1, 2, "ops", "z1");
        MoveJobStatus move = new MoveJobStatus("n0", "z1", "z2", "ops", "running", 5, null, 1, 10, 9, 0, null);
        assertEquals("{\"tenant\":\"t1\",\"registered\":true,\"zone\":\"z2\",\"state\":\"active\",\"movingFrom\":\"z1\","
                + "\"record\":{\"tenant\":\"t1\",\"zone\":\"z2\",\"state\":\"active\",\"createdAt\":1,\"changedAt\":2,"
                + "\"changedBy\":\"ops\",\"movingFrom\":\"z1\"},\"ops\":3,\"hits\":2,\"misses\":1,\"move\":{\"node\":\"n0\","
                + "\"from\":\"z1\",\"to\":\"z2\",\"by\":\"ops\",\"state\":\"running\",\"startedAt\":5,\"finishedAt\":null,"
                + "\"passes\":1,\"keysHandled\":10,\"keysMoved\":9,\"leftoversRemoved\":0,\"error\":null}}",
                json(new TenantDetail("t1", true, "z2", "active", "z1", record, 3, 2, 1, move)));
    }

    @Test
    void aZoneInTheListCountsItsTenants() throws Exception {
        assertEquals("{\"name\":\"z1\",\"memory\":1024,\"backups\":1,\"nodeFilter\":{\"rack\":\"a\"},\"nodes\":[\"n0\"],"
                + "\"maintenance\":false,\"maintenanceChangedAt\":null,\"maintenanceChangedBy\":null,\"tenants\":2,"
                + "\"entries\":7,\"bytes\":700}",
                json(new ZoneSummary("z1", 1024, 1, Map.of("rack", "a"), List.of("n0"), false, null, null, 2, 7, 700)));
    }

    @Test
    void totalsLeaveOutTenantZoneAndKeys() throws Exception {
        assertEquals("{\"entriesChecked\":1,\"bytes\":2,\"damagedEntries\":3,\"copiesMissing\":4,\"copiesEvicted\":5,"
                + "\"copiesDiffer\":6,\"checksumFailures\":7,\"repaired\":8,\"removed\":9,\"skippedRewritten\":10}",
                json(new IntegrityCounts(null, null, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, null)));
        assertEquals("{\"tenant\":\"t\",\"zone\":\"z\",\"entriesChecked\":0,\"bytes\":0,\"damagedEntries\":0,"
                + "\"copiesMissing\":0,\"copiesEvicted\":0,\"copiesDiffer\":0,\"checksumFailures\":0,\"repaired\":0,"
                + "\"removed\":0,\"skippedRewritten\":0,\"damagedKeys\":[]}",
                json(new IntegrityCounts("t", "z", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, List.of())));
    }

    @Test
    void aRecoverInTheJobListHasNoRepairFlag() throws Exception {
        assertEquals("{\"id\":\"recover-2\",\"state\":\"running\",\"startedAt\":1,\"finishedAt\":null,\"elapsedMillis\":4,"
                + "\"error\":null,\"kind\":\"recover\",\"zones\":[\"z\"],\"tenant\":null}",
                json(new JobSummary("recover-2", "running", 1, null, 4, null, "recover", List.of("z"), null, null)));
        assertEquals("{\"id\":\"verify-1\",\"state\":\"complete\",\"startedAt\":1,\"finishedAt\":3,\"elapsedMillis\":2,"
                + "\"error\":null,\"kind\":\"verify\",\"zones\":[\"z\"],\"tenant\":null,\"repair\":false}",
                json(new JobSummary("verify-1", "complete", 1, 3L, 2, null, "verify", List.of("z"), null, false)));
    }
}
