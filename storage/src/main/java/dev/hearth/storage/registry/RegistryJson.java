package dev.hearth.storage.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The registry's value format: JSON strings, so that any thin client can read them, and these records are how the node
 * and hearth-client do. Field names are part of the contract in docs/design/tenants-and-integrity.md.
 */
public final class RegistryJson {
    public static final String TENANT_PREFIX = "tenant/";
    public static final String ZONE_PREFIX = "zone/";
    public static final String PLACEMENT = "placement";

    // Unknown fields are ignored so a newer node (or tool) may add fields without breaking older readers.
    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private RegistryJson() {
    }

    public static String tenantKey(String tenant) {
        return TENANT_PREFIX + tenant;
    }

    public static String zoneKey(String zone) {
        return ZONE_PREFIX + zone;
    }

    public static String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write registry value " + value, e);
        }
    }

    public static <T> T read(String json, Class<T> type) {
        try {
            return JSON.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("bad registry value (" + type.getSimpleName() + "): "
                    + e.getOriginalMessage());
        }
    }
}
