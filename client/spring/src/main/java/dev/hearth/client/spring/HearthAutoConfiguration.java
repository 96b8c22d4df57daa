package dev.hearth.client.spring;

import dev.hearth.client.HearthClient;
import dev.hearth.client.HearthClientBuilder;
import dev.hearth.client.OperationListener;
import dev.hearth.client.micrometer.HearthMetrics;
import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurationPackages;
import org.springframework.boot.autoconfigure.cache.CacheAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cache.CacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Spring Boot auto-configuration: a {@link HearthClient} from {@code hearth.*} ({@link HearthProperties}), a
 * {@link HearthCacheManager} unless the application defines its own {@link CacheManager} (before Boot's own cache
 * auto-configuration, which then backs off), with Actuator a health indicator named {@code hearth}, and with
 * hearth-micrometer and a Micrometer registry the client's meters. Every {@link OperationListener} bean (a tracing
 * listener, say) is given to the client. Turned off with {@code hearth.enabled=false}.
 */
@AutoConfiguration(before = CacheAutoConfiguration.class)
@ConditionalOnClass(HearthClient.class)
@ConditionalOnProperty(prefix = "hearth", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(HearthProperties.class)
public class HearthAutoConfiguration {

    /** Closed with the application context. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public HearthClient hearthClient(HearthProperties p, ObjectProvider<OperationListener> listeners,
            ObjectProvider<ClientMonitor> monitors) {
        if (p.getAddresses() == null || p.getAddresses().isEmpty()) {
            throw new IllegalStateException("hearth.addresses is not set: give every Hearth node's thin-client address "
                    + "(host:port), or set hearth.enabled=false");
        }
        HearthClientBuilder b = HearthClient.builder().addresses(p.getAddresses());
        if (p.getTimeout() != null) {
            b.timeout(p.getTimeout());
        }
        if (p.getZone() != null) {
            b.zone(p.getZone());
        }
        if (p.getReadFailoverAfter() != null) {
            b.readFailoverAfter(p.getReadFailoverAfter());
        }
        if (p.getSendFromCaller() != null) {
            b.sendFromCaller(p.getSendFromCaller());
        }
        if (p.getMaxValueSize() != null) {
            b.maxValueSize(p.getMaxValueSize());
        }
        if (p.getNearCache().getTtl() != null) {
            b.nearCache(p.getNearCache().getTtl(), p.getNearCache().getMaxEntries());
        }
        HearthProperties.Tls tls = p.getTls();
        if (tls.getCaFile() != null) {
            b.tls(tls.getCaFile(), tls.getCertFile(), tls.getKeyFile());
        } else if (tls.getCertFile() != null || tls.getKeyFile() != null) {
            throw new IllegalStateException("hearth.tls: a certificate without hearth.tls.ca-file; set the cluster CA");
        }
        listeners.orderedStream().forEach(b::addListener);
        HearthClient client = b.build();
        monitors.orderedStream().forEach(m -> m.monitor(client));
        return client;
    }

    /** Something that wants the client once it is built (its metrics' counters); see {@link Metrics}. */
    @FunctionalInterface
    public interface ClientMonitor {
        void monitor(HearthClient client);
    }

    /** Trusts the application's own packages (those Boot scans) and {@code hearth.cache.trusted-packages}. */
    @Bean
    @ConditionalOnMissingBean(CacheManager.class)
    public HearthCacheManager cacheManager(HearthClient client, HearthProperties p, BeanFactory beanFactory) {
        HearthProperties.Cache c = p.getCache();
        List<String> trusted = new ArrayList<>(c.getTrustedPackages());
        if (AutoConfigurationPackages.has(beanFactory)) {
            trusted.addAll(AutoConfigurationPackages.get(beanFactory));
        }
        HearthCacheManager.Builder b = HearthCacheManager.builder(client)
                .codec(TypedJsonCodec.trusting(trusted))
                .timeToLive(c.getTimeToLive())
                .allowNullValues(c.isAllowNullValues())
                .flushTimeout(c.getFlushTimeout());
        c.getTimeToLivePerCache().forEach(b::timeToLive);
        return b.build();
    }

    /**
     * With hearth-micrometer and a Micrometer registry (Actuator's): {@code HearthMetrics} as the client's listener
     * and as a meter binder, which Boot binds to the registry.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"dev.hearth.client.micrometer.HearthMetrics",
            "io.micrometer.core.instrument.MeterRegistry"})
    static class Metrics {
        @Bean
        @ConditionalOnMissingBean
        HearthMetrics hearthMetrics() {
            return new HearthMetrics();
        }

        @Bean
        ClientMonitor hearthMetricsMonitor(HearthMetrics metrics) {
            return metrics::monitor;
        }
    }

    /** Only where the application has Actuator. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
    @ConditionalOnProperty(prefix = "management.health.hearth", name = "enabled", matchIfMissing = true)
    static class Health {
        @Bean
        @ConditionalOnMissingBean(name = "hearthHealthIndicator")
        HearthHealthIndicator hearthHealthIndicator(HearthClient client) {
            return new HearthHealthIndicator(client);
        }
    }
}
