package dev.hearth.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    static JsonNode nodeDefaults;

    @BeforeAll
    static void load() throws Exception {
        JsonNode kustomization = YAML.readTree(BASE.resolve("kustomization.yaml").toFile());
        for (JsonNode r : kustomization.get("resources")) {
            Path file = BASE.resolve(r.asText());
            assertTrue(Files.exists(file), "kustomization lists a missing file " + file);
            for (JsonNode doc : YAML.readerFor(JsonNode.class).<JsonNode>readValues(file.toFile()).readAll()) {
                String kind = doc.get("kind").asText();
                Class<?> model = MODELS.get(kind);
                assertNotNull(model, file + ": no validation for kind " + kind);
                objects.computeIfAbsent(kind, k -> new ArrayList<>()).add(parse(model, doc, file.toString()));
            }
        }
        nodeDefaults = YAML.readTree(Path.of("../node/src/main/resources/hearth-defaults.yaml").toFile());
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
        V1ConfigMap cm = one("ConfigMap", "hearth-config");
        JsonNode config = YAML.readTree(cm.getData().get("hearth.yaml"));
        assertKeysKnown(config, nodeDefaults, "");
        assertEquals("kubernetes", config.at("/cluster/discovery").asText());
        assertEquals(sts().getSpec().getServiceName(), config.at("/cluster/kubernetes/service").asText());
        var volume = sts().getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getConfigMap() != null).findFirst().orElseThrow();
        assertEquals("hearth-config", volume.getConfigMap().getName());
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

    @Test
    void envVarsNameRealConfigKeysAndMemoryLimitEqualsRequest() {
        for (var env : container().getEnv()) {
            if (env.getName().equals("HEARTH_CONFIG")) {
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
