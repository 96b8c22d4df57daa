package dev.hearth.cli.operation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.cli.CliException;
import dev.hearth.cli.http.AdminClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import picocli.CommandLine.Option;

/**
 * The two calls of the Kubernetes REST API a restart needs, over {@link HttpClient} (no Kubernetes client library):
 * read a pod ({@code GET /api/v1/namespaces/{ns}/pods/{name}}) and delete it ({@code DELETE} the same path, with
 * the pod's UID as a precondition so a pod recreated meanwhile is never deleted by mistake). A Hearth node's name is
 * its pod's name (deploy/kubernetes sets {@code HEARTH_NODE_NAME} from {@code metadata.name}); deleting the pod makes
 * the kubelet stop the node gracefully (SIGTERM) and the StatefulSet create it again under the same name.
 *
 * <p>API errors become {@link CliException}s: unreachable API exit 4, 401/403 exit 1, 404 exit 2 (the namespace or
 * the node-name-is-pod-name assumption is wrong), each with what to check.
 */
public final class KubeApi {
    /** Where a pod finds its service account's token, CA and namespace. */
    static final Path SERVICE_ACCOUNT = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");

    /** The {@code --kube-*} options of the restart commands. */
    public static final class Options {
        @Option(names = "--kube-api", paramLabel = "URL",
                description = "Restart nodes through the Kubernetes API at URL (e.g. https://kubernetes.default.svc, "
                        + "or http://127.0.0.1:8001 behind `kubectl proxy`): a node is restarted by deleting its pod "
                        + "(pod name = node name), which its StatefulSet recreates. Without it, through the node's "
                        + "admin port (hearthctl local, systemd).")
        String api;

        @Option(names = "--kube-namespace", paramLabel = "NAMESPACE",
                description = "Namespace of the pods. Default: the service account's namespace when run in a pod, "
                        + "else 'default'.")
        public String namespace;

        @Option(names = "--kube-token-file", paramLabel = "FILE",
                description = "File holding the bearer token (re-read on every call: projected tokens rotate). "
                        + "Default: the pod's service account token when run in a pod, else no token.")
        Path tokenFile;

        @Option(names = "--kube-ca", paramLabel = "FILE",
                description = "PEM file of the CA(s) that sign the API server's certificate (https). Default: the "
                        + "pod's service account CA when run in a pod, else the JVM's trusted CAs.")
        Path ca;

        /** The API to restart through, or null when {@code --kube-api} is not given. */
        public KubeApi api() {
            if (api == null) {
                if (namespace != null || tokenFile != null || ca != null) {
                    throw CliException.usage("--kube-namespace, --kube-token-file and --kube-ca need --kube-api URL");
                }
                return null;
            }
            return KubeApi.create(api, namespace, tokenFile, ca, SERVICE_ACCOUNT);
        }
    }

    private final URI base;
    private final String namespace;
    private final Path tokenFile;
    private final HttpClient http;

    private KubeApi(URI base, String namespace, Path tokenFile, HttpClient http) {
        this.base = base;
        this.namespace = namespace;
        this.tokenFile = tokenFile;
        this.http = http;
    }

    /**
     * @param serviceAccount where to look for in-cluster defaults (token, ca.crt, namespace)
     * @throws CliException usage error (exit 2) for a bad URL or a missing/unreadable file
     */
    public static KubeApi create(String url, String namespace, Path tokenFile, Path caFile, Path serviceAccount) {
        URI base;
        try {
            base = new URI(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        } catch (java.net.URISyntaxException e) {
            throw CliException.usage("--kube-api '" + url + "' is not a URL: " + e.getMessage());
        }
        if (!"http".equals(base.getScheme()) && !"https".equals(base.getScheme()) || base.getHost() == null) {
            throw CliException.usage("--kube-api '" + url + "' is not an http(s)://HOST[:PORT] URL");
        }
        String ns = namespace;
        if (ns == null) {
            Path f = serviceAccount.resolve("namespace");
            ns = Files.isReadable(f) ? read(f, "the service account namespace").trim() : "default";
        }
        if (!ns.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?") || ns.length() > 63) {
            throw CliException.usage("--kube-namespace '" + ns + "' is not a Kubernetes namespace name");
        }
        Path token = tokenFile;
        if (token == null && Files.isReadable(serviceAccount.resolve("token"))) {
            token = serviceAccount.resolve("token");
        } else if (token != null && !Files.isReadable(token)) {
            throw CliException.usage("--kube-token-file " + token + " does not exist or is not readable");
        }
        Path ca = caFile;
        if (ca == null && "https".equals(base.getScheme()) && Files.isReadable(serviceAccount.resolve("ca.crt"))) {
            ca = serviceAccount.resolve("ca.crt");
        } else if (ca != null && !Files.isReadable(ca)) {
            throw CliException.usage("--kube-ca " + ca + " does not exist or is not readable");
        }
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .version(HttpClient.Version.HTTP_1_1);
        if (ca != null) {
            b.sslContext(trusting(ca));
        }
        return new KubeApi(base, ns, token, b.build());
    }

    /** An SSL context that trusts exactly the certificates in a PEM file. */
    static SSLContext trusting(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw CliException.usage("--kube-ca " + pem + " holds no certificate");
            }
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            for (Certificate c : certs) {
                ks.setCertificateEntry("ca-" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw CliException.usage("--kube-ca " + pem + " is not a PEM certificate file: " + e.getMessage());
        }
    }

    private static String read(Path f, String what) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            throw CliException.usage("cannot read " + what + " from " + f + ": " + e.getMessage());
        }
    }

    public String namespace() {
        return namespace;
    }

    public URI base() {
        return base;
    }

    private String podPath(String pod) {
        return "/api/v1/namespaces/" + URLEncoder.encode(namespace, StandardCharsets.UTF_8) + "/pods/"
                + URLEncoder.encode(pod, StandardCharsets.UTF_8);
    }

    /** The pod's JSON. */
    public JsonNode pod(String name) {
        return call("GET", name, null);
    }

    /**
     * Deletes the pod, only if it still has this UID (a pod the StatefulSet already recreated under the same name is
     * left alone: the API answers 409). Returns once the API accepted the deletion; the pod then terminates
     * gracefully (its preStop hook, SIGTERM, up to its termination grace period).
     */
    public void deletePod(String name, String uid) {
        ObjectNode body = AdminClient.JSON.createObjectNode();
        body.put("apiVersion", "v1");
        body.put("kind", "DeleteOptions");
        if (uid != null && !uid.isEmpty()) {
            body.putObject("preconditions").put("uid", uid);
        }
        call("DELETE", name, body.toString());
    }

    private JsonNode call(String method, String pod, String body) {
        String path = podPath(pod);
        HttpRequest.Builder rb = HttpRequest.newBuilder(base.resolve(base.getPath() + path))
                .timeout(Duration.ofSeconds(15))
                .header("Accept", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            rb.header("Content-Type", "application/json");
        }
        if (tokenFile != null) {
            String token = read(tokenFile, "the Kubernetes token").trim();
            if (!token.isEmpty()) {
                rb.header("Authorization", "Bearer " + token);
            }
        }
        HttpResponse<String> r;
        try {
            r = http.send(rb.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw CliException.unreachable("the Kubernetes API at " + base + " is unreachable (" + method + " " + path
                    + "): " + AdminClient.describe(e) + ". Check --kube-api (and --kube-ca for https).", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CliException.failed("interrupted");
        }
        int code = r.statusCode();
        if (code >= 200 && code < 300) {
            try {
                return r.body() == null || r.body().isBlank() ? AdminClient.JSON.createObjectNode()
                        : AdminClient.JSON.readTree(r.body());
            } catch (IOException e) {
                throw CliException.failed("the Kubernetes API answered " + method + " " + path + " with " + code
                        + " and a body that is not JSON");
            }
        }
        String said = apiMessage(r.body());
        String what = method + " " + path;
        switch (code) {
            case 401:
                throw CliException.failed("the Kubernetes API at " + base + " rejected the credentials for " + what
                        + " (401 Unauthorized" + said + "): " + (tokenFile == null
                                ? "no token was sent; give --kube-token-file FILE"
                                : "the token in " + tokenFile + " is wrong or expired"));
            case 403:
                throw CliException.failed("the Kubernetes API at " + base + " forbids " + what + " (403 Forbidden"
                        + said + "): the token's service account needs `get` and `delete` on `pods` in namespace "
                        + namespace + " (a Role and RoleBinding: see docs/operations.md)");
            case 404:
                throw CliException.usage("no pod '" + pod + "' in namespace " + namespace + " (404 Not Found" + said
                        + "): hearthctl restarts node N by deleting pod N (deploy/kubernetes names each node after "
                        + "its pod); check --kube-namespace");
            case 409:
                throw CliException.failed("the Kubernetes API refused " + what + " (409 Conflict" + said + "): the pod "
                        + "was replaced meanwhile (its UID changed); check `hearthctl status` and run the command "
                        + "again");
            default:
                throw CliException.failed("the Kubernetes API answered " + what + " with " + code + said);
        }
    }

    /** ": message" from a Kubernetes Status body, or "" when there is none. */
    private static String apiMessage(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        try {
            String m = AdminClient.JSON.readTree(body).path("message").asText("");
            return m.isEmpty() ? "" : ": " + m;
        } catch (IOException e) {
            return "";
        }
    }
}
