package dev.hearth.cli.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hearth.cli.CliException;
import dev.hearth.cli.ExitCodes;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;

/**
 * One node's admin HTTP port: GET/POST returning JSON. A node that does not answer is a {@link CliException} with
 * exit code 4; a node that refuses the admin token (401, 403) is an {@link Unauthorised} (exit 6); a node that
 * answers with another error status is an {@link AdminException} carrying the node's own
 * {@code {error, status, message}}.
 *
 * <p>Every request carries {@code Authorization: Bearer <token>} when a token is set: the client's own, else the
 * process-wide one of {@link #useToken} (one hearthctl command per process: {@link Main} sets it from
 * {@code --token} / {@code HEARTH_TOKEN} before the command runs).
 */
public final class AdminClient {
    public static final ObjectMapper JSON = new ObjectMapper();
    /**
     * HttpURLConnection, not java.net.http's client: hearthctl makes a few short calls per run, and building that
     * client (its selector thread, the JDK's default TLS context even for plain HTTP) was a fifth of a status call.
     * Its keep-alive cache still reuses each node's connection within a run.
     */
    private static volatile SSLSocketFactory tls;
    private static volatile String scheme = "http://";
    private static final int CONNECT_TIMEOUT_MILLIS = 3000;

    /**
     * Every admin call of this process from now on goes over HTTPS with {@code tls} (hearthctl's --cacert, --cert,
     * --key, or an https:// --admin): every node of a cluster speaks the same scheme (tls.enabled). Host names are
     * checked against the node certificates.
     */
    public static void useTls(SSLContext context) {
        tls = context.getSocketFactory();
        scheme = "https://";
    }

    /** Every admin call of this process from now on goes over plain HTTP (the default). */
    public static void usePlainHttp() {
        tls = null;
        scheme = "http://";
    }

    private static volatile String defaultToken;

    private final String address;
    private final Duration timeout;
    private final String token;

    /**
     * @param address host:port of a node's admin port
     * @param token the admin token to send, or null for {@link #useToken the process-wide one}
     */
    public AdminClient(String address, Duration timeout, String token) {
        this.address = address;
        this.timeout = timeout;
        this.token = token;
    }

    /** @param address host:port of a node's admin port */
    public AdminClient(String address, Duration timeout) {
        this(address, timeout, null);
    }

    /** Sets the token every client without its own sends from now on (null: none). */
    public static void useToken(String token) {
        defaultToken = token == null || token.isEmpty() ? null : token;
    }

    /** A node refused the admin token: none was sent (401) or it is not the node's (403). Exit 6. */
    public static final class Unauthorised extends CliException {
        Unauthorised(String message) {
            super(ExitCodes.UNAUTHORISED, message);
        }
    }

    public AdminClient(String address) {
        this(address, Duration.ofSeconds(15));
    }

    public String address() {
        return address;
    }

    /** A node's answer with an HTTP error status. */
    public static final class AdminException extends RuntimeException {
        private final int status;

        AdminException(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    /** Parses and checks host:port; throws a usage error otherwise. */
    public static String checkAddress(String address, String what) {
        int colon = address == null ? -1 : address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw CliException.usage(what + " '" + address + "' is not HOST:PORT (e.g. 127.0.0.1:8080)");
        }
        try {
            int port = Integer.parseInt(address.substring(colon + 1));
            if (port < 1 || port > 65535) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw CliException.usage(what + " '" + address + "' has no valid port (1-65535)");
        }
        return address;
    }

    public JsonNode get(String path) {
        return send("GET", path, Map.of());
    }

    public JsonNode post(String path, Map<String, String> params) {
        return send("POST", path, params);
    }

    /** Status code of a GET, or -1 if the node does not answer. Never throws. */
    public int probe(String path) {
        try {
            return exchange("GET", path, Map.of()).status();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** One request's answer: its status and body. */
    private record Answer(int status, String body) {
    }

    private Answer exchange(String method, String path, Map<String, String> params) throws IOException {
        StringJoiner q = new StringJoiner("&", "?", "").setEmptyValue("");
        params.forEach((k, v) -> {
            if (v != null) {
                q.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8));
            }
        });
        URL url = URI.create(scheme + address + path + q).toURL();
        HttpURLConnection c = (HttpURLConnection) url.openConnection();
        SSLSocketFactory f = tls;
        if (c instanceof HttpsURLConnection https && f != null) {
            https.setSSLSocketFactory(f);
        }
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        c.setConnectTimeout(Math.min(CONNECT_TIMEOUT_MILLIS, millis));
        c.setReadTimeout(millis);
        c.setRequestMethod(method);
        c.setRequestProperty("Accept", "application/json");
        String t = token != null ? token : defaultToken;
        if (t != null) {
            c.setRequestProperty("Authorization", "Bearer " + t);
        }
        if (method.equals("POST")) {
            c.setDoOutput(true);
            c.setFixedLengthStreamingMode(0);
            c.getOutputStream().close();
        }
        int status = c.getResponseCode();
        // Read to the end (also on errors): only a fully read answer leaves its connection to be reused.
        try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
            return new Answer(status, in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private JsonNode send(String method, String path, Map<String, String> params) {
        Answer r;
        try {
            r = exchange(method, path, params);
        } catch (IOException e) {
            throw CliException.unreachable("node at " + address + " is unreachable (" + method + " " + path + "): "
                    + describe(e), e);
        }
        JsonNode body;
        try {
            body = r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
        } catch (IOException e) {
            throw CliException.failed("node at " + address + " answered " + method + " " + path + " with "
                    + r.status() + " and a body that is not JSON");
        }
        if (r.status() >= 400) {
            // Admin routes answer {error, status, message}; some only {error}.
            String message = body.path("message").asText(body.path("error").asText(body.toString()));
            if (r.status() == 401 || r.status() == 403) {
                boolean sent = token != null || defaultToken != null;
                throw new Unauthorised("node at " + address + " refused " + method + " " + path + " ("
                        + r.status() + "): " + message + (sent
                                ? ". Check that --token (or HEARTH_TOKEN) is the cluster's current admin token."
                                : ". Give the cluster's admin token with --token or HEARTH_TOKEN."));
            }
            throw new AdminException(r.status(), message);
        }
        return body;
    }

    public static String describe(IOException e) {
        if (e instanceof java.net.SocketTimeoutException) {
            return "no answer within the timeout";
        }
        if (e instanceof java.net.ConnectException) {
            return "connection refused";
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    public static Map<String, String> params(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
