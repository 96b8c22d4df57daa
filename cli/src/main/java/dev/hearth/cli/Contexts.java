package dev.hearth.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * hearthctl's context file, as kubectl's kubeconfig: named clusters with their admin addresses, token and TLS files,
 * and the one in use. {@code ~/.config/hearth/config.yaml} (or {@code $XDG_CONFIG_HOME/hearth/config.yaml}, or
 * {@code --config} / {@code HEARTH_CONFIG}):
 *
 * <pre>
 * current-context: prod
 * contexts:
 *   prod:
 *     admin: [https://10.0.0.1:8080, https://10.0.0.2:8080]
 *     token-file: ~/.config/hearth/prod.token     # or token: ...
 *     cacert: ~/.config/hearth/prod-ca.pem
 *     cert: ~/.config/hearth/ops.pem
 *     key: ~/.config/hearth/ops.key
 *   local:
 *     admin: [127.0.0.1:8080]
 * </pre>
 *
 * Command-line options win over environment variables, which win over the context.
 */
public final class Contexts {
    /** One context; any field may be null (not set). */
    public record Context(String name, List<String> admin, String token, Path cacert, Path cert, Path key) {
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Contexts() {
    }

    /** The context file to read: {@code explicit} if given, else the XDG location under the home directory. */
    public static Path file(String explicit, Map<String, String> env) {
        if (explicit != null && !explicit.isBlank()) {
            return expand(explicit, env);
        }
        String xdg = env.get("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
        return base.resolve("hearth").resolve("config.yaml");
    }

    /**
     * The context named {@code name} (or the file's current-context if null), or null when there is no file and no
     * name was asked for.
     *
     * @throws CliException a usage error for an unreadable file, a named context that is not in it, or a bad field
     */
    public static Context load(Path file, String name, Map<String, String> env) {
        if (!Files.exists(file)) {
            if (name != null) {
                throw CliException.usage("context '" + name + "' asked for, but there is no context file " + file);
            }
            return null;
        }
        JsonNode root;
        try {
            root = YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw CliException.usage("cannot read the context file " + file + ": " + e.getMessage());
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return null;
        }
        String wanted = name != null ? name : text(root, "current-context");
        if (wanted == null) {
            return null;
        }
        JsonNode c = root.path("contexts").path(wanted);
        if (!c.isObject()) {
            throw CliException.usage("context '" + wanted + "' is not in " + file + " (contexts: "
                    + names(root.path("contexts")) + ")");
        }
        List<String> admin = new ArrayList<>();
        JsonNode a = c.path("admin");
        if (a.isArray()) {
            a.forEach(x -> admin.add(x.asText()));
        } else if (a.isTextual()) {
            admin.addAll(List.of(a.asText().split(",")));
        }
        String token = text(c, "token");
        String tokenFile = text(c, "token-file");
        if (token == null && tokenFile != null) {
            try {
                token = Files.readString(expand(tokenFile, env)).trim();
            } catch (IOException e) {
                throw CliException.usage("context '" + wanted + "': cannot read token-file " + tokenFile + ": "
                        + e.getMessage());
            }
        }
        return new Context(wanted, admin.isEmpty() ? null : List.copyOf(admin), token, path(c, "cacert", env),
                path(c, "cert", env), path(c, "key", env));
    }

    private static String names(JsonNode contexts) {
        List<String> n = new ArrayList<>();
        contexts.fieldNames().forEachRemaining(n::add);
        return n.isEmpty() ? "none" : String.join(", ", n);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.path(field);
        return v.isValueNode() && !v.asText().isBlank() ? v.asText() : null;
    }

    private static Path path(JsonNode n, String field, Map<String, String> env) {
        String v = text(n, field);
        return v == null ? null : expand(v, env);
    }

    /** {@code ~/} at the start is the home directory, as a shell would read it. */
    static Path expand(String p, Map<String, String> env) {
        if (p.equals("~") || p.startsWith("~/")) {
            String home = env.getOrDefault("HOME", System.getProperty("user.home"));
            return Path.of(home + p.substring(1));
        }
        return Path.of(p);
    }
}
