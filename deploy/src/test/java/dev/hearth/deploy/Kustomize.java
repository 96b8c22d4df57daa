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
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Renders a kustomization the way {@code kubectl kustomize} does, for the subset of kustomize the manifests use, so
 * the offline tests see what a cluster would receive without kustomize installed (CI installs no Kubernetes tool).
 * {@code KustomizeRenderTest} compares the result with {@code kubectl kustomize} wherever kubectl is on the PATH.
 *
 * <p>Supported: {@code resources} (files and kustomization directories), {@code namespace}, {@code labels} (pairs
 * only, on metadata), {@code replicas}, {@code images}, and {@code patches} with an inline JSON 6902 patch and a
 * target by kind and name. Anything else in a kustomization is an {@link IllegalArgumentException} naming it, so an
 * overlay that starts using another feature fails here instead of being rendered wrong.
 */
final class Kustomize {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> FIELDS = Set.of("apiVersion", "kind", "resources", "namespace", "labels",
            "replicas", "images", "patches");
    /** Kinds without a namespace among those the manifests could use; kustomize leaves them unnamespaced. */
    private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "ClusterRole", "ClusterRoleBinding",
            "PersistentVolume", "StorageClass", "PriorityClass", "CustomResourceDefinition");

    private Kustomize() {
    }

    /** Every object the kustomization in {@code dir} renders to, in resource order. */
    static List<ObjectNode> render(Path dir) {
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
        List<ObjectNode> out = new ArrayList<>();
        for (JsonNode r : k.path("resources")) {
            Path p = dir.resolve(r.asText()).normalize();
            if (Files.isDirectory(p)) {
                out.addAll(render(p));
            } else if (Files.isRegularFile(p)) {
                for (JsonNode doc : read(p)) {
                    out.add((ObjectNode) doc);
                }
            } else {
                throw new IllegalArgumentException(file + " lists a missing resource " + r.asText());
            }
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
        return out;
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
