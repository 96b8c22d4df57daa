package dev.hearth.node.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hearth.node.HearthNode;
import dev.hearth.node.TestNodes;
import dev.hearth.storage.TenantKey;
import dev.hearth.testing.FreePorts;
import java.io.InputStream;
import java.io.OutputStream;
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
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The admin port of a real node: every route, and bad requests. */
@Timeout(60)
class AdminEndpointClusterTest {
    @TempDir
    static Path dir;
    static HearthNode node;
    static int port;
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() throws Exception {
        node = HearthNode.start(TestNodes.config("admin", 0, FreePorts.several(1), dir,
                "node.failureDomain=rack-a"), null);
        port = node.ports().get("admin");
    }

    @AfterAll
    static void stop() {
        node.stopGracefully();
        // A static field outlives the class's tests: the stopped node and its Ignite would stay on the fork's heap.
        node = null;
    }

    static HttpResponse<String> send(String method, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void liveAndReady() throws Exception {
        HttpResponse<String> live = send("GET", "/health/live");
        assertEquals(200, live.statusCode());
        assertEquals("live", JSON.readTree(live.body()).get("status").asText());
        HttpResponse<String> ready = send("GET", "/health/ready");
        assertEquals(200, ready.statusCode());
        assertTrue(JSON.readTree(ready.body()).get("ready").asBoolean());
    }

    @Test
    void statusDescribesNodeTopologyZonesAndMemory() throws Exception {
        node.cache().set(TenantKey.of("admin-test", "k"), new byte[10], 0, 0).join();
        HttpResponse<String> r = send("GET", "/status");
        assertEquals(200, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
        JsonNode s = JSON.readTree(r.body());
        assertEquals("admin-0", s.at("/node/name").asText());
        assertEquals("rack-a", s.at("/node/failureDomain").asText());
        assertEquals(port, s.at("/node/ports/admin").asInt());
        assertTrue(s.at("/node/ports/thinClient").asInt() > 0, "port 0 resolves to the real port");
        assertEquals(1, s.get("members").size());
        assertEquals("rack-a", s.at("/members/0/failureDomain").asText());
        assertEquals("default", s.at("/zones/0/name").asText());
        assertTrue(s.at("/zones/0/entries").asLong() >= 1);
        assertEquals(1024, s.at("/zones/0/partitions").asInt());
        assertTrue(s.get("regions").size() >= 1);
        assertTrue(s.at("/jvm/heapMaxBytes").asLong() > 0);
    }

    @Test
    void metricsAreValidPrometheusText() throws Exception {
        node.cache().get(TenantKey.of("admin-test", "absent")).join();
        HttpResponse<String> r = send("GET", "/metrics");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/plain"));
        String body = r.body();
        for (String name : new String[] {"hearth_operations_total", "hearth_hits_total", "hearth_misses_total",
            "hearth_evicted_pages_total", "hearth_expirations_total", "hearth_checksum_failures_total",
            "hearth_memory_used_bytes", "hearth_memory_limit_bytes", "hearth_cluster_size",
            "hearth_rebalancing_partitions"}) {
            assertTrue(body.contains("# TYPE " + name.replace("_total", "")) || body.contains("# TYPE " + name),
                    name + " missing");
        }
        assertTrue(body.contains("hearth_operations_total{node=\"admin-0\",op=\"get\",result=\"miss\"}"), body);
        assertTrue(body.contains("hearth_memory_limit_bytes{node=\"admin-0\",region=\"zone-default\"} 6.7108864E7"));
        assertTrue(body.contains("hearth_cluster_size{node=\"admin-0\"} 1.0"));
        // The get above is in the latency histogram: cumulative buckets, every one up to +Inf.
        assertTrue(body.contains("# TYPE hearth_operation_duration_seconds histogram"), body);
        java.util.regex.Matcher inf = java.util.regex.Pattern.compile(
                "hearth_operation_duration_seconds_bucket\\{node=\"admin-0\",op=\"get\",le=\"\\+Inf\"} (\\d+)")
                .matcher(body);
        assertTrue(inf.find(), body);
        assertTrue(Long.parseLong(inf.group(1)) >= 1, body);
        assertTrue(body.contains("hearth_operation_duration_seconds_bucket{node=\"admin-0\",op=\"get\",le=\"0.02\"}"),
                "a bucket at the 20 ms budget");
        assertTrue(body.contains("hearth_job_running{kind=\"warmup\",node=\"admin-0\"} 0.0"), body);
        assertTrue(body.contains("hearth_memcached_connections{node=\"admin-0\"}"), body);
        assertTrue(body.contains("hearth_dump_last_success_timestamp_seconds{node=\"admin-0\"}"), body);
        assertTrue(body.contains("# TYPE jvm_memory_used_bytes gauge"), "the JVM's standard metrics");
        assertTrue(body.contains("hearth_build_info{node=\"admin-0\",version=\""
                + dev.hearth.node.HearthVersion.get() + "\"} 1\n"), body);
    }

    @Test
    void unknownPathsAndMethodsGetJsonErrors() throws Exception {
        HttpResponse<String> missing = send("GET", "/nope");
        assertEquals(404, missing.statusCode());
        assertEquals(404, JSON.readTree(missing.body()).get("status").asInt());
        HttpResponse<String> post = send("POST", "/status");
        assertEquals(405, post.statusCode());
        assertEquals("GET", post.headers().firstValue("allow").orElse(""));
        assertEquals(200, send("GET", "/status/").statusCode(), "a trailing slash is tolerated");
    }

    @Test
    void verifyRoutesValidateAndTheDamageHookDoesNotExistByDefault() throws Exception {
        HttpResponse<String> damage = send("POST", "/admin/test/damage?zone=default&kind=flip&count=1");
        assertEquals(404, damage.statusCode(), damage.body());
        assertTrue(damage.body().contains("testing.damageEndpoint"), damage.body());
        assertEquals(404, send("POST", "/admin/verify?zone=nope").statusCode());
        assertEquals(400, send("POST", "/admin/verify?rate=-1").statusCode());
        assertEquals(400, send("POST", "/admin/verify?repair=maybe").statusCode());
        assertEquals(400, send("POST", "/admin/verify?tenant=bad:name").statusCode());
        assertEquals(404, send("GET", "/admin/verify/verify-999").statusCode());
        assertEquals(404, send("GET", "/admin/recover/nope").statusCode());
        assertEquals(404, send("POST", "/admin/zones/nope/recover").statusCode());
        assertEquals(405, send("GET", "/admin/zones/default/recover").statusCode());
        HttpResponse<String> started = send("POST", "/admin/verify?zone=default");
        assertEquals(202, started.statusCode(), started.body());
        String id = JSON.readTree(started.body()).path("id").asText();
        org.awaitility.Awaitility.await().until(() -> JSON.readTree(send("GET", "/admin/verify/" + id).body())
                .path("state").asText().equals("complete"));
        JsonNode job = JSON.readTree(send("GET", "/admin/verify/" + id).body());
        assertTrue(job.path("clean").asBoolean(), job.toString());
        assertTrue(send("GET", "/admin/verify").body().contains(id));
    }

    @Test
    void unsafeShutdownIsRefusedAndActionsValidateTheirInput() throws Exception {
        HttpResponse<String> shutdown = send("POST", "/admin/shutdown");
        assertEquals(409, shutdown.statusCode());
        assertTrue(shutdown.body().contains("only node"), shutdown.body());
        assertTrue(node.status().readiness().ready(), "a refused shutdown changes nothing");

        assertEquals(202, send("POST", "/admin/dumps?name=via-http").statusCode());
        org.awaitility.Awaitility.await().until(() -> send("GET", "/admin/dumps/via-http").body()
                .contains("\"complete\""));
        assertTrue(send("GET", "/admin/dumps").body().contains("via-http"));
        assertEquals(200, send("POST", "/admin/dumps/via-http/verify").statusCode());
        assertEquals(409, send("POST", "/admin/dumps?name=via-http").statusCode(), "names are used once");
        assertEquals(400, send("POST", "/admin/dumps?name=bad%20name").statusCode());
        assertEquals(404, send("GET", "/admin/dumps/nope").statusCode());
        assertEquals(400, send("POST", "/admin/warmup?from=nope").statusCode());
        assertEquals(400, send("POST", "/admin/warmup?from=via-http&rate=fast").statusCode());
        assertEquals(200, send("GET", "/admin/warmup").statusCode());
        assertEquals(405, send("GET", "/admin/shutdown").statusCode());
    }

    @Test
    void garbageOnTheSocketDoesNotHurtTheServer() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write("\u0000\u0001garbage that is not http\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            int n = in.read(buf);
            String reply = n > 0 ? new String(buf, 0, n, StandardCharsets.ISO_8859_1) : "";
            assertTrue(reply.isEmpty() || reply.startsWith("HTTP/1.1 400"), reply);
        }
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write(("GET /" + "x".repeat(10_000) + " HTTP/1.1\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            s.setSoTimeout(5000);
            byte[] buf = new byte[4096];
            int n = s.getInputStream().read(buf);
            String reply = n > 0 ? new String(buf, 0, n, StandardCharsets.ISO_8859_1) : "";
            assertTrue(reply.isEmpty() || reply.startsWith("HTTP/1.1 4"), reply);
        }
        assertEquals(200, send("GET", "/health/live").statusCode(), "still serving");
    }

    /**
     * Families the node exports only after an event this node cannot meet, each with why. Every other name that
     * deploy/monitoring queries must be in this node's scrape.
     */
    static final Map<String, String> CONDITIONAL_FAMILIES = Map.of(
            "hearth_tls_refused", "only with tls.enabled; this node runs without TLS",
            "hearth_disk_full", "only after a writer met a full disk");

    /** A metric name in PromQL: not preceded by a name character, so a label value such as ".*hearth.*" is not one. */
    static final Pattern METRIC = Pattern.compile("(?<![A-Za-z0-9_:])(?:hearth|jvm|process)_[a-z0-9_]+");

    /** The family a sample or TYPE name belongs to: counters, histograms, summaries and infos add these. */
    static String family(String name) {
        for (String suffix : List.of("_bucket", "_sum", "_count", "_total", "_info", "_created")) {
            if (name.endsWith(suffix)) {
                return name.substring(0, name.length() - suffix.length());
            }
        }
        return name;
    }

    @Test
    void dashboardsAndAlertsQueryOnlyExportedMetrics() throws Exception {
        // The node module runs in node/: the monitoring files are the repository's deploy/monitoring.
        Path monitoring = Path.of("../deploy/monitoring");
        List<String> exprs = new ArrayList<>();
        JSON.readTree(monitoring.resolve("grafana-dashboard.json").toFile()).findValues("expr")
                .forEach(e -> exprs.add(e.asText()));
        new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                .readTree(monitoring.resolve("alerts.yaml").toFile()).findValues("expr")
                .forEach(e -> exprs.add(e.asText()));
        Set<String> queried = new TreeSet<>();
        for (String expr : exprs) {
            Matcher m = METRIC.matcher(expr);
            while (m.find()) {
                queried.add(m.group());
            }
        }
        assertTrue(queried.size() > 30 && queried.contains("hearth_operation_duration_seconds_bucket")
                && queried.contains("jvm_memory_used_bytes"), "the exprs were not read: " + queried);
        String renderer = Files.readString(Path.of("src/main/java/dev/hearth/node/admin/MetricsRenderer.java"));
        CONDITIONAL_FAMILIES.keySet().forEach(f -> assertTrue(renderer.contains('"' + f + '"'),
                f + " is not a name MetricsRenderer exports: a typo in the conditional set would hide a bad query"));

        // Events that make the rest appear: timed operations (the latency histogram), and a refill (a warm-up from
        // a dump of this node's own data; it only inserts keys that are absent, so nothing changes).
        node.cache().set(TenantKey.of("admin-test", "metrics"), new byte[10], 0, 0).join();
        node.cache().get(TenantKey.of("admin-test", "metrics")).join();
        assertEquals(202, send("POST", "/admin/dumps?name=metrics-check").statusCode());
        org.awaitility.Awaitility.await().until(() -> send("GET", "/admin/dumps/metrics-check").body()
                .contains("\"complete\""));
        HttpResponse<String> warmup = send("POST", "/admin/warmup?from=metrics-check");
        assertEquals(202, warmup.statusCode(), warmup.body());

        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Set<String> exported = new TreeSet<>();
            for (String line : send("GET", "/metrics").body().split("\n")) {
                if (line.startsWith("# TYPE ")) {
                    exported.add(family(line.split(" ")[2]));
                }
            }
            Set<String> missing = new TreeSet<>();
            for (String name : queried) {
                if (!exported.contains(family(name)) && !CONDITIONAL_FAMILIES.containsKey(family(name))) {
                    missing.add(name);
                }
            }
            assertEquals(Set.of(), missing, "deploy/monitoring queries metrics this node does not export");
        });
    }
}
