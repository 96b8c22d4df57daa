package dev.hearth.client.jcache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hearth.testing.DocExamples;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import javax.cache.integration.CacheLoader;
import javax.cache.spi.CachingProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** docs/client.md's hearth-jcache example is {@link #example}'s code, which compiles. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GuideExampleTest {
    record Product(long id, String name) implements Serializable {
    }

    public static final class ProductLoader implements CacheLoader<Long, Product> {
        @Override
        public Product load(Long key) {
            return new Product(key, "product " + key);
        }

        @Override
        public Map<Long, Product> loadAll(Iterable<? extends Long> keys) {
            Map<Long, Product> m = new HashMap<>();
            keys.forEach(k -> m.put(k, load(k)));
            return m;
        }
    }

    @SuppressWarnings("unused")
    static void example() {
        CachingProvider provider = Caching.getCachingProvider("dev.hearth.client.jcache.HearthCachingProvider");
        CacheManager manager = provider.getCacheManager(URI.create("hearth://10.0.0.1:10800,10.0.0.2:10800"), null);
        Cache<Long, Product> products = manager.createCache("products", new MutableConfiguration<Long, Product>()
                .setTypes(Long.class, Product.class)
                .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(Duration.TEN_MINUTES))
                .setReadThrough(true).setCacheLoaderFactory(FactoryBuilder.factoryOf(ProductLoader.class))
                .setStatisticsEnabled(true));
    }

    @Test
    void theGuidesJCacheExampleCompiles() {
        Path root = DocExamples.root();
        assertEquals(List.of(), DocExamples.missing(root.resolve("docs/client.md"),
                block -> block.contains("CachingProvider"),
                root.resolve("client/jcache/src/test/java/dev/hearth/client/jcache/GuideExampleTest.java")));
    }
}
