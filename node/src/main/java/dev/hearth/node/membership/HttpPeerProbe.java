package dev.hearth.node.membership;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import javax.net.ssl.HttpsURLConnection;

/**
 * {@link SplitWatch.Probe} and {@link PeerWatch.Reach} over a node's admin port: {@code GET /membership}, with the
 * cluster's admin token when it has one (nodes of one cluster share it).
 *
 * <p>Blocking {@link HttpURLConnection}, not {@code java.net.http.HttpClient}: the latter keeps a selector thread in
 * {@code epoll_wait} that Java 17 cannot close, and the JVM's exit waits up to 300 ms for every thread in native code
 * before it ends the process: a third of a second added to every stop of a node that had probed a peer (measured
 * in a rolling restart, from a node's "stopped" line to its supervisor starting it again: 0.37-0.49 s with
 * HttpClient, 0.05-0.10 s without). A probe runs on the caller's thread, which the node's watchers give to it.
 */
public final class HttpPeerProbe implements SplitWatch.Probe, PeerWatch.Reach {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A membership answer is a few hundred bytes; a peer that sends more is not a Hearth node. */
    private static final int MAX_BODY = 64 * 1024;
    private final javax.net.ssl.SSLSocketFactory tls;
    private final int timeoutMillis;
    private final Supplier<String> authorization;
    private final String scheme;

    /**
     * @param tls the node's TLS context when the admin ports speak HTTPS (tls.enabled): peers are asked over HTTPS
     *        with this node's certificate; null for plain HTTP
     * @param authorization the {@code Authorization} header to send (asked at every request), or null for none
     */
    public HttpPeerProbe(Duration timeout, javax.net.ssl.SSLContext tls, Supplier<String> authorization) {
        this.timeoutMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        this.authorization = authorization;
        this.tls = tls == null ? null : tls.getSocketFactory();
        this.scheme = tls == null ? "http://" : "https://";
    }

    /** Plain HTTP with the cluster's admin token. */
    public HttpPeerProbe(Duration timeout, Supplier<String> authorization) {
        this(timeout, null, authorization);
    }

    /** HTTPS (or plain HTTP when {@code tls} is null) without a token. */
    public HttpPeerProbe(Duration timeout, javax.net.ssl.SSLContext tls) {
        this(timeout, tls, () -> null);
    }

    /** A plain-HTTP probe that sends no token: clusters with an open admin port. */
    public HttpPeerProbe(Duration timeout) {
        this(timeout, null, () -> null);
    }

    /** Opens {@code GET /membership} on {@code admin}, for {@link #get} to read. */
    private HttpURLConnection membership(String admin) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(scheme + admin + "/membership").toURL().openConnection();
        if (tls != null) {
            // Host names are still verified (HttpsURLConnection's default verifier), as HttpClient did.
            ((HttpsURLConnection) c).setSSLSocketFactory(tls);
        }
        c.setConnectTimeout(timeoutMillis);
        c.setReadTimeout(timeoutMillis);
        c.setUseCaches(false);
        c.setInstanceFollowRedirects(false);
        String auth = authorization.get();
        if (auth != null) {
            c.setRequestProperty("Authorization", auth);
        }
        return c;
    }

    /**
     * The status and body of {@code GET /membership}. A body read to its end returns the connection to the JDK's
     * keep-alive cache for the next probe; one longer than {@link #MAX_BODY} is cut off, its connection closed.
     */
    private Answer get(String admin) throws IOException {
        HttpURLConnection c = membership(admin);
        int status = c.getResponseCode();
        InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
        byte[] body = new byte[0];
        boolean complete = true;
        if (in != null) {
            try (InputStream is = in) {
                body = is.readNBytes(MAX_BODY);
                if (is.read() >= 0) {
                    complete = false;
                    c.disconnect();
                }
            }
        }
        return new Answer(status, body, complete);
    }

    /** @param complete false if the body was longer than any membership answer and was cut off */
    private record Answer(int status, byte[] body, boolean complete) {
    }

    @Override
    public Optional<SplitWatch.Peer> ask(String admin) {
        try {
            Answer r = get(admin);
            if (r.status() != 200 || !r.complete()) {
                return Optional.empty();
            }
            JsonNode root = JSON.readTree(r.body());
            List<String> present = new ArrayList<>();
            root.path("present").forEach(n -> present.add(n.asText()));
            String name = root.path("self").asText("");
            if (name.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new SplitWatch.Peer(name, present, root.path("hasQuorum").asBoolean(false)));
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Any HTTP answer counts, 503 included: a node still starting (its membership not yet served) is reachable, and
     * only a peer that does not answer at all may be cut off.
     */
    @Override
    public boolean answers(String admin) {
        try {
            get(admin);
            return true;
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }
}
