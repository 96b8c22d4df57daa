package dev.hearth.client.spring;

import dev.hearth.client.ClientStats;
import dev.hearth.client.HearthClient;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * Actuator health from the client's own state: UP while its circuit is closed (the cluster answers) and writes are
 * accepted; DOWN while the circuit is open or half-open (operations fail fast and {@code @Cacheable} methods run
 * uncached) or while writes are refused because the tenant registry could not be read for longer than
 * {@code maxRegistryAge} (puts and evictions fail; an eviction that fails leaves a stale value). No network call: it reads the state the
 * client already keeps. A cache outage slows an API server but does not break it, so an application whose liveness
 * probe reads this may want {@code management.health.hearth.enabled=false} or to leave it out of that probe's group.
 */
public final class HearthHealthIndicator implements HealthIndicator {
    private final HearthClient client;

    public HearthHealthIndicator(HearthClient client) {
        this.client = client;
    }

    @Override
    public Health health() {
        ClientStats s = client.stats();
        Health.Builder h = s.healthy() ? Health.up() : Health.down();
        return h.withDetail("circuit", s.circuitState().name())
                .withDetail("writesRefused", s.writesRefused())
                .withDetail("hits", s.hits())
                .withDetail("misses", s.misses())
                .withDetail("timeouts", s.timeouts())
                .withDetail("errors", s.errors())
                .withDetail("rejected", s.rejected())
                .withDetail("registryAgeMillis", s.registryAgeMillis())
                .build();
    }
}
