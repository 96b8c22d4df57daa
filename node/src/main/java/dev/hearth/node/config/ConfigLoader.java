package dev.hearth.node.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.hearth.node.auth.UserList;
import dev.hearth.tls.PemException;
import dev.hearth.tls.TlsMaterial;
import dev.hearth.wire.Durations;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Builds a {@link HearthConfig} from, in increasing precedence: the bundled defaults, one YAML file, {@code HEARTH_*}
 * env vars and {@code --set key=value} overrides. Every failure is a {@link ConfigException} naming the key.
 */
public final class ConfigLoader {
    /** Env vars the scripts and hearthctl use; they are not config keys. */
    private static final Set<String> NON_CONFIG_ENV =
            Set.of("HEARTH_HOME", "HEARTH_JAVA_OPTS", "HEARTH_ADMIN", "HEARTH_CONFIG", "HEARTH_OUTPUT",
                    "HEARTH_TOKEN", "HEARTH_CACERT", "HEARTH_CERT", "HEARTH_KEY", "HEARTH_CLASS_ARCHIVE",
                    "HEARTH_MEMORY_LIMIT");
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    static final Pattern TENANT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    static final Pattern ZONE_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final Set<String> LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR");

    private final ObjectMapper yaml;
    private final List<String> warnings = new ArrayList<>();

    public ConfigLoader() {
        SimpleModule durations = new SimpleModule("hearth-durations");
        durations.addDeserializer(Duration.class, new JsonDeserializer<>() {
            @Override
            public Duration deserialize(com.fasterxml.jackson.core.JsonParser p, DeserializationContext ctx)
                    throws IOException {
                try {
                    return Durations.parse(p.getValueAsString());
                } catch (IllegalArgumentException e) {
                    throw InvalidFormatException.from(p, e.getMessage(), p.getText(), Duration.class);
                }
            }
        });
        yaml = new ObjectMapper(new YAMLFactory())
                .registerModule(durations)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /** Notes about ignored input (e.g. an env var that names no key), for the node to log. */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    public HearthConfig load(Path file, Map<String, String> env, List<String> sets) {
        ObjectNode tree = defaults();
        Map<String, String> envKeys = envKeys(tree);
        if (file != null) {
            merge(tree, readFile(file), "");
        }
        applyEnv(tree, env, envKeys);
        for (String set : sets) {
            int eq = set.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException(null, "--set expects key=value, got '" + set + "'");
            }
            put(tree, set.substring(0, eq).trim(), set.substring(eq + 1));
        }
        HearthConfig bound = bind(tree);
        HearthConfig valid = validate(withDerivedDefaults(bound));
        checkSaslTransport(valid.memcached(), tlsEnabled(tree));
        return valid;
    }

    /**
     * Whether TLS is on (key {@code tls.enabled}), read from the merged tree so that this check does not depend on
     * how the tls section is bound; false while the section does not exist.
     */
    private static boolean tlsEnabled(ObjectNode tree) {
        return tree.path("tls").path("enabled").asBoolean(false);
    }

    /**
     * tenantMode authenticated without TLS: with memcached.saslOverPlaintext false no client could ever authenticate
     * (SASL is refused on every connection), so that is a config error; with it true passwords cross the network in
     * cleartext, which is allowed but warned about (and logged again by the memcached listener).
     */
    private void checkSaslTransport(HearthConfig.Memcached mc, boolean tls) {
        if (!mc.enabled() || !mc.tenantMode().equals("authenticated") || tls) {
            return;
        }
        if (!mc.saslOverPlaintext()) {
            throw new ConfigException("memcached.saslOverPlaintext", "tenantMode authenticated needs TLS for SASL "
                    + "(tls.enabled=true), or memcached.saslOverPlaintext=true to accept passwords in cleartext");
        }
        warnings.add("memcached.saslOverPlaintext=true without TLS: SASL passwords cross the network in cleartext");
    }

    private ObjectNode defaults() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream("/hearth-defaults.yaml")) {
            return (ObjectNode) yaml.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("the bundled hearth-defaults.yaml is unreadable", e);
        }
    }

    private JsonNode readFile(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(null, "cannot read config file " + file + ": " + e);
        }
        try {
            JsonNode node = yaml.readTree(text);
            if (node == null || node.isMissingNode() || node.isNull()) {
                return JsonNodeFactory.instance.objectNode();
            }
            if (!node.isObject()) {
                throw new ConfigException(null, "config file " + file + " must be a YAML mapping of sections");
            }
            return node;
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            throw new ConfigException(null, "config file " + file + " is not valid YAML"
                    + (loc == null ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")")
                    + ": " + e.getOriginalMessage());
        }
    }

    /** Deep merge: mappings merge key by key, anything else replaces. */
    private static void merge(ObjectNode target, JsonNode source, String prefix) {
        Iterator<Map.Entry<String, JsonNode>> it = source.fields();
        while (it.hasNext()) {
            var e = it.next();
            JsonNode existing = target.get(e.getKey());
            if (existing instanceof ObjectNode obj && e.getValue().isObject()) {
                merge(obj, e.getValue(), prefix + e.getKey() + ".");
            } else {
                target.set(e.getKey(), e.getValue());
            }
        }
    }

    /** HEARTH_PORTS_ADMIN -> ports.admin, for every leaf of the defaults except the per-zone ones. */
    private static Map<String, String> envKeys(ObjectNode defaults) {
        Map<String, String> out = new TreeMap<>();
        collectLeaves(defaults, "", out);
        return out;
    }

    private static void collectLeaves(JsonNode node, String path, Map<String, String> out) {
        if (path.equals("memcached.users") || path.equals("node.attributes") || path.equals("admin.tokens")) {
            return;
        }
        if (node.isObject() && !path.equals("zones")) {
            node.fields().forEachRemaining(e -> collectLeaves(e.getValue(),
                    path.isEmpty() ? e.getKey() : path + "." + e.getKey(), out));
        } else if (!path.equals("zones")) {
            out.put(envName(path), path);
        }
    }

    static String envName(String path) {
        return "HEARTH_" + path.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('.', '_').toUpperCase(Locale.ROOT);
    }

    private void applyEnv(ObjectNode tree, Map<String, String> env, Map<String, String> envKeys) {
        for (var e : new TreeMap<>(env).entrySet()) {
            String name = e.getKey();
            if (!name.startsWith("HEARTH_") || NON_CONFIG_ENV.contains(name)) {
                continue;
            }
            String path = envKeys.get(name);
            if (path == null && name.startsWith("HEARTH_ZONES_")) {
                String rest = name.substring("HEARTH_ZONES_".length());
                for (String leaf : List.of("MEMORY", "BACKUPS")) {
                    if (rest.endsWith("_" + leaf) && rest.length() > leaf.length() + 1) {
                        String zone = rest.substring(0, rest.length() - leaf.length() - 1)
                                .toLowerCase(Locale.ROOT).replace('_', '-');
                        path = "zones." + zone + "." + leaf.toLowerCase(Locale.ROOT);
                    }
                }
            }
            if (path == null) {
                warnings.add("env var " + name + " names no config key; ignored");
                continue;
            }
            put(tree, path, e.getValue());
        }
    }

    /** Sets one dotted key. Lists take comma-separated values; scalars are coerced when bound. */
    private static void put(ObjectNode tree, String path, String value) {
        String[] parts = path.split("\\.");
        ObjectNode at = tree;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode next = at.get(parts[i]);
            if (next == null && parts[0].equals("zones")
                    && (i == 1 || (i == 2 && parts[2].equals("nodeFilter")))) {
                next = at.putObject(parts[i]);
            }
            if (!(next instanceof ObjectNode obj)) {
                throw new ConfigException(path, "no such key (" + String.join(".", List.of(parts).subList(0, i + 1))
                        + " is not a section)");
            }
            at = obj;
        }
        String leaf = parts[parts.length - 1];
        JsonNode current = at.get(leaf);
        if (current instanceof ArrayNode) {
            ArrayNode list = at.putArray(leaf);
            for (String item : value.split(",")) {
                if (!item.isBlank()) {
                    list.add(item.trim());
                }
            }
        } else if (current instanceof ObjectNode) {
            throw new ConfigException(path, "is a section; set one of its keys: " + keysOf(current));
        } else {
            at.set(leaf, TextNode.valueOf(value));
        }
    }

    private HearthConfig bind(ObjectNode tree) {
        try {
            return yaml.treeToValue(tree, HearthConfig.class);
        } catch (UnrecognizedPropertyException e) {
            String key = pathOf(e);
            List<String> known = e.getKnownPropertyIds() == null ? List.of()
                    : e.getKnownPropertyIds().stream().map(String::valueOf).sorted().toList();
            throw new ConfigException(key, "unknown key; allowed here: " + String.join(", ", known));
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new ConfigException(pathOf(e), cause.getMessage());
        } catch (InvalidFormatException e) {
            String msg = e.getOriginalMessage();
            if (e.getTargetType() == int.class || e.getTargetType() == Integer.class) {
                msg = "'" + e.getValue() + "' is not a whole number";
            }
            throw new ConfigException(pathOf(e), msg);
        } catch (JsonMappingException e) {
            throw new ConfigException(pathOf(e), "wrong type: " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw new ConfigException(null, e.getOriginalMessage());
        }
    }

    private static String pathOf(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    private static String keysOf(JsonNode node) {
        List<String> keys = new ArrayList<>();
        node.fieldNames().forEachRemaining(keys::add);
        return String.join(", ", keys);
    }

    private static HearthConfig withDerivedDefaults(HearthConfig c) {
        Map<String, HearthConfig.Zone> zones = new LinkedHashMap<>();
        zones.put("default", new HearthConfig.Zone(null, null, null));
        if (c.zones() != null) {
            c.zones().forEach((name, z) -> zones.put(name, z == null ? new HearthConfig.Zone(null, null, null) : z));
        }
        zones.replaceAll((name, z) -> new HearthConfig.Zone(
                z.memory() != null ? z.memory() : c.memory().defaultZoneBudget(),
                z.backups() != null ? z.backups() : 1,
                z.nodeFilter() != null ? Map.copyOf(z.nodeFilter()) : Map.of()));
        HearthConfig.Node node = c.node();
        Map<String, String> attributes = node.attributes() == null ? Map.of() : Map.copyOf(node.attributes());
        node = new HearthConfig.Node(node.name() == null || node.name().isBlank()
                ? defaultName(c.ports().discovery()) : node.name(), node.failureDomain(), node.dataDir(), attributes);
        return new HearthConfig(node, c.cluster(), c.ports(), c.memory(), Map.copyOf(zones), c.memcached(),
                c.dump(), c.warmup(), c.logging(), c.shutdown(), c.testing(), c.tenants(), c.localCopy(), c.admin(),
                c.tls());
    }

    private static String defaultName(int discoveryPort) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "hearth";
        }
        host = host.replaceAll("[^A-Za-z0-9._-]", "-");
        if (host.isEmpty() || !Character.isLetterOrDigit(host.charAt(0))) {
            host = "hearth" + host;
        }
        String suffix = discoveryPort != 0 ? Integer.toString(discoveryPort)
                : Long.toString(System.nanoTime() & 0xffffff, 36);
        String name = host + "-" + suffix;
        return name.length() > 63 ? name.substring(name.length() - 63) : name;
    }

    private static HearthConfig validate(HearthConfig c) {
        validateNode(c.node());
        validateCluster(c.cluster());
        validateSecret(c.cluster());
        validateTls(c.tls());
        validatePorts(c.ports());
        validateMemory(c.memory());
        validateZones(c);
        validateTenants(c);
        validateMemcached(c.memcached(), c.memory());
        validateData(c);
        validateAdmin(c.admin());
        return c;
    }

    private static void validateNode(HearthConfig.Node n) {
        require(n.name(), NAME, "node.name", "1-63 letters, digits, '.', '_' or '-'");
        if (!n.failureDomain().isEmpty()) {
            require(n.failureDomain(), NAME, "node.failureDomain",
                    "empty, or 1-63 letters, digits, '.', '_' or '-'");
        }
        nonBlank(n.dataDir(), "node.dataDir");
        for (var a : n.attributes().entrySet()) {
            require(a.getKey(), NAME, "node.attributes." + a.getKey(),
                    "an attribute name of 1-63 letters, digits, '.', '_' or '-'");
            require(a.getValue(), NAME, "node.attributes." + a.getKey(),
                    "a value of 1-63 letters, digits, '.', '_' or '-'");
        }
    }

    private static void validateCluster(HearthConfig.Cluster cl) {
        require(cl.name(), NAME, "cluster.name", "1-63 letters, digits, '.', '_' or '-'");
        oneOf(cl.discovery(), "cluster.discovery", Set.of("static", "kubernetes"));
        nonBlank(cl.bindAddress(), "cluster.bindAddress");
        if (cl.discovery().equals("static")) {
            if (cl.addresses() == null || cl.addresses().isEmpty()) {
                throw new ConfigException("cluster.addresses", "static discovery needs at least one address");
            }
            for (String a : cl.addresses()) {
                if (!a.matches("[^\\s:]+:\\d{1,5}(\\.\\.\\d{1,5})?")) {
                    throw new ConfigException("cluster.addresses",
                            "'" + a + "' is not host:port or host:port1..port2");
                }
            }
        } else {
            nonBlank(cl.kubernetes().namespace(), "cluster.kubernetes.namespace");
            nonBlank(cl.kubernetes().service(), "cluster.kubernetes.service");
        }
        atLeast(cl.failureDetectionTimeout(), Duration.ofMillis(500), "cluster.failureDetectionTimeout");
        if (!cl.workerBlockedTimeout().isZero()) {
            atLeast(cl.workerBlockedTimeout(), Duration.ofSeconds(5), "cluster.workerBlockedTimeout");
        }
        if (!cl.stuckExchangeTimeout().isZero()) {
            atLeast(cl.stuckExchangeTimeout(), Duration.ofSeconds(10), "cluster.stuckExchangeTimeout");
        }
        if (cl.expectedSize() < 0 || cl.expectedSize() > 1000) {
            throw new ConfigException("cluster.expectedSize", "must be 0 (learned) or a number of nodes up to 1000");
        }
        inRange(cl.stripedPoolSize(), 0, 256, "cluster.stripedPoolSize");
        inRange(cl.communicationSelectors(), 0, 64, "cluster.communicationSelectors");
        if (cl.rebalanceBatchSize().bytes() < 1024) {
            throw new ConfigException("cluster.rebalanceBatchSize", "must be at least 1k");
        }
    }

    private static void validatePorts(HearthConfig.Ports p) {
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("ports.discovery", p.discovery());
        ports.put("ports.communication", p.communication());
        ports.put("ports.thinClient", p.thinClient());
        ports.put("ports.memcached", p.memcached());
        ports.put("ports.admin", p.admin());
        Map<Integer, String> seen = new TreeMap<>();
        for (var e : ports.entrySet()) {
            int port = e.getValue();
            if (port < 0 || port > 65535) {
                throw new ConfigException(e.getKey(), port + " is not a port (0-65535; 0 = pick a free one)");
            }
            if (port != 0 && seen.putIfAbsent(port, e.getKey()) != null) {
                throw new ConfigException(e.getKey(), "port " + port + " is already used by " + seen.get(port));
            }
        }
    }

    private static void validateMemory(HearthConfig.Memory m) {
        if (m.heap().bytes() < (128L << 20)) {
            throw new ConfigException("memory.heap", "must be at least 128m");
        }
        if (m.directMemory().bytes() < (32L << 20)) {
            throw new ConfigException("memory.directMemory", "must be at least 32m");
        }
        if (m.systemRegion().bytes() < (16L << 20)) {
            throw new ConfigException("memory.systemRegion", "must be at least 16m");
        }
    }

    private static void validateZones(HearthConfig c) {
        for (var z : c.zones().entrySet()) {
            String key = "zones." + z.getKey();
            require(z.getKey(), ZONE_NAME, key, "a zone name of 1-63 lower-case letters, digits or '-'");
            if (z.getValue().memory().bytes() < (16L << 20)) {
                throw new ConfigException(key + ".memory", "must be at least 16m (Ignite's smallest region)");
            }
            inRange(z.getValue().backups(), 0, 3, key + ".backups");
            for (var f : z.getValue().nodeFilter().entrySet()) {
                require(f.getKey(), NAME, key + ".nodeFilter." + f.getKey(),
                        "a node attribute name (node.attributes) of 1-63 letters, digits, '.', '_' or '-'");
                require(f.getValue(), NAME, key + ".nodeFilter." + f.getKey(),
                        "an attribute value of 1-63 letters, digits, '.', '_' or '-'");
            }
        }
    }

    /** The tenants' defaults, against the configured zones. */
    private static void validateTenants(HearthConfig c) {
        var t = c.tenants();
        if (!t.placement().equals("hash") && !c.zones().containsKey(t.placement())) {
            throw new ConfigException("tenants.placement", "'" + t.placement() + "' is neither 'hash' nor a "
                    + "configured zone; zones: " + String.join(", ", new TreeMap<>(c.zones()).keySet()));
        }
        oneOf(t.maintenanceMode(), "tenants.maintenanceMode", Set.of("miss", "reject"));
        inRange(t.metricsTenants(), 0, 1000, "tenants.metricsTenants");
    }

    /** The memcached endpoint, its bounds (against the heap) and its users. */
    private static void validateMemcached(HearthConfig.Memcached mc, HearthConfig.Memory memory) {
        oneOf(mc.tenantMode(), "memcached.tenantMode", Set.of("prefix", "fixed", "authenticated"));
        if (!NAME.matcher(mc.tenant()).matches() || mc.tenant().contains(":")) {
            throw new ConfigException("memcached.tenant", "'" + mc.tenant() + "' is not a tenant name "
                    + "(1-63 letters, digits, '.', '_' or '-')");
        }
        if (mc.maxItemSize().bytes() < 1024 || mc.maxItemSize().bytes() > (128L << 20)) {
            throw new ConfigException("memcached.maxItemSize", "must be between 1k and 128m");
        }
        // Whole values pass through the heap: rebalance messages, warm-up chunks, thin-client requests. A 128m node
        // with 1m values ran out of heap while its partitions came back, after each restart (HeapExhaustionIT).
        long minHeap = (128L << 20) + 128 * mc.maxItemSize().bytes();
        if (memory.heap().bytes() < minHeap) {
            throw new ConfigException("memory.heap", "must be at least 128m + 128 x memcached.maxItemSize ("
                    + (minHeap >> 20) + "m for a maxItemSize of " + mc.maxItemSize().bytes() + " bytes): whole values "
                    + "pass through the heap when partitions move and warm up");
        }
        if (mc.maxConnections() < 1) {
            throw new ConfigException("memcached.maxConnections", "must be at least 1");
        }
        atLeast(mc.operationTimeout(), Duration.ofMillis(100), "memcached.operationTimeout");
        // A connection must be able to hold one largest value (its key and the words around it), or a get of it
        // would wait for ever; the node's budget at least one connection's.
        long oneValue = mc.maxItemSize().bytes() + 1024;
        if (mc.connectionOutput().bytes() < oneValue) {
            throw new ConfigException("memcached.connectionOutput", "must be at least memcached.maxItemSize + 1k ("
                    + oneValue + " bytes)");
        }
        if (mc.outputMemory().bytes() < mc.connectionOutput().bytes()) {
            throw new ConfigException("memcached.outputMemory", "must be at least memcached.connectionOutput ("
                    + mc.connectionOutput().bytes() + " bytes)");
        }
        // One largest set held in a buffer rounded up to twice its size, and a second one arriving.
        if (mc.inputMemory().bytes() < 4 * mc.maxItemSize().bytes()) {
            throw new ConfigException("memcached.inputMemory", "must be at least 4 x memcached.maxItemSize ("
                    + 4 * mc.maxItemSize().bytes() + " bytes)");
        }
        atLeast(mc.slowReaderTimeout(), Duration.ZERO, "memcached.slowReaderTimeout");
        atLeast(mc.requestTimeout(), Duration.ZERO, "memcached.requestTimeout");
        if (!mc.readFailoverAfter().isZero() && mc.readFailoverAfter().compareTo(mc.operationTimeout()) >= 0) {
            throw new ConfigException("memcached.readFailoverAfter", "must be 0s (off) or shorter than "
                    + "memcached.operationTimeout (" + mc.operationTimeout().toMillis() + " ms)");
        }
        for (var user : mc.users().entrySet()) {
            if (!TENANT_NAME.matcher(user.getKey()).matches()) {
                throw new ConfigException("memcached.users." + user.getKey(), "a user is a tenant name: 1-64 "
                        + "letters, digits, '.', '_' or '-', starting with a letter or digit");
            }
            try {
                UserList.check(user.getKey(), user.getValue() == null ? "" : user.getValue(),
                        "memcached.users." + user.getKey());
            } catch (IllegalArgumentException e) {
                throw new ConfigException("memcached.users." + user.getKey(), e.getMessage());
            }
        }
        int fileUsers = 0;
        if (!mc.usersFile().isEmpty()) {
            if (!mc.users().isEmpty()) {
                throw new ConfigException("memcached.usersFile", "set memcached.usersFile or memcached.users, not "
                        + "both (users: " + String.join(", ", new TreeMap<>(mc.users()).keySet()) + ")");
            }
            try {
                fileUsers = UserList.parse(Files.readString(Path.of(mc.usersFile()))).size();
            } catch (IOException e) {
                throw new ConfigException("memcached.usersFile", "cannot read " + mc.usersFile() + ": " + e);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("memcached.usersFile", mc.usersFile() + ", " + e.getMessage());
            }
        }
        if (mc.tenantMode().equals("authenticated") && mc.users().isEmpty() && fileUsers == 0) {
            throw new ConfigException("memcached.users", "tenantMode authenticated needs at least one user "
                    + "(memcached.users or memcached.usersFile)");
        }
        inRange(mc.maxAuthFailures(), 1, 100, "memcached.maxAuthFailures");
        inRange(mc.ioThreads(), 0, 256, "memcached.ioThreads");
    }

    /** Dumps, warm-up, local copies, logging and shutdown. */
    private static void validateData(HearthConfig c) {
        if (c.dump().keep() < 1) {
            throw new ConfigException("dump.keep", "must be at least 1");
        }
        if (c.dump().interval().isNegative() || (!c.dump().interval().isZero()
                && c.dump().interval().compareTo(Duration.ofMinutes(1)) < 0)) {
            throw new ConfigException("dump.interval", "must be 0s (off) or at least 1m");
        }
        if (c.warmup().rate() < 0) {
            throw new ConfigException("warmup.rate", "must be 0 (unlimited) or a positive number of entries/s");
        }
        atLeast(c.warmup().batchTimeout(), Duration.ofSeconds(2), "warmup.batchTimeout");
        if (c.warmup().readLatencyTarget().isNegative()) {
            throw new ConfigException("warmup.readLatencyTarget", "must be 0s (no adaptation) or a positive duration");
        }
        atLeast(c.localCopy().interval(), Duration.ofSeconds(1), "localCopy.interval");
        atLeast(c.localCopy().finalWriteTimeout(), Duration.ofSeconds(1), "localCopy.finalWriteTimeout");
        oneOf(c.logging().format(), "logging.format", Set.of("pattern", "json"));
        oneOf(c.logging().level().toUpperCase(Locale.ROOT), "logging.level", LEVELS);
        atLeast(c.shutdown().timeout(), Duration.ofSeconds(1), "shutdown.timeout");
    }

    private static void validateAdmin(HearthConfig.Admin a) {
        if (a.token() != null && a.tokenFile() != null) {
            throw new ConfigException("admin.tokenFile", "set admin.token or admin.tokenFile, not both");
        }
        Map<String, String> named = a.tokens() == null ? Map.of() : a.tokens();
        if (!named.isEmpty() && a.token() == null && a.tokenFile() == null) {
            throw new ConfigException("admin.tokens", "needs admin.token or admin.tokenFile too: the cluster's own "
                    + "token, which the nodes send each other");
        }
        for (var e : named.entrySet()) {
            String key = "admin.tokens." + e.getKey();
            require(e.getKey(), NAME, key, "a name of 1-63 letters, digits, '.', '_' or '-'");
            if (e.getKey().equals("anonymous")) {
                throw new ConfigException(key, "'anonymous' is what the audit log calls a caller without a token");
            }
            try {
                SecretFiles.checkToken(e.getValue());
            } catch (IllegalArgumentException ex) {
                throw new ConfigException(key, ex.getMessage());
            }
        }
        if (a.token() != null && named.containsValue(a.token())) {
            throw new ConfigException("admin.tokens", "a named token equals admin.token: the audit log could not "
                    + "tell them apart");
        }
        if (a.token() != null) {
            try {
                SecretFiles.checkToken(a.token());
            } catch (IllegalArgumentException e) {
                throw new ConfigException("admin.token", e.getMessage());
            }
        }
        if (a.tokenFile() != null) {
            if (a.tokenFile().isBlank()) {
                throw new ConfigException("admin.tokenFile", "must not be empty (leave it unset for no token file)");
            }
            try {
                SecretFiles.readToken(Path.of(a.tokenFile()));
            } catch (IOException | IllegalArgumentException e) {
                throw new ConfigException("admin.tokenFile", e.getMessage());
            }
        }
    }

    /** Shortest cluster secret accepted: a guessable one would let any host that reaches discovery join. */
    static final int MIN_SECRET_CHARS = 16;

    private static void validateSecret(HearthConfig.Cluster cl) {
        if (!cl.secret().isEmpty() && !cl.secretFile().isEmpty()) {
            throw new ConfigException("cluster.secretFile", "set either cluster.secret or cluster.secretFile, "
                    + "not both");
        }
        String secret = cl.secret();
        String key = "cluster.secret";
        if (!cl.secretFile().isEmpty()) {
            key = "cluster.secretFile";
            secret = readSecretFile(cl.secretFile());
        }
        if (!secret.isEmpty() && secret.strip().length() < MIN_SECRET_CHARS) {
            throw new ConfigException(key, "the cluster secret must be at least " + MIN_SECRET_CHARS
                    + " characters (e.g. openssl rand -hex 32)");
        }
    }

    /**
     * The cluster secret of {@code cl}: {@code cluster.secret}, or the content of {@code cluster.secretFile} without
     * surrounding white space (a trailing newline is not part of it); empty when neither is set.
     */
    public static String clusterSecret(HearthConfig.Cluster cl) {
        return cl.secretFile().isEmpty() ? cl.secret().strip() : readSecretFile(cl.secretFile());
    }

    private static String readSecretFile(String file) {
        String text;
        try {
            text = Files.readString(Path.of(file)).strip();
        } catch (IOException e) {
            throw new ConfigException("cluster.secretFile", "cannot read " + file + ": " + e);
        }
        if (text.isEmpty()) {
            throw new ConfigException("cluster.secretFile", file + " is empty");
        }
        return text;
    }

    private static void validateTls(HearthConfig.Tls tls) {
        atLeast(tls.reloadInterval(), Duration.ofSeconds(1), "tls.reloadInterval");
        if (!tls.enabled()) {
            return;
        }
        // The CA is required, not optional: Ignite's discovery and communication always demand a client
        // certificate of the peer, so a node without a CA could trust no other node.
        Map<String, String> files = new LinkedHashMap<>();
        files.put("tls.certFile", tls.certFile());
        files.put("tls.keyFile", tls.keyFile());
        files.put("tls.caFile", tls.caFile());
        for (var f : files.entrySet()) {
            if (f.getValue().isEmpty()) {
                throw new ConfigException(f.getKey(), "must be set when tls.enabled is true (tls.certFile and "
                        + "tls.keyFile: this node's certificate and PKCS#8 key; tls.caFile: the cluster CA that "
                        + "signs every node's and client's certificate)");
            }
            if (!Files.isReadable(Path.of(f.getValue()))) {
                throw new ConfigException(f.getKey(), f.getValue() + " does not exist or is not readable");
            }
        }
        // Read them now, so that --check finds a wrong format or a key of another certificate, not the start.
        try {
            TlsMaterial.load(Path.of(tls.certFile()), Path.of(tls.keyFile()), Path.of(tls.caFile()));
        } catch (PemException e) {
            String key = "tls";
            for (var f : files.entrySet()) {
                if (e.getMessage().startsWith(f.getValue())) {
                    key = f.getKey();
                }
            }
            throw new ConfigException(key, e.getMessage());
        }
    }

    private static void require(String value, Pattern pattern, String key, String allowed) {
        if (value == null || !pattern.matcher(value).matches()) {
            throw new ConfigException(key, "'" + value + "' is not allowed; expected " + allowed);
        }
    }

    private static void nonBlank(String value, String key) {
        if (value == null || value.isBlank()) {
            throw new ConfigException(key, "must not be empty");
        }
    }

    private static void oneOf(String value, String key, Set<String> allowed) {
        if (!allowed.contains(value)) {
            throw new ConfigException(key, "'" + value + "' is not allowed; expected one of "
                    + allowed.stream().sorted().collect(Collectors.joining(", ")));
        }
    }

    private static void inRange(int value, int min, int max, String key) {
        if (value < min || value > max) {
            throw new ConfigException(key, value + " is out of range (" + min + "-" + max + ")");
        }
    }

    private static void atLeast(Duration value, Duration min, String key) {
        if (value == null || value.compareTo(min) < 0) {
            throw new ConfigException(key, "must be at least " + Durations.format(min));
        }
    }
}
