package dev.hearth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The zone and tenant commands without a cluster: arguments, help, completion, an unreachable node, and, against a
 * stand-in for a node's admin port (the JDK's HttpServer), answers a real node rarely gives (a failed or endless move,
 * a 500, a node from before tenants and zones). TenantCommandsIT runs the commands against real nodes.
 */
@Timeout(120)
class TenantCommandsTest {
    private HttpServer server;
    private String admin;
    /** "METHOD path?sorted-query" of every request, in order. */
    private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    /** path -> [status, body]; "POST /admin/..." or "GET /admin/..." */
    private final Map<String, Object[]> answers = new ConcurrentHashMap<>();

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

    @Test
    void anErrorStatusOtherThan400404409Exits1WithTheNodesMessage() {
        answer("POST /admin/tenants/store-42/flush", 500, "{\"message\":\"boom\"}");
        CliRun r = run("tenant", "flush", "store-42", "--yes");
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
    void flushNeedsYes() {
        CliRun r = run("tenant", "flush", "store-42");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--yes"), r.toString());
        assertTrue(requests.isEmpty(), "nothing sent without --yes: " + requests);
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
