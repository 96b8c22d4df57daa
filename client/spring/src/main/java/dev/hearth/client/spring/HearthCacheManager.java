package dev.hearth.client.spring;

import dev.hearth.client.Codec;
import dev.hearth.client.HearthClient;
import dev.hearth.storage.TenantKey;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.springframework.cache.CacheManager;

/**
 * Spring's {@link CacheManager} over a {@link HearthClient}: each cache name is a Hearth tenant (1-64 letters,
 * digits, '.', '_' or '-', starting with a letter or digit), and its cache is made on first use. The manager does not
 * own the client: close the client yourself (the Boot auto-configuration does).
 *
 * <pre>{@code
 * CacheManager caches = HearthCacheManager.builder(client)
 *         .codec(TypedJsonCodec.trusting("com.example.shop"))
 *         .timeToLive(Duration.ofMinutes(10))
 *         .timeToLive("prices", Duration.ofSeconds(30))
 *         .build();
 * }</pre>
 */
public final class HearthCacheManager implements CacheManager {
    private final HearthClient client;
    private final Codec<Object> codec;
    private final Duration defaultTtl;
    private final Map<String, Duration> ttls;
    private final boolean allowNullValues;
    private final Duration flushTimeout;
    private final ConcurrentMap<String, HearthCache> caches = new ConcurrentHashMap<>();

    private HearthCacheManager(Builder b) {
        this.client = b.client;
        this.codec = b.codec;
        this.defaultTtl = b.defaultTtl != null ? b.defaultTtl : Duration.ZERO;
        this.ttls = Map.copyOf(b.ttls);
        this.allowNullValues = b.allowNullValues != null ? b.allowNullValues : true;
        this.flushTimeout = b.flushTimeout != null ? b.flushTimeout : Builder.DEFAULT_FLUSH_TIMEOUT;
    }

    public static Builder builder(HearthClient client) {
        return new Builder(client);
    }

    /**
     * @return the cache of tenant {@code name}, made now if it was not yet
     * @throws IllegalArgumentException if {@code name} is not a valid tenant name
     */
    @Override
    public HearthCache getCache(String name) {
        HearthCache c = caches.get(name);
        if (c != null) {
            return c;
        }
        if (!TenantKey.isValidTenant(name)) {
            throw new IllegalArgumentException("cache name '" + name + "' is not a valid Hearth tenant name: 1-64 "
                    + "letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        return caches.computeIfAbsent(name, n -> new HearthCache(client.tenant(n, codec),
                ttls.getOrDefault(n, defaultTtl), flushTimeout, allowNullValues));
    }

    /** The names of the caches made so far. */
    @Override
    public Collection<String> getCacheNames() {
        return Collections.unmodifiableList(List.copyOf(caches.keySet()));
    }

    /**
     * Settings of a {@link HearthCacheManager}. Each may be given once: a second call throws
     * {@link IllegalStateException}, so that two configuration sources cannot silently override each other.
     */
    public static final class Builder {
        /** How long {@code clear()} may take: a flush scans the tenant's zone. */
        public static final Duration DEFAULT_FLUSH_TIMEOUT = Duration.ofSeconds(30);

        private final HearthClient client;
        private Codec<Object> codec;
        private Duration defaultTtl;
        private final Map<String, Duration> ttls = new HashMap<>();
        private Boolean allowNullValues;
        private Duration flushTimeout;

        private Builder(HearthClient client) {
            this.client = Objects.requireNonNull(client, "client");
        }

        /**
         * How values are stored. Required: Spring caches hold any type, so the codec must name each value's class,
         * and only the application knows which classes it trusts ({@link TypedJsonCodec#trusting}).
         */
        public Builder codec(Codec<Object> codec) {
            once(this.codec, "codec");
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /** How long entries live in every cache without its own setting; {@link Duration#ZERO} (the default): no expiry. */
        public Builder timeToLive(Duration ttl) {
            once(this.defaultTtl, "timeToLive");
            this.defaultTtl = notNegative(ttl, "timeToLive");
            return this;
        }

        /** How long entries of cache {@code name} live, overriding {@link #timeToLive(Duration)}. */
        public Builder timeToLive(String name, Duration ttl) {
            Objects.requireNonNull(name, "name");
            once(ttls.get(name), "timeToLive of cache " + name);
            ttls.put(name, notNegative(ttl, "timeToLive of cache " + name));
            return this;
        }

        /** Whether a method's null result is cached (as Spring's {@code NullValue}); true by default, as Spring's own. */
        public Builder allowNullValues(boolean allow) {
            once(this.allowNullValues, "allowNullValues");
            this.allowNullValues = allow;
            return this;
        }

        /** The deadline of a cache's {@code clear()} and {@code invalidate()} (30 s). */
        public Builder flushTimeout(Duration timeout) {
            once(this.flushTimeout, "flushTimeout");
            Objects.requireNonNull(timeout, "flushTimeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("flushTimeout must be positive: " + timeout);
            }
            this.flushTimeout = timeout;
            return this;
        }

        /** @throws IllegalStateException if no {@link #codec} was given */
        public HearthCacheManager build() {
            if (codec == null) {
                throw new IllegalStateException("no codec: give one, e.g. TypedJsonCodec.trusting(\"com.example\")");
            }
            return new HearthCacheManager(this);
        }

        private static void once(Object current, String what) {
            if (current != null) {
                throw new IllegalStateException(what + " is already set (" + current + ")");
            }
        }

        private static Duration notNegative(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative()) {
                throw new IllegalArgumentException(what + " must not be negative: " + d);
            }
            return d;
        }
    }
}
