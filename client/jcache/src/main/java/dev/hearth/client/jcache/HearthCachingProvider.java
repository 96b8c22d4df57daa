package dev.hearth.client.jcache;

import dev.hearth.client.HearthClient;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.WeakHashMap;
import javax.cache.CacheManager;
import javax.cache.configuration.OptionalFeature;
import javax.cache.spi.CachingProvider;

/**
 * JSR-107's entry point for Hearth, found by {@code Caching.getCachingProvider()} through {@code META-INF/services}.
 *
 * <p>A cache manager's URI names the cluster: {@code hearth://host:port,host:port} lists thin-client addresses; the
 * default URI, {@code hearth:default}, takes them from the property {@value #ADDRESSES} (in the properties given to
 * {@link #getCacheManager(URI, ClassLoader, Properties)}, else a system property), else the environment variable
 * {@code HEARTH_ADDRESSES}, else {@code 127.0.0.1:10800}. {@value #TIMEOUT} (an ISO-8601 or {@code 250ms}-style
 * duration) sets every call's deadline, and {@value #SEND_FROM_CALLER} the client's {@code sendFromCaller}. Managers of the same cluster share one {@link HearthClient}: each manager is
 * a view with its own caches, and the client closes with the last of them.
 */
public final class HearthCachingProvider implements CachingProvider {
    /** Comma-separated thin-client addresses of the cluster behind the default URI. */
    public static final String ADDRESSES = "hearth.addresses";
    /** The deadline of every call, as a {@link Duration} text ({@code PT0.5S}) or {@code 500ms}. */
    public static final String TIMEOUT = "hearth.timeout";
    /**
     * The client's {@code sendFromCaller} (default {@code true}): gets and puts sent from their caller's thread on
     * the primary's open connection; {@code false} hands every call to an io thread (see {@code
     * HearthClientBuilder.sendFromCaller}).
     */
    public static final String SEND_FROM_CALLER = "hearth.send-from-caller";
    static final URI DEFAULT_URI = URI.create("hearth:default");

    private final WeakHashMap<ClassLoader, Map<URI, HearthJCacheManager>> managers = new WeakHashMap<>();
    private final Map<String, SharedClient> clients = new HashMap<>();

    /** One client per cluster, counted by the managers using it. */
    private static final class SharedClient {
        final HearthClient client;
        int users;

        SharedClient(HearthClient client) {
            this.client = client;
        }
    }

    @Override
    public synchronized CacheManager getCacheManager(URI uri, ClassLoader classLoader, Properties properties) {
        URI u = uri == null ? getDefaultURI() : uri;
        ClassLoader cl = classLoader == null ? getDefaultClassLoader() : classLoader;
        Properties p = properties == null ? new Properties() : properties;
        Map<URI, HearthJCacheManager> byUri = managers.computeIfAbsent(cl, k -> new HashMap<>());
        HearthJCacheManager m = byUri.get(u);
        if (m == null || m.isClosed()) {
            String addresses = addresses(u, p);
            Duration timeout = timeout(p);
            boolean sendFromCaller = Boolean.parseBoolean(p.getProperty(SEND_FROM_CALLER,
                    System.getProperty(SEND_FROM_CALLER, "true")));
            String clientKey = addresses + '|' + timeout + '|' + sendFromCaller;
            SharedClient shared = clients.get(clientKey);
            if (shared == null) {
                HearthClient client = HearthClient.builder().addresses(addresses.split(",")).timeout(timeout)
                        .sendFromCaller(sendFromCaller).build();
                shared = new SharedClient(client);
                clients.put(clientKey, shared);
            }
            shared.users++;
            m = new HearthJCacheManager(this, u, cl, p, shared.client, () -> release(clientKey));
            byUri.put(u, m);
        }
        return m;
    }

    private synchronized void release(String clientKey) {
        SharedClient shared = clients.get(clientKey);
        if (shared != null && --shared.users == 0) {
            clients.remove(clientKey);
            shared.client.close();
        }
    }

    /** Called by a manager's close: the next request for its URI and loader makes a new one. */
    synchronized void forget(HearthJCacheManager m) {
        Map<URI, HearthJCacheManager> byUri = managers.get(m.getClassLoader());
        if (byUri != null && byUri.get(m.getURI()) == m) {
            byUri.remove(m.getURI());
        }
    }

    static String addresses(URI uri, Properties p) {
        if ("hearth".equals(uri.getScheme()) && uri.getRawAuthority() != null) {
            return uri.getRawAuthority();
        }
        String a = p.getProperty(ADDRESSES, System.getProperty(ADDRESSES));
        if (a == null || a.isBlank()) {
            a = System.getenv("HEARTH_ADDRESSES");
        }
        return a == null || a.isBlank() ? "127.0.0.1:10800" : a.replace(" ", "");
    }

    static Duration timeout(Properties p) {
        String t = p.getProperty(TIMEOUT, System.getProperty(TIMEOUT));
        if (t == null || t.isBlank()) {
            return Duration.ofSeconds(1);
        }
        t = t.trim();
        if (t.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        }
        if (t.endsWith("s") && !t.startsWith("P")) {
            return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
        }
        return Duration.parse(t);
    }

    @Override
    public ClassLoader getDefaultClassLoader() {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        return cl != null ? cl : HearthCachingProvider.class.getClassLoader();
    }

    @Override
    public URI getDefaultURI() {
        return DEFAULT_URI;
    }

    @Override
    public Properties getDefaultProperties() {
        return new Properties();
    }

    @Override
    public CacheManager getCacheManager(URI uri, ClassLoader classLoader) {
        return getCacheManager(uri, classLoader, getDefaultProperties());
    }

    @Override
    public CacheManager getCacheManager() {
        return getCacheManager(getDefaultURI(), getDefaultClassLoader(), null);
    }

    @Override
    public void close() {
        List<HearthJCacheManager> all = new ArrayList<>();
        synchronized (this) {
            managers.values().forEach(m -> all.addAll(m.values()));
        }
        all.forEach(HearthJCacheManager::close);
    }

    @Override
    public void close(ClassLoader classLoader) {
        ClassLoader cl = classLoader == null ? getDefaultClassLoader() : classLoader;
        List<HearthJCacheManager> all = new ArrayList<>();
        synchronized (this) {
            Map<URI, HearthJCacheManager> byUri = managers.get(cl);
            if (byUri != null) {
                all.addAll(byUri.values());
            }
        }
        all.forEach(HearthJCacheManager::close);
    }

    @Override
    public void close(URI uri, ClassLoader classLoader) {
        ClassLoader cl = classLoader == null ? getDefaultClassLoader() : classLoader;
        HearthJCacheManager m;
        synchronized (this) {
            Map<URI, HearthJCacheManager> byUri = managers.get(cl);
            m = byUri == null ? null : byUri.get(uri == null ? getDefaultURI() : uri);
        }
        if (m != null) {
            m.close();
        }
    }

    /**
     * Store-by-reference is not supported: every value crosses the network, so it is always a copy. Annotations are
     * left to the application's interceptor framework (JSR-107's CDI, Spring or Guice harnesses).
     */
    @Override
    public boolean isSupported(OptionalFeature optionalFeature) {
        return false;
    }
}
