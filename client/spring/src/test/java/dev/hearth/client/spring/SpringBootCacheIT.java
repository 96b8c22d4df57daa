package dev.hearth.client.spring;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.client.Codec;
import dev.hearth.client.HearthClient;
import dev.hearth.client.TenantCache;
import dev.hearth.client.spring.app.Product;
import dev.hearth.client.spring.app.ProductService;
import dev.hearth.client.spring.app.ShopApplication;
import dev.hearth.testing.NodeProcess;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cache.CacheManager;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A real Spring Boot application (ShopApplication: @EnableCaching, @Cacheable services, the hearth-spring starter and
 * hearth.* properties, Actuator) against a real bin/hearth-node. Two instances of the application stand for two API
 * servers: what one cached, the other reads from Hearth without asking its database.
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SpringBootCacheIT {
    private static NodeProcess node;
    private static HearthClient raw;
    private static ConfigurableApplicationContext app1;
    private static ConfigurableApplicationContext app2;

    @BeforeAll
    static void up() throws Exception {
        node = new NodeProcess("spring0", Path.of("target/it-spring"));
        node.member(node.discoveryAddress()).also("memory.heap=256m", "zones.default.memory=64m")
                .startAndAwaitReady(Duration.ofSeconds(120));
        raw = HearthClient.builder().addresses(node.thinClientAddress()).timeout(Duration.ofSeconds(2)).build();
        app1 = start();
        app2 = start();
    }

    private static ConfigurableApplicationContext start() {
        return new SpringApplicationBuilder(ShopApplication.class).web(WebApplicationType.NONE).run(
                "--hearth.addresses=" + node.thinClientAddress(),
                "--hearth.timeout=2s",
                "--hearth.cache.time-to-live=10m",
                "--hearth.cache.time-to-live-per-cache.prices=1s",
                "--hearth.cache.flush-timeout=20s",
                "--spring.main.banner-mode=off");
    }

    @AfterAll
    static void down() throws Exception {
        for (ConfigurableApplicationContext c : new ConfigurableApplicationContext[] {app1, app2}) {
            if (c != null) {
                c.close();
            }
        }
        if (raw != null) {
            raw.close();
        }
        if (node != null) {
            node.close();
        }
        app1 = app2 = null;
        raw = null;
        node = null;
    }

    private static ProductService service(ConfigurableApplicationContext app) {
        return app.getBean(ProductService.class);
    }

    private static TenantCache<String> stored(String cache) {
        return raw.tenant(cache, Codec.utf8());
    }

    @Test
    @Order(1)
    void theStarterMakesHearthTheCacheManagerAndACacheableMethodQueriesTheDatabaseOnce() {
        assertInstanceOf(HearthCacheManager.class, app1.getBean(CacheManager.class));
        ProductService s1 = service(app1);
        ProductService s2 = service(app2);
        int before1 = s1.queries();
        Product p = s1.find("p-1");
        assertEquals(before1 + 1, s1.queries(), "the first call queries the database");
        assertEquals(p, s1.find("p-1"));
        assertEquals(before1 + 1, s1.queries(), "the second call comes from the cache");

        int before2 = s2.queries();
        assertEquals(p, s2.find("p-1"), "another API server reads it from Hearth");
        assertEquals(before2, s2.queries(), "without querying its database");

        String json = stored("products").get("p-1");
        assertTrue(json.contains("\"@class\":\"dev.hearth.client.spring.app.Product\""), json);
        assertTrue(json.contains("\"2026-12-06T00:00:00Z\""), "java.time as ISO-8601 text: " + json);
        // hearth-micrometer, wired by the starter into Actuator's registry: the miss and the hit, and the put between.
        MeterRegistry meters = app1.getBean(MeterRegistry.class);
        assertEquals(2, timed(meters, "get"));
        assertEquals(1, timed(meters, "put"));
        assertEquals(1.0, meters.get("hearth.client.hits").functionCounter().count(), 1.0);
        long expireAt = stored("products").gets("p-1").expireAt();
        assertTrue(expireAt > System.currentTimeMillis() + Duration.ofMinutes(9).toMillis(),
                "hearth.cache.time-to-live applies: " + expireAt);
    }

    private static long timed(MeterRegistry meters, String op) {
        return meters.find("hearth.client.operations").tag("operation", op).tag("tenant", "products")
                .tag("outcome", "success").timers().stream().mapToLong(Timer::count).sum();
    }

    @Test
    @Order(2)
    void concurrentMissesOfOneKeyRunTheMethodOnce() throws Exception {
        ProductService s = service(app1);
        int before = s.queries();
        long coalescedBefore = app1.getBean(HearthClient.class).stats().coalesced();
        CountDownLatch gate = new CountDownLatch(1);
        s.holdQueriesUntil(gate);
        int callers = 20;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            List<Future<Product>> results = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                results.add(pool.submit(() -> s.findSlowly("p-sync")));
            }
            // Every caller but the loading one has joined the load in flight; only then may the query answer.
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    app1.getBean(HearthClient.class).stats().coalesced() - coalescedBefore >= callers - 1);
            gate.countDown();
            for (Future<Product> f : results) {
                assertEquals("p-sync", f.get(30, TimeUnit.SECONDS).id());
            }
        } finally {
            gate.countDown();
            pool.shutdownNow();
        }
        assertEquals(before + 1, s.queries(), callers + " concurrent callers, one query");
        assertEquals("p-sync", service(app2).findSlowly("p-sync").id());
    }

    @Test
    @Order(3)
    void aNullResultIsCachedAndAnEvictionOrAClearSendsTheNextCallToTheDatabase() {
        ProductService s = service(app1);
        int before = s.queries();
        assertNull(s.nothing("n-1"));
        assertNull(s.nothing("n-1"));
        assertNull(service(app2).nothing("n-1"));
        assertEquals(before + 1, s.queries(), "a null result is cached too (Spring's NullValue)");

        s.find("p-2");
        s.changed("p-2"); // @CacheEvict
        assertNull(stored("products").get("p-2"), "the eviction deleted it from Hearth");
        int afterEvict = s.queries();
        s.find("p-2");
        assertEquals(afterEvict + 1, s.queries());

        s.find("p-3");
        stored("other-tenant").put("p-3", "kept");
        s.catalogueReloaded(); // @CacheEvict(allEntries = true): the tenant's flush
        assertNull(stored("products").get("p-1"));
        assertNull(stored("products").get("p-3"));
        assertEquals("kept", stored("other-tenant").get("p-3"), "a clear flushes this cache's tenant only");
        int afterClear = s.queries();
        s.find("p-3");
        assertEquals(afterClear + 1, s.queries());
    }

    @Test
    @Order(4)
    void aCacheOwnTimeToLiveExpiresItsEntries() {
        ProductService s = service(app1);
        int before = s.queries();
        assertEquals(new BigDecimal("19.90"), s.price("x"));
        assertEquals(new BigDecimal("19.90"), s.price("x"));
        assertEquals(before + 1, s.queries());
        await().atMost(Duration.ofSeconds(10)).until(() -> stored("prices").get("x") == null);
        s.price("x");
        assertEquals(before + 2, s.queries(), "hearth.cache.time-to-live-per-cache.prices=1s");
    }

    @Test
    @Order(5)
    void aStoredValueNamingAClassOutsideTheTrustedPackagesIsAMissNotAnInstance() {
        ProductService s = service(app1);
        stored("products").put("evil", "{\"@class\":\"org.springframework.core.io.FileSystemResource\","
                + "\"path\":\"/etc/passwd\"}");
        int before = s.queries();
        Product p = s.find("evil");
        assertEquals("evil", p.id(), "the method ran: the stored value was refused");
        assertEquals(before + 1, s.queries());
        assertTrue(stored("products").get("evil").contains("dev.hearth.client.spring.app.Product"),
                "and its result replaced the refused value");
        TypedJsonCodec codec = TypedJsonCodec.trusting("com.example");
        assertThrows(IllegalArgumentException.class, () -> codec.decode(
                "{\"@class\":\"org.springframework.core.io.FileSystemResource\",\"path\":\"/x\"}".getBytes()));
        assertSame(org.springframework.cache.support.NullValue.INSTANCE, codec.decode(codec.encode(
                org.springframework.cache.support.NullValue.INSTANCE)));
    }

    @Test
    @Order(6)
    void withTheClusterDownTheMethodsStillAnswerAndHealthSaysDown() throws Exception {
        HearthHealthIndicator health = app1.getBean(HearthHealthIndicator.class);
        assertEquals(Status.UP, health.health().getStatus());
        node.kill9();
        ProductService s = service(app1);
        int before = s.queries();
        for (int i = 0; i < 10; i++) {
            assertEquals("down-" + i, s.find("down-" + i).id(), "a cache outage is not the API's outage");
        }
        assertEquals(before + 10, s.queries(), "every call went to the database");
        await().atMost(Duration.ofSeconds(30)).until(() -> health.health().getStatus().equals(Status.DOWN));
        assertEquals("OPEN", String.valueOf(health.health().getDetails().get("circuit")).replace("HALF_OPEN", "OPEN"));
    }
}
