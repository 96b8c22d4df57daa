package dev.hearth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.cli.CliRun;
import dev.hearth.cli.http.AdminClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.ignite.client.ClientCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** hearthctl verify and zone recover against real node processes with the damage hook on. */
@Timeout(600)
class IntegrityIT {
    @TempDir
    Path dir;

    @Test
    void verifyReportsRepairsAndRecovers() throws Exception {
        try (LocalClusterProcess cluster = new LocalClusterProcess(2, dir, "testing.damageEndpoint=true").start()) {
            ClientCache<String, byte[]> cache = cluster.client().cache("hearth-zone-default");
            for (String t : new String[] {"small", "big"}) {
                int n = t.equals("small") ? 20 : 200;
                for (int i = 0; i < n; i++) {
                    cache.put(TestEnvelope.storageKey(t, "k" + i), TestEnvelope.encode(t, "k" + i,
                            ("v" + i).getBytes(StandardCharsets.UTF_8), i + 1, 0));
                }
            }
            CliRun clean = CliRun.of("verify", "--admin", cluster.admin());
            assertEquals(0, clean.code(), clean.toString());
            assertTrue(clean.out().contains("220 entries"), clean.out());

            AdminClient n0 = new AdminClient(cluster.admin());
            JsonNode d = n0.post("/admin/test/damage", AdminClient.params("zone", "default", "kind", "flip", "count",
                    "4", "tenant", "big"));
            assertEquals(4, d.path("damaged").asInt(), d.toString());
            d = n0.post("/admin/test/damage", AdminClient.params("zone", "default", "kind", "drop", "count", "2",
                    "tenant", "small"));
            assertEquals(2, d.path("damaged").asInt(), d.toString());

            CliRun found = CliRun.of("verify", "--zone", "default", "--output", "json", "--admin", cluster.admin());
            assertEquals(5, found.code(), found.toString());
            JsonNode report = AdminClient.JSON.readTree(found.out());
            assertEquals(6, report.path("totals").path("damagedEntries").asInt(), found.out());
            assertEquals(4, report.path("totals").path("checksumFailures").asInt());
            assertEquals(2, report.path("totals").path("copiesMissing").asInt());
            assertTrue(found.err().contains("6 damaged entries found"), found.err());

            CliRun tenantOnly = CliRun.of("verify", "--tenant", "small", "--admin", cluster.admin());
            assertEquals(5, tenantOnly.code(), tenantOnly.toString());
            assertTrue(tenantOnly.out().contains("small") && !tenantOnly.out().contains("big"), tenantOnly.out());

            CliRun recover = CliRun.of("zone", "recover", "default", "--by", "it", "--yes", "--admin",
                    cluster.admin());
            assertEquals(0, recover.code(), recover.toString());
            assertTrue(recover.out().contains("damaged tenants (root cause): big, small")
                    || recover.out().contains("damaged tenants (root cause): small, big"), recover.out());
            assertTrue(recover.out().contains("2/2 tenants active"), recover.out());

            CliRun after = CliRun.of("verify", "--admin", cluster.admin());
            assertEquals(0, after.code(), after.toString());

            CliRun unknown = CliRun.of("zone", "recover", "nope", "--yes", "--admin", cluster.admin());
            assertEquals(2, unknown.code(), unknown.toString());
            assertTrue(unknown.err().contains("no zone named 'nope'"), unknown.toString());
            CliRun badTenant = CliRun.of("verify", "--tenant", "bad:name", "--admin", cluster.admin());
            assertEquals(2, badTenant.code(), badTenant.toString());
        }
    }
}
