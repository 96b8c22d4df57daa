package dev.hearth.cli.operation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.cli.CliException;
import dev.hearth.cli.ExitCodes;
import dev.hearth.cli.GlobalOptions;
import dev.hearth.cli.http.AdminClient;
import dev.hearth.cli.output.Bytes;
import java.net.InetAddress;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/**
 * What the zone and tenant commands share: the admin routes of docs/design/tenants-and-integrity.md (cluster-wide,
 * so one node answers for all), their errors as exit codes, and lenient reading of the node's JSON (a field the node
 * does not send prints as "-").
 */
public final class TenantAdmin {
    /** The node's tenant names (as the client and memcached accept them). */
    static final Pattern TENANT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /** The node's zone names (config key zones.<name>). */
    static final Pattern ZONE = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    private final String admin;
    private final AdminClient client;

    public TenantAdmin(GlobalOptions global) {
        this.admin = global.admin();
        this.client = new AdminClient(admin);
    }

    /** on|off of the maintenance commands. */
    public enum Switch { on, off }

    /** --by: who made a change, recorded in the registry. */
    public static final class ChangedBy {
        @Option(names = "--by", paramLabel = "WHO",
                description = "Who makes the change, recorded in the registry (changedBy). Default: user@host.")
        String by;

        public String who() {
            if (by != null) {
                if (by.isBlank()) {
                    throw CliException.usage("--by must not be empty");
                }
                return by;
            }
            return defaultWho();
        }
    }

    static String defaultWho() {
        String user = System.getProperty("user.name", "unknown");
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = System.getenv().getOrDefault("HOSTNAME", "unknown-host");
        }
        return user + "@" + host;
    }

    public static String tenant(String t) {
        if (t == null || !TENANT.matcher(t).matches()) {
            throw CliException.usage("'" + t + "' is not a tenant name (1-64 letters, digits, '.', '_' or '-', "
                    + "starting with a letter or digit)");
        }
        return t;
    }

    public static String zone(String z) {
        if (z == null || !ZONE.matcher(z).matches()) {
            throw CliException.usage("'" + z + "' is not a zone name (lower-case letters, digits and '-', "
                    + "starting with a letter or digit, at most 63)");
        }
        return z;
    }

    public JsonNode get(String path) {
        return call("GET", path, Map.of());
    }

    public JsonNode post(String path, Map<String, String> params) {
        return call("POST", path, params);
    }

    /**
     * Maps the node's answers onto exit codes: unreachable 4; 400 bad input and 404 unknown tenant or zone 2; 409
     * conflict (assign with keys elsewhere, a move already running...) 3; anything else 1.
     */
    private JsonNode call(String method, String path, Map<String, String> params) {
        try {
            return method.equals("GET") ? client.get(path) : client.post(path, params);
        } catch (CliException e) {
            if (e.exitCode() == ExitCodes.UNREACHABLE) {
                throw CliException.unreachable("cannot reach the cluster through " + admin + ": " + e.getMessage()
                        + ". Check --admin HOST:PORT (or HEARTH_ADMIN) names a running node's admin port.", e);
            }
            throw e;
        } catch (AdminClient.AdminException e) {
            String m = e.getMessage();
            if (e.status() == 404 && m != null && m.startsWith("no such path")) {
                throw CliException.failed("the node at " + admin + " has no " + path + " (a Hearth version "
                        + "without tenants and zones?): " + m);
            }
            throw switch (e.status()) {
                case 400, 404 -> CliException.usage(m);
                case 409 -> CliException.unsafe(m);
                default -> CliException.failed("the node at " + admin + " answered " + method + " " + path
                        + " with " + e.status() + ": " + m);
            };
        }
    }

    // ---------------------------------------------------------------- reading the node's JSON leniently

    /** The array itself, or the array under one of {@code names} of an object. */
    public static List<JsonNode> list(JsonNode n, String... names) {
        List<JsonNode> out = new ArrayList<>();
        JsonNode arr = n;
        if (!n.isArray()) {
            arr = null;
            for (String name : names) {
                if (n.path(name).isArray()) {
                    arr = n.get(name);
                    break;
                }
            }
        }
        if (arr != null) {
            arr.forEach(out::add);
        }
        return out;
    }

    /** The first of {@code names} present and not null, or null. */
    public static JsonNode first(JsonNode n, String... names) {
        for (String name : names) {
            JsonNode v = n.get(name);
            if (v != null && !v.isNull() && !v.isMissingNode()) {
                return v;
            }
        }
        return null;
    }

    public static String text(JsonNode n, String... names) {
        JsonNode v = first(n, names);
        if (v == null) {
            return "-";
        }
        if (v.isObject()) {
            // A map such as nodeFilter: k=v,k2=v2
            List<String> parts = new ArrayList<>();
            v.fields().forEachRemaining(f -> parts.add(f.getKey() + "=" + f.getValue().asText()));
            return parts.isEmpty() ? "-" : String.join(",", parts);
        }
        if (v.isArray()) {
            List<String> parts = new ArrayList<>();
            v.forEach(x -> parts.add(x.asText()));
            return parts.isEmpty() ? "-" : String.join(",", parts);
        }
        return v.asText();
    }

    /** A field of the record itself or of its nested registry record ({@code "record": {...}}). */
    static JsonNode recordField(JsonNode n, String name) {
        JsonNode v = first(n, name);
        if (v == null && n.path("record").isObject()) {
            v = first(n.get("record"), name);
        }
        return v;
    }

    public static String recordText(JsonNode n, String name) {
        JsonNode v = recordField(n, name);
        return v == null ? "-" : v.asText();
    }

    public static String recordTime(JsonNode n, String name) {
        JsonNode v = recordField(n, name);
        if (v == null) {
            return "-";
        }
        return v.isNumber() && v.asLong() > 0
                ? Instant.ofEpochMilli(v.asLong()).truncatedTo(ChronoUnit.SECONDS).toString() : v.asText();
    }

    /** A count: a number, or the size of an array. */
    public static String count(JsonNode n, String... names) {
        JsonNode v = first(n, names);
        if (v == null) {
            return "-";
        }
        if (v.isArray()) {
            return Integer.toString(v.size());
        }
        return v.isNumber() && v.asLong() < 0 ? "?" : v.asText();
    }

    public static String bytes(JsonNode n, String... names) {
        JsonNode v = first(n, names);
        if (v == null) {
            return "-";
        }
        if (v.isNumber()) {
            return v.asLong() < 0 ? "?" : Bytes.format(v.asLong());
        }
        return v.asText();
    }

    public static String yesNo(JsonNode n, String... names) {
        JsonNode v = first(n, names);
        if (v == null) {
            return "-";
        }
        return v.isBoolean() ? (v.asBoolean() ? "yes" : "no") : v.asText();
    }

    public static String time(JsonNode n, String... names) {
        JsonNode v = first(n, names);
        if (v == null) {
            return "-";
        }
        if (v.isNumber() && v.asLong() > 0) {
            return Instant.ofEpochMilli(v.asLong()).truncatedTo(ChronoUnit.SECONDS).toString();
        }
        return v.asText();
    }

    /** Name: value lines for one record. */
    public static String fields(List<String[]> rows) {
        int w = 0;
        for (String[] r : rows) {
            w = Math.max(w, r[0].length());
        }
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            sb.append(r[0]).append(':').append(" ".repeat(w - r[0].length() + 1)).append(r[1]).append('\n');
        }
        return sb.toString();
    }

    /**
     * A move's progress as the node reports it ({@code "move": {state, from, to, passes, keysHandled, keysMoved,
     * leftoversRemoved, error, ...}}), as one line; empty if there is none.
     */
    public static String moveProgress(JsonNode t) {
        JsonNode m = first(t, "move");
        if (m == null || !m.isObject()) {
            return "";
        }
        StringBuilder sb = new StringBuilder(m.path("state").asText("?"));
        if (m.hasNonNull("from") || m.hasNonNull("to")) {
            sb.append(' ').append(m.path("from").asText("?")).append(" -> ").append(m.path("to").asText("?"));
        }
        for (String f : new String[] {"passes", "keysHandled", "keysMoved", "leftoversRemoved"}) {
            if (m.hasNonNull(f)) {
                sb.append(", ").append(f).append('=').append(m.get(f).asText());
            }
        }
        if (m.hasNonNull("error")) {
            sb.append(", error: ").append(m.get("error").asText());
        }
        return sb.toString();
    }
}
