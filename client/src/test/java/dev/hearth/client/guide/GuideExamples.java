package dev.hearth.client.guide;

import dev.hearth.client.CasResult;
import dev.hearth.client.ClientStats;
import dev.hearth.client.Codec;
import dev.hearth.client.HearthClient;
import dev.hearth.client.TenantCache;
import dev.hearth.client.Versioned;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The examples of docs/client.md, compiled: {@code GuideExamplesTest} checks that every code line of the guide's
 * hearth-client blocks is here. Not run: they are what an application writes.
 */
@SuppressWarnings("unused")
final class GuideExamples {
    record Product(long id, String name) {
    }

    record Cart(List<String> items) {
    }

    interface Db {
        Product findProduct(long id);
    }

    private Db db;
    private Set<String> maintenance;
    private TenantCache<Cart> carts;
    private TenantCache<String> counters;
    private Cart updated;

    void build() {
        HearthClient client = HearthClient.builder()
                .addresses("10.0.0.1:10800", "10.0.0.2:10800", "10.0.0.3:10800") // every node's thin-client port
                .timeout(Duration.ofMillis(100))                                   // default deadline of every call
                .staleWhileRevalidate(Duration.ofSeconds(30))
                .staleIfError(Duration.ofMinutes(5))
                .nearCache(Duration.ofSeconds(1), 10_000)
                .build();
        client.close();
    }

    void use(HearthClient client) {
        TenantCache<String> sessions = client.tenant("store-42", Codec.utf8());
        TenantCache<byte[]> blobs    = client.tenant("store-42");
        TenantCache<Product> products = client.tenant("store-42", Codec.json(Product.class));

        sessions.put("session:9", "alice", Duration.ofMinutes(30));
        String who = sessions.get("session:9");
        Map<String, String> many = sessions.getAll(List.of("session:9", "session:10"));
        boolean added = sessions.putIfAbsent("lock:job", "me", Duration.ofSeconds(10));
        sessions.replace("session:9", "bob", Duration.ofMinutes(30));
        sessions.touch("session:9", Duration.ofHours(1));
        sessions.delete("session:9");
        sessions.putAll(Map.of("a", "1", "b", "2"), Duration.ofMinutes(5));
        int removed = sessions.deleteAll(List.of("a", "b", "c"));
        long flushed = sessions.withTimeout(Duration.ofSeconds(30)).flush();
        List<String> some = sessions.keys(1000);

        Product p = products.getOrLoad("product:7", key -> db.findProduct(7), Duration.ofMinutes(5));

        CompletableFuture<String> f = sessions.async().get("session:9");
        sessions.async().getOrLoad("k", key -> load(key), Duration.ofMinutes(1)).thenAccept(this::render);
    }

    private String load(String key) {
        return key;
    }

    private void render(String page) {
    }

    void versions() {
        Versioned<Cart> v = carts.gets("cart:1");
        CasResult r = carts.cas("cart:1", updated, v.version(), Duration.ofHours(1));
        counters.incr("views", 1);
    }

    void availability(HearthClient client) {
        client.markUnavailable("store-42");
        client.markAvailable("store-42");
        HearthClient.builder().availability(tenant -> !maintenance.contains(tenant));
        client.isAvailable("store-42");
    }

    void stats(HearthClient client) {
        ClientStats s = client.stats();
        s.hits(); s.misses(); s.hitRate(); s.loads(); s.loadFailures(); s.timeouts(); s.errors();
        s.rejected(); s.retries(); s.coalesced(); s.circuitState();
        s.bypassed(); s.registryRefreshes(); s.registryRefreshFailures(); s.registryAgeMillis();
        s.readFailovers(); s.readFailoverAnswers();
        s.latency().p99Micros();
    }
}
