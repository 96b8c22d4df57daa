package dev.hearth.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Renders the base and every overlay (with {@link Kustomize}), validates every rendered object with the official
 * Kubernetes models, and checks what each overlay promises. Where kubectl is installed, its own kustomize must
 * render exactly the same objects, generated names and their hashes included: that keeps the test renderer honest.
 * That needs kustomize v4.1 or later (kubectl 1.22 or later; checked with kubectl 1.32, kustomize v5.5.0). Older
 * ones lack the {@code labels} field and hash a generated ConfigMap's name along with its content (see
 * {@link Kustomize#configMapHash}), so the comparison is skipped with them rather than weakened.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class KustomizeRenderTest {
    static final Path KUBERNETES = Path.of("kubernetes");

    /** "base" and "overlays/NAME" for every overlay folder: a new overlay is covered without touching the tests. */
    static Map<String, Path> kustomizations() {
        Map<String, Path> out = new LinkedHashMap<>();
        out.put("base", KUBERNETES.resolve("base"));
        try (Stream<Path> s = Files.list(KUBERNETES.resolve("overlays"))) {
            s.filter(Files::isDirectory).sorted().forEach(p -> out.put("overlays/" + p.getFileName(), p));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out;
    }

    /** Each kustomization's rendered objects. */
    static Map<String, List<ObjectNode>> renderings() {
        Map<String, List<ObjectNode>> out = new LinkedHashMap<>();
        kustomizations().forEach((name, dir) -> out.put(name, Kustomize.render(dir)));
        return out;
    }

    static String key(JsonNode o) {
        return o.path("kind").asText() + "/" + o.at("/metadata/namespace").asText() + "/"
                + o.at("/metadata/name").asText();
    }

    /** The object kustomize generated from {@code name}: that name plus "-" and its 10-character content hash. */
    static ObjectNode generated(List<ObjectNode> objects, String kind, String name) {
        List<ObjectNode> hits = objects.stream().filter(o -> o.path("kind").asText().equals(kind)
                && o.at("/metadata/name").asText().matches(java.util.regex.Pattern.quote(name) + "-[a-z0-9]{10}"))
                .toList();
        assertEquals(1, hits.size(), "generated " + kind + " " + name + ": " + hits);
        return hits.get(0);
    }

    static ObjectNode find(List<ObjectNode> objects, String kind, String name) {
        return objects.stream().filter(o -> o.path("kind").asText().equals(kind)
                && o.at("/metadata/name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    }

    @Test
    void everyRenderedObjectIsAValidKubernetesObject() {
        assertTrue(kustomizations().keySet().containsAll(List.of("base", "overlays/example", "overlays/secure")));
        renderings().forEach((name, objects) -> {
            assertFalse(objects.isEmpty(), name);
            for (ObjectNode o : objects) {
                Class<?> model = KubernetesManifestsTest.MODELS.get(o.path("kind").asText());
                assertNotNull(model, name + ": no validation for kind " + o.path("kind"));
                KubernetesManifestsTest.parse(model, o, name + " " + key(o));
            }
            assertEquals(objects.size(), objects.stream().map(KustomizeRenderTest::key).distinct().count(),
                    name + " renders an object twice");
        });
    }

    @Test
    void overlaysChangeWhatTheySayAndKeepTheRest() {
        List<ObjectNode> base = Kustomize.render(KUBERNETES.resolve("base"));
        List<ObjectNode> example = Kustomize.render(KUBERNETES.resolve("overlays/example"));
        ObjectNode sts = find(example, "StatefulSet", "hearth");
        assertEquals(5, sts.at("/spec/replicas").asInt());
        assertEquals("registry.example.internal/hearth:0.1.0", sts.at("/spec/template/spec/containers/0/image")
                .asText());
        assertEquals("4Gi", sts.at("/spec/template/spec/containers/0/resources/limits/memory").asText());
        for (ObjectNode o : example) {
            if (!o.path("kind").asText().equals("Namespace")) {
                assertEquals("cache", o.at("/metadata/namespace").asText(), key(o));
            }
        }
        assertEquals("api", find(example, "NetworkPolicy", "hearth")
                .at("/spec/ingress/0/from/0/namespaceSelector/matchLabels/kubernetes.io~1metadata.name").asText());
        // Its own config: the base's, with the cluster's size, which must follow the replicas.
        JsonNode baseConfig = config(base);
        ObjectNode exampleConfig = (ObjectNode) config(example);
        assertEquals(5, exampleConfig.at("/cluster/expectedSize").asInt());
        ((ObjectNode) exampleConfig.get("cluster")).remove("expectedSize");
        assertEquals(baseConfig, exampleConfig, "overlays/example/hearth.yaml is the base's plus expectedSize");
        // Everything the overlay does not patch is the base's (the config volume follows the overlay's ConfigMap).
        ObjectNode baseSts = find(base, "StatefulSet", "hearth");
        assertEquals(baseSts.at("/spec/template/spec/securityContext"), sts.at("/spec/template/spec/securityContext"));
        ArrayNode volumes = sts.at("/spec/template/spec/volumes").deepCopy();
        String exampleMap = generated(example, "ConfigMap", "hearth-config").at("/metadata/name").asText();
        String baseMap = generated(base, "ConfigMap", "hearth-config").at("/metadata/name").asText();
        assertNotEquals(baseMap, exampleMap, "another config, another name: the pods roll");
        for (JsonNode v : volumes) {
            if (v.has("configMap")) {
                assertEquals(exampleMap, v.at("/configMap/name").asText());
                ((ObjectNode) v.get("configMap")).put("name", baseMap);
            }
        }
        assertEquals(baseSts.at("/spec/template/spec/volumes"), volumes);
        for (ObjectNode o : base) {
            assertEquals("hearth", o.at("/metadata/labels/app.kubernetes.io~1part-of").asText(), key(o));
        }
    }

    /** hearth.yaml of a rendering's generated ConfigMap, parsed. */
    static JsonNode config(List<ObjectNode> objects) {
        try {
            return Kustomize.YAML.readTree(generated(objects, "ConfigMap", "hearth-config").at("/data/hearth.yaml")
                    .asText());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void everyRenderingsConfigIsTheNodesAndKnowsItsSize() {
        renderings().forEach((name, objects) -> {
            JsonNode config = config(objects);
            KubernetesManifestsTest.assertKeysKnown(config, KubernetesManifestsTest.nodeDefaults(), "");
            ObjectNode sts = find(objects, "StatefulSet", "hearth");
            assertEquals(sts.at("/spec/serviceName").asText(), config.at("/cluster/kubernetes/service").asText(),
                    name);
            int expected = config.at("/cluster/expectedSize").asInt(0);
            assertTrue(expected == 0 || expected == sts.at("/spec/replicas").asInt(), name + ": expectedSize "
                    + expected + " with " + sts.at("/spec/replicas") + " replicas: a split could have two majorities");
        });
    }

    /**
     * Reference hashes: kustomize's own (api/hasher/hasher_test.go), and ones kubectl 1.32's kustomize v5.5.0 gave
     * for keys out of order, for a literal with characters Go's JSON escapes, and for the Kubernetes documentation's
     * example.
     */
    @Test
    void generatedNamesHashAsKustomizeDoes(@TempDir Path dir) throws IOException {
        ObjectNode cm = Kustomize.YAML.createObjectNode().put("kind", "ConfigMap");
        assertEquals("6ct58987ht", Kustomize.configMapHash(cm));
        cm.putObject("data").put("one", "");
        assertEquals("9g67k2htb6", Kustomize.configMapHash(cm));
        ((ObjectNode) cm.get("data")).put("two", "2").put("three", "3");
        assertEquals("f5h7t85m9b", Kustomize.configMapHash(cm));
        Files.writeString(dir.resolve("kustomization.yaml"), """
                configMapGenerator:
                  - name: x
                    literals: ["k=<a & b>", "q=\\"quoted\\""]
                  - name: example-configmap-2
                    literals: [FOO=Bar]
                """);
        List<ObjectNode> out = Kustomize.render(dir);
        assertEquals("x-5tccm88cf9", out.get(0).at("/metadata/name").asText());
        assertEquals("quoted", out.get(0).at("/data/q").asText());
        assertEquals("example-configmap-2-42cfbf598f", out.get(1).at("/metadata/name").asText());
    }

    @Test
    void everyReferenceFollowsTheGeneratedName(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("pod.yaml"), """
                apiVersion: v1
                kind: Pod
                metadata: {name: p}
                spec:
                  containers:
                    - name: c
                      image: i
                      env:
                        - {name: A, valueFrom: {configMapKeyRef: {name: settings, key: a}}}
                        - {name: B, valueFrom: {configMapKeyRef: {name: elsewhere, key: b}}}
                      envFrom: [{configMapRef: {name: settings}}]
                  volumes:
                    - {name: v, configMap: {name: settings}}
                    - {name: w, projected: {sources: [{configMap: {name: settings}}]}}
                """);
        Files.writeString(dir.resolve("kustomization.yaml"), """
                resources: [pod.yaml]
                configMapGenerator:
                  - {name: settings, literals: [a=1]}
                """);
        List<ObjectNode> out = Kustomize.render(dir);
        String name = generated(out, "ConfigMap", "settings").at("/metadata/name").asText();
        JsonNode pod = find(out, "Pod", "p").get("spec");
        assertEquals(name, pod.at("/containers/0/env/0/valueFrom/configMapKeyRef/name").asText());
        assertEquals("elsewhere", pod.at("/containers/0/env/1/valueFrom/configMapKeyRef/name").asText());
        assertEquals(name, pod.at("/containers/0/envFrom/0/configMapRef/name").asText());
        assertEquals(name, pod.at("/volumes/0/configMap/name").asText());
        assertEquals(name, pod.at("/volumes/1/projected/sources/0/configMap/name").asText());
    }

    @Test
    void theRendererRefusesWhatItCannotRenderFaithfully(@TempDir Path dir) throws IOException {
        Path base = KUBERNETES.resolve("base").toAbsolutePath();
        Files.writeString(dir.resolve("kustomization.yaml"), "resources: [" + base + "]\npatches:\n"
                + "  - target: {kind: StatefulSet, name: hearth}\n    patch: |-\n"
                + "      - {op: replace, path: /spec/template/spec/containers/0/resourcez/limits, value: {}}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Kustomize.render(dir));
        assertTrue(e.getMessage().contains("no such parent"), e.getMessage());
        Files.writeString(dir.resolve("kustomization.yaml"), "resources: [" + base + "]\nnamePrefix: x-\n");
        e = assertThrows(IllegalArgumentException.class, () -> Kustomize.render(dir));
        assertTrue(e.getMessage().contains("namePrefix"), e.getMessage());
        Files.writeString(dir.resolve("kustomization.yaml"), "resources: [" + base + "]\npatches:\n"
                + "  - target: {kind: StatefulSet, name: nope}\n    patch: '[]'\n");
        e = assertThrows(IllegalArgumentException.class, () -> Kustomize.render(dir));
        assertTrue(e.getMessage().contains("matches nothing"), e.getMessage());
        Files.writeString(dir.resolve("kustomization.yaml"), "resources: [" + base + "]\n"
                + "configMapGenerator: [{name: hearth-config, envs: [x.env]}]\n");
        e = assertThrows(IllegalArgumentException.class, () -> Kustomize.render(dir));
        assertTrue(e.getMessage().contains("configMapGenerator.envs"), e.getMessage());
        Files.writeString(dir.resolve("kustomization.yaml"), "resources: [" + base + "]\n"
                + "configMapGenerator: [{name: hearth-config, literals: [a=b]}]\n");
        e = assertThrows(IllegalArgumentException.class, () -> Kustomize.render(dir));
        assertTrue(e.getMessage().contains("exists already"), e.getMessage());
        Files.writeString(dir.resolve("kustomization.yaml"), "resources: [" + base + "]\n"
                + "generatorOptions: {disableNameSuffixHash: true}\n");
        e = assertThrows(IllegalArgumentException.class, () -> Kustomize.render(dir));
        assertTrue(e.getMessage().contains("generatorOptions"), e.getMessage());
        Files.writeString(dir.resolve("kustomization.yaml"), "resources: [" + base + "]\n"
                + "components: [" + base + "]\n");
        e = assertThrows(IllegalArgumentException.class, () -> Kustomize.render(dir));
        assertTrue(e.getMessage().contains("where a Component belongs"), e.getMessage());
    }

    @Test
    void kubectlKustomizeRendersTheSameObjects(@TempDir Path tmp) throws Exception {
        Path kubectl = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(d -> Path.of(d, "kubectl")).filter(Files::isExecutable).findFirst().orElse(null);
        Assumptions.assumeTrue(kubectl != null, "kubectl is not installed: the test renderer is not cross-checked");
        Process v = new ProcessBuilder(kubectl.toString(), "version", "--client").redirectErrorStream(true).start();
        String version = new String(v.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(v.waitFor(1, TimeUnit.MINUTES), "kubectl version timed out");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("Kustomize Version: v(\\d+)\\.(\\d+)")
                .matcher(version);
        Assumptions.assumeTrue(m.find() && (Integer.parseInt(m.group(1)) > 4
                || Integer.parseInt(m.group(1)) == 4 && Integer.parseInt(m.group(2)) >= 1),
                "kubectl's kustomize is older than v4.1 (kubectl 1.20 and older bundle v2.0.3, 1.21 v4.0.5): it knows "
                + "no labels field and hashes generated names differently, so it cannot check this renderer:\n"
                + version);
        for (var k : kustomizations().entrySet()) {
            Path err = tmp.resolve("stderr");
            Process p = new ProcessBuilder(kubectl.toString(), "kustomize", k.getValue().toString())
                    .redirectError(err.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(1, TimeUnit.MINUTES), "kubectl kustomize timed out");
            assertEquals(0, p.exitValue(), "kubectl kustomize " + k.getValue() + " failed:\n" + Files.readString(err));
            Map<String, JsonNode> theirs = new TreeMap<>();
            for (JsonNode doc : Kustomize.YAML.readerFor(JsonNode.class).<JsonNode>readValues(out).readAll()) {
                theirs.put(key(doc), doc);
            }
            Map<String, JsonNode> ours = Kustomize.render(k.getValue()).stream()
                    .collect(Collectors.toMap(KustomizeRenderTest::key, o -> o, (a, b) -> a, TreeMap::new));
            assertEquals(theirs.keySet(), ours.keySet(), k.getKey());
            theirs.forEach((id, doc) -> assertEquals(doc, ours.get(id), k.getKey() + ": " + id));
        }
    }
}
