package dev.hearth.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Renders a kustomization the way {@code kubectl kustomize} does, for the subset of kustomize the manifests use, so
 * the offline tests see what a cluster would receive without kustomize installed (CI installs no Kubernetes tool).
 * {@code KustomizeRenderTest} compares the result with {@code kubectl kustomize} wherever kubectl is on the PATH.
 *
 * <p>Supported: {@code resources} (files and kustomization directories), {@code components}, {@code namespace},
 * {@code labels} (pairs only, on metadata), {@code replicas}, {@code images}, {@code patches} with an inline JSON
 * 6902 patch and a target by kind and name, and {@code configMapGenerator} ({@code files} and {@code literals};
 * {@code behavior} create, or merge and replace onto a generated ConfigMap). Anything else in a kustomization is an
 * {@link IllegalArgumentException} naming it, so an overlay that starts using another feature fails here instead of
 * being rendered wrong.
 *
 * <p>As kustomize does, each kustomization runs its resources, then its components (which act on what the
 * resources gave, as if their fields were the includer's), then its generators, then its transformers in kustomize's
 * order (patches, namespace, labels, replicas, images). Generated names get their content hash once, after the
 * whole tree (so an overlay's merge is part of the hash), and every reference from a pod spec follows the new name.
 */
final class Kustomize {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> FIELDS = Set.of("apiVersion", "kind", "resources", "components", "namespace",
            "labels", "replicas", "images", "patches", "configMapGenerator");
    private static final Set<String> GENERATOR_FIELDS = Set.of("name", "behavior", "files", "literals");
    /** Kinds without a namespace among those the manifests could use; kustomize leaves them unnamespaced. */
    private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "ClusterRole", "ClusterRoleBinding",
            "PersistentVolume", "StorageClass", "PriorityClass", "CustomResourceDefinition");

    private Kustomize() {
    }

    /**
     * Every object the kustomization in {@code dir} renders to: its resources in order, then generated objects (the
     * order of kubectl's output differs; the objects do not).
     */
    static List<ObjectNode> render(Path dir) {
        Set<ObjectNode> generated = Collections.newSetFromMap(new IdentityHashMap<>());
        List<ObjectNode> out = new ArrayList<>();
        accumulate(dir, out, generated, false);
        hashNames(out, generated);
        return out;
    }

    /**
     * Adds what the kustomization in {@code dir} contributes to {@code out}, and transforms it; a component's fields
     * act on the whole of {@code out}, its includer's objects so far.
     */
    private static void accumulate(Path dir, List<ObjectNode> out, Set<ObjectNode> generated, boolean component) {
        Path file = dir.resolve("kustomization.yaml");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(dir + " has no kustomization.yaml");
        }
        JsonNode k = read(file).get(0);
        k.fieldNames().forEachRemaining(f -> {
            if (!FIELDS.contains(f)) {
                throw new IllegalArgumentException(file + ": '" + f + "' is not supported by the test renderer");
            }
        });
        String type = k.path("kind").asText(component ? "" : "Kustomization");
        if (!type.equals(component ? "Component" : "Kustomization")) {
            throw new IllegalArgumentException(file + " is a " + type + " where a "
                    + (component ? "Component" : "Kustomization") + " belongs");
        }
        for (JsonNode r : k.path("resources")) {
            Path p = dir.resolve(r.asText()).normalize();
            if (Files.isDirectory(p)) {
                // Its own list: a kustomization's transformers act on what it brings, not on its includer's objects.
                List<ObjectNode> sub = new ArrayList<>();
                accumulate(p, sub, generated, false);
                out.addAll(sub);
            } else if (Files.isRegularFile(p)) {
                for (JsonNode doc : read(p)) {
                    out.add((ObjectNode) doc);
                }
            } else {
                throw new IllegalArgumentException(file + " lists a missing resource " + r.asText());
            }
        }
        for (JsonNode c : k.path("components")) {
            Path p = dir.resolve(c.asText()).normalize();
            if (!Files.isDirectory(p)) {
                throw new IllegalArgumentException(file + " lists a missing component " + c.asText());
            }
            accumulate(p, out, generated, true);
        }
        for (JsonNode g : k.path("configMapGenerator")) {
            generateConfigMap(dir, file, g, out, generated);
        }
        for (JsonNode patch : k.path("patches")) {
            patch(out, patch, file);
        }
        if (k.has("namespace")) {
            String ns = k.get("namespace").asText();
            for (ObjectNode o : out) {
                String kind = o.path("kind").asText();
                if (kind.equals("Namespace")) {
                    if (!o.at("/metadata/name").asText().equals(ns)) {
                        throw new IllegalArgumentException(file + ": a Namespace other than " + ns
                                + " is not supported by the test renderer");
                    }
                } else if (!CLUSTER_SCOPED.contains(kind)) {
                    ((ObjectNode) o.get("metadata")).put("namespace", ns);
                }
                // As kustomize does: a binding's service account without a namespace is the one of this namespace.
                if (kind.endsWith("RoleBinding")) {
                    for (JsonNode subject : o.path("subjects")) {
                        if (subject.path("kind").asText().equals("ServiceAccount") && !subject.has("namespace")) {
                            ((ObjectNode) subject).put("namespace", ns);
                        }
                    }
                }
            }
        }
        for (JsonNode l : k.path("labels")) {
            l.fieldNames().forEachRemaining(f -> {
                if (!f.equals("pairs")) {
                    throw new IllegalArgumentException(file + ": labels." + f + " is not supported by the test renderer");
                }
            });
            for (ObjectNode o : out) {
                ObjectNode meta = (ObjectNode) o.get("metadata");
                if (!meta.has("labels")) {
                    meta.putObject("labels");
                }
                ((ObjectNode) meta.get("labels")).setAll((ObjectNode) l.get("pairs"));
            }
        }
        for (JsonNode r : k.path("replicas")) {
            List<ObjectNode> hits = out.stream().filter(o -> Set.of("StatefulSet", "Deployment", "ReplicaSet")
                    .contains(o.path("kind").asText()) && o.at("/metadata/name").asText().equals(
                            r.get("name").asText())).toList();
            if (hits.isEmpty()) {
                throw new IllegalArgumentException(file + ": replicas names no workload " + r.get("name"));
            }
            hits.forEach(o -> ((ObjectNode) o.get("spec")).put("replicas", r.get("count").asInt()));
        }
        for (JsonNode img : k.path("images")) {
            for (ObjectNode o : out) {
                for (String list : List.of("containers", "initContainers")) {
                    for (JsonNode c : o.at("/spec/template/spec/" + list)) {
                        String image = c.path("image").asText();
                        String name = image.contains(":") ? image.substring(0, image.lastIndexOf(':')) : image;
                        if (name.equals(img.get("name").asText())) {
                            String newName = img.path("newName").asText(name);
                            String tag = img.has("newTag") ? img.get("newTag").asText()
                                    : image.contains(":") ? image.substring(image.lastIndexOf(':') + 1) : null;
                            ((ObjectNode) c).put("image", tag == null ? newName : newName + ":" + tag);
                        }
                    }
                }
            }
        }
    }

    private static void patch(List<ObjectNode> objects, JsonNode patch, Path file) {
        JsonNode target = patch.get("target");
        if (target == null || !patch.has("patch") || patch.size() != 2) {
            throw new IllegalArgumentException(file + ": only patches with a target and an inline patch are supported");
        }
        target.fieldNames().forEachRemaining(f -> {
            if (!f.equals("kind") && !f.equals("name")) {
                throw new IllegalArgumentException(file + ": patch target." + f + " is not supported");
            }
        });
        List<ObjectNode> hits = objects.stream().filter(o -> o.path("kind").asText().equals(target.path("kind")
                .asText()) && o.at("/metadata/name").asText().equals(target.path("name").asText())).toList();
        if (hits.isEmpty()) {
            throw new IllegalArgumentException(file + ": patch target " + target + " matches nothing");
        }
        JsonNode ops;
        try {
            ops = YAML.readTree(patch.get("patch").asText());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": patch of " + target + " is not YAML: " + e.getMessage(), e);
        }
        if (!ops.isArray()) {
            throw new IllegalArgumentException(file + ": only JSON 6902 patches (a list of operations) are supported");
        }
        for (ObjectNode o : hits) {
            for (JsonNode op : ops) {
                try {
                    JsonPatch.apply(o, op);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(file + ": patch of " + target + ": " + e.getMessage(), e);
                }
            }
        }
    }

    /** One configMapGenerator entry: a new ConfigMap, or a merge into (or replacement of) a generated one. */
    private static void generateConfigMap(Path dir, Path file, JsonNode g, List<ObjectNode> out,
            Set<ObjectNode> generated) {
        g.fieldNames().forEachRemaining(f -> {
            if (!GENERATOR_FIELDS.contains(f)) {
                throw new IllegalArgumentException(file + ": configMapGenerator." + f
                        + " is not supported by the test renderer");
            }
        });
        String name = g.path("name").asText("");
        if (name.isEmpty()) {
            throw new IllegalArgumentException(file + ": a configMapGenerator without a name");
        }
        Map<String, String> data = new LinkedHashMap<>();
        for (JsonNode f : g.path("files")) {
            String spec = f.asText();
            int eq = spec.indexOf('=');
            Path source = dir.resolve(eq < 0 ? spec : spec.substring(eq + 1)).normalize();
            String key = eq < 0 ? source.getFileName().toString() : spec.substring(0, eq);
            try {
                put(data, key, Files.readString(source, StandardCharsets.UTF_8), file);
            } catch (IOException e) {
                throw new UncheckedIOException(file + ": configMapGenerator " + name + " cannot read " + spec, e);
            }
        }
        for (JsonNode l : g.path("literals")) {
            String spec = l.asText();
            int eq = spec.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(file + ": literal '" + spec + "' is not KEY=VALUE");
            }
            String value = spec.substring(eq + 1);
            // kustomize drops one pair of matching quotes around a literal's value.
            if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"")
                    || value.startsWith("'") && value.endsWith("'"))) {
                value = value.substring(1, value.length() - 1);
            }
            put(data, spec.substring(0, eq), value, file);
        }
        String behavior = g.path("behavior").asText("create");
        ObjectNode existing = out.stream().filter(o -> o.path("kind").asText().equals("ConfigMap")
                && o.at("/metadata/name").asText().equals(name)).findFirst().orElse(null);
        switch (behavior) {
            case "create" -> {
                if (existing != null) {
                    throw new IllegalArgumentException(file + ": configMapGenerator " + name
                            + " creates a ConfigMap that exists already (behavior: merge or replace?)");
                }
                ObjectNode cm = YAML.createObjectNode();
                cm.put("apiVersion", "v1");
                cm.put("kind", "ConfigMap");
                cm.putObject("metadata").put("name", name);
                ObjectNode d = cm.putObject("data");
                data.forEach(d::put);
                out.add(cm);
                generated.add(cm);
            }
            case "merge", "replace" -> {
                if (existing == null) {
                    throw new IllegalArgumentException(file + ": configMapGenerator " + name + " (" + behavior
                            + ") finds no ConfigMap of that name to " + behavior);
                }
                // kustomize gives no hash suffix to a plain ConfigMap merged with a generator, and that corner is
                // not worth copying: refused rather than guessed.
                if (!generated.contains(existing)) {
                    throw new IllegalArgumentException(file + ": configMapGenerator " + name + " (" + behavior
                            + ") onto a ConfigMap that was not generated is not supported by the test renderer");
                }
                if (behavior.equals("replace") || !existing.path("data").isObject()) {
                    existing.putObject("data");
                }
                ObjectNode d = (ObjectNode) existing.get("data");
                data.forEach(d::put);
            }
            default -> throw new IllegalArgumentException(file + ": configMapGenerator " + name + " has behavior '"
                    + behavior + "', not create, merge or replace");
        }
    }

    private static void put(Map<String, String> data, String key, String value, Path file) {
        if (data.put(key, value) != null) {
            throw new IllegalArgumentException(file + ": key " + key + " appears twice in one configMapGenerator");
        }
    }

    /**
     * Appends its content hash to every generated object's name and makes pod specs refer to the new names, as
     * kustomize's last steps do (HashTransformer, then the name-reference fix-up).
     */
    private static void hashNames(List<ObjectNode> out, Set<ObjectNode> generated) {
        Map<String, String> renamed = new HashMap<>();
        for (ObjectNode o : out) {
            if (generated.contains(o)) {
                ObjectNode meta = (ObjectNode) o.get("metadata");
                String name = meta.get("name").asText();
                String hashed = name + "-" + configMapHash(o);
                renamed.put(meta.path("namespace").asText("") + "/" + name, hashed);
                meta.put("name", hashed);
            }
        }
        if (renamed.isEmpty()) {
            return;
        }
        for (ObjectNode o : out) {
            String ns = o.at("/metadata/namespace").asText("") + "/";
            for (String at : List.of("/spec/template/spec", "/spec/jobTemplate/spec/template/spec",
                    o.path("kind").asText().equals("Pod") ? "/spec" : "/none")) {
                JsonNode pod = o.at(at);
                if (!pod.isObject()) {
                    continue;
                }
                for (JsonNode v : pod.path("volumes")) {
                    rename(v.path("configMap"), "name", ns, renamed);
                    for (JsonNode source : v.at("/projected/sources")) {
                        rename(source.path("configMap"), "name", ns, renamed);
                    }
                }
                for (String list : List.of("containers", "initContainers", "ephemeralContainers")) {
                    for (JsonNode c : pod.path(list)) {
                        for (JsonNode e : c.path("env")) {
                            rename(e.at("/valueFrom/configMapKeyRef"), "name", ns, renamed);
                        }
                        for (JsonNode e : c.path("envFrom")) {
                            rename(e.path("configMapRef"), "name", ns, renamed);
                        }
                    }
                }
            }
        }
    }

    private static void rename(JsonNode ref, String field, String ns, Map<String, String> renamed) {
        if (ref.isObject() && ref.has(field)) {
            String to = renamed.get(ns + ref.get(field).asText());
            if (to != null) {
                ((ObjectNode) ref).put(field, to);
            }
        }
    }

    /**
     * The name suffix kustomize gives a generated ConfigMap (api/hasher): the SHA-256 of Go's JSON encoding of
     * {@code {"data": ..., "kind": "ConfigMap", "name": ""}} with sorted keys, its first 10 hex digits with 0, 1, 3,
     * a and e replaced by g, h, k, m and t (no vowels, no digits that read as letters).
     *
     * <p>The name is empty on purpose: kustomize's hasher since 2020 (v4, v5: kubectl 1.21 and later) looks the name
     * up as one field called "metadata/name", finds none, and hashes "" (checked against kubectl 1.32's kustomize
     * v5.5.0). Older kustomize (v2.0.3, built into kubectl up to 1.20) hashed the real name and gives other suffixes,
     * as in the Kubernetes documentation's example: example-configmap-2-g2hdhfc6tk there, -42cfbf598f now.
     */
    static String configMapHash(ObjectNode cm) {
        if (cm.has("binaryData")) {
            throw new IllegalArgumentException("binaryData is not supported by the test renderer");
        }
        StringBuilder json = new StringBuilder("{\"data\":");
        JsonNode data = cm.path("data");
        if (data.isObject()) {
            json.append('{');
            Map<String, String> sorted = new TreeMap<>();
            data.fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue().asText()));
            String sep = "";
            for (var e : sorted.entrySet()) {
                json.append(sep);
                goString(json, e.getKey());
                json.append(':');
                goString(json, e.getValue());
                sep = ",";
            }
            json.append('}');
        } else {
            json.append("\"\"");
        }
        json.append(",\"kind\":\"ConfigMap\",\"name\":\"\"}");
        byte[] sha;
        try {
            sha = MessageDigest.getInstance("SHA-256").digest(json.toString().getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            out.append(String.format("%02x", sha[i] & 0xff));
        }
        return out.toString().replace('0', 'g').replace('1', 'h').replace('3', 'k').replace('a', 'm')
                .replace('e', 't');
    }

    /** A JSON string as Go's encoding/json writes it: HTML-safe (less-than, greater-than, ampersand escaped). */
    private static void goString(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    static List<JsonNode> read(Path file) {
        try {
            return YAML.readerFor(JsonNode.class).<JsonNode>readValues(file.toFile()).readAll();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** RFC 6902 add, replace, remove and test on a Jackson tree; every other operation is refused. */
    static final class JsonPatch {
        private JsonPatch() {
        }

        static void apply(ObjectNode root, JsonNode op) {
            String kind = op.path("op").asText();
            String path = op.path("path").asText();
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("path '" + path + "' is not a JSON pointer");
            }
            int cut = path.lastIndexOf('/');
            JsonNode parent = root.at(path.substring(0, cut));
            String last = path.substring(cut + 1).replace("~1", "/").replace("~0", "~");
            if (parent.isMissingNode() || !parent.isContainerNode()) {
                throw new IllegalArgumentException(kind + " " + path + ": no such parent");
            }
            boolean exists = parent.isObject() ? parent.has(last)
                    : last.matches("\\d+") && Integer.parseInt(last) < parent.size();
            switch (kind) {
                case "add" -> {
                    JsonNode value = op.get("value").deepCopy();
                    if (parent.isObject()) {
                        ((ObjectNode) parent).set(last, value);
                    } else if (last.equals("-")) {
                        ((ArrayNode) parent).add(value);
                    } else if (last.matches("\\d+") && Integer.parseInt(last) <= parent.size()) {
                        ((ArrayNode) parent).insert(Integer.parseInt(last), value);
                    } else {
                        throw new IllegalArgumentException("add " + path + ": index out of range");
                    }
                }
                case "replace", "remove", "test" -> {
                    if (!exists) {
                        throw new IllegalArgumentException(kind + " " + path + ": no such field");
                    }
                    if (kind.equals("test")) {
                        JsonNode now = parent.isObject() ? parent.get(last) : parent.get(Integer.parseInt(last));
                        if (!now.equals(op.get("value"))) {
                            throw new IllegalArgumentException("test " + path + ": is " + now);
                        }
                    } else if (parent.isObject()) {
                        if (kind.equals("remove")) {
                            ((ObjectNode) parent).remove(last);
                        } else {
                            ((ObjectNode) parent).set(last, op.get("value").deepCopy());
                        }
                    } else if (kind.equals("remove")) {
                        ((ArrayNode) parent).remove(Integer.parseInt(last));
                    } else {
                        ((ArrayNode) parent).set(Integer.parseInt(last), op.get("value").deepCopy());
                    }
                }
                default -> throw new IllegalArgumentException("operation '" + kind + "' is not supported");
            }
        }
    }
}
