package dev.hearth.node.membership;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.TreeMap;

/**
 * The one text form of {@link Members}: {@code {"generation":N,"members":{"name":"host:port",...}}}. Used for the
 * file in the data dir, the node attribute, the cluster-wide copy and the admin endpoint alike.
 */
public final class MembersJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private MembersJson() {
    }

    public static String encode(Members m) {
        ObjectNode root = JSON.createObjectNode();
        root.put("generation", m.generation());
        ObjectNode members = root.putObject("members");
        m.admins().forEach(members::put);
        return root.toString();
    }

    /** @throws IllegalArgumentException if {@code text} is not a members record */
    public static Members decode(String text) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.path("generation").canConvertToLong() || !root.path("members").isObject()) {
            throw new IllegalArgumentException("expected {\"generation\": N, \"members\": {name: address}}");
        }
        TreeMap<String, String> admins = new TreeMap<>();
        root.path("members").fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual()) {
                throw new IllegalArgumentException("member " + e.getKey() + ": the address must be a string");
            }
            admins.put(e.getKey(), e.getValue().asText());
        });
        return new Members(root.path("generation").asLong(), admins);
    }
}
