package dev.hearth.client.jcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.client.HearthClient;
import dev.hearth.client.TenantCache;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.spi.CachingProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the TCK does not ask of a provider and Hearth promises: a cache is a tenant shared by every JVM (here, two
 * managers of separate class loaders, each with its own client view), a String key is the tenant's key after
 * {@code s:}, destroyCache flushes the tenant, the URI names the cluster, expiry is Hearth's TTL.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class HearthJCacheIT {
    private static String addresses() {
        return System.getProperty(HearthCachingProvider.ADDRESSES);
    }

    @Test
    void aCacheIsATenantSharedByEveryManagerOfTheCluster() {
        CachingProvider provider = Caching.getCachingProvider(HearthCachingProvider.class.getName());
        ClassLoader other = new ClassLoader(getClass().getClassLoader()) {
        };
        CacheManager a = provider.getCacheManager();
        CacheManager b = provider.getCacheManager(URI.create("hearth://" + addresses()), other);
        assertNotSame(a, b);
        MutableConfiguration<String, String> config = new MutableConfiguration<String, String>()
                .setTypes(String.class, String.class);
        Cache<String, String> inA = a.createCache("shared-it", config);
        Cache<String, String> inB = b.createCache("shared-it", config);
        try {
            inA.put("k1", "v1");
            assertEquals("v1", inB.get("k1"));
            assertTrue(inB.replace("k1", "v1", "v2"));
            assertEquals("v2", inA.get("k1"));
            assertFalse(inA.putIfAbsent("k1", "v3"));

            // The tenant is the cache's name; the stored key is the String key after "s:".
            try (HearthClient plain = HearthClient.builder().addresses(addresses()).build()) {
                TenantCache<byte[]> tenant = plain.tenant("shared-it");
                assertTrue(tenant.keys(10).contains("s:k1"), tenant.keys(10).toString());
            }

            // destroyCache flushes the tenant, for every JVM.
            a.destroyCache("shared-it");
            assertNull(inB.get("k1"));
            assertThrows(IllegalStateException.class, () -> inA.get("k1"));
        } finally {
            b.destroyCache("shared-it");
            b.close();
        }
    }

    @Test
    void aNameThatIsNoTenantNameMapsToAStableTenant() {
        String name = "product cache: v2";
        String tenant = HearthJCacheManager.tenantOf(name);
        assertTrue(tenant.startsWith("jcache-") && tenant.length() == 39, tenant);
        assertEquals(tenant, HearthJCacheManager.tenantOf(name));
        assertEquals("products", HearthJCacheManager.tenantOf("products"));

        CacheManager m = Caching.getCachingProvider(HearthCachingProvider.class.getName()).getCacheManager();
        Cache<Long, List<String>> c = m.createCache(name, new MutableConfiguration<Long, List<String>>());
        try {
            c.put(7L, List.of("a", "b"));
            assertEquals(List.of("a", "b"), c.get(7L));
            assertEquals(1, countEntries(c));
        } finally {
            m.destroyCache(name);
        }
    }

    @Test
    void aCreatedExpiryIsTheEntrysTtl() {
        CacheManager m = Caching.getCachingProvider(HearthCachingProvider.class.getName()).getCacheManager();
        Cache<String, Integer> c = m.createCache("expiry-it", new MutableConfiguration<String, Integer>()
                .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(new javax.cache.expiry.Duration(
                        TimeUnit.MILLISECONDS, 300))));
        try {
            c.put("k", 1);
            try (HearthClient plain = HearthClient.builder().addresses(addresses()).build()) {
                long expireAt = plain.tenant("expiry-it").gets("s:k").expireAt();
                long left = expireAt - System.currentTimeMillis();
                assertTrue(left > 0 && left <= 300, "TTL left: " + left + " ms");
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> c.get("k") == null);
        } finally {
            m.destroyCache("expiry-it");
        }
    }

    private static int countEntries(Cache<?, ?> c) {
        int n = 0;
        for (Cache.Entry<?, ?> ignored : c) {
            n++;
        }
        return n;
    }
}
