package dev.hearth.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** docs/configuration.md must list every key the node knows, with its env var, so the docs cannot drift. */
@Timeout(60)
class ConfigDocsTest {
    @Test
    void everyKeyIsDocumentedWithItsEnvVar() throws IOException {
        JsonNode defaults;
        try (InputStream in = ConfigDocsTest.class.getResourceAsStream("/hearth-defaults.yaml")) {
            defaults = new ObjectMapper(new YAMLFactory()).readTree(in);
        }
        List<String> keys = new ArrayList<>();
        collect(defaults, "", keys);
        String doc = Files.readString(Path.of("../docs/configuration.md"));
        List<String> missing = new ArrayList<>();
        for (String key : keys) {
            if (key.equals("memcached.users")) { // a map of user names: documented as memcached.users.<user>
                continue;
            }
            if (!doc.contains("| `" + key + "` |") || !doc.contains("`" + ConfigLoader.envName(key) + "`")) {
                missing.add(key);
            }
        }
        assertEquals(List.of(), missing, "keys missing from docs/configuration.md");
    }

    private static void collect(JsonNode node, String path, List<String> out) {
        if (node.isObject() && node.size() > 0) {
            node.fields().forEachRemaining(e -> collect(e.getValue(), path.isEmpty() ? e.getKey()
                    : path + "." + e.getKey(), out));
        } else {
            out.add(path);
        }
    }
}
