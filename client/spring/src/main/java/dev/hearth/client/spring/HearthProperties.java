package dev.hearth.client.spring;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code hearth.*}: the client's settings and the cache manager's. Unset values take hearth-client's defaults (see
 * {@code HearthClientBuilder}).
 *
 * <pre>
 * hearth:
 *   addresses: [10.0.0.1:10800, 10.0.0.2:10800, 10.0.0.3:10800]
 *   timeout: 100ms
 *   near-cache: {ttl: 1s, max-entries: 10000}
 *   tls: {ca-file: /etc/hearth/ca.pem, cert-file: /etc/hearth/app.pem, key-file: /etc/hearth/app.key}
 *   cache:
 *     time-to-live: 10m
 *     time-to-live-per-cache: {prices: 30s}
 *     trusted-packages: [com.example.shop]
 * </pre>
 */
@ConfigurationProperties("hearth")
public class HearthProperties {
    /** Every node's thin-client address, host:port. Required. */
    private List<String> addresses = new ArrayList<>();
    /** Default deadline of every cache operation. */
    private Duration timeout;
    /** Pin every tenant to this zone (tests, single-zone setups); unset: the tenant registry decides. */
    private String zone;
    /** A read whose primary copy has not answered by then also asks the other nodes; 0 turns it off. */
    private Duration readFailoverAfter;
    /**
     * Send gets and puts from the caller's thread on the primary's open connection (default true); false hands every
     * call to an io thread (see HearthClientBuilder.sendFromCaller).
     */
    private Boolean sendFromCaller;
    /** The largest value a write stores, in bytes; match the nodes' memcached.maxItemSize. */
    private Integer maxValueSize;
    private final NearCache nearCache = new NearCache();
    private final Tls tls = new Tls();
    private final Cache cache = new Cache();

    public List<String> getAddresses() {
        return addresses;
    }

    public void setAddresses(List<String> addresses) {
        this.addresses = addresses;
    }

    public Duration getTimeout() {
        return timeout;
    }

    public void setTimeout(Duration timeout) {
        this.timeout = timeout;
    }

    public String getZone() {
        return zone;
    }

    public void setZone(String zone) {
        this.zone = zone;
    }

    public Duration getReadFailoverAfter() {
        return readFailoverAfter;
    }

    public void setReadFailoverAfter(Duration readFailoverAfter) {
        this.readFailoverAfter = readFailoverAfter;
    }

    public Boolean getSendFromCaller() {
        return sendFromCaller;
    }

    public void setSendFromCaller(Boolean sendFromCaller) {
        this.sendFromCaller = sendFromCaller;
    }

    public Integer getMaxValueSize() {
        return maxValueSize;
    }

    public void setMaxValueSize(Integer maxValueSize) {
        this.maxValueSize = maxValueSize;
    }

    public NearCache getNearCache() {
        return nearCache;
    }

    public Tls getTls() {
        return tls;
    }

    public Cache getCache() {
        return cache;
    }

    /** A per-JVM copy of values read, served for up to {@code ttl}; off unless {@code ttl} is set. */
    public static class NearCache {
        /** How long a value read here is served from this JVM; unset: no near cache. */
        private Duration ttl;
        /** The most values the near cache keeps. */
        private long maxEntries = 10_000;

        public Duration getTtl() {
            return ttl;
        }

        public void setTtl(Duration ttl) {
            this.ttl = ttl;
        }

        public long getMaxEntries() {
            return maxEntries;
        }

        public void setMaxEntries(long maxEntries) {
            this.maxEntries = maxEntries;
        }
    }

    /** TLS to a cluster with tls.enabled: PEM files; on when {@code caFile} is set. */
    public static class Tls {
        /** The cluster CA the nodes' certificates chain to. */
        private Path caFile;
        /** This application's certificate, signed by the cluster CA (nodes with tls.caFile demand one). */
        private Path certFile;
        /** Its key, unencrypted PKCS#8. */
        private Path keyFile;

        public Path getCaFile() {
            return caFile;
        }

        public void setCaFile(Path caFile) {
            this.caFile = caFile;
        }

        public Path getCertFile() {
            return certFile;
        }

        public void setCertFile(Path certFile) {
            this.certFile = certFile;
        }

        public Path getKeyFile() {
            return keyFile;
        }

        public void setKeyFile(Path keyFile) {
            this.keyFile = keyFile;
        }
    }

    /** The Spring cache manager's settings. */
    public static class Cache {
        /** How long entries live; 0 (the default): until evicted. */
        private Duration timeToLive = Duration.ZERO;
        /** Per cache name, overriding time-to-live. */
        private Map<String, Duration> timeToLivePerCache = new LinkedHashMap<>();
        /** Whether a method's null result is cached. */
        private boolean allowNullValues = true;
        /**
         * Packages whose classes may be read back from the cache, besides java.lang, java.util, java.time, java.math
         * and the application's own (its @SpringBootApplication package).
         */
        private List<String> trustedPackages = new ArrayList<>();
        /** The deadline of a cache's clear(), which scans the tenant's zone. */
        private Duration flushTimeout = Duration.ofSeconds(30);

        public Duration getTimeToLive() {
            return timeToLive;
        }

        public void setTimeToLive(Duration timeToLive) {
            this.timeToLive = timeToLive;
        }

        public Map<String, Duration> getTimeToLivePerCache() {
            return timeToLivePerCache;
        }

        public void setTimeToLivePerCache(Map<String, Duration> timeToLivePerCache) {
            this.timeToLivePerCache = timeToLivePerCache;
        }

        public boolean isAllowNullValues() {
            return allowNullValues;
        }

        public void setAllowNullValues(boolean allowNullValues) {
            this.allowNullValues = allowNullValues;
        }

        public List<String> getTrustedPackages() {
            return trustedPackages;
        }

        public void setTrustedPackages(List<String> trustedPackages) {
            this.trustedPackages = trustedPackages;
        }

        public Duration getFlushTimeout() {
            return flushTimeout;
        }

        public void setFlushTimeout(Duration flushTimeout) {
            this.flushTimeout = flushTimeout;
        }
    }
}
