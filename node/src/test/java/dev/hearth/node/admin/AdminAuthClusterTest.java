package dev.hearth.node.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hearth.node.HearthNode;
import dev.hearth.node.TestNodes;
import dev.hearth.node.cache.OperationStats;
import dev.hearth.testing.FreePorts;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin port of a real node with an admin token: every route of {@link AdminServer.Route} is tried without a
 * token, with a wrong one and with the right one; Origin/Host checks; the audit log; and (on a second admin server
 * over the same node's status) a token file that changes, with {@code /metrics} left open.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AdminAuthClusterTest {
    static final String TOKEN = "test-admin-token-0123456789abcdef";
    static final String WRONG = "wrong-admin-token-0123456789abcdef";
    static final String ALICE = "alice-admin-token-0123456789abcdef";
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> AUDIT = new CopyOnWriteArrayList<>();

    @TempDir
    static Path dir;
    static HearthNode node;
    static int port;
    static AbstractAppender capture;

    @BeforeAll
    static void start() throws Exception {
        node = HearthNode.start(TestNodes.config("auth", 0, FreePorts.several(1), dir,
                "admin.token=" + TOKEN, "admin.tokens.alice=" + ALICE, "admin.openMetrics=false"), null);
        port = node.ports().get("admin");
        // After the start: Ignite's logger sets up log4j2 again when the node starts without a log config.
        captureAudit();
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.stopGracefully();
            // A static field outlives the class's tests: the stopped node would stay on the fork's heap.
            node = null;
        }
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        ctx.getConfiguration().removeLogger(AdminAudit.LOGGER);
        ctx.updateLoggers();
        capture.stop();
    }

    /** Collects the audit logger's messages, whatever log4j2 configuration the test JVM has. */
    private static void captureAudit() {
        capture = new AbstractAppender("audit-capture", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                AUDIT.add(event.getMessage().getFormattedMessage());
            }
        };
        capture.start();
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        LoggerConfig audit = new LoggerConfig(AdminAudit.LOGGER, Level.INFO, false);
        audit.addAppender(capture, Level.INFO, null);
        ctx.getConfiguration().addLogger(AdminAudit.LOGGER, audit);
        ctx.updateLoggers();
    }

    static HttpResponse<String> send(int port, String method, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A path of {@code route} that exists: {@code *} segments named "nope". */
    static String pathOf(AdminServer.Route route) {
        return route.pattern().replace("*", "nope");
    }

    /**
     * Parameters that make every action fail validation or find nothing, so that trying a route with the right token
     * changes nothing on the node (a dump name that is not allowed, a warm-up from no dump, maintenance without
     * on=true|false...).
     */
    static final String HARMLESS = "?name=bad%20name&from=nope&zone=nope&node=nope&on=maybe&rate=x&kind=nope";

    @Test
    void everyProtectedRouteRefusesAMissingAndAWrongTokenAndAcceptsTheRightOne() throws Exception {
        List<String> checked = new ArrayList<>();
        for (AdminServer.Route route : AdminServer.Route.values()) {
            // With admin.openMetrics=false every route but the health checks needs the token.
            boolean open = route.access() == AdminServer.Access.OPEN;
            for (String method : route.methods()) {
                String path = pathOf(route) + (method.equals("POST") ? HARMLESS : "");
                String what = method + " " + path;
                HttpResponse<String> none = send(port, method, path, null);
                HttpResponse<String> wrong = send(port, method, path, WRONG);
                HttpResponse<String> right = send(port, method, path, TOKEN);
                if (open) {
                    assertTrue(none.statusCode() != 401 && none.statusCode() != 403, what + ": " + none.body());
                    assertTrue(wrong.statusCode() != 401 && wrong.statusCode() != 403, what + ": " + wrong.body());
                } else {
                    assertEquals(401, none.statusCode(), what + ": " + none.body());
                    assertEquals("Bearer realm=\"hearth-admin\"",
                            none.headers().firstValue("www-authenticate").orElse(""), what);
                    JsonNode body = JSON.readTree(none.body());
                    assertEquals(401, body.path("status").asInt(), what);
                    assertTrue(body.path("message").asText().contains("Authorization: Bearer"), what + ": " + body);
                    assertEquals(403, wrong.statusCode(), what + ": " + wrong.body());
                    assertEquals(403, JSON.readTree(wrong.body()).path("status").asInt(), what);
                    assertTrue(!wrong.body().contains(TOKEN) && !wrong.body().contains(WRONG), wrong.body());
                }
                assertTrue(right.statusCode() != 401 && right.statusCode() != 403, what + ": " + right.statusCode()
                        + " " + right.body());
                checked.add(route + " " + method);
            }
        }
        assertTrue(checked.size() >= AdminServer.Route.values().length, checked.toString());
        assertTrue(node.status().readiness().ready(), "trying every route left the node ready: " + checked);
    }

    @Test
    void healthStaysOpenAndMetricsNeedTheTokenWhenNotOpen() throws Exception {
        assertEquals(200, send(port, "GET", "/health/live", null).statusCode());
        assertEquals(200, send(port, "GET", "/health/ready", null).statusCode());
        assertEquals(401, send(port, "GET", "/metrics", null).statusCode());
        HttpResponse<String> metrics = send(port, "GET", "/metrics", TOKEN);
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.body().contains("hearth_cluster_size{node=\"auth-0\"} 1.0"), metrics.body());
        HttpResponse<String> status = send(port, "GET", "/status", TOKEN);
        assertEquals(200, status.statusCode());
        assertEquals("auth-0", JSON.readTree(status.body()).at("/node/name").asText());
        assertEquals(200, send(port, "GET", "/status", "  " + TOKEN).statusCode(), "spaces between Bearer and the token are allowed");
        HttpResponse<String> basic = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/status")).header("Authorization", "Basic " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, basic.statusCode(), "only the Bearer scheme carries the token");
        assertEquals(405, send(port, "GET", "/admin/shutdown", TOKEN).statusCode(), "actions refuse GET");
    }

    @Test
    void browserRequestsFromOtherOriginsAndRebindingHostsAreRefused() throws Exception {
        String self = "127.0.0.1:" + port;
        // CSRF: a page of another site posts to the node; the right token does not make it acceptable.
        String csrf = raw("POST", "/admin/tenants/csrf/flush", self, "http://evil.example", TOKEN);
        assertTrue(csrf.startsWith("HTTP/1.1 403"), csrf);
        assertTrue(csrf.contains("not this node's admin origin"), csrf);
        // DNS rebinding: the page's own origin, but a Host name the node does not own.
        String rebound = raw("POST", "/admin/tenants/csrf/flush", "evil.example:" + port,
                "http://evil.example:" + port, TOKEN);
        assertTrue(rebound.startsWith("HTTP/1.1 403"), rebound);
        assertTrue(rebound.contains("not an address of this node"), rebound);
        assertTrue(raw("GET", "/health/live", self, "null", null).startsWith("HTTP/1.1 403"), "opaque origins too");
        // The node's own origin, and no Origin at all (curl, hearthctl), pass.
        assertTrue(raw("GET", "/status", self, "http://" + self, TOKEN).startsWith("HTTP/1.1 200"));
        assertTrue(raw("GET", "/status", self, null, TOKEN).startsWith("HTTP/1.1 200"));
        assertTrue(raw("GET", "/status", "localhost:" + port, "http://localhost:" + port, TOKEN)
                .startsWith("HTTP/1.1 200"));
        Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertTrue(AUDIT.stream().anyMatch(l ->
                l.contains("TENANT_FLUSH POST /admin/tenants/csrf/flush") && l.contains("status=403")), AUDIT::toString));
    }

    @Test
    void actionsAndRefusalsAreAuditedWithWhoDidThem() throws Exception {
        HttpResponse<String> shutdown = send(port, "POST", "/admin/shutdown?by=audit-test", TOKEN);
        assertEquals(409, shutdown.statusCode(), "the only node refuses to stop: " + shutdown.body());
        assertEquals(401, send(port, "POST", "/admin/tenants/victim/flush", null).statusCode());
        assertEquals(403, send(port, "GET", "/admin/tenants", WRONG).statusCode());
        assertEquals(200, send(port, "POST", "/admin/tenants/audited/maintenance?on=false&by=alice", ALICE)
                .statusCode());
        String fp = AdminToken.fingerprint(TOKEN);
        Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertTrue(AUDIT.stream().anyMatch(l ->
                l.startsWith("admin SHUTDOWN POST /admin/shutdown params={by=[audit-test]} remote=/127.0.0.1:")
                        && l.endsWith(" who=token:" + fp + " status=409")), AUDIT::toString));
        assertTrue(AUDIT.stream().anyMatch(l -> l.startsWith("admin TENANT_MAINTENANCE POST "
                + "/admin/tenants/audited/maintenance params={by=[alice], on=[false]}") && l.endsWith(" who=alice status=200")),
                AUDIT.toString());
        assertTrue(AUDIT.stream().anyMatch(l -> l.startsWith("admin TENANT_FLUSH POST /admin/tenants/victim/flush")
                && l.endsWith(" who=anonymous status=401")), AUDIT.toString());
        assertTrue(AUDIT.stream().anyMatch(l -> l.startsWith("admin TENANTS GET /admin/tenants")
                && l.endsWith(" who=token:" + AdminToken.fingerprint(WRONG) + " status=403")), AUDIT.toString());
        assertTrue(AUDIT.stream().noneMatch(l -> l.contains(TOKEN) || l.contains(WRONG) || l.contains(ALICE)),
                "no token in the log");
        int before = AUDIT.size();
        assertEquals(200, send(port, "GET", "/admin/zones", TOKEN).statusCode());
        assertEquals(200, send(port, "GET", "/health/ready", null).statusCode());
        assertTrue(AUDIT.subList(before, AUDIT.size()).stream().noneMatch(l -> l.contains("/admin/zones ")
                || l.contains("/health/ready")), "reads that pass are not audited: " + AUDIT);
    }

    @Test
    void aTokenFileIsReadAgainWhenItChangesAndMetricsCanStayOpen() throws Exception {
        Path file = dir.resolve("admin-token");
        String first = "first-token-from-a-file-0123456789";
        String second = "second-token-from-a-file-0123456789";
        Files.writeString(file, first + "\n");
        try (AdminServer admin = new AdminServer(node.status(), new OperationStats(), AdminToken.file(file), true, null)) {
            int p = admin.start("127.0.0.1", 0);
            assertEquals(200, send(p, "GET", "/metrics", null).statusCode(), "admin.openMetrics=true");
            assertEquals(401, send(p, "GET", "/status", null).statusCode());
            assertEquals(200, send(p, "GET", "/status", first).statusCode(), "the trailing newline is not the token");
            Files.writeString(file, second + "\r\n");
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> send(p, "GET", "/status", second)
                    .statusCode() == 200);
            assertEquals(403, send(p, "GET", "/status", first).statusCode(), "the old token is gone");
            // Caught half-written (empty): the token in force stays until the file holds a valid one again.
            Files.writeString(file, "");
            Awaitility.await().pollDelay(Duration.ofMillis(1200)).atMost(Duration.ofSeconds(5))
                    .until(() -> send(p, "GET", "/status", second).statusCode() == 200);
            assertNotEquals(200, send(p, "GET", "/status", null).statusCode());
        }
    }

    /** One request over a plain socket: the JDK client does not let a test set Host. Returns the whole answer. */
    static String raw(String method, String path, String host, String origin, String token) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            StringBuilder req = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n");
            if (origin != null) {
                req.append("Origin: ").append(origin).append("\r\n");
            }
            if (token != null) {
                req.append("Authorization: Bearer ").append(token).append("\r\n");
            }
            req.append("Content-Length: 0\r\nConnection: close\r\n\r\n");
            s.getOutputStream().write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toString(StandardCharsets.UTF_8);
        }
    }
}
