package dev.hearth.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/monitoring: the alert rules pass {@code promtool check rules} and their unit tests, every dashboard panel
 * queries valid PromQL through the datasource variable, and the monitors scrape the admin port's /metrics. Which
 * metrics they name is checked against a real node in the node module (AdminEndpointClusterTest).
 */
@Timeout(120)
class MonitoringRulesTest {
    static final Path MONITORING = Path.of("monitoring").toAbsolutePath();
    static final ObjectMapper JSON = new ObjectMapper();
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    record Result(int exit, String output) {
    }

    /**
     * promtool from the PATH. Without it the promtool checks are skipped with the reason, as every test whose Debian
     * tool is missing is, so that {@code mvn -B verify} passes on a fresh machine (README, "Tests"); .ci/run installs
     * it, so CI skips nothing.
     */
    static Path promtool() {
        Path found = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(d -> Path.of(d, "promtool")).filter(Files::isExecutable).findFirst().orElse(null);
        Assumptions.assumeTrue(found != null, "promtool is not on the PATH: it checks deploy/monitoring/alerts.yaml. "
                + "Install it with `apt-get install -y --no-install-recommends prometheus` (Debian's package provides "
                + "/usr/bin/promtool; no need to start the service); .ci/run installs it");
        return found;
    }

    static Result promtool(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(promtool().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(1, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("promtool timed out: " + cmd);
        }
        return new Result(p.exitValue(), out);
    }

    @Test
    void promtoolAcceptsTheAlertRules() throws Exception {
        Result r = promtool(MONITORING, "check", "rules", "alerts.yaml");
        assertEquals(0, r.exit(), "promtool check rules alerts.yaml:\n" + r.output());
        assertTrue(r.output().contains("SUCCESS"), r.output());
    }

    @Test
    void alertsFireOnSickSeriesAndNotOnHealthyOnes() throws Exception {
        Result r = promtool(MONITORING, "test", "rules", "alerts-test.yaml");
        assertEquals(0, r.exit(), "promtool test rules alerts-test.yaml:\n" + r.output());
        JsonNode tests = YAML.readTree(MONITORING.resolve("alerts-test.yaml").toFile()).path("tests");
        Set<String> tested = new HashSet<>();
        tests.forEach(t -> t.path("alert_rule_test").forEach(a -> {
            if (a.path("exp_alerts").size() > 0) {
                tested.add(a.path("alertname").asText());
            }
        }));
        for (String alert : List.of("HearthNodeNotReady", "HearthPartitionsMissingCopies",
                "HearthLatencyP99OverBudget")) {
            assertTrue(tested.contains(alert), alert + " is never shown firing in alerts-test.yaml");
        }
    }

    @Test
    void everyAlertHasASeverityItsTextAndARunbook() throws IOException {
        JsonNode groups = YAML.readTree(MONITORING.resolve("alerts.yaml").toFile()).path("groups");
        Set<String> alerts = new HashSet<>();
        groups.forEach(g -> g.path("rules").forEach(rule -> {
            String name = rule.path("alert").asText();
            assertFalse(name.isEmpty(), "a recording rule or a rule without a name: " + rule);
            assertTrue(alerts.add(name), "alert defined twice: " + name);
            assertTrue(Set.of("critical", "warning", "info").contains(rule.at("/labels/severity").asText()),
                    name + ": severity");
            for (String a : List.of("summary", "description")) {
                assertFalse(rule.path("annotations").path(a).asText().isBlank(), name + ": " + a);
            }
            assertTrue(rule.at("/annotations/runbook").asText().contains("docs/operations.md"), name + ": runbook");
        }));
        for (String required : List.of("HearthNodeDown", "HearthNodeNotReady", "HearthPartitionsMissingCopies",
                "HearthMemoryNearLimit", "HearthEvictionsClimbing", "HearthLatencyP99OverBudget", "HearthClusterSplit",
                "HearthNoQuorum", "HearthLocalCopyStale", "HearthNoRecentDump", "HearthChecksumFailures")) {
            assertTrue(alerts.contains(required), "missing alert " + required);
        }
    }

    /** Panels in display order; a row (a heading) has no query of its own, and a collapsed one holds its panels. */
    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            if (p.path("type").asText().equals("row")) {
                p.path("panels").forEach(out::add);
            } else {
                out.add(p);
            }
        }
        return out;
    }

    @Test
    void everyDashboardPanelQueriesPrometheusThroughTheDatasourceVariable() throws IOException {
        JsonNode d = JSON.readTree(MONITORING.resolve("grafana-dashboard.json").toFile());
        assertTrue(d.path("schemaVersion").asInt() >= 36, "schemaVersion " + d.path("schemaVersion"));
        assertFalse(d.path("uid").asText().isEmpty(), "a fixed uid keeps links to the dashboard stable");
        JsonNode vars = d.at("/templating/list");
        JsonNode datasource = variable(vars, "datasource");
        assertEquals("datasource", datasource.path("type").asText());
        assertEquals("prometheus", datasource.path("query").asText());
        for (String label : List.of("node", "zone")) {
            JsonNode v = variable(vars, label);
            assertEquals("query", v.path("type").asText(), label);
            assertEquals("${datasource}", v.at("/datasource/uid").asText(), label);
            String query = v.path("definition").asText();
            assertTrue(query.startsWith("label_values(") && query.endsWith(", " + label + ")"), label + ": " + query);
        }
        List<JsonNode> panels = panels(d);
        assertTrue(panels.size() >= 20, "panels: " + panels.size());
        Set<Integer> ids = new HashSet<>();
        for (JsonNode p : panels) {
            String title = p.path("title").asText();
            assertFalse(title.isBlank(), "a panel without a title: " + p.path("id"));
            assertTrue(ids.add(p.path("id").asInt()), "panel id used twice: " + title);
            assertDatasourceVariable(p.path("datasource"), title);
            assertTrue(p.path("targets").size() > 0, title + ": no target");
            for (JsonNode t : p.path("targets")) {
                assertFalse(t.path("expr").asText().isBlank(), title + ": a target without an expr");
                assertDatasourceVariable(t.path("datasource"), title + " " + t.path("refId").asText());
            }
        }
    }

    /** promtool parses the PromQL of every panel, handed to it as recording rules ($node and $zone as ".*"). */
    @Test
    void everyDashboardQueryIsValidPromQl(@TempDir Path tmp) throws Exception {
        JsonNode d = JSON.readTree(MONITORING.resolve("grafana-dashboard.json").toFile());
        ObjectNode file = YAML.createObjectNode();
        ObjectNode group = file.putArray("groups").addObject().put("name", "dashboard");
        ArrayNode rules = group.putArray("rules");
        for (JsonNode p : panels(d)) {
            for (JsonNode t : p.path("targets")) {
                rules.addObject().put("record", "dashboard:panel_" + p.path("id").asInt() + "_"
                        + t.path("refId").asText()).put("expr", t.path("expr").asText().replace("$node", ".*")
                        .replace("$zone", ".*"));
            }
        }
        YAML.writeValue(tmp.resolve("dashboard-rules.yaml").toFile(), file);
        Result r = promtool(tmp, "check", "rules", "dashboard-rules.yaml");
        assertEquals(0, r.exit(), "a dashboard expr promtool cannot parse (rule dashboard:panel_<id>_<refId>):\n"
                + r.output());
    }

    @Test
    void theMonitorsScrapeTheAdminPortsMetrics() throws IOException {
        JsonNode service = YAML.readTree(Path.of("kubernetes/base/service-admin.yaml").toFile());
        assertTrue(service.path("spec").path("ports").findValuesAsText("name").contains("admin"),
                "hearth-admin has no port named admin");
        JsonNode sm = YAML.readTree(MONITORING.resolve("servicemonitor.yaml").toFile());
        assertEquals("monitoring.coreos.com/v1", sm.path("apiVersion").asText());
        assertEquals("ServiceMonitor", sm.path("kind").asText());
        // The kustomize base gives every object this label (kubernetes/base/kustomization.yaml), and only the admin
        // Service has a port called admin: the selector and the port together pick hearth-admin alone.
        assertEquals("hearth", sm.at("/spec/selector/matchLabels/app.kubernetes.io~1part-of").asText());
        assertEndpoints(sm.at("/spec/endpoints"), "ServiceMonitor");

        JsonNode pm = YAML.readTree(MONITORING.resolve("podmonitor.yaml").toFile());
        assertEquals("monitoring.coreos.com/v1", pm.path("apiVersion").asText());
        assertEquals("PodMonitor", pm.path("kind").asText());
        JsonNode sts = YAML.readTree(Path.of("kubernetes/base/statefulset.yaml").toFile());
        assertEquals(sts.at("/spec/template/metadata/labels"), pm.at("/spec/selector/matchLabels"),
                "the PodMonitor selects the StatefulSet's pods");
        assertTrue(sts.at("/spec/template/spec/containers/0/ports").findValuesAsText("name").contains("admin"),
                "the StatefulSet's container has no port named admin");
        assertEndpoints(pm.at("/spec/podMetricsEndpoints"), "PodMonitor");
    }

    @Test
    void theMonitorsStayOutOfTheKustomizeBase() throws IOException {
        // The monitoring.coreos.com CRDs may be missing: one unknown kind fails the whole `kubectl apply -k`. An
        // overlay for a cluster that has them may add them.
        JsonNode k = YAML.readTree(Path.of("kubernetes/base/kustomization.yaml").toFile());
        k.path("resources").forEach(r -> assertFalse(r.asText().contains("monitor"), r.asText()));
        try (Stream<Path> files = Files.walk(Path.of("kubernetes/base"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                String text = Files.readString(f);
                assertFalse(text.contains("kind: ServiceMonitor") || text.contains("kind: PodMonitor"), f.toString());
            }
        }
    }

    private static void assertEndpoints(JsonNode endpoints, String kind) {
        assertEquals(1, endpoints.size(), kind + " endpoints");
        assertEquals("admin", endpoints.at("/0/port").asText(), kind);
        assertEquals("/metrics", endpoints.at("/0/path").asText(), kind);
    }

    private static void assertDatasourceVariable(JsonNode ds, String where) {
        assertEquals("prometheus", ds.path("type").asText(), where + ": datasource type");
        assertEquals("${datasource}", ds.path("uid").asText(), where + ": datasource must be the variable");
    }

    private static JsonNode variable(JsonNode vars, String name) {
        for (JsonNode v : vars) {
            if (v.path("name").asText().equals(name)) {
                return v;
            }
        }
        return fail("no template variable " + name);
    }
}
