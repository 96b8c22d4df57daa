package dev.hearth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The zone and tenant commands against a stand-in for a node's admin port (the JDK's HttpServer answering the
 * routes of docs/design/tenants-and-integrity.md with JSON shaped as the node's TenantService answers): what they
 * send, what they print, their exit codes, including answers a healthy node rarely gives (failed moves, 500s).
 * TenantCommandsIT runs the same commands against real nodes.
 */
class TenantCommandsTest {
    private HttpServer server;
    private String admin;
    /** "METHOD path?sorted-query" of every request, in order. */
    private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    /** path -> [status, body]; "POST /admin/..." or "GET /admin/..." */
    private final Map<String, Object[]> answers = new ConcurrentHashMap<>();
    private final AtomicInteger moveChecks = new AtomicInteger();

    @BeforeEach
    void up() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
        admin = "127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void down() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String query = ex.getRequestURI().getRawQuery();
        Map<String, String> params = new java.util.TreeMap<>();
        if (query != null) {
            for (String kv : query.split("&")) {
                String[] p = kv.split("=", 2);
                params.put(URLDecoder.decode(p[0], StandardCharsets.UTF_8),
                        p.length > 1 ? URLDecoder.decode(p[1], StandardCharsets.UTF_8) : "");
            }
        }
        String key = ex.getRequestMethod() + " " + path;
        requests.add(key + (params.isEmpty() ? "" : "?" + params));
        Object[] a = answers.get(key);
        if (key.equals("GET /admin/tenants/mover")) {
            // The move finishes on the third look.
            int n = moveChecks.incrementAndGet();
            a = new Object[] {200, "{\"tenant\":\"mover\",\"registered\":true,\"zone\":\"z2\",\"state\":"
                    + "\"active\",\"movingFrom\":" + (n < 3 ? "\"z1\"" : "null") + ",\"record\":{\"tenant\":"
                    + "\"mover\",\"zone\":\"z2\",\"state\":\"active\",\"createdAt\":1,\"changedAt\":2,"
                    + "\"changedBy\":\"ops@h\",\"movingFrom\":null},\"ops\":0,\"hits\":0,\"misses\":0,\"move\":"
                    + "{\"node\":\"n0\",\"from\":\"z1\",\"to\":\"z2\",\"by\":\"ops@h\",\"state\":\""
                    + (n < 3 ? "running" : "done") + "\",\"startedAt\":1,\"finishedAt\":null,\"passes\":1,"
                    + "\"keysHandled\":" + n * 100 + ",\"keysMoved\":" + n * 90 + ",\"leftoversRemoved\":0,"
                    + "\"error\":null}}"};
        }
        if (a == null) {
            a = new Object[] {404, "{\"error\":\"Not Found\",\"status\":404,\"message\":\"no such path: " + path
                    + "\"}"};
        }
        byte[] body = ((String) a[1]).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders((Integer) a[0], body.length);
        ex.getResponseBody().write(body);
        ex.close();
    }

    private void answer(String key, int status, String body) {
        answers.put(key, new Object[] {status, body});
    }

    private CliRun run(String... args) {
        return CliRun.of(Stream.concat(Stream.of(args), Stream.of("--admin", admin)).toArray(String[]::new));
    }

    private static JsonNode json(CliRun r) throws IOException {
        return AdminClient.JSON.readTree(r.out());
    }

    private static final String ZONES = "{\"placement\":{\"mode\":\"zone\",\"zone\":\"default\"},\"zones\":["
            + "{\"name\":\"default\",\"memory\":67108864,\"backups\":1,\"nodeFilter\":{},\"nodes\":[\"n0\",\"n1\"],"
            + "\"maintenance\":false,\"maintenanceChangedAt\":null,\"maintenanceChangedBy\":null,\"tenants\":2,"
            + "\"entries\":1200,\"bytes\":123456},"
            + "{\"name\":\"z1\",\"memory\":134217728,\"backups\":1,\"nodeFilter\":{\"rack\":\"a\"},\"nodes\":[\"n1\"],"
            + "\"maintenance\":true,\"maintenanceChangedAt\":1763771000000,\"maintenanceChangedBy\":\"bob@ops\","
            + "\"tenants\":1,\"entries\":-1,\"bytes\":0}]}";
    /** GET /admin/tenants/store-42 (tenantView). */
    private static final String STORE42 = "{\"tenant\":\"store-42\",\"registered\":true,\"zone\":\"z1\","
            + "\"state\":\"maintenance\",\"movingFrom\":null,\"record\":{\"tenant\":\"store-42\",\"zone\":\"z1\","
            + "\"state\":\"maintenance\",\"createdAt\":1763770000000,\"changedAt\":1763771000000,"
            + "\"changedBy\":\"alice@ops\",\"movingFrom\":null},\"ops\":42,\"hits\":40,\"misses\":2,\"move\":null}";
    /** POST .../maintenance and .../assign answer the record itself. */
    private static final String STORE42_RECORD = "{\"tenant\":\"store-42\",\"zone\":\"z1\",\"state\":\"active\","
            + "\"createdAt\":1763770000000,\"changedAt\":1763771000000,\"changedBy\":\"alice@ops\","
            + "\"movingFrom\":null}";

    @Test
    void zoneListAsTableAndJson() throws IOException {
        answer("GET /admin/zones", 200, ZONES);
        CliRun t = run("zone", "list");
        assertEquals(0, t.code(), t.toString());
        String[] lines = t.out().split("\n");
        assertEquals(3, lines.length, t.toString());
        assertEquals(List.of("ZONE", "MAINTENANCE", "TENANTS", "ENTRIES", "SIZE", "MEMORY", "BACKUPS", "NODES",
                "NODE-FILTER"), List.of(lines[0].split(" {2,}")));
        assertEquals(List.of("default", "no", "2", "1200", Bytes.format(123456), Bytes.format(67108864), "1", "2",
                "-"), List.of(lines[1].split(" {2,}")), t.toString());
        assertEquals(List.of("z1", "yes", "1", "?", Bytes.format(0), Bytes.format(134217728), "1", "1", "rack=a"),
                List.of(lines[2].split(" {2,}")), "entries -1 = unknown: " + t);

        CliRun j = run("zone", "list", "-o", "json");
        assertEquals(0, j.code(), j.toString());
        assertEquals(AdminClient.JSON.readTree(ZONES), json(j), "json passes the node's answer through");
    }

    @Test
    void zoneShowListsItsTenants() {
        answer("GET /admin/zones/z1", 200, "{\"name\":\"z1\",\"memory\":134217728,\"backups\":1,\"nodeFilter\":{},"
                + "\"nodes\":[\"n0\",\"n1\"],\"maintenance\":true,\"maintenanceChangedAt\":1763771000000,"
                + "\"maintenanceChangedBy\":\"bob@ops\",\"tenants\":[\"store-42\",\"store-7\"],\"entries\":3,\"bytes\":9}");
        CliRun r = run("zone", "show", "z1");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("tenants: store-42,store-7"), r.toString());
        assertTrue(r.out().contains("nodes: n0,n1"), r.toString());
        assertTrue(r.out().contains("maintenance flag changed 2025-11-22T00:23:20Z by bob@ops"), r.toString());
    }

    @Test
    void unknownZoneOrTenantExits2AndConflictsExit3() {
        answer("GET /admin/zones/nope", 404, "{\"error\":\"Not Found\",\"status\":404,\"message\":\"no zone nope\"}");
        CliRun r = run("zone", "show", "nope");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("no zone nope"), r.toString());

        answer("POST /admin/tenants/store-42/assign", 409, "{\"error\":\"Conflict\",\"status\":409,\"message\":"
                + "\"tenant store-42 has keys in zone default: use move\"}");
        r = run("tenant", "assign", "store-42", "--zone", "z1");
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains("use move"), r.toString());

        answer("POST /admin/tenants/store-42/flush", 500, "{\"message\":\"boom\"}");
        r = run("tenant", "flush", "store-42", "--yes");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("500") && r.err().contains("boom"), r.toString());
    }

    @Test
    void aNodeWithoutTenantRoutesExits1WithAHint() {
        CliRun r = run("tenant", "list");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("without tenants and zones"), r.toString());
    }

    @Test
    void maintenanceSendsOnAndByAndPrintsTheRecord() throws IOException {
        answer("POST /admin/zones/z1/maintenance", 200, "{\"zone\":\"z1\",\"maintenance\":true,"
                + "\"changedBy\":\"carol\"}");
        CliRun r = run("zone", "maintenance", "on", "z1", "--by", "carol");
        assertEquals(0, r.code(), r.toString());
        assertEquals("POST /admin/zones/z1/maintenance?{by=carol, on=true}", requests.get(0));
        assertTrue(r.out().contains("maintenance: on"), r.toString());

        answer("POST /admin/tenants/store-42/maintenance", 200, STORE42_RECORD);
        r = run("tenant", "maintenance", "off", "store-42", "-o", "json");
        assertEquals(0, r.code(), r.toString());
        String sent = requests.get(1);
        assertTrue(sent.startsWith("POST /admin/tenants/store-42/maintenance?{by="), sent);
        assertTrue(sent.endsWith(", on=false}"), sent);
        assertTrue(sent.contains(System.getProperty("user.name") + "@"), "default --by is user@host: " + sent);
        assertEquals("store-42", json(r).path("tenant").asText());
    }

    @Test
    void tenantListShowAndZoneFilter() throws IOException {
        answer("GET /admin/tenants", 200, "{\"tenants\":[" + STORE42 + ",{\"tenant\":\"seen-only\",\"registered\":"
                + "false,\"zone\":\"default\",\"state\":\"active\",\"movingFrom\":null,\"record\":null,\"ops\":7,"
                + "\"hits\":3,\"misses\":4}]}");
        CliRun r = run("tenant", "list");
        assertEquals(0, r.code(), r.toString());
        String[] lines = r.out().split("\n");
        assertEquals(List.of("TENANT", "ZONE", "STATE", "REGISTERED", "MOVING-FROM", "OPS", "HITS", "MISSES",
                "CHANGED", "BY"), List.of(lines[0].split(" {2,}")));
        assertEquals(List.of("store-42", "z1", "maintenance", "yes", "-", "42", "40", "2", "2025-11-22T00:23:20Z",
                "alice@ops"), List.of(lines[1].split(" {2,}")));
        assertEquals(List.of("seen-only", "default", "active", "no", "-", "7", "3", "4", "-", "-"),
                List.of(lines[2].split(" {2,}")));

        r = run("tenant", "list", "--zone", "z1", "-o", "json");
        assertEquals(0, r.code(), r.toString());
        assertEquals(1, json(r).size());
        assertEquals("store-42", json(r).get(0).path("tenant").asText());

        answer("GET /admin/tenants/store-42", 200, STORE42);
        r = run("tenant", "show", "store-42");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("state:           maintenance"), r.toString());
        assertTrue(r.out().contains("changed by:      alice@ops"), r.toString());
        assertTrue(r.out().contains("created:         2025-11-22T00:06:40Z"), r.toString());
        assertTrue(r.out().contains("ops (this node): 42 (hits 40, misses 2)"), r.toString());
    }

    @Test
    void moveWaitPollsUntilTheMoveIsDone() throws IOException {
        answer("POST /admin/tenants/mover/move", 202, "{\"node\":\"n0\",\"from\":\"z1\",\"to\":\"z2\",\"by\":\"x\","
                + "\"state\":\"running\"}");
        CliRun r = run("tenant", "move", "mover", "--to", "z2", "--wait", "--poll", "20ms", "-o", "json");
        assertEquals(0, r.code(), r.toString());
        assertEquals(3, moveChecks.get(), "polled until movingFrom was cleared");
        assertTrue(requests.get(0).startsWith("POST /admin/tenants/mover/move?{by="), requests.toString());
        assertTrue(requests.get(0).endsWith("zone=z2}"), requests.toString());
        JsonNode out = json(r);
        assertEquals("z2", out.path("zone").asText());
        assertTrue(out.path("record").path("movingFrom").isNull());
        assertTrue(r.err().contains("moving tenant mover to zone z2"), r.toString());
    }

    @Test
    void aFailedMoveExits1WithTheNodesError() {
        answer("POST /admin/tenants/broken/move", 202, "{\"state\":\"running\"}");
        answer("GET /admin/tenants/broken", 200, "{\"tenant\":\"broken\",\"zone\":\"z2\",\"movingFrom\":\"z1\","
                + "\"move\":{\"state\":\"failed\",\"error\":\"java.lang.IllegalStateException: lost\"}}");
        CliRun r = run("tenant", "move", "broken", "--to", "z2", "--wait", "--poll", "20ms");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("failed: java.lang.IllegalStateException: lost"), r.toString());
    }

    @Test
    void moveWaitTimesOutWithExit1() {
        answer("POST /admin/tenants/stuck/move", 202, "{}");
        answer("GET /admin/tenants/stuck", 200, "{\"tenant\":\"stuck\",\"zone\":\"z2\",\"movingFrom\":\"z1\"}");
        CliRun r = run("tenant", "move", "stuck", "--to", "z2", "--wait", "--timeout", "1s", "--poll", "50ms");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("still running"), r.toString());
    }

    @Test
    void moveWithoutWaitReturnsAtOnce() {
        answer("POST /admin/tenants/t1/move", 202, "{\"node\":\"n3\",\"from\":\"z1\",\"to\":\"z2\",\"state\":"
                + "\"running\"}");
        CliRun r = run("tenant", "move", "t1", "--to", "z2");
        assertEquals(0, r.code(), r.toString());
        assertEquals(1, requests.size(), requests.toString());
        assertTrue(r.out().contains("moving tenant t1 from zone z1 to z2 (run by node n3)"), r.toString());
        assertTrue(r.out().contains("hearthctl tenant show t1 --admin " + admin), r.toString());
    }

    @Test
    void flushNeedsYesAndDryRunRemovesNothing() throws IOException {
        CliRun r = run("tenant", "flush", "store-42");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--yes"), r.toString());
        assertTrue(requests.isEmpty(), "nothing sent without --yes: " + requests);

        answer("GET /admin/tenants/store-42", 200, STORE42);
        r = run("tenant", "flush", "store-42", "--dry-run");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("every key of tenant store-42 in zone z1; nothing removed"), r.toString());
        assertFalse(requests.stream().anyMatch(q -> q.startsWith("POST")), requests.toString());

        answer("POST /admin/tenants/store-42/flush", 200, "{\"tenant\":\"store-42\",\"zone\":\"z1\",\"removed\":42,"
                + "\"by\":\"ops\"}");
        r = run("tenant", "flush", "store-42", "--yes", "--by", "ops");
        assertEquals(0, r.code(), r.toString());
        assertEquals("POST /admin/tenants/store-42/flush?{by=ops}", requests.get(requests.size() - 1));
        assertTrue(r.out().contains("42 entries removed from zone z1"), r.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"zone", "zone list", "zone show", "zone maintenance", "tenant", "tenant list",
            "tenant show", "tenant assign", "tenant move", "tenant flush", "tenant maintenance"})
    void everyCommandHasHelp(String command) {
        CliRun r = CliRun.of((command + " --help").split(" "));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("Usage: hearthctl " + command.split(" ")[0]), r.toString());
    }

    @Test
    void completionCoversTheNewCommands() {
        CliRun r = CliRun.of("completion");
        assertEquals(0, r.code(), r.toString());
        for (String word : List.of("zone", "tenant", "assign", "move", "flush", "maintenance", "--dry-run", "--wait")) {
            assertTrue(r.out().contains(word), "completion lacks " + word);
        }
    }

    @Test
    void badArgumentsExit2BeforeAnyRequest() {
        String[][] bad = {
            {"zone"}, {"tenant"}, {"zone", "show"}, {"zone", "show", "Bad_Zone"}, {"zone", "maintenance", "z1"},
            {"zone", "maintenance", "maybe", "z1"}, {"tenant", "show", "bad/name"}, {"tenant", "assign", "t1"},
            {"tenant", "assign", "t1", "--zone", "UPPER"}, {"tenant", "move", "t1"},
            {"tenant", "move", "t1", "--to", "z2", "--timeout", "soon"}, {"tenant", "maintenance", "on"},
            {"tenant", "maintenance", "on", "-bad"}, {"tenant", "flush", "t1", "--by", ""},
            {"tenant", "list", "--zone", "a b"},
        };
        for (String[] args : bad) {
            CliRun r = run(args);
            assertEquals(2, r.code(), String.join(" ", args) + ": " + r);
        }
        assertTrue(requests.isEmpty(), "no request for bad arguments: " + requests);
    }

    @Test
    void unreachableExits4() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, String[]> cmds = new LinkedHashMap<>();
        cmds.put("zl", new String[] {"zone", "list"});
        cmds.put("tm", new String[] {"tenant", "maintenance", "on", "t1"});
        cmds.put("mv", new String[] {"tenant", "move", "t1", "--to", "z2", "--wait"});
        for (String[] cmd : cmds.values()) {
            CliRun r = CliRun.of(Stream.concat(Stream.of(cmd), Stream.of("--admin", "127.0.0.1:" + port))
                    .toArray(String[]::new));
            assertEquals(4, r.code(), String.join(" ", cmd) + ": " + r);
            assertTrue(r.err().contains("cannot reach the cluster through 127.0.0.1:" + port), r.toString());
        }
    }
}
