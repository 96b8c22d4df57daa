package dev.hearth.cli.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for the Kubernetes API server: a real one (and a kubelet, and a StatefulSet controller) cannot run on
 * the test machine. It serves the two calls hearthctl makes, {@code GET} and {@code DELETE /api/v1/namespaces/{ns}/
 * pods/{name}}, for pods named like the nodes of a real {@code hearthctl local} cluster, with the API's status codes
 * and {@code Status} bodies. A DELETE does what the kubelet does to a deleted pod: SIGTERM to the node's process
 * (a graceful stop); the {@code hearthctl local} supervisor then starts the node again under the same name, as the
 * StatefulSet controller recreates the pod; the pod gets a new UID. Every call is recorded, with its Authorization
 * header, and at every DELETE whether every other node was ready at that moment.
 */
final class FakeKubeApi implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern POD = Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/]+)");

    /** One call as the server saw it. */
    record Call(String method, String namespace, String pod, String authorization, String body, int status,
            boolean othersReady) {
    }

    final String namespace;
    final String token;
    final LocalClusterProcess cluster;
    final List<Call> calls = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    private final Map<String, Integer> generation = new ConcurrentHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** When true, every call is answered 403 (a service account without the RBAC rules). */
    volatile boolean forbidden;
    /** When false, pods have no StatefulSet owner (e.g. bare pods). */
    volatile boolean ownedByStatefulSet = true;

    FakeKubeApi(LocalClusterProcess cluster, String namespace, String token) throws IOException {
        this.cluster = cluster;
        this.namespace = namespace;
        this.token = token;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "fake-kube-api");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    String uid(String pod) {
        return "uid-" + pod + "-" + generation.getOrDefault(pod, 0);
    }

    private void handle(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Matcher m = POD.matcher(ex.getRequestURI().getPath());
        String ns = m.matches() ? m.group(1) : null;
        String pod = m.matches() ? m.group(2) : null;
        boolean othersReady = false;
        int status;
        JsonNode answer;
        if (!("Bearer " + token).equals(auth)) {
            status = 401;
            answer = statusBody(401, "Unauthorized", "Unauthorized");
        } else if (forbidden) {
            status = 403;
            answer = statusBody(403, "Forbidden", "pods \"" + pod + "\" is forbidden: User "
                    + "\"system:serviceaccount:" + ns + ":ops\" cannot " + method.toLowerCase() + " resource \"pods\" "
                    + "in API group \"\" in the namespace \"" + ns + "\"");
        } else if (pod == null || !namespace.equals(ns) || nodeIndex(pod) < 0) {
            status = 404;
            answer = statusBody(404, "NotFound", "pods \"" + pod + "\" not found");
        } else if (method.equals("GET")) {
            status = 200;
            answer = pod(pod);
        } else if (method.equals("DELETE")) {
            JsonNode opts = body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
            String precondition = opts.path("preconditions").path("uid").asText(null);
            if (precondition != null && !precondition.equals(uid(pod))) {
                status = 409;
                answer = statusBody(409, "Conflict", "Precondition failed: UID in precondition: " + precondition
                        + ", UID in object meta: " + uid(pod));
            } else {
                othersReady = othersReady(pod);
                answer = pod(pod);
                terminate(pod);
                generation.merge(pod, 1, Integer::sum);
                status = 200;
            }
        } else {
            status = 405;
            answer = statusBody(405, "MethodNotAllowed", "the server does not allow this method");
        }
        calls.add(new Call(method, ns, pod, auth, body, status, othersReady));
        byte[] out = JSON.writeValueAsBytes(answer);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, out.length);
        ex.getResponseBody().write(out);
        ex.close();
    }

    private int nodeIndex(String pod) {
        for (int i = 0; i < cluster.nodes; i++) {
            if (pod.equals("n" + i)) {
                return i;
            }
        }
        return -1;
    }

    private ObjectNode pod(String name) {
        ObjectNode p = JSON.createObjectNode();
        p.put("apiVersion", "v1");
        p.put("kind", "Pod");
        ObjectNode meta = p.putObject("metadata");
        meta.put("name", name);
        meta.put("namespace", namespace);
        meta.put("uid", uid(name));
        if (ownedByStatefulSet) {
            meta.putArray("ownerReferences").addObject().put("apiVersion", "apps/v1").put("kind", "StatefulSet")
                    .put("name", "hearth").put("controller", true);
        }
        return p;
    }

    private static ObjectNode statusBody(int code, String reason, String message) {
        ObjectNode s = JSON.createObjectNode();
        s.put("kind", "Status");
        s.put("apiVersion", "v1");
        s.put("status", "Failure");
        s.put("message", message);
        s.put("reason", reason);
        s.put("code", code);
        return s;
    }

    /** The kubelet's part: SIGTERM to the pod's process (the node stops gracefully and exits). */
    private void terminate(String pod) throws IOException {
        long pid = pid(pod);
        ProcessHandle.of(pid).ifPresentOrElse(ProcessHandle::destroy, () -> {
            throw new IllegalStateException("no process " + pid + " for pod " + pod);
        });
    }

    long pid(String pod) throws IOException {
        JsonNode state = JSON.readTree(Files.readString(cluster.dir.resolve("hearth-local.json")));
        for (JsonNode n : state.path("nodes")) {
            if (n.path("name").asText().equals(pod)) {
                return n.path("pid").asLong();
            }
        }
        throw new IllegalStateException("no node " + pod + " in the local cluster's state");
    }

    private boolean othersReady(String pod) {
        for (int i = 0; i < cluster.nodes; i++) {
            if (pod.equals("n" + i)) {
                continue;
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + cluster.adminPort(i) + "/health/ready")).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() != 200) {
                    return false;
                }
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    List<Call> deletes() {
        return calls.stream().filter(c -> c.method().equals("DELETE")).toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    static Path tokenFile(Path dir, String token) throws IOException {
        Path f = dir.resolve("kube-token");
        Files.writeString(f, token + "\n");
        return f;
    }
}
