package dev.hearth.client.spring.app;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.stereotype.Service;

/** Cached service methods over a "database" that counts its queries. */
@Service
public class ProductService {
    private final AtomicInteger queries = new AtomicInteger();
    private volatile CountDownLatch gate = new CountDownLatch(0);

    /** Queries the database answered. A method, not a field: the bean callers get is Spring's caching proxy. */
    public int queries() {
        return queries.get();
    }

    /** Holds {@link #findSlowly}'s query until {@code gate} opens. */
    public void holdQueriesUntil(CountDownLatch gate) {
        this.gate = gate;
    }

    private Product query(String id) {
        queries.incrementAndGet();
        return new Product(id, "Product " + id, new BigDecimal("19.90"), Instant.parse("2026-12-06T00:00:00Z"),
                List.of("new", "sale"));
    }

    @Cacheable("products")
    public Product find(String id) {
        return query(id);
    }

    /** Concurrent misses of one key share one query: Cache.get(key, Callable), Hearth's getOrLoad. */
    @Cacheable(cacheNames = "products", sync = true)
    public Product findSlowly(String id) throws InterruptedException {
        gate.await();
        return query(id);
    }

    @Cacheable("lookups")
    public String nothing(String id) {
        queries.incrementAndGet();
        return null;
    }

    @Cacheable("prices")
    public BigDecimal price(String id) {
        return query(id).price();
    }

    @CacheEvict("products")
    public void changed(String id) {
    }

    @CacheEvict(cacheNames = "products", allEntries = true)
    public void catalogueReloaded() {
    }
}
