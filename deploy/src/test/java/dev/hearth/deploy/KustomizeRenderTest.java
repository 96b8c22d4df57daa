package dev.hearth.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
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
 * render exactly the same objects: that keeps the test renderer honest.
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
        // Everything the overlay does not patch is the base's.
        ObjectNode baseSts = find(base, "StatefulSet", "hearth");
        assertEquals(baseSts.at("/spec/template/spec/securityContext"), sts.at("/spec/template/spec/securityContext"));
        assertEquals(baseSts.at("/spec/template/spec/volumes"), sts.at("/spec/template/spec/volumes"));
        for (ObjectNode o : base) {
            assertEquals("hearth", o.at("/metadata/labels/app.kubernetes.io~1part-of").asText(), key(o));
        }
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
    }

    @Test
    void kubectlKustomizeRendersTheSameObjects(@TempDir Path tmp) throws Exception {
        Path kubectl = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(d -> Path.of(d, "kubectl")).filter(Files::isExecutable).findFirst().orElse(null);
        Assumptions.assumeTrue(kubectl != null, "kubectl is not installed: the test renderer is not cross-checked");
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
