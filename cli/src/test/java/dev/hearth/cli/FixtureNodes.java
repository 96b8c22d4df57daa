package dev.hearth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.hearth.cli.http.AdminClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Admin ports that answer with fixture {@code /status} documents: one HTTP server per node name on 127.0.0.1, each
 * serving a copy of {@code dev/hearth/cli/training/status.json} (a real node's answer, the one
 * {@link ClassArchiveTraining} serves too) with that node's name, admin port, members and {@code membership} as a
 * test sets them. {@code POST /admin/membership/forget} follows the node contract of
 * issue 13 (409 when present, 404 when not expected, else 200 with the new membership) so that {@code cluster forget}
 * can be run against it. For the command line's logic only: the nodes' own behaviour is tested with real nodes.
 */
final class FixtureNodes implements AutoCloseable {
    private final Map<String, HttpServer> servers = new LinkedHashMap<>();
    private final Map<String, ObjectNode> statuses = new LinkedHashMap<>();
    /** cluster.expectedSize of each node (0: not configured). */
    private final Map<String, Integer> configuredSize = new LinkedHashMap<>();
    final List<String> forgetCalls = new ArrayList<>();
    /** The Authorization header of every request, "-" when absent, as "node METHOD path: header". */
    final List<String> authorizations = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The admin token every route needs, as a node with admin.token answers (401 none, 403 wrong); null: open. */
    private volatile String token;

    FixtureNodes(String... names) throws IOException {
        this(null, names);
    }

    /**
     * @param tls when not null, every admin port speaks HTTPS with this server context and needs a client
     *        certificate (as a node with tls.enabled)
     */
    FixtureNodes(javax.net.ssl.SSLContext tls, String... names) throws IOException {
        ObjectNode template;
        try (InputStream in = FixtureNodes.class.getResourceAsStream(ClassArchiveTraining.STATUS)) {
            template = (ObjectNode) AdminClient.JSON.readTree(in);
        }
        for (String name : names) {
            HttpServer server;
            if (tls == null) {
                server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            } else {
                com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
                https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls) {
                    @Override
                    public void configure(com.sun.net.httpserver.HttpsParameters params) {
                        javax.net.ssl.SSLParameters p = tls.getDefaultSSLParameters();
                        p.setNeedClientAuth(true);
                        params.setSSLParameters(p);
                    }
                });
                server = https;
            }
            server.createContext("/", ex -> handle(name, ex));
            server.start();
            servers.put(name, server);
            ObjectNode s = template.deepCopy();
            ((ObjectNode) s.path("node")).put("name", name);
            ((ObjectNode) s.path("node").path("ports")).put("admin", port(name));
            ((ObjectNode) s.path("membership")).putArray("expected");
            statuses.put(name, s);
            configuredSize.put(name, 0);
        }
        // Healthy by default: every node sees every node and expects exactly them.
        for (String name : names) {
            topology(name, names);
        }
    }

    /** From now on every request needs {@code Authorization: Bearer <token>}. */
    FixtureNodes token(String token) {
        this.token = token;
        return this;
    }

    int port(String name) {
        return servers.get(name).getAddress().getPort();
    }

    String admin(String name) {
        return "127.0.0.1:" + port(name);
    }

    ObjectNode status(String name) {
        return statuses.get(name);
    }

    /**
     * What {@code name} sees: its members list and {@code membership.present}; its expected names stay (the union of
     * those it had and these), missing, quorum and hasQuorum are recomputed as the node would.
     */
    synchronized FixtureNodes topology(String name, String... present) {
        ObjectNode s = statuses.get(name);
        ArrayNode members = s.putArray("members");
        long order = 1;
        for (String p : present) {
            ObjectNode m = members.addObject();
            m.put("id", "id-" + p);
            m.put("name", p);
            m.put("failureDomain", "");
            m.putArray("addresses").add("127.0.0.1");
            m.put("adminPort", servers.containsKey(p) ? port(p) : 1);
            m.put("memcachedPort", 11211);
            m.put("thinClientPort", 10800);
            m.put("order", order++);
            m.put("local", p.equals(name));
        }
        ObjectNode m = (ObjectNode) s.path("membership");
        TreeSet<String> expected = new TreeSet<>(List.of(present));
        m.path("expected").forEach(e -> expected.add(e.asText()));
        m.putArray("present").addAll(new TreeSet<>(List.of(present)).stream()
                .map(p -> AdminClient.JSON.getNodeFactory().textNode(p)).toList());
        setExpected(name, expected);
        m.putArray("elsewhere");
        return this;
    }

    /** Adds a missing member that answers elsewhere to {@code name}'s membership. */
    synchronized FixtureNodes elsewhere(String name, String other, boolean hasQuorum, String... members) {
        ObjectNode e = ((ArrayNode) statuses.get(name).path("membership").path("elsewhere")).addObject();
        e.put("name", other);
        e.put("admin", admin(other));
        ArrayNode ms = e.putArray("members");
        for (String m : members) {
            ms.add(m);
        }
        e.put("hasQuorum", hasQuorum);
        return this;
    }

    synchronized FixtureNodes ready(String name, boolean ready, String reason) {
        ((ObjectNode) statuses.get(name).path("node")).put("ready", ready).put("readyReason", reason);
        return this;
    }

    synchronized FixtureNodes configuredSize(String name, int size) {
        configuredSize.put(name, size);
        setExpected(name, names(statuses.get(name).path("membership").path("expected")));
        return this;
    }

    /** The node's admin port stops answering (connection refused). */
    void down(String name) {
        servers.get(name).stop(0);
    }

    /** Removes the membership object, as a node from before issue 13 answers. */
    synchronized FixtureNodes legacy(String name) {
        statuses.get(name).remove("membership");
        return this;
    }

    synchronized List<String> expected(String name) {
        return List.copyOf(names(statuses.get(name).path("membership").path("expected")));
    }

    private void setExpected(String name, java.util.Collection<String> expected) {
        ObjectNode m = (ObjectNode) statuses.get(name).path("membership");
        TreeSet<String> present = names(m.path("present"));
        int size = Math.max(configuredSize.get(name), expected.size());
        int quorum = size / 2 + 1;
        m.putArray("expected").addAll(expected.stream().map(e -> AdminClient.JSON.getNodeFactory().textNode(e))
                .toList());
        m.put("expectedSize", size);
        m.put("quorum", quorum);
        m.putArray("missing").addAll(expected.stream().filter(e -> !present.contains(e))
                .map(e -> AdminClient.JSON.getNodeFactory().textNode(e)).toList());
        m.put("hasQuorum", present.size() >= quorum);
    }

    private static TreeSet<String> names(JsonNode array) {
        TreeSet<String> out = new TreeSet<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private void handle(String name, HttpExchange ex) throws IOException {
        int code;
        JsonNode body;
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        authorizations.add(name + " " + ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + ": "
                + (auth == null ? "-" : auth));
        String required = token;
        synchronized (this) {
            ObjectNode s = statuses.get(name);
            String path = ex.getRequestURI().getPath();
            String query = ex.getRequestURI().getQuery();
            if (required != null && auth == null) {
                code = 401;
                body = error(401, path + " needs the admin token").put("status", 401)
                        .put("message", path + " needs the admin token: send Authorization: Bearer <token>");
                ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"hearth-admin\"");
            } else if (required != null && !auth.equals("Bearer " + required)) {
                code = 403;
                body = error(403, "Forbidden").put("status", 403)
                        .put("message", "the bearer token is not this node's admin token");
            } else if (ex.getRequestMethod().equals("GET") && path.equals("/status")) {
                code = 200;
                body = s;
            } else if (ex.getRequestMethod().equals("POST") && path.equals("/admin/membership/forget")
                    && s.has("membership") && query != null && query.startsWith("node=")) {
                String node = java.net.URLDecoder.decode(query.substring(5), StandardCharsets.UTF_8);
                forgetCalls.add(name + ":" + node);
                ObjectNode m = (ObjectNode) s.path("membership");
                if (names(m.path("present")).contains(node)) {
                    code = 409;
                    body = error(409, node + " is present in the topology");
                } else if (!names(m.path("expected")).contains(node)) {
                    code = 404;
                    body = error(404, "unknown member " + node);
                } else {
                    TreeSet<String> expected = names(m.path("expected"));
                    expected.remove(node);
                    setExpected(name, expected);
                    m.put("generation", m.path("generation").asLong() + 1);
                    code = 200;
                    body = m;
                }
            } else {
                code = 404;
                body = error(404, "no such path: " + path);
            }
        }
        byte[] out = AdminClient.JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(code, out.length);
        ex.getResponseBody().write(out);
        ex.close();
    }

    /** The contract's error body for the membership route: {@code {"error": "..."}} only. */
    private static ObjectNode error(int status, String message) {
        return AdminClient.JSON.createObjectNode().put("error", message);
    }

    @Override
    public void close() {
        servers.values().forEach(s -> s.stop(0));
    }
}
