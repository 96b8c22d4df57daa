package dev.hearth.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerPort;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1NetworkPolicy;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1Role;
import io.kubernetes.client.openapi.models.V1RoleBinding;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Validates every manifest offline with the official Kubernetes models (unknown fields, wrong types and missing
 * required fields are rejected), then checks what the models cannot: that the objects refer to each other and to
 * the node's real defaults correctly.
 */
@Timeout(60)
class KubernetesManifestsTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path BASE = Path.of("kubernetes/base");
    static final Map<String, Class<?>> MODELS = Map.of(
            "ServiceAccount", V1ServiceAccount.class, "Role", V1Role.class, "RoleBinding", V1RoleBinding.class,
            "ConfigMap", V1ConfigMap.class, "Service", V1Service.class,
            "PodDisruptionBudget", V1PodDisruptionBudget.class, "StatefulSet", V1StatefulSet.class,
            "NetworkPolicy", V1NetworkPolicy.class, "Namespace", V1Namespace.class);
    /**
     * Environment variables of config keys the node's security work adds (TLS, admin token, cluster secret; named in
     * issue 16). The manifests set them before the node's default YAML lists them: once it does, this list is
     * redundant and can go.
     */
    static final Map<String, List<Object>> objects = new HashMap<>();
    /**
     * Env vars of the pod that are no config key: HEARTH_CONFIG names the file (bin/hearth-node), and
     * HEARTH_NODE_FAILURE_DOMAIN_FALLBACK is bin/docker-entrypoint's, which unsets it (DockerEntrypointFailureDomainTest).
     */
    static final java.util.Set<String> NOT_CONFIG_KEYS = java.util.Set.of("HEARTH_CONFIG",
            "HEARTH_NODE_FAILURE_DOMAIN_FALLBACK");
    static JsonNode nodeDefaults;

    /**
     * How long a node may take to open its admin port on a starved host (many pods starting at once after a host or
     * zone failure) without being killed: the startup probe's budget must cover it. The measured start is about 3 s
     * alone and 5 s joining (docs/operations.md, "Start time"); the port opens before the join.
     */
    static final int SLOW_START_SECONDS = 300;

    @BeforeAll
    static void load() throws Exception {
        for (ObjectNode doc : Kustomize.render(BASE)) {
            String kind = doc.get("kind").asText();
            Class<?> model = MODELS.get(kind);
            assertNotNull(model, "base: no validation for kind " + kind);
            objects.computeIfAbsent(kind, k -> new ArrayList<>()).add(parse(model, doc, "base " + kind));
        }
        nodeDefaults = nodeDefaults();
    }

    /** The node's hearth-defaults.yaml: every config key, with its default. */
    static JsonNode nodeDefaults() {
        try {
            return YAML.readTree(Path.of("../node/src/main/resources/hearth-defaults.yaml").toFile());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static Object parse(Class<?> model, JsonNode doc, String where) {
        try {
            return model.getMethod("fromJson", String.class).invoke(null, JSON.writeValueAsString(doc));
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw new AssertionError(where + " is not a valid " + model.getSimpleName() + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (ReflectiveOperationException | IOException e) {
            throw new AssertionError(e);
        }
    }

    @SuppressWarnings("unchecked")
    static <T> T one(String kind, String name) {
        for (Object o : objects.getOrDefault(kind, List.of())) {
            String n;
            try {
                n = ((io.kubernetes.client.openapi.models.V1ObjectMeta) o.getClass().getMethod("getMetadata")
                        .invoke(o)).getName();
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
            if (name.equals(n)) {
                return (T) o;
            }
        }
        throw new AssertionError("no " + kind + " named " + name);
    }

    /** The ConfigMap kustomize generated from {@code name} (its name plus a content hash). */
    static V1ConfigMap generatedConfigMap(String name) {
        List<V1ConfigMap> hits = objects.getOrDefault("ConfigMap", List.of()).stream().map(o -> (V1ConfigMap) o)
                .filter(c -> c.getMetadata().getName().matches(name + "-[a-z0-9]{10}")).toList();
        assertEquals(1, hits.size(), "ConfigMaps generated from " + name + ": " + hits);
        return hits.get(0);
    }

    static V1StatefulSet sts() {
        return one("StatefulSet", "hearth");
    }

    static V1Container container() {
        return sts().getSpec().getTemplate().getSpec().getContainers().get(0);
    }

    static boolean selects(Map<String, String> selector, Map<String, String> labels) {
        return selector != null && !selector.isEmpty()
                && selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    @Test
    void theValidatorRejectsMisspelledFieldsAndWrongTypes() throws IOException {
        ObjectNode doc = (ObjectNode) YAML.readTree(BASE.resolve("statefulset.yaml").toFile());
        ((ObjectNode) doc.get("spec")).put("replicaz", 3);
        assertThrows(AssertionError.class, () -> parse(V1StatefulSet.class, doc, "misspelled"));
        ObjectNode typed = (ObjectNode) YAML.readTree(BASE.resolve("statefulset.yaml").toFile());
        ((ObjectNode) typed.get("spec")).putArray("replicas");
        assertThrows(AssertionError.class, () -> parse(V1StatefulSet.class, typed, "wrong type"));
    }

    @Test
    void selectorsServicesAndBudgetAllPointAtTheNodes() {
        V1StatefulSet sts = sts();
        Map<String, String> podLabels = sts.getSpec().getTemplate().getMetadata().getLabels();
        assertTrue(selects(sts.getSpec().getSelector().getMatchLabels(), podLabels), "StatefulSet selector");
        V1Service discovery = one("Service", sts.getSpec().getServiceName());
        assertEquals("None", discovery.getSpec().getClusterIP(), "serviceName must be the headless Service");
        assertEquals(Boolean.TRUE, discovery.getSpec().getPublishNotReadyAddresses(),
                "joining nodes must see peers that are not ready yet");
        for (Object o : objects.get("Service")) {
            V1Service s = (V1Service) o;
            assertTrue(selects(s.getSpec().getSelector(), podLabels), s.getMetadata().getName() + " selects no pod");
            List<String> names = container().getPorts().stream().map(V1ContainerPort::getName).toList();
            s.getSpec().getPorts().forEach(p -> assertTrue(names.contains(p.getTargetPort().getStrValue()),
                    s.getMetadata().getName() + " targets unknown port " + p.getTargetPort()));
        }
        V1PodDisruptionBudget pdb = one("PodDisruptionBudget", "hearth");
        assertEquals(1, pdb.getSpec().getMaxUnavailable().getIntValue());
        assertTrue(selects(pdb.getSpec().getSelector().getMatchLabels(), podLabels), "PDB selector");
        // A node on its old volume waits for a majority of its peers before it is ready: pods must start together.
        assertEquals("Parallel", sts.getSpec().getPodManagementPolicy());
        assertEquals("RollingUpdate", sts.getSpec().getUpdateStrategy().getType());
    }

    @Test
    void portsAndProbesMatchTheNodesDefaults() {
        JsonNode ports = nodeDefaults.get("ports");
        Map<String, Integer> byName = new HashMap<>();
        container().getPorts().forEach(p -> byName.put(p.getName(), p.getContainerPort()));
        assertEquals(ports.get("memcached").asInt(), byName.get("memcached"));
        assertEquals(ports.get("admin").asInt(), byName.get("admin"));
        assertEquals(ports.get("thinClient").asInt(), byName.get("thin-client"));
        assertEquals(ports.get("discovery").asInt(), byName.get("discovery"));
        assertEquals(ports.get("communication").asInt(), byName.get("communication"));
        var ready = container().getReadinessProbe().getHttpGet();
        assertEquals("/health/ready", ready.getPath());
        assertEquals("admin", ready.getPort().getStrValue());
        var live = container().getLivenessProbe().getHttpGet();
        assertEquals("/health/live", live.getPath());
        assertEquals("admin", live.getPort().getStrValue());
    }

    @Test
    void rbacCoversWhatTheIpFinderCalls() {
        String sa = sts().getSpec().getTemplate().getSpec().getServiceAccountName();
        one("ServiceAccount", sa);
        V1RoleBinding binding = (V1RoleBinding) objects.get("RoleBinding").get(0);
        assertEquals(sa, binding.getSubjects().get(0).getName());
        V1Role role = one("Role", binding.getRoleRef().getName());
        assertTrue(role.getRules().stream().anyMatch(r -> r.getResources().contains("endpoints")
                && r.getVerbs().contains("get") && r.getApiGroups().contains("")),
                "the Kubernetes IP finder reads the discovery Service's endpoints");
    }

    @Test
    void configMapIsAValidNodeConfigThatNamesTheDiscoveryService() throws IOException {
        V1ConfigMap cm = generatedConfigMap("hearth-config");
        JsonNode config = YAML.readTree(cm.getData().get("hearth.yaml"));
        assertEquals(YAML.readTree(BASE.resolve("hearth.yaml").toFile()), config, "generated from base/hearth.yaml");
        assertKeysKnown(config, nodeDefaults, "");
        assertEquals("kubernetes", config.at("/cluster/discovery").asText());
        assertEquals(sts().getSpec().getServiceName(), config.at("/cluster/kubernetes/service").asText());
        var volume = sts().getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getConfigMap() != null).findFirst().orElseThrow();
        assertEquals(cm.getMetadata().getName(), volume.getConfigMap().getName(), "the volume follows the hash");
        String mount = container().getVolumeMounts().stream().filter(m -> m.getName().equals(volume.getName()))
                .findFirst().orElseThrow().getMountPath();
        String configEnv = container().getEnv().stream().filter(e -> e.getName().equals("HEARTH_CONFIG"))
                .findFirst().orElseThrow().getValue();
        assertEquals(mount + "/hearth.yaml", configEnv);
        long shutdownSeconds = Long.parseLong(config.at("/shutdown/timeout").asText().replace("s", ""));
        long preStop = Long.parseLong(container().getLifecycle().getPreStop().getExec().getCommand().get(1));
        assertTrue(sts().getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds()
                > shutdownSeconds + preStop, "grace period shorter than preStop + graceful stop");
    }

    /**
     * A config change must reach the nodes, which read their config only at start: a new hash, a new volume
     * reference, so a new pod template, which the StatefulSet rolls out one pod at a time.
     */
    @Test
    void aConfigChangeRenamesTheConfigMapAndSoRollsThePods(@TempDir Path copy) throws IOException {
        try (var files = Files.list(BASE)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        Files.writeString(copy.resolve("hearth.yaml"), Files.readString(copy.resolve("hearth.yaml"))
                .replace("timeout: 90s", "timeout: 80s"));
        List<ObjectNode> before = Kustomize.render(BASE);
        List<ObjectNode> after = Kustomize.render(copy);
        String oldName = KustomizeRenderTest.generated(before, "ConfigMap", "hearth-config").at("/metadata/name")
                .asText();
        String newName = KustomizeRenderTest.generated(after, "ConfigMap", "hearth-config").at("/metadata/name")
                .asText();
        assertNotEquals(oldName, newName);
        JsonNode oldTemplate = KustomizeRenderTest.find(before, "StatefulSet", "hearth").at("/spec/template");
        JsonNode newTemplate = KustomizeRenderTest.find(after, "StatefulSet", "hearth").at("/spec/template");
        assertNotEquals(oldTemplate, newTemplate, "an unchanged pod template would roll nothing");
        assertEquals(oldTemplate.toString().replace(oldName, newName), newTemplate.toString(),
                "only the reference to the config differs");
    }

    /**
     * The liveness probe must not kill a node that is still starting: a startup probe holds it (and readiness) off
     * until the admin port answers, for longer than a slow start; after that, liveness needs no initial delay.
     */
    @Test
    void aStartupProbeOutlastsASlowStartAndLivenessWaitsForIt() {
        var startup = container().getStartupProbe();
        assertNotNull(startup, "no startupProbe");
        assertEquals("/health/live", startup.getHttpGet().getPath(), "the admin port's first answer");
        assertEquals("admin", startup.getHttpGet().getPort().getStrValue());
        int budget = startup.getFailureThreshold() * startup.getPeriodSeconds();
        assertTrue(budget > SLOW_START_SECONDS, "startup budget " + budget + " s");
        assertTrue(startup.getPeriodSeconds() <= 5, "a started node waits up to a period before readiness counts");
        var live = container().getLivenessProbe();
        assertTrue(live.getInitialDelaySeconds() == null || live.getInitialDelaySeconds() <= live.getPeriodSeconds(),
                "the startup probe covers the start; a delay only postpones seeing a hung node");
        assertTrue(live.getFailureThreshold() * live.getPeriodSeconds() >= 30, "one GC pause is no hung node");
    }

    /**
     * Backups are kept off their primary's failure domain: the host in the base (safe in any cluster); the zone
     * from the pod's topology label with components/zone-failure-domain, falling back to the host where the label
     * is absent, so that a node never goes without a domain.
     */
    @Test
    void theFailureDomainIsTheHostOrTheZoneWithTheHostAsFallback() {
        Map<String, String> base = fieldRefs(container().getEnv());
        assertEquals("spec.nodeName", base.get("HEARTH_NODE_FAILURE_DOMAIN"));
        KustomizeRenderTest.renderings().forEach((name, objects) -> {
            V1StatefulSet s = (V1StatefulSet) parse(V1StatefulSet.class, KustomizeRenderTest.find(objects,
                    "StatefulSet", "hearth"), name);
            Map<String, String> env = fieldRefs(s.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv());
            String domain = env.get("HEARTH_NODE_FAILURE_DOMAIN");
            if (domain.equals(ZONE_LABEL)) {
                assertEquals("spec.nodeName", env.get("HEARTH_NODE_FAILURE_DOMAIN_FALLBACK"), name);
                var zoneSpread = s.getSpec().getTemplate().getSpec().getTopologySpreadConstraints().stream()
                        .filter(t -> t.getTopologyKey().equals("topology.kubernetes.io/zone")).findFirst()
                        .orElseThrow();
                assertEquals("DoNotSchedule", zoneSpread.getWhenUnsatisfiable(), name + ": crowded zones");
                assertEquals("Honor", zoneSpread.getNodeTaintsPolicy(), name);
            } else {
                assertEquals("spec.nodeName", domain, name);
            }
        });
        JsonNode k = Kustomize.read(KustomizeRenderTest.KUBERNETES.resolve("overlays/example/kustomization.yaml"))
                .get(0);
        assertEquals("../../components/zone-failure-domain", k.at("/components/0").asText(),
                "overlays/example shows the zone component");
        assertEquals(ZONE_LABEL, fieldRefs(container(KustomizeRenderTest.find(Kustomize.render(
                KustomizeRenderTest.KUBERNETES.resolve("overlays/example")), "StatefulSet", "hearth")).getEnv())
                .get("HEARTH_NODE_FAILURE_DOMAIN"));
    }

    static final String ZONE_LABEL = "metadata.labels['topology.kubernetes.io/zone']";

    static V1Container container(ObjectNode sts) {
        return ((V1StatefulSet) parse(V1StatefulSet.class, sts, "sts")).getSpec().getTemplate().getSpec()
                .getContainers().get(0);
    }

    static Map<String, String> fieldRefs(List<io.kubernetes.client.openapi.models.V1EnvVar> env) {
        Map<String, String> out = new HashMap<>();
        for (var e : env) {
            if (e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null) {
                out.put(e.getName(), e.getValueFrom().getFieldRef().getFieldPath());
            }
        }
        return out;
    }

    @Test
    void envVarsNameRealConfigKeysAndMemoryLimitEqualsRequest() {
        for (var env : container().getEnv()) {
            if (NOT_CONFIG_KEYS.contains(env.getName())) {
                continue;
            }
            assertTrue(envKeys(nodeDefaults, "").contains(env.getName()),
                    env.getName() + " is no config key");
        }
        Quantity limit = container().getResources().getLimits().get("memory");
        assertEquals(limit, container().getResources().getRequests().get("memory"),
                "the node sizes itself from the limit; requesting less invites the OOM killer");
    }

    static void assertKeysKnown(JsonNode config, JsonNode defaults, String path) {
        Iterator<Map.Entry<String, JsonNode>> it = config.fields();
        while (it.hasNext()) {
            var e = it.next();
            String key = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
            if (path.equals("zones")) {
                assertKeysKnown(e.getValue(), defaults.get("default"), key);
                continue;
            }
            JsonNode d = defaults.get(e.getKey());
            assertNotNull(d, "unknown node config key " + key);
            if (d.isObject() && e.getValue().isObject()) {
                assertKeysKnown(e.getValue(), d, key);
            }
        }
    }

    static List<String> envKeys(JsonNode node, String path) {
        List<String> out = new ArrayList<>();
        node.fields().forEachRemaining(e -> {
            String p = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
            if (e.getValue().isObject()) {
                out.addAll(envKeys(e.getValue(), p));
            } else {
                out.add("HEARTH_" + p.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('.', '_').toUpperCase());
            }
        });
        return out;
    }
}
