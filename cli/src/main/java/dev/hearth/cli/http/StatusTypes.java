package dev.hearth.cli.http;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.hearth.wire.StopSafety;
import dev.hearth.wire.ZoneStatus;
import dev.hearth.wire.status.NodeSnapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a node's {@code /status} that decide whether a restart is safe, read with the node's own types
 * ({@code hearth-wire}): a field renamed on the node breaks this module's build, and one missing from an answer (a
 * node of another version) makes the answer unreadable, never "0 partitions lack copies". Fields the node adds are
 * ignored, so a newer node is still read by an older hearthctl.
 */
public final class StatusTypes {
    private static final ObjectReader ZONE = reader(ZoneStatus.class);
    private static final ObjectReader SAFETY = reader(StopSafety.class);
    /** The components the node's type marks required, by their JSON names. */
    private static final List<String> ZONE_REQUIRED = java.util.Arrays.stream(ZoneStatus.class.getRecordComponents())
            .filter(c -> {
                JsonProperty p = c.getAccessor().getAnnotation(JsonProperty.class);
                return p != null && p.required();
            })
            .map(java.lang.reflect.RecordComponent::getName).toList();

    private StatusTypes() {
    }

    private static ObjectReader reader(Class<?> type) {
        return AdminClient.JSON.readerFor(type).without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    /**
     * The zones of {@code status}.
     *
     * @throws IllegalArgumentException naming what is missing or malformed, when they cannot be read
     */
    public static List<ZoneStatus> zones(JsonNode status) {
        JsonNode zones = status.path("zones");
        if (!zones.isArray() || zones.isEmpty()) {
            throw new IllegalArgumentException("zones");
        }
        List<ZoneStatus> out = new ArrayList<>();
        for (JsonNode z : zones) {
            // Jackson checks that required fields are there; an explicit null would still read as 0.
            for (String name : ZONE_REQUIRED) {
                if (z.path(name).isNull()) {
                    throw new IllegalArgumentException("zones[]." + name);
                }
            }
            try {
                out.add(ZONE.readValue(z));
            } catch (MismatchedInputException e) {
                throw new IllegalArgumentException("zones[]." + field(e), e);
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("readable zones[] (" + firstLine(e) + ")", e);
            }
        }
        return out;
    }

    /** The node's own stop verdict; an answer without a readable one counts as "not safe", with the reason. */
    public static StopSafety safety(JsonNode status) {
        if (!status.path("safety").isObject()) {
            return new StopSafety(false, List.of("its /status has no readable safety (absent)"));
        }
        try {
            StopSafety s = SAFETY.readValue(status.path("safety"));
            return s.reasons() != null ? s : new StopSafety(s.safeToStop(), List.of());
        } catch (java.io.IOException | IllegalArgumentException e) {
            return new StopSafety(false, List.of("its /status has no readable safety (" + firstLine(e) + ")"));
        }
    }

    /**
     * One part of {@code status} as the node's type ({@code dev.hearth.wire.status}), or null when the node sent none
     * or one this build cannot read (another version): the caller says so instead of reading a default.
     */
    public static <T> T part(JsonNode status, String field, Class<T> type) {
        JsonNode n = status.path(field);
        if (!n.isObject()) {
            return null;
        }
        try {
            return reader(type).readValue(n);
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /** The node's data regions; empty when it sent none it could be read by. */
    public static List<NodeSnapshot.Region> regions(JsonNode status) {
        List<NodeSnapshot.Region> out = new ArrayList<>();
        for (JsonNode r : status.path("regions")) {
            try {
                out.add(reader(NodeSnapshot.Region.class).readValue(r));
            } catch (java.io.IOException e) {
                return List.of();
            }
        }
        return out;
    }

    /** The field a mismatch is about: its path, or the property Jackson names as missing. */
    private static String field(MismatchedInputException e) {
        if (!e.getPath().isEmpty() && e.getPath().get(e.getPath().size() - 1).getFieldName() != null) {
            return e.getPath().get(e.getPath().size() - 1).getFieldName();
        }
        java.util.regex.Matcher m = MISSING.matcher(String.valueOf(e.getOriginalMessage()));
        return m.find() ? m.group(1) : "? (" + firstLine(e) + ")";
    }

    private static final java.util.regex.Pattern MISSING = java.util.regex.Pattern.compile("property '([^']+)'");

    private static String firstLine(Exception e) {
        String m = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
    }
}
