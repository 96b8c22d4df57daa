package dev.hearth.node.membership;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@link SplitWatch.Probe} and {@link PeerWatch.Reach} over a node's admin port: {@code GET /membership}, with the
 * cluster's admin token when it has one (nodes of one cluster share it).
 */
public final class HttpPeerProbe implements SplitWatch.Probe, PeerWatch.Reach {
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Built on the first probe: building it sets up the JDK's default TLS context even for plain HTTP (a third of a
     * second of a node's start on 2 cores), and most nodes never probe a peer.
     */
    private volatile HttpClient http;
    private final javax.net.ssl.SSLContext tls;
    private final Duration timeout;
    private final Supplier<String> authorization;
    private final String scheme;

    /**
     * @param tls the node's TLS context when the admin ports speak HTTPS (tls.enabled): peers are asked over HTTPS
     *        with this node's certificate; null for plain HTTP
     * @param authorization the {@code Authorization} header to send (asked at every request), or null for none
     */
    public HttpPeerProbe(Duration timeout, javax.net.ssl.SSLContext tls, Supplier<String> authorization) {
        this.timeout = timeout;
        this.authorization = authorization;
        this.tls = tls;
        this.scheme = tls == null ? "http://" : "https://";
    }

    private HttpClient http() {
        HttpClient h = http;
        if (h == null) {
            synchronized (this) {
                h = http;
                if (h == null) {
                    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(timeout);
                    if (tls != null) {
                        b.sslContext(tls);
                    }
                    h = b.build();
                    http = h;
                }
            }
        }
        return h;
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

    private HttpRequest membership(String admin) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(scheme + admin + "/membership")).timeout(timeout)
                .GET();
        String auth = authorization.get();
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return b.build();
    }

    @Override
    public Optional<SplitWatch.Peer> ask(String admin) {
        try {
            HttpResponse<String> r = http().send(membership(admin), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
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
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
            http().send(membership(admin), HttpResponse.BodyHandlers.discarding());
            return true;
        } catch (IOException | IllegalArgumentException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
